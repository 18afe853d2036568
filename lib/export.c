/* export.c - pushes a store's drained points to a remote-write receiver.
 *
 * A push drains one tier under a consumer's cursor and cuts the points into
 * batches; each batch is encoded (remote-write.c), compressed, POSTed
 * (export-http.c) and, once the receiver has answered for good, committed.
 *
 * Invariants:
 *   1. The cursor is committed only after a 2xx or a final 4xx for every
 *      point returned before the commit (the batch holds exactly those
 *      points: a point read past the batch's end is kept as "pending" and
 *      opens the next batch).
 *   2. Batches end on a slot boundary unless one slot alone is larger than
 *      a batch, so a commit covers what was sent and a crash between a 2xx
 *      and the commit repeats at most one batch.
 *   3. A batch never holds more than samples_max samples nor, by the
 *      encoder's upper bounds, more than bytes_max bytes (a single point
 *      always fits: the limits' minimums guarantee progress).
 *   4. Waiting is bounded: attempts per batch and total wait per push.
 */
#include "config.h"
#include <string.h>
#include "export.h"

struct _RondoExporter {
    ExportHttp *http;
    GPtrArray *extra; /* name, value, ..., NULL */
    guint samples_max;
    gsize bytes_max;
    guint attempts_max, backoff_min_ms, backoff_max_ms, budget_ms;
    GRand *rand;
    GHashTable *metadata_sent; /* store path -> gint64 *: when its metadata last went */
    char *last_message;
    gint cancelled; /* atomic: written by any thread */
    GMutex lock;    /* with cond: the retry wait, woken by a cancel */
    GCond cond;
};

/* Not G_DEFINE_QUARK: see lib/error.c. */
GQuark
rondo_export_error_quark(void)
{
    return g_quark_from_static_string("rondo-export-error-quark");
}

/* ------------------------------------------------------------ settings */

RondoExporter *
rondo_exporter_new(const char *url, GError **error)
{
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);
    if (url == NULL || !(g_str_has_prefix(url, "http://") || g_str_has_prefix(url, "https://")) ||
        strlen(url) <= strlen("https://")) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_INVALID,
                    "remote-write URL “%s” is not an http:// or https:// URL", url ? url : "");
        return NULL;
    }
    g_autoptr(RondoExporter) e = g_new0(RondoExporter, 1);
    g_mutex_init(&e->lock);
    g_cond_init(&e->cond);
    e->extra = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(e->extra, NULL);
    e->samples_max = 2000;
    e->bytes_max = 4 << 20;
    e->attempts_max = 6;
    e->backoff_min_ms = 100;
    e->backoff_max_ms = 30000;
    e->budget_ms = 120000;
    e->rand = g_rand_new();
    e->metadata_sent = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    e->http = export_http_new(url, &e->cancelled, error);
    if (e->http == NULL)
        return NULL;
    return g_steal_pointer(&e);
}

void
rondo_exporter_free(RondoExporter *e)
{
    if (e == NULL)
        return;
    export_http_free(e->http);
    g_ptr_array_unref(e->extra);
    if (e->metadata_sent)
        g_hash_table_unref(e->metadata_sent);
    if (e->rand)
        g_rand_free(e->rand);
    g_free(e->last_message);
    g_mutex_clear(&e->lock);
    g_cond_clear(&e->cond);
    g_free(e);
}

void
rondo_exporter_set_bearer_token(RondoExporter *e, const char *token)
{
    g_return_if_fail(e != NULL);
    export_http_set_bearer(e->http, token);
}

void
rondo_exporter_set_basic_auth(RondoExporter *e, const char *user, const char *password)
{
    g_return_if_fail(e != NULL);
    export_http_set_basic(e->http, user, password);
}

static gboolean
extra_label_valid(const RondoExporter *e, const char *name, const char *value)
{
    if (name == NULL || value == NULL || value[0] == '\0' || g_str_has_prefix(name, "__") ||
        !(g_ascii_isalpha(name[0]) || name[0] == '_'))
        return FALSE;
    for (const char *p = name; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '_')
            return FALSE;
    }
    for (guint i = 0; i + 1 < e->extra->len; i += 2) {
        if (g_str_equal(g_ptr_array_index(e->extra, i), name))
            return FALSE;
    }
    return TRUE;
}

