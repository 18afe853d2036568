/* eval-funcs.c - the range functions: one value from the points of one window.
 *
 * Each function sees the points of [t - range, t] of one series (at least
 * one; Prometheus calls no function over an empty window) and returns NaN
 * where Prometheus returns no sample (rondod's "absent").
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

#include "eval-priv.h"

/* Prometheus' extrapolatedRate: rate(), increase() (@counter) and delta(). */
static double
extrapolated_delta(const Point *p, guint n, guint64 t, guint64 range, gboolean counter,
                   gboolean is_rate)
{
    if (n < 2)
        return NAN;
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
        return NAN;
    const Point *last = &p[n - 1], *prev = &p[n - 2];
    double v = is_rate && last->v < prev->v ? last->v : last->v - prev->v;
    if (last->t == prev->t)
        return NAN;
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

/* deriv(): the least-squares slope, x in seconds from the first point (the
 * intercept time Prometheus passes), sums compensated; a constant series
 * has slope 0 (NaN if its value is infinite). */
static double
window_deriv(const Point *p, guint n)
{
    if (n < 2)
        return NAN;
    double sx = 0, cx = 0, sy = 0, cy = 0, sxy = 0, cxy = 0, sx2 = 0, cx2 = 0, count = 0;
    gboolean const_y = TRUE;
    for (guint i = 0; i < n; i++) {
        if (i > 0 && p[i].v != p[0].v)
            const_y = FALSE;
        count += 1.0;
        double x = (double)(p[i].t - p[0].t) / 1e9;
        kahan_add(x, &sx, &cx);
        kahan_add(p[i].v, &sy, &cy);
        kahan_add(x * p[i].v, &sxy, &cxy);
        kahan_add(x * x, &sx2, &cx2);
    }
    if (const_y)
        return isinf(p[0].v) ? NAN : 0;
    sx += cx;
    sy += cy;
    sxy += cxy;
    sx2 += cx2;
    double cov = sxy - sx * sy / count, var = sx2 - sx * sx / count;
    return cov / var;
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

static double
window_extreme(const Point *p, guint n, gboolean min)
{
    double acc = min ? INFINITY : -INFINITY;
    for (guint i = 0; i < n; i++)
        acc = min ? MIN(acc, p[i].v) : MAX(acc, p[i].v);
    return acc;
}

double
window_apply(FuncKind f, const Point *p, guint n, guint64 t, guint64 range)
{
    if (n == 0)
        return NAN;
    switch (f) {
    case FN_RATE:
    case FN_INCREASE:
    case FN_DELTA:
        return extrapolated_delta(p, n, t, range, f != FN_DELTA, f == FN_RATE);
    case FN_IRATE:
    case FN_IDELTA:
        return instant_delta(p, n, f == FN_IRATE);
    case FN_DERIV:
        return window_deriv(p, n);
    case FN_RESETS:
    case FN_CHANGES:
        return window_count_changes(p, n, f == FN_RESETS);
    case FN_LAST_OVER_TIME:
        return p[n - 1].v;
    case FN_COUNT_OVER_TIME:
        return n;
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
