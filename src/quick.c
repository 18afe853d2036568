/* quick.c - a dashboard's GET of a query (or a probe's), answered without libsoup.
 *
 * Why: rondod answers a small PromQL query in a few microseconds, and
 * libsoup spends about forty more on each connection (a GSocket, a
 * connection, streams, a message with its headers and bodies, a dozen
 * signals), several times what Prometheus's whole answer costs beyond
 * the kernel's. So when a connection's first bytes are already one
 * complete request of the commonest shape (http-head.c) for a route that
 * has a quick answer (routes.c), conns.c hands the bytes here, and the
 * answer goes back in one write, with the headers libsoup would send:
 * Server (libsoup's own value), Connection: close, Date, Content-Type,
 * Content-Length. Everything else (POST, HEAD, a head still on its way, a
 * wrong token: libsoup's 401 says what to do) goes to libsoup as before,
 * and so does a query too big for the main loop (it needs a worker thread,
 * which needs a libsoup message to pause); conns.c marks that connection
 * so the handler sends it straight to the thread.
 */
#include "config.h"

#include <string.h>

#include "http-head.h"
#include "json.h"
#include "quick.h"
#include "routes.h"
#include "server.h"

#define PATH_MAX_LEN 64 /* longer than any quick route's path */

/* libsoup's Date header, made once a second (main loop only). */
static const char *
http_date(void)
{
    static char text[64];
    static gint64 made_s = -1;
    gint64 now_s = g_get_real_time() / G_USEC_PER_SEC;
    if (now_s != made_s) {
        g_autoptr(GDateTime) now = g_date_time_new_from_unix_utc(now_s);
        g_autofree char *s = soup_date_time_to_string(now, SOUP_DATE_HTTP);
        g_strlcpy(text, s, sizeof text);
        made_s = now_s;
    }
    return text;
}

/* The server header libsoup sends: its "server-header", as it completed it. */
static const char *
server_header(Daemon *d)
{
    static char *value;
    if (value == NULL)
        g_object_get(d->server, "server-header", &value, NULL);
    return value;
}

/* Appended piece by piece, not printf'd: three printf calls were a sixth
 * of a small query's work (callgrind). */
static GBytes *
format_answer(Daemon *d, const JobReply *reply)
{
    GString *out = g_string_sized_new(256 + reply->body->len);
    http_head_append_status(out, reply->status, soup_status_get_phrase(reply->status));
    http_head_append_field(out, "Server", server_header(d));
    http_head_append_field(out, "Connection", "close");
    http_head_append_field(out, "Date", http_date());
    http_head_append_field(out, "Content-Type",
                           reply->content_type ? reply->content_type : "application/json");
    http_head_append_field(out, "Retry-After", reply->retry_after);
    http_head_append_field(out, "Content-Encoding", reply->content_encoding);
    g_string_append(out, "Content-Length: ");
    json_append_u64(out, reply->body->len);
    g_string_append_len(out, "\r\n\r\n", 4);
    g_string_append_len(out, reply->body->str, (gssize)reply->body->len);
    return g_string_free_to_bytes(out);
}

/* The route of @head if it has a quick answer and the request may have it; NULL otherwise. */
static const Route *
quick_route(Daemon *d, const HttpHead *head, char path[PATH_MAX_LEN])
{
    if (head->path_len >= PATH_MAX_LEN)
        return NULL;
    memcpy(path, head->path, head->path_len);
    path[head->path_len] = '\0';
    const Route *r = route_find(path);
    if (r == NULL || r->quick == NULL)
        return NULL;
    if (r->flags & ROUTE_PUBLIC)
        return r;
    g_autofree char *auth = head->authorization != NULL
                                ? g_strndup(head->authorization, head->authorization_len)
                                : NULL;
    return server_check_token(d, auth) ? r : NULL;
}

GBytes *
quick_answer(const char *buf, gsize len, gboolean *ret_heavy, gpointer daemon)
{
    Daemon *d = daemon;
    gint64 t0 = g_get_monotonic_time();
    HttpHead head;
    char path[PATH_MAX_LEN];
    const Route *r;
    if (!http_head_parse(buf, len, &head) || (r = quick_route(d, &head, path)) == NULL)
        return NULL;
    g_autofree char *query = head.query != NULL ? g_strndup(head.query, head.query_len) : NULL;
    g_autoptr(Params) p = params_new(query, NULL, 0);
    if (params_is_malformed(p))
        return NULL; /* libsoup's way says what is wrong */
    JobReply reply = {0};
    if (!r->quick(d, path, p, &reply)) {
        *ret_heavy = TRUE; /* the handler need not try the main loop again */
        return NULL;
    }
    metrics_request_started(d->metrics);
    metrics_request_quick(d->metrics);
    GBytes *answer = format_answer(d, &reply);
    metrics_request_finished(d->metrics, route_label(path), reply.status,
                             (double)(g_get_monotonic_time() - t0) / 1e6, reply.body->len);
    job_reply_clear(&reply);
    return answer;
}
