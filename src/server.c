/* server.c - rondod's HTTP front: where it listens and what it refuses before any work.
 *
 * Safety first, because Debian's libsoup documentation warns against
 * exposing SoupServer to untrusted clients:
 *   - loopback only, unless allow_remote is set;
 *   - connections are accepted by conns.c, which bounds their number and
 *     how long they may idle or trickle a request;
 *   - an early handler (after the headers, before the body) refuses a bad
 *     bearer token (401), a Content-Length that is not one decimal number
 *     (400), one over max_body_bytes or 64 bits (413), and a body without
 *     a length (411: libsoup would read a chunked body of any size into
 *     memory). libsoup would still read an announced body before sending
 *     such an answer, so a refused request that announces one is answered
 *     at once and its connection closed (conns_answer_now());
 *   - whatever the headers said, a request body past max_body_bytes drops
 *     the connection (got-chunk);
 *   - the token is compared as SHA-256 digests in constant time, so neither
 *     its bytes nor its length leak through timing;
 *   - a plain GET of a query whose request came whole with its connection
 *     is answered by quick.c without libsoup, after the same token check;
 *     nothing of what is refused above can reach it (it has no body).
 * Every request is counted (metrics.c) from request-started to
 * request-finished or request-aborted, or to its early answer.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <stdlib.h>
#include <unistd.h>

#include "handlers.h"
#include "http.h"
#include "quick.h"
#include "routes.h"
#include "server.h"

#define T0_KEY         "rondod-t0"
#define LISTEN_BACKLOG 1024 /* the kernel caps it at net.core.somaxconn */

/* ------------------------------------------------------------ the token */

static void
digest(const char *s, gsize len, guint8 out[32])
{
    g_autoptr(GChecksum) c = g_checksum_new(G_CHECKSUM_SHA256);
    gsize n = 32;
    g_checksum_update(c, (const guchar *)s, (gssize)len);
    g_checksum_get_digest(c, out, &n);
    g_assert(n == 32);
}

gboolean
server_check_token(const Daemon *d, const char *authorization)
{
    if (!d->have_token)
        return TRUE;
    if (authorization == NULL || g_ascii_strncasecmp(authorization, "Bearer ", 7) != 0)
        return FALSE;
    const char *token = authorization + 7;
    guint8 got[32];
    digest(token, strlen(token), got);
    guint8 diff = 0;
    for (guint i = 0; i < 32; i++)
        diff |= got[i] ^ d->token_digest[i];
    return diff == 0;
}

static gboolean
load_token(Daemon *d, GError **error)
{
    const char *path = d->config->auth_token_file;
    if (path == NULL)
        return TRUE;
    g_autofree char *text = NULL;
    gsize len = 0;
    if (!g_file_get_contents(path, &text, &len, error))
        return FALSE;
    g_strstrip(text);
    if (text[0] == '\0') {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, _("%s: the token file is empty"),
                    path);
        return FALSE;
    }
    digest(text, strlen(text), d->token_digest);
    memset(text, 0, strlen(text));
    d->have_token = TRUE;
    return TRUE;
}

/* ------------------------------------------------------ early handler */

/* The probes answer without the token (they reveal nothing but liveness). */
static gboolean
is_public(const char *path)
{
    const Route *r = route_find(path);
    return r != NULL && (r->flags & ROUTE_PUBLIC);
}

/* Counts @msg as finished (libsoup reports no end for a request answered early). */
static void
account_finished(Daemon *d, SoupServerMessage *msg)
{
    const gint64 *t0 = g_object_get_data(G_OBJECT(msg), T0_KEY);
    double seconds = t0 ? (double)(g_get_monotonic_time() - *t0) / 1e6 : 0;
    GUri *uri = soup_server_message_get_uri(msg);
    SoupMessageBody *body = soup_server_message_get_response_body(msg);
    metrics_request_finished(d->metrics, route_label(uri ? g_uri_get_path(uri) : NULL),
                             soup_server_message_get_status(msg), seconds,
                             body ? (guint64)body->length : 0);
}

