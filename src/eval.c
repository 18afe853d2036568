/* eval.c - evaluating the PromQL subset over every step of a query at once.
 *
 * Every node evaluates to a scalar (one value per step) or to a set of
 * series (one value per step each, eval_absent() where a series has no
 * value: NaN itself is a value, as in Prometheus). A
 * selector reads each matching series once over the whole query range, from
 * the tier the step calls for, then walks the steps with two cursors, so a
 * range query costs one pass over the points plus one pass over the steps.
 *
 * Semantics follow Prometheus: an instant selector takes the newest point
 * within the lookback window (5 minutes, or two intervals of a coarse tier);
 * rate() and increase() extrapolate like Prometheus' extrapolatedRate; the
 * result of a function, an aggregation or arithmetic loses __name__.
 *
 * Limits: ctx->max_samples bounds the points read over all series.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "eval-priv.h"
#include "json.h"
#include "labels.h"
#include "tiers.h"

#define LOOKBACK_NS (G_GUINT64_CONSTANT(300) * RONDO_NS_PER_S)

/* Not G_DEFINE_QUARK: clang-format would space its argument (lib/error.c). */
GQuark
eval_error_quark(void)
{
    return g_quark_from_static_string("rondod-eval-error-quark");
}

guint
eval_count_steps(guint64 start_ns, guint64 end_ns, guint64 step_ns)
{
    if (end_ns < start_ns)
        return 0;
    return (guint)MIN((end_ns - start_ns) / MAX(step_ns, 1) + 1, G_MAXUINT);
}

guint64
eval_step_time(const Eval *ev, guint i)
{
    return ev->ctx->start_ns + (guint64)i * ev->ctx->step_ns;
}

void
eval_series_free(gpointer p)
{
    EvalSeries *s = p;
    if (s == NULL)
        return;
    g_strfreev(s->labels);
    g_free(s->v);
    g_free(s);
}

EvalSeries *
eval_series_new(char **labels, guint n_steps)
{
    EvalSeries *s = eval_series_new_window(labels);
    s->v = g_new(double, n_steps);
    eval_series_widen(s, 0, n_steps);
    return s;
}

EvalSeries *
eval_series_new_window(char **labels)
{
    EvalSeries *s = g_new0(EvalSeries, 1);
    s->labels = labels;
    return s;
}

void
eval_series_widen(EvalSeries *s, guint first, guint n)
{
    guint shift = 0;
    if (s->n > 0) {
        g_assert(first <= s->first && s->first + s->n <= first + n);
        shift = s->first - first;
        memmove(s->v + shift, s->v, s->n * sizeof(double));
    }
    for (guint j = 0; j < shift; j++)
        s->v[j] = eval_absent();
    for (guint j = shift + s->n; j < n; j++)
        s->v[j] = eval_absent();
    s->first = first;
    s->n = n;
}

gboolean
eval_series_span(const EvalSeries *s, guint *first, guint *end)
{
    if (s->n == 0)
        return TRUE;
    *first = MIN(*first, s->first);
    *end = MAX(*end, s->first + s->n);
    return *first != s->first || *end != s->first + s->n;
}

void
eval_series_fill(EvalSeries *s, guint n_steps)
{
    if (s->first == 0 && s->n == n_steps)
        return;
    s->v = g_renew(double, s->v, n_steps);
    eval_series_widen(s, 0, n_steps);
}

gboolean
eval_result_fill(Eval *ev, EvalResult *r, GError **error)
{
    gboolean windows = FALSE;
    for (guint k = 0; !r->scalar && k < r->series->len && !windows; k++) {
        const EvalSeries *s = g_ptr_array_index(r->series, k);
        windows = s->first != 0 || s->n != ev->n_steps;
    }
    if (!windows)
        return TRUE;
    /* filled out, they hold series x steps values at once: bounded as the points read are */
    if ((guint64)r->series->len * ev->n_steps > ev->ctx->max_samples) {
        eval_set_too_many_samples(ev->ctx, error);
        return FALSE;
    }
    for (guint k = 0; k < r->series->len; k++)
        eval_series_fill(g_ptr_array_index(r->series, k), ev->n_steps);
    return TRUE;
}

