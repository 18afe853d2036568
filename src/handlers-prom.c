/* handlers-prom.c - the Prometheus HTTP API subset Grafana and promtool use.
 *
 * /api/v1/query and /api/v1/query_range evaluate the PromQL subset of
 * promql.c; a query that may be slow runs in a worker thread (jobs.c), a
 * cheap one on the main loop (see "Where a query runs" below);
 * /api/v1/series, /labels and /label/<name>/values only look at series
 * names and labels, so they answer on the main loop. GET and POST (form)
 * are both accepted, as Prometheus does. Errors use Prometheus' envelope
 * and status codes: 400 bad_data for anything wrong with the request, 422
 * execution for limits hit while evaluating.
 */
#include "config.h"

#include <math.h>

#include <string.h>

#include "eval.h"
#include "handlers.h"
#include "http.h"
#include "server.h"
#include "jobs.h"
#include "json.h"
#include "labels.h"

typedef struct {
    Node *expr;
    EvalContext ctx;
    gboolean instant;
} PromQuery;

static void
prom_query_free(gpointer p)
{
    PromQuery *q = p;
    promql_node_free(q->expr);
    g_free(q);
}

/* Evaluates @q into @reply. With @may_give_up, a query that reaches
 * q->ctx.max_samples is not answered: FALSE, @reply untouched. */
static gboolean
prom_query_eval(PromQuery *q, JobReply *reply, gboolean may_give_up)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(EvalResult) r = eval_run(q->expr, &q->ctx, &error);
    if (r == NULL && may_give_up && g_error_matches(error, EVAL_ERROR, EVAL_ERROR_TOO_MANY_SAMPLES))
        return FALSE;
    if (r == NULL) {
        job_reply_error(reply,
                        g_error_matches(error, EVAL_ERROR, EVAL_ERROR_TOO_MANY_SAMPLES) ||
                                g_error_matches(error, EVAL_ERROR, EVAL_ERROR_EXEC)
                            ? SOUP_STATUS_UNPROCESSABLE_ENTITY
                            : SOUP_STATUS_BAD_REQUEST,
                        "%s", error->message);
        return TRUE;
    }
    reply->body = g_string_sized_new(1024); /* most answers, without growing */
    g_string_append(reply->body, "{\"status\":\"success\",\"data\":");
    eval_result_write_json(r, &q->ctx, q->instant, reply->body);
    g_string_append(reply->body, "}\n");
    reply->status = SOUP_STATUS_OK;
    return TRUE;
}

static void
prom_query_run(gpointer data, JobReply *reply)
{
    prom_query_eval(data, reply, FALSE);
}

/* The PromQL of "query"; NULL with @reply set to the refusal. */
static Node *
param_expr(const Params *p, JobReply *reply)
{
    const char *text = params_get(p, "query");
    g_autoptr(GError) error = NULL;
    if (text == NULL || text[0] == '\0') {
        job_reply_error(reply, SOUP_STATUS_BAD_REQUEST, "invalid parameter \"query\": empty");
        return NULL;
    }
    Node *n = promql_parse(text, &error);
    if (n == NULL)
        job_reply_error(reply, SOUP_STATUS_BAD_REQUEST, "invalid parameter \"query\": %s",
                        error->message);
    return n;
}

static gboolean
param_time(const Params *p, const char *name, guint64 dflt, guint64 *ret_ns, JobReply *reply)
{
    g_autoptr(GError) error = NULL;
    const char *s = params_get(p, name);
    if (s == NULL || s[0] == '\0') {
        *ret_ns = dflt;
        return TRUE;
    }
    if (parse_time(s, name, ret_ns, &error))
        return TRUE;
    job_reply_error(reply, SOUP_STATUS_BAD_REQUEST, "%s", error->message);
    return FALSE;
}

