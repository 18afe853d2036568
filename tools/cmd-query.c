/* cmd-query.c - `rondo query DIR SELECTOR`: rondo-query for one local store,
 * kept in the admin command so scripts need only one program. */
#include "config.h"
#include "query-run.h"
#include "rondo-tool.h"

int
tool_cmd_query(int argc, char **argv)
{
    ToolQueryOptions o = {0};
    GOptionEntry entries[] = {
        {"start", 's', 0, G_OPTION_ARG_STRING, &o.start, N_("Start of the range"), N_("TIME")},
        {"end", 'e', 0, G_OPTION_ARG_STRING, &o.end, N_("End of the range (default: now)"),
         N_("TIME")},
        {"range", 'r', 0, G_OPTION_ARG_STRING, &o.range, N_("Length of the range (default: 10m)"),
         N_("DURATION")},
        {"step", 0, 0, G_OPTION_ARG_STRING, &o.step,
         N_("Resolution of an expression's answer (default: range/250)"), N_("DURATION")},
        {"tier", 't', 0, G_OPTION_ARG_STRING, &o.tier, N_("Tier to read, or “auto” (default)"),
         N_("N|auto")},
        {"function", 'f', 0, G_OPTION_ARG_STRING, &o.function,
         N_("Consolidation function (default: average)"), N_("FUNCTION")},
        {"format", 'o', 0, G_OPTION_ARG_STRING, &o.format,
         N_("Output format: table (default), csv or json"), N_("FORMAT")},
        {"chart", 'c', 0, G_OPTION_ARG_NONE, &o.chart, N_("Draw a line chart"), NULL},
        {"raw", 0, 0, G_OPTION_ARG_NONE, &o.raw,
         N_("Tables and charts: plain numbers, not values in units (KiB, ms)"), NULL},
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GOptionContext) context = g_option_context_new(_("DIR SELECTOR|EXPRESSION"));
    g_option_context_set_summary(context, _("Print the points of the series that SELECTOR "
                                            "matches in the store DIR, or the answer to a PromQL "
                                            "EXPRESSION as rondod gives it."));
    g_option_context_add_main_entries(context, entries, GETTEXT_PACKAGE);
    if (!tool_parse(context, &argc, &argv) || !tool_want_args(argc, argv, 2, _("DIR and SELECTOR")))
        return EXIT_USAGE;
    o.store_dir = argv[1];
    o.selector = argv[2];
    int status = tool_query_run(&o);
    g_free((char *)o.start), g_free((char *)o.end), g_free((char *)o.range), g_free((char *)o.step);
    g_free((char *)o.tier), g_free((char *)o.function), g_free((char *)o.format);
    return status;
}