/* TRUE if the request announces a body: a Transfer-Encoding, or a Content-Length but "0". */
static gboolean
announces_body(SoupMessageHeaders *h)
{
    const char *len = soup_message_headers_get_list(h, "Content-Length");
    return soup_message_headers_get_list(h, "Transfer-Encoding") != NULL ||
           (len != NULL && !g_str_equal(len, "0"));
}

/* Refuses with @status at once, unread body and all, and closes the connection. */
static gboolean
refuse_body(Daemon *d, SoupServerMessage *msg, const char *reason, guint status, const char *text)
{
    metrics_rejected(d->metrics, reason);
    http_respond_error(msg, status, "%s", text);
    account_finished(d, msg);
    conns_answer_now(d->conns, msg);
    return FALSE;
}

/*
 * Content-Length as RFC 9110 has it, one decimal number: a sign, garbage
 * or a repeated header ("5, 7") is 400, anything over max_body_bytes
 * (64-bit overflow included) 413.
 */
static gboolean
check_length(Daemon *d, SoupServerMessage *msg, const char *value)
{
    guint64 max = d->config->max_body_bytes, len = 0;
    g_autofree char *v = g_strstrip(g_strdup(value));
    g_autoptr(GError) error = NULL;
    g_autofree char *text = NULL;
    if (g_ascii_string_to_unsigned(v, 10, 0, G_MAXUINT64, &len, &error) && len <= max)
        return TRUE;
    if (error == NULL)
        text = g_strdup_printf("request body of %" G_GUINT64_FORMAT
                               " bytes exceeds the limit max_body_bytes=%" G_GUINT64_FORMAT,
                               len, max);
    else if (g_error_matches(error, G_NUMBER_PARSER_ERROR, G_NUMBER_PARSER_ERROR_OUT_OF_BOUNDS))
        text = g_strdup_printf("Content-Length %.40s overflows 64 bits; the limit is "
                               "max_body_bytes=%" G_GUINT64_FORMAT,
                               v, max);
    if (text != NULL)
        return refuse_body(d, msg, "body_too_large", SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, text);
    text = g_strdup_printf(v[0] == '-' ? "Content-Length %.40s is negative"
                                       : "Content-Length “%.40s” is not one decimal number",
                           v);
    return refuse_body(d, msg, "bad_length", SOUP_STATUS_BAD_REQUEST, text);
}

/* The body as the headers announce it: FALSE after answering 400, 411 or 413. */
static gboolean
check_body(Daemon *d, SoupServerMessage *msg)
{
    SoupMessageHeaders *h = soup_server_message_get_request_headers(msg);
    SoupEncoding enc = soup_message_headers_get_encoding(h);
    if (enc == SOUP_ENCODING_CHUNKED || enc == SOUP_ENCODING_EOF)
        return refuse_body(d, msg, "length_required", SOUP_STATUS_LENGTH_REQUIRED,
                           "request bodies need a Content-Length (chunked bodies are refused)");
    const char *value = soup_message_headers_get_list(h, "Content-Length");
    return value == NULL || check_length(d, msg, value);
}

/* The token first: nothing of a body is read for a client that may not send one. */
static void
on_early(SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
         gpointer user_data)
{
    Daemon *d = user_data;
    SoupMessageHeaders *h = soup_server_message_get_request_headers(msg);
    if (is_public(path) ||
        server_check_token(d, soup_message_headers_get_one(h, "Authorization"))) {
        check_body(d, msg);
        return;
    }
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "WWW-Authenticate",
                                 "Bearer realm=\"rondod\"");
    if (announces_body(h)) {
        refuse_body(d, msg, "auth", SOUP_STATUS_UNAUTHORIZED, "missing or wrong bearer token");
        return;
    }
    metrics_rejected(d->metrics, "auth");
    http_respond_error(msg, SOUP_STATUS_UNAUTHORIZED, "missing or wrong bearer token");
}

/* The method the route allows: FALSE after answering 405. */
static gboolean
check_method(SoupServerMessage *msg, const Route *r)
{
    if (r->flags & ROUTE_GET)
        return http_check_method(msg, (r->flags & ROUTE_POST) != 0);
    return http_check_post(msg);
}

