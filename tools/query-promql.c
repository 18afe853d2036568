/* query-promql.c - rondo-query's PromQL, rondod's engine on a local store.
 *
 * `rondo-query 'rate(x[1m])'` must answer what rondod answers for the same
 * data, so the tools do not get a PromQL of their own: they link the
 * engine rondod serves (src/libpromql: parser, evaluator, tier choice) and
 * hand it one store, opened read-only, under the name of its directory.
 * What comes back is converted to the tools' result, so tables, charts, CSV
 * and JSON print it as they print a selector's points.
 */
#include "config.h"
#include <math.h>
#include <string.h>
#include "eval.h"
#include "promql.h"
#include "query-promql.h"
#include "store-handle.h"

gboolean
tool_promql_check(const char *expr, gboolean *ret_selector, GError **error)
{
    g_autoptr(Node) root = promql_parse(expr, error);
    if (root == NULL)
        return FALSE;
    *ret_selector = root->kind == NODE_SELECTOR && root->range_ns == 0 && root->offset_ns == 0 &&
                    root->at == AT_NONE;
    return TRUE;
}

/* One answer series as a result series: __name__ is its name, the store
 * label (the one store) is left out, steps without a value are gaps. */
static void
add_series(ToolResult *out, const EvalSeries *es, const EvalContext *ctx)
{
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();
    const char *name = "";
    for (guint i = 0; es->labels[i] != NULL; i += 2) {
        if (g_str_equal(es->labels[i], "__name__"))
            name = es->labels[i + 1];
        else if (!g_str_equal(es->labels[i], "store"))
            g_strv_builder_add_many(b, es->labels[i], es->labels[i + 1], NULL);
    }
    guint k = 0; /* es->v[k] is step es->first + k (a window: EvalSeries) */
    while (k < es->n && eval_is_absent(es->v[k]))
        k++;
    if (k == es->n)
        return; /* no value in the range: not in a range answer (as in Prometheus) */
    g_auto(GStrv) labels = g_strv_builder_end(b);
    ToolResultSeries *s = tool_result_add(out, name, (const char *const *)labels);
    for (; k < es->n; k++) {
        if (eval_is_absent(es->v[k]))
            continue;
        ToolPoint p = {ctx->start_ns + (guint64)(es->first + k) * ctx->step_ns, es->v[k],
                       TOOL_POINT_TIER_UNKNOWN};
        g_array_append_val(s->points, p);
    }
}

static void
add_scalar(ToolResult *out, const EvalResult *r, const EvalContext *ctx)
{
    ToolResultSeries *s = tool_result_add(out, "scalar", NULL);
    for (guint k = 0; k < r->n_steps; k++) {
        ToolPoint p = {ctx->start_ns + k * ctx->step_ns, r->scalar_v[k], TOOL_POINT_TIER_UNKNOWN};
        g_array_append_val(s->points, p);
    }
}

ToolResult *
tool_promql_eval(const char *store_dir, const char *expr, guint64 start_ns, guint64 end_ns,
                 guint64 step_ns, GError **error)
{
    g_autoptr(Node) root = promql_parse(expr, error);
    if (root == NULL)
        return NULL;
    RondoStore *store = rondo_store_open(store_dir, RONDO_OPEN_READ_ONLY, error);
    if (store == NULL)
        return NULL;
    g_autofree char *name = g_path_get_basename(store_dir);
    g_autoptr(GPtrArray) handles =
        g_ptr_array_new_with_free_func((GDestroyNotify)store_handle_unref);
    g_ptr_array_add(handles, store_handle_new(name, store));
    EvalContext ctx = {start_ns, end_ns, MAX(step_ns, 1), EVAL_MAX_SAMPLES_DEFAULT, handles};
    g_autoptr(EvalResult) r = eval_run(root, &ctx, error);
    if (r == NULL)
        return NULL;
    g_autoptr(ToolResult) out = tool_result_new(start_ns, end_ns);
    if (r->scalar)
        add_scalar(out, r, &ctx);
    for (guint i = 0; !r->scalar && i < r->series->len; i++)
        add_series(out, g_ptr_array_index(r->series, i), &ctx);
    tool_result_sort(out);
    return g_steal_pointer(&out);
}
