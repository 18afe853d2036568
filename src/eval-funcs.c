/* eval-funcs.c - the range functions: one value from the points of one window.
 *
 * Each function sees the points of [t - range, t] of one series (at least
 * one; Prometheus calls no function over an empty window) and returns
 * eval_absent() where Prometheus returns no sample; NaN is a value.
 *
 * Why a file of its own: these are where the last bit is decided. Each
 * follows Prometheus 2.42's promql/functions.go in its order of floating
 * point operations (extrapolatedRate, instantValue, linearRegression with
 * kahanSumInc), and durations are taken between integer timestamps before
 * becoming seconds, as Prometheus takes them between milliseconds: ns / 1e9
 * and ms / 1e3 round the same exact quotient, so the same doubles come out.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "eval-priv.h"

/* Prometheus' extrapolatedRate: rate(), increase() (@counter) and delta(). */
static double
extrapolated_delta(const Point *p, guint n, guint64 t, guint64 range, gboolean counter,
                   gboolean is_rate)
{
    if (n < 2)
        return eval_absent();
    double delta = p[n - 1].v - p[0].v;
    for (guint i = 1; counter && i < n; i++) {
        if (p[i].v < p[i - 1].v)
            delta += p[i - 1].v; /* a counter reset */
    }
    double sampled = (double)(p[n - 1].t - p[0].t) / 1e9;
    double to_start = (double)(p[0].t - (t - range)) / 1e9, to_end = (double)(t - p[n - 1].t) / 1e9;
    double avg_gap = sampled / (n - 1), threshold = avg_gap * 1.1;
    if (counter && delta > 0 && p[0].v >= 0) {
        double to_zero = sampled * (p[0].v / delta);
        if (to_zero < to_start)
            to_start = to_zero;
    }
    double interval = sampled + (to_start < threshold ? to_start : avg_gap / 2) +
                      (to_end < threshold ? to_end : avg_gap / 2);
    double factor = interval / sampled; /* in Prometheus' order: the same last bit */
    if (is_rate)
        factor /= (double)range / 1e9;
    return delta * factor;
}

/* Prometheus' instantValue: irate() (@is_rate, a drop is a reset) and idelta(). */
static double
instant_delta(const Point *p, guint n, gboolean is_rate)
{
    if (n < 2)
        return eval_absent();
    const Point *last = &p[n - 1], *prev = &p[n - 2];
    double v = is_rate && last->v < prev->v ? last->v : last->v - prev->v;
    if (last->t == prev->t)
        return eval_absent();
    if (is_rate)
        v /= (double)(last->t - prev->t) / 1e9;
    return v;
}

/* Neumaier's compensated addition of @inc to *@sum, as Prometheus sums. */
static void
kahan_add(double inc, double *sum, double *c)
{
    double t = *sum + inc;
    if (fabs(*sum) >= fabs(inc))
        *c += (*sum - t) + inc;
    else
        *c += (inc - t) + *sum;
    *sum = t;
}

/* Prometheus' linearRegression: the least-squares line, x in seconds from
 * @at_ns, sums compensated; a constant series is flat (NaN if infinite). */
static void
linear_regression(const Point *p, guint n, guint64 at_ns, double *slope, double *intercept)
{
    double sx = 0, cx = 0, sy = 0, cy = 0, sxy = 0, cxy = 0, sx2 = 0, cx2 = 0, count = 0;
    gboolean const_y = TRUE;
    for (guint i = 0; i < n; i++) {
        if (i > 0 && p[i].v != p[0].v)
            const_y = FALSE;
        count += 1.0;
        double x = (double)(gint64)(p[i].t - at_ns) / 1e9;
        kahan_add(x, &sx, &cx);
        kahan_add(p[i].v, &sy, &cy);
        kahan_add(x * p[i].v, &sxy, &cxy);
        kahan_add(x * x, &sx2, &cx2);
    }
    if (const_y) {
        *slope = isinf(p[0].v) ? NAN : 0;
        *intercept = isinf(p[0].v) ? NAN : p[0].v;
        return;
    }
    sx += cx;
    sy += cy;
    sxy += cxy;
    sx2 += cx2;
    double cov = sxy - sx * sy / count, var = sx2 - sx * sx / count;
    *slope = cov / var;
    *intercept = sy / count - *slope * sx / count;
}

/* deriv(): the slope, from the first point (Prometheus' intercept time);
 * predict_linear(): the line at the step's time plus @seconds. */
static double
window_linear(const Window *w, gboolean predict)
{
    if (w->n < 2)
        return eval_absent();
    double slope, intercept;
    linear_regression(w->p, w->n, predict ? w->step_ns : w->p[0].t, &slope, &intercept);
    return predict ? slope * w->param + intercept : slope;
}