gboolean
rondo_exporter_add_label(RondoExporter *e, const char *name, const char *value, GError **error)
{
    g_return_val_if_fail(e != NULL, FALSE);
    if (!extra_label_valid(e, name, value) || e->extra->len / 2 >= RONDO_LABELS_MAX) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_INVALID,
                    "label “%s=%s”: the name must be [a-zA-Z_][a-zA-Z0-9_]*, not start with "
                    "“__” nor repeat, the value must not be empty (at most %d labels)",
                    name ? name : "", value ? value : "", RONDO_LABELS_MAX);
        return FALSE;
    }
    g_ptr_array_remove_index(e->extra, e->extra->len - 1); /* the NULL */
    g_ptr_array_add(e->extra, g_strdup(name));
    g_ptr_array_add(e->extra, g_strdup(value));
    g_ptr_array_add(e->extra, NULL);
    return TRUE;
}

static gboolean
check_range(const char *what, guint64 value, guint64 lo, guint64 hi, GError **error)
{
    if (value >= lo && value <= hi)
        return TRUE;
    g_set_error(error, RONDO_ERROR, RONDO_ERROR_INVALID,
                "%s %" G_GUINT64_FORMAT " is not from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT,
                what, value, lo, hi);
    return FALSE;
}

gboolean
rondo_exporter_set_batch(RondoExporter *e, guint samples_max, gsize bytes_max, GError **error)
{
    g_return_val_if_fail(e != NULL, FALSE);
    if (!check_range("batch samples", samples_max, 1, 1000000, error) ||
        !check_range("batch bytes", bytes_max, 4096, 256u << 20, error))
        return FALSE;
    e->samples_max = samples_max;
    e->bytes_max = bytes_max;
    return TRUE;
}

gboolean
rondo_exporter_set_timeouts(RondoExporter *e, guint connect_ms, guint request_ms, GError **error)
{
    g_return_val_if_fail(e != NULL, FALSE);
    if (!check_range("connect timeout (ms)", connect_ms, 1, G_MAXINT32, error) ||
        !check_range("request timeout (ms)", request_ms, 1, G_MAXINT32, error))
        return FALSE;
    export_http_set_timeouts(e->http, connect_ms, request_ms);
    return TRUE;
}

gboolean
rondo_exporter_set_retry(RondoExporter *e, guint attempts_max, guint backoff_min_ms,
                         guint backoff_max_ms, guint budget_ms, GError **error)
{
    g_return_val_if_fail(e != NULL, FALSE);
    if (!check_range("attempts", attempts_max, 1, 1000, error) ||
        !check_range("minimum backoff (ms)", backoff_min_ms, 1, G_MAXINT32, error) ||
        !check_range("maximum backoff (ms)", backoff_max_ms, backoff_min_ms, G_MAXINT32, error))
        return FALSE;
    e->attempts_max = attempts_max;
    e->backoff_min_ms = backoff_min_ms;
    e->backoff_max_ms = backoff_max_ms;
    e->budget_ms = budget_ms;
    return TRUE;
}

const char *
rondo_exporter_get_last_message(const RondoExporter *e)
{
    g_return_val_if_fail(e != NULL, NULL);
    return e->last_message;
}

void
rondo_exporter_cancel(RondoExporter *e)
{
    g_return_if_fail(e != NULL);
    g_mutex_lock(&e->lock);
    g_atomic_int_set(&e->cancelled, 1);
    g_cond_broadcast(&e->cond);
    g_mutex_unlock(&e->lock);
}

void
rondo_exporter_reset_cancel(RondoExporter *e)
{
    g_return_if_fail(e != NULL);
    g_atomic_int_set(&e->cancelled, 0);
}

/* -------------------------------------------------------------- batches */

typedef struct {
    RondoSeries *series;
    guint64 t;
    double v;
    guint index; /* into Batch.series */
} Point;

