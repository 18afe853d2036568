/* handlers-read.c - POST /api/v1/read: Prometheus remote-read over every store.
 *
 * A Prometheus whose remote_read points here runs its whole PromQL engine
 * over rondod's data: for each selector of a query it sends the matchers,
 * the time range and hints on what it will compute, and rondod answers
 * every matching series of every store with its samples.
 *
 * Wire (remote-read.proto): the body is a snappy (block format) compressed
 * ReadRequest; the answer a snappy-compressed ReadResponse holding one
 * QueryResult per query, in order (the SAMPLES response type), with
 * Content-Type application/x-protobuf and Content-Encoding snappy. A client
 * that accepts only STREAMED_XOR_CHUNKS gets 400 saying so.
 *
 * Series carry the labels the rest of the API shows (labels.c: __name__,
 * store and the stored labels), sorted by name; series are sorted by label
 * set, their samples by time; a series without samples in the range is
 * left out. Matchers are Prometheus' (regular expressions anchored), on
 * GRegex: see docs/http-api.md for how PCRE differs from RE2.
 *
 * Tiers: the raw tier 0 whenever its window reaches back to the start of
 * the query, so that Prometheus computes over the points as recorded;
 * beyond it the stitched read (tiers.c), whatever the hints' step. Coarse
 * tiers serve their max column to max_over_time, min to min_over_time,
 * else the average.
 *
 * Limits: a body of max_body_bytes (server.c), READ_PLAIN_FACTOR times that
 * uncompressed; READ_QUERIES_MAX queries of READ_MATCHERS_MAX matchers;
 * max_samples over the whole request (422); max_concurrent_queries
 * (jobs.c). Everything past the headers runs in a worker thread.
 */
#include "config.h"

#include <snappy-c.h>
#include <string.h>

#include "handlers.h"
#include "http.h"
#include "jobs.h"
#include "labels.h"
#include "promql.h"
#include "read-request.h"
#include "remote-read.pb-c.h"
#include "server.h"
#include "tiers.h"

#define PB_FIELD1_LEN 0x0a /* protobuf key of field 1, length-delimited */

typedef struct {
    GBytes *body;       /* as received: compressed */
    GPtrArray *handles; /* StoreHandle*, acquired; jobs.c releases them */
    guint64 max_samples, max_plain_bytes;
    guint64 samples; /* read so far, over every query of the request */
} ReadJob;

/* A matching series and its wire labels. */
typedef struct {
    const StoreHandle *h;
    const RondoSeries *s;
    char **labels; /* pairs sorted by name, no empty value */
} ReadSeries;

static void
read_job_free(gpointer p)
{
    ReadJob *job = p;
    g_bytes_unref(job->body);
    g_free(job);
}

/* ------------------------------------------------------------ the series */

/* The API label set in wire order: by name, bytewise (__name__ is not special there). */
static char **
wire_labels(const StoreHandle *h, const RondoSeries *s)
{
    char **pairs = series_labelset(h, s);
    guint n = 0;
    for (guint i = 0; pairs[i] != NULL; i += 2) {
        if (pairs[i + 1][0] == '\0') {
            g_free(pairs[i]);
            g_free(pairs[i + 1]);
            continue;
        }
        pairs[n] = pairs[i];
        pairs[n + 1] = pairs[i + 1];
        for (guint j = n; j >= 2 && strcmp(pairs[j - 2], pairs[j]) > 0; j -= 2) {
            char *name = pairs[j], *value = pairs[j + 1];
            pairs[j] = pairs[j - 2];
            pairs[j + 1] = pairs[j - 1];
            pairs[j - 2] = name;
            pairs[j - 1] = value;
        }
        n += 2;
    }
    pairs[n] = NULL;
    return pairs;
}

static void
read_series_clear(gpointer p)
{
    g_strfreev(((ReadSeries *)p)->labels);
}

static gint
read_series_cmp(gconstpointer a, gconstpointer b)
{
    return labels_cmp(((const ReadSeries *)a)->labels, ((const ReadSeries *)b)->labels);
}

