/* conns.c - rondod's client connections: accepted here, bounded in number and idle time.
 *
 * Why not libsoup's own listener: in libsoup 3.2 an accept() that fails
 * (EMFILE once file descriptors run out) removes its watch for good, so the
 * port stays open and nothing is ever accepted again; it also leaks a
 * GSocket per connection (fixed in 3.4) and never closes a connection,
 * however long it idles or trickles its headers. So rondod accepts itself
 * and hands each connection over with soup_server_accept_iostream():
 *   - at most max_open connections; one more gets a 503 and is closed;
 *   - a connection has a deadline: its request (headers and body) must
 *     arrive within idle_timeout of its opening, and while the answer is
 *     written the client must take some of it every idle_timeout; while a
 *     handler works there is none. Past it, the socket is shut down:
 *     libsoup reads end-of-file or fails to write, and frees the connection;
 *   - one request per connection: without a listener of its own libsoup
 *     closes each connection after its answer, and server.c says so
 *     (Connection: close). Keep-alive in libsoup 3.2 loses a connection
 *     that the client closes while idle: it is never freed, descriptor and
 *     all, so every curl would leak one;
 *   - when accept() fails (no descriptor left), the watch pauses for
 *     ACCEPT_RETRY_MS and tries again, so accepting resumes by itself;
 *   - a new connection whose request is already all there is offered to
 *     the quick answer (quick.c) first, on its bare descriptor: no GSocket,
 *     no libsoup. Its answer goes out in one send(); what the socket cannot
 *     take at once is written as it drains, under the same idle deadline
 *     and counted among the open connections. A connection whose request
 *     has not come yet waits for it here (same deadline), then is offered
 *     again; the listener has TCP_DEFER_ACCEPT, so the kernel hands a
 *     connection over with its first bytes and that wait is rare.
 *
 * Invariants: main loop only; an entry of @open lives exactly as long as
 * the GSocketConnection handed to libsoup (a weak reference removes it),
 * so the count is what really holds descriptors and memory; a message
 * finds its entry through qdata on the remote address object, which
 * libsoup keeps for the connection's life.
 */
#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conns.h"
#include "http-head.h"

#define ACCEPT_RETRY_MS 100
#define ACCEPT_BATCH    32 /* connections accepted per wake-up, so a burst cannot starve the loop */
#define LINGER_S        1  /* an early answer's connection stays half open this long */
#define US_PER_S        G_GINT64_CONSTANT(1000000)
#define QUICK_PEEK      8192 /* the most of a request the quick answer looks at */

typedef struct _Conn Conn;

struct _Conns {
    SoupServer *server;
    Metrics *metrics;
    guint max_open;
    gint64 idle_timeout_us;
    GHashTable *open; /* Conn* set, owned */
    GSocket *listener;
    GSource *accept_source; /* NULL while paused after a failed accept() */
    guint retry_id, sweep_id;
    gint64 paused_since_us; /* 0: accepting */
    gboolean refusing;      /* at max_open: logged once until a connection is accepted */
    GBytes *busy_answer;
    ConnsQuickFunc quick; /* NULL: every connection goes to libsoup */
    gpointer quick_data;
    GHashTable *pending; /* Pending* set, owned */
    char peek[QUICK_PEEK];
};

struct _Conn {
    Conns *owner;
    GObject *io;            /* the GSocketConnection libsoup holds; not referenced */
    GSocket *socket;        /* referenced: shut down at the deadline */
    GSocketAddress *remote; /* referenced: carries the qdata back to us */
    gint64 deadline_us;     /* monotonic; 0: none (a handler works on a request) */
    gboolean heavy;         /* the quick answer found its work too big for the main loop */
};

/* A connection the quick answer holds: waiting for its request, or sending its answer's rest. */
typedef struct {
    Conns *owner;
    int fd;         /* -1: handed on */
    GBytes *answer; /* NULL: waiting for the request */
    gsize sent;
    guint watch;
    gint64 deadline_us; /* monotonic, as a Conn's */
} Pending;

static GQuark
conn_quark(void)
{
    static GQuark q;
    if (q == 0)
        q = g_quark_from_static_string("rondod-conn");
    return q;
}

