/* cmd-restore.c - `rondo restore DIR < dump`: a new store from a dump.
 *
 * The dump is read as it comes, one series at a time (json-stream.c),
 * applied by dump-restore.c, and summed up: how many points the store holds, and
 * why any others are not there. Any error stops the restore and leaves
 * the half-made DIR for the user to remove (it is new, so nothing of
 * value is lost).
 */
#include "config.h"
#include <stdio.h>
#include <gio/gunixinputstream.h>
#include "dump-restore.h"
#include "json-input.h"
#include "rondo-tool.h"

static void
print_refused(const char *message, gpointer user_data)
{
    (void)user_data;
    tool_error("%s", message);
}

int
tool_cmd_restore(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GOptionContext) context = g_option_context_new(_("DIR"));
    ToolRestoreTally tally = {0};
    g_option_context_set_summary(context, _("Create the store DIR from a “rondo dump” read from "
                                            "standard input."));
    if (!tool_parse(context, &argc, &argv) || !tool_want_args(argc, argv, 1, _("DIR")))
        return EXIT_USAGE;
    g_autoptr(GInputStream) in = g_unix_input_stream_new(0, FALSE);
    if (!tool_dump_restore(argv[1], in, &tally, print_refused, NULL, &error)) {
        if (error->domain == G_IO_ERROR)
            tool_error(_("restore: standard input: %s"), error->message);
        else
            tool_store_error(argv[1], error);
        return 1;
    }
    if (tally.kept == tally.points && tally.out_of_range + tally.too_old == 0) {
        printf(_("restored %s: %llu points\n"), argv[1], (unsigned long long)tally.kept);
        return 0;
    }
    /* Refused points, and points a newer point pushed out of the window. */
    guint64 lost =
        tally.points - MIN(tally.points, tally.kept + tally.out_of_range + tally.too_old);
    printf(_("restored %s: %llu of %llu points; refused %llu outside the valid time range, %llu "
             "older than their tier's window; %llu not kept (out of the window of newer points, or "
             "repeated)\n"),
           argv[1], (unsigned long long)tally.kept, (unsigned long long)tally.points,
           (unsigned long long)tally.out_of_range, (unsigned long long)tally.too_old,
           (unsigned long long)lost);
    return 1;
}
