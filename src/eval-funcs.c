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
 *
 * A series' windows come in step order (window_apply_steps()), which is
 * where speed is found without changing a bit: a window may reuse what the
 * last one computed from the same numbers (linear_regression's x sums), and
 * the functions whose every point waits for the last run several windows
 * side by side (running_lanes(), welford_group()).
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "eval-priv.h"

/* Prometheus' extrapolatedRate: rate(), increase() (@counter) and delta().
 * @resets: FALSE if the caller knows the window has no counter reset. */
static double
extrapolated_delta(const Point *p, guint n, guint64 t, guint64 range, gboolean counter,
                   gboolean is_rate, gboolean resets)
{
    if (n < 2)
        return eval_absent();
    double delta = p[n - 1].v - p[0].v;
    for (guint i = 1; counter && resets && i < n; i++) {
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

/*
 * kahan_add() in two sums at once, their states in vectors of two doubles
 * (SSE2's and NEON's width; where a target has no such unit, the compiler
 * splits them into scalar operations). A vector operation rounds
 * each lane as the scalar operation does, and the choice of order is made
 * per lane by a mask where kahan_add() branches: each lane holds the bits
 * kahan_add() would. Vectors go by reference: no function here takes or
 * returns one by value, whose ABI would depend on the CPU's options.
 */
typedef double Pair __attribute__((vector_size(2 * sizeof(double))));
typedef gint64 PairMask __attribute__((vector_size(2 * sizeof(gint64))));

static inline G_ALWAYS_INLINE void
pair_kahan_add(const Pair *inc, Pair *sum, Pair *c)
{
    Pair t = *sum + *inc;
    PairMask s = (PairMask)*sum, i = (PairMask)*inc;
    PairMask sum_larger = (Pair)(s & G_MAXINT64) >= (Pair)(i & G_MAXINT64);
    Pair larger = (Pair)((s & sum_larger) | (i & ~sum_larger));
    Pair smaller = (Pair)((i & sum_larger) | (s & ~sum_larger));
    *c += (larger - t) + smaller;
    *sum = t;
}

/*
 * Prometheus' linearRegression: the least-squares line, x in seconds from
 * an intercept time, sums compensated; a constant series is flat (NaN if
 * infinite).
 *
 * The sums of x and x * x depend only on the points' times less the
 * intercept time, and those repeat from window to window when samples are
 * evenly spaced (deriv(): the intercept is the window's first point;
 * predict_linear(): the step's time, when the step is a multiple of the
 * spacing). An XSums keeps the last window's offsets, x values and their
 * two sums; a window with the same offsets (every one compared) reuses
 * them, computed the same way from the same numbers: the same bits, for
 * half the work.
 */
typedef struct {
    gint64 *dt;   /* the times less the intercept, ns */
    double *x;    /* the same in seconds */
    guint n, cap; /* n: 0 until a window was seen */
    double sx, sx2;
} XSums;

static void
xsums_clear(XSums *xs)
{
    g_free(xs->dt);
    g_free(xs->x);
}

/* Makes @xs hold the x values and sums of the @n points @p, their times
 * less @at_ns: kept if they are the last window's, computed if not. */
static void
xsums_update(XSums *xs, const Point *p, guint n, guint64 at_ns)
{
    if (xs->n == n) {
        guint i = 0;
        while (i < n && (gint64)(p[i].t - at_ns) == xs->dt[i])
            i++;
        if (i == n)
            return;
    }
    if (n > xs->cap) {
        xs->cap = MAX(n, 2 * xs->cap);
        xs->dt = g_renew(gint64, xs->dt, xs->cap);
        xs->x = g_renew(double, xs->x, xs->cap);
    }
    /* the x values two at a time, one vector division for two (in one pass
     * with the offsets: a pass of their own cost 10 % of predict_linear()) */
    guint i = 0;
    for (; i + 1 < n; i += 2) {
        xs->dt[i] = (gint64)(p[i].t - at_ns);
        xs->dt[i + 1] = (gint64)(p[i + 1].t - at_ns);
        Pair x = (Pair){(double)xs->dt[i], (double)xs->dt[i + 1]} / 1e9;
        xs->x[i] = x[0];
        xs->x[i + 1] = x[1];
    }
    if (i < n) {
        xs->dt[i] = (gint64)(p[i].t - at_ns);
        xs->x[i] = (double)xs->dt[i] / 1e9;
    }
    Pair sum = {0, 0}, c = {0, 0}; /* x, x * x */
    for (i = 0; i < n; i++) {
        Pair inc = {xs->x[i], xs->x[i] * xs->x[i]};
        pair_kahan_add(&inc, &sum, &c);
    }
    xs->n = n;
    xs->sx = sum[0] + c[0];
    xs->sx2 = sum[1] + c[1];
}

static void
linear_regression(XSums *xs, const Point *p, guint n, guint64 at_ns, double *slope,
                  double *intercept)
{
    gboolean const_y = TRUE;
    for (guint i = 1; i < n && const_y; i++)
        const_y = p[i].v == p[0].v;
    if (const_y) {
        *slope = isinf(p[0].v) ? NAN : 0;
        *intercept = isinf(p[0].v) ? NAN : p[0].v;
        return;
    }
    xsums_update(xs, p, n, at_ns);
    Pair sum = {0, 0}, c = {0, 0}; /* y, x * y */
    for (guint i = 0; i < n; i++) {
        Pair inc = {p[i].v, xs->x[i] * p[i].v};
        pair_kahan_add(&inc, &sum, &c);
    }
    double sx = xs->sx, sx2 = xs->sx2, count = n;
    double sy = sum[0] + c[0], sxy = sum[1] + c[1];
    double cov = sxy - sx * sy / count, var = sx2 - sx * sx / count;
    *slope = cov / var;
    *intercept = sy / count - *slope * sx / count;
}

/* deriv(): the slope, from the first point (Prometheus' intercept time);
 * predict_linear(): the line at the step's time plus @seconds. */
static double
window_linear(XSums *xs, const Window *w, gboolean predict)
{
    if (w->n < 2)
        return eval_absent();
    double slope, intercept;
    linear_regression(xs, w->p, w->n, predict ? w->step_ns : w->p[0].t, &slope, &intercept);
    return predict ? slope * w->param + intercept : slope;
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

/* What resets() counts (a drop) or changes() (any other value; NaN to NaN is none). */
static inline gboolean
is_change(double prev, double cur, gboolean resets)
{
    return resets ? cur < prev : cur != prev && !(isnan(cur) && isnan(prev));
}

static double
window_count_changes(const Point *p, guint n, gboolean resets)
{
    guint count = 0;
    for (guint i = 1; i < n; i++)
        count += is_change(p[i - 1].v, p[i].v, resets);
    return count;
}

/*
 * Windows that overlap (long ranges at short steps: resets(x[2h]) at 15 s
 * is 480 points a window, a new one every step) share their points; what a
 * window counts among neighbouring points (the drops of resets() and of a
 * counter, the changes of changes()) is then counted once along all of
 * them, and a window's count is the difference of two running totals.
 * Returns those totals, one per point from the first window's on, or NULL
 * where the windows' points do not outnumber the span's.
 */
static guint32 *
window_counts_along(const Window *w, guint n, gboolean resets)
{
    const Point *base = w[0].p; /* windows come in step order: each starts at or after it */
    gsize total = 0;
    for (guint i = 0; i < n; i++)
        total += w[i].n;
    gsize span = (gsize)(w[n - 1].p + w[n - 1].n - base);
    if (total <= span + n)
        return NULL;
    guint32 *upto = g_new(guint32, span);
    upto[0] = 0;
    for (gsize k = 1; k < span; k++)
        upto[k] = upto[k - 1] + is_change(base[k - 1].v, base[k].v, resets);
    return upto;
}

/* The count in window @w (n > 0) from window_counts_along()'s totals from @base on. */
static guint32
window_count_from(const guint32 *upto, const Point *base, const Window *w)
{
    gsize first = (gsize)(w->p - base);
    return upto[first + w->n - 1] - upto[first];
}

/* resets() or changes() of @n windows by their running totals: FALSE, nothing written, if none. */
static gboolean
window_count_changes_steps(const Window *w, guint n, gboolean resets, double *out)
{
    g_autofree guint32 *upto = window_counts_along(w, n, resets);
    if (upto == NULL)
        return FALSE;
    for (guint i = 0; i < n; i++)
        out[i] = w[i].n > 0 ? window_count_from(upto, w[0].p, &w[i]) : eval_absent();
    return TRUE;
}

/* rate() or increase() of @n windows, each told by the running totals of
 * drops whether it has a counter reset to add (in order, as on its own):
 * most windows have none. FALSE, nothing written, if there are no totals. */
static gboolean
window_rate_steps(const Window *w, guint n, gboolean is_rate, double *out)
{
    g_autofree guint32 *upto = window_counts_along(w, n, TRUE);
    if (upto == NULL)
        return FALSE;
    for (guint i = 0; i < n; i++) {
        gboolean resets = w[i].n > 1 && window_count_from(upto, w[0].p, &w[i]) > 0;
        out[i] = w[i].n > 0 ? extrapolated_delta(w[i].p, w[i].n, w[i].t_ns, w[i].range_ns, TRUE,
                                                 is_rate, resets)
                            : eval_absent();
    }
    return TRUE;
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

/*
 * Functions that run through a window one point at a time, each point's
 * step waiting for the last (a division, or three multiplications and
 * additions): a Running is their state, init() starts it (FALSE: no value
 * for this window), add() takes point i (from `first`), result() ends it.
 */
typedef struct {
    double count, mean, cmean, aux, caux;
} Welford;

typedef struct {
    double mean, c;
} Mean;

typedef struct {
    double sf, tf, s0, s1, b;
} Smooth;

typedef union {
    Welford welford;
    Mean mean;
    Smooth smooth;
} Running;

typedef gboolean (*RunningInit)(Running *r, const Window *w);
typedef void (*RunningAdd)(Running *r, double v, guint i);
typedef double (*RunningResult)(const Running *r);

static gboolean
running_zero(Running *r, const Window *w)
{
    *r = (Running){0};
    return TRUE;
}

/* stddev_over_time(), stdvar_over_time(): Welford's, compensated, as Prometheus. */
static inline void
welford_add(Running *r, double v, guint i)
{
    Welford *s = &r->welford;
    s->count++;
    double delta = v - (s->mean + s->cmean);
    kahan_add(delta / s->count, &s->mean, &s->cmean);
    kahan_add(delta * (v - (s->mean + s->cmean)), &s->aux, &s->caux);
}

static double
welford_var(const Running *r)
{
    return (r->welford.aux + r->welford.caux) / r->welford.count;
}

static double
welford_dev(const Running *r)
{
    return sqrt(welford_var(r));
}

/* avg_over_time(): the running mean, compensated, as Prometheus 2 computes
 * it (so the last bit agrees); infinities keep the mean infinite. */
static inline void
mean_add(Running *r, double v, guint i)
{
    Mean *s = &r->mean;
    double count = i + 1;
    if (isinf(s->mean) && ((isinf(v) && (s->mean > 0) == (v > 0)) || (!isinf(v) && !isnan(v))))
        return;
    kahan_add(v / count - s->mean / count, &s->mean, &s->c);
}

static double
mean_result(const Running *r)
{
    return isinf(r->mean.mean) ? r->mean.mean : r->mean.mean + r->mean.c;
}

/* holt_winters(): double exponential smoothing, the trend from the first
 * two points, in Prometheus' order of operations; add() from point 1. */
static gboolean
smooth_init(Running *r, const Window *w)
{
    if (w->n < 2 || !factor_valid(w->param) || !factor_valid(w->param2))
        return FALSE;
    r->smooth =
        (Smooth){.sf = w->param, .tf = w->param2, .s1 = w->p[0].v, .b = w->p[1].v - w->p[0].v};
    return TRUE;
}

static inline void
smooth_add(Running *r, double v, guint i)
{
    Smooth *s = &r->smooth;
    double x = s->sf * v;
    if (i > 1)
        s->b = s->tf * (s->s1 - s->s0) + (1 - s->tf) * s->b;
    double y = (1 - s->sf) * (s->s1 + s->b);
    s->s0 = s->s1;
    s->s1 = x + y;
}

static double
smooth_result(const Running *r)
{
    return r->smooth.s1;
}

/* One window, alone (@w->n > 0). Inlined where it is called, with the
 * functions it is given. */
static inline G_ALWAYS_INLINE double
running_alone(const Window *w, RunningInit init, RunningAdd add, RunningResult result, guint first)
{
    Running r;
    if (!init(&r, w))
        return eval_absent();
    for (guint i = first; i < w->n; i++)
        add(&r, w->p[i].v, i);
    return result(&r);
}

/*
 * Windows side by side. One window at a time leaves the CPU waiting on
 * each point's step most of the time; LANES windows of consecutive steps
 * run together instead, point i of each in turn while all have one, then
 * each alone to its end. Every window sees the same operations in the same
 * order as on its own, so the answers are the same bits, and the waits
 * overlap. FALSE (nothing written) if a window gives no value.
 */
#define LANES 4

static inline G_ALWAYS_INLINE gboolean
running_lanes(const Window *w, double *out, RunningInit init, RunningAdd add, RunningResult result,
              guint first)
{
    Running r[LANES];
    guint common = w[0].n;
    for (guint k = 0; k < LANES; k++) {
        if (!init(&r[k], &w[k]))
            return FALSE;
        common = MIN(common, w[k].n);
    }
    for (guint i = first; i < common; i++) {
        for (guint k = 0; k < LANES; k++)
            add(&r[k], w[k].p[i].v, i);
    }
    for (guint k = 0; k < LANES; k++) {
        for (guint i = MAX(common, first); i < w[k].n; i++)
            add(&r[k], w[k].p[i].v, i);
        out[k] = w[k].n > 0 ? result(&r[k]) : eval_absent();
    }
    return TRUE;
}

static double
window_apply(FuncKind f, const Window *w, XSums *xs)
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
        return extrapolated_delta(p, n, t, range, f != FN_DELTA, f == FN_RATE, TRUE);
    case FN_IRATE:
    case FN_IDELTA:
        return instant_delta(p, n, f == FN_IRATE);
    case FN_DERIV:
    case FN_PREDICT_LINEAR:
        return window_linear(xs, w, f == FN_PREDICT_LINEAR);
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
        return running_alone(w, smooth_init, smooth_add, smooth_result, 1);
    case FN_PRESENT_OVER_TIME:
    case FN_ABSENT_OVER_TIME: /* 1 where present; eval.c turns that around */
        return 1;
    case FN_SUM_OVER_TIME:
        return window_sum(p, n);
    case FN_AVG_OVER_TIME:
        return running_alone(w, running_zero, mean_add, mean_result, 0);
    case FN_MIN_OVER_TIME:
    case FN_MAX_OVER_TIME:
        return window_extreme(p, n, f == FN_MIN_OVER_TIME);
    case FN_STDDEV_OVER_TIME:
    case FN_STDVAR_OVER_TIME: /* always welford_steps(), several windows at once */
        break;
    }
    g_assert_not_reached();
}

/*
 * Welford's step in several windows at once, a pair of windows to a vector:
 * the point count is the same in each window while all have a point, so
 * one vector division serves two windows, and each lane computes the bits
 * welford_add() would (test-promql checks both against Prometheus' steps).
 */
typedef struct {
    Pair mean, cmean, aux, caux;
} WelfordPair;

/* welford_add() of point @i of windows @a and @b. */
static inline G_ALWAYS_INLINE void
welford_pair_add(WelfordPair *s, const Window *a, const Window *b, guint i)
{
    Pair v = {a->p[i].v, b->p[i].v};
    Pair delta = v - (s->mean + s->cmean);
    Pair inc = delta / (double)(i + 1);
    pair_kahan_add(&inc, &s->mean, &s->cmean);
    inc = delta * (v - (s->mean + s->cmean));
    pair_kahan_add(&inc, &s->aux, &s->caux);
}

/* Lane @l of @s, the state of window @w after its points before @n; then
 * the rest of @w, alone. */
static double
welford_pair_finish(const WelfordPair *s, guint l, const Window *w, guint n, RunningResult result)
{
    Running r = {.welford = {n, s->mean[l], s->cmean[l], s->aux[l], s->caux[l]}};
    for (guint i = n; i < w->n; i++)
        welford_add(&r, w->p[i].v, i);
    return w->n > 0 ? result(&r) : eval_absent();
}

/*
 * Eight windows, four pairs in turn: a point's step waits for the last
 * (the division, then the compensated sum the next step starts from), and
 * four pairs fill more of that wait than two (484 windows of 41 points:
 * 54-62 us against 65-69). A group of fewer windows repeats its last one
 * into the lanes it lacks.
 */
#define WELFORD_PAIRS 4

static void
welford_group(const Window *w, guint m, double *out, RunningResult result)
{
    const Window *lane[2 * WELFORD_PAIRS];
    guint common = G_MAXUINT;
    for (guint k = 0; k < 2 * WELFORD_PAIRS; k++) {
        lane[k] = &w[MIN(k, m - 1)];
        common = MIN(common, lane[k]->n);
    }
    WelfordPair s[WELFORD_PAIRS] = {0};
    for (guint i = 0; i < common; i++) {
        /* WELFORD_PAIRS: the pragma takes no macro; unrolled, the states
         * stay in registers */
#pragma GCC unroll 4
        for (guint j = 0; j < WELFORD_PAIRS; j++)
            welford_pair_add(&s[j], lane[2 * j], lane[2 * j + 1], i);
    }
    for (guint k = 0; k < m; k++)
        out[k] = welford_pair_finish(&s[k / 2], k % 2, lane[k], common, result);
}

static void
welford_steps(const Window *w, guint n, double *out, RunningResult result)
{
    for (guint i = 0; i < n; i += 2 * WELFORD_PAIRS)
        welford_group(w + i, MIN(n - i, 2 * WELFORD_PAIRS), out + i, result);
}

/* LANES windows from @w together, if @f has a way to: FALSE if not. */
static gboolean
window_apply_lanes(FuncKind f, const Window *w, double *out)
{
    switch (f) {
    case FN_AVG_OVER_TIME:
        return running_lanes(w, out, running_zero, mean_add, mean_result, 0);
    case FN_HOLT_WINTERS:
        return running_lanes(w, out, smooth_init, smooth_add, smooth_result, 1);
    default:
        return FALSE;
    }
}

void
window_apply_steps(FuncKind f, const Window *w, guint n, double *out)
{
    if ((f == FN_RESETS || f == FN_CHANGES) && n > 0 &&
        window_count_changes_steps(w, n, f == FN_RESETS, out))
        return;
    if ((f == FN_RATE || f == FN_INCREASE) && n > 0 && window_rate_steps(w, n, f == FN_RATE, out))
        return;
    if (f == FN_STDDEV_OVER_TIME || f == FN_STDVAR_OVER_TIME) {
        welford_steps(w, n, out, f == FN_STDDEV_OVER_TIME ? welford_dev : welford_var);
        return;
    }
    XSums xs = {0};
    for (guint i = 0; i < n; i += LANES) {
        guint m = MIN(LANES, n - i);
        if (m == LANES && window_apply_lanes(f, w + i, out + i))
            continue;
        for (guint k = 0; k < m; k++)
            out[i + k] = window_apply(f, &w[i + k], &xs);
    }
    xsums_clear(&xs);
}
