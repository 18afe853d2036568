/* recorder.h - one VM's store: its series, running totals, registration off the loop.
 *
 * The recorder owns the store of one VM. Samples come in as SampleSets
 * (sample.h) and go out as rondo_series_record() calls: a gauge or a total
 * as it is, a delta added to the series' running total first. A set that
 * names a series not registered yet waits in a bounded queue while a
 * worker thread opens the store and registers the series, all of a set
 * at once (rondo_store_register_all(): one rewrite and fsync of
 * series.json, still too slow for a main loop that serves every VM);
 * sets behind it wait too, so totals grow in the order the VMM wrote them.
 *
 * Running totals continue from the newest value a store already holds, so
 * an agent restarted during a VM's life does not reset its counters.
 */
#ifndef AGENT_RECORDER_H
#define AGENT_RECORDER_H

#include <rondo.h>

#include "sample.h"

/* Sets that may wait for a registration; older ones are dropped beyond it. */
#define RECORDER_PENDING_MAX 32

typedef struct Recorder Recorder;

typedef struct {
    guint64 sets_recorded;
    guint64 sets_dropped;   /* queue full, or the store could not be opened */
    guint64 values_dropped; /* refused by the store: too old or out of range */
    guint64 series_refused; /* registrations that failed (a full schema) */
} RecorderStats;

/**
 * recorder_schema_new:
 * The schema of a VM's store: 1 s x 10 min (raw), 1 min x 6 h and
 * 1 h x 7 d (average, max), @series_max series. See
 * docs/firecracker-integration.md for its size.
 */
RondoSchema *recorder_schema_new(const char *name, guint32 series_max, GError **error);

/* @vm_id names the VM in log messages. The store opens with the first set. */
Recorder *recorder_new(const char *vm_id, const char *store_path, const char *schema_name,
                       guint32 series_max);

/* Takes @set: records it now, or queues it behind a registration. */
void recorder_push(Recorder *rec, SampleSet *set);

/* Once a second: consolidates the store's tiers, retries a failed open. */
void recorder_tick(Recorder *rec, guint64 now_ns);

/* TRUE when the store is open and no registration runs: a set pushed now
 * is recorded at once if its series are known. */
gboolean recorder_is_ready(const Recorder *rec);

const RecorderStats *recorder_get_stats(const Recorder *rec);

typedef void (*RecorderClosedFunc)(gpointer user_data);

/**
 * recorder_close:
 * Records what is queued and can be, consolidates and closes the store,
 * after a running registration has come back. @closed runs from the main
 * loop (never inside this call); then recorder_free() may follow.
 */
void recorder_close(Recorder *rec, RecorderClosedFunc closed, gpointer user_data);

/* Only when no registration runs: after @closed, or if nothing was pushed. */
void recorder_free(Recorder *rec);

#endif