/* The range rules, each refusal naming its limit. */
static gboolean
check_range(Daemon *d, guint64 start, guint64 end, guint64 step, JobReply *reply)
{
    const RondodConfig *c = d->config;
    if (end < start) {
        job_reply_error(reply, SOUP_STATUS_BAD_REQUEST,
                        "end timestamp must not be before start time");
        return FALSE;
    }
    if (step == 0) {
        job_reply_error(reply, SOUP_STATUS_BAD_REQUEST,
                        "zero or negative query resolution step widths are not accepted. "
                        "Try a positive integer");
        return FALSE;
    }
    if ((end - start) / RONDO_NS_PER_S > c->max_query_range_s) {
        metrics_rejected(d->metrics, "limit");
        job_reply_error(reply, SOUP_STATUS_UNPROCESSABLE_ENTITY,
                        "query range of %" G_GUINT64_FORMAT
                        "s exceeds the limit max_query_range=%" G_GUINT64_FORMAT "s",
                        (end - start) / RONDO_NS_PER_S, c->max_query_range_s);
        return FALSE;
    }
    if (eval_count_steps(start, end, step) > c->max_points_per_series) {
        metrics_rejected(d->metrics, "limit");
        job_reply_error(reply, SOUP_STATUS_BAD_REQUEST,
                        "exceeded maximum resolution of %" G_GUINT64_FORMAT
                        " points per timeseries (limit max_points_per_series). Try "
                        "decreasing the query resolution (?step=XX)",
                        c->max_points_per_series);
        return FALSE;
    }
    return TRUE;
}

/* The span of an instant query ("time", default now) into @q. */
static gboolean
instant_span(const Params *p, PromQuery *q, JobReply *reply)
{
    guint64 now = (guint64)g_get_real_time() * 1000, t;
    if (!param_time(p, "time", now, &t, reply))
        return FALSE;
    q->instant = TRUE;
    q->ctx.start_ns = q->ctx.end_ns = t;
    q->ctx.step_ns = 1;
    return TRUE;
}

/* The span of a range query ("start", "end", "step", all required) into @q. */
static gboolean
range_span(Daemon *d, const Params *p, PromQuery *q, JobReply *reply)
{
    guint64 start, end, step;
    g_autoptr(GError) error = NULL;
    const char *names[] = {"start", "end", "step"};
    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        if (params_get(p, names[i]) == NULL) {
            job_reply_error(reply, SOUP_STATUS_BAD_REQUEST, "missing parameter \"%s\"", names[i]);
            return FALSE;
        }
    }
    if (!param_time(p, "start", 0, &start, reply) || !param_time(p, "end", 0, &end, reply))
        return FALSE;
    if (!parse_duration(params_get(p, "step"), "step", &step, &error)) {
        job_reply_error(reply, SOUP_STATUS_BAD_REQUEST, "%s", error->message);
        return FALSE;
    }
    if (!check_range(d, start, end, step, reply))
        return FALSE;
    q->ctx.start_ns = start;
    q->ctx.end_ns = end;
    q->ctx.step_ns = step;
    return TRUE;
}

/* The query of /api/v1/query (@instant) or /query_range from @p; NULL with
 * @reply set to the refusal. */
static PromQuery *
prom_query_new(Daemon *d, const Params *p, gboolean instant, JobReply *reply)
{
    g_autofree PromQuery *q = g_new0(PromQuery, 1);
    if (!(instant ? instant_span(p, q, reply) : range_span(d, p, q, reply)))
        return NULL;
    q->expr = param_expr(p, reply);
    return q->expr != NULL ? g_steal_pointer(&q) : NULL;
}

/*
 * Where a query runs. Handing a query to a worker thread and its answer
 * back costs two thread wake-ups, more than a small query's evaluation,
 * so a query whose work is small by construction runs on the main loop:
 *   - at most INLINE_STEPS_MAX steps answered, and at most
 *     INLINE_WORK_STEPS_MAX computed, a subquery's own steps counted
 *     (eval_count_subquery_steps(): its inner expression runs once over
 *     the query's span and its range, at its step), so the work per
 *     series read stays small. A subquery's steps are only computed, not
 *     written out, which is why they get more room;
 *   - at most INLINE_SAMPLES_MAX points read. That is known only by
 *     trying: the evaluation stops at that budget, and a query that
 *     reaches it starts again in a worker thread with the whole
 *     max_samples.
 * So the main loop, and with it every other client, waits at most for
 * one such budget (about a millisecond), and the thread's bound on slow
 * work stays. A query answered inline takes no max_concurrent_queries
 * slot: it is over before the next request is read.
 */
