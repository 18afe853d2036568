/* metrics.c - counting what rondod does, for its own /metrics.
 *
 * The golden signals of a server: traffic (requests by handler and code),
 * errors (the codes), latency (a histogram per handler), saturation
 * (in-flight requests, rejections by reason), and the bytes sent. Labels
 * come from fixed tables, never from request input, so a client cannot
 * inflate the number of series. Main-loop only: no locks.
 */
#include "config.h"

#include <string.h>

#include "json.h"
#include "metrics.h"
#include "routes.h"

static const double buckets_s[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                   0.1,    0.25,  0.5,    1,     2.5,  10};
#define N_BUCKETS G_N_ELEMENTS(buckets_s)

static const char *const reasons[] = {"auth",        "body_too_large",   "length_required",
                                      "bad_length",  "too_many_queries", "limit",
                                      "connections", "idle_timeout"};
#define N_REASONS G_N_ELEMENTS(reasons)

typedef struct {
    GHashTable *by_code; /* code -> guint64 count */
    guint64 bucket[N_BUCKETS];
    guint64 count;
    double sum_s;
} RouteStats;

struct _Metrics {
    const char *const *labels; /* route_labels(): the table's, "other" last */
    guint n_routes;
    RouteStats *routes;
    guint64 bytes_out;
    guint64 rejected[N_REASONS];
    gint64 in_flight;
    guint64 quick;
};

Metrics *
metrics_new(void)
{
    Metrics *m = g_new0(Metrics, 1);
    m->labels = route_labels();
    m->n_routes = g_strv_length((char **)m->labels);
    m->routes = g_new0(RouteStats, m->n_routes);
    for (guint i = 0; i < m->n_routes; i++)
        m->routes[i].by_code = g_hash_table_new_full(NULL, NULL, NULL, g_free);
    return m;
}

void
metrics_free(Metrics *m)
{
    if (m == NULL)
        return;
    for (guint i = 0; i < m->n_routes; i++)
        g_hash_table_destroy(m->routes[i].by_code);
    g_free(m->routes);
    g_free(m);
}

/* The row of @label; unknown labels count as "other", the last. */
static guint
route_index(const Metrics *m, const char *label)
{
    for (guint i = 0; i < m->n_routes; i++) {
        if (g_str_equal(label, m->labels[i]))
            return i;
    }
    return m->n_routes - 1;
}

void
metrics_request_started(Metrics *m)
{
    m->in_flight++;
}

void
metrics_request_aborted(Metrics *m)
{
    g_assert(m->in_flight > 0);
    m->in_flight--;
}

void
metrics_request_finished(Metrics *m, const char *route, guint code, double seconds, guint64 bytes)
{
    metrics_request_aborted(m);
    RouteStats *r = &m->routes[route_index(m, route)];
    guint64 *n = g_hash_table_lookup(r->by_code, GUINT_TO_POINTER(code));
    if (n == NULL) {
        n = g_new0(guint64, 1);
        g_hash_table_insert(r->by_code, GUINT_TO_POINTER(code), n);
    }
    (*n)++;
    for (guint i = 0; i < N_BUCKETS; i++)
        r->bucket[i] += seconds <= buckets_s[i];
    r->count++;
    r->sum_s += seconds;
    m->bytes_out += bytes;
}

void
metrics_request_quick(Metrics *m)
{
    m->quick++;
}

void
metrics_rejected(Metrics *m, const char *reason)
{
    for (guint i = 0; i < N_REASONS; i++) {
        if (g_str_equal(reason, reasons[i])) {
            m->rejected[i]++;
            return;
        }
    }
    g_assert_not_reached();
}

