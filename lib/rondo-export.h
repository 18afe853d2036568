/* rondo-export.h - librondo-export, Prometheus remote-write for rondo stores.
 *
 * This header is the exporter's manual; <rondo/rondo.h> (included) is the
 * store's. librondo-export is a library of its own so that a program that only
 * records and reads stores (a VMM) links librondo alone and loads no HTTP
 * client, TLS, snappy or protobuf: link it with `pkg-config rondo-export`.
 * It is built on librondo's public API only (lib/export.c, lib/export-http.c,
 * lib/remote-write.c); its ABI is lib/librondo-export.sym (RONDO_EXPORT_0).
 *
 * OVERVIEW
 *
 * An exporter pushes the points a drain returns to one remote-write 1.0
 * receiver (Prometheus, VictoriaMetrics, Mimir, Thanos...): protobuf
 * WriteRequests, snappy block compression, one synchronous HTTP POST per
 * batch through libsoup (HTTP/1.1, or HTTP/2 where TLS negotiates it), on
 * one connection kept alive between batches. https:// verifies the
 * receiver against the system's CA store through glib-networking.
 *
 * DELIVERY
 *
 *   - A drain cursor is committed only after the receiver answered 2xx (or
 *     rejected the batch for good, below), and the cursor is persisted, so
 *     delivery is at-least-once: a process killed between a 2xx and the
 *     commit sends that one batch again. Batches end on slot boundaries
 *     (unless one slot alone exceeds the batch limit), so the commit covers
 *     exactly what was sent.
 *   - 5xx, 429 and transport errors (refused, reset, timeout, DNS) are
 *     retried with exponential backoff and full jitter, waiting at least
 *     what Retry-After asks; the attempts per batch and the time a push may
 *     spend waiting are bounded. When they run out the push fails with
 *     RONDO_EXPORT_ERROR_UNAVAILABLE and the cursor stays: nothing is lost
 *     while the data is still inside the tier's window.
 *   - Other 4xx (400 for out-of-order or invalid samples, 413...) reject
 *     the data itself: the spec forbids a retry, so the batch is dropped,
 *     counted, the cursor moves past it and the receiver's message is kept
 *     (rondo_exporter_get_last_message()).
 *     Exception: 401, 403, 404, 405 and 407 reject the sender, not the data
 *     (wrong credentials or URL): the push stops with
 *     RONDO_EXPORT_ERROR_REFUSED and keeps the cursor, so a configuration
 *     mistake never discards history.
 *   - Slot times that left the tier's window before being drained are
 *     counted (RondoExportStats.slots_missed) and persisted with the cursor.
 *
 * THREADS
 *
 *   An exporter is used by one thread at a time, not necessarily the one
 *   that created it; different exporters may push concurrently from
 *   different threads (they share nothing: each has its own libsoup
 *   session and a private main context, iterated only inside a push, so a
 *   push never depends on the caller's main loop).
 *   rondo_exporter_cancel() alone may be called from any thread.
 */

#ifndef RONDO_EXPORT_H
#define RONDO_EXPORT_H

/* The installed headers sit side by side in <rondo/>: "rondo.h" is
 * <rondo/rondo.h> there, and lib/rondo.h in the source tree. */
#include "rondo.h"

G_BEGIN_DECLS

#if defined(RONDO_EXPORT_COMPILATION)
#define RONDO_EXPORT_API __attribute__((visibility("default")))
#else
#define RONDO_EXPORT_API
#endif

/**
 * RondoExportSeries:
 * @name: the series name, sent as the "__name__" label.
 * @labels: (nullable): NULL-terminated name, value pairs; labels with an
 *   empty value are left out (an empty value means "no such label").
 * @timestamps_ns, @values: (array length=n_samples): the samples, in
 *   strictly increasing millisecond order.
 *
 * One series and its samples, the input of rondo_remote_write_encode().
 */
typedef struct {
    const char *name;
    const char *const *labels;
    const guint64 *timestamps_ns;
    const double *values;
    gsize n_samples;
} RondoExportSeries;

