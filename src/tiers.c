/* tiers.c - how a store's tiers serve PromQL (rondod's own, and Prometheus' through remote-read).
 *
 * A store keeps each series at several resolutions: tier 0 holds the raw
 * points for a short window, coarser tiers consolidated buckets for longer
 * ones. Both engines compute over raw samples, so a read takes tier 0
 * wherever it reaches back, and otherwise the stitched read: coarse buckets
 * only for what tier 0 no longer holds. Serving a whole range from a coarse
 * tier chosen by the step would feed buckets to rate() at the recent end
 * too, and the answer would depend on the range.
 *
 * A bucket is served as one sample that stands for all of its raw ones, so:
 *  - it is stamped with the time of its *last* tier-0 slot, never earlier:
 *    an instant value at time t then never includes samples recorded after
 *    t, and a range [t - r, t] takes a bucket only once all of it is inside;
 *  - its value is the column that answers the function as the raw samples
 *    would: the last value for a selector and the counter functions (rate
 *    over bucket-end values is rate over a thinned-out series, resets seen
 *    where a bucket ends below the previous one), max and min for
 *    max/min_over_time, sum and count for sum/count_over_time, the average
 *    for the statistics (avg, quantile, stddev over time);
 *  - a tier that does not keep that column serves its average, but a
 *    counter's functions (rate, increase, resets) take its max, which is
 *    the value at the bucket's end unless the counter was reset inside it;
 *    sum/count_over_time scale the average by the bucket's slots (exact
 *    for buckets that were full).
 * docs/http-api.md ("Tier choice") states what stays approximate.
 */
#include "config.h"

#include <string.h>

#include "tiers.h"

gboolean
tier_covers(const RondoStore *store, guint schema_i, guint tier, guint64 from_ns)
{
    const RondoSchema *schema = rondo_store_get_schema(store, schema_i);
    guint64 oldest;
    if (!rondo_store_get_window(store, schema_i, tier, &oldest, NULL))
        return FALSE;
    /* oldest == interval: the ring never lapped, it holds all it was given */
    return from_ns >= oldest || oldest == rondo_schema_get_tier_interval_ns(schema, tier);
}

void
tier_read_init(TierRead *r, const char *func, guint64 from_ns, guint64 to_ns)
{
    static const struct {
        const char *func;
        RondoConsolidation cf;
    } columns[] = {
        {"max_over_time", RONDO_CF_MAX},        {"min_over_time", RONDO_CF_MIN},
        {"sum_over_time", RONDO_CF_SUM},        {"count_over_time", RONDO_CF_COUNT},
        {"avg_over_time", RONDO_CF_AVERAGE},    {"quantile_over_time", RONDO_CF_AVERAGE},
        {"stddev_over_time", RONDO_CF_AVERAGE}, {"stdvar_over_time", RONDO_CF_AVERAGE},
    };
    static const char *const counter_funcs[] = {"rate", "increase", "resets"};

    *r = (TierRead){.cf = RONDO_CF_LAST, .from_ns = from_ns, .to_ns = to_ns};
    for (guint i = 0; func != NULL && i < G_N_ELEMENTS(columns); i++) {
        if (g_str_equal(func, columns[i].func))
            r->cf = columns[i].cf;
    }
    for (guint i = 0; func != NULL && i < G_N_ELEMENTS(counter_funcs); i++)
        r->peaks |= g_str_equal(func, counter_funcs[i]);
}

/* How much earlier than its stamp the slot time of @s's coarsest bucket lies. */
static guint64
coarsest_shift_ns(const RondoStore *store, const RondoSeries *s)
{
    const RondoSchema *schema = rondo_store_get_schema(store, rondo_series_get_schema(s));
    guint n = rondo_schema_get_n_tiers(schema);
    return rondo_schema_get_tier_interval_ns(schema, n - 1) -
           rondo_schema_get_tier_interval_ns(schema, 0);
}

static gboolean
iter_open(TierIter *ti, const StoreHandle *h, const RondoSeries *s, const TierRead *r,
          GError **error)
{
    guint si = rondo_series_get_schema(s);
    ti->raw = tier_covers(h->store, si, 0, r->from_ns) &&
              rondo_query_iter_init(&ti->it, h->store, s, 0, r->cf, r->from_ns, r->to_ns, NULL);
    if (ti->raw)
        return TRUE;
    guint64 shift = coarsest_shift_ns(h->store, s);
    guint64 from = r->from_ns > shift ? r->from_ns - shift : 0;
    if (!rondo_query_iter_init_auto(&ti->it, h->store, s, r->cf, from, r->to_ns, error))
        return FALSE;
    ti->peak_open = r->peaks && rondo_query_iter_init_auto(&ti->peak, h->store, s, RONDO_CF_MAX,
                                                           from, r->to_ns, NULL);
    return TRUE;
}

