/* query-run.c - validate every word first, then touch the store.
 *
 * Usage errors (selector, times, tier, format) are found before any file is
 * opened, so they always exit 2 with one line on stderr; trouble with the
 * store or the server exits 1.
 */
#include "config.h"
#include <gio/gio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "output.h"
#include "query-promql.h"
#include "query-run.h"
#include "rondo-tool.h"
#include "timespec.h"

#define CHART_HEIGHT 12
#define STEP_POINTS  250

typedef struct {
    guint tier;
    RondoConsolidation cf;
    ToolFormat format;
    guint64 start_ns, end_ns, step_ns;
    gboolean expression; /* PromQL beyond a selector: evaluated as rondod does */
} Plan;

static gboolean
plan_tier(const ToolQueryOptions *o, Plan *plan)
{
    char *end = NULL;
    plan->tier = TOOL_QUERY_TIER_AUTO;
    if (o->tier == NULL || g_str_equal(o->tier, "auto"))
        return TRUE;
    guint64 t = g_ascii_strtoull(o->tier, &end, 10);
    if (end == o->tier || *end != '\0' || t >= RONDO_TIERS_MAX) {
        tool_error(_("--tier: “%s” is not “auto” or a tier number 0..%u"), o->tier,
                   RONDO_TIERS_MAX - 1);
        return FALSE;
    }
    plan->tier = (guint)t;
    return TRUE;
}

static gboolean
plan_words(const ToolQueryOptions *o, Plan *plan)
{
    plan->cf = RONDO_CF_AVERAGE;
    plan->format = TOOL_FORMAT_TABLE;
    if (o->function && !rondo_consolidation_from_string(o->function, &plan->cf)) {
        tool_error(_("--function: “%s” is not one of average, min, max, last, sum, count"),
                   o->function);
        return FALSE;
    }
    if (o->format && !tool_format_from_string(o->format, &plan->format)) {
        tool_error(_("--format: “%s” is not one of table, csv, json"), o->format);
        return FALSE;
    }
    if (o->chart && o->format) {
        tool_error(_("--chart draws a chart; it cannot be combined with --format"));
        return FALSE;
    }
    gboolean tier_or_function = o->function || (o->tier && !g_str_equal(o->tier, "auto"));
    if (o->url && tier_or_function) {
        tool_error(_("--tier and --function are not available with --url"));
        return FALSE;
    }
    if (plan->expression && tier_or_function) {
        tool_error(_("--tier and --function read a selector's points as stored; an "
                     "expression such as rate() or sum by reads the tiers as rondod does"));
        return FALSE;
    }
    return plan_tier(o, plan);
}

static gboolean
plan_times(const ToolQueryOptions *o, Plan *plan)
{
    g_autoptr(GError) error = NULL;
    if (!tool_time_range_resolve(o->start, o->end, o->range, tool_now_ns(), &plan->start_ns,
                                 &plan->end_ns, &error)) {
        tool_error("%s", error->message);
        return FALSE;
    }
    plan->step_ns = (plan->end_ns - plan->start_ns) / STEP_POINTS;
    plan->step_ns = MAX(RONDO_NS_PER_S, plan->step_ns - plan->step_ns % RONDO_NS_PER_S);
    if (o->step != NULL && !tool_duration_parse(o->step, &plan->step_ns, &error)) {
        tool_error("--step: %s", error->message);
        return FALSE;
    }
    return TRUE;
}

/* The metric name a selector asks for with = on __name__, or NULL. */
static const char *
selector_name(const ToolSelector *selector)
{
    for (guint i = 0; i < tool_selector_get_n_matchers(selector); i++) {
        RondoMatchOp op;
        const char *value;
        const char *label = tool_selector_get_matcher(selector, i, &op, &value);
        if (g_str_equal(label, "__name__") && op == RONDO_MATCH_EQUAL)
            return value;
    }
    return NULL;
}

/* Levenshtein distance of @a and @b, in bytes (names are ASCII). */
static guint
edit_distance(const char *a, const char *b)
{
    gsize n = strlen(b);
    g_autofree guint *row = g_new(guint, n + 1);
    for (gsize j = 0; j <= n; j++)
        row[j] = (guint)j;
    for (gsize i = 1; a[i - 1] != '\0'; i++) {
        guint diag = row[0];
        row[0] = (guint)i;
        for (gsize j = 1; j <= n; j++) {
            guint up = row[j];
            guint sub = diag + (a[i - 1] != b[j - 1]);
            row[j] = MIN(sub, MIN(up, row[j - 1]) + 1);
            diag = up;
        }
    }
    return row[n];
}

/* Whether a series of @store is called @name; else the nearest name, if
 * near enough to be a typo (in @ret_nearest, NULL if none). */
