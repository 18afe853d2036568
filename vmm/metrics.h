/* metrics.h - VmMetrics: the VMM's own time series, recorded through librondo.
 *
 * The store has two schemas so that each has exactly one recording thread
 * (librondo's threading contract):
 *   "vcpu"  vcpu_* and blk_* series, recorded only by the vCPU thread, from
 *           the inline functions below (the hot path);
 *   "vmm"   everything else (process and KVM statistics), recorded only by
 *           the maintenance thread, which also consolidates once a second.
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

typedef enum {
    VM_EXIT_IO,
    VM_EXIT_MMIO,
    VM_EXIT_HLT,
    VM_EXIT_INTR,
    VM_EXIT_SHUTDOWN,
    VM_EXIT_ASSIST, /* an instruction finished by assist.c */
    VM_EXIT_OTHER,
    VM_EXIT_N_KINDS,
} VmExitKind;

typedef enum {
    VM_BLK_READ,
    VM_BLK_WRITE,
    VM_BLK_FLUSH,
    VM_BLK_OTHER,
    VM_BLK_N_OPS,
} VmBlkOp;

/* Bytes moved by the block device: "read" from the disk into the guest,
 * "write" from the guest onto the disk. */
typedef enum {
    VM_BLK_DIR_READ,
    VM_BLK_DIR_WRITE,
    VM_BLK_N_DIRS,
} VmBlkDirection;

G_STATIC_ASSERT((int)VM_BLK_DIR_READ == (int)VM_BLK_READ);
G_STATIC_ASSERT((int)VM_BLK_DIR_WRITE == (int)VM_BLK_WRITE);

/* A running total and the series that records it, times @scale
 * (1e-9 for nanoseconds recorded as seconds). */
typedef struct {
    RondoSeries *series;
    guint64 total;
    double scale;
} VmCounter;

/* What the vCPU thread owns. Fields are private to metrics.[ch]. */
typedef struct {
    VmCounter exits[VM_EXIT_N_KINDS];
    VmCounter run_seconds;  /* in KVM_RUN */
    VmCounter exit_seconds; /* handling exits */
    VmCounter blk_requests[VM_BLK_N_OPS];
    VmCounter blk_bytes[VM_BLK_N_DIRS];
    VmCounter blk_seconds; /* serving requests */
} VmMetricsHot;

typedef struct VmMetrics VmMetrics;

/* Opens the store at @store_dir for writing, creating it with the two
 * schemas if it does not exist yet, and registers every series. */
VmMetrics *vm_metrics_open(const char *store_dir, GError **error);

/* Starts the 1 s maintenance thread. @vcpu_stats_fd (or -1) is a vCPU's
 * KVM binary statistics fd; ownership passes to the metrics. */
gboolean vm_metrics_start(VmMetrics *metrics, int vcpu_stats_fd, GError **error);

/* Stops the maintenance thread after a last tick, consolidates and closes
 * the store. NULL is accepted. */
void vm_metrics_close(VmMetrics *metrics);

/* Records every vCPU-side counter's current total once (0 at start), so
 * that counters no event has touched yet still read as 0. vCPU thread only. */
void vm_metrics_hot_publish(VmMetricsHot *hot, guint64 now_ns);

/* The hot-path half, for the vCPU thread only. */
VmMetricsHot *vm_metrics_hot(VmMetrics *metrics);

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

static inline void
vm_counter_add(VmCounter *c, guint64 n, guint64 now_ns)
{
    c->total += n;
    rondo_series_record(c->series, (double)c->total * c->scale, now_ns);
}

/* One vCPU exit: @run_ns spent in KVM_RUN, @exit_ns handling the exit. */
static inline void
vm_metrics_exit(VmMetricsHot *m, VmExitKind kind, guint64 run_ns, guint64 exit_ns, guint64 now_ns)
{
    if (m == NULL)
        return;
    vm_counter_add(&m->exits[kind], 1, now_ns);
    vm_counter_add(&m->run_seconds, run_ns, now_ns);
    vm_counter_add(&m->exit_seconds, exit_ns, now_ns);
}

/* One block request of @bytes data, which took @duration_ns. */
static inline void
vm_metrics_blk(VmMetricsHot *m, VmBlkOp op, guint64 bytes, guint64 duration_ns, guint64 now_ns)
{
    if (m == NULL)
        return;
    vm_counter_add(&m->blk_requests[op], 1, now_ns);
    vm_counter_add(&m->blk_seconds, duration_ns, now_ns);
    if (op <= VM_BLK_WRITE) /* reads and writes move bytes; op doubles as the direction */
        vm_counter_add(&m->blk_bytes[op], bytes, now_ns);
}