void
eval_set_too_many_samples(const EvalContext *ctx, GError **error)
{
    g_set_error(error, EVAL_ERROR, EVAL_ERROR_TOO_MANY_SAMPLES,
                "query processing would load too many samples into memory "
                "(limit max_samples=%" G_GUINT64_FORMAT ")",
                ctx->max_samples);
}

static gint
series_cmp(gconstpointer a, gconstpointer b)
{
    const EvalSeries *x = *(EvalSeries *const *)a, *y = *(EvalSeries *const *)b;
    return labels_cmp(x->labels, y->labels);
}

void
eval_result_free(EvalResult *r)
{
    if (r == NULL)
        return;
    g_free(r->scalar_v);
    if (r->series)
        g_ptr_array_unref(r->series);
    g_free(r);
}

EvalResult *
eval_result_new(gboolean scalar, guint n_steps)
{
    EvalResult *r = g_new0(EvalResult, 1);
    r->scalar = scalar;
    r->n_steps = n_steps;
    if (scalar)
        r->scalar_v = g_new0(double, n_steps);
    else
        r->series = g_ptr_array_new_with_free_func(eval_series_free);
    return r;
}

void
eval_result_drop_name(EvalResult *r)
{
    g_assert(!r->scalar);
    for (guint k = 0; k < r->series->len; k++) {
        EvalSeries *s = g_ptr_array_index(r->series, k);
        labels_drop(s->labels, "__name__");
    }
}

/* Moves @from's values into @into, whose window grows to hold them; FALSE
 * if both have one at a step. */
static gboolean
series_merge_into(EvalSeries *into, const EvalSeries *from)
{
    if (from->n == 0)
        return TRUE;
    guint first = from->first, end = from->first + from->n;
    if (eval_series_span(into, &first, &end)) {
        into->v = g_renew(double, into->v, end - first);
        eval_series_widen(into, first, end - first);
    }
    for (guint j = 0; j < from->n; j++) {
        double *at = &into->v[from->first + j - into->first];
        if (eval_is_absent(from->v[j]))
            continue;
        if (!eval_is_absent(*at))
            return FALSE;
        *at = from->v[j];
    }
    return TRUE;
}

gboolean
eval_result_merge(EvalResult *r, GError **error)
{
    g_assert(!r->scalar);
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GPtrArray) old = r->series; /* emptied slot by slot: NULL once moved */
    r->series = g_ptr_array_new_with_free_func(eval_series_free);
    for (guint k = 0; k < old->len; k++) {
        EvalSeries *s = g_steal_pointer(&old->pdata[k]);
        char *key = labels_key(s->labels);
        EvalSeries *first = g_hash_table_lookup(seen, key);
        if (first == NULL) {
            g_hash_table_insert(seen, key, s);
            g_ptr_array_add(r->series, s);
            continue;
        }
        g_free(key);
        gboolean ok = series_merge_into(first, s);
        eval_series_free(s);
        if (!ok) {
            g_set_error(error, EVAL_ERROR, EVAL_ERROR_EXEC,
                        "vector cannot contain metrics with the same labelset");
            return FALSE;
        }
    }
    return TRUE;
}

/* TRUE if @s has a value at some step. */
static gboolean
series_has_value(const EvalSeries *s)
{
    for (guint j = 0; j < s->n; j++) {
        if (!eval_is_absent(s->v[j]))
            return TRUE;
    }
    return FALSE;
}

gboolean
eval_result_check_distinct(const EvalResult *r, GError **error)
{
    g_assert(!r->scalar);
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (guint k = 0; k < r->series->len; k++) {
        const EvalSeries *s = g_ptr_array_index(r->series, k);
        if (series_has_value(s) && !g_hash_table_add(seen, labels_key(s->labels))) {
            g_set_error(error, EVAL_ERROR, EVAL_ERROR_EXEC,
                        "vector cannot contain metrics with the same labelset");
            return FALSE;
        }
    }
    return TRUE;
}

/* ------------------------------------------------------- reading points */

/*
 * The lookback of an instant selector: Prometheus' 5 minutes wherever the
 * raw tier 0 serves; where only coarser tiers reach back (the stitched
 * read), two intervals of the finest of them that does, so that a bucket
 * is always within reach.
 */