/* stddev_over_time(), stdvar_over_time(): Welford's, compensated, as Prometheus. */
static double
window_stdvar(const Point *p, guint n, gboolean dev)
{
    double count = 0, mean = 0, cmean = 0, aux = 0, caux = 0;
    for (guint i = 0; i < n; i++) {
        count++;
        double delta = p[i].v - (mean + cmean);
        kahan_add(delta / count, &mean, &cmean);
        kahan_add(delta * (p[i].v - (mean + cmean)), &aux, &caux);
    }
    return dev ? sqrt((aux + caux) / count) : (aux + caux) / count;
}

static void
double_swap(double *a, double *b)
{
    double t = *a;
    *a = *b;
    *b = t;
}

/* Moves the NaNs of v[0..n) to its front (where Go's sort of a
 * vectorByValueHeap puts them: NaN sorts first); returns how many. */
static guint
nan_to_front(double *v, guint n)
{
    guint nans = 0;
    for (guint i = 0; i < n; i++) {
        if (isnan(v[i]))
            double_swap(&v[nans++], &v[i]);
    }
    return nans;
}

/* Hoare partition of v[lo..hi] (no NaN, hi - lo >= 2) around the median of
 * its ends and middle; returns j with v[lo..j] <= pivot <= v[j+1..hi]. */
static guint
partition_median3(double *v, guint lo, guint hi)
{
    guint mid = lo + (hi - lo) / 2;
    if (v[mid] < v[lo])
        double_swap(&v[mid], &v[lo]);
    if (v[hi] < v[lo])
        double_swap(&v[hi], &v[lo]);
    if (v[hi] < v[mid])
        double_swap(&v[hi], &v[mid]);
    double pivot = v[mid];
    guint i = lo - 1, j = hi + 1;
    for (;;) {
        do
            i++;
        while (v[i] < pivot);
        do
            j--;
        while (pivot < v[j]);
        if (i >= j)
            return j;
        double_swap(&v[i], &v[j]);
    }
}

static int
double_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Puts at v[k] the value a sort of v[0..n) (no NaN) would put there, the
 * smaller ones before it and the others after: quickselect, O(n) on
 * average, where a quantile's sort took O(n log n) for two values. After
 * 2 log2(n) rounds that did not converge it sorts what is left instead, so
 * a hostile order costs no more than the sort did. */
static void
select_nth(double *v, guint n, guint k)
{
    g_assert(k < n);
    guint lo = 0, hi = n - 1, rounds = 2 * g_bit_storage(n);
    while (hi - lo >= 2) {
        if (rounds-- == 0) {
            qsort(v + lo, hi - lo + 1, sizeof(double), double_cmp);
            return;
        }
        guint j = partition_median3(v, lo, hi);
        if (k <= j)
            hi = j;
        else
            lo = j + 1;
    }
    if (hi > lo && v[hi] < v[lo])
        double_swap(&v[lo], &v[hi]);
}

/* The value at index i of v[0..n) sorted, NaN first, for the two indices a
 * quantile reads (upper = lower + 1 or lower); v is reordered. */
static void
order_stats(double *v, guint n, guint lower, guint upper, double *ret_lower, double *ret_upper)
{
    guint nans = nan_to_front(v, n);
    if (upper < nans) {
        *ret_lower = *ret_upper = NAN;
        return;
    }
    if (lower < nans) {
        *ret_lower = NAN;
    } else {
        select_nth(v + nans, n - nans, lower - nans);
        *ret_lower = v[lower];
    }
    if (upper == lower) {
        *ret_upper = *ret_lower;
        return;
    }
    /* After the selection everything past lower is >= v[lower]: the next
     * value in order is their minimum. */
    guint from = MAX(lower + 1, nans);
    double min = v[from];
    for (guint i = from + 1; i < n; i++)
        min = v[i] < min ? v[i] : min;
    *ret_upper = min;
}

double
quantile_of(double q, double *v, guint n)
{
    if (n == 0 || isnan(q))
        return NAN;
    if (q < 0)
        return -INFINITY;
    if (q > 1)
        return INFINITY;
    double rank = q * (n - 1.0);
    double lower = MAX(0, floor(rank)), upper = MIN(n - 1.0, lower + 1);
    double weight = rank - floor(rank);
    double lo_v, up_v;
    order_stats(v, n, (guint)lower, (guint)upper, &lo_v, &up_v);
    return lo_v * (1 - weight) + up_v * weight;
}

static double
window_quantile(const Window *w)
{
    g_autofree double *v = g_new(double, w->n);
    for (guint i = 0; i < w->n; i++)
        v[i] = w->p[i].v;
    return quantile_of(w->param, v, w->n);
}

/* resets() (a drop) or changes() (any other value; NaN to NaN is none). */
static double
window_count_changes(const Point *p, guint n, gboolean resets)
{
    guint count = 0;
    for (guint i = 1; i < n; i++) {
        double prev = p[i - 1].v, cur = p[i].v;
        if (resets ? cur < prev : cur != prev && !(isnan(cur) && isnan(prev)))
            count++;
    }
    return count;
}

