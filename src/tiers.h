/* tiers.h - how a store's tiers serve PromQL: tier 0, or the stitched read, buckets stamped at
 * their end. */
#ifndef RONDOD_TIERS_H
#define RONDOD_TIERS_H

#include <glib.h>
#include "store-handle.h"

/* The points a read needs: tier_read_init(). */
typedef struct {
    RondoConsolidation cf;  /* the column coarse tiers serve */
    gboolean peaks;         /* a counter's function: show resets inside buckets */
    guint64 from_ns, to_ns; /* point times, inclusive */
} TierRead;

/* A read in progress: on the caller's stack, like RondoQueryIter. */
typedef struct {
    RondoQueryIter it, peak; /* peak: the max column beside it, when read.peaks */
    TierRead read;
    guint64 raw_interval_ns; /* tier 0's */
    gboolean raw;            /* tier 0 alone: every point in the range, a bucket of one slot */
    gboolean peak_open, pending;
    guint64 peak_t, pending_t;
    double peak_v, pending_v;
} TierIter;

/* TRUE if @tier of @schema_i still holds slot times back to @from_ns. */
gboolean tier_covers(const RondoStore *store, guint schema_i, guint tier, guint64 from_ns);

/* @r for PromQL's function @func (NULL or "": a plain selector) over
 * [@from_ns, @to_ns]: the column coarse tiers serve it. */
void tier_read_init(TierRead *r, const char *func, guint64 from_ns, guint64 to_ns);

/*
 * Opens @ti over @r's range of series @s: tier 0 when it reaches back to
 * @r->from_ns, otherwise the stitched read of rondo_query_iter_init_auto()
 * (finest tier covering each part). An error names the store.
 */
gboolean tier_iter_open(TierIter *ti, const StoreHandle *h, const RondoSeries *s, const TierRead *r,
                        GError **error);

/* The next point, in time order: a coarse bucket stamped with the time of its
 * last tier-0 slot, its value from @r->cf's column (see tiers.c). */
gboolean tier_iter_next(TierIter *ti, guint64 *ret_t_ns, double *ret_value);

#endif