/* @t_ns moved back by an offset modifier (forward if negative), within 0 and G_MAXUINT64. */
static guint64
time_offset(guint64 t_ns, gint64 offset_ns)
{
    if (offset_ns >= 0)
        return t_ns > (guint64)offset_ns ? t_ns - (guint64)offset_ns : 0;
    guint64 forward = (guint64) - (offset_ns + 1) + 1;
    return t_ns < G_MAXUINT64 - forward ? t_ns + forward : G_MAXUINT64;
}

/* The time a selector with @offset_ns reads at step @i. */
static guint64
sel_time(const Eval *ev, guint i, gint64 offset_ns)
{
    return time_offset(eval_step_time(ev, i), offset_ns);
}

static guint64
lookback_ns(const StoreHandle *h, const RondoSeries *s, const Eval *ev, gint64 offset_ns)
{
    guint si = rondo_series_get_schema(s);
    const RondoSchema *schema = rondo_store_get_schema(h->store, si);
    guint64 start = sel_time(ev, 0, offset_ns);
    guint64 from = start > LOOKBACK_NS ? start - LOOKBACK_NS : 0;
    guint tier = 0, n = rondo_schema_get_n_tiers(schema);
    while (tier + 1 < n && !tier_covers(h->store, si, tier, from))
        tier++;
    return MAX(LOOKBACK_NS, rondo_schema_get_tier_interval_ns(schema, tier));
}

/* The points of [first step - @offset_ns - @back_ns, last step - @offset_ns],
 * in @ev->points (the next read overwrites them). */
static const GArray *
read_points(Eval *ev, const StoreHandle *h, const RondoSeries *s, const char *func, guint64 back_ns,
            gint64 offset_ns, GError **error)
{
    const EvalContext *ctx = ev->ctx;
    guint64 start = sel_time(ev, 0, offset_ns);
    guint64 from = start > back_ns ? start - back_ns : 0;
    TierRead r;
    tier_read_init(&r, func, from, time_offset(ctx->end_ns, offset_ns));
    TierIter it;
    if (!tier_iter_open(&it, h, s, &r, error))
        return NULL;
    GArray *pts = ev->points;
    guint n = 0;
    Point p;
    while (tier_iter_next(&it, &p.t, &p.v)) {
        if (++ev->samples > ctx->max_samples) {
            eval_set_too_many_samples(ctx, error);
            return NULL;
        }
        if (n == pts->len) /* room for more at once: an append call per point costs */
            g_array_set_size(pts, MAX(2 * n, 64));
        g_array_index(pts, Point, n++) = p;
    }
    g_array_set_size(pts, n);
    return pts;
}

/* ------------------------------------------------------------ selectors */

/* The newest point within the lookback at every step: its value, or with
 * @times its time in seconds (whole milliseconds, as Prometheus has it). */
static void
instant_fill(Eval *ev, const GArray *pts, guint64 lookback, gint64 offset_ns, gboolean times,
             double *out)
{
    guint j = 0;
    for (guint i = 0; i < ev->n_steps; i++) {
        guint64 t = sel_time(ev, i, offset_ns);
        while (j + 1 < pts->len && g_array_index(pts, Point, j + 1).t <= t)
            j++;
        if (j >= pts->len)
            break;
        const Point *p = &g_array_index(pts, Point, j);
        if (p->t <= t && p->t + lookback >= t) /* [t - lookback, t], as Prometheus 2 */
            out[i] = times ? (double)(p->t / G_GUINT64_CONSTANT(1000000)) / 1000 : p->v;
    }
}

/* Calls @fn(node) for every (store, series) the matchers accept; @labels,
 * the series' full label set (series_labelset()), become @fn's. */
typedef gboolean (*SeriesFunc)(Eval *ev, const Node *node, const StoreHandle *h,
                               const RondoSeries *s, char **labels, EvalResult *r, GError **error);

/* A series a selector matched, with its full label set (for the order). */
typedef struct {
    const StoreHandle *h;
    const RondoSeries *s;
    char **labels;
} Match;

static gint
match_cmp(gconstpointer a, gconstpointer b)
{
    return labels_cmp(((const Match *)a)->labels, ((const Match *)b)->labels);
}

static void
match_clear(gpointer p)
{
    g_strfreev(((Match *)p)->labels);
}

