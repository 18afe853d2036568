/* tiers.h - which tier of a store serves a read: the native queries' rule and remote-read's. */
#ifndef RONDOD_TIERS_H
#define RONDOD_TIERS_H

#include <glib.h>
#include "registry.h"

/* What a read is for: the points it needs and how they will be evaluated. */
typedef struct {
    RondoConsolidation cf;     /* the column of coarse tiers (AVERAGE where a tier lacks it) */
    guint64 from_ns, to_ns;    /* slot times, inclusive */
    guint64 step_ns, range_ns; /* evaluation step and window; 0 if unknown or instant */
    gboolean raw_first;        /* tier 0, or the stitched read: never a coarse tier alone */
} TierRead;

/* The coarsest tier whose interval fits @step_ns (and half of @range_ns, if not 0). */
guint tier_choose(const RondoSchema *schema, guint64 step_ns, guint64 range_ns);

/* TRUE if @tier of @schema_i still holds slot times back to @from_ns. */
gboolean tier_covers(const RondoStore *store, guint schema_i, guint tier, guint64 from_ns);

/*
 * Opens @it over @r's range of series @s: the one tier that reaches back
 * to @r->from_ns (tier 0 if @r->raw_first, else the one tier_choose()
 * names), otherwise the stitched read of rondo_query_iter_init_auto()
 * (finest tier covering each part). An error names the store.
 */
gboolean tier_iter_open(RondoQueryIter *it, const StoreHandle *h, const RondoSeries *s,
                        const TierRead *r, GError **error);

#endif
