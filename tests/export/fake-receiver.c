/* fake-receiver.c - see fake-receiver.h. One thread owns the server and its
 * main context; the test thread reads the results under a mutex. */
#include "config.h"
#include <libsoup/soup.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "decode.h"
#include "fake-receiver.h"

/* The exporter's largest batch (rondo_exporter_set_batch()). */
#define BODY_BYTES_MAX ((gsize)256 << 20)

struct _FakeReceiver {
    GThread *thread;
    GMainContext *context;
    GMainLoop *loop;
    SoupServer *server;
    char *url;
    GMutex lock; /* guards everything below, and url until ready */
    GCond ready;
    GQueue script; /* char* items */
    guint latency_ms;
    GPid kill_pid;
    GArray *samples; /* FakeSample */
    GArray *request_sizes;
    GString *metadata; /* "name type unit help\n" per MetricMetadata accepted */
    guint n_requests, max_samples;
    gsize max_bytes;
    GString *violations;
    char *authorization;
    GHashTable *ports; /* the remote port of each connection a request came on */
    GPtrArray *hung;   /* SoupServerMessage*, never answered ("hang") */
};

static void
violation(FakeReceiver *r, const char *what)
{
    if (r->violations->len < 4096)
        g_string_append_printf(r->violations, "%s; ", what);
}

static void
check_headers(FakeReceiver *r, SoupMessageHeaders *h)
{
    const char *ua = soup_message_headers_get_one(h, "User-Agent");
    if (g_strcmp0(soup_message_headers_get_one(h, "Content-Encoding"), "snappy") != 0)
        violation(r, "Content-Encoding is not snappy");
    if (g_strcmp0(soup_message_headers_get_one(h, "Content-Type"), "application/x-protobuf") != 0)
        violation(r, "Content-Type is not application/x-protobuf");
    if (g_strcmp0(soup_message_headers_get_one(h, "X-Prometheus-Remote-Write-Version"), "0.1.0") !=
        0)
        violation(r, "no X-Prometheus-Remote-Write-Version: 0.1.0");
    if (ua == NULL || !g_str_has_prefix(ua, "rondo/"))
        violation(r, "User-Agent is not rondo/VERSION");
    g_free(r->authorization);
    r->authorization = g_strdup(soup_message_headers_get_one(h, "Authorization"));
}

static char *
series_key(FakeReceiver *r, const Prometheus__TimeSeries *ts)
{
    GString *key = g_string_new(NULL);
    const char *name = "";
    for (gsize i = 0; i < ts->n_labels; i++) {
        const Prometheus__Label *l = ts->labels[i];
        if (l->name[0] == '\0' || l->value[0] == '\0')
            violation(r, "empty label name or value");
        if (i > 0 && strcmp(ts->labels[i - 1]->name, l->name) >= 0)
            violation(r, "labels not sorted or not unique");
        if (g_str_equal(l->name, "__name__"))
            name = l->value;
        else
            g_string_append_printf(key, "%s%s=%s", key->len ? "," : "", l->name, l->value);
    }
    char *full = g_strdup_printf("%s{%s}", name, key->str);
    g_string_free(key, TRUE);
    return full;
}

/* Decodes a request; NULL (and a violation) if it is not a valid one. */
static Prometheus__WriteRequest *
decode(FakeReceiver *r, GBytes *body)
{
    gsize n = 0, out_n = 0;
    const char *data = g_bytes_get_data(body, &n);
    const char *problem = NULL;
    Prometheus__WriteRequest *req = write_request_decode(data, n, BODY_BYTES_MAX, &out_n, &problem);
    if (req == NULL) {
        violation(r, problem);
        return NULL;
    }
    r->max_bytes = MAX(r->max_bytes, out_n);
    return req;
}

static void
accept_request(FakeReceiver *r, const Prometheus__WriteRequest *req)
{
    guint n = 0;
    for (gsize i = 0; i < req->n_timeseries; i++) {
        const Prometheus__TimeSeries *ts = req->timeseries[i];
        g_autofree char *key = series_key(r, ts);
        for (gsize j = 0; j < ts->n_samples; j++, n++) {
            if (j > 0 && ts->samples[j]->timestamp <= ts->samples[j - 1]->timestamp)
                violation(r, "samples not in time order");
            FakeSample s = {g_strdup(key), ts->samples[j]->timestamp, ts->samples[j]->value};
            g_array_append_val(r->samples, s);
        }
    }
    r->max_samples = MAX(r->max_samples, n);
    g_array_append_val(r->request_sizes, n);
    for (gsize i = 0; i < req->n_metadata; i++) {
        const Prometheus__MetricMetadata *md = req->metadata[i];
        g_string_append_printf(r->metadata, "%s %d %s %s\n", md->metric_family_name, (int)md->type,
                               md->unit, md->help);
    }
}

