/* read-request.c - a remote-read request body, decoded and checked (read-request.h).
 *
 * Every limit is checked before the work it bounds: the uncompressed size
 * before decompressing, the number of queries and matchers before a regex
 * is compiled. Times are Prometheus' milliseconds; a read covers whole
 * milliseconds, so the end is its last nanosecond. Hints only pick the
 * column coarse tiers serve (max_over_time, min_over_time, else the
 * average): the tier is tier 0 or the stitched read (tiers.c), whatever
 * their step and range.
 */
#include "config.h"

#include <snappy-c.h>

#include "read-request.h"
#include "remote-read.pb-c.h"

/* Not G_DEFINE_QUARK: clang-format would space its argument (lib/error.c). */
GQuark
read_error_quark(void)
{
    return g_quark_from_static_string("rondod-read-error-quark");
}

static GBytes *
request_uncompress(const char *data, gsize len, guint64 max_plain_bytes, GError **error)
{
    size_t plain_len = 0;
    if (len == 0 || snappy_uncompressed_length(data, len, &plain_len) != SNAPPY_OK) {
        g_set_error(error, READ_ERROR, READ_ERROR_BAD_DATA,
                    "the body is not a snappy (block format) compressed ReadRequest");
        return NULL;
    }
    if (plain_len > max_plain_bytes) {
        g_set_error(error, READ_ERROR, READ_ERROR_BAD_DATA,
                    "uncompressed request of %zu bytes exceeds the limit of %" G_GUINT64_FORMAT
                    " (%u times max_body_bytes)",
                    plain_len, max_plain_bytes, READ_PLAIN_FACTOR);
        return NULL;
    }
    g_autofree char *plain = g_malloc(MAX(plain_len, 1));
    if (snappy_uncompress(data, len, plain, &plain_len) != SNAPPY_OK) {
        g_set_error(error, READ_ERROR, READ_ERROR_BAD_DATA,
                    "the body's snappy compression is damaged");
        return NULL;
    }
    return g_bytes_new_take(g_steal_pointer(&plain), plain_len);
}

static gboolean
request_check(const Prometheus__ReadRequest *req, GError **error)
{
    gboolean samples = req->n_accepted_response_types == 0;
    for (gsize i = 0; i < req->n_accepted_response_types; i++)
        samples |=
            req->accepted_response_types[i] == PROMETHEUS__READ_REQUEST__RESPONSE_TYPE__SAMPLES;
    if (!samples) {
        g_set_error(error, READ_ERROR, READ_ERROR_BAD_DATA,
                    "rondod answers remote reads with the SAMPLES response type only; "
                    "STREAMED_XOR_CHUNKS is not supported");
        return FALSE;
    }
    if (req->n_queries > READ_QUERIES_MAX) {
        g_set_error(error, READ_ERROR, READ_ERROR_BAD_DATA,
                    "%zu queries in one request exceed the limit of %u", req->n_queries,
                    READ_QUERIES_MAX);
        return FALSE;
    }
    return TRUE;
}

/* Milliseconds to nanoseconds, clamped to [0, G_MAXUINT64]; @last: the last ns of that ms. */
static guint64
ms_to_ns(gint64 ms, gboolean last)
{
    if (ms < 0)
        return 0;
    if ((guint64)ms >= G_MAXUINT64 / RONDO_NS_PER_MS)
        return G_MAXUINT64;
    return (guint64)ms * RONDO_NS_PER_MS + (last ? RONDO_NS_PER_MS - 1 : 0);
}

static gboolean
add_matcher(GPtrArray *out, const Prometheus__LabelMatcher *m, GError **error)
{
    static const MatchOp ops[] = {
        [PROMETHEUS__LABEL_MATCHER__TYPE__EQ] = MATCH_EQ,
        [PROMETHEUS__LABEL_MATCHER__TYPE__NEQ] = MATCH_NE,
        [PROMETHEUS__LABEL_MATCHER__TYPE__RE] = MATCH_RE,
        [PROMETHEUS__LABEL_MATCHER__TYPE__NRE] = MATCH_NRE,
    };
    if ((guint)m->type >= G_N_ELEMENTS(ops) || m->name == NULL || m->name[0] == '\0') {
        g_set_error(error, READ_ERROR, READ_ERROR_BAD_DATA,
                    "a label matcher needs a label name and a type 0..3 (EQ, NEQ, RE, NRE)");
        return FALSE;
    }
    g_autoptr(GError) local = NULL;
    Matcher *mt = matcher_new(m->name, ops[m->type], m->value ? m->value : "", &local);
    if (mt == NULL) {
        g_set_error(error, READ_ERROR, READ_ERROR_BAD_DATA, "%s", local->message);
        return FALSE;
    }
    g_ptr_array_add(out, mt);
    return TRUE;
}

static gboolean
read_query_init(ReadQuery *q, const Prometheus__Query *pq, GError **error)
{
    if (pq->n_matchers > READ_MATCHERS_MAX) {
        g_set_error(error, READ_ERROR, READ_ERROR_BAD_DATA,
                    "%zu matchers in one query exceed the limit of %u", pq->n_matchers,
                    READ_MATCHERS_MAX);
        return FALSE;
    }
    for (gsize i = 0; i < pq->n_matchers; i++) {
        if (!add_matcher(q->matchers, pq->matchers[i], error))
            return FALSE;
    }
    const Prometheus__ReadHints *hints = pq->hints;
    q->empty = pq->end_timestamp_ms < 0 || pq->end_timestamp_ms < pq->start_timestamp_ms;
    tier_read_init(&q->read, hints ? hints->func : NULL, ms_to_ns(pq->start_timestamp_ms, FALSE),
                   ms_to_ns(pq->end_timestamp_ms, TRUE));
    return TRUE;
}

static void
read_query_clear(ReadQuery *q)
{
    g_clear_pointer(&q->matchers, g_ptr_array_unref);
}

void
read_request_free(ReadRequest *req)
{
    if (req == NULL)
        return;
    for (guint i = 0; i < req->n_queries; i++)
        read_query_clear(&req->queries[i]);
    g_free(req->queries);
    g_free(req);
}

static ReadRequest *
request_from_pb(const Prometheus__ReadRequest *pb, GError **error)
{
    if (!request_check(pb, error))
        return NULL;
    g_autoptr(ReadRequest) req = g_new0(ReadRequest, 1);
    req->queries = g_new0(ReadQuery, MAX(pb->n_queries, 1));
    for (gsize i = 0; i < pb->n_queries; i++) {
        ReadQuery *q = &req->queries[req->n_queries++];
        q->matchers = g_ptr_array_new_with_free_func(matcher_free);
        if (!read_query_init(q, pb->queries[i], error))
            return NULL;
    }
    return g_steal_pointer(&req);
}

ReadRequest *
read_request_parse(const void *body, gsize len, guint64 max_plain_bytes, GError **error)
{
    g_autoptr(GBytes) plain = request_uncompress(body, len, max_plain_bytes, error);
    if (plain == NULL)
        return NULL;
    gsize n = 0;
    const guint8 *data = g_bytes_get_data(plain, &n);
    Prometheus__ReadRequest *pb = prometheus__read_request__unpack(NULL, n, data);
    if (pb == NULL) {
        g_set_error(error, READ_ERROR, READ_ERROR_BAD_DATA,
                    "the body is not a protobuf ReadRequest (prompb/remote.proto)");
        return NULL;
    }
    ReadRequest *req = request_from_pb(pb, error);
    prometheus__read_request__free_unpacked(pb, NULL);
    return req;
}