typedef struct {
    GArray *points;    /* Point, in drain order */
    GPtrArray *series; /* distinct RondoSeries*, first appearance first */
    GHashTable *index; /* RondoSeries* -> index + 1 */
    gsize bytes;       /* upper bound of the encoded size */
    Point pending;     /* read past the previous batch's end */
    gboolean has_pending;
    gboolean drained; /* the drain has no complete slot left */
    GArray *metadata; /* RondoExportMetadata for the next batch; emptied once sent */
    gsize metadata_bytes;
    /* per schema: upper bounds of one slot's points and bytes */
    guint slot_points[RONDO_SCHEMAS_MAX];
    gsize slot_bytes[RONDO_SCHEMAS_MAX];
} Batch;

static void
batch_init(Batch *b, const RondoExporter *e, const RondoStore *store)
{
    memset(b, 0, sizeof *b);
    b->points = g_array_new(FALSE, FALSE, sizeof(Point));
    b->series = g_ptr_array_new();
    b->index = g_hash_table_new(NULL, NULL);
    b->metadata = g_array_new(FALSE, FALSE, sizeof(RondoExportMetadata));
    for (guint i = 0; i < rondo_store_get_n_series(store); i++) {
        const RondoSeries *s = rondo_store_get_series(store, i);
        guint schema = rondo_series_get_schema(s);
        g_assert(schema < RONDO_SCHEMAS_MAX);
        b->slot_points[schema]++;
        b->slot_bytes[schema] +=
            EXPORT_SAMPLE_BYTES_MAX + EXPORT_SERIES_BYTES_MAX +
            export_labels_bytes_max(rondo_series_get_name(s), rondo_series_get_labels(s),
                                    (const char *const *)e->extra->pdata);
    }
}

static void
batch_clear(Batch *b)
{
    g_array_unref(b->points);
    g_ptr_array_unref(b->series);
    g_hash_table_unref(b->index);
    g_array_unref(b->metadata);
}

static void
batch_reset(Batch *b)
{
    g_array_set_size(b->points, 0);
    g_ptr_array_set_size(b->series, 0);
    g_hash_table_remove_all(b->index);
    b->bytes = b->metadata->len > 0 ? b->metadata_bytes : 0;
}

/* Whether @store's metadata is due: never sent by this exporter, or a
 * minute ago (receivers keep the newest; Prometheus resends each minute). */
static gboolean
metadata_due(const RondoExporter *e, const RondoStore *store)
{
    const gint64 *last = g_hash_table_lookup(e->metadata_sent, rondo_store_get_path(store));
    return last == NULL || g_get_monotonic_time() - *last >= EXPORT_METADATA_INTERVAL_US;
}

/* Attaches what the store's writers said of each metric name (the first
 * description per name) to the next batch, within half the byte limit. */
static void
batch_attach_metadata(const RondoExporter *e, Batch *b, const RondoStore *store)
{
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    g_array_set_size(b->metadata, 0);
    b->metadata_bytes = 0;
    for (guint i = 0; i < rondo_store_get_n_series(store); i++) {
        const RondoSeries *s = rondo_store_get_series(store, i);
        RondoExportMetadata md = {rondo_series_get_name(s), rondo_series_get_type(s),
                                  rondo_series_get_unit(s), rondo_series_get_help(s)};
        if ((md.type == RONDO_SERIES_UNKNOWN && !*md.unit && !*md.help) ||
            !g_hash_table_add(seen, (gpointer)md.name))
            continue;
        gsize cost = export_metadata_bytes_max(&md);
        if (b->metadata_bytes + cost > e->bytes_max / 2)
            break; /* the rest next time round: samples come first */
        g_array_append_val(b->metadata, md);
        b->metadata_bytes += cost;
    }
}