/*
 * Calls @fn for every series the matchers accept, in Prometheus' order: by
 * full label set, __name__ included. Aggregations add, and topk() breaks
 * ties, in the order of their input: the last bit and the series chosen
 * depend on it.
 */
static EvalResult *
each_series(Eval *ev, const GPtrArray *matchers, const Node *node, SeriesFunc fn, GError **error)
{
    g_autoptr(GArray) matches = g_array_new(FALSE, FALSE, sizeof(Match));
    g_array_set_clear_func(matches, match_clear);
    GPtrArray *handles = ev->ctx->handles;
    for (guint i = 0; i < handles->len; i++) {
        const StoreHandle *h = g_ptr_array_index(handles, i);
        guint n = store_may_match(h, matchers) ? rondo_store_get_n_series(h->store) : 0;
        for (guint id = 0; id < n; id++) {
            Match m = {h, rondo_store_get_series(h->store, id), NULL};
            if (!series_matches(h, m.s, matchers))
                continue;
            m.labels = series_labelset(h, m.s);
            g_array_append_val(matches, m);
        }
    }
    g_array_sort(matches, match_cmp);
    g_autoptr(EvalResult) r = eval_result_new(FALSE, ev->n_steps);
    for (guint i = 0; i < matches->len; i++) {
        Match *m = &g_array_index(matches, Match, i);
        if (!fn(ev, node, m->h, m->s, g_steal_pointer(&m->labels), r, error))
            return NULL;
    }
    return g_steal_pointer(&r);
}

gboolean
eval_reads_store(const Node *n, const StoreHandle *h)
{
    if (n == NULL)
        return FALSE;
    if (n->kind == NODE_SELECTOR) {
        guint count = store_may_match(h, n->matchers) ? rondo_store_get_n_series(h->store) : 0;
        for (guint id = 0; id < count; id++) {
            if (series_matches(h, rondo_store_get_series(h->store, id), n->matchers))
                return TRUE;
        }
        return FALSE;
    }
    if (eval_reads_store(n->lhs, h) || eval_reads_store(n->rhs, h))
        return TRUE;
    for (guint i = 0; n->args != NULL && i < n->args->len; i++) {
        if (eval_reads_store(g_ptr_array_index(n->args, i), h))
            return TRUE;
    }
    return FALSE;
}

static gboolean
select_instant(Eval *ev, const Node *sel, const StoreHandle *h, const RondoSeries *s,
               char **series_labels, EvalResult *r, GError **error)
{
    g_auto(GStrv) labels = series_labels;
    gint64 offset = eval_offset(ev, sel);
    guint64 lb = lookback_ns(h, s, ev, offset);
    const GArray *pts = read_points(ev, h, s, NULL, lb, offset, error);
    if (pts == NULL)
        return FALSE;
    if (ev->sample_times)
        labels_drop(labels, "__name__");
    EvalSeries *out = eval_series_new(g_steal_pointer(&labels), ev->n_steps);
    instant_fill(ev, pts, lb, offset, ev->sample_times, out->v);
    g_ptr_array_add(r->series, out);
    return TRUE;
}

EvalResult *
eval_selector_times(Eval *ev, const Node *sel, GError **error)
{
    if (sel->at != AT_NONE) { /* Prometheus reads at the pinned time, its offset ignored */
        Node pinned = *sel;
        pinned.offset_ns = 0;
        pinned.at = AT_NONE;
        EvalContext at = *ev->ctx;
        at.start_ns = at.end_ns = sel->at == AT_START ? ev->query_start_ns
                                  : sel->at == AT_END ? ev->query_end_ns
                                                      : sel->at_ns;
        Eval once = {.ctx = &at,
                     .n_steps = 1,
                     .samples = ev->samples,
                     .points = ev->points,
                     .query_start_ns = ev->query_start_ns,
                     .query_end_ns = ev->query_end_ns};
        g_autoptr(EvalResult) r1 = eval_selector_times(&once, &pinned, error);
        ev->samples = once.samples;
        return r1 != NULL ? eval_result_broadcast(r1, ev->n_steps) : NULL;
    }
    ev->sample_times = TRUE;
    EvalResult *r = each_series(ev, sel->matchers, sel, select_instant, error);
    ev->sample_times = FALSE;
    if (r != NULL && !eval_result_merge(r, error))
        g_clear_pointer(&r, eval_result_free);
    return r;
}