static void
conn_free(gpointer p)
{
    Conn *conn = p;
    g_object_set_qdata(G_OBJECT(conn->remote), conn_quark(), NULL);
    g_object_unref(conn->remote);
    g_object_unref(conn->socket);
    g_free(conn);
}

/* Weak notify: libsoup let go of the connection. */
static void
on_conn_gone(gpointer data, GObject *where_the_object_was)
{
    Conn *conn = data;
    g_assert(conn->io == where_the_object_was);
    gboolean found = g_hash_table_remove(conn->owner->open, conn);
    g_assert(found);
}

static Conn *
conn_for_msg(SoupServerMessage *msg)
{
    GSocketAddress *remote = soup_server_message_get_remote_address(msg);
    return remote != NULL ? g_object_get_qdata(G_OBJECT(remote), conn_quark()) : NULL;
}

static void
conn_set_deadline(Conn *conn, gboolean waiting)
{
    conn->deadline_us = waiting ? g_get_monotonic_time() + conn->owner->idle_timeout_us : 0;
}

/* ------------------------------------------------------------ deadlines */

static void
on_request_read(SoupServer *server, SoupServerMessage *msg, gpointer data)
{
    Conn *conn = conn_for_msg(msg);
    if (conn != NULL)
        conn_set_deadline(conn, FALSE);
}

/* The answer makes progress: the client reads. */
static void
on_wrote_headers(SoupServerMessage *msg, gpointer data)
{
    Conn *conn = conn_for_msg(msg);
    if (conn != NULL)
        conn_set_deadline(conn, TRUE);
}

static void
on_wrote_body_data(SoupServerMessage *msg, guint chunk_size, gpointer data)
{
    on_wrote_headers(msg, data);
}

static void
on_request_started(SoupServer *server, SoupServerMessage *msg, gpointer data)
{
    g_signal_connect(msg, "wrote-headers", G_CALLBACK(on_wrote_headers), NULL);
    g_signal_connect(msg, "wrote-body-data", G_CALLBACK(on_wrote_body_data), NULL);
}

static gboolean
on_sweep(gpointer data)
{
    Conns *c = data;
    gint64 now = g_get_monotonic_time();
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, c->open);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        Conn *conn = key;
        if (conn->deadline_us == 0 || now < conn->deadline_us)
            continue;
        conn->deadline_us = 0;
        metrics_rejected(c->metrics, "idle_timeout");
        g_socket_shutdown(conn->socket, TRUE, TRUE, NULL); /* libsoup closes it on EOF */
    }
    g_hash_table_iter_init(&it, c->pending);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        if (now < ((Pending *)key)->deadline_us)
            continue;
        metrics_rejected(c->metrics, "idle_timeout");
        g_hash_table_iter_remove(&it); /* closes it */
    }
    return G_SOURCE_CONTINUE;
}

/* Connections holding a descriptor: libsoup's and the quick answer's. */
static guint
conns_count(const Conns *c)
{
    return g_hash_table_size(c->open) + g_hash_table_size(c->pending);
}

/* ------------------------------------------------------------ accepting */

static void
refuse_busy(Conns *c, int fd)
{
    if (!c->refusing)
        g_message("%u connections open (max_connections): refusing more", c->max_open);
    c->refusing = TRUE;
    metrics_rejected(c->metrics, "connections");
    gsize len = 0;
    const char *answer = g_bytes_get_data(c->busy_answer, &len);
    (void)!send(fd, answer, len, MSG_NOSIGNAL | MSG_DONTWAIT); /* best effort */
    close(fd);
}

