/* export.c - pushes stores' drained points to a remote-write receiver.
 *
 * A push drains its sources (a drain each: one tier of a store under a
 * consumer's cursor) one after the other and cuts their points into
 * batches; each batch is encoded (remote-write.c), compressed, POSTed
 * (export-http.c) and, once the receiver has answered for good, the cursor
 * of every source in it is committed. A batch holds as many sources as fit:
 * a receiver spends per request (decoding, an append and a WAL record each),
 * and a host's VMs have small stores.
 *
 * Invariants:
 *   1. A cursor is committed only after a 2xx or a final 4xx for every
 *      point its drain returned before the commit (a batch holds exactly
 *      those points: a point read past the batch's end is kept as "pending"
 *      and opens the next batch).
 *   2. Batches end on one of their last source's slot boundaries unless one
 *      slot alone is larger than a batch, so a commit covers what was sent
 *      and a crash between a 2xx and the commits repeats at most one batch.
 *   3. A batch never holds more than samples_max samples nor, by the
 *      encoder's upper bounds, more than bytes_max bytes (a single point
 *      always fits: the limits' minimums guarantee progress).
 *   4. Waiting is bounded: attempts per batch and total wait per push.
 *   5. A final 4xx drops only what one source sent: a batch of several
 *      sources is sent again source by source before anything is dropped.
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

/* Whether @name=@value may be added to the @n_before strings (name, value
 * pairs) of @pairs: the rules of rondo_exporter_add_label(). */
static gboolean
label_valid(const char *const *pairs, guint n_before, const char *name, const char *value)
{
    if (name == NULL || value == NULL || value[0] == '\0' || g_str_has_prefix(name, "__") ||
        !(g_ascii_isalpha(name[0]) || name[0] == '_') || n_before / 2 >= RONDO_LABELS_MAX)
        return FALSE;
    for (const char *p = name; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '_')
            return FALSE;
    }
    for (guint i = 0; i + 1 < n_before; i += 2) {
        if (g_str_equal(pairs[i], name))
            return FALSE;
    }
    return TRUE;
}

static void
label_invalid(GError **error, const char *name, const char *value)
{
    g_set_error(error, RONDO_ERROR, RONDO_ERROR_INVALID,
                "label “%s=%s”: the name must be [a-zA-Z_][a-zA-Z0-9_]*, not start with "
                "“__” nor repeat, the value must not be empty (at most %d labels)",
                name ? name : "", value ? value : "", RONDO_LABELS_MAX);
}