/* What adding @p costs in bytes (upper bound); sets p->index if known. */
static gsize
batch_cost(const RondoExporter *e, const Batch *b, Point *p)
{
    guint i = GPOINTER_TO_UINT(g_hash_table_lookup(b->index, p->series));
    if (i > 0) {
        p->index = i - 1;
        return EXPORT_SAMPLE_BYTES_MAX;
    }
    p->index = G_MAXUINT;
    return EXPORT_SAMPLE_BYTES_MAX + EXPORT_SERIES_BYTES_MAX +
           export_labels_bytes_max(rondo_series_get_name(p->series),
                                   rondo_series_get_labels(p->series),
                                   (const char *const *)e->extra->pdata);
}

static void
batch_add(Batch *b, Point *p, gsize cost)
{
    if (p->index == G_MAXUINT) {
        p->index = b->series->len;
        g_ptr_array_add(b->series, p->series);
        g_hash_table_insert(b->index, p->series, GUINT_TO_POINTER(p->index + 1));
    }
    g_array_append_val(b->points, *p);
    b->bytes += cost;
}

/* Whether @p, the next point, must open a new batch (invariants 2 and 3). */
static gboolean
batch_full(const RondoExporter *e, const Batch *b, const Point *p, gsize cost)
{
    if (b->points->len == 0)
        return FALSE;
    const Point *last = &g_array_index(b->points, Point, b->points->len - 1);
    guint schema = rondo_series_get_schema(p->series);
    gboolean new_slot = last->t != p->t || rondo_series_get_schema(last->series) != schema;
    if (new_slot)
        return b->points->len + MAX(b->slot_points[schema], 1) > e->samples_max ||
               b->bytes + MAX(b->slot_bytes[schema], cost) > e->bytes_max;
    return b->points->len + 1 > e->samples_max || b->bytes + cost > e->bytes_max;
}

/* Fills the next batch from the pending point and the drain. */
static void
batch_fill(const RondoExporter *e, Batch *b, RondoDrain *drain)
{
    batch_reset(b);
    for (;;) {
        Point p = {0};
        if (b->has_pending) {
            p = b->pending;
            b->has_pending = FALSE;
        } else if (b->drained || !rondo_drain_next(drain, &p.series, &p.t, &p.v)) {
            b->drained = TRUE;
            return;
        }
        gsize cost = batch_cost(e, b, &p);
        if (batch_full(e, b, &p, cost)) {
            b->pending = p;
            b->has_pending = TRUE;
            return;
        }
        batch_add(b, &p, cost);
    }
}

/* Groups the batch's points by series, in time order, and encodes them. */
static GBytes *
batch_encode(const RondoExporter *e, const Batch *b, GError **error)
{
    guint n_series = b->series->len, n = b->points->len;
    g_autofree guint *start = g_new0(guint, n_series + 1);
    g_autofree guint *fill = g_new0(guint, n_series);
    g_autofree guint64 *ts = g_new(guint64, n);
    g_autofree double *values = g_new(double, n);
    g_autofree RondoExportSeries *es = g_new0(RondoExportSeries, n_series);

    for (guint i = 0; i < n; i++)
        start[g_array_index(b->points, Point, i).index + 1]++;
    for (guint s = 0; s < n_series; s++)
        start[s + 1] += start[s];
    for (guint i = 0; i < n; i++) { /* stable: drain order is time order */
        const Point *p = &g_array_index(b->points, Point, i);
        guint k = start[p->index] + fill[p->index]++;
        ts[k] = p->t;
        values[k] = p->v;
    }
    for (guint s = 0; s < n_series; s++) {
        const RondoSeries *series = g_ptr_array_index(b->series, s);
        es[s] = (RondoExportSeries){
            .name = rondo_series_get_name(series),
            .labels = rondo_series_get_labels(series),
            .timestamps_ns = &ts[start[s]],
            .values = &values[start[s]],
            .n_samples = start[s + 1] - start[s],
        };
    }
    const RondoExportMetadata *md =
        b->metadata->len > 0 ? &g_array_index(b->metadata, RondoExportMetadata, 0) : NULL;
    return rondo_remote_write_encode_full(es, n_series, md, b->metadata->len,
                                          (const char *const *)e->extra->pdata, error);
}

/* ------------------------------------------------------------- delivery */

