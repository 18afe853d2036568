/* eval-steps.c - subtrees evaluated at steps of their own: subqueries, and what @ pins.
 *
 * Why a file of its own: both constructs mean "evaluate this part at other
 * times than the query's steps", and Prometheus 2.42's answers depend on its
 * exact choices (promql/engine.go), which this file repeats:
 *
 *   1. A subquery expr[R:S] offset O is a range evaluation of its own of
 *      expr, over the absolute multiples of S (in whole milliseconds since
 *      1970) from the first at or after (first step - O - R) to (last step
 *      - O). A range function then takes windows [t - O - R, t - O] of
 *      those points as it takes them of stored points. S defaults to
 *      PROMQL_SUBQUERY_STEP_NS, Prometheus' default evaluation interval.
 *   2. A selector or a subquery with @ T reads as with the offset
 *      O + (start - T), start being the first step of the evaluation it is
 *      part of (setOffsetForAtModifier): at the first step it reads at T.
 *   3. A subtree whose value cannot depend on the step (each selector and
 *      subquery in it pinned by @; no time(), timestamp(), predict_linear()
 *      or date function) is evaluated once, at the first step, and its
 *      values copied to every step: Prometheus' StepInvariantExpr. So a
 *      pinned range selector under a function that is not step-invariant
 *      moves with the steps (2.), as it does in Prometheus, over the points
 *      up to its pinned time only (eval_at_clip()). (A pinned subquery
 *      there is evaluated over the steps it moves to, its selectors not so
 *      bounded: that corner of Prometheus is not repeated.)
 *
 * Invariant: a nested evaluation shares the samples count (max_samples) and
 * the query's start and end (@ start(), @ end()) with the outer one.
 */
#include "config.h"

#include <math.h>

#include "eval-priv.h"
#include "labels.h"

/* @a + @b, held within the 64 bits (input from the network may ask for more). */
static gint64
sum_saturated(gint64 a, gint64 b)
{
    gint64 sum;
    if (__builtin_add_overflow(a, b, &sum))
        return b > 0 ? G_MAXINT64 : G_MININT64;
    return sum;
}

gint64
eval_offset(const Eval *ev, const Node *n)
{
    g_assert(n->kind == NODE_SELECTOR || n->kind == NODE_SUBQUERY);
    if (n->at == AT_NONE)
        return n->offset_ns;
    guint64 at = n->at == AT_START ? ev->query_start_ns
                 : n->at == AT_END ? ev->query_end_ns
                                   : n->at_ns;
    return sum_saturated(n->offset_ns, (gint64)ev->ctx->start_ns - (gint64)at);
}

guint
eval_at_clip(const Eval *ev, const Node *sel, const Point *p, guint n)
{
    if (sel->at == AT_NONE)
        return n;
    /* Prometheus asks its storage for the pinned time's points only: a
     * window moving with the steps (2.) finds no later ones. */
    guint64 at = sel->at == AT_START ? ev->query_start_ns
                 : sel->at == AT_END ? ev->query_end_ns
                                     : sel->at_ns;
    gint64 last =
        sum_saturated((gint64)at, sel->offset_ns == G_MININT64 ? G_MAXINT64 : -sel->offset_ns);
    while (n > 0 && (gint64)p[n - 1].t > last)
        n--;
    return n;
}

/* Functions whose value depends on the step even over pinned arguments
 * (engine.go's AtModifierUnsafeFunctions). */
static gboolean
call_is_unsafe(CallKind c)
{
    return c == CALL_TIME || c == CALL_TIMESTAMP || (c >= CALL_DAY_OF_MONTH && c <= CALL_YEAR);
}

static gboolean
args_are_invariant(const GPtrArray *args)
{
    for (guint i = 0; args != NULL && i < args->len; i++) {
        if (!eval_node_is_invariant(g_ptr_array_index(args, i)))
            return FALSE;
    }
    return TRUE;
}

gboolean
eval_node_is_invariant(const Node *n)
{
    switch (n->kind) {
    case NODE_NUMBER:
        return TRUE;
    case NODE_SELECTOR:
    case NODE_SUBQUERY:
        return n->at != AT_NONE;
    case NODE_FUNC:
        return n->func != FN_PREDICT_LINEAR && eval_node_is_invariant(n->lhs) &&
               (n->rhs == NULL || eval_node_is_invariant(n->rhs)) && args_are_invariant(n->args);
    case NODE_CALL:
        return !call_is_unsafe(n->call) && args_are_invariant(n->args);
    case NODE_AGG: /* the parameter is not looked at: Prometheus does not */
    case NODE_NEG:
        return eval_node_is_invariant(n->lhs);
    case NODE_BINARY:
        return eval_node_is_invariant(n->lhs) && eval_node_is_invariant(n->rhs);
    }
    g_assert_not_reached();
}

/* An evaluation of @outer's query over the steps of @ctx. */
static Eval
eval_nested(const Eval *outer, const EvalContext *ctx)
{
    Eval ev = {.ctx = ctx,
               .n_steps = eval_count_steps(ctx->start_ns, ctx->end_ns, ctx->step_ns),
               .samples = outer->samples,
               .points = outer->points,
               .query_start_ns = outer->query_start_ns,
               .query_end_ns = outer->query_end_ns};
    return ev;
}

