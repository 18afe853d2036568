/* ring.h - the ring arithmetic and the seqlock between writer and readers.
 *
 * These are inline because rondo_series_record() is built from them and must
 * cost a few nanoseconds. Nothing here allocates, locks, or calls GLib.
 *
 * Writer rules (docs/storage-format.md, "Ring semantics"):
 *   - slot time t = timestamp - timestamp % interval; ring slot r = t / interval % slots.
 *   - t newer than the head: the head moves to t (before the slot is touched,
 *     so a crash never leaves a written slot outside the window).
 *   - t inside the window (head - t < window): the slot is written; if it
 *     holds another time it is first reset (claimed).
 *   - t older than the window: dropped and counted.
 *   - a timestamp outside RONDO_TIME_MIN_NS..RONDO_TIME_MAX_NS: dropped and
 *     counted; nothing else changes (so the head never leaves the range).
 *   - a gap of many slots is only a head move; the skipped slots keep older
 *     times and so read as empty. A clock that jumps backwards produces
 *     writes of the previous two kinds.
 *
 * Two layouts (format.h): in the row layout one slot time guards a whole
 * row and opening a slot resets the row; in the cell layout (tier 0) each
 * value carries its own tag and opening a slot touches nothing but the head.
 *
 * Reader rule: a value counts for slot time t only if its tag == t before
 * and after reading it (release/acquire fences pair with the writer's claim).
 */
#ifndef RONDO_RING_H
#define RONDO_RING_H

#include <math.h>
#include "internal.h"