static void
exporter_keep_message(RondoExporter *e, ExportAnswer *a)
{
    g_free(e->last_message);
    e->last_message = g_steal_pointer(&a->message);
}

/* Sleeps @ms unless cancelled; returns FALSE if cancelled. */
static gboolean
exporter_wait(RondoExporter *e, guint ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)ms * G_TIME_SPAN_MILLISECOND;
    g_mutex_lock(&e->lock);
    while (!g_atomic_int_get(&e->cancelled) && g_cond_wait_until(&e->cond, &e->lock, deadline))
        ;
    g_mutex_unlock(&e->lock);
    return !g_atomic_int_get(&e->cancelled);
}

/* Exponential backoff with jitter: uniform in [w/2, w], w doubling per retry. */
static guint
exporter_backoff_ms(RondoExporter *e, guint retry, gint64 retry_after_ms)
{
    guint64 w = (guint64)e->backoff_min_ms << MIN(retry, 32u);
    w = MIN(w, e->backoff_max_ms);
    guint64 ms = w / 2 + (guint64)g_rand_int_range(e->rand, 0, (gint32)(w - w / 2 + 1));
    if (retry_after_ms > 0 && (guint64)retry_after_ms > ms)
        ms = (guint64)retry_after_ms; /* the receiver knows best */
    return (guint)MIN(ms, G_MAXUINT);
}

static gboolean
give_up(GError **error, RondoExportError code, const char *why, const char *message)
{
    g_set_error(error, RONDO_EXPORT_ERROR, code, "%s%s%s", why, message ? ": " : "",
                message ? message : "");
    return FALSE;
}

/* Sends one body until the receiver answers for good. TRUE with @ret_sent
 * (TRUE: 2xx, FALSE: dropped with a 4xx); FALSE when the push must stop. */
static gboolean
exporter_deliver(RondoExporter *e, GBytes *body, guint *waited_ms, RondoExportStats *stats,
                 gboolean *ret_sent, GError **error)
{
    for (guint attempt = 1;; attempt++) {
        ExportAnswer a = {0};
        if (g_atomic_int_get(&e->cancelled))
            return give_up(error, RONDO_EXPORT_ERROR_CANCELLED, "export cancelled", NULL);
        export_http_post(e->http, body, &a);
        if (a.status != 0)
            stats->last_status = a.status;
        if (a.verdict == EXPORT_SENT || a.verdict == EXPORT_DROP) {
            if (a.verdict == EXPORT_DROP)
                exporter_keep_message(e, &a);
            export_answer_clear(&a);
            *ret_sent = a.verdict == EXPORT_SENT;
            return TRUE;
        }
        ExportVerdict v = a.verdict;
        guint wait_ms = exporter_backoff_ms(e, attempt - 1, a.retry_after_ms);
        exporter_keep_message(e, &a);
        if (v == EXPORT_CANCELLED)
            return give_up(error, RONDO_EXPORT_ERROR_CANCELLED, "export cancelled", NULL);
        if (v == EXPORT_REFUSED)
            return give_up(error, RONDO_EXPORT_ERROR_REFUSED, "the receiver refused us",
                           e->last_message);
        if (v == EXPORT_FAILED)
            return give_up(error, RONDO_EXPORT_ERROR_FAILED, "the request failed", e->last_message);
        if (attempt >= e->attempts_max || *waited_ms + (guint64)wait_ms > e->budget_ms)
            return give_up(error, RONDO_EXPORT_ERROR_UNAVAILABLE,
                           attempt >= e->attempts_max ? "receiver unavailable, attempts exhausted"
                                                      : "receiver unavailable, retry budget spent",
                           e->last_message);
        stats->retries++;
        *waited_ms += wait_ms;
        if (!exporter_wait(e, wait_ms))
            return give_up(error, RONDO_EXPORT_ERROR_CANCELLED, "export cancelled", NULL);
    }
}

static void
exporter_metadata_sent(RondoExporter *e, const RondoStore *store, const Batch *b)
{
    gint64 *when = g_new(gint64, 1);
    *when = g_get_monotonic_time();
    g_hash_table_insert(e->metadata_sent, g_strdup(rondo_store_get_path(store)), when);
    g_array_set_size(b->metadata, 0);
}