/* ------------------------------------------------------------ functions */

EvalSeries *
eval_windows(Eval *ev, FuncKind f, char **labels, const Point *p, guint n, guint64 range,
             gint64 offset)
{
    /* Prometheus keeps the name for last_over_time() only. */
    if (f != FN_LAST_OVER_TIME)
        labels_drop(labels, "__name__");
    EvalSeries *out = eval_series_new(labels, ev->n_steps);
    g_autofree Window *ws = g_new(Window, ev->n_steps);
    guint lo = 0, hi = 0; /* window [lo, hi) */
    for (guint i = 0; i < ev->n_steps; i++) {
        guint64 t = sel_time(ev, i, offset);
        while (hi < n && p[hi].t <= t)
            hi++;
        while (lo < hi && p[lo].t + range < t) /* [t - range, t], as Prometheus 2 */
            lo++;
        ws[i] = (Window){.p = p + lo,
                         .n = hi - lo,
                         .t_ns = t,
                         .range_ns = range,
                         .step_ns = eval_step_time(ev, i),
                         .param = ev->param != NULL ? ev->param[i] : NAN,
                         .param2 = ev->param2 != NULL ? ev->param2[i] : NAN};
        if (f == FN_HOLT_WINTERS && ws[i].n > 0 && ev->param_error == NULL)
            ev->param_error = window_factors_check(ws[i].param, ws[i].param2);
    }
    window_apply_steps(f, ws, ev->n_steps, out->v);
    return out;
}

static gboolean
select_range(Eval *ev, const Node *fn, const StoreHandle *h, const RondoSeries *s,
             char **series_labels, EvalResult *r, GError **error)
{
    g_auto(GStrv) labels = series_labels;
    FuncKind f = fn->func;
    guint64 range = fn->lhs->range_ns;
    gint64 offset = eval_offset(ev, fn->lhs);
    const GArray *pts = read_points(ev, h, s, promql_func_name(f), range, offset, error);
    if (pts == NULL)
        return FALSE;
    const Point *p = pts->len > 0 ? &g_array_index(pts, Point, 0) : NULL;
    guint n = eval_at_clip(ev, fn->lhs, p, pts->len);
    /* count_over_time's points carry the samples they stand for (tiers.c) */
    FuncKind applied = f == FN_COUNT_OVER_TIME ? FN_SUM_OVER_TIME : f;
    g_ptr_array_add(r->series,
                    eval_windows(ev, applied, g_steal_pointer(&labels), p, n, range, offset));
    return TRUE;
}

/*
 * TRUE if a range function's series, their names dropped, may share their
 * labels: those of a selector that does not name one metric, or of a
 * subquery. Prometheus (2.42) refuses such an answer whatever the steps of
 * the series (ContainsSameLabelset() over the whole matrix).
 */
static gboolean
may_repeat_labels(const Node *arg)
{
    if (arg->kind == NODE_SUBQUERY)
        return TRUE;
    for (guint i = 0; i < arg->matchers->len; i++) {
        const Matcher *m = g_ptr_array_index(arg->matchers, i);
        if (m->op == MATCH_EQ && g_str_equal(m->label, "__name__"))
            return FALSE;
    }
    return TRUE;
}

static EvalResult *
eval_func(Eval *ev, const Node *n, GError **error)
{
    g_autoptr(EvalResult) param = n->rhs != NULL ? eval_node(ev, n->rhs, error) : NULL;
    if (n->rhs != NULL && param == NULL)
        return NULL;
    const Node *second = n->args != NULL ? g_ptr_array_index(n->args, 0) : NULL;
    g_autoptr(EvalResult) param2 = second != NULL ? eval_node(ev, second, error) : NULL;
    if (second != NULL && param2 == NULL)
        return NULL;
    const double *outer = ev->param, *outer2 = ev->param2;
    ev->param = param != NULL ? param->scalar_v : NULL;
    ev->param2 = param2 != NULL ? param2->scalar_v : NULL;
    EvalResult *r = n->lhs->kind == NODE_SUBQUERY
                        ? eval_subquery(ev, n, error)
                        : each_series(ev, n->lhs->matchers, n, select_range, error);
    ev->param = outer;
    ev->param2 = outer2;
    if (ev->param_error != NULL) { /* Prometheus' execution error */
        if (r != NULL)
            g_set_error_literal(error, EVAL_ERROR, EVAL_ERROR_EXEC, ev->param_error);
        g_clear_pointer(&ev->param_error, g_free);
        g_clear_pointer(&r, eval_result_free);
    }
    if (r != NULL && n->func == FN_ABSENT_OVER_TIME)
        return eval_absent_result(ev, n->lhs, r); /* 1 where no window had a point */
    if (r != NULL && may_repeat_labels(n->lhs) && !eval_result_check_distinct(r, error))
        g_clear_pointer(&r, eval_result_free);
    return r;
}