/* The series of every store that @q's matchers accept, sorted by label set. */
static GArray *
collect_series(const ReadJob *job, const ReadQuery *q)
{
    GArray *out = g_array_new(FALSE, FALSE, sizeof(ReadSeries));
    g_array_set_clear_func(out, read_series_clear);
    for (guint i = 0; i < job->handles->len; i++) {
        const StoreHandle *h = g_ptr_array_index(job->handles, i);
        for (guint id = 0; id < rondo_store_get_n_series(h->store); id++) {
            const RondoSeries *s = rondo_store_get_series(h->store, id);
            if (!series_matches(h, s, q->matchers))
                continue;
            ReadSeries rs = {h, s, wire_labels(h, s)};
            g_array_append_val(out, rs);
        }
    }
    g_array_sort(out, read_series_cmp);
    return out;
}

/* Appends the key of field 1 (length-delimited) and @len as a varint. */
static void
append_field1(GString *out, guint64 len)
{
    g_string_append_c(out, PB_FIELD1_LEN);
    do {
        guint8 b = len & 0x7f;
        len >>= 7;
        g_string_append_c(out, (char)(b | (len ? 0x80 : 0)));
    } while (len != 0);
}

/* Appends a TimeSeries of @labels and @samples as field 1 (QueryResult.timeseries). */
static void
append_series(GString *out, char **labels, GArray *samples)
{
    guint n_labels = g_strv_length(labels) / 2;
    g_autofree Prometheus__Label *lv = g_new(Prometheus__Label, n_labels);
    g_autofree Prometheus__Label **lp = g_new(Prometheus__Label *, n_labels);
    for (guint i = 0; i < n_labels; i++) {
        prometheus__label__init(&lv[i]);
        lv[i].name = labels[2 * i];
        lv[i].value = labels[2 * i + 1];
        lp[i] = &lv[i];
    }
    g_autofree Prometheus__Sample **sp = g_new(Prometheus__Sample *, samples->len);
    for (guint i = 0; i < samples->len; i++)
        sp[i] = &g_array_index(samples, Prometheus__Sample, i);
    Prometheus__TimeSeries ts = PROMETHEUS__TIME_SERIES__INIT;
    ts.n_labels = n_labels;
    ts.labels = lp;
    ts.n_samples = samples->len;
    ts.samples = sp;
    gsize len = prometheus__time_series__get_packed_size(&ts);
    append_field1(out, len);
    gsize at = out->len;
    g_string_set_size(out, at + len);
    gsize packed = prometheus__time_series__pack(&ts, (uint8_t *)out->str + at);
    g_assert(packed == len);
}

/* Reads @rs's samples in @q's range into @samples (reused), counting them against max_samples. */
static gboolean
read_samples(ReadJob *job, const ReadQuery *q, const ReadSeries *rs, GArray *samples,
             GError **error)
{
    TierIter it;
    if (!tier_iter_open(&it, rs->h, rs->s, &q->read, error))
        return FALSE;
    g_array_set_size(samples, 0);
    guint64 t_ns;
    double v;
    while (tier_iter_next(&it, &t_ns, &v)) {
        if (++job->samples > job->max_samples) {
            g_set_error(error, READ_ERROR, READ_ERROR_TOO_MANY_SAMPLES,
                        "remote read would load too many samples into memory "
                        "(limit max_samples=%" G_GUINT64_FORMAT ")",
                        job->max_samples);
            return FALSE;
        }
        Prometheus__Sample sample = PROMETHEUS__SAMPLE__INIT;
        sample.timestamp = (gint64)(t_ns / RONDO_NS_PER_MS);
        sample.value = v;
        /* a tier finer than a millisecond: one sample per millisecond on the wire */
        if (samples->len > 0 &&
            g_array_index(samples, Prometheus__Sample, samples->len - 1).timestamp ==
                sample.timestamp)
            continue;
        g_array_append_val(samples, sample);
    }
    return TRUE;
}

