/* export-http.c - one remote-write POST through libsoup, and its verdict.
 *
 * Why libsoup: rondod already maps libsoup and gio for its own HTTP server,
 * so the exporter adds no HTTP client of its own, and no TLS library at all
 * for an http:// receiver (glib-networking's GnuTLS module is loaded by the
 * first TLS handshake). libcurl cost rondod about 5 MiB resident: OpenSSL
 * started by curl_global_init, GnuTLS through libcurl's dependencies.
 *
 * Threads: an exporter may be created in one thread and post from another
 * (rondod creates it on its main loop and pushes from a worker). libsoup
 * 3.2 lets any thread send, but binds a session to the thread-default main
 * context it was created under, and keeps every other session call to that
 * thread. So each ExportHttp owns a private GMainContext: the session is
 * created by the first post with that context pushed, and every post
 * pushes it, starts the asynchronous send and iterates the context until
 * the answer is read. Every libsoup callback, timer and connection source
 * runs inside export_http_post(), in the posting thread; posts never
 * overlap (an exporter is used by one thread at a time), and
 * export_http_free() pushes the same context once no post can run.
 *
 * Stopping a post: the request timer (the whole request, as libcurl's
 * CURLOPT_TIMEOUT_MS), the connect timer (armed by a new connection's first
 * network event, disarmed when it is complete: resolving, TCP, proxy and
 * TLS handshake, as CURLOPT_CONNECTTIMEOUT_MS) and @cancelled (set by any
 * thread, which then wakes the context: export_http_wake()) all cancel the
 * post's GCancellable from inside the context. Why it was cancelled, not
 * the error libsoup reports, decides the verdict.
 *
 * Invariants:
 *   1. No libsoup object is touched outside the private context, pushed.
 *   2. A post ends with its answer read to the end or an error, so its
 *      connection is either idle (and reused by the next post: see
 *      message_new() for why a POST must be marked idempotent) or closed.
 *   3. At most EXPORT_MESSAGE_MAX bytes of an answer are kept; the rest is
 *      read and dropped, within the request timeout.
 *
 * What an answer means for delivery is decided here, in one table
 * (export_verdict_for_status), and applied by export.c.
 */
#include "config.h"
#include <libsoup/soup.h>
#include <string.h>
#include "export.h"

/* Sources left ready by a finished post (a connection going back to idle)
 * are run before the next one starts, at most this many. */
#define HTTP_FLUSH_MAX 64

struct _ExportHttp {
    GUri *uri;
    const gint *cancelled;
    GMainContext *context; /* private: every libsoup callback runs in it */
    SoupSession *session;  /* made by the first post, in its thread */
    char *authorization;   /* the header's value, or NULL */
    guint connect_ms, request_ms;
};

/* Why a post was stopped before libsoup finished it. */
typedef enum {
    POST_RUNNING,
    POST_CANCELLED,
    POST_CONNECT_TIMEOUT,
    POST_REQUEST_TIMEOUT,
} PostStop;

/* One POST in flight; lives on export_http_post()'s stack. */
typedef struct {
    ExportHttp *h;
    SoupMessage *msg;
    GCancellable *cancellable;
    GInputStream *answer;
    GString *text; /* the answer's body, up to EXPORT_MESSAGE_MAX */
    GSource *request_timer, *connect_timer;
    GError *error;
    PostStop stop;
    gboolean done;
    char chunk[4096];
} Post;

void
export_answer_clear(ExportAnswer *answer)
{
    g_clear_pointer(&answer->message, g_free);
}

/* ------------------------------------------------------------ settings */

static GUri *
http_uri_parse(const char *url, GError **error)
{
    g_autoptr(GError) local = NULL;
    g_autoptr(GUri) uri = url ? g_uri_parse(url, SOUP_HTTP_URI_FLAGS, &local) : NULL;
    const char *scheme = uri ? g_uri_get_scheme(uri) : "";
    const char *host = uri ? g_uri_get_host(uri) : NULL;
    if (uri != NULL && g_ascii_strcasecmp(scheme, "http") != 0 &&
        g_ascii_strcasecmp(scheme, "https") != 0) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_INVALID,
                    "remote-write URL “%s” is not an http:// or https:// URL", url);
        return NULL;
    }
    if (uri == NULL || host == NULL || *host == '\0') {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_INVALID,
                    "remote-write URL “%s” is not a valid URL%s%s", url ? url : "",
                    local ? ": " : " (no host)", local ? local->message : "");
        return NULL;
    }
    return g_steal_pointer(&uri);
}

