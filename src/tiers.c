/* tiers.c - choosing the tier a read is served from.
 *
 * A store keeps each series at several resolutions: tier 0 holds the raw
 * points for a short window, coarser tiers consolidated buckets for longer
 * ones. Both rondod's own PromQL and a remote read (Prometheus' engine)
 * compute over raw samples, so a read takes tier 0 wherever it reaches back,
 * and otherwise the stitched read: coarse buckets only for what tier 0 no
 * longer holds. Serving a whole range from a coarse tier chosen by the step
 * would feed buckets to rate() at the recent end too, and the answer would
 * depend on the range.
 */
#include "config.h"

#include "tiers.h"

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
    if (tier_covers(h->store, rondo_series_get_schema(s), 0, r->from_ns) &&
        rondo_query_iter_init(it, h->store, s, 0, r->cf, r->from_ns, r->to_ns, NULL))
        return TRUE;
    return rondo_query_iter_init_auto(it, h->store, s, r->cf, r->from_ns, r->to_ns, error);
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
