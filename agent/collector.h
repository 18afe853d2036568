/* collector.h - one VM watched: a source of readings, a recorder, a life.
 *
 * A collector joins a source - what a VMM says and how it is asked
 * (fc-source.c for Firecracker, ch-source.c for Cloud Hypervisor), behind
 * the ops table below, as a VMM's devices are - to the recorder of the
 * VM's store. It lives from the VM's discovery until the VM leaves (the
 * source or the discovery says so, collector_leave()); then the source is
 * stopped, the store closed, and the owner told (CollectorDoneFunc), so
 * that rondod may adopt the store.
 */
#ifndef AGENT_COLLECTOR_H
#define AGENT_COLLECTOR_H

#include "http-unix.h"
#include "recorder.h"

typedef struct Collector Collector;

/* Where a VM's files are and how large its store is. */
typedef struct {
    const char *vm_id;
    const char *store_path;
    const char *metrics_fifo; /* Firecracker only */
    const char *api_socket;   /* nullable for Firecracker */
    guint32 series_max;
} CollectorConfig;

typedef struct {
    const char *schema_name; /* the store's schema */
    /* Starts reading and asking; returns the source's state, or NULL with @error. */
    gpointer (*start)(Collector *c, const CollectorConfig *cfg, GError **error);
    /* Once a second: ask the VMM for a reading. */
    void (*tick)(gpointer source, guint64 now_ns);
    /* Adds the agent's own counters for this VM (SAMPLE_TOTAL). */
    void (*add_stats)(gpointer source, SampleSet *set);
    /* One line for the log when the VM leaves. */
    char *(*summary)(gpointer source);
    /* Stops everything pending and frees. */
    void (*stop)(gpointer source);
} CollectorOps;

extern const CollectorOps fc_source_ops;
extern const CollectorOps ch_source_ops;

/* Called once, from the main loop, when the VM's store is closed. */
typedef void (*CollectorDoneFunc)(Collector *c, gpointer user_data);

Collector *collector_new(const CollectorOps *ops, const CollectorConfig *cfg,
                         CollectorDoneFunc done, gpointer user_data, GError **error);
void collector_tick(Collector *c, guint64 now_ns);
const char *collector_get_vm_id(const Collector *c);
gboolean collector_is_leaving(const Collector *c);
/* Only after CollectorDoneFunc ran. NULL is accepted. */
void collector_free(Collector *c);

/* For sources: a reading (taken), and the VM's departure (said once, with why). */
void collector_push(Collector *c, SampleSet *set);
void collector_leave(Collector *c, const char *reason);

/* For sources: "vm ID: " + the message, logged the first time @bit is set in @logged. */
void collector_log_once(Collector *c, guint *logged, guint bit, const char *format, ...)
    G_GNUC_PRINTF(4, 5);

/* How a VM's API has been answering (FlushMetrics, vm.counters). */
typedef struct {
    guint refused_in_row;
    guint64 ok, failed, timeouts;
    guint logged;
} ApiHealth;

/* The VM has left when its API refuses this many connections in a row. */
#define COLLECTOR_REFUSED_MAX 3

/**
 * collector_note_api_call:
 * @what: the request, for the log.
 * @ok: whether the answer is the one asked for.
 * Counts one call's outcome in @h, logs each kind of trouble (an error, a
 * timeout, an unexpected status) once, and makes the VM leave after
 * COLLECTOR_REFUSED_MAX refused connections in a row.
 * Returns: @ok.
 */
gboolean collector_note_api_call(Collector *c, ApiHealth *h, const char *what,
                                 const HttpReply *reply, const GError *error, gboolean ok);

#endif