/* Credentials in the URL (http://user:password@host/) are basic auth, sent
 * with every request as libcurl did; the URL keeps no userinfo. */
static void
http_take_userinfo(ExportHttp *h)
{
    const char *user = g_uri_get_user(h->uri);
    if (user == NULL)
        return;
    export_http_set_basic(h, user, g_uri_get_password(h->uri));
    GUri *bare = soup_uri_copy(h->uri, SOUP_URI_USER, NULL, SOUP_URI_PASSWORD, NULL, SOUP_URI_NONE);
    g_uri_unref(h->uri);
    h->uri = bare;
}

ExportHttp *
export_http_new(const char *url, const gint *cancelled, GError **error)
{
    g_assert(cancelled != NULL);
    GUri *uri = http_uri_parse(url, error);
    if (uri == NULL)
        return NULL;
    ExportHttp *h = g_new0(ExportHttp, 1);
    h->uri = uri;
    h->cancelled = cancelled;
    h->context = g_main_context_new();
    http_take_userinfo(h);
    export_http_set_timeouts(h, 5000, 30000);
    return h;
}

/* Runs what is ready in the private context (pushed), without blocking. */
static void
http_flush(ExportHttp *h)
{
    for (guint i = 0; i < HTTP_FLUSH_MAX && g_main_context_iteration(h->context, FALSE); i++)
        ;
}

static void
http_forget_authorization(ExportHttp *h)
{
    if (h->authorization != NULL)
        explicit_bzero(h->authorization, strlen(h->authorization));
    g_clear_pointer(&h->authorization, g_free);
}

void
export_http_free(ExportHttp *h)
{
    if (h == NULL)
        return;
    if (h->session != NULL) {
        /* No post runs now: the context is free for this thread (invariant 1). */
        g_main_context_push_thread_default(h->context);
        soup_session_abort(h->session);
        g_clear_object(&h->session);
        http_flush(h);
        g_main_context_pop_thread_default(h->context);
    }
    g_main_context_unref(h->context);
    g_uri_unref(h->uri);
    http_forget_authorization(h);
    g_free(h);
}

void
export_http_set_bearer(ExportHttp *h, const char *token)
{
    http_forget_authorization(h);
    if (token != NULL)
        h->authorization = g_strconcat("Bearer ", token, NULL);
}

void
export_http_set_basic(ExportHttp *h, const char *user, const char *password)
{
    http_forget_authorization(h);
    if (user == NULL)
        return;
    g_autofree char *pair = g_strconcat(user, ":", password ? password : "", NULL);
    g_autofree char *b64 = g_base64_encode((const guchar *)pair, strlen(pair));
    h->authorization = g_strconcat("Basic ", b64, NULL);
    explicit_bzero(pair, strlen(pair));
    explicit_bzero(b64, strlen(b64));
}

void
export_http_set_timeouts(ExportHttp *h, guint connect_ms, guint request_ms)
{
    g_assert(connect_ms > 0 && request_ms > 0);
    h->connect_ms = connect_ms;
    h->request_ms = request_ms;
}

void
export_http_wake(ExportHttp *h)
{
    g_main_context_wakeup(h->context);
}

/* ------------------------------------------------------------- proxies */

/* The first of @names set and not empty in the environment, or NULL. */
static const char *
env_first(const char *const *names)
{
    for (; *names != NULL; names++) {
        const char *v = g_getenv(*names);
        if (v != NULL && *v != '\0')
            return v;
    }
    return NULL;
}

/* The proxy for @scheme as libcurl chose it: http_proxy (lower case only:
 * HTTP_PROXY can be set by a CGI request), https_proxy or HTTPS_PROXY, else
 * all_proxy or ALL_PROXY. A proxy without a scheme is an HTTP proxy. */
static char *
env_proxy_for(const char *scheme)
{
    static const char *const http[] = {"http_proxy", "all_proxy", "ALL_PROXY", NULL};
    static const char *const https[] = {"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
                                        NULL};
    const char *proxy = env_first(g_ascii_strcasecmp(scheme, "https") == 0 ? https : http);
    if (proxy == NULL)
        return NULL;
    return strstr(proxy, "://") ? g_strdup(proxy) : g_strconcat("http://", proxy, NULL);
}

