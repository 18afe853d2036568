/* handlers-native.c - rondod's own JSON API: /metrics/query, /metrics/health, /metrics/info.
 *
 * These speak in rondo's terms (stores, series keys, tiers, consolidation
 * functions) rather than PromQL's; docs/http-api.md documents them. A query
 * reads one series from one tier, or from the tiers that cover the range
 * (tier=auto), and reports which tier served each point.
 */
#include "config.h"

#include <string.h>

#include "handlers.h"
#include "http.h"
#include "server.h"
#include "jobs.h"
#include "json.h"
#include "labels.h"

#define DEFAULT_RANGE_NS (G_GUINT64_CONSTANT(600) * RONDO_NS_PER_S)

typedef struct {
    StoreHandle *h; /* borrowed from the job's handles */
    RondoSeries *series;
    gint tier; /* -1: auto */
    RondoConsolidation cf;
    guint64 start_ns, end_ns, max_points;
} NativeQuery;

static void
native_query_run(gpointer data, JobReply *reply)
{
    NativeQuery *q = data;
    g_autoptr(GError) error = NULL;
    RondoQueryIter it;
    gboolean ok = q->tier < 0 ? rondo_query_iter_init_auto(&it, q->h->store, q->series, q->cf,
                                                           q->start_ns, q->end_ns, &error)
                              : rondo_query_iter_init(&it, q->h->store, q->series, (guint)q->tier,
                                                      q->cf, q->start_ns, q->end_ns, &error);
    GString *out = g_string_new("{\"status\":\"success\",\"data\":{\"store\":");
    reply->body = out;
    if (!ok) {
        job_reply_error(reply, SOUP_STATUS_BAD_REQUEST, "%s", error->message);
        return;
    }
    json_append_string(out, q->h->name);
    g_string_append(out, ",\"series\":");
    json_append_string(out, rondo_series_get_key(q->series));
    g_string_append_printf(out, ",\"cf\":\"%s\",\"points\":[",
                           rondo_consolidation_to_string(q->cf));
    guint64 t, n = 0;
    double v;
    while (rondo_query_iter_next(&it, &t, &v)) {
        if (++n > q->max_points) {
            job_reply_error(reply, SOUP_STATUS_UNPROCESSABLE_ENTITY,
                            "more than %" G_GUINT64_FORMAT " points (limit "
                            "max_points_per_series): narrow the range or choose a coarser tier",
                            q->max_points);
            return;
        }
        g_string_append(out, n > 1 ? ",[" : "[");
        json_append_time(out, t);
        g_string_append_c(out, ',');
        json_append_value(out, v);
        g_string_append_printf(out, ",%u]", rondo_query_iter_get_tier(&it));
    }
    g_string_append(out, "]}}\n");
    reply->status = SOUP_STATUS_OK;
}

/* The series named by @key: an exact key, or a bare name if only one series has it. */
static RondoSeries *
find_series(const RondoStore *store, const char *key)
{
    RondoSeries *by_name = NULL;
    guint n_by_name = 0;
    for (guint i = 0; i < rondo_store_get_n_series(store); i++) {
        RondoSeries *s = rondo_store_get_series(store, i);
        if (g_str_equal(rondo_series_get_key(s), key))
            return s;
        if (g_str_equal(rondo_series_get_name(s), key)) {
            by_name = s;
            n_by_name++;
        }
    }
    return n_by_name == 1 ? by_name : NULL;
}

static gboolean
parse_tier_cf(SoupServerMessage *msg, const Params *p, NativeQuery *q)
{
    const char *tier = params_get(p, "tier"), *cf = params_get(p, "cf");
    guint64 t = 0;
    q->tier = -1;
    q->cf = RONDO_CF_AVERAGE;
    if (tier != NULL && !g_str_equal(tier, "auto")) {
        if (!g_ascii_string_to_unsigned(tier, 10, 0, RONDO_TIERS_MAX - 1, &t, NULL)) {
            http_respond_error(msg, SOUP_STATUS_BAD_REQUEST,
                               "invalid parameter \"tier\": \"%s\" is not auto or 0..%d", tier,
                               RONDO_TIERS_MAX - 1);
            return FALSE;
        }
        q->tier = (gint)t;
    }
    if (cf != NULL && !rondo_consolidation_from_string(cf, &q->cf)) {
        http_respond_error(msg, SOUP_STATUS_BAD_REQUEST,
                           "invalid parameter \"cf\": \"%s\" is not average, min, max, last, sum "
                           "or count",
                           cf);
        return FALSE;
    }
    return TRUE;
}

