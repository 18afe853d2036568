/* metrics.h - VmMetrics: the VMM's own time series, recorded through librondo.
 *
 * The store has two schemas so that each has exactly one recording thread
 * (librondo's threading contract):
 *   "vcpu"  vcpu_* and blk_* series, recorded only by the vCPU thread, from
 *           the inline functions below (the hot path);
 *   "vmm"   everything else (process and KVM statistics), recorded only by
 *           the maintenance thread, which also consolidates once a second.
 * Counters are recorded as their running total; durations, measured in
 * nanoseconds, as the mean of the current second so far in seconds (the
 * Prometheus base unit), so each 1 s slot ends up holding that second's mean.
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

/* A mean over the current one-second slot. */
typedef struct {
    RondoSeries *series;
    guint64 second;
    double sum;
    double count;
} VmMean;

/* What the vCPU thread owns. Fields are private to metrics.[ch]. */
typedef struct {
    RondoSeries *exits[VM_EXIT_N_KINDS];
    guint64 exit_counts[VM_EXIT_N_KINDS];
    VmMean run_duration;
    VmMean exit_duration;
    RondoSeries *blk_requests[VM_BLK_N_OPS];
    guint64 blk_counts[VM_BLK_N_OPS];
    RondoSeries *blk_bytes[VM_BLK_N_DIRS];
    guint64 blk_bytes_total[VM_BLK_N_DIRS];
    VmMean blk_duration;
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
vm_mean_add(VmMean *mean, double value, guint64 now_ns)
{
    guint64 second = now_ns / RONDO_NS_PER_S;
    if (second != mean->second)
        *mean = (VmMean){mean->series, second, 0, 0};
    mean->sum += value;
    mean->count++;
    rondo_series_record(mean->series, mean->sum / mean->count * 1e-9, now_ns);
}

/* One vCPU exit: @run_ns spent in KVM_RUN, @exit_ns handling the exit. */
static inline void
vm_metrics_exit(VmMetricsHot *m, VmExitKind kind, guint64 run_ns, guint64 exit_ns, guint64 now_ns)
{
    if (m == NULL)
        return;
    m->exit_counts[kind]++;
    rondo_series_record(m->exits[kind], (double)m->exit_counts[kind], now_ns);
    vm_mean_add(&m->run_duration, (double)run_ns, now_ns);
    vm_mean_add(&m->exit_duration, (double)exit_ns, now_ns);
}

/* One block request of @bytes data, which took @duration_ns. */
static inline void
vm_metrics_blk(VmMetricsHot *m, VmBlkOp op, guint64 bytes, guint64 duration_ns, guint64 now_ns)
{
    if (m == NULL)
        return;
    m->blk_counts[op]++;
    rondo_series_record(m->blk_requests[op], (double)m->blk_counts[op], now_ns);
    vm_mean_add(&m->blk_duration, (double)duration_ns, now_ns);
    if (op > VM_BLK_WRITE) /* reads and writes move bytes; op doubles as the direction */
        return;
    m->blk_bytes_total[op] += bytes;
    rondo_series_record(m->blk_bytes[op], (double)m->blk_bytes_total[op], now_ns);
}