/* A resolver for the environment's proxy settings, NULL for direct
 * connections. Not GIO's default resolver: glib-networking's would load
 * libproxy and its configuration modules into rondod for a rule as simple
 * as this one. no_proxy "*" turns proxies off; its other entries (host,
 * .domain, IP address or range) go to GSimpleProxyResolver's ignore list. */
static GProxyResolver *
proxy_resolver_from_env(const char *scheme)
{
    static const char *const no_proxy[] = {"no_proxy", "NO_PROXY", NULL};
    g_autofree char *proxy = env_proxy_for(scheme);
    const char *ignore = env_first(no_proxy);
    g_auto(GStrv) hosts = g_strsplit(ignore ? ignore : "", ",", -1);
    for (guint i = 0; hosts[i] != NULL; i++)
        g_strstrip(hosts[i]);
    if (proxy == NULL || (hosts[0] != NULL && hosts[1] == NULL && g_str_equal(hosts[0], "*")))
        return NULL;
    return g_simple_proxy_resolver_new(proxy, hosts);
}

/* -------------------------------------------------------------- session */

/* The session, made in the posting thread with the private context pushed.
 * No I/O timeout of libsoup's (60 s by default): the timers of the post
 * bound it, whatever the request timeout is. */
static SoupSession *
http_session(ExportHttp *h)
{
    if (h->session != NULL)
        return h->session;
    g_autofree char *agent = g_strdup_printf("rondo/%s", PACKAGE_VERSION);
    g_autoptr(GProxyResolver) proxy = proxy_resolver_from_env(g_uri_get_scheme(h->uri));
    h->session = soup_session_new();
    soup_session_set_user_agent(h->session, agent);
    soup_session_set_timeout(h->session, 0);
    soup_session_set_proxy_resolver(h->session, proxy); /* NULL: direct */
    /* no Accept-Encoding: a receiver's message is short text */
    soup_session_remove_feature_by_type(h->session, SOUP_TYPE_CONTENT_DECODER);
    return h->session;
}

/* A new POST of @body. Marked idempotent: libsoup sends a request that is
 * not on a fresh connection otherwise, and keep-alive between batches is
 * the point; a batch sent twice is harmless (delivery is at-least-once).
 * Redirects are not followed, as libcurl did not: libsoup would turn a
 * POST into a GET on 301, 302 or 303. No Expect: 100-continue is sent. */
static SoupMessage *
message_new(ExportHttp *h, GBytes *body)
{
    SoupMessage *msg = soup_message_new_from_uri(SOUP_METHOD_POST, h->uri);
    SoupMessageHeaders *hd = soup_message_get_request_headers(msg);
    soup_message_headers_replace(hd, "Content-Encoding", "snappy");
    soup_message_headers_replace(hd, "X-Prometheus-Remote-Write-Version", "0.1.0");
    if (h->authorization != NULL)
        soup_message_headers_replace(hd, "Authorization", h->authorization);
    soup_message_set_request_body_from_bytes(msg, "application/x-protobuf", body);
    soup_message_add_flags(msg, SOUP_MESSAGE_IDEMPOTENT | SOUP_MESSAGE_NO_REDIRECT);
    return msg;
}

/* ------------------------------------------------------------ the post */

/* Stops @p for @why unless it has finished (a timer may fire in the same
 * iteration as the last read). */
static void
post_stop(Post *p, PostStop why)
{
    if (p->done || p->stop != POST_RUNNING)
        return;
    p->stop = why;
    g_cancellable_cancel(p->cancellable);
}

static gboolean
on_request_timeout(gpointer data)
{
    post_stop(data, POST_REQUEST_TIMEOUT);
    return G_SOURCE_REMOVE;
}

static gboolean
on_connect_timeout(gpointer data)
{
    post_stop(data, POST_CONNECT_TIMEOUT);
    return G_SOURCE_REMOVE;
}

static GSource *
timer_attach(GMainContext *context, guint ms, GSourceFunc fn, Post *p)
{
    GSource *s = g_timeout_source_new(ms);
    g_source_set_callback(s, fn, p, NULL);
    g_source_attach(s, context);
    return s;
}

static void
timer_clear(GSource **s)
{
    if (*s == NULL)
        return;
    g_source_destroy(*s);
    g_clear_pointer(s, g_source_unref);
}

/* A new connection's events, the first to its COMPLETE: the connect timer.
 * A reused connection has none. */