/* A connection for libsoup; its request due by @deadline_us. */
static void
conns_take(Conns *c, int fd, gint64 deadline_us, gboolean heavy)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GSocket) s = g_socket_new_from_fd(fd, &error);
    if (s == NULL) {
        g_debug("a new connection: %s", error->message);
        close(fd);
        return;
    }
    g_autoptr(GSocketAddress) local = g_socket_get_local_address(s, NULL);
    g_autoptr(GSocketAddress) remote = g_socket_get_remote_address(s, NULL);
    if (local == NULL || remote == NULL)
        return; /* the client is gone already; unreffing @s closes it */
    g_socket_set_option(s, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
    g_autoptr(GSocketConnection) io = g_socket_connection_factory_create_connection(s);
    Conn *conn = g_new0(Conn, 1);
    conn->owner = c;
    conn->io = G_OBJECT(io);
    conn->socket = g_object_ref(s);
    conn->remote = g_object_ref(remote);
    conn->deadline_us = deadline_us;
    conn->heavy = heavy;
    g_object_set_qdata(G_OBJECT(remote), conn_quark(), conn);
    g_object_weak_ref(G_OBJECT(io), on_conn_gone, conn);
    g_hash_table_add(c->open, conn);
    soup_server_accept_iostream(c->server, G_IO_STREAM(io), local, remote, NULL);
}

/* ------------------------------------------------------ quick answers */

static void
pending_free(gpointer p)
{
    Pending *q = p;
    if (q->watch != 0)
        g_source_remove(q->watch);
    if (q->fd >= 0)
        close(q->fd);
    g_clear_pointer(&q->answer, g_bytes_unref);
    g_free(q);
}

static gboolean on_readable(int fd, GIOCondition cond, gpointer data);
static gboolean on_writable(int fd, GIOCondition cond, gpointer data);

/* Holds @fd until its request comes (@answer NULL) or the rest of @answer is sent. */
static void
pending_add(Conns *c, int fd, GBytes *answer, gsize sent, gint64 deadline_us)
{
    Pending *q = g_new0(Pending, 1);
    q->owner = c;
    q->fd = fd;
    q->answer = answer;
    q->sent = sent;
    q->deadline_us = deadline_us;
    q->watch = answer != NULL ? g_unix_fd_add(fd, G_IO_OUT, on_writable, q)
                              : g_unix_fd_add(fd, G_IO_IN, on_readable, q);
    g_hash_table_add(c->pending, q);
}

/*
 * Sends what the socket takes of @answer past *@sent. FALSE: it is full,
 * more is left. The caller closes @fd once all is sent, so the last bytes
 * go with MSG_MORE: the kernel holds them until close() and sends them
 * with the FIN in one segment, one packet less through the loopback a
 * request (a minimal server: 0.070 -> 0.063 ms a request, medians).
 */
static gboolean
send_some(int fd, GBytes *answer, gsize *sent)
{
    gsize len = 0;
    const char *data = g_bytes_get_data(answer, &len);
    while (*sent < len) {
        ssize_t n = send(fd, data + *sent, len - *sent, MSG_NOSIGNAL | MSG_DONTWAIT | MSG_MORE);
        if (n > 0)
            *sent += (gsize)n;
        else if (n < 0 && errno == EAGAIN)
            return FALSE;
        else if (!(n < 0 && errno == EINTR))
            return TRUE; /* the client is gone: nothing more to send */
    }
    return TRUE;
}

static gboolean
on_writable(int fd, GIOCondition cond, gpointer data)
{
    Pending *q = data;
    gsize before = q->sent;
    if (!send_some(q->fd, q->answer, &q->sent)) {
        if (q->sent > before)
            q->deadline_us = g_get_monotonic_time() + q->owner->idle_timeout_us;
        return G_SOURCE_CONTINUE;
    }
    q->watch = 0;
    g_hash_table_remove(q->owner->pending, q); /* closes it */
    return G_SOURCE_REMOVE;
}

typedef enum {
    QUICK_NO,       /* not a request the quick answer takes: libsoup's */
    QUICK_HEAVY,    /* its request, but for a worker thread: libsoup's, and the handler knows */
    QUICK_ANSWERED, /* answered (or still sending: a Pending holds it) */
    QUICK_NOTHING,  /* the client has sent nothing yet */
} QuickOutcome;

