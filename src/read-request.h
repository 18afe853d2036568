/* read-request.h - a remote-read request body, decoded and checked.
 *
 * The part of POST /api/v1/read (handlers-read.c) that reads what the
 * client sent, apart from the stores so that the fuzz target
 * (tests/fuzz/fuzz-remote-read.c) drives the same code: snappy, then the
 * protobuf ReadRequest, then every query's matchers, range and hints.
 */
#ifndef RONDOD_READ_REQUEST_H
#define RONDOD_READ_REQUEST_H

#include <glib.h>
#include "promql.h"
#include "tiers.h"

#define READ_QUERIES_MAX  64
#define READ_MATCHERS_MAX 64
#define READ_PLAIN_FACTOR 16 /* uncompressed request: at most this times max_body_bytes */

#define READ_ERROR (read_error_quark())
GQuark read_error_quark(void);
typedef enum {
    READ_ERROR_BAD_DATA,         /* 400 */
    READ_ERROR_TOO_MANY_SAMPLES, /* 422 */
} ReadError;

/* One query of the request, checked. */
typedef struct {
    GPtrArray *matchers; /* Matcher*, at most READ_MATCHERS_MAX */
    TierRead read;       /* the column from the hints' function */
    gboolean empty;      /* the range holds no time at all */
} ReadQuery;

typedef struct {
    ReadQuery *queries;
    guint n_queries; /* at most READ_QUERIES_MAX */
} ReadRequest;

/*
 * Decodes @len bytes of @body: snappy (block format) around a protobuf
 * ReadRequest of at most @max_plain_bytes uncompressed, accepting the
 * SAMPLES response type. Returns: (transfer full): the queries, or NULL
 * with READ_ERROR_BAD_DATA saying what is wrong.
 */
ReadRequest *read_request_parse(const void *body, gsize len, guint64 max_plain_bytes,
                                GError **error);
void read_request_free(ReadRequest *req);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ReadRequest, read_request_free)

#endif /* RONDOD_READ_REQUEST_H */