typedef struct {
    FakeReceiver *r;
    SoupServerMessage *msg;
    Prometheus__WriteRequest *req;
} Delayed;

static gboolean
answer_later(gpointer data)
{
    Delayed *d = data;
    g_mutex_lock(&d->r->lock);
    if (d->req)
        accept_request(d->r, d->req);
    g_mutex_unlock(&d->r->lock);
    soup_server_message_set_status(d->msg, 200, NULL);
    soup_server_message_unpause(d->msg);
    if (d->req)
        prometheus__write_request__free_unpacked(d->req, NULL);
    g_object_unref(d->msg);
    g_free(d);
    return G_SOURCE_REMOVE;
}

static void
answer(FakeReceiver *r, SoupServerMessage *msg, Prometheus__WriteRequest *req, guint delay_ms)
{
    Delayed *d = g_new0(Delayed, 1);
    d->r = r;
    d->msg = g_object_ref(msg);
    d->req = req;
    soup_server_message_pause(msg);
    GSource *src = g_timeout_source_new(delay_ms);
    g_source_set_callback(src, answer_later, d, NULL);
    g_source_attach(src, r->context);
    g_source_unref(src);
}

/* Retry-After: @seconds as a number, else @date_s from now as an HTTP-date. */
static void
set_retry_after(SoupServerMessage *msg, guint seconds, guint date_s)
{
    SoupMessageHeaders *h = soup_server_message_get_response_headers(msg);
    if (seconds > 0) {
        g_autofree char *ra = g_strdup_printf("%u", seconds);
        soup_message_headers_append(h, "Retry-After", ra);
    } else if (date_s > 0) {
        g_autoptr(GDateTime) now = g_date_time_new_now_utc();
        g_autoptr(GDateTime) when = g_date_time_add_seconds(now, date_s);
        g_autofree char *ra = soup_date_time_to_string(when, SOUP_DATE_HTTP);
        soup_message_headers_append(h, "Retry-After", ra);
    }
}

static void
handle_write(SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
             gpointer user)
{
    FakeReceiver *r = user;
    g_autoptr(GBytes) body = soup_message_body_flatten(soup_server_message_get_request_body(msg));

    GSocketAddress *peer = soup_server_message_get_remote_address(msg);
    g_mutex_lock(&r->lock);
    r->n_requests++;
    g_hash_table_add(r->ports,
                     GUINT_TO_POINTER(g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(peer))));
    check_headers(r, soup_server_message_get_request_headers(msg));
    Prometheus__WriteRequest *req = decode(r, body);
    g_autofree char *item = g_queue_pop_head(&r->script);
    guint status = req ? 200 : 400, retry_after = 0, retry_date = 0, slow_ms = r->latency_ms;
    gboolean killed = FALSE, hang = FALSE;
    if (req == NULL || item == NULL)
        ;
    else if (g_str_has_prefix(item, "slow:"))
        slow_ms = (guint)g_ascii_strtoull(item + 5, NULL, 10);
    else if (g_str_equal(item, "hang"))
        hang = TRUE;
    else if (strchr(item, '@') != NULL && sscanf(item, "%u@%u", &status, &retry_date) == 2)
        ;
    else if (g_str_equal(item, "kill") && r->kill_pid > 0) {
        accept_request(r, req); /* accepted, but the sender never hears of it */
        kill(r->kill_pid, SIGKILL);
        killed = TRUE;
    } else if (sscanf(item, "%u:%u", &status, &retry_after) < 1)
        status = 500;
    if (hang) {
        g_ptr_array_add(r->hung, g_object_ref(msg));
        soup_server_message_pause(msg);
    }
    g_mutex_unlock(&r->lock);

    if (hang) {
        if (req)
            prometheus__write_request__free_unpacked(req, NULL);
        return;
    }
    if (killed || status != 200) {
        g_autofree char *text = g_strdup_printf("fake receiver says %u", status);
        set_retry_after(msg, retry_after, retry_date);
        soup_server_message_set_status(msg, status, NULL);
        soup_server_message_set_response(msg, "text/plain", SOUP_MEMORY_COPY, text, strlen(text));
        if (req)
            prometheus__write_request__free_unpacked(req, NULL);
        return;
    }
    answer(r, msg, req, slow_ms);
}