/* Every request: its route from the table, the method, the parameters. */
static void
on_request(SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
           gpointer user_data)
{
    Daemon *d = user_data;
    const Route *r = route_find(path);
    if (http_already_answered(msg))
        return;
    if (r == NULL) {
        http_respond_error(msg, SOUP_STATUS_NOT_FOUND, "no such endpoint");
        return;
    }
    if (!check_method(msg, r))
        return;
    g_autoptr(Params) p = NULL;
    if ((r->flags & ROUTE_PARAMS) && (p = http_get_params(msg)) == NULL)
        return;
    r->handler(d, msg, path, p);
}

/* ------------------------------------------------------- accounting */

/* Whatever the headers said: a body past max_body_bytes drops the connection. */
static void
on_got_chunk(SoupServerMessage *msg, GBytes *chunk, gpointer user_data)
{
    Daemon *d = user_data;
    SoupMessageBody *body = soup_server_message_get_request_body(msg);
    if ((guint64)body->length <= d->config->max_body_bytes)
        return;
    metrics_rejected(d->metrics, "body_too_large");
    soup_message_body_truncate(body);
    conns_abort(d->conns, msg);
}

static void
on_request_started(SoupServer *server, SoupServerMessage *msg, gpointer user_data)
{
    Daemon *d = user_data;
    gint64 *t0 = g_new(gint64, 1);
    *t0 = g_get_monotonic_time();
    g_object_set_data_full(G_OBJECT(msg), T0_KEY, t0, g_free);
    g_signal_connect(msg, "got-chunk", G_CALLBACK(on_got_chunk), d);
    /* one request per connection: see conns.c */
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Connection",
                                 "close");
    metrics_request_started(d->metrics);
}

static void
on_request_finished(SoupServer *server, SoupServerMessage *msg, gpointer user_data)
{
    account_finished(user_data, msg);
}

static void
on_request_aborted(SoupServer *server, SoupServerMessage *msg, gpointer user_data)
{
    Daemon *d = user_data;
    metrics_request_aborted(d->metrics);
}

/* ------------------------------------------------------------ listening */

/* @activated: the address is that of the socket systemd passed. */
static gboolean
check_local(const Daemon *d, GInetAddress *addr, gboolean activated, GError **error)
{
    if (g_inet_address_get_is_loopback(addr) || d->config->allow_remote)
        return TRUE;
    g_autofree char *s = g_inet_address_to_string(addr);
    if (activated)
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                    _("the socket passed by systemd listens on %s, not a loopback address: set "
                      "allow_remote=true or pass --allow-remote to listen there"),
                    s);
    else
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                    _("listen address %s is not a loopback address: set allow_remote=true or "
                      "pass --allow-remote to listen there"),
                    s);
    return FALSE;
}

/* A listening TCP socket with a backlog that absorbs bursts (libsoup's is 10). */
static GSocket *
socket_listen(GSocketAddress *addr, GError **error)
{
    g_autoptr(GSocket) s = g_socket_new(g_socket_address_get_family(addr), G_SOCKET_TYPE_STREAM,
                                        G_SOCKET_PROTOCOL_TCP, error);
    if (s == NULL)
        return NULL;
    g_socket_set_listen_backlog(s, LISTEN_BACKLOG);
    if (!g_socket_bind(s, addr, TRUE, error) || !g_socket_listen(s, error))
        return NULL;
    return g_steal_pointer(&s);
}

static gboolean
accept_on(Daemon *d, GSocket *s, GError **error)
{
    g_autoptr(GSocketAddress) bound = g_socket_get_local_address(s, error);
    if (bound == NULL)
        return FALSE;
    conns_listen(d->conns, s);
    g_autofree char *where = g_socket_connectable_to_string(G_SOCKET_CONNECTABLE(bound));
    g_message("listening on http://%s/", where);
    return TRUE;
}