/* Encodes, compresses and delivers @b, then commits the cursor. */
static gboolean
exporter_send_batch(RondoExporter *e, const Batch *b, RondoDrain *drain, guint *waited_ms,
                    RondoExportStats *stats, GError **error)
{
    gboolean sent = FALSE;
    g_autoptr(GBytes) proto = batch_encode(e, b, error);
    g_autoptr(GBytes) body = proto ? export_snappy_compress(proto, error) : NULL;

    if (body == NULL || !exporter_deliver(e, body, waited_ms, stats, &sent, error))
        return FALSE;
    if (!rondo_drain_commit(drain, error))
        return FALSE;
    if (sent && b->metadata->len > 0)
        exporter_metadata_sent(e, rondo_drain_get_store(drain), b);
    if (sent) {
        stats->samples_sent += b->points->len;
        stats->batches_sent++;
        stats->bytes_sent += g_bytes_get_size(body);
    } else {
        stats->samples_dropped += b->points->len;
        stats->batches_dropped++;
    }
    const Point *last = &g_array_index(b->points, Point, b->points->len - 1);
    stats->last_timestamp_ns = MAX(stats->last_timestamp_ns, last->t);
    return TRUE;
}

static gboolean
tier_exportable(RondoStore *store, guint tier, GError **error)
{
    for (guint s = 0; s < rondo_store_get_n_schemas(store); s++) {
        const RondoSchema *schema = rondo_store_get_schema(store, s);
        if (tier < rondo_schema_get_n_tiers(schema) &&
            rondo_schema_get_tier_interval_ns(schema, tier) < RONDO_NS_PER_MS) {
            g_set_error(error, RONDO_ERROR, RONDO_ERROR_INVALID,
                        "%s: tier %u of schema “%s” is finer than the 1 ms remote-write "
                        "timestamps",
                        rondo_store_get_path(store), tier, rondo_schema_get_name(schema));
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean
exporter_push_all(RondoExporter *e, RondoStore *store, RondoDrain *drain, RondoExportStats *stats,
                  GError **error)
{
    Batch b;
    guint waited_ms = 0;
    gboolean ok = TRUE, any = FALSE;

    batch_init(&b, e, store);
    if (metadata_due(e, store))
        batch_attach_metadata(e, &b, store);
    while (ok) {
        batch_fill(e, &b, drain);
        if (b.points->len == 0)
            break;
        any = TRUE;
        ok = exporter_send_batch(e, &b, drain, &waited_ms, stats, error);
    }
    /* Persist what an empty pass learnt: missed slots, empty slots passed. */
    if (ok && !any && stats->slots_missed > 0)
        ok = rondo_drain_commit(drain, error);
    batch_clear(&b);
    return ok;
}

gboolean
rondo_exporter_push_drain(RondoExporter *e, RondoDrain *drain, RondoExportStats *ret_stats,
                          GError **error)
{
    g_return_val_if_fail(e != NULL && drain != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);
    RondoExportStats stats = {0};
    gboolean ok = FALSE;
    RondoStore *store = rondo_drain_get_store(drain);

    g_clear_pointer(&e->last_message, g_free);
    if (tier_exportable(store, rondo_drain_get_tier(drain), error)) {
        stats.slots_missed = rondo_drain_get_missed(drain);
        ok = exporter_push_all(e, store, drain, &stats, error);
    }
    if (ret_stats)
        *ret_stats = stats;
    return ok;
}

gboolean
rondo_exporter_push(RondoExporter *e, RondoStore *store, const char *consumer, guint tier,
                    RondoExportStats *ret_stats, GError **error)
{
    g_return_val_if_fail(e != NULL && store != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);
    g_autoptr(RondoDrain) drain = rondo_drain_new(store, consumer, tier, error);
    if (drain == NULL) {
        if (ret_stats)
            *ret_stats = (RondoExportStats){0};
        return FALSE;
    }
    return rondo_exporter_push_drain(e, drain, ret_stats, error);
}