/**
 * rondo_remote_write_encode:
 * @series: (array length=n_series): the series to encode, in that order.
 * @extra_labels: (nullable): NULL-terminated name, value pairs added to every
 *   series (e.g. "instance", "vm"); a series' own label of the same name wins.
 *
 * Encodes a remote-write 1.0 WriteRequest: one TimeSeries per entry, labels
 * sorted by name (byte order), timestamps in milliseconds (truncated).
 * Uncompressed: the exporter snappy-compresses it before sending. Pure and
 * deterministic: the same input gives the same bytes.
 * Returns: (transfer full): the protobuf bytes, or NULL with
 *   RONDO_ERROR_INVALID for an empty or malformed label name, a duplicate
 *   label, an empty series name or samples out of order.
 */
RONDO_EXPORT_API GBytes *rondo_remote_write_encode(const RondoExportSeries *series, gsize n_series,
                                                   const char *const *extra_labels, GError **error);

/**
 * RondoExportMetadata:
 * @name: the metric family: a series name (a counter's keeps its _total).
 * @type: what the series' writer registered.
 * @unit: (nullable): its unit, "" or NULL when not said.
 * @help: (nullable): its help text.
 *
 * What a metric family is (MetricMetadata), the input of
 * rondo_remote_write_encode_full().
 */
typedef struct {
    const char *name;
    RondoSeriesType type;
    const char *unit;
    const char *help;
} RondoExportMetadata;

/**
 * rondo_remote_write_encode_full:
 * @metadata: (array length=n_metadata) (nullable): families to describe.
 *
 * rondo_remote_write_encode() with the WriteRequest's metadata (field 3,
 * as Prometheus sends it): one MetricMetadata per entry, in that order;
 * RONDO_ERROR_INVALID also for an empty family name.
 */
RONDO_EXPORT_API GBytes *
rondo_remote_write_encode_full(const RondoExportSeries *series, gsize n_series,
                               const RondoExportMetadata *metadata, gsize n_metadata,
                               const char *const *extra_labels, GError **error);

#define RONDO_EXPORT_ERROR (rondo_export_error_quark())
RONDO_EXPORT_API GQuark rondo_export_error_quark(void);

/**
 * RondoExportError:
 * @RONDO_EXPORT_ERROR_UNAVAILABLE: the receiver was unreachable, timed out or
 *   answered 5xx/429 until the retry policy ran out; the cursor is kept.
 * @RONDO_EXPORT_ERROR_REFUSED: the receiver refused the sender (401, 403,
 *   404, 405, 407); the cursor is kept.
 * @RONDO_EXPORT_ERROR_FAILED: the request could not be made at all (bad
 *   URL, unsupported protocol, TLS verification failure, out of memory).
 * @RONDO_EXPORT_ERROR_CANCELLED: rondo_exporter_cancel() was called.
 */
typedef enum {
    RONDO_EXPORT_ERROR_UNAVAILABLE,
    RONDO_EXPORT_ERROR_REFUSED,
    RONDO_EXPORT_ERROR_FAILED,
    RONDO_EXPORT_ERROR_CANCELLED,
} RondoExportError;

/**
 * RondoExportStats:
 * What one rondo_exporter_push() did; all counts are for that call.
 * @samples_sent, @batches_sent, @bytes_sent: accepted with a 2xx; bytes are
 *   compressed request bodies.
 * @samples_dropped, @batches_dropped: rejected for good with a 4xx.
 * @retries: requests repeated after a 5xx, 429 or transport error.
 * @slots_missed: slot times that left the window before being drained
 *   (data lost by falling behind; summed over schemas).
 * @last_timestamp_ns: the newest sample delivered or dropped (the cursor's
 *   position), 0 if none: now minus this is the export lag.
 * @last_status: the HTTP status of the last answer, 0 if there was none.
 */
typedef struct {
    guint64 samples_sent;
    guint64 batches_sent;
    guint64 bytes_sent;
    guint64 samples_dropped;
    guint64 batches_dropped;
    guint64 retries;
    guint64 slots_missed;
    guint64 last_timestamp_ns;
    guint last_status;
    /*< private >*/
    guint64 reserved[6];
} RondoExportStats;

typedef struct _RondoExporter RondoExporter;