static inline guint64
ring_load_u64(const guint64 *p)
{
    return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline guint64
ring_load_u64_acquire(const guint64 *p)
{
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void
ring_store_u64(guint64 *p, guint64 v)
{
    __atomic_store_n(p, v, __ATOMIC_RELAXED);
}

static inline void
ring_store_u64_release(guint64 *p, guint64 v)
{
    __atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static inline double
ring_load_f64(const double *p)
{
    double v;
    __atomic_load(p, &v, __ATOMIC_RELAXED);
    return v;
}

static inline void
ring_store_f64(double *p, double v)
{
    __atomic_store(p, &v, __ATOMIC_RELAXED);
}

/* --enable-debug (RONDO_DEBUG): format.h's invariants checked on every
 * write, the hot path's too; other builds compile the checks away. */
#ifdef RONDO_DEBUG
#define ring_debug_assert(expr) g_assert(expr)
#else
#define ring_debug_assert(expr) ((void)0)
#endif

/* Invariants 1 and 3: a tag holding @was may become slot time @t: t is a
 * slot time, and was is unused, an older slot time, or a claim a writer
 * killed in the middle of a write left behind (test-crash makes them). */
static inline gboolean
ring_tag_may_become(const RondoSlab *slab, guint64 was, guint64 t)
{
    return t != 0 && t % slab->interval_ns == 0 &&
           (was == 0 || was == RONDO_SLOT_CLAIMING || (was % slab->interval_ns == 0 && was < t));
}

static inline guint32
ring_slot_for_time(const RondoSlab *slab, guint64 t)
{
    return (guint32)((t / slab->interval_ns) % slab->slots);
}

/*
 * The column of a slab holding group @group's value of the series in
 * directory column @series_column: the functions a tier keeps are groups
 * of series_max columns, in RondoConsolidation order (group_of; tier 0 has
 * one group, its raw values; storage-format.md §2.3). The one place the
 * formula is written.
 */
static inline guint32
ring_group_column(const RondoSlab *slab, guint group, guint32 series_column)
{
    g_assert(group < RONDO_CF_N_FUNCTIONS && series_column < slab->series_max);
    return (guint32)group * slab->series_max + series_column;
}

/* The column of function @cf in @tier (tier 0 serves every function from
 * its raw values), or -1 if the tier does not keep @cf. */
static inline gint64
ring_column(const RondoSlab *slab, guint tier, guint cf, guint32 series_column)
{
    gint group = tier == 0 ? 0 : slab->group_of[cf];
    return group < 0 ? -1 : (gint64)ring_group_column(slab, (guint)group, series_column);
}

/* Row layout: the value of column in ring slot r (format.h: by column before
 * version 3, by slot from it). */
static inline double *
ring_value(const RondoSlab *slab, guint32 column, guint32 r)
{
    return slab->values + column * slab->col_step + r * slab->slot_step;
}

/* Cell layout: the cell of column in ring slot r (ordered as values are). */
static inline RondoCell *
ring_cell(const RondoSlab *slab, guint32 column, guint32 r)
{
    return slab->cells + column * slab->col_step + r * slab->slot_step;
}

/* Row layout: reset ring slot r for slot time t (invalidate, clear every
 * column, publish). O(series_max): only consolidation pays it. */
void ring_claim(RondoSlab *slab, guint32 r, guint64 t);

/* Move the head forward to t if t is newer; TRUE if t is inside the window. */
static inline gboolean
ring_advance(RondoSlab *slab, guint64 t)
{
    guint64 head = ring_load_u64(&slab->hdr->head_ns);
    if (t > head) {
        if (G_UNLIKELY(head == 0))
            ring_store_u64(&slab->state->first_ns, t);
        ring_store_u64_release(&slab->hdr->head_ns, t);
        return TRUE;
    }
    if (head - t >= slab->window_ns)
        return FALSE;
    if (G_UNLIKELY(t < ring_load_u64(&slab->state->first_ns)))
        ring_store_u64(&slab->state->first_ns, t);
    return TRUE;
}

/* TRUE if ts is a timestamp a store keeps (one compare). */
static inline gboolean
ring_time_valid(guint64 ts)
{
    return ts - RONDO_TIME_MIN_NS < RONDO_TIME_MAX_NS - RONDO_TIME_MIN_NS;
}

/* TRUE if every timestamp of slot time t's slot is valid: only such a slot
 * may be cached, since cached writes skip the range check. */
static inline gboolean
ring_slot_valid(const RondoSlab *slab, guint64 t)
{
    return t >= RONDO_TIME_MIN_NS && t <= slab->t_valid_max; /* slab_bind() */
}

static inline RondoRecordResult
ring_refuse(RondoSlab *slab, RondoRecordResult why)
{
    ring_store_u64(&slab->state->dropped, ring_load_u64(&slab->state->dropped) + 1);
    return why;
}

/* The cache moves to the next slot: ts falls in the slot after the cached
 * head slot, which becomes the head (rondo-record.h, which inlines the
 * same move into recording programs). */
static inline gboolean
ring_cache_next(RondoSlab *slab, guint64 ts)
{
    ring_debug_assert(slab->cache.width == 0 || slab->cache.width == slab->interval_ns);
    return rondo_recorder_head_next(&slab->cache, ts);
}

/* The uncached half of ring_locate(): range, window, head, and in the row
 * layout the row reset. A read-only slab is refused here, before any
 * store: its cache.width stays 0 (only this function sets it), so every
 * write to it comes here, and the cached path pays nothing for the check. */
static inline RondoRecordResult
ring_locate_slow(RondoSlab *slab, guint64 ts, guint64 *ret_t, guint32 *ret_r)
{
    if (G_UNLIKELY(!slab->writable))
        return RONDO_RECORD_READ_ONLY;
    if (slab->ts == NULL && ring_cache_next(slab, ts)) {
        *ret_t = slab->cache.t;
        *ret_r = ring_slot_for_time(slab, slab->cache.t);
        return RONDO_RECORD_OK;
    }
    if (G_UNLIKELY(!ring_time_valid(ts)))
        return ring_refuse(slab, RONDO_RECORD_OUT_OF_RANGE);
    guint64 t = ts - ts % slab->interval_ns;
    if (G_UNLIKELY(!ring_advance(slab, t)))
        return ring_refuse(slab, RONDO_RECORD_TOO_OLD);
    guint32 r = ring_slot_for_time(slab, t);
    if (slab->ts != NULL && ring_load_u64(&slab->ts[r]) != t)
        ring_claim(slab, r, t);
    /* Only the head slot is cached: writes to it need no window check. */
    if (t == ring_load_u64(&slab->hdr->head_ns) && ring_slot_valid(slab, t)) {
        slab->cache.t = t;
        slab->cache.r = r * slab->cache.step;
        slab->cache.width = slab->interval_ns;
        if (slab->cells != NULL)
            rondo_slab_cache_bound(slab, t, r);
    }
    *ret_t = t;
    *ret_r = r;
    return RONDO_RECORD_OK;
}

/* The slot time and ring slot of timestamp ts, the head moved forward if
 * it is newer; anything but OK when the write is refused. Writer only. */
static inline RondoRecordResult
ring_locate(RondoSlab *slab, guint64 ts, guint64 *ret_t, guint32 *ret_r)
{
    if (G_LIKELY(ts - slab->cache.t < slab->cache.width)) {
        ring_debug_assert(slab->cache.step == 1); /* the row layout's cache */
        *ret_t = slab->cache.t;
        *ret_r = (guint32)slab->cache.r;
        return RONDO_RECORD_OK;
    }
    return ring_locate_slow(slab, ts, ret_t, ret_r);
}

/* The writer's side of a cell's seqlock (storage-format.md §5.2), as
 * rondo-record.h's inline writer stores it; here with format.h's
 * invariants asserted in debug builds. */
static inline void
ring_cell_store(const RondoSlab *slab, RondoCell *cell, guint64 t, double v)
{
    ring_debug_assert(cell >= slab->cells &&
                      cell < slab->cells + (gsize)slab->n_columns * slab->stride);
    ring_debug_assert(ring_load_u64(&cell->t) == t ||
                      ring_tag_may_become(slab, ring_load_u64(&cell->t), t));
    (void)slab;
    rondo_recorder_cell_store(cell, t, v);
}

/* The uncached half of ring_write_cell(), out of line (slab.c) so that the
 * cached half saves no registers. */
RondoRecordResult ring_write_cell_slow(RondoSlab *slab, guint32 column, double v, guint64 ts);

/* Store v into @cells, column's first cell, at timestamp ts of a slab in the
 * cell layout: the hot path, O(1) whatever series_max. A write into the
 * cached head slot is a compare and one to three stores into one cell;
 * into the slot after it, the head moves first, still inline (as
 * rondo-record.h's recorder does). Writer only; one thread per slab. */
static inline RondoRecordResult
ring_write_cell(RondoSlab *slab, RondoCell *cells, guint32 column, double v, guint64 ts)
{
    if (G_LIKELY(ts - slab->cache.t < slab->cache.width) || ring_cache_next(slab, ts)) {
        ring_debug_assert(slab->cache.r ==
                          ring_slot_for_time(slab, slab->cache.t) * slab->cache.step);
        ring_cell_store(slab, &cells[slab->cache.r], slab->cache.t, v);
        return RONDO_RECORD_OK;
    }
    return ring_write_cell_slow(slab, column, v, ts);
}

/* Store v in column at timestamp ts, in either layout (consolidation,
 * restore, batches). Writer only; one thread per slab. */
static inline RondoRecordResult
ring_write(RondoSlab *slab, guint32 column, double v, guint64 ts)
{
    if (slab->cells != NULL)
        return ring_write_cell(slab, ring_cell(slab, column, 0), column, v, ts);
    guint64 t;
    guint32 r;
    RondoRecordResult res = ring_locate(slab, ts, &t, &r);
    ring_debug_assert(res != RONDO_RECORD_OK || ring_load_u64(&slab->ts[r]) == t);
    if (res == RONDO_RECORD_OK)
        ring_store_f64(ring_value(slab, column, r), v);
    return res;
}

/* The reader's side of the seqlock: v counts for t only if the tag guarding
 * it held t before and after v was read (storage-format.md §3.3). */
static inline gboolean
ring_read_tagged(const guint64 *tag, const double *value, guint64 t, double *ret)
{
    if (ring_load_u64_acquire(tag) != t)
        return FALSE;
    double v = ring_load_f64(value);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (ring_load_u64(tag) != t || isnan(v))
        return FALSE;
    *ret = v;
    return TRUE;
}

/* Read column at slot time t; FALSE if the slot does not hold t or is NaN. */
static inline gboolean
ring_read(const RondoSlab *slab, guint32 column, guint64 t, double *ret)
{
    guint32 r = ring_slot_for_time(slab, t);
    if (slab->cells != NULL) {
        const RondoCell *cell = ring_cell(slab, column, r);
        return ring_read_tagged(&cell->t, &cell->value, t, ret);
    }
    return ring_read_tagged(&slab->ts[r], ring_value(slab, column, r), t, ret);
}

/* The oldest slot time inside the window that was ever written, 0 if the
 * tier is empty. */
static inline guint64
ring_oldest(const RondoSlab *slab)
{
    guint64 head = ring_load_u64_acquire(&slab->hdr->head_ns);
    if (head == 0)
        return 0;
    guint64 span = slab->window_ns - slab->interval_ns;
    guint64 oldest = head > span ? head - span : slab->interval_ns;
    return MAX(oldest, ring_load_u64(&slab->state->first_ns));
}

#endif /* RONDO_RING_H */