static gboolean
parse_range(Daemon *d, SoupServerMessage *msg, const Params *p, NativeQuery *q)
{
    g_autoptr(GError) error = NULL;
    const char *start = params_get(p, "start"), *end = params_get(p, "end");
    q->end_ns = (guint64)g_get_real_time() * 1000;
    if (end != NULL && !parse_time(end, "end", &q->end_ns, &error))
        goto bad;
    q->start_ns = q->end_ns > DEFAULT_RANGE_NS ? q->end_ns - DEFAULT_RANGE_NS : 0;
    if (start != NULL && !parse_time(start, "start", &q->start_ns, &error))
        goto bad;
    if (q->end_ns < q->start_ns) {
        http_respond_error(msg, SOUP_STATUS_BAD_REQUEST, "end must not be before start");
        return FALSE;
    }
    if ((q->end_ns - q->start_ns) / RONDO_NS_PER_S > d->config->max_query_range_s) {
        metrics_rejected(d->metrics, "limit");
        http_respond_error(msg, SOUP_STATUS_UNPROCESSABLE_ENTITY,
                           "query range exceeds the limit max_query_range=%" G_GUINT64_FORMAT "s",
                           d->config->max_query_range_s);
        return FALSE;
    }
    q->max_points = d->config->max_points_per_series;
    return TRUE;
bad:
    http_respond_error(msg, SOUP_STATUS_BAD_REQUEST, "%s", error->message);
    return FALSE;
}

/* The store named by the "store" parameter, or NULL after answering 400/404. */
static StoreHandle *
param_store(SoupServerMessage *msg, const Params *p, GPtrArray *handles)
{
    const char *name = params_get(p, "store");
    if (name == NULL) {
        http_respond_error(msg, SOUP_STATUS_BAD_REQUEST, "missing parameter \"store\"");
        return NULL;
    }
    if (!store_name_is_valid(name)) {
        http_respond_error(msg, SOUP_STATUS_BAD_REQUEST,
                           "invalid store name (no '/', no leading '.', no control characters)");
        return NULL;
    }
    StoreHandle *h = handles_find(handles, name);
    if (h == NULL)
        http_respond_error(msg, SOUP_STATUS_NOT_FOUND, "no store named \"%s\"", name);
    return h;
}

void
handle_native_query(Daemon *d, SoupServerMessage *msg, const char *path, const Params *p)
{
    NativeQuery q = {0};
    if (!parse_tier_cf(msg, p, &q) || !parse_range(d, msg, p, &q))
        return;
    const char *key = params_get(p, "series");
    if (key == NULL) {
        http_respond_error(msg, SOUP_STATUS_BAD_REQUEST, "missing parameter \"series\"");
        return;
    }
    GPtrArray *handles = registry_acquire(d->registry);
    q.h = param_store(msg, p, handles);
    q.series = q.h ? find_series(q.h->store, key) : NULL;
    if (q.h != NULL && q.series == NULL)
        http_respond_error(msg, SOUP_STATUS_NOT_FOUND, "store \"%s\" has no series \"%s\"",
                           q.h->name, key);
    if (q.series == NULL) {
        registry_release(handles);
        return;
    }
    job_submit(d, msg, handles, native_query_run, g_memdup2(&q, sizeof q), g_free);
}

void
handle_native_health(Daemon *d, SoupServerMessage *msg, const char *path, const Params *p)
{
    GString *out = g_string_new(NULL);
    g_string_append_printf(out,
                           "{\"status\":\"%s\",\"uptime_seconds\":%" G_GINT64_FORMAT
                           ",\"stores_open\":%u,\"stores_adopted\":%u,\"queries_running\":%u,"
                           "\"version\":\"%s\"}",
                           registry_is_ready(d->registry) ? "ok" : "starting",
                           (g_get_monotonic_time() - d->started_us) / G_USEC_PER_SEC,
                           registry_get_n_stores(d->registry), registry_get_n_adopted(d->registry),
                           d->heavy_in_flight, PACKAGE_VERSION);
    http_respond_success(msg, out);
}

