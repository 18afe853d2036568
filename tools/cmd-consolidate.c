/* cmd-consolidate.c - `rondo consolidate DIR`: one maintenance pass for a
 * store whose writer is gone (a live writer consolidates by itself, and
 * holds the lock, so this refuses and names it). */
#include "config.h"
#include <stdio.h>
#include "rondo-tool.h"

/* The store is locked: say by whom, which open(WRITE) cannot tell. */
static void
report_locked(const char *dir, const GError *error)
{
    g_autoptr(RondoStore) ro = rondo_store_open(dir, RONDO_OPEN_READ_ONLY, NULL);
    gint64 pid = ro ? rondo_store_writer_pid(ro) : 0;
    if (pid > 0)
        tool_error(_("%s: the writer lock is held by process %lld"), dir, (long long)pid);
    else
        tool_store_error(dir, error);
}

int
tool_cmd_consolidate(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GOptionContext) context = g_option_context_new(_("DIR"));
    guint buckets = 0;
    g_option_context_set_summary(context, _("Fill the coarser tiers of the store in DIR up to "
                                            "now, once."));
    if (!tool_parse(context, &argc, &argv) || !tool_want_args(argc, argv, 1, _("DIR")))
        return EXIT_USAGE;
    g_autoptr(RondoStore) store = rondo_store_open(argv[1], RONDO_OPEN_WRITE, &error);
    if (store == NULL) {
        if (g_error_matches(error, RONDO_ERROR, RONDO_ERROR_LOCKED))
            report_locked(argv[1], error);
        else
            tool_store_error(argv[1], error);
        return 1;
    }
    if (!rondo_store_consolidate(store, tool_now_ns(), &buckets, &error)) {
        tool_store_error(argv[1], error);
        return 1;
    }
    printf(_("%s: %u buckets consolidated\n"), argv[1], buckets);
    return 0;
}