static void
on_network_event(SoupMessage *msg, GSocketClientEvent event, GIOStream *conn, gpointer data)
{
    Post *p = data;
    if (event == G_SOCKET_CLIENT_COMPLETE)
        timer_clear(&p->connect_timer);
    else if (p->connect_timer == NULL)
        p->connect_timer = timer_attach(p->h->context, p->h->connect_ms, on_connect_timeout, p);
}

static void post_read_next(Post *p);

static void
on_read(GObject *stream, GAsyncResult *result, gpointer data)
{
    Post *p = data;
    gssize n = g_input_stream_read_finish(G_INPUT_STREAM(stream), result, &p->error);
    if (n <= 0) { /* the end, or an error */
        p->done = TRUE;
        return;
    }
    gsize room = EXPORT_MESSAGE_MAX - MIN(p->text->len, EXPORT_MESSAGE_MAX);
    g_string_append_len(p->text, p->chunk, (gssize)MIN(room, (gsize)n));
    post_read_next(p); /* the rest is read and dropped (invariant 3) */
}

static void
post_read_next(Post *p)
{
    g_input_stream_read_async(p->answer, p->chunk, sizeof p->chunk, G_PRIORITY_DEFAULT,
                              p->cancellable, on_read, p);
}

static void
on_sent(GObject *session, GAsyncResult *result, gpointer data)
{
    Post *p = data;
    p->answer = soup_session_send_finish(SOUP_SESSION(session), result, &p->error);
    if (p->answer == NULL)
        p->done = TRUE;
    else
        post_read_next(p);
}

/* Sends @body and waits, iterating the private context (pushed), until the
 * answer is read or the post fails or is stopped. */
static void
post_run(Post *p, GBytes *body)
{
    ExportHttp *h = p->h;
    SoupSession *session = http_session(h);
    p->msg = message_new(h, body);
    p->cancellable = g_cancellable_new();
    p->text = g_string_new(NULL);
    g_signal_connect(p->msg, "network-event", G_CALLBACK(on_network_event), p);
    p->request_timer = timer_attach(h->context, h->request_ms, on_request_timeout, p);
    soup_session_send_async(session, p->msg, G_PRIORITY_DEFAULT, p->cancellable, on_sent, p);
    while (!p->done) {
        /* export_http_wake() ends a blocking iteration once @cancelled is set */
        if (g_atomic_int_get(h->cancelled))
            post_stop(p, POST_CANCELLED);
        g_main_context_iteration(h->context, TRUE);
    }
    timer_clear(&p->request_timer);
    timer_clear(&p->connect_timer);
    g_signal_handlers_disconnect_by_data(p->msg, p);
    g_clear_object(&p->answer); /* read to the end: its connection goes idle */
    http_flush(h);
}

static void
post_clear(Post *p)
{
    g_clear_object(&p->msg);
    g_clear_object(&p->cancellable);
    g_clear_error(&p->error);
    if (p->text != NULL)
        g_string_free(p->text, TRUE);
}

/* ------------------------------------------------------------- verdicts */

ExportVerdict
export_verdict_for_status(guint status)
{
    if (status >= 200 && status < 300)
        return EXPORT_SENT;
    if (status == 429 || (status >= 500 && status < 600))
        return EXPORT_RETRY;
    switch (status) {
    case 401: /* unauthorized */
    case 403: /* forbidden */
    case 404: /* not found: a wrong URL */
    case 405: /* method not allowed: not a write endpoint */
    case 407: /* proxy authentication required */
        return EXPORT_REFUSED;
    default:
        return status >= 400 && status < 500 ? EXPORT_DROP : EXPORT_FAILED;
    }
}

static ExportVerdict
verdict_for_io_error(gint code)
{
    switch (code) {
    case G_IO_ERROR_CONNECTION_REFUSED:
    case G_IO_ERROR_CONNECTION_CLOSED: /* = BROKEN_PIPE; also a reset by the peer */
    case G_IO_ERROR_NOT_CONNECTED:
    case G_IO_ERROR_TIMED_OUT:
    case G_IO_ERROR_HOST_NOT_FOUND:
    case G_IO_ERROR_HOST_UNREACHABLE:
    case G_IO_ERROR_NETWORK_UNREACHABLE:
    case G_IO_ERROR_PARTIAL_INPUT:
    case G_IO_ERROR_PROXY_FAILED:
    case G_IO_ERROR_BUSY:
        return EXPORT_RETRY;
    case G_IO_ERROR_PROXY_AUTH_FAILED:
    case G_IO_ERROR_PROXY_NEED_AUTH:
        return EXPORT_REFUSED; /* as a 407 */
    case G_IO_ERROR_CANCELLED:
        return EXPORT_CANCELLED;
    default:
        return EXPORT_FAILED;
    }
}