/* Appends the QueryResult of @q (its bytes only, without a key). */
static gboolean
answer_query(ReadJob *job, const ReadQuery *q, GString *out, GError **error)
{
    g_autoptr(GArray) series = q->empty ? NULL : collect_series(job, q);
    g_autoptr(GArray) samples = g_array_new(FALSE, FALSE, sizeof(Prometheus__Sample));
    for (guint i = 0; series != NULL && i < series->len; i++) {
        ReadSeries *rs = &g_array_index(series, ReadSeries, i);
        if (!read_samples(job, q, rs, samples, error))
            return FALSE;
        if (samples->len > 0)
            append_series(out, rs->labels, samples);
    }
    return TRUE;
}

/* The uncompressed ReadResponse, or NULL with @error set. */
static GString *
answer(ReadJob *job, GError **error)
{
    gsize len = 0;
    const void *body = g_bytes_get_data(job->body, &len);
    g_autoptr(ReadRequest) req = read_request_parse(body, len, job->max_plain_bytes, error);
    if (req == NULL)
        return NULL;
    g_autoptr(GString) out = g_string_new(NULL);
    g_autoptr(GString) result = g_string_new(NULL);
    for (guint i = 0; i < req->n_queries; i++) {
        g_string_truncate(result, 0);
        if (!answer_query(job, &req->queries[i], result, error))
            return NULL;
        append_field1(out, result->len);
        g_string_append_len(out, result->str, (gssize)result->len);
    }
    return g_steal_pointer(&out);
}

static GString *
compress(const GString *plain)
{
    size_t len = snappy_max_compressed_length(plain->len);
    GString *out = g_string_sized_new(len);
    g_string_set_size(out, len);
    snappy_status st = snappy_compress(plain->str, plain->len, out->str, &len);
    g_assert(st == SNAPPY_OK);
    g_string_set_size(out, len);
    return out;
}

/* 400 for the request's faults, 422 for the samples limit, 500 for a store's. */
static guint
error_status(const GError *error)
{
    if (error->domain != READ_ERROR)
        return SOUP_STATUS_INTERNAL_SERVER_ERROR;
    return error->code == READ_ERROR_TOO_MANY_SAMPLES ? SOUP_STATUS_UNPROCESSABLE_ENTITY
                                                      : SOUP_STATUS_BAD_REQUEST;
}

static void
read_run(gpointer data, JobReply *reply)
{
    ReadJob *job = data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GString) plain = answer(job, &error);
    if (plain == NULL) {
        job_reply_error(reply, error_status(error), "%s", error->message);
        return;
    }
    reply->body = compress(plain);
    reply->status = SOUP_STATUS_OK;
    reply->content_type = "application/x-protobuf";
    reply->content_encoding = "snappy";
}

/* ------------------------------------------------------------ the route */

static gboolean
is_remote_read(SoupMessageHeaders *h)
{
    const char *type = soup_message_headers_get_content_type(h, NULL);
    const char *encoding = soup_message_headers_get_one(h, "Content-Encoding");
    return (type == NULL || g_ascii_strcasecmp(type, "application/x-protobuf") == 0) &&
           (encoding == NULL || g_ascii_strcasecmp(encoding, "snappy") == 0);
}

void
handle_remote_read(Daemon *d, SoupServerMessage *msg, const char *path, const Params *p)
{
    if (!is_remote_read(soup_server_message_get_request_headers(msg))) {
        http_respond_error(msg, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE,
                           "remote-read requests are application/x-protobuf with "
                           "Content-Encoding: snappy");
        return;
    }
    ReadJob *job = g_new0(ReadJob, 1);
    job->body = soup_message_body_flatten(soup_server_message_get_request_body(msg));
    job->max_samples = d->config->max_samples;
    job->max_plain_bytes = d->config->max_body_bytes > G_MAXUINT64 / READ_PLAIN_FACTOR
                               ? G_MAXUINT64
                               : d->config->max_body_bytes * READ_PLAIN_FACTOR;
    job->handles = registry_acquire(d->registry);
    job_submit(d, msg, job->handles, read_run, job, read_job_free);
}