/* ---------------------------------------------------------- aggregation */

typedef struct {
    char **labels;
    double *acc;
    double *mean; /* stddev, stdvar: the running mean (acc: the squares' sum) */
    guint *count;
} Group;

static void
group_free(gpointer p)
{
    Group *g = p;
    g_strfreev(g->labels);
    g_free(g->acc);
    g_free(g->mean);
    g_free(g->count);
    g_free(g);
}

/* The pairs of @labels named in @by (or, @without, all but those and
 * __name__), sorted as @labels is. */
char **
labels_keep(char *const *labels, char *const *by, gboolean without)
{
    GPtrArray *out = g_ptr_array_new();
    for (guint i = 0; labels[i] != NULL; i += 2) {
        gboolean named = g_strv_contains((const char *const *)by, labels[i]);
        gboolean keep = without ? !named && !g_str_equal(labels[i], "__name__") : named;
        if (keep && labels[i + 1][0] != '\0') {
            g_ptr_array_add(out, g_strdup(labels[i]));
            g_ptr_array_add(out, g_strdup(labels[i + 1]));
        }
    }
    g_ptr_array_add(out, NULL);
    return (char **)g_ptr_array_free(out, FALSE);
}

/* Prometheus 2.42's running mean over @count values: each side divided by
 * the count (no overflow), an infinite mean kept against finite values. */
static double
mean_add(double mean, double v, guint count)
{
    if (isinf(mean) && ((isinf(v) && (mean > 0) == (v > 0)) || (!isinf(v) && !isnan(v))))
        return mean;
    return mean + (v / count - mean / count);
}

/* Prometheus' stdvar step (Welford's, uncompensated in 2.42's aggregation). */
static void
var_add(double *mean, double *acc, double v, guint count)
{
    double delta = v - *mean;
    *mean += delta / count;
    *acc += delta * (v - *mean);
}

/* @s's values (a window of the steps, EvalSeries) added to @g's. */
static void
group_add(Group *g, AggKind agg, const EvalSeries *s)
{
    gboolean var = agg == AGG_STDDEV || agg == AGG_STDVAR;
    for (guint j = 0; j < s->n; j++) {
        double v = s->v[j];
        if (eval_is_absent(v))
            continue;
        guint i = s->first + j;
        double *a = &g->acc[i];
        if (g->count[i] == 0) {
            *a = agg == AGG_COUNT || var ? 0 : v;
            g->mean[i] = v;
        } else if (var)
            var_add(&g->mean[i], a, v, g->count[i] + 1);
        else if (agg == AGG_MIN && (*a > v || isnan(*a))) /* NaN loses, as in 2.42 */
            *a = v;
        else if (agg == AGG_MAX && (*a < v || isnan(*a)))
            *a = v;
        else if (agg == AGG_SUM)
            *a += v;
        else if (agg == AGG_AVG)
            *a = mean_add(*a, v, g->count[i] + 1);
        g->count[i]++;
    }
}

static EvalSeries *
group_finish(Group *g, AggKind agg, guint n_steps)
{
    EvalSeries *out = eval_series_new(g_steal_pointer(&g->labels), n_steps);
    for (guint i = 0; i < n_steps; i++) {
        if (g->count[i] == 0)
            continue;
        double count = g->count[i], a = g->acc[i];
        out->v[i] = agg == AGG_COUNT    ? count
                    : agg == AGG_GROUP  ? 1
                    : agg == AGG_STDVAR ? a / count
                    : agg == AGG_STDDEV ? sqrt(a / count)
                                        : a;
    }
    return out;
}