static void
write_header(GString *out, const char *name, const char *type, const char *help)
{
    g_string_append_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static gint
code_cmp(gconstpointer a, gconstpointer b)
{
    return (gint)GPOINTER_TO_UINT(a) - (gint)GPOINTER_TO_UINT(b);
}

static void
write_requests(const Metrics *m, GString *out)
{
    write_header(out, "rondod_http_requests_total", "counter",
                 "HTTP requests answered, by handler and status code.");
    for (guint i = 0; i < m->n_routes; i++) {
        GList *codes = g_list_sort(g_hash_table_get_keys(m->routes[i].by_code), code_cmp);
        for (GList *l = codes; l != NULL; l = l->next) {
            guint64 *n = g_hash_table_lookup(m->routes[i].by_code, l->data);
            g_string_append_printf(out,
                                   "rondod_http_requests_total{handler=\"%s\",code=\"%u\"} "
                                   "%" G_GUINT64_FORMAT "\n",
                                   m->labels[i], GPOINTER_TO_UINT(l->data), *n);
        }
        g_list_free(codes);
    }
}

static void
write_latency(const Metrics *m, GString *out)
{
    const char *name = "rondod_http_request_duration_seconds";
    write_header(out, name, "histogram", "Time from request start to the end of the response.");
    for (guint i = 0; i < m->n_routes; i++) {
        const RouteStats *r = &m->routes[i];
        if (r->count == 0)
            continue;
        for (guint b = 0; b < N_BUCKETS; b++) {
            char le[G_ASCII_DTOSTR_BUF_SIZE];
            format_double(le, sizeof le, buckets_s[b]);
            g_string_append_printf(out,
                                   "%s_bucket{handler=\"%s\",le=\"%s\"} %" G_GUINT64_FORMAT "\n",
                                   name, m->labels[i], le, r->bucket[b]);
        }
        g_string_append_printf(out,
                               "%s_bucket{handler=\"%s\",le=\"+Inf\"} %" G_GUINT64_FORMAT "\n"
                               "%s_sum{handler=\"%s\"} %.6f\n"
                               "%s_count{handler=\"%s\"} %" G_GUINT64_FORMAT "\n",
                               name, m->labels[i], r->count, name, m->labels[i], r->sum_s, name,
                               m->labels[i], r->count);
    }
}

void
metrics_write(const Metrics *m, GString *out, guint stores_open, guint stores_adopted)
{
    write_requests(m, out);
    write_latency(m, out);
    write_header(out, "rondod_http_response_bytes_total", "counter",
                 "Bytes of response bodies sent.");
    g_string_append_printf(out, "rondod_http_response_bytes_total %" G_GUINT64_FORMAT "\n",
                           m->bytes_out);
    write_header(out, "rondod_http_requests_in_flight", "gauge",
                 "Requests being read, processed or answered.");
    g_string_append_printf(out, "rondod_http_requests_in_flight %" G_GINT64_FORMAT "\n",
                           m->in_flight);
    write_header(out, "rondod_http_quick_requests_total", "counter",
                 "Requests answered without libsoup (a GET of a query that came whole with its "
                 "connection); counted in rondod_http_requests_total too.");
    g_string_append_printf(out, "rondod_http_quick_requests_total %" G_GUINT64_FORMAT "\n",
                           m->quick);
    write_header(out, "rondod_http_rejections_total", "counter",
                 "Requests refused before any work, by reason.");
    for (guint i = 0; i < N_REASONS; i++)
        g_string_append_printf(
            out, "rondod_http_rejections_total{reason=\"%s\"} %" G_GUINT64_FORMAT "\n", reasons[i],
            m->rejected[i]);
    write_header(out, "rondod_stores_open", "gauge",
                 "Stores found and open under the state directory.");
    g_string_append_printf(out, "rondod_stores_open %u\n", stores_open);
    write_header(out, "rondod_stores_adopted", "gauge",
                 "Stores whose writer is gone and that rondod consolidates.");
    g_string_append_printf(out, "rondod_stores_adopted %u\n", stores_adopted);
    write_header(out, "rondod_build_info", "gauge", "Always 1; the version is a label.");
    g_string_append_printf(out, "rondod_build_info{version=\"%s\"} 1\n", PACKAGE_VERSION);
}