/* sum_over_time: compensated; an infinite sum is returned as it is. */
static double
window_sum(const Point *p, guint n)
{
    double sum = 0, c = 0;
    for (guint i = 0; i < n; i++)
        kahan_add(p[i].v, &sum, &c);
    return isinf(sum) ? sum : sum + c;
}

/* avg_over_time: the running mean, compensated, as Prometheus 2 computes
 * it (so the last bit agrees); infinities keep the mean infinite. */
static double
window_avg(const Point *p, guint n)
{
    double mean = 0, c = 0;
    for (guint i = 0; i < n; i++) {
        double count = i + 1, v = p[i].v;
        if (isinf(mean) && ((isinf(v) && (mean > 0) == (v > 0)) || (!isinf(v) && !isnan(v))))
            continue;
        kahan_add(v / count - mean / count, &mean, &c);
    }
    return isinf(mean) ? mean : mean + c;
}

/* min_over_time, max_over_time: a NaN gives way to any later value. */
static double
window_extreme(const Point *p, guint n, gboolean min)
{
    double acc = p[0].v;
    for (guint i = 1; i < n; i++) {
        if ((min ? acc > p[i].v : acc < p[i].v) || isnan(acc))
            acc = p[i].v;
    }
    return acc;
}

/* Go's %f: NaN and +Inf as Go writes them. */
static char *
go_format_f(double v)
{
    return isnan(v)   ? g_strdup("NaN")
           : isinf(v) ? g_strdup(v > 0 ? "+Inf" : "-Inf")
                      : g_strdup_printf("%f", v);
}

/* Refused: <= 0 or >= 1 (so NaN passes, as in Prometheus). */
static gboolean
factor_valid(double f)
{
    return !(f <= 0 || f >= 1);
}

char *
window_factors_check(double sf, double tf)
{
    const char *what = !factor_valid(sf) ? "smoothing" : !factor_valid(tf) ? "trend" : NULL;
    if (what == NULL)
        return NULL;
    g_autofree char *v = go_format_f(what[0] == 's' ? sf : tf);
    return g_strdup_printf("invalid %s factor. Expected: 0 < %s < 1, got: %s", what,
                           what[0] == 's' ? "sf" : "tf", v);
}

/* holt_winters(): double exponential smoothing, the trend from the first
 * two points, in Prometheus' order of operations. */
static double
window_holt_winters(const Window *w)
{
    if (w->n < 2 || !factor_valid(w->param) || !factor_valid(w->param2))
        return eval_absent();
    double sf = w->param, tf = w->param2;
    double s0 = 0, s1 = w->p[0].v, b = w->p[1].v - w->p[0].v;
    for (guint i = 1; i < w->n; i++) {
        double x = sf * w->p[i].v;
        if (i > 1)
            b = tf * (s1 - s0) + (1 - tf) * b;
        double y = (1 - sf) * (s1 + b);
        s0 = s1;
        s1 = x + y;
    }
    return s1;
}

double
window_apply(FuncKind f, const Window *w)
{
    const Point *p = w->p;
    guint n = w->n;
    guint64 t = w->t_ns, range = w->range_ns;
    if (n == 0)
        return eval_absent();
    switch (f) {
    case FN_RATE:
    case FN_INCREASE:
    case FN_DELTA:
        return extrapolated_delta(p, n, t, range, f != FN_DELTA, f == FN_RATE);
    case FN_IRATE:
    case FN_IDELTA:
        return instant_delta(p, n, f == FN_IRATE);
    case FN_DERIV:
    case FN_PREDICT_LINEAR:
        return window_linear(w, f == FN_PREDICT_LINEAR);
    case FN_STDDEV_OVER_TIME:
    case FN_STDVAR_OVER_TIME:
        return window_stdvar(p, n, f == FN_STDDEV_OVER_TIME);
    case FN_QUANTILE_OVER_TIME:
        return window_quantile(w);
    case FN_RESETS:
    case FN_CHANGES:
        return window_count_changes(p, n, f == FN_RESETS);
    case FN_LAST_OVER_TIME:
        return p[n - 1].v;
    case FN_COUNT_OVER_TIME:
        return n;
    case FN_HOLT_WINTERS:
        return window_holt_winters(w);
    case FN_PRESENT_OVER_TIME:
    case FN_ABSENT_OVER_TIME: /* 1 where present; eval.c turns that around */
        return 1;
    case FN_SUM_OVER_TIME:
        return window_sum(p, n);
    case FN_AVG_OVER_TIME:
        return window_avg(p, n);
    case FN_MIN_OVER_TIME:
    case FN_MAX_OVER_TIME:
        return window_extreme(p, n, f == FN_MIN_OVER_TIME);
    }
    g_assert_not_reached();
}