static gpointer
receiver_thread(gpointer data)
{
    FakeReceiver *r = data;
    g_autoptr(GError) error = NULL;

    g_main_context_push_thread_default(r->context);
    r->server = soup_server_new("server-header", "fake-receiver", NULL);
    soup_server_add_handler(r->server, "/api/v1/write", handle_write, r, NULL);
    if (!soup_server_listen_local(r->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
        g_error("fake receiver: %s", error->message);
    GSList *uris = soup_server_get_uris(r->server);
    g_mutex_lock(&r->lock);
    r->url = g_strdup_printf("http://127.0.0.1:%d/api/v1/write", g_uri_get_port(uris->data));
    g_cond_signal(&r->ready);
    g_mutex_unlock(&r->lock);
    g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
    g_main_loop_run(r->loop);
    g_ptr_array_set_size(r->hung, 0);
    soup_server_disconnect(r->server);
    g_clear_object(&r->server);
    g_main_context_pop_thread_default(r->context);
    return NULL;
}

FakeReceiver *
fake_receiver_new(void)
{
    FakeReceiver *r = g_new0(FakeReceiver, 1);
    g_mutex_init(&r->lock);
    g_cond_init(&r->ready);
    g_queue_init(&r->script);
    r->samples = g_array_new(FALSE, FALSE, sizeof(FakeSample));
    r->request_sizes = g_array_new(FALSE, FALSE, sizeof(guint));
    r->metadata = g_string_new(NULL);
    r->violations = g_string_new(NULL);
    r->ports = g_hash_table_new(NULL, NULL);
    r->hung = g_ptr_array_new_with_free_func(g_object_unref);
    r->context = g_main_context_new();
    r->loop = g_main_loop_new(r->context, FALSE);
    r->thread = g_thread_new("fake-receiver", receiver_thread, r);
    g_mutex_lock(&r->lock);
    while (r->url == NULL)
        g_cond_wait(&r->ready, &r->lock);
    g_mutex_unlock(&r->lock);
    return r;
}

static gboolean
quit_loop(gpointer data)
{
    g_main_loop_quit(data);
    return G_SOURCE_REMOVE;
}

void
fake_receiver_free(FakeReceiver *r)
{
    if (r == NULL)
        return;
    g_main_context_invoke(r->context, quit_loop, r->loop);
    g_thread_join(r->thread);
    g_main_loop_unref(r->loop);
    g_main_context_unref(r->context);
    g_queue_clear_full(&r->script, g_free);
    fake_samples_free(r->samples);
    g_array_unref(r->request_sizes);
    g_string_free(r->metadata, TRUE);
    g_string_free(r->violations, TRUE);
    g_free(r->authorization);
    g_hash_table_unref(r->ports);
    g_ptr_array_unref(r->hung);
    g_free(r->url);
    g_mutex_clear(&r->lock);
    g_cond_clear(&r->ready);
    g_free(r);
}

const char *
fake_receiver_url(FakeReceiver *r)
{
    return r->url;
}

void
fake_receiver_script(FakeReceiver *r, const char *script)
{
    g_auto(GStrv) items = g_strsplit(script, ",", -1);
    g_mutex_lock(&r->lock);
    for (guint i = 0; items[i]; i++)
        g_queue_push_tail(&r->script, g_strdup(items[i]));
    g_mutex_unlock(&r->lock);
}

void
fake_receiver_set_latency(FakeReceiver *r, guint ms)
{
    g_mutex_lock(&r->lock);
    r->latency_ms = ms;
    g_mutex_unlock(&r->lock);
}

void
fake_receiver_set_kill_pid(FakeReceiver *r, GPid pid)
{
    g_mutex_lock(&r->lock);
    r->kill_pid = pid;
    g_mutex_unlock(&r->lock);
}

void
fake_samples_free(GArray *samples)
{
    for (guint i = 0; i < samples->len; i++)
        g_free(g_array_index(samples, FakeSample, i).key);
    g_array_unref(samples);
}

GArray *
fake_receiver_samples(FakeReceiver *r)
{
    g_mutex_lock(&r->lock);
    GArray *copy = g_array_sized_new(FALSE, FALSE, sizeof(FakeSample), r->samples->len);
    for (guint i = 0; i < r->samples->len; i++) {
        FakeSample s = g_array_index(r->samples, FakeSample, i);
        s.key = g_strdup(s.key);
        g_array_append_val(copy, s);
    }
    g_mutex_unlock(&r->lock);
    return copy;
}

#define GETTER(type, name, expr)                                                                   \
    type name(FakeReceiver *r)                                                                     \
    {                                                                                              \
        g_mutex_lock(&r->lock);                                                                    \
        type v = (expr);                                                                           \
        g_mutex_unlock(&r->lock);                                                                  \
        return v;                                                                                  \
    }

GETTER(guint, fake_receiver_n_requests, r->n_requests)
GETTER(guint, fake_receiver_n_connections, g_hash_table_size(r->ports))
GETTER(guint, fake_receiver_max_request_samples, r->max_samples)
GETTER(gsize, fake_receiver_max_request_bytes, r->max_bytes)
GETTER(char *, fake_receiver_violations, g_strdup(r->violations->str))
GETTER(char *, fake_receiver_last_authorization, g_strdup(r->authorization))
GETTER(GArray *, fake_receiver_request_sizes, g_array_copy(r->request_sizes))
GETTER(char *, fake_receiver_metadata, g_strdup(r->metadata->str))