/* systemd socket activation: LISTEN_PID is us and LISTEN_FDS >= 1 (fd 3). */
static gboolean
listen_activated(Daemon *d, gboolean *ret_done, GError **error)
{
    const char *pid = g_getenv("LISTEN_PID"), *fds = g_getenv("LISTEN_FDS");
    *ret_done = FALSE;
    if (pid == NULL || fds == NULL || g_ascii_strtoll(pid, NULL, 10) != (gint64)getpid() ||
        g_ascii_strtoll(fds, NULL, 10) < 1)
        return TRUE;
    g_unsetenv("LISTEN_PID");
    g_unsetenv("LISTEN_FDS");
    g_unsetenv("LISTEN_FDNAMES");
    g_autoptr(GSocket) sock = g_socket_new_from_fd(3, error);
    if (sock == NULL)
        return FALSE;
    g_autoptr(GSocketAddress) local = g_socket_get_local_address(sock, error);
    if (local == NULL || !G_IS_INET_SOCKET_ADDRESS(local)) {
        if (local != NULL)
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                        _("the socket passed by systemd is not an IP socket"));
        return FALSE;
    }
    GInetAddress *addr = g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(local));
    if (!check_local(d, addr, TRUE, error))
        return FALSE;
    *ret_done = TRUE;
    return accept_on(d, sock, error);
}

/* "ADDR:PORT", "[ADDR6]:PORT" or "localhost:PORT". */
static GInetSocketAddress *
parse_listen(const char *spec, GError **error)
{
    const char *colon = strrchr(spec, ':');
    g_autofree char *host = colon ? g_strndup(spec, (gsize)(colon - spec)) : NULL;
    guint64 port = 0;
    if (host != NULL && host[0] == '[' && g_str_has_suffix(host, "]")) {
        char *inner = g_strndup(host + 1, strlen(host) - 2);
        g_free(host);
        host = inner;
    }
    if (host != NULL && g_str_equal(host, "localhost")) {
        g_free(host);
        host = g_strdup("127.0.0.1");
    }
    g_autoptr(GInetAddress) addr = host ? g_inet_address_new_from_string(host) : NULL;
    if (addr == NULL || !g_ascii_string_to_unsigned(colon + 1, 10, 0, 65535, &port, NULL)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    _("listen address “%s” is not ADDR:PORT (e.g. 127.0.0.1:9464, [::1]:9464)"),
                    spec);
        return NULL;
    }
    return G_INET_SOCKET_ADDRESS(g_inet_socket_address_new(addr, (guint16)port));
}

static gboolean
listen_configured(Daemon *d, GError **error)
{
    g_autoptr(GInetSocketAddress) sa = parse_listen(d->config->listen, error);
    if (sa == NULL || !check_local(d, g_inet_socket_address_get_address(sa), FALSE, error))
        return FALSE;
    g_autoptr(GSocket) s = socket_listen(G_SOCKET_ADDRESS(sa), error);
    return s != NULL && accept_on(d, s, error);
}

gboolean
server_start(Daemon *d, GError **error)
{
    if (!load_token(d, error))
        return FALSE;
    d->server = soup_server_new("server-header", "rondod/" PACKAGE_VERSION " ", NULL);
    g_signal_connect(d->server, "request-started", G_CALLBACK(on_request_started), d);
    g_signal_connect(d->server, "request-finished", G_CALLBACK(on_request_finished), d);
    g_signal_connect(d->server, "request-aborted", G_CALLBACK(on_request_aborted), d);
    d->conns =
        conns_new(d->server, d->metrics, d->config->max_connections, d->config->idle_timeout_s);
    conns_set_quick(d->conns, quick_answer, d);
    /* One handler for every path (libsoup matches "/" as a prefix of all),
     * and the early checks with it: routes.c does the routing. */
    soup_server_add_early_handler(d->server, "/", on_early, d, NULL);
    soup_server_add_handler(d->server, "/", on_request, d, NULL);

    gboolean done = FALSE;
    if (!listen_activated(d, &done, error))
        return FALSE;
    if (!done && !listen_configured(d, error))
        return FALSE;
    if (!d->have_token && d->config->allow_remote)
        g_message("allow_remote is set and no auth_token_file: anyone who reaches the port can "
                  "read every store");
    return TRUE;
}

gboolean
server_reload_token(Daemon *d, GError **error)
{
    Daemon next = *d;
    next.have_token = FALSE;
    if (!load_token(&next, error))
        return FALSE;
    d->have_token = next.have_token;
    memcpy(d->token_digest, next.token_digest, sizeof d->token_digest);
    return TRUE;
}

void
server_stop(Daemon *d)
{
    if (d->server == NULL)
        return;
    soup_server_disconnect(d->server);
    g_clear_pointer(&d->conns, conns_free);
    g_clear_object(&d->server);
}