static EvalResult *
eval_agg(Eval *ev, const Node *n, GError **error)
{
    ev->windowed = n->lhs; /* group_add() reads windows */
    g_autoptr(EvalResult) in = eval_node(ev, n->lhs, error);
    if (in == NULL)
        return NULL;
    g_assert(!in->scalar);
    g_autoptr(GHashTable) groups =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, group_free);
    g_autoptr(GPtrArray) order = g_ptr_array_new();
    for (guint i = 0; i < in->series->len; i++) {
        EvalSeries *s = g_ptr_array_index(in->series, i);
        char **keep = labels_keep(s->labels, n->by, n->without);
        char *key = labels_key(keep);
        Group *g = g_hash_table_lookup(groups, key);
        if (g == NULL) {
            g = g_new0(Group, 1);
            g->labels = keep;
            g->acc = g_new0(double, ev->n_steps);
            g->mean = g_new0(double, ev->n_steps);
            g->count = g_new0(guint, ev->n_steps);
            g_hash_table_insert(groups, key, g);
            g_ptr_array_add(order, g);
        } else {
            g_strfreev(keep);
            g_free(key);
        }
        group_add(g, n->agg, s);
    }
    EvalResult *r = eval_result_new(FALSE, ev->n_steps);
    for (guint i = 0; i < order->len; i++)
        g_ptr_array_add(r->series, group_finish(g_ptr_array_index(order, i), n->agg, ev->n_steps));
    return r;
}

/* ----------------------------------------------------------- negation */

static EvalResult *
eval_neg(Eval *ev, const Node *n, GError **error)
{
    EvalResult *r = eval_node(ev, n->lhs, error);
    if (r == NULL)
        return NULL;
    for (guint i = 0; r->scalar && i < ev->n_steps; i++)
        r->scalar_v[i] = -r->scalar_v[i];
    gboolean named = FALSE;
    for (guint k = 0; !r->scalar && k < r->series->len; k++) {
        EvalSeries *s = g_ptr_array_index(r->series, k);
        named |= labels_get(s->labels, "__name__") != NULL;
        labels_drop(s->labels, "__name__");
        for (guint i = 0; i < ev->n_steps; i++)
            s->v[i] = eval_is_absent(s->v[i]) ? s->v[i] : -s->v[i];
    }
    /* as for the range functions, Prometheus refuses repeated labels at any
     * steps; only dropped names can have made any */
    if (named && !eval_result_check_distinct(r, error))
        g_clear_pointer(&r, eval_result_free);
    return r;
}

EvalResult *
eval_node(Eval *ev, const Node *n, GError **error)
{
    if (ev->n_steps > 1 && n->kind != NODE_NUMBER && eval_node_is_invariant(n))
        return eval_invariant(ev, n, error);
    switch (n->kind) {
    case NODE_NUMBER: {
        EvalResult *r = eval_result_new(TRUE, ev->n_steps);
        for (guint i = 0; i < ev->n_steps; i++)
            r->scalar_v[i] = n->number;
        return r;
    }
    case NODE_SELECTOR:
        g_assert(n->range_ns == 0);
        return each_series(ev, n->matchers, n, select_instant, error);
    case NODE_FUNC:
        return eval_func(ev, n, error);
    case NODE_AGG:
        return n->agg == AGG_TOPK || n->agg == AGG_BOTTOMK ? eval_topk(ev, n, error)
               : n->agg == AGG_QUANTILE                    ? eval_quantile(ev, n, error)
               : n->agg == AGG_COUNT_VALUES                ? eval_count_values(ev, n, error)
                                                           : eval_agg(ev, n, error);
    case NODE_CALL:
        return eval_call(ev, n, error);
    case NODE_BINARY:
        return eval_binary(ev, n, error);
    case NODE_NEG:
        return eval_neg(ev, n, error);
    case NODE_SUBQUERY:
        break; /* only as a range function's argument: eval_func() */
    }
    g_assert_not_reached();
}

/* By the value of an instant answer, in the direction *@order; NaN first
 * (Prometheus' Less), no value last (not written). */