#define INLINE_STEPS_MAX      256
#define INLINE_WORK_STEPS_MAX 512
#define INLINE_SAMPLES_MAX    G_GUINT64_CONSTANT(20000)

static gboolean
may_run_inline(const PromQuery *q)
{
    const EvalContext *c = &q->ctx;
    guint64 n_steps = eval_count_steps(c->start_ns, c->end_ns, c->step_ns);
    return n_steps <= INLINE_STEPS_MAX &&
           eval_count_subquery_steps(q->expr, c->end_ns - c->start_ns) <=
               INLINE_WORK_STEPS_MAX - n_steps;
}

/* Answers @q into @reply on the main loop if it stays within the inline
 * budget; FALSE: it did not run, @reply untouched. */
static gboolean
run_inline(Daemon *d, PromQuery *q, JobReply *reply)
{
    guint64 max = d->config->max_samples;
    if (!may_run_inline(q))
        return FALSE;
    q->ctx.max_samples = MIN(max, INLINE_SAMPLES_MAX);
    /* Under a max_samples within the budget, reaching it is the answer. */
    return prom_query_eval(q, reply, max > INLINE_SAMPLES_MAX);
}

static gboolean
query_wants(const StoreHandle *h, gconstpointer expr)
{
    return eval_reads_store(expr, h);
}

/* Answers @p's query into @reply on the main loop, or FALSE: it needs a
 * worker thread (or @heavy said so already), and @q (not freed) is ready
 * for one. */
static gboolean
answer_inline(Daemon *d, PromQuery *q, gboolean heavy, JobReply *reply)
{
    q->ctx.handles = registry_acquire_if(d->registry, query_wants, q->expr);
    if (heavy || !run_inline(d, q, reply))
        return FALSE;
    registry_release(g_steal_pointer(&q->ctx.handles));
    prom_query_free(q);
    return TRUE;
}

static void
handle_query(Daemon *d, SoupServerMessage *msg, const Params *p, gboolean instant)
{
    JobReply reply = {0};
    PromQuery *q = prom_query_new(d, p, instant, &reply);
    if (q == NULL || answer_inline(d, q, conns_is_heavy(d->conns, msg), &reply)) {
        job_reply_send(msg, &reply);
        job_reply_clear(&reply);
        return;
    }
    q->ctx.max_samples = d->config->max_samples;
    job_submit(d, msg, q->ctx.handles, prom_query_run, q, prom_query_free);
}

void
handle_prom_query(Daemon *d, SoupServerMessage *msg, const char *path, const Params *p)
{
    handle_query(d, msg, p, TRUE);
}

void
handle_prom_query_range(Daemon *d, SoupServerMessage *msg, const char *path, const Params *p)
{
    handle_query(d, msg, p, FALSE);
}

static gboolean
quick_query(Daemon *d, const Params *p, gboolean instant, JobReply *reply)
{
    PromQuery *q = prom_query_new(d, p, instant, reply);
    if (q == NULL || answer_inline(d, q, FALSE, reply))
        return TRUE;
    registry_release(q->ctx.handles);
    prom_query_free(q);
    return FALSE;
}

gboolean
quick_prom_query(Daemon *d, const char *path, const Params *p, JobReply *reply)
{
    return quick_query(d, p, TRUE, reply);
}

gboolean
quick_prom_query_range(Daemon *d, const char *path, const Params *p, JobReply *reply)
{
    return quick_query(d, p, FALSE, reply);
}

/* ------------------------------------------------ series, labels, values */