/**
 * rondo_exporter_new:
 * @url: the receiver's write endpoint, http:// or https://, e.g.
 *   "http://127.0.0.1:9090/api/v1/write".
 *
 * Defaults: 2000 samples and 4 MiB (uncompressed) per batch, connect
 * timeout 5 s, request timeout 30 s, 6 attempts per batch, backoff from
 * 100 ms doubling to 30 s, at most 120 s of waiting per push. Proxies come
 * from the environment, read at the first push, with libcurl's rules:
 * http_proxy (lower case only), https_proxy or HTTPS_PROXY, else
 * all_proxy or ALL_PROXY, and no_proxy or NO_PROXY (hosts, .domains, IP
 * addresses or ranges, "*" for none); GIO's own proxy settings are not
 * consulted. user:password@ in @url is basic authentication, as
 * rondo_exporter_set_basic_auth().
 * Returns: (transfer full): the exporter, or NULL with RONDO_ERROR_INVALID
 *   when @url is not an http:// or https:// URL with a host.
 */
RONDO_EXPORT_API RondoExporter *rondo_exporter_new(const char *url, GError **error);
RONDO_EXPORT_API void rondo_exporter_free(RondoExporter *exporter);

/* Authorization: Bearer @token; NULL removes it. Replaces basic auth. */
RONDO_EXPORT_API void rondo_exporter_set_bearer_token(RondoExporter *exporter, const char *token);
/* HTTP basic authentication; NULL @user removes it. Replaces a bearer token. */
RONDO_EXPORT_API void rondo_exporter_set_basic_auth(RondoExporter *exporter, const char *user,
                                                    const char *password);

/**
 * rondo_exporter_add_label:
 * Adds a label to every series sent, e.g. ("instance", "host1"). @name must
 * match [a-zA-Z_][a-zA-Z0-9_]*, not start with "__", and not repeat;
 * @value must not be empty. A series' own label of the same name wins.
 */
RONDO_EXPORT_API gboolean rondo_exporter_add_label(RondoExporter *exporter, const char *name,
                                                   const char *value, GError **error);

/**
 * rondo_exporter_set_batch:
 * @samples_max: samples per request, 1..1000000.
 * @bytes_max: uncompressed protobuf bytes per request, 4 KiB..256 MiB.
 */
RONDO_EXPORT_API gboolean rondo_exporter_set_batch(RondoExporter *exporter, guint samples_max,
                                                   gsize bytes_max, GError **error);

/* Timeouts in milliseconds, each at least 1: connecting (name resolution,
 * TCP, proxy and TLS handshake of a new connection), and the whole request
 * (connecting, sending, and reading the answer to its end). */
RONDO_EXPORT_API gboolean rondo_exporter_set_timeouts(RondoExporter *exporter, guint connect_ms,
                                                      guint request_ms, GError **error);

/**
 * rondo_exporter_set_retry:
 * @attempts_max: tries per batch (1 = no retry), 1..1000.
 * @backoff_min_ms, @backoff_max_ms: the first wait, doubled per retry up to
 *   the maximum; each wait is drawn uniformly from [wait/2, wait].
 * @budget_ms: the most a push waits between attempts in total. A
 *   Retry-After longer than what is left ends the push at once.
 */
RONDO_EXPORT_API gboolean rondo_exporter_set_retry(RondoExporter *exporter, guint attempts_max,
                                                   guint backoff_min_ms, guint backoff_max_ms,
                                                   guint budget_ms, GError **error);

/**
 * rondo_exporter_push:
 * @consumer: the drain cursor's name (see rondo_drain_new()).
 * @tier: the tier to export; its interval must be at least 1 ms.
 * @ret_stats: (out) (optional): what this call did. Unlike other ret_
 *   parameters it is written on failure too: batches may have been
 *   delivered before the failure.
 *
 * Drains @store and sends batch after batch until no complete slot is
 * left. Blocks for the requests and the retry waits (bounded, see
 * rondo_exporter_set_retry()).
 * Returns: TRUE when everything drained was delivered or dropped; FALSE
 *   with RONDO_EXPORT_ERROR_* (the cursor kept at the first undelivered
 *   batch) or a RONDO_ERROR from the store.
 */