static gboolean
store_has_name(const RondoStore *store, const char *name, const char **ret_nearest)
{
    guint best = MAX(2, (guint)strlen(name) / 4) + 1;
    *ret_nearest = NULL;
    for (guint id = 0; id < rondo_store_get_n_series(store); id++) {
        const char *have = rondo_series_get_name(rondo_store_get_series(store, id));
        if (g_str_equal(have, name))
            return TRUE;
        guint d = edit_distance(name, have);
        if (d < best) {
            best = d;
            *ret_nearest = have;
        }
    }
    return FALSE;
}

/* An empty answer for a metric the store does not have is an error. */
static gboolean
check_name_known(const ToolQueryOptions *o, const RondoStore *store, const char *name)
{
    const char *nearest;
    if (name == NULL || store_has_name(store, name, &nearest))
        return TRUE;
    if (nearest != NULL)
        tool_error(_("%s: no series is called “%s”; did you mean “%s”?"), o->store_dir, name,
                   nearest);
    else
        tool_error(_("%s: no series is called “%s” (“rondo info %s” lists them)"), o->store_dir,
                   name, o->store_dir);
    return FALSE;
}

static ToolResult *
fetch_local(const ToolQueryOptions *o, const ToolSelector *selector, const Plan *plan)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(RondoStore) store = rondo_store_open(o->store_dir, RONDO_OPEN_READ_ONLY, &error);
    ToolResult *result = NULL;
    if (store != NULL)
        result = tool_result_from_store(store, selector, plan->tier, plan->cf, plan->start_ns,
                                        plan->end_ns, &error);
    if (result == NULL)
        tool_store_error(o->store_dir, error);
    else if (result->series->len == 0 && !check_name_known(o, store, selector_name(selector)))
        g_clear_pointer(&result, tool_result_free);
    return result;
}

/* A PromQL expression on the local store, with rondod's engine. */
static ToolResult *
fetch_local_expression(const ToolQueryOptions *o, const Plan *plan)
{
    g_autoptr(GError) error = NULL;
    ToolResult *result = tool_promql_eval(o->store_dir, o->selector, plan->start_ns, plan->end_ns,
                                          plan->step_ns, &error);
    if (result == NULL && error->domain == RONDO_ERROR)
        tool_store_error(o->store_dir, error);
    else if (result == NULL)
        tool_error("%s", error->message);
    return result;
}

static ToolResult *
fetch_remote(const ToolQueryOptions *o, const Plan *plan)
{
    g_autoptr(GError) error = NULL;
    ToolResult *result =
        o->fetch(o->url, o->selector, plan->start_ns, plan->end_ns, plan->step_ns, &error);
    if (result == NULL && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
        tool_error(_("%s: %s; is rondod running? (sudo systemctl start rondod)"), o->url,
                   error->message);
    else if (result == NULL)
        tool_error("%s: %s", o->url, error->message);
    return result;
}

static void
print_result(const ToolQueryOptions *o, const ToolResult *result, const Plan *plan)
{
    ToolOutputStyle style;
    g_autoptr(GString) out = g_string_new(NULL);
    tool_output_style_detect(&style, stdout);
    style.raw = o->raw;
    if (result->series->len == 0 && plan->format == TOOL_FORMAT_TABLE)
        tool_error(_("no series matches “%s”"), o->selector);
    else if (o->chart)
        tool_chart_write(out, result, &style, CHART_HEIGHT);
    else
        tool_output_write(out, result, plan->format, &style);
    fwrite(out->str, 1, out->len, stdout);
}

int
tool_query_run(const ToolQueryOptions *o)
{
    g_autoptr(GError) error = NULL;
    Plan plan = {0};
    g_assert((o->store_dir == NULL) != (o->url == NULL));

    /* The argument is PromQL, so it means what it means to rondod (`bool`
     * is an error, `inf` a number). A plain selector reads points as stored
     * (any tier, any function); anything else is evaluated as rondod
     * evaluates it. */
    gboolean plain = FALSE;
    if (!tool_promql_check(o->selector, &plain, &error)) {
        tool_error("%s", error->message);
        return EXIT_USAGE;
    }
    g_autoptr(ToolSelector) selector = plain ? tool_selector_parse(o->selector, NULL) : NULL;
    plan.expression = selector == NULL;
    if (!plan_words(o, &plan) || !plan_times(o, &plan))
        return EXIT_USAGE;
    g_autoptr(ToolResult) result = NULL;
    if (o->url != NULL)
        result = fetch_remote(o, &plan);
    else if (plan.expression)
        result = fetch_local_expression(o, &plan);
    else
        result = fetch_local(o, selector, &plan);
    if (result == NULL)
        return 1;
    print_result(o, result, &plan);
    return fflush(stdout) == 0 ? 0 : 1;
}