/* The selectors of match[]; NULL after answering 400. An empty array: all series. */
static GPtrArray *
param_matches(SoupServerMessage *msg, const Params *p, gboolean required)
{
    g_autofree const char **texts = params_get_all(p, "match[]");
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)promql_node_free);
    for (guint i = 0; texts[i] != NULL; i++) {
        g_autoptr(GError) error = NULL;
        Node *n = promql_parse(texts[i], &error);
        if (n == NULL || n->kind != NODE_SELECTOR) {
            http_respond_error(msg, SOUP_STATUS_BAD_REQUEST, "invalid parameter \"match[]\": %s",
                               n ? "must be a series selector" : error->message);
            promql_node_free(n);
            return NULL;
        }
        g_ptr_array_add(out, n);
    }
    if (required && out->len == 0) {
        http_respond_error(msg, SOUP_STATUS_BAD_REQUEST, "no match[] parameter provided");
        return NULL;
    }
    return g_steal_pointer(&out);
}

/* What /series, /labels and /label/<name>/values look at: the match[]
 * selectors (none: every series) and, if start or end was given, only the
 * series with a point between them, in any tier (as Prometheus answers
 * from the blocks overlapping the range). */
typedef struct {
    GPtrArray *sels; /* Node*, NODE_SELECTOR */
    gboolean timed;
    guint64 start_ns, end_ns;
} SeriesFilter;

/* match[] (@required or not), start and end; FALSE after answering 400. */
static gboolean
series_filter_init(SeriesFilter *f, SoupServerMessage *msg, const Params *p, gboolean required)
{
    const char *start = params_get(p, "start"), *end = params_get(p, "end");
    f->timed = (start != NULL && start[0] != '\0') || (end != NULL && end[0] != '\0');
    f->sels = param_matches(msg, p, required);
    if (f->sels == NULL)
        return FALSE;
    JobReply reply = {0};
    if (param_time(p, "start", 0, &f->start_ns, &reply) &&
        param_time(p, "end", G_MAXUINT64, &f->end_ns, &reply))
        return TRUE;
    job_reply_send(msg, &reply);
    job_reply_clear(&reply);
    return FALSE;
}

static void
series_filter_clear(SeriesFilter *f)
{
    g_clear_pointer(&f->sels, g_ptr_array_unref);
}

static gboolean
has_point_between(const StoreHandle *h, const RondoSeries *s, guint64 from_ns, guint64 to_ns)
{
    RondoQueryIter it;
    guint64 t;
    double v;
    if (from_ns > to_ns ||
        !rondo_query_iter_init_auto(&it, h->store, s, RONDO_CF_AVERAGE, from_ns, to_ns, NULL))
        return FALSE;
    while (rondo_query_iter_next(&it, &t, &v)) {
        if (!isnan(v)) /* NaN: an empty slot */
            return TRUE;
    }
    return FALSE;
}

static gboolean
series_filter_accepts(const SeriesFilter *f, const StoreHandle *h, const RondoSeries *s)
{
    gboolean matched = f->sels->len == 0;
    for (guint i = 0; !matched && i < f->sels->len; i++) {
        const Node *n = g_ptr_array_index(f->sels, i);
        matched = series_matches(h, s, n->matchers);
    }
    return matched && (!f->timed || has_point_between(h, s, f->start_ns, f->end_ns));
}

typedef void (*SeriesVisit)(const StoreHandle *h, const RondoSeries *s, gpointer data);

/* A store some series of which the filter's selectors accept (each, without match[]). */
static gboolean
filter_wants(const StoreHandle *h, gconstpointer data)
{
    const SeriesFilter *f = data;
    gboolean wanted = f->sels->len == 0;
    for (guint i = 0; !wanted && i < f->sels->len; i++)
        wanted = eval_reads_store(g_ptr_array_index(f->sels, i), h);
    return wanted;
}

static void
each_matching(Daemon *d, const SeriesFilter *f, SeriesVisit fn, gpointer data)
{
    GPtrArray *handles = registry_acquire_if(d->registry, filter_wants, f);
    for (guint i = 0; i < handles->len; i++) {
        const StoreHandle *h = g_ptr_array_index(handles, i);
        for (guint id = 0; id < rondo_store_get_n_series(h->store); id++) {
            const RondoSeries *s = rondo_store_get_series(h->store, id);
            if (series_filter_accepts(f, h, s))
                fn(h, s, data);
        }
    }
    registry_release(handles);
}