/* Offers the request @fd has sent to the quick answer. */
static QuickOutcome
quick_try(Conns *c, int fd)
{
    ssize_t n;
    do
        n = recv(fd, c->peek, sizeof c->peek, MSG_PEEK | MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    if (n < 0 && errno == EAGAIN)
        return QUICK_NOTHING;
    if (n <= 0 || (gsize)n == sizeof c->peek)
        return QUICK_NO; /* gone, or more than we look at */
    gboolean heavy = FALSE;
    g_autoptr(GBytes) answer = c->quick(c->peek, (gsize)n, &heavy, c->quick_data);
    if (answer == NULL)
        return heavy ? QUICK_HEAVY : QUICK_NO;
    /* answered: the request's bytes, taken for real (a peek left them queued) */
    if (recv(fd, c->peek, (gsize)n, MSG_DONTWAIT) != n)
        g_debug("a quick request's bytes changed under the peek");
    gsize sent = 0;
    if (send_some(fd, answer, &sent))
        close(fd);
    else
        pending_add(c, fd, g_steal_pointer(&answer), sent,
                    g_get_monotonic_time() + c->idle_timeout_us);
    return QUICK_ANSWERED;
}

/* Where @fd goes, its request due by @deadline_us: the quick answer, a wait, or libsoup. */
static void
conns_route(Conns *c, int fd, gint64 deadline_us)
{
    switch (c->quick != NULL ? quick_try(c, fd) : QUICK_NO) {
    case QUICK_ANSWERED:
        return;
    case QUICK_NOTHING:
        pending_add(c, fd, NULL, 0, deadline_us);
        return;
    case QUICK_NO:
        conns_take(c, fd, deadline_us, FALSE);
        return;
    case QUICK_HEAVY:
        conns_take(c, fd, deadline_us, TRUE);
        return;
    }
}

/* The request's first bytes came (or the client left): route it again. */
static gboolean
on_readable(int fd, GIOCondition cond, gpointer data)
{
    Pending *q = data;
    Conns *c = q->owner;
    gint64 deadline_us = q->deadline_us;
    q->watch = 0;
    q->fd = -1; /* handed on, not closed */
    g_hash_table_remove(c->pending, q);
    conns_route(c, fd, deadline_us);
    return G_SOURCE_REMOVE;
}

void
conns_set_quick(Conns *c, ConnsQuickFunc fn, gpointer data)
{
    g_return_if_fail(c != NULL);
    c->quick = fn;
    c->quick_data = data;
}

/* A new connection: refused at max_open, else routed. */
static void
conns_take_fd(Conns *c, int fd)
{
    if (conns_count(c) >= c->max_open) {
        refuse_busy(c, fd);
        return;
    }
    c->refusing = FALSE;
    conns_route(c, fd, g_get_monotonic_time() + c->idle_timeout_us);
}

static gboolean on_acceptable(GSocket *listener, GIOCondition cond, gpointer data);

static void
accept_resume(Conns *c)
{
    g_assert(c->accept_source == NULL);
    c->accept_source = g_socket_create_source(c->listener, G_IO_IN, NULL);
    g_source_set_callback(c->accept_source, G_SOURCE_FUNC(on_acceptable), c, NULL);
    /* GLib takes a source's descriptor out of its poll() set while it is
     * dispatched and puts it back after, each change signalling the main
     * context's wake-up descriptor: two writes, and a poll() and read()
     * that only take them back, for every wake-up on a connection. The
     * callback runs no main loop of its own, so it cannot recurse. */
    g_source_set_can_recurse(c->accept_source, TRUE);
    g_source_attach(c->accept_source, NULL);
}

static gboolean
on_retry(gpointer data)
{
    Conns *c = data;
    c->retry_id = 0;
    accept_resume(c);
    return G_SOURCE_REMOVE;
}

/* Out of descriptors (or memory): stop polling a socket we cannot empty, try again soon. */
static gboolean
accept_pause(Conns *c, const GError *error)
{
    if (c->paused_since_us == 0) {
        g_message("cannot accept connections: %s; retrying every %d ms", error->message,
                  ACCEPT_RETRY_MS);
        c->paused_since_us = g_get_monotonic_time();
    }
    g_source_unref(g_steal_pointer(&c->accept_source));
    c->retry_id = g_timeout_add(ACCEPT_RETRY_MS, on_retry, c);
    return G_SOURCE_REMOVE;
}

/* Whether another connection waits on @fd. Asked before each accept
 * after the first of a wake-up (which poll() announced), because an
 * accept() that finds none costs what a socket's creation and teardown
 * cost (the kernel makes the new file before it looks): 5 us against
 * 0.5 for this poll() on the reference machine, once a request. */
static gboolean
listener_ready(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 0) != 0; /* an error: let accept() tell */
}