gboolean
rondo_exporter_add_label(RondoExporter *e, const char *name, const char *value, GError **error)
{
    g_return_val_if_fail(e != NULL, FALSE);
    if (!label_valid((const char *const *)e->extra->pdata, e->extra->len - 1, name, value)) {
        label_invalid(error, name, value);
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
    export_http_wake(e->http); /* a post in flight stops too */
}

void
rondo_exporter_reset_cancel(RondoExporter *e)
{
    g_return_if_fail(e != NULL);
    g_atomic_int_set(&e->cancelled, 0);
}

/* -------------------------------------------------------------- sources */

/* One source of a push, as the batcher sees it. */
typedef struct {
    RondoExportSource *pub; /* its drain, labels, stats and error */
    /* per schema: upper bounds of one slot's points and bytes */
    guint slot_points[RONDO_SCHEMAS_MAX];
    gsize slot_bytes[RONDO_SCHEMAS_MAX];
    gboolean failed;      /* pub->error is set: nothing more is read or committed */
    gboolean any;         /* some of its points went into a batch */
    gboolean metadata_in; /* its families ride with the metadata of the next batch */
} Source;

static void
source_fail(Source *src, GError *error)
{
    g_assert(src->pub->error == NULL);
    src->pub->error = error;
    src->failed = TRUE;
}

static gboolean
source_labels_valid(const char *const *labels, GError **error)
{
    for (guint n = 0; labels != NULL && labels[n] != NULL; n += 2) {
        if (!label_valid(labels, n, labels[n], labels[n + 1])) {
            label_invalid(error, labels[n], labels[n + 1]);
            return FALSE;
        }
    }
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

static void
source_init(Source *src, const RondoExporter *e, RondoExportSource *pub)
{
    memset(src, 0, sizeof *src);
    src->pub = pub;
    pub->stats = (RondoExportStats){0};
    pub->error = NULL;
    pub->message = NULL;
    GError *error = NULL;
    RondoStore *store = rondo_drain_get_store(pub->drain);
    if (!source_labels_valid(pub->labels, &error) ||
        !tier_exportable(store, rondo_drain_get_tier(pub->drain), &error)) {
        source_fail(src, error);
        return;
    }
    pub->stats.slots_missed = rondo_drain_get_missed(pub->drain);
    for (guint i = 0; i < rondo_store_get_n_series(store); i++) {
        const RondoSeries *s = rondo_store_get_series(store, i);
        guint schema = rondo_series_get_schema(s);
        g_assert(schema < RONDO_SCHEMAS_MAX);
        src->slot_points[schema]++;
        src->slot_bytes[schema] +=
            EXPORT_SAMPLE_BYTES_MAX + EXPORT_SERIES_BYTES_MAX +
            export_labels_bytes_max(rondo_series_get_name(s), rondo_series_get_labels(s),
                                    pub->labels, (const char *const *)e->extra->pdata);
    }
}

/* Keeps the receiver's @message as @src's latest. */
static void
source_keep_message(Source *src, const char *message)
{
    g_free(src->pub->message);
    src->pub->message = g_strdup(message);
}

/* Commits @src's cursor; a failure is the source's. */
static void
source_commit(Source *src)
{
    GError *error = NULL;
    if (!src->failed && !rondo_drain_commit(src->pub->drain, &error))
        source_fail(src, error);
}

/* -------------------------------------------------------------- batches */

typedef struct {
    guint source; /* index into the push's sources */
    RondoSeries *series;
    guint64 t;
    double v;
    guint index; /* into Batch.series */
} Point;

typedef struct {
    GArray *points;        /* Point, in drain order: each source's points together */
    GPtrArray *series;     /* distinct RondoSeries*, first appearance first */
    GArray *series_source; /* guint per series: its source */
    GHashTable *index;     /* RondoSeries* -> index + 1 */
    gsize bytes;           /* upper bound of the encoded size */
    Point pending;         /* read past the previous batch's end */
    gboolean has_pending;
    guint next;       /* the source being read; all are drained when it is past the last */
    GArray *metadata; /* RondoExportMetadata for the next batch; emptied once sent */
    gsize metadata_bytes;
} Batch;

/* A batch's points of one source: [first, end) of Batch.points. */
typedef struct {
    guint source, first, end;
} Run;

static void
batch_init(Batch *b)
{
    memset(b, 0, sizeof *b);
    b->points = g_array_new(FALSE, FALSE, sizeof(Point));
    b->series = g_ptr_array_new();
    b->series_source = g_array_new(FALSE, FALSE, sizeof(guint));
    b->index = g_hash_table_new(NULL, NULL);
    b->metadata = g_array_new(FALSE, FALSE, sizeof(RondoExportMetadata));
}

static void
batch_clear(Batch *b)
{
    g_array_unref(b->points);
    g_ptr_array_unref(b->series);
    g_array_unref(b->series_source);
    g_hash_table_unref(b->index);
    g_array_unref(b->metadata);
}

static void
batch_reset(Batch *b)
{
    g_array_set_size(b->points, 0);
    g_ptr_array_set_size(b->series, 0);
    g_array_set_size(b->series_source, 0);
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

/* Attaches what the due sources' writers said of each metric name (the
 * first description per name) to the next batch, within half the byte limit. */
static void
batch_attach_metadata(const RondoExporter *e, Batch *b, Source *srcs, gsize n_srcs)
{
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    gboolean full = FALSE;
    g_array_set_size(b->metadata, 0);
    b->metadata_bytes = 0;
    for (gsize k = 0; k < n_srcs && !full; k++) {
        RondoStore *store = rondo_drain_get_store(srcs[k].pub->drain);
        if (srcs[k].failed || !metadata_due(e, store))
            continue;
        srcs[k].metadata_in = TRUE;
        for (guint i = 0; i < rondo_store_get_n_series(store) && !full; i++) {
            const RondoSeries *s = rondo_store_get_series(store, i);
            RondoExportMetadata md = {rondo_series_get_name(s), rondo_series_get_type(s),
                                      rondo_series_get_unit(s), rondo_series_get_help(s)};
            if ((md.type == RONDO_SERIES_UNKNOWN && !*md.unit && !*md.help) ||
                g_hash_table_contains(seen, md.name))
                continue;
            gsize cost = export_metadata_bytes_max(&md);
            /* the rest next time round: samples come first */
            full = b->metadata_bytes + cost > e->bytes_max / 2;
            if (!full) {
                g_hash_table_add(seen, (gpointer)md.name);
                g_array_append_val(b->metadata, md);
                b->metadata_bytes += cost;
            }
        }
    }
}

/* What adding @p costs in bytes (upper bound); sets p->index if known. */
static gsize
batch_cost(const RondoExporter *e, const Batch *b, const Source *srcs, Point *p)
{
    guint i = GPOINTER_TO_UINT(g_hash_table_lookup(b->index, p->series));
    if (i > 0) {
        p->index = i - 1;
        return EXPORT_SAMPLE_BYTES_MAX;
    }
    p->index = G_MAXUINT;
    return EXPORT_SAMPLE_BYTES_MAX + EXPORT_SERIES_BYTES_MAX +
           export_labels_bytes_max(rondo_series_get_name(p->series),
                                   rondo_series_get_labels(p->series), srcs[p->source].pub->labels,
                                   (const char *const *)e->extra->pdata);
}

static void
batch_add(Batch *b, Point *p, gsize cost)
{
    if (p->index == G_MAXUINT) {
        p->index = b->series->len;
        g_ptr_array_add(b->series, p->series);
        g_array_append_val(b->series_source, p->source);
        g_hash_table_insert(b->index, p->series, GUINT_TO_POINTER(p->index + 1));
    }
    g_array_append_val(b->points, *p);
    b->bytes += cost;
}

/* Whether @p, the next point, must open a new batch (invariants 2 and 3). */
static gboolean
batch_full(const RondoExporter *e, const Batch *b, const Source *srcs, const Point *p, gsize cost)
{
    if (b->points->len == 0)
        return FALSE;
    const Point *last = &g_array_index(b->points, Point, b->points->len - 1);
    const Source *src = &srcs[p->source];
    guint schema = rondo_series_get_schema(p->series);
    gboolean new_slot = last->source != p->source || last->t != p->t ||
                        rondo_series_get_schema(last->series) != schema;
    if (new_slot)
        return b->points->len + MAX(src->slot_points[schema], 1) > e->samples_max ||
               b->bytes + MAX(src->slot_bytes[schema], cost) > e->bytes_max;
    return b->points->len + 1 > e->samples_max || b->bytes + cost > e->bytes_max;
}

/* The next point of the sources, in order; FALSE when every one is drained. */
static gboolean
batch_read(Batch *b, Source *srcs, gsize n_srcs, Point *p)
{
    for (; b->next < n_srcs; b->next++) {
        Source *src = &srcs[b->next];
        if (!src->failed && rondo_drain_next(src->pub->drain, &p->series, &p->t, &p->v)) {
            p->source = b->next;
            return TRUE;
        }
    }
    return FALSE;
}

/* Fills the next batch from the pending point and the sources. */
static void
batch_fill(const RondoExporter *e, Batch *b, Source *srcs, gsize n_srcs)
{
    batch_reset(b);
    if (b->has_pending && srcs[b->pending.source].failed)
        b->has_pending = FALSE; /* its cursor stays before it */
    for (;;) {
        Point p = {0};
        if (b->has_pending) {
            p = b->pending;
            b->has_pending = FALSE;
        } else if (!batch_read(b, srcs, n_srcs, &p)) {
            return;
        }
        gsize cost = batch_cost(e, b, srcs, &p);
        if (batch_full(e, b, srcs, &p, cost)) {
            b->pending = p;
            b->has_pending = TRUE;
            return;
        }
        srcs[p.source].any = TRUE;
        batch_add(b, &p, cost);
    }
}

/* The batch's first run of one source's points (@first), or the one after @run. */
static gboolean
batch_next_run(const Batch *b, Run *run, gboolean first)
{
    guint i = first ? 0 : run->end, n = b->points->len;
    if (i >= n)
        return FALSE;
    run->first = i;
    run->source = g_array_index(b->points, Point, i).source;
    while (i < n && g_array_index(b->points, Point, i).source == run->source)
        i++;
    run->end = i;
    return TRUE;
}

/* Groups the points of @run (the whole batch if NULL) by series, in time
 * order, and encodes them, with the batch's metadata if @with_metadata. */
static GBytes *
batch_encode(const RondoExporter *e, const Batch *b, const Source *srcs, const Run *run,
             gboolean with_metadata, GError **error)
{
    guint first = run ? run->first : 0, end = run ? run->end : b->points->len;
    guint n_series = b->series->len, n = end - first, n_out = 0;
    g_autofree guint *count = g_new0(guint, n_series);
    g_autofree guint *fill = g_new0(guint, n_series); /* next sample's place in ts */
    g_autofree guint64 *ts = g_new(guint64, MAX(n, 1));
    g_autofree double *values = g_new(double, MAX(n, 1));
    g_autofree RondoExportSeries *es = g_new0(RondoExportSeries, MAX(n_series, 1));
    g_autofree const char *const **source_labels = g_new0(const char *const *, MAX(n_series, 1));

    for (guint i = first; i < end; i++)
        count[g_array_index(b->points, Point, i).index]++;
    for (guint s = 0, k = 0; s < n_series; s++) {
        if (count[s] == 0)
            continue;
        const RondoSeries *series = g_ptr_array_index(b->series, s);
        fill[s] = k;
        source_labels[n_out] = srcs[g_array_index(b->series_source, guint, s)].pub->labels;
        es[n_out++] = (RondoExportSeries){
            .name = rondo_series_get_name(series),
            .labels = rondo_series_get_labels(series),
            .timestamps_ns = &ts[k],
            .values = &values[k],
            .n_samples = count[s],
        };
        k += count[s];
    }
    for (guint i = first; i < end; i++) { /* stable: drain order is time order */
        const Point *p = &g_array_index(b->points, Point, i);
        guint k = fill[p->index]++;
        ts[k] = p->t;
        values[k] = p->v;
    }
    guint n_md = with_metadata ? b->metadata->len : 0;
    const RondoExportMetadata *md =
        n_md > 0 ? &g_array_index(b->metadata, RondoExportMetadata, 0) : NULL;
    return export_encode(es, source_labels, n_out, md, n_md, (const char *const *)e->extra->pdata,
                         error);
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

/* How one request went: its retries and last status, its body's size. */
typedef struct {
    guint retries;
    guint last_status;
    gsize bytes;
    gboolean sent; /* TRUE: 2xx; FALSE: dropped with a 4xx */
} Delivery;

/* Sends one body until the receiver answers for good. TRUE with @d->sent;
 * FALSE when the push must stop. */
static gboolean
exporter_deliver(RondoExporter *e, GBytes *body, guint *waited_ms, Delivery *d, GError **error)
{
    d->bytes = g_bytes_get_size(body);
    for (guint attempt = 1;; attempt++) {
        ExportAnswer a = {0};
        if (g_atomic_int_get(&e->cancelled))
            return give_up(error, RONDO_EXPORT_ERROR_CANCELLED, "export cancelled", NULL);
        export_http_post(e->http, body, &a);
        if (a.status != 0)
            d->last_status = a.status;
        if (a.verdict == EXPORT_SENT || a.verdict == EXPORT_DROP) {
            if (a.verdict == EXPORT_DROP)
                exporter_keep_message(e, &a);
            export_answer_clear(&a);
            d->sent = a.verdict == EXPORT_SENT;
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
        d->retries++;
        *waited_ms += wait_ms;
        if (!exporter_wait(e, wait_ms))
            return give_up(error, RONDO_EXPORT_ERROR_CANCELLED, "export cancelled", NULL);
    }
}

/* Encodes, compresses and delivers @run (the whole batch if NULL). */
static gboolean
exporter_send(RondoExporter *e, const Batch *b, const Source *srcs, const Run *run,
              gboolean with_metadata, guint *waited_ms, Delivery *d, GError **error)
{
    g_autoptr(GBytes) proto = batch_encode(e, b, srcs, run, with_metadata, error);
    g_autoptr(GBytes) body = proto ? export_snappy_compress(proto, error) : NULL;
    return body != NULL && exporter_deliver(e, body, waited_ms, d, error);
}

/* Books one request to @run's source: its attempts and status, and, if
 * @counted, the run's samples and its share of the bytes (the request
 * carried @n_total samples, @done_before of them ahead of the run's). */
static void
run_account(const RondoExporter *e, Source *srcs, const Batch *b, const Run *run, const Delivery *d,
            gboolean counted, guint done_before, guint n_total)
{
    RondoExportStats *st = &srcs[run->source].pub->stats;
    guint n = run->end - run->first;
    st->retries += d->retries;
    if (d->last_status != 0)
        st->last_status = d->last_status;
    if (!counted)
        return;
    if (d->sent) {
        st->samples_sent += n;
        st->batches_sent++;
        /* shared out by samples, so that the shares add up to the body */
        st->bytes_sent += d->bytes * (done_before + n) / n_total - d->bytes * done_before / n_total;
    } else {
        st->samples_dropped += n;
        st->batches_dropped++;
        source_keep_message(&srcs[run->source], e->last_message);
    }
    for (guint i = run->first; i < run->end; i++)
        st->last_timestamp_ns = MAX(st->last_timestamp_ns, g_array_index(b->points, Point, i).t);
}

/* Books @d to every source of the batch and commits their cursors. */
static void
batch_settle(const RondoExporter *e, Source *srcs, const Batch *b, const Delivery *d,
             gboolean counted)
{
    Run run;
    guint done = 0, n = b->points->len;
    for (gboolean ok = batch_next_run(b, &run, TRUE); ok; ok = batch_next_run(b, &run, FALSE)) {
        run_account(e, srcs, b, &run, d, counted, done, n);
        done += run.end - run.first;
        if (counted)
            source_commit(&srcs[run.source]);
    }
}

/* The receiver rejected a batch of several sources for good: each source's
 * points go again alone, so that only the one it rejects is dropped. */
static gboolean
batch_send_apart(RondoExporter *e, const Batch *b, Source *srcs, guint *waited_ms,
                 guint *ret_unfinished, GError **error)
{
    Run run;
    for (gboolean ok = batch_next_run(b, &run, TRUE); ok; ok = batch_next_run(b, &run, FALSE)) {
        Delivery d = {0};
        gboolean delivered = exporter_send(e, b, srcs, &run, FALSE, waited_ms, &d, error);
        run_account(e, srcs, b, &run, &d, delivered, 0, run.end - run.first);
        if (!delivered) {
            *ret_unfinished = run.source;
            return FALSE;
        }
        source_commit(&srcs[run.source]);
    }
    return TRUE;
}

static void
exporter_metadata_sent(RondoExporter *e, Batch *b, Source *srcs, gsize n_srcs)
{
    for (gsize k = 0; k < n_srcs; k++) {
        if (!srcs[k].metadata_in)
            continue;
        gint64 *when = g_new(gint64, 1);
        *when = g_get_monotonic_time();
        RondoStore *store = rondo_drain_get_store(srcs[k].pub->drain);
        g_hash_table_insert(e->metadata_sent, g_strdup(rondo_store_get_path(store)), when);
        srcs[k].metadata_in = FALSE;
    }
    g_array_set_size(b->metadata, 0);
}

/* Delivers @b, then commits the cursors of its sources (invariant 1).
 * FALSE when the push must stop, with the first source not delivered to
 * the end in @ret_unfinished. */
static gboolean
exporter_send_batch(RondoExporter *e, Batch *b, Source *srcs, gsize n_srcs, guint *waited_ms,
                    guint *ret_unfinished, GError **error)
{
    Delivery d = {0};
    Run run;
    gboolean with_metadata = b->metadata->len > 0;
    batch_next_run(b, &run, TRUE);
    if (!exporter_send(e, b, srcs, NULL, with_metadata, waited_ms, &d, error)) {
        batch_settle(e, srcs, b, &d, FALSE);
        *ret_unfinished = run.source;
        return FALSE;
    }
    if (!d.sent && run.end < b->points->len) {
        batch_settle(e, srcs, b, &d, FALSE); /* its status and retries */
        return batch_send_apart(e, b, srcs, waited_ms, ret_unfinished, error);
    }
    batch_settle(e, srcs, b, &d, TRUE);
    if (d.sent && with_metadata)
        exporter_metadata_sent(e, b, srcs, n_srcs);
    return TRUE;
}

gboolean
rondo_exporter_push_sources(RondoExporter *e, RondoExportSource *sources, gsize n_sources,
                            GError **error)
{
    g_return_val_if_fail(e != NULL && (sources != NULL || n_sources == 0), FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);
    for (gsize k = 0; k < n_sources; k++)
        g_return_val_if_fail(sources[k].drain != NULL, FALSE);
    g_autofree Source *srcs = g_new(Source, MAX(n_sources, 1));
    g_autoptr(GError) local = NULL;
    Batch b;
    guint waited_ms = 0, unfinished = 0;
    gboolean ok = TRUE;

    g_clear_pointer(&e->last_message, g_free);
    for (gsize k = 0; k < n_sources; k++)
        source_init(&srcs[k], e, &sources[k]);
    batch_init(&b);
    batch_attach_metadata(e, &b, srcs, n_sources);
    while (ok) {
        batch_fill(e, &b, srcs, n_sources);
        if (b.points->len == 0)
            break;
        ok = exporter_send_batch(e, &b, srcs, n_sources, &waited_ms, &unfinished, &local);
    }
    batch_clear(&b);
    if (!ok) {
        for (gsize k = unfinished; k < n_sources; k++) {
            if (srcs[k].failed)
                continue;
            source_fail(&srcs[k], g_error_copy(local));
            source_keep_message(&srcs[k], e->last_message);
        }
        g_propagate_error(error, g_steal_pointer(&local));
        return FALSE;
    }
    /* Persist what an empty pass learnt: missed slots, empty slots passed. */
    for (gsize k = 0; k < n_sources; k++) {
        if (!srcs[k].any && srcs[k].pub->stats.slots_missed > 0)
            source_commit(&srcs[k]);
    }
    return TRUE;
}

gboolean
rondo_exporter_push_drain(RondoExporter *e, RondoDrain *drain, RondoExportStats *ret_stats,
                          GError **error)
{
    g_return_val_if_fail(e != NULL && drain != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);
    RondoExportSource src = {.drain = drain};
    gboolean ok = rondo_exporter_push_sources(e, &src, 1, error);
    if (ok && src.error != NULL) {
        g_propagate_error(error, g_steal_pointer(&src.error));
        ok = FALSE;
    }
    g_clear_error(&src.error); /* when the push failed: a copy of @error */
    g_free(src.message);       /* the exporter keeps its own copy */
    if (ret_stats)
        *ret_stats = src.stats;
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