static gint
series_value_cmp(gconstpointer a, gconstpointer b, gpointer order)
{
    double x = (*(EvalSeries *const *)a)->v[0], y = (*(EvalSeries *const *)b)->v[0];
    if (eval_is_absent(x) || eval_is_absent(y))
        return eval_is_absent(x) - eval_is_absent(y);
    if (isnan(x) || isnan(y))
        return isnan(y) - isnan(x);
    return x < y ? -*(gint *)order : x > y ? *(gint *)order : 0;
}

EvalResult *
eval_run(const Node *root, const EvalContext *ctx, GError **error)
{
    g_return_val_if_fail(root != NULL && ctx != NULL, NULL);
    g_return_val_if_fail(ctx->end_ns >= ctx->start_ns && ctx->step_ns > 0, NULL);
    g_autoptr(GArray) points = g_array_new(FALSE, FALSE, sizeof(Point));
    Eval ev = {.ctx = ctx,
               .n_steps = eval_count_steps(ctx->start_ns, ctx->end_ns, ctx->step_ns),
               .points = points,
               .query_start_ns = ctx->start_ns,
               .query_end_ns = ctx->end_ns,
               .windowed = root};
    EvalResult *r = eval_node(&ev, root, error);
    if (r == NULL)
        return NULL;
    if (!r->scalar)
        g_ptr_array_sort(r->series, series_cmp);
    if (!r->scalar && r->value_order != 0 && ev.n_steps == 1) /* stable: ties by labels */
        g_ptr_array_sort_with_data(r->series, series_value_cmp, &r->value_order);
    r->samples = ev.samples;
    return r;
}

/* ---------------------------------------------------------------- JSON */

static void
write_instant(const EvalResult *r, guint64 t, GString *out)
{
    if (r->scalar) {
        g_string_append(out, "{\"resultType\":\"scalar\",\"result\":");
        json_append_sample(out, t, r->scalar_v[0]);
        g_string_append_c(out, '}');
        return;
    }
    g_string_append(out, "{\"resultType\":\"vector\",\"result\":[");
    gboolean first = TRUE;
    for (guint k = 0; k < r->series->len; k++) {
        const EvalSeries *s = g_ptr_array_index(r->series, k);
        g_assert(s->first == 0);
        if (s->n == 0 || eval_is_absent(s->v[0]))
            continue;
        g_string_append(out, first ? "{\"metric\":" : ",{\"metric\":");
        first = FALSE;
        labels_write_json(out, s->labels);
        g_string_append(out, ",\"value\":");
        json_append_sample(out, t, s->v[0]);
        g_string_append_c(out, '}');
    }
    g_string_append(out, "]}");
}

/* One matrix entry, the @n values @v of steps @from on; nothing at all if
 * the series has no value at any step. A scalar (@all) has a value at every step. */
static void
write_matrix_series(char *const *labels, const double *v, const EvalContext *ctx, guint from,
                    guint n, gboolean all, gboolean *first, GString *out)
{
    gsize mark = out->len;
    g_string_append(out, *first ? "{\"metric\":" : ",{\"metric\":");
    labels_write_json(out, labels);
    g_string_append(out, ",\"values\":[");
    gboolean any = FALSE;
    for (guint i = 0; i < n; i++) {
        if (eval_is_absent(v[i]) && !all)
            continue;
        if (any)
            g_string_append_c(out, ',');
        any = TRUE;
        json_append_sample(out, ctx->start_ns + (guint64)(from + i) * ctx->step_ns, v[i]);
    }
    g_string_append(out, "]}");
    if (!any)
        g_string_truncate(out, mark);
    else
        *first = FALSE;
}

void
eval_result_write_json(const EvalResult *r, const EvalContext *ctx, gboolean instant, GString *out)
{
    if (instant) {
        write_instant(r, ctx->start_ns, out);
        return;
    }
    g_string_append(out, "{\"resultType\":\"matrix\",\"result\":[");
    gboolean first = TRUE;
    if (r->scalar) {
        char *none[] = {NULL};
        write_matrix_series(none, r->scalar_v, ctx, 0, r->n_steps, TRUE, &first, out);
    }
    for (guint k = 0; !r->scalar && k < r->series->len; k++) {
        const EvalSeries *s = g_ptr_array_index(r->series, k);
        write_matrix_series(s->labels, s->v, ctx, s->first, s->n, FALSE, &first, out);
    }
    g_string_append(out, "]}");
}