static void
visit_series(const StoreHandle *h, const RondoSeries *s, gpointer data)
{
    g_ptr_array_add(data, series_labelset(h, s));
}

static gint
labelset_cmp(gconstpointer a, gconstpointer b)
{
    return labels_cmp(*(char *const *const *)a, *(char *const *const *)b);
}

/* Every matching series' label set, sorted as Prometheus sorts them. */
void
handle_prom_series(Daemon *d, SoupServerMessage *msg, const char *path, const Params *p)
{
    SeriesFilter f = {0};
    if (!series_filter_init(&f, msg, p, TRUE)) {
        series_filter_clear(&f);
        return;
    }
    g_autoptr(GPtrArray) sets = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    each_matching(d, &f, visit_series, sets);
    series_filter_clear(&f);
    g_ptr_array_sort(sets, labelset_cmp);
    GString *out = g_string_new("[");
    for (guint i = 0; i < sets->len; i++) {
        if (i > 0)
            g_string_append_c(out, ',');
        labels_write_json(out, g_ptr_array_index(sets, i));
    }
    g_string_append_c(out, ']');
    http_respond_success(msg, out);
}

static void
visit_label_names(const StoreHandle *h, const RondoSeries *s, gpointer data)
{
    series_add_label_names(s, data);
}

typedef struct {
    const char *name;
    GHashTable *values;
} ValuesVisit;

static void
visit_label_values(const StoreHandle *h, const RondoSeries *s, gpointer data)
{
    ValuesVisit *v = data;
    const char *value = series_label_value(h, s, v->name);
    if (value[0] != '\0')
        labels_set_add(v->values, value);
}

static void
respond_sorted_set(SoupServerMessage *msg, GHashTable *set)
{
    g_autofree const char **keys = (const char **)g_hash_table_get_keys_as_array(set, NULL);
    guint n = g_hash_table_size(set);
    qsort(keys, n, sizeof *keys, str_ptr_cmp);
    GString *out = g_string_new("[");
    for (guint i = 0; i < n; i++) {
        if (i > 0)
            g_string_append_c(out, ',');
        json_append_string(out, keys[i]);
    }
    g_string_append_c(out, ']');
    http_respond_success(msg, out);
}

void
handle_prom_labels(Daemon *d, SoupServerMessage *msg, const char *path, const Params *p)
{
    SeriesFilter f = {0};
    if (!series_filter_init(&f, msg, p, FALSE)) {
        series_filter_clear(&f);
        return;
    }
    g_autoptr(GHashTable) names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    each_matching(d, &f, visit_label_names, names);
    series_filter_clear(&f);
    respond_sorted_set(msg, names);
}

static gboolean
label_name_is_valid(const char *s)
{
    if (!g_ascii_isalpha(s[0]) && s[0] != '_')
        return FALSE;
    for (; *s; s++) {
        if (!g_ascii_isalnum(*s) && *s != '_')
            return FALSE;
    }
    return TRUE;
}

void
handle_prom_label_values(Daemon *d, SoupServerMessage *msg, const char *path, const Params *p)
{
    const char *rest = path + strlen("/api/v1/label/");
    const char *slash = strchr(rest, '/');
    g_autofree char *name = slash ? g_strndup(rest, (gsize)(slash - rest)) : NULL;
    if (name == NULL || !g_str_equal(slash, "/values") || !label_name_is_valid(name)) {
        http_respond_error(msg, SOUP_STATUS_BAD_REQUEST, "invalid label name in the path");
        return;
    }
    SeriesFilter f = {0};
    if (!series_filter_init(&f, msg, p, FALSE)) {
        series_filter_clear(&f);
        return;
    }
    ValuesVisit v = {name, g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL)};
    each_matching(d, &f, visit_label_values, &v);
    series_filter_clear(&f);
    respond_sorted_set(msg, v.values);
    g_hash_table_unref(v.values);
}