static gboolean
on_acceptable(GSocket *listener, GIOCondition cond, gpointer data)
{
    Conns *c = data;
    for (guint i = 0; i < ACCEPT_BATCH; i++) {
        if (i > 0 && !listener_ready(g_socket_get_fd(listener)))
            break;
        int fd = accept4(g_socket_get_fd(listener), NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        int errsv = errno;
        if (fd < 0 && (errsv == EAGAIN || errsv == EWOULDBLOCK))
            break;
        if (fd < 0 && (errsv == EINTR || errsv == ECONNABORTED))
            continue; /* a client that left before we took it is no failure */
        if (fd < 0) {
            g_autoptr(GError) error =
                g_error_new_literal(G_IO_ERROR, g_io_error_from_errno(errsv), g_strerror(errsv));
            return accept_pause(c, error);
        }
        if (c->paused_since_us != 0) {
            g_message("accepting connections again after %" G_GINT64_FORMAT " ms",
                      (g_get_monotonic_time() - c->paused_since_us) / 1000);
            c->paused_since_us = 0;
        }
        conns_take_fd(c, fd);
    }
    return G_SOURCE_CONTINUE;
}

void
conns_listen(Conns *c, GSocket *listener)
{
    g_return_if_fail(c != NULL && G_IS_SOCKET(listener) && c->listener == NULL);
    g_socket_set_blocking(listener, FALSE);
    /* one wake-up per request, not one for the connection and one for its bytes;
     * one that sends nothing is handed over after a second */
    g_socket_set_option(listener, IPPROTO_TCP, TCP_DEFER_ACCEPT, 1, NULL);
    c->listener = g_object_ref(listener);
    accept_resume(c);
}

/* ------------------------------------------------------- early answers */

static void
append_field(const char *name, const char *value, gpointer out)
{
    http_head_append_field(out, name, value);
}

/* The HTTP/1.1 bytes of the answer set on @msg, closing the connection. */
static GBytes *
answer_bytes(SoupServerMessage *msg)
{
    guint status = soup_server_message_get_status(msg);
    SoupMessageHeaders *h = soup_server_message_get_response_headers(msg);
    g_autoptr(GBytes) body = soup_message_body_flatten(soup_server_message_get_response_body(msg));
    gsize len = 0;
    const char *data = g_bytes_get_data(body, &len);
    soup_message_headers_replace(h, "Connection", "close");
    soup_message_headers_set_content_length(h, (goffset)len);
    GString *out = g_string_new(NULL);
    http_head_append_status(out, status, soup_status_get_phrase(status));
    soup_message_headers_foreach(h, append_field, out);
    g_string_append(out, "\r\n");
    g_string_append_len(out, data, (gssize)len);
    return g_string_free_to_bytes(out);
}

typedef struct {
    GIOStream *stream;
    GSocket *socket;
} EarlyAnswer;

static gboolean
on_linger_done(gpointer data)
{
    EarlyAnswer *a = data;
    g_io_stream_close(a->stream, NULL, NULL);
    g_socket_close(a->socket, NULL);
    g_object_unref(a->stream);
    g_object_unref(a->socket);
    g_free(a);
    return G_SOURCE_REMOVE;
}

/*
 * Written: half-close, and give the client a moment to read the answer
 * before close() (unread body bytes would make it a reset that can
 * destroy the answer on its way).
 */
static void
on_answer_written(GObject *source, GAsyncResult *result, gpointer data)
{
    EarlyAnswer *a = data;
    if (g_output_stream_write_all_finish(G_OUTPUT_STREAM(source), result, NULL, NULL)) {
        g_socket_shutdown(a->socket, FALSE, TRUE, NULL);
        g_timeout_add_seconds(LINGER_S, on_linger_done, a);
        return;
    }
    on_linger_done(a);
}

void
conns_answer_now(Conns *c, SoupServerMessage *msg)
{
    g_return_if_fail(c != NULL && SOUP_IS_SERVER_MESSAGE(msg));
    Conn *conn = conn_for_msg(msg);
    g_autoptr(GBytes) bytes = answer_bytes(msg);
    GIOStream *stream = conn != NULL ? soup_server_message_steal_connection(msg) : NULL;
    if (stream == NULL) {
        conns_abort(c, msg);
        return;
    }
    conn_set_deadline(conn, TRUE); /* a client that reads nothing is cut off all the same */
    EarlyAnswer *a = g_new0(EarlyAnswer, 1);
    a->stream = stream;
    a->socket = g_object_ref(conn->socket);
    gsize len = 0;
    const void *data = g_bytes_get_data(bytes, &len);
    g_output_stream_write_all_async(g_io_stream_get_output_stream(stream), data, len,
                                    G_PRIORITY_DEFAULT, NULL, on_answer_written, a);
    /* write_all_async copies nothing: keep the bytes until it is done */
    g_object_set_data_full(G_OBJECT(stream), "rondod-answer", g_steal_pointer(&bytes),
                           (GDestroyNotify)g_bytes_unref);
}

gboolean
conns_is_heavy(Conns *c, SoupServerMessage *msg)
{
    g_return_val_if_fail(c != NULL && SOUP_IS_SERVER_MESSAGE(msg), FALSE);
    Conn *conn = conn_for_msg(msg);
    return conn != NULL && conn->heavy;
}

void
conns_abort(Conns *c, SoupServerMessage *msg)
{
    g_return_if_fail(c != NULL && SOUP_IS_SERVER_MESSAGE(msg));
    Conn *conn = conn_for_msg(msg);
    if (conn != NULL) {
        conn->deadline_us = 0;
        g_socket_shutdown(conn->socket, TRUE, TRUE, NULL);
    }
}

/* ------------------------------------------------------------ lifetime */

Conns *
conns_new(SoupServer *server, Metrics *metrics, guint max_open, guint idle_timeout_s)
{
    g_return_val_if_fail(SOUP_IS_SERVER(server) && max_open > 0 && idle_timeout_s > 0, NULL);
    Conns *c = g_new0(Conns, 1);
    c->server = server;
    c->metrics = metrics;
    c->max_open = max_open;
    c->idle_timeout_us = (gint64)idle_timeout_s * US_PER_S;
    c->open = g_hash_table_new_full(g_direct_hash, g_direct_equal, conn_free, NULL);
    c->pending = g_hash_table_new_full(g_direct_hash, g_direct_equal, pending_free, NULL);
    const char *body = "{\"status\":\"error\",\"errorType\":\"unavailable\","
                       "\"error\":\"too many connections (max_connections)\"}\n";
    g_autofree char *answer =
        g_strdup_printf("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                        "Content-Length: %zu\r\nRetry-After: 1\r\nConnection: close\r\n\r\n%s",
                        strlen(body), body);
    c->busy_answer = g_bytes_new(answer, strlen(answer));
    g_signal_connect(server, "request-started", G_CALLBACK(on_request_started), c);
    g_signal_connect(server, "request-read", G_CALLBACK(on_request_read), c);
    c->sweep_id = g_timeout_add_seconds(1, on_sweep, c);
    return c;
}

void
conns_free(Conns *c)
{
    if (c == NULL)
        return;
    g_signal_handlers_disconnect_by_data(c->server, c);
    if (c->accept_source != NULL) {
        g_source_destroy(c->accept_source);
        g_source_unref(c->accept_source);
    }
    if (c->retry_id)
        g_source_remove(c->retry_id);
    g_source_remove(c->sweep_id);
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, c->open);
    while (g_hash_table_iter_next(&it, &key, NULL))
        g_object_weak_unref(((Conn *)key)->io, on_conn_gone, key);
    g_hash_table_destroy(c->open);
    g_hash_table_destroy(c->pending);
    g_clear_object(&c->listener);
    g_bytes_unref(c->busy_answer);
    g_free(c);
}

guint
conns_get_n_open(const Conns *c)
{
    return conns_count(c);
}
