/* query.c - reading one series back, from one tier or stitched across tiers.
 *
 * A query walks slot times, not ring slots: for each slot time t in range it
 * asks the ring whether ring slot t/interval%slots holds t (ring_read), so a
 * value from a previous wrap can never be returned under a newer time, and
 * a slot rewritten while we read it is skipped. No allocation per point:
 * the iterator lives on the caller's stack.
 *
 * Auto mode: each tier serves a segment [lo, hi]; tier 0 serves what its
 * window covers, and each coarser tier serves the buckets that end before
 * the finer tier's segment begins. Segments are read coarsest first, so
 * points come in time order and no time is covered twice.
 */
#include "config.h"
#include <string.h>
#include "ring.h"

static guint64
align_down(guint64 t, guint64 iv)
{
    return t - t % iv;
}

static guint64
align_up(guint64 t, guint64 iv)
{
    guint64 r = t % iv;
    return r == 0 ? t : (t > G_MAXUINT64 - (iv - r) ? G_MAXUINT64 - G_MAXUINT64 % iv : t + iv - r);
}

/* The column holding cf in the tier, or -1. Tier 0 holds every cf. */
static gint
tier_column(const RondoSlab *slab, guint tier, const RondoSeries *series, guint cf)
{
    return (gint)ring_column(slab, tier, cf, series->column);
}

/* The segment of tier slab that [start, end] asks for, clipped to its window. */
static void
segment_clip(const RondoSlab *slab, guint64 start, guint64 end, guint64 *lo, guint64 *hi)
{
    guint64 head = ring_load_u64_acquire(&slab->hdr->head_ns);
    guint64 oldest = ring_oldest(slab);

    *lo = MAX(MAX(align_up(start, slab->interval_ns), oldest), slab->interval_ns);
    *hi = MIN(align_down(end, slab->interval_ns), head);
}

static void
iter_enter_tier(RondoQueryIter *iter, guint tier)
{
    const RondoSeries *series = iter->series;
    const RondoSlab *slab = rondo_store_slab(iter->store, series->schema, tier);
    gint column = tier_column(slab, tier, series, iter->cf);

    if (column < 0)
        column = tier_column(slab, tier, series, RONDO_CF_AVERAGE);
    if (column < 0)
        column = (gint)series->column; /* the tier's first function */
    iter->tier = tier;
    iter->slab = slab;
    iter->column = (guint)column;
    iter->t = iter->lo[tier];
    iter->t_last = iter->hi[tier];
}

static gboolean
iter_check(const RondoStore *store, const RondoSeries *series, guint cf, GError **error)
{
    if (cf >= RONDO_CF_N_FUNCTIONS || series->schema >= store->schemas->len ||
        rondo_store_get_series(store, series->id) != series) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_INVALID,
                    "query: unknown consolidation function or a series of another store");
        return FALSE;
    }
    return TRUE;
}

gboolean
rondo_query_iter_init(RondoQueryIter *iter, const RondoStore *store, const RondoSeries *series,
                      guint tier, RondoConsolidation cf, guint64 start_ns, guint64 end_ns,
                      GError **error)
{
    g_return_val_if_fail(iter != NULL && store != NULL && series != NULL, FALSE);
    memset(iter, 0, sizeof *iter);
    if (!iter_check(store, series, cf, error))
        return FALSE;
    const RondoSlab *slab = rondo_store_slab(store, series->schema, tier);
    if (slab == NULL) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_NOT_FOUND, "series %s has no tier %u",
                    series->key, tier);
        return FALSE;
    }
    if (tier_column(slab, tier, series, cf) < 0) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_NOT_FOUND,
                    "tier %u of series %s does not keep the %s", tier, series->key,
                    rondo_consolidation_to_string(cf));
        return FALSE;
    }
    iter->store = store;
    iter->series = series;
    iter->cf = cf;
    segment_clip(slab, start_ns, end_ns, &iter->lo[tier], &iter->hi[tier]);
    iter_enter_tier(iter, tier);
    iter->tier_served = tier;
    return TRUE;
}

