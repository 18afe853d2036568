/* cmd-upgrade.c - `rondo upgrade DIR`: a store of an older format version
 * converted in place to the one this library writes. The work, and its
 * crash safety, is rondo_store_upgrade()'s; this names the outcome. */
#include "config.h"
#include <stdio.h>
#include "rondo-tool.h"

int
tool_cmd_upgrade(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GOptionContext) context = g_option_context_new(_("DIR"));
    g_option_context_set_summary(
        context, _("Convert the store in DIR in place to the current format version, every "
                   "value bit for bit. The writer must be stopped; readers may stay. An "
                   "interrupted upgrade is finished by running the command again."));
    if (!tool_parse(context, &argc, &argv) || !tool_want_args(argc, argv, 1, _("DIR")))
        return EXIT_USAGE;
    guint from = 0;
    if (!rondo_store_upgrade(argv[1], &from, &error)) {
        tool_store_error(argv[1], error);
        return 1;
    }
    if (from == RONDO_FORMAT_VERSION)
        printf(_("%s: already format version %u, nothing to do\n"), argv[1], from);
    else
        printf(_("%s: upgraded from format version %u to %u\n"), argv[1], from,
               (unsigned)RONDO_FORMAT_VERSION);
    return 0;
}
