/* rondo-query.c - the everyday query command: a selector in, a table, a
 * chart, CSV or JSON out, from a local store or from rondod.
 *
 * All the work is shared with `rondo query` (query-run.c); this file only
 * knows its options and that --url goes through remote.c.
 */
#include "config.h"
#include "query-run.h"
#include "remote.h"
#include "rondo-tool.h"

typedef struct {
    char *store, *url, *start, *end, *range, *step, *tier, *function, *format;
    gboolean chart, raw;
} Args;

static void
args_clear(Args *a)
{
    g_free(a->store), g_free(a->url), g_free(a->start), g_free(a->end), g_free(a->range);
    g_free(a->step), g_free(a->tier), g_free(a->function), g_free(a->format);
}

static GOptionContext *
context_new(Args *a)
{
    GOptionEntry entries[] = {
        {"store", 'd', 0, G_OPTION_ARG_FILENAME, &a->store, N_("Read the store in DIR"), N_("DIR")},
        {"url", 'u', 0, G_OPTION_ARG_STRING, &a->url,
         N_("Ask the rondod at URL (http://HOST:PORT)"), N_("URL")},
        {"start", 's', 0, G_OPTION_ARG_STRING, &a->start, N_("Start of the range"), N_("TIME")},
        {"end", 'e', 0, G_OPTION_ARG_STRING, &a->end, N_("End of the range (default: now)"),
         N_("TIME")},
        {"range", 'r', 0, G_OPTION_ARG_STRING, &a->range, N_("Length of the range (default: 10m)"),
         N_("DURATION")},
        {"step", 0, 0, G_OPTION_ARG_STRING, &a->step,
         N_("Resolution of an expression's answer, or asked of rondod (default: range/250)"),
         N_("DURATION")},
        {"tier", 't', 0, G_OPTION_ARG_STRING, &a->tier, N_("Tier to read, or “auto” (default)"),
         N_("N|auto")},
        {"function", 'f', 0, G_OPTION_ARG_STRING, &a->function,
         N_("Consolidation function (default: average)"), N_("FUNCTION")},
        {"format", 'o', 0, G_OPTION_ARG_STRING, &a->format,
         N_("Output format: table (default), csv or json"), N_("FORMAT")},
        {"chart", 'c', 0, G_OPTION_ARG_NONE, &a->chart, N_("Draw a line chart"), NULL},
        {"raw", 0, 0, G_OPTION_ARG_NONE, &a->raw,
         N_("Tables and charts: plain numbers, not values in units (KiB, ms)"), NULL},
        G_OPTION_ENTRY_NULL,
    };
    GOptionContext *context = g_option_context_new(_("SELECTOR|EXPRESSION"));
    g_option_context_set_summary(
        context, _("Print the series that SELECTOR matches, or the answer to a PromQL "
                   "EXPRESSION as rondod gives it, for example\n"
                   "  rondo-query --store DIR 'vcpu_exits_total{reason=\"io\"}' --range 10m\n"
                   "  rondo-query --store DIR 'sum by (reason) (rate(vcpu_exits_total[1m]))'"));
    g_option_context_add_main_entries(context, entries, GETTEXT_PACKAGE);
    return context;
}

int
main(int argc, char **argv)
{
    Args a = {0};
    tool_init("rondo-query");
    g_autoptr(GOptionContext) context = context_new(&a);
    int status = EXIT_USAGE;

    if (!tool_parse(context, &argc, &argv) || !tool_want_args(argc, argv, 1, _("SELECTOR")))
        goto out;
    if ((a.store == NULL) == (a.url == NULL)) {
        tool_error(_("give exactly one of --store DIR and --url URL"));
        goto out;
    }
    ToolQueryOptions o = {
        .store_dir = a.store,
        .url = a.url,
        .selector = argv[1],
        .start = a.start,
        .end = a.end,
        .range = a.range,
        .step = a.step,
        .tier = a.tier,
        .function = a.function,
        .format = a.format,
        .chart = a.chart,
        .raw = a.raw,
        .fetch = tool_remote_fetch,
    };
    status = tool_query_run(&o);
out:
    args_clear(&a);
    return status;
}
