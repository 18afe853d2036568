/* metrics.h - VmMetrics: the VMM's own time series, recorded through librondo.
 *
 * The store has one schema per recording thread (librondo's threading
 * contract), paired in one table in metrics.c:
 *   "vcpu"  every VmCounter - the vCPU's and each device's, whatever their
 *           names - recorded only by the vCPU thread, through the inline
 *           functions below (the hot path);
 *   "vmm"   the process and KVM statistics, recorded only by the
 *           maintenance thread, which also consolidates once a second.
 * With RONDO_VMM_DEBUG set in the environment, every record asserts that
 * its series is in the schema of the thread recording it.
 * Everything on the hot path is a counter recorded as its running total:
 * events, bytes, and time spent (measured in nanoseconds, recorded in
 * seconds, the Prometheus base unit). A rate over any window, at any tier,
 * is then exact: time per event is rate(seconds) / rate(events), where a
 * mean per second would be averaged unweighted by coarser tiers.
 */
#pragma once

#include <time.h>

#include <glib.h>

#include "rondo.h"

/* How a counter hands its value to the store: rondo_series_record(); a
 * function that drops it where the store had no room for the series, so
 * that the hot path never tests for a missing series; or, with
 * RONDO_VMM_DEBUG, one that checks the recording thread first. Chosen
 * once, at registration. */
typedef RondoRecordResult (*VmRecordFunc)(RondoSeries *series, double value, guint64 now_ns);

/* A running total and the series that records it, times @scale
 * (1e-9 for nanoseconds recorded as seconds). Owned by the device (or
 * vCPU) that counts; recorded only by the vCPU thread. */
typedef struct {
    VmRecordFunc record;
    RondoSeries *series; /* NULL while the counter drops its values */
    guint64 total;
    double scale;
} VmCounter;

/* What a counter measures. A name ending in _seconds_total counts
 * nanoseconds and records seconds (the Prometheus base unit). */
typedef struct {
    const char *name;
    const char *unit; /* nullable: "seconds", "bytes" */
    const char *help;
    const char *label; /* nullable: the label that tells an array's counters apart */
} VmCounterDesc;

typedef struct VmMetrics VmMetrics;

/* The threads that record, each into a schema of its own. */
typedef enum {
    VM_THREAD_VCPU,
    VM_THREAD_MAINTENANCE,
    VM_N_THREADS,
} VmThread;

/* Opens the store at @store_dir for writing, creating it with the two
 * schemas if it does not exist yet, and registers the VMM's own series. */
VmMetrics *vm_metrics_open(const char *store_dir, GError **error);

/* Starts the 1 s maintenance thread. @vcpu_stats_fd (or -1) is a vCPU's
 * KVM binary statistics fd; ownership passes to the metrics. */
gboolean vm_metrics_start(VmMetrics *metrics, int vcpu_stats_fd, GError **error);

/* Stops the maintenance thread after a last tick, consolidates and closes
 * the store. NULL is accepted. */
void vm_metrics_close(VmMetrics *metrics);

/* A counter that drops its values until vm_metrics_add_counters() gives it
 * a series: what a device without a store (a unit test) counts with. */
void vm_counter_init(VmCounter *counter);

/* Registers @n counters as the series @desc->name, the i-th one labelled
 * @desc->label = @label_values[i] (@label_values NULL when @n is 1 and
 * @desc->label NULL). A counter whose series the store has no room for,
 * or gives to another thread's schema (a store an older VMM made), keeps
 * dropping its values; a warning says so. Call before the vCPU
 * thread starts; @counters must live until vm_metrics_close(). */
gboolean vm_metrics_add_counters(VmMetrics *metrics, VmCounter *counters, guint n,
                                 const VmCounterDesc *desc, const char *const *label_values,
                                 GError **error);

/* Declares the calling thread to be @thread, the only one that records
 * @thread's schema from now on (asserted). Call first thing on that thread.
 * NULL is accepted. */
void vm_metrics_enter_thread(VmMetrics *metrics, VmThread thread);

/* Records every counter's current total once (0 at start), so that
 * counters no event has touched yet still read as 0. vCPU thread only,
 * before its loop. NULL is accepted. */
void vm_metrics_publish_counters(VmMetrics *metrics, guint64 now_ns);

const char *vm_metrics_get_path(const VmMetrics *metrics);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmMetrics, vm_metrics_close)

/* ------------------------------------------------------- the hot path */

static inline guint64
vm_metrics_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (guint64)ts.tv_sec * RONDO_NS_PER_S + (guint64)ts.tv_nsec;
}

/* Adds @n to the total and records it. */
static inline void
vm_counter_add(VmCounter *c, guint64 n, guint64 now_ns)
{
    c->total += n;
    c->record(c->series, (double)c->total * c->scale, now_ns);
}
