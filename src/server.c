/* server.c - rondod's HTTP front: where it listens and what it refuses before any work.
 *
 * Safety first, because Debian's libsoup documentation warns against
 * exposing SoupServer to untrusted clients:
 *   - loopback only, unless allow_remote is set;
 *   - an early handler (after the headers, before the body) refuses a bad
 *     bearer token (401), a Content-Length over max_body_bytes (413) and a
 *     body without a length (411: libsoup would read a chunked body of any
 *     size into memory);
 *   - the token is compared as SHA-256 digests in constant time, so neither
 *     its bytes nor its length leak through timing.
 * Every request is counted (metrics.c) from request-started to
 * request-finished or request-aborted.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <stdlib.h>
#include <unistd.h>

#include "handlers.h"
#include "http.h"
#include "server.h"

#define T0_KEY "rondod-t0"

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

static gboolean
is_probe(const char *path)
{
    return g_str_equal(path, "/healthz") || g_str_equal(path, "/readyz");
}

static gboolean
check_body(Daemon *d, SoupServerMessage *msg)
{
    SoupMessageHeaders *h = soup_server_message_get_request_headers(msg);
    SoupEncoding enc = soup_message_headers_get_encoding(h);
    if (enc == SOUP_ENCODING_CHUNKED || enc == SOUP_ENCODING_EOF) {
        metrics_rejected(d->metrics, "length_required");
        soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Connection",
                                     "close");
        http_respond_error(msg, SOUP_STATUS_LENGTH_REQUIRED,
                           "request bodies need a Content-Length (chunked bodies are refused)");
        return FALSE;
    }
    goffset len =
        enc == SOUP_ENCODING_CONTENT_LENGTH ? soup_message_headers_get_content_length(h) : 0;
    if ((guint64)len > d->config->max_body_bytes) {
        metrics_rejected(d->metrics, "body_too_large");
        soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Connection",
                                     "close");
        http_respond_error(msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
                           "request body of %" G_GINT64_FORMAT
                           " bytes exceeds the limit max_body_bytes=%" G_GUINT64_FORMAT,
                           (gint64)len, d->config->max_body_bytes);
        return FALSE;
    }
    return TRUE;
}

static void
on_early(SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
         gpointer user_data)
{
    Daemon *d = user_data;
    if (!is_probe(path)) {
        SoupMessageHeaders *h = soup_server_message_get_request_headers(msg);
        if (!server_check_token(d, soup_message_headers_get_one(h, "Authorization"))) {
            metrics_rejected(d->metrics, "auth");
            soup_message_headers_replace(soup_server_message_get_response_headers(msg),
                                         "WWW-Authenticate", "Bearer realm=\"rondod\"");
            http_respond_error(msg, SOUP_STATUS_UNAUTHORIZED, "missing or wrong bearer token");
            return;
        }
    }
    check_body(d, msg);
}

void
server_add_handler(Daemon *d, const char *path, SoupServerCallback callback)
{
    soup_server_add_early_handler(d->server, path, on_early, d, NULL);
    soup_server_add_handler(d->server, path, callback, d, NULL);
}

/* ------------------------------------------------------- accounting */

static void
on_request_started(SoupServer *server, SoupServerMessage *msg, gpointer user_data)
{
    Daemon *d = user_data;
    gint64 *t0 = g_new(gint64, 1);
    *t0 = g_get_monotonic_time();
    g_object_set_data_full(G_OBJECT(msg), T0_KEY, t0, g_free);
    metrics_request_started(d->metrics);
}

static void
on_request_finished(SoupServer *server, SoupServerMessage *msg, gpointer user_data)
{
    Daemon *d = user_data;
    const gint64 *t0 = g_object_get_data(G_OBJECT(msg), T0_KEY);
    double seconds = t0 ? (double)(g_get_monotonic_time() - *t0) / 1e6 : 0;
    GUri *uri = soup_server_message_get_uri(msg);
    SoupMessageBody *body = soup_server_message_get_response_body(msg);
    metrics_request_finished(d->metrics, route_for_path(uri ? g_uri_get_path(uri) : NULL),
                             soup_server_message_get_status(msg), seconds,
                             body ? (guint64)body->length : 0);
}

static void
on_request_aborted(SoupServer *server, SoupServerMessage *msg, gpointer user_data)
{
    Daemon *d = user_data;
    metrics_request_aborted(d->metrics);
}

/* ------------------------------------------------------------ listening */

static gboolean
check_local(const Daemon *d, GInetAddress *addr, const char *what, GError **error)
{
    if (g_inet_address_get_is_loopback(addr) || d->config->allow_remote)
        return TRUE;
    g_autofree char *s = g_inet_address_to_string(addr);
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                _("%s %s is not a loopback address: set allow_remote=true or pass "
                  "--allow-remote to listen there"),
                what, s);
    return FALSE;
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
    if (!check_local(d, addr, _("the socket passed by systemd listens on"), error))
        return FALSE;
    *ret_done = TRUE;
    return soup_server_listen_socket(d->server, sock, 0, error);
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
    if (sa == NULL ||
        !check_local(d, g_inet_socket_address_get_address(sa), _("listen address"), error))
        return FALSE;
    return soup_server_listen(d->server, G_SOCKET_ADDRESS(sa), 0, error);
}

static void
log_uris(const Daemon *d)
{
    GSList *uris = soup_server_get_uris(d->server);
    for (GSList *l = uris; l != NULL; l = l->next) {
        g_autofree char *s = g_uri_to_string(l->data);
        g_message("listening on %s", s);
    }
    g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
    if (!d->have_token && d->config->allow_remote)
        g_message("allow_remote is set and no auth_token_file: anyone who reaches the port can "
                  "read every store");
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
    handlers_register(d);

    gboolean done = FALSE;
    if (!listen_activated(d, &done, error))
        return FALSE;
    if (!done && !listen_configured(d, error))
        return FALSE;
    log_uris(d);
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