static void
write_functions(GString *out, guint32 mask)
{
    g_string_append_c(out, '[');
    gboolean first = TRUE;
    for (guint cf = 0; cf < RONDO_CF_N_FUNCTIONS; cf++) {
        if (!(mask & RONDO_CF_BIT(cf)))
            continue;
        g_string_append_printf(out, "%s\"%s\"", first ? "" : ",",
                               rondo_consolidation_to_string(cf));
        first = FALSE;
    }
    g_string_append_c(out, ']');
}

static void
write_schema(GString *out, const RondoStore *store, guint si)
{
    const RondoSchema *schema = rondo_store_get_schema(store, si);
    g_string_append(out, "{\"name\":");
    json_append_string(out, rondo_schema_get_name(schema));
    g_string_append_printf(out, ",\"series_max\":%u,\"tiers\":[",
                           rondo_schema_get_series_max(schema));
    for (guint t = 0; t < rondo_schema_get_n_tiers(schema); t++) {
        g_string_append_printf(out, "%s{\"tier\":%u,\"interval_seconds\":", t ? "," : "", t);
        json_append_time(out, rondo_schema_get_tier_interval_ns(schema, t));
        g_string_append_printf(
            out, ",\"slots\":%u,\"functions\":", rondo_schema_get_tier_slots(schema, t));
        write_functions(out, rondo_schema_get_tier_functions(schema, t));
        g_string_append(out, ",\"head\":");
        json_append_time(out, rondo_store_get_head_ns(store, si, t));
        g_string_append(out, ",\"consolidated\":");
        json_append_time(out, rondo_store_get_consolidated_ns(store, si, t));
        g_string_append_c(out, '}');
    }
    g_string_append(out, "]}");
}

static void
write_store(GString *out, const Daemon *d, const StoreHandle *h)
{
    const RondoStore *store = h->store;
    g_string_append(out, "{\"name\":");
    json_append_string(out, h->name);
    g_string_append_printf(out,
                           ",\"writer_pid\":%" G_GINT64_FORMAT
                           ",\"adopted\":%s,\"bytes\":%" G_GUINT64_FORMAT ",\"schemas\":[",
                           rondo_store_writer_pid(store),
                           registry_is_adopted(d->registry, h->name) ? "true" : "false",
                           rondo_store_get_bytes(store));
    for (guint si = 0; si < rondo_store_get_n_schemas(store); si++) {
        if (si > 0)
            g_string_append_c(out, ',');
        write_schema(out, store, si);
    }
    g_string_append(out, "],\"series\":[");
    for (guint i = 0; i < rondo_store_get_n_series(store); i++) {
        const RondoSeries *s = rondo_store_get_series(store, i);
        g_string_append(out, i ? ",{\"key\":" : "{\"key\":");
        json_append_string(out, rondo_series_get_key(s));
        g_string_append_printf(out, ",\"schema\":%u,\"type\":", rondo_series_get_schema(s));
        json_append_string(out, rondo_series_type_to_string(rondo_series_get_type(s)));
        g_string_append(out, ",\"unit\":");
        json_append_string(out, rondo_series_get_unit(s));
        g_string_append(out, ",\"help\":");
        json_append_string(out, rondo_series_get_help(s));
        g_string_append_c(out, '}');
    }
    g_string_append(out, "]}");
}

void
handle_native_info(Daemon *d, SoupServerMessage *msg, const char *path, const Params *p)
{
    GPtrArray *handles = registry_acquire(d->registry);
    StoreHandle *only = params_get(p, "store") ? param_store(msg, p, handles) : NULL;
    if (params_get(p, "store") && only == NULL) {
        registry_release(handles);
        return;
    }
    GString *out = g_string_new("{\"state_dir\":");
    json_append_string(out, registry_get_state_dir(d->registry));
    g_string_append(out, ",\"stores\":[");
    gboolean first = TRUE;
    for (guint i = 0; i < handles->len; i++) {
        StoreHandle *h = g_ptr_array_index(handles, i);
        if (only != NULL && h != only)
            continue;
        if (!first)
            g_string_append_c(out, ',');
        first = FALSE;
        write_store(out, d, h);
    }
    g_string_append(out, "]}");
    registry_release(handles);
    http_respond_success(msg, out);
}