gboolean
tier_iter_open(TierIter *ti, const StoreHandle *h, const RondoSeries *s, const TierRead *r,
               GError **error)
{
    g_return_val_if_fail(ti != NULL && h != NULL && s != NULL && r != NULL, FALSE);
    const RondoSchema *schema = rondo_store_get_schema(h->store, rondo_series_get_schema(s));
    memset(ti, 0, sizeof *ti);
    ti->read = *r;
    ti->raw_interval_ns = rondo_schema_get_tier_interval_ns(schema, 0);
    if (iter_open(ti, h, s, r, error))
        return TRUE;
    g_prefix_error(error, "store %s: ", h->name);
    return FALSE;
}

/* The bucket's maximum, when the peak column holds one for the bucket ending at @last_ns. */
static gboolean
bucket_peak(TierIter *ti, guint64 last_ns, double *ret_max)
{
    while (ti->peak_t < last_ns) {
        if (!rondo_query_iter_next(&ti->peak, NULL, &ti->peak_v)) {
            ti->peak_t = G_MAXUINT64;
            return FALSE;
        }
        rondo_query_iter_get_span(&ti->peak, NULL, &ti->peak_t);
    }
    *ret_max = ti->peak_v;
    return ti->peak_t == last_ns && rondo_query_iter_get_tier(&ti->peak) > 0 &&
           rondo_query_iter_get_function(&ti->peak) == RONDO_CF_MAX;
}

/* A bucket's value for the column asked, from the column that served it. */
static double
bucket_value(TierIter *ti, double v, guint64 first_ns, guint64 last_ns)
{
    RondoConsolidation asked = ti->read.cf;
    double max;
    if (rondo_query_iter_get_function(&ti->it) == asked)
        return v;
    if (ti->peak_open && bucket_peak(ti, last_ns, &max))
        return max; /* a counter without its last: the max is the end but for resets */
    double slots = (double)((last_ns - first_ns) / ti->raw_interval_ns + 1);
    if (asked == RONDO_CF_SUM)
        return v * slots;
    if (asked == RONDO_CF_COUNT)
        return slots;
    return v;
}

/* The next point of the read's column whose stamp is in the range. */
static gboolean
next_in_range(TierIter *ti, guint64 *ret_first, guint64 *ret_last, double *ret_v)
{
    if (ti->raw) { /* the iterator keeps to the range; a slot is its own span */
        if (!rondo_query_iter_next(&ti->it, ret_last, ret_v))
            return FALSE;
        *ret_first = *ret_last;
        return TRUE;
    }
    do {
        if (!rondo_query_iter_next(&ti->it, NULL, ret_v))
            return FALSE;
        rondo_query_iter_get_span(&ti->it, ret_first, ret_last);
    } while (*ret_last < ti->read.from_ns || *ret_last > ti->read.to_ns); /* read for the shift */
    return TRUE;
}

gboolean
tier_iter_next(TierIter *ti, guint64 *ret_t_ns, double *ret_value)
{
    guint64 first, last;
    double v, max;
    if (ti->pending) {
        ti->pending = FALSE;
        last = ti->pending_t;
        v = ti->pending_v;
    } else {
        if (!next_in_range(ti, &first, &last, &v))
            return FALSE;
        v = bucket_value(ti, v, first, last);
        /* A counter bucket that ends below its maximum was reset inside:
         * serve the maximum one raw slot before the end, so that the reset
         * counts (one reset per bucket is seen exactly, more are not). */
        if (ti->peak_open && first < last && bucket_peak(ti, last, &max) && max > v &&
            rondo_query_iter_get_function(&ti->it) == RONDO_CF_LAST) {
            ti->pending = TRUE;
            ti->pending_t = last;
            ti->pending_v = v;
            last -= ti->raw_interval_ns;
            v = max;
        }
    }
    if (ret_t_ns)
        *ret_t_ns = last;
    if (ret_value)
        *ret_value = v;
    return TRUE;
}