gboolean
rondo_query_iter_init_auto(RondoQueryIter *iter, const RondoStore *store, const RondoSeries *series,
                           RondoConsolidation cf, guint64 start_ns, guint64 end_ns, GError **error)
{
    g_return_val_if_fail(iter != NULL && store != NULL && series != NULL, FALSE);
    memset(iter, 0, sizeof *iter);
    if (!iter_check(store, series, cf, error))
        return FALSE;
    iter->store = store;
    iter->series = series;
    iter->cf = cf;
    iter->auto_mode = TRUE;

    const RondoSchema *schema = rondo_store_get_schema(store, series->schema);
    guint64 finer_lo = G_MAXUINT64; /* where the finer tiers' segments begin */
    guint coarsest = 0;
    for (guint k = 0; k < schema->n_tiers; k++) {
        const RondoSlab *slab = rondo_store_slab(store, series->schema, k);
        guint64 iv = slab->interval_ns;
        guint64 end = end_ns;
        if (finer_lo != G_MAXUINT64)
            end = finer_lo >= iv ? MIN(end_ns, finer_lo - iv) : 0;
        iter->lo[k] = 1;
        iter->hi[k] = 0;
        if (ring_load_u64_acquire(&slab->hdr->head_ns) == 0)
            continue;
        segment_clip(slab, start_ns, end, &iter->lo[k], &iter->hi[k]);
        finer_lo = MIN(finer_lo, iter->lo[k]);
        if (iter->lo[k] <= iter->hi[k])
            coarsest = k;
    }
    iter_enter_tier(iter, coarsest);
    iter->tier_served = coarsest;
    return TRUE;
}

gboolean
rondo_query_iter_next(RondoQueryIter *iter, guint64 *ret_timestamp_ns, double *ret_value)
{
    g_return_val_if_fail(iter != NULL, FALSE);
    if (iter->store == NULL)
        return FALSE;
    for (;;) {
        if (iter->t > iter->t_last || iter->t == 0) {
            if (!iter->auto_mode || iter->tier == 0)
                return FALSE;
            iter_enter_tier(iter, iter->tier - 1);
            continue;
        }
        const RondoSlab *slab = iter->slab;
        guint64 t = iter->t;
        double v;
        iter->t = t + slab->interval_ns;
        if (iter->t < t)
            iter->t_last = 0; /* wrapped past the end of time */
        if (ring_read(slab, iter->column, t, &v)) {
            iter->tier_served = iter->tier;
            if (ret_timestamp_ns)
                *ret_timestamp_ns = t;
            if (ret_value)
                *ret_value = v;
            return TRUE;
        }
    }
}

guint
rondo_query_iter_get_tier(const RondoQueryIter *iter)
{
    g_return_val_if_fail(iter != NULL, 0);
    return iter->tier_served;
}

RondoConsolidation
rondo_query_iter_get_function(const RondoQueryIter *iter)
{
    g_return_val_if_fail(iter != NULL, RONDO_CF_RAW);
    const RondoSlab *slab = iter->slab;
    if (slab == NULL || iter->tier == 0)
        return RONDO_CF_RAW;
    gint group = (gint)(iter->column / slab->series_max);
    for (guint f = 0; f < RONDO_CF_N_FUNCTIONS; f++) {
        if (slab->group_of[f] == group)
            return (RondoConsolidation)f;
    }
    g_assert_not_reached(); /* iter_enter_tier() chose a kept column */
}

void
rondo_query_iter_get_span(const RondoQueryIter *iter, guint64 *ret_first_ns, guint64 *ret_last_ns)
{
    g_return_if_fail(iter != NULL);
    const RondoSlab *slab = iter->slab;
    guint64 t = 0, last = 0;
    if (slab != NULL) {
        const RondoSlab *raw =
            rondo_store_slab(iter->store, ((const RondoSeries *)iter->series)->schema, 0);
        t = iter->t - slab->interval_ns; /* next() moved one slot on (wrapping alike) */
        last = t + (slab->interval_ns - raw->interval_ns);
    }
    if (ret_first_ns)
        *ret_first_ns = t;
    if (ret_last_ns)
        *ret_last_ns = last;
}
