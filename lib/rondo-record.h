/* rondo-record.h - rondo_series_record() inlined into the caller, opt-in.
 *
 * Why: a write into the current slot is a compare and one store into the
 * series' cell, about 17 instructions; the call to rondo_series_record()
 * through the PLT costs as much again (docs/benchmarks.md, "Storage format
 * 2": 1.5-2.3x the limit design as a call, 1.1x inlined). A program whose
 * hot path records often can include this header and record through a
 * RondoRecorder instead; everyone else calls rondo_series_record().
 *
 * THE ABI, AND WHY A FORMAT CHANGE CANNOT BREAK IT
 *
 *   Inlined code knows two things that are otherwise the library's own:
 *   the tier-0 cell (docs/storage-format.md §5: a 16-byte {slot time,
 *   value} pair and the order in which a writer stores it) and the writer's
 *   cache of the head slot, with the move of that cache (and of the slab's
 *   head) to the next slot, a step of cells that the library sets from the
 *   slab's layout (1 in format 2, the tier's columns in format 3). Both are
 *   named by
 *   RONDO_RECORDER_ABI. A program passes the value it was compiled with to
 *   rondo_recorder_init(); a library that speaks another one (a later
 *   format), a read-only store, or a library built with --enable-debug
 *   (whose asserted path every write must take) hands out a recorder whose
 *   head is never current, so every record goes through
 *   rondo_series_record(): one call slower, never the old layout written
 *   into a new store. The RondoRecorder struct itself is frozen: three
 *   pointers, in this order, for every ABI.
 *
 * THE RULES
 *
 *   A recorder is valid while its series' store is open, and is used by
 *   the one thread that records that schema (the rule of
 *   rondo_series_record()). It records exactly what rondo_series_record()
 *   records, with the same results: the inline path only handles a write
 *   into the cached head slot or the slot after it; everything else (a
 *   jump, an old timestamp, a refusal) is the library's call.
 */
#ifndef RONDO_RECORD_H
#define RONDO_RECORD_H

#include "rondo.h"

G_BEGIN_DECLS

/* The cell layout and head cache below; changes with any change to them.
 * 3: the head's slot counted in cells, with the step between slots (slab
 * format 3 orders tier 0's cells by slot); 2 had a column's cells in a row. */
#define RONDO_RECORDER_ABI 3

/* A cell's tag while its value is being replaced (never a slot time). */
#define RONDO_RECORDER_CLAIMING G_MAXUINT64

/* Tier 0's cell in slab formats 2 and 3: the slot time the value belongs
 * to (0: never written; RONDO_RECORDER_CLAIMING: being replaced), then the
 * value. */
typedef struct {
    guint64 t;
    double value;
} RondoRecorderCell;

/* The writer's cache of tier 0's head slot: its slot time, its cell (the
 * ring slot times step: counted from any series' first cell), and the width
 * of timestamps that fall in it (0: nothing cached); what moving it to the
 * next slot needs: the cells from one slot to the next in a series, the
 * ring's end (slots times step), the newest slot time it may take, and the
 * slab's head (storage-format.md §2.1, head_ns). */
typedef struct {
    guint64 t;
    guint64 width;
    guint64 r;
    guint64 step;
    guint64 end;
    guint64 t_max;
    guint64 *head_ns;
} RondoRecorderHead;

typedef struct {
    RondoRecorderHead *head;  /* the schema's, shared by its series */
    RondoRecorderCell *cells; /* the series' first cell (ring slot 0) */
    RondoSeries *series;      /* for everything else */
} RondoRecorder;

/**
 * rondo_recorder_init:
 * @abi: RONDO_RECORDER_ABI, as this program was compiled.
 *
 * Fills @recorder for @series. Never fails: a recorder the library cannot
 * serve inline (see the ABI above) records through rondo_series_record().
 * Returns: TRUE if records take the inline path, FALSE if every one is a
 *   call (for tests and benchmarks; either records the same).
 */
RONDO_API gboolean rondo_recorder_init(RondoRecorder *recorder, RondoSeries *series, guint abi);

/* Store @v for slot time @t into @cell, the writer's side of a cell's
 * seqlock: a cell that holds another slot time is invalidated before its
 * value changes and published after; a cell that holds @t only gets the
 * value. The library's own writes use it too. */
static inline void
rondo_recorder_cell_store(RondoRecorderCell *cell, guint64 t, double v)
{
    if (G_UNLIKELY(__atomic_load_n(&cell->t, __ATOMIC_RELAXED) != t)) {
        /* The cache line four cells on, fetched now, is not a miss when a
         * write needs it (the sparse p99): the next series' cells of this
         * slot. A prefetch never faults, even past the end of the map. */
        __builtin_prefetch(cell + 4, 1, 3);
        __atomic_store_n(&cell->t, RONDO_RECORDER_CLAIMING, __ATOMIC_RELAXED);
        __atomic_thread_fence(__ATOMIC_RELEASE);
        __atomic_store(&cell->value, &v, __ATOMIC_RELAXED);
        __atomic_store_n(&cell->t, t, __ATOMIC_RELEASE);
        return;
    }
    __atomic_store(&cell->value, &v, __ATOMIC_RELAXED);
}

/* Move @head to the next slot when @timestamp_ns falls in it: the slab's
 * head is published (release) before any cell of the new slot is written,
 * as storage-format.md §5.2 orders it. No division, so that the write that
 * opens a slot costs little more than any other (the sparse p99). FALSE
 * when the timestamp is anywhere else, nothing is cached, the next slot
 * may not be cached, or the head moved otherwise. */
static inline gboolean
rondo_recorder_head_next(RondoRecorderHead *head, guint64 timestamp_ns)
{
    guint64 t = head->t + head->width;
    if (head->width == 0 || timestamp_ns - t >= head->width || t > head->t_max ||
        __atomic_load_n(head->head_ns, __ATOMIC_RELAXED) != head->t)
        return FALSE;
    __atomic_store_n(head->head_ns, t, __ATOMIC_RELEASE);
    head->t = t;
    head->r = head->r + head->step == head->end ? 0 : head->r + head->step;
    return TRUE;
}

/**
 * rondo_recorder_record:
 *
 * rondo_series_record() for @recorder's series, inlined: the same value
 * stored, the same result.
 */
static inline RondoRecordResult
rondo_recorder_record(const RondoRecorder *recorder, double value, guint64 timestamp_ns)
{
    RondoRecorderHead *head = recorder->head;
    if (G_LIKELY(timestamp_ns - head->t < head->width) ||
        rondo_recorder_head_next(head, timestamp_ns)) {
        rondo_recorder_cell_store(&recorder->cells[head->r], head->t, value);
        return RONDO_RECORD_OK;
    }
    return rondo_series_record(recorder->series, value, timestamp_ns);
}

G_END_DECLS

#endif /* RONDO_RECORD_H */