void
handle_prom_buildinfo(Daemon *d, SoupServerMessage *msg, const char *path, const Params *p)
{
    GString *out = g_string_new(NULL);
    g_string_append_printf(
        out,
        "{\"version\":\"%s\",\"revision\":\"\",\"branch\":\"\","
        "\"buildUser\":\"\",\"buildDate\":\"\",\"goVersion\":\"none (rondod, C)\"}",
        PACKAGE_VERSION);
    http_respond_success(msg, out);
}

typedef struct {
    const char *metric;  /* NULL: every metric */
    GHashTable *by_name; /* name -> GPtrArray of distinct JSON entries */
} MetadataVisit;

/* A series' description as Prometheus lists it; a series registered
 * without one is not listed (Prometheus lists what targets declared). */
static void
visit_metadata(const StoreHandle *h, const RondoSeries *s, gpointer data)
{
    MetadataVisit *v = data;
    const char *name = rondo_series_get_name(s);
    RondoSeriesType type = rondo_series_get_type(s);
    if ((v->metric != NULL && !g_str_equal(v->metric, name)) ||
        (type == RONDO_SERIES_UNKNOWN && !*rondo_series_get_help(s) && !*rondo_series_get_unit(s)))
        return;
    GString *e = g_string_new("{\"type\":");
    json_append_string(e, rondo_series_type_to_string(type));
    g_string_append(e, ",\"help\":");
    json_append_string(e, rondo_series_get_help(s));
    g_string_append(e, ",\"unit\":");
    json_append_string(e, rondo_series_get_unit(s));
    g_string_append_c(e, '}');
    GPtrArray *entries = g_hash_table_lookup(v->by_name, name);
    if (entries == NULL) {
        entries = g_ptr_array_new_with_free_func(g_free);
        g_hash_table_insert(v->by_name, g_strdup(name), entries);
    }
    if (!g_ptr_array_find_with_equal_func(entries, e->str, g_str_equal, NULL))
        g_ptr_array_add(entries, g_string_free(e, FALSE));
    else
        g_string_free(e, TRUE);
}

/* /api/v1/metadata: what the writers said of each metric name, sorted by
 * name; `metric` picks one name, `limit` caps the number of names. */
void
handle_prom_metadata(Daemon *d, SoupServerMessage *msg, const char *path, const Params *p)
{
    const char *limit_s = params_get(p, "limit");
    gint64 limit = -1;
    if (limit_s != NULL &&
        !g_ascii_string_to_signed(limit_s, 10, G_MININT64, G_MAXINT64, &limit, NULL)) {
        http_respond_error(msg, SOUP_STATUS_BAD_REQUEST, "limit is not an integer: %s", limit_s);
        return;
    }
    MetadataVisit v = {
        params_get(p, "metric"),
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref)};
    g_autoptr(GPtrArray) every = g_ptr_array_new(); /* no match[]: every series */
    SeriesFilter all = {every, FALSE, 0, 0};
    each_matching(d, &all, visit_metadata, &v);
    g_autofree const char **names = (const char **)g_hash_table_get_keys_as_array(v.by_name, NULL);
    guint n = g_hash_table_size(v.by_name);
    qsort(names, n, sizeof *names, str_ptr_cmp);
    GString *out = g_string_new("{");
    for (guint i = 0; i < n && (limit < 0 || i < limit); i++) {
        GPtrArray *entries = g_hash_table_lookup(v.by_name, names[i]);
        g_string_append(out, i ? "," : "");
        json_append_string(out, names[i]);
        g_string_append(out, ":[");
        for (guint j = 0; j < entries->len; j++)
            g_string_append_printf(out, "%s%s", j ? "," : "", (char *)entries->pdata[j]);
        g_string_append_c(out, ']');
    }
    g_string_append_c(out, '}');
    g_hash_table_unref(v.by_name);
    http_respond_success(msg, out);
}

void
handle_prom_exemplars(Daemon *d, SoupServerMessage *msg, const char *path, const Params *p)
{
    http_respond_success(msg, g_string_new("[]"));
}

void
handle_prom_unknown(Daemon *d, SoupServerMessage *msg, const char *path, const Params *p)
{
    http_respond_error(msg, SOUP_STATUS_NOT_FOUND, "no such API endpoint: %s", path);
}
