/* eval-histogram.c - histogram_quantile(phi, v) over classic buckets (the le label).
 *
 * Why a file of its own: a quantile from cumulative bucket counters is a
 * small algorithm with many rules, each visible in the answer; they are
 * Prometheus 2.42's (promql/quantile.go, bucketQuantile):
 *   - the series of v that share every label but le form one histogram;
 *     a series whose le does not read as a number is left out; the
 *     result is labelled as the histogram less le and __name__;
 *   - per step, the buckets present are sorted by bound, equal bounds
 *     added together, counts made monotonic (a lower count is raised to
 *     the highest before it);
 *   - no +Inf bucket, fewer than two buckets or no observations: NaN;
 *     phi < 0: -Inf, phi > 1: +Inf, NaN: NaN;
 *   - the rank phi * count falls in the first bucket whose count reaches
 *     it, and is interpolated linearly inside it (from 0 for the first
 *     bucket unless its bound is <= 0, which is then the answer); in the
 *     +Inf bucket the answer is the bound below it.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "eval-priv.h"
#include "labels.h"

typedef struct {
    double upper, count;
} Bucket;

static int
bucket_cmp(const void *a, const void *b)
{
    double x = ((const Bucket *)a)->upper, y = ((const Bucket *)b)->upper;
    return (x > y) - (x < y);
}

/* Sorted, equal bounds added together, counts made monotonic; the new length. */
static guint
buckets_prepare(Bucket *b, guint n)
{
    qsort(b, n, sizeof *b, bucket_cmp);
    guint len = 1;
    for (guint i = 1; i < n; i++) {
        if (b[i].upper == b[len - 1].upper)
            b[len - 1].count += b[i].count;
        else
            b[len++] = b[i];
    }
    double max = b[0].count;
    for (guint i = 1; i < len; i++) {
        if (b[i].count > max)
            max = b[i].count;
        else if (b[i].count < max)
            b[i].count = max;
    }
    return len;
}

static double
bucket_quantile(double q, Bucket *b, guint n)
{
    if (isnan(q))
        return NAN;
    if (q < 0 || q > 1)
        return q < 0 ? -INFINITY : INFINITY;
    qsort(b, n, sizeof *b, bucket_cmp);
    if (!(isinf(b[n - 1].upper) && b[n - 1].upper > 0))
        return NAN;
    n = buckets_prepare(b, n);
    if (n < 2 || b[n - 1].count == 0)
        return NAN;
    double rank = q * b[n - 1].count;
    guint i = 0;
    while (i < n - 1 && !(b[i].count >= rank))
        i++;
    if (i == n - 1)
        return b[n - 2].upper;
    if (i == 0 && b[0].upper <= 0)
        return b[0].upper;
    double start = 0, end = b[i].upper, count = b[i].count;
    if (i > 0) {
        start = b[i - 1].upper;
        count -= b[i - 1].count;
        rank -= b[i - 1].count;
    }
    return start + (end - start) * (rank / count);
}

/* A histogram: the series (indexes into the input) of one label set less le. */
typedef struct {
    GArray *members; /* guint */
    GArray *upper;   /* double, per member */
} Histogram;

static void
histogram_free(gpointer p)
{
    Histogram *h = p;
    g_array_unref(h->members);
    g_array_unref(h->upper);
    g_free(h);
}

/* Go's strconv.ParseFloat: the whole string, no blanks. */
static gboolean
le_parse(char *const *labels, double *ret)
{
    const char *s = labels_get(labels, "le");
    if (s == NULL || *s == '\0' || g_ascii_isspace(*s))
        return FALSE;
    char *end = NULL;
    *ret = g_ascii_strtod(s, &end);
    return *end == '\0';
}

/* The histograms of @in, in the order of their first series; their output
 * series added to @r, in the same order. */
static GPtrArray *
histograms_of(const EvalResult *in, EvalResult *r, guint n_steps)
{
    GPtrArray *hs = g_ptr_array_new_with_free_func(histogram_free);
    g_autoptr(GHashTable) index = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (guint k = 0; k < in->series->len; k++) {
        char *const *labels = ((EvalSeries *)g_ptr_array_index(in->series, k))->labels;
        double upper;
        if (!le_parse(labels, &upper))
            continue;
        g_auto(GStrv) less = labels_without(labels, "le");
        char *key = labels_key(less);
        Histogram *h = g_hash_table_lookup(index, key);
        if (h == NULL) {
            h = g_new0(Histogram, 1);
            h->members = g_array_new(FALSE, FALSE, sizeof(guint));
            h->upper = g_array_new(FALSE, FALSE, sizeof(double));
            g_hash_table_insert(index, key, h);
            g_ptr_array_add(hs, h);
            g_ptr_array_add(r->series, eval_series_new(labels_without(less, "__name__"), n_steps));
        } else {
            g_free(key);
        }
        g_array_append_val(h->members, k);
        g_array_append_val(h->upper, upper);
    }
    return hs;
}

EvalResult *
eval_histogram_quantile(Eval *ev, const Node *n, GError **error)
{
    g_autoptr(EvalResult) q = eval_node(ev, g_ptr_array_index(n->args, 0), error);
    g_autoptr(EvalResult) in = q ? eval_node(ev, g_ptr_array_index(n->args, 1), error) : NULL;
    if (in == NULL)
        return NULL;
    g_assert(q->scalar && !in->scalar);
    EvalResult *r = eval_result_new(FALSE, ev->n_steps);
    g_autoptr(GPtrArray) hs = histograms_of(in, r, ev->n_steps);
    g_autofree Bucket *b = g_new(Bucket, in->series->len + 1);
    for (guint h = 0; h < hs->len; h++) {
        const Histogram *hist = g_ptr_array_index(hs, h);
        EvalSeries *out = g_ptr_array_index(r->series, h);
        for (guint i = 0; i < ev->n_steps; i++) {
            guint m = 0;
            for (guint x = 0; x < hist->members->len; x++) {
                guint k = g_array_index(hist->members, guint, x);
                double v = ((EvalSeries *)g_ptr_array_index(in->series, k))->v[i];
                if (!eval_is_absent(v))
                    b[m++] = (Bucket){g_array_index(hist->upper, double, x), v};
            }
            if (m > 0)
                out->v[i] = bucket_quantile(q->scalar_v[i], b, m);
        }
    }
    if (!eval_result_merge(r, error))
        g_clear_pointer(&r, eval_result_free);
    return r;
}