EvalResult *
eval_invariant(Eval *ev, const Node *n, GError **error)
{
    EvalContext once = *ev->ctx;
    once.end_ns = once.start_ns;
    Eval inner = eval_nested(ev, &once);
    g_autoptr(EvalResult) r1 = eval_node(&inner, n, error);
    ev->samples = inner.samples;
    return r1 != NULL ? eval_result_broadcast(r1, ev->n_steps) : NULL;
}

EvalResult *
eval_result_broadcast(EvalResult *r1, guint n_steps)
{
    g_assert(r1->n_steps == 1);
    EvalResult *r = eval_result_new(r1->scalar, n_steps);
    r->value_order = r1->value_order;
    for (guint i = 0; r->scalar && i < n_steps; i++)
        r->scalar_v[i] = r1->scalar_v[0];
    for (guint k = 0; !r->scalar && k < r1->series->len; k++) {
        EvalSeries *s1 = g_ptr_array_index(r1->series, k);
        EvalSeries *s = eval_series_new(g_steal_pointer(&s1->labels), n_steps);
        for (guint i = 0; i < n_steps; i++)
            s->v[i] = s1->v[0];
        g_ptr_array_add(r->series, s);
    }
    return r;
}

static guint64
add_saturated(guint64 a, guint64 b)
{
    return a > G_MAXUINT64 - b ? G_MAXUINT64 : a + b;
}

/* Over @span_ns, a subquery's inner expression runs at the multiples of its
 * step from span + range before the last step (1.): at most this many. */
guint64
eval_count_subquery_steps(const Node *n, guint64 span_ns)
{
    if (n == NULL)
        return 0;
    if (n->kind == NODE_SUBQUERY) {
        guint64 step = n->step_ns != 0 ? n->step_ns : PROMQL_SUBQUERY_STEP_NS;
        guint64 inner_span = add_saturated(span_ns, n->range_ns);
        return add_saturated(inner_span / step + 1, eval_count_subquery_steps(n->lhs, inner_span));
    }
    guint64 n_steps = add_saturated(eval_count_subquery_steps(n->lhs, span_ns),
                                    eval_count_subquery_steps(n->rhs, span_ns));
    for (guint i = 0; n->args != NULL && i < n->args->len; i++)
        n_steps = add_saturated(n_steps,
                                eval_count_subquery_steps(g_ptr_array_index(n->args, i), span_ns));
    return n_steps;
}

/* The subquery's own steps (1.); FALSE if it has none. */
static gboolean
subquery_steps(const Eval *ev, const Node *sq, EvalContext *ret_ctx)
{
    gint64 offset = eval_offset(ev, sq);
    guint64 step = sq->step_ns != 0 ? sq->step_ns : PROMQL_SUBQUERY_STEP_NS;
    gint64 back = sum_saturated(offset, (gint64)MIN(sq->range_ns, (guint64)G_MAXINT64));
    gint64 first =
        sum_saturated((gint64)ev->ctx->start_ns, back == G_MININT64 ? G_MAXINT64 : -back);
    gint64 last =
        sum_saturated((gint64)ev->ctx->end_ns, offset == G_MININT64 ? G_MAXINT64 : -offset);
    guint64 start = first <= 0 ? 0 : ((guint64)first + step - 1) / step * step;
    if (last < 0 || (guint64)last < start)
        return FALSE;
    *ret_ctx = *ev->ctx;
    ret_ctx->start_ns = start;
    ret_ctx->end_ns = (guint64)last;
    ret_ctx->step_ns = step;
    return TRUE;
}

/* The subquery's inner expression at its steps; NULL with @error set. */
static EvalResult *
subquery_run(Eval *ev, const Node *sq, EvalContext *ctx, GError **error)
{
    if (!subquery_steps(ev, sq, ctx))
        return eval_result_new(FALSE, 0);
    guint n_steps = eval_count_steps(ctx->start_ns, ctx->end_ns, ctx->step_ns);
    if (n_steps > ctx->max_samples) {
        eval_set_too_many_samples(ctx, error);
        return NULL;
    }
    Eval inner = eval_nested(ev, ctx);
    EvalResult *r = eval_node(&inner, sq->lhs, error);
    ev->samples = inner.samples;
    g_assert(r == NULL || !r->scalar);
    return r;
}

static gint
series_labels_cmp(gconstpointer a, gconstpointer b)
{
    return labels_cmp((*(EvalSeries *const *)a)->labels, (*(EvalSeries *const *)b)->labels);
}

EvalResult *
eval_subquery(Eval *ev, const Node *fn, GError **error)
{
    const Node *sq = fn->lhs;
    EvalContext ctx = *ev->ctx;
    g_autoptr(EvalResult) in = subquery_run(ev, sq, &ctx, error);
    if (in == NULL)
        return NULL;
    g_ptr_array_sort(in->series, series_labels_cmp); /* the order sum() adds in */
    gint64 offset = eval_offset(ev, sq);
    g_autofree Point *p = g_new(Point, in->n_steps + 1);
    EvalResult *r = eval_result_new(FALSE, ev->n_steps);
    for (guint k = 0; k < in->series->len; k++) {
        EvalSeries *s = g_ptr_array_index(in->series, k);
        guint n = 0;
        for (guint i = 0; i < in->n_steps; i++) {
            if (!eval_is_absent(s->v[i]))
                p[n++] = (Point){ctx.start_ns + (guint64)i * ctx.step_ns, s->v[i]};
        }
        if (n > 0)
            g_ptr_array_add(r->series, eval_windows(ev, fn->func, g_steal_pointer(&s->labels), p, n,
                                                    sq->range_ns, offset));
    }
    return r;
}