/* Transport errors worth another attempt; the rest cannot get better. A
 * TLS handshake that failed may succeed again; a certificate that does not
 * verify will not. */
static ExportVerdict
verdict_for_error(const GError *error)
{
    if (error->domain == G_IO_ERROR)
        return verdict_for_io_error(error->code);
    if (error->domain == G_RESOLVER_ERROR)
        return error->code == G_RESOLVER_ERROR_INTERNAL ? EXPORT_FAILED : EXPORT_RETRY;
    if (error->domain == G_TLS_ERROR)
        return error->code == G_TLS_ERROR_BAD_CERTIFICATE ||
                       error->code == G_TLS_ERROR_CERTIFICATE_REQUIRED ||
                       error->code == G_TLS_ERROR_UNAVAILABLE
                   ? EXPORT_FAILED
                   : EXPORT_RETRY;
    if (error->domain == SOUP_SESSION_ERROR)
        return error->code == SOUP_SESSION_ERROR_PARSING ||
                       error->code == SOUP_SESSION_ERROR_ENCODING
                   ? EXPORT_RETRY /* a garbled answer */
                   : EXPORT_FAILED;
    return EXPORT_FAILED;
}

/* Retry-After (RFC 9110, 10.2.3): delay-seconds or an HTTP-date. -1 when
 * absent, unreadable, zero or already past. */
static gint64
retry_after_ms(const char *value)
{
    if (value == NULL)
        return -1;
    g_autofree char *v = g_strstrip(g_strdup(value));
    if (g_ascii_isdigit(v[0])) {
        char *end = NULL;
        guint64 s = g_ascii_strtoull(v, &end, 10);
        if (*end != '\0' || s == 0)
            return -1;
        return (gint64)MIN(s, (guint64)G_MAXINT32) * 1000;
    }
    g_autoptr(GDateTime) when = soup_date_time_new_from_http_string(v);
    if (when == NULL)
        return -1;
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    GTimeSpan us = g_date_time_difference(when, now);
    return us > 0 ? (us + G_TIME_SPAN_MILLISECOND - 1) / G_TIME_SPAN_MILLISECOND : -1;
}

/* Why a post that did not finish failed: the stop decides over libsoup's
 * error (a cancelled operation). */
static void
answer_from_failure(const Post *p, ExportAnswer *ret)
{
    switch (p->stop) {
    case POST_CANCELLED:
        ret->verdict = EXPORT_CANCELLED;
        ret->message = g_strdup("export cancelled");
        return;
    case POST_CONNECT_TIMEOUT:
        ret->verdict = EXPORT_RETRY;
        ret->message = g_strdup_printf("connection timed out after %u ms", p->h->connect_ms);
        return;
    case POST_REQUEST_TIMEOUT:
        ret->verdict = EXPORT_RETRY;
        ret->message = g_strdup_printf("request timed out after %u ms", p->h->request_ms);
        return;
    case POST_RUNNING:
        break;
    }
    ret->verdict = verdict_for_error(p->error);
    ret->message = g_strdup(p->error->message);
}

static void
answer_from_message(const Post *p, ExportAnswer *ret)
{
    SoupMessageHeaders *hd = soup_message_get_response_headers(p->msg);
    ret->status = MIN(soup_message_get_status(p->msg), 999u);
    ret->retry_after_ms = retry_after_ms(soup_message_headers_get_one(hd, "Retry-After"));
    ret->verdict = export_verdict_for_status(ret->status);
    if (ret->verdict != EXPORT_SENT) {
        g_autofree char *text = g_utf8_make_valid(p->text->str, (gssize)p->text->len);
        ret->message = g_strdup_printf("HTTP %u: %s", ret->status, g_strstrip(text));
    }
}

void
export_http_post(ExportHttp *h, GBytes *body, ExportAnswer *ret)
{
    Post p = {.h = h};
    *ret = (ExportAnswer){.retry_after_ms = -1};
    g_main_context_push_thread_default(h->context);
    post_run(&p, body);
    if (p.error != NULL)
        answer_from_failure(&p, ret);
    else
        answer_from_message(&p, ret);
    post_clear(&p);
    g_main_context_pop_thread_default(h->context);
}
