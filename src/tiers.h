/* tiers.h - which tier of a store serves a read: tier 0, or the stitched read. */
#ifndef RONDOD_TIERS_H
#define RONDOD_TIERS_H

#include <glib.h>
#include "store-handle.h"

/* The points a read needs. */
typedef struct {
    RondoConsolidation cf;  /* the column coarse tiers serve (AVERAGE where a tier lacks it) */
    guint64 from_ns, to_ns; /* slot times, inclusive */
} TierRead;

/* TRUE if @tier of @schema_i still holds slot times back to @from_ns. */
gboolean tier_covers(const RondoStore *store, guint schema_i, guint tier, guint64 from_ns);

/*
 * Opens @it over @r's range of series @s: tier 0 when it reaches back to
 * @r->from_ns, otherwise the stitched read of rondo_query_iter_init_auto()
 * (finest tier covering each part). An error names the store.
 */
gboolean tier_iter_open(RondoQueryIter *it, const StoreHandle *h, const RondoSeries *s,
                        const TierRead *r, GError **error);

#endif
