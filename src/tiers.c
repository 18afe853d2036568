/* tiers.c - choosing the tier a read is served from.
 *
 * A store keeps each series at several resolutions: tier 0 holds the raw
 * points for a short window, coarser tiers consolidated buckets for longer
 * ones. A read names the step and window it will be evaluated at; the
 * coarsest tier fine enough for both answers it with the fewest points,
 * which is what rondod's own PromQL does. A remote read feeds Prometheus'
 * engine, which computes over raw samples: it ignores the hints (raw_first),
 * takes tier 0 where it covers the whole range and otherwise the stitched
 * read (coarse buckets only for what tier 0 no longer holds). Serving the
 * whole range from the tier the hints suggest would feed buckets to
 * rate() at the recent end too, and the answer would depend on the range.
 */
#include "config.h"

#include "tiers.h"

guint
tier_choose(const RondoSchema *schema, guint64 step_ns, guint64 range_ns)
{
    guint k = 0;
    for (guint t = 1; t < rondo_schema_get_n_tiers(schema); t++) {
        guint64 iv = rondo_schema_get_tier_interval(schema, t);
        if (iv <= step_ns && (range_ns == 0 || 2 * iv <= range_ns))
            k = t;
    }
    return k;
}

gboolean
tier_covers(const RondoStore *store, guint schema_i, guint tier, guint64 from_ns)
{
    const RondoSchema *schema = rondo_store_get_schema(store, schema_i);
    guint64 head = rondo_store_get_head(store, schema_i, tier);
    guint64 span = (guint64)(rondo_schema_get_tier_slots(schema, tier) - 1) *
                   rondo_schema_get_tier_interval(schema, tier);
    return head != 0 && (head < span || from_ns >= head - span);
}

static gboolean
iter_open(RondoQueryIter *it, const StoreHandle *h, const RondoSeries *s, const TierRead *r,
          GError **error)
{
    guint si = rondo_series_get_schema(s);
    const RondoSchema *schema = rondo_store_get_schema(h->store, si);
    RondoConsolidation cf = r->cf;
    guint tier = r->raw_first ? 0 : tier_choose(schema, r->step_ns, r->range_ns);
    if (!tier_covers(h->store, si, tier, r->from_ns))
        return rondo_query_iter_init_auto(it, h->store, s, cf, r->from_ns, r->to_ns, error);
    if (tier > 0 && !(rondo_schema_get_tier_functions(schema, tier) & RONDO_CF_BIT(cf)))
        cf = RONDO_CF_AVERAGE;
    if (rondo_query_iter_init(it, h->store, s, tier, cf, r->from_ns, r->to_ns, NULL))
        return TRUE;
    return rondo_query_iter_init_auto(it, h->store, s, cf, r->from_ns, r->to_ns, error);
}

gboolean
tier_iter_open(RondoQueryIter *it, const StoreHandle *h, const RondoSeries *s, const TierRead *r,
               GError **error)
{
    g_return_val_if_fail(it != NULL && h != NULL && s != NULL && r != NULL, FALSE);
    if (iter_open(it, h, s, r, error))
        return TRUE;
    g_prefix_error(error, "store %s: ", h->name);
    return FALSE;
}