RONDO_EXPORT_API gboolean rondo_exporter_push(RondoExporter *exporter, RondoStore *store,
                                              const char *consumer, guint tier,
                                              RondoExportStats *ret_stats, GError **error);

/**
 * rondo_exporter_push_drain:
 * As rondo_exporter_push(), over a drain the caller made (for a cursor
 * outside the store, rondo_drain_new_at()); the drain's store and tier are
 * exported and its cursor committed as batches are delivered.
 */
RONDO_EXPORT_API gboolean rondo_exporter_push_drain(RondoExporter *exporter, RondoDrain *drain,
                                                    RondoExportStats *ret_stats, GError **error);

/**
 * RondoExportSource:
 * @drain: a drain (rondo_drain_new(), rondo_drain_new_at()): its store's
 *   tier is exported and its cursor committed as the batches carrying its
 *   points are delivered.
 * @labels: (nullable): NULL-terminated name, value pairs added to this
 *   source's series only, e.g. ("store", "vm-12"); the rules of
 *   rondo_exporter_add_label(). A series' own label of the same name wins;
 *   these win over the exporter's.
 * @stats: (out): what the push did for this source. A batch carrying the
 *   points of several sources counts once for each of them (also its
 *   retries and status); its bytes are shared out by samples.
 * @error: (out) (transfer full): NULL when the source was pushed to the
 *   end; else its own failure (its labels, tier or cursor file: it is left
 *   where it failed, the others go on), or, when the receiver failed the
 *   push, a copy of the push's error for each source not delivered to the
 *   end (its cursor kept at its first undelivered batch).
 * @message: (out) (transfer full) (nullable): the receiver's message (as
 *   rondo_exporter_get_last_message()) for this source's last batch
 *   dropped, or for the failure that ended the push before it was
 *   delivered; NULL if none.
 *
 * One source of rondo_exporter_push_sources().
 */
typedef struct {
    RondoDrain *drain;
    const char *const *labels;
    RondoExportStats stats;
    GError *error;
    char *message;
    /*< private >*/
    gpointer reserved[3];
} RondoExportSource;

/**
 * rondo_exporter_push_sources:
 * @sources: (array length=n_sources): the drains, exported in that order;
 *   their out fields are overwritten (free @error and @message first).
 *
 * rondo_exporter_push_drain() over several drains at once: a batch carries
 * the points of as many sources as fit (the batch limits, slot boundaries
 * and delivery rules of a single push hold per source), so a receiver gets
 * one request for many small stores, a host's VMs, instead of one each,
 * and spends less per sample. A batch rejected for good (a 4xx other than
 * those that refuse the sender) that carried several sources' points is
 * sent again source by source, so that only the source whose data the
 * receiver rejects loses it.
 * Returns: FALSE with RONDO_EXPORT_ERROR_* when the receiver failed the
 *   push: the sources whose points were not delivered keep their cursors.
 *   A source's own failure is reported in its @error and fails only it:
 *   the push still returns TRUE.
 * Since: 0.7.0
 */
RONDO_EXPORT_API gboolean rondo_exporter_push_sources(RondoExporter *exporter,
                                                      RondoExportSource *sources, gsize n_sources,
                                                      GError **error);

/**
 * rondo_exporter_get_last_message:
 * Returns: (nullable): the receiver's message (its body, truncated to 1 KiB,
 *   or the transport error) for the last batch dropped, refused or failed;
 *   valid until the next push or free.
 */
RONDO_EXPORT_API const char *rondo_exporter_get_last_message(const RondoExporter *exporter);

/**
 * rondo_exporter_cancel:
 * Thread-safe: makes a running or the next push stop promptly (a retry
 * wait or a request in flight at once; up to 0.9.1, through libcurl, a
 * transfer took up to about a second) with RONDO_EXPORT_ERROR_CANCELLED and
 * the cursor kept, for shutdown.
 * rondo_exporter_reset_cancel() lets pushes run again.
 */
RONDO_EXPORT_API void rondo_exporter_cancel(RondoExporter *exporter);
RONDO_EXPORT_API void rondo_exporter_reset_cancel(RondoExporter *exporter);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(RondoExporter, rondo_exporter_free)

G_END_DECLS

#endif /* RONDO_EXPORT_H */
