/* export.h - the remote-write exporter's pieces, private to librondo-export.
 *
 * remote-write.c encodes (pure), export-http.c makes one POST and says what
 * to do about its answer, export.c batches drained points and drives the
 * delivery policy. Nothing here is exported (hidden visibility,
 * librondo-export.sym). librondo-export sees librondo through its public
 * header only: internal.h refuses to be included here.
 */
#ifndef EXPORT_H
#define EXPORT_H

#include "rondo-export.h"

/* The largest label set the encoder accepts per series, __name__ included. */
#define EXPORT_LABELS_MAX (1 + RONDO_LABELS_MAX + RONDO_LABELS_MAX)
/* Receiver messages are kept up to this many bytes. */
#define EXPORT_MESSAGE_MAX 1024

/* Upper bounds of a sample's and a series' (without labels) encoded size:
 * the batcher's byte limit counts with these. */
#define EXPORT_SAMPLE_BYTES_MAX 24 /* 1+1 +(1+8) +(1+10), rounded up */
#define EXPORT_SERIES_BYTES_MAX 6  /* tag + 5-byte length */
gsize export_labels_bytes_max(const char *name, const char *const *labels,
                              const char *const *source_labels, const char *const *extra_labels);
gsize export_metadata_bytes_max(const RondoExportMetadata *md);
/* Metadata goes with a store's first batch at most this often. */
#define EXPORT_METADATA_INTERVAL_US (60 * G_USEC_PER_SEC)

/* rondo_remote_write_encode_full() where each series may have labels of its
 * source (@source_labels[i], NULL for none; NULL: no series has), between
 * its own and @extra_labels in precedence. */
GBytes *export_encode(const RondoExportSeries *series, const char *const *const *source_labels,
                      gsize n_series, const RondoExportMetadata *metadata, gsize n_metadata,
                      const char *const *extra_labels, GError **error);

/* Snappy block compression of @body. */
GBytes *export_snappy_compress(GBytes *body, GError **error);

/* ------------------------------------------------------------------ http */

/* What the delivery policy does with one answer. */
typedef enum {
    EXPORT_SENT,      /* 2xx */
    EXPORT_RETRY,     /* 5xx, 429, transport error: back off and send again */
    EXPORT_DROP,      /* other 4xx: the data is rejected for good */
    EXPORT_REFUSED,   /* 401/403/404/405/407: the sender is rejected */
    EXPORT_FAILED,    /* the request cannot be made (URL, TLS, 1xx/3xx) */
    EXPORT_CANCELLED, /* the exporter was cancelled */
} ExportVerdict;

typedef struct {
    ExportVerdict verdict;
    guint status;          /* HTTP status, 0 when there was no answer */
    gint64 retry_after_ms; /* from Retry-After, -1 when absent */
    char *message;         /* body or transport error, truncated; owned */
} ExportAnswer;

void export_answer_clear(ExportAnswer *answer);

typedef struct _ExportHttp ExportHttp;

/* @url must be http:// or https:// with a host (RONDO_ERROR_INVALID
 * otherwise). @cancelled is read atomically during a post; whoever sets it
 * calls export_http_wake() so that a post in flight notices at once. */
ExportHttp *export_http_new(const char *url, const gint *cancelled, GError **error);
void export_http_free(ExportHttp *http);
/* Thread-safe: a post in flight reads @cancelled again, now. */
void export_http_wake(ExportHttp *http);
void export_http_set_bearer(ExportHttp *http, const char *token);
void export_http_set_basic(ExportHttp *http, const char *user, const char *password);
void export_http_set_timeouts(ExportHttp *http, guint connect_ms, guint request_ms);
/* POSTs one snappy-compressed WriteRequest and waits for the whole answer
 * (or the request timeout, or @cancelled); fills @ret_answer. Any thread,
 * one at a time per @http. */
void export_http_post(ExportHttp *http, GBytes *body, ExportAnswer *ret_answer);
/* The verdict for an HTTP status (pure; exposed for the policy's tests). */
ExportVerdict export_verdict_for_status(guint status);

#endif /* EXPORT_H */
