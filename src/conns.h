/* conns.h - the client connections: accepting them, bounding their number and idle time. */
#ifndef RONDOD_CONNS_H
#define RONDOD_CONNS_H

#include <libsoup/soup.h>

#include "metrics.h"

typedef struct _Conns Conns;

/*
 * Connections for @server, one request each: at most @max_open at once,
 * each closed when its request has not arrived within @idle_timeout_s of
 * its opening, or when the client takes nothing of the answer for that
 * long. Nothing is accepted before conns_listen().
 */
Conns *conns_new(SoupServer *server, Metrics *metrics, guint max_open, guint idle_timeout_s);
/* Closes every connection still open; accepts NULL. Call before unreffing the server. */
void conns_free(Conns *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Conns, conns_free)

/*
 * Looks at the bytes a new connection has already sent (@buf, @len: all
 * of them, as far as a peek sees) and returns the whole answer to them,
 * or NULL: the connection goes to libsoup untouched. NULL with
 * *@ret_heavy set: the request is the quick answer's, but its work was
 * found too big for the main loop (conns_is_heavy() tells the handler).
 */
typedef GBytes *(*ConnsQuickFunc)(const char *buf, gsize len, gboolean *ret_heavy, gpointer data);

/* Offers each new connection to @fn first (quick.c). */
void conns_set_quick(Conns *c, ConnsQuickFunc fn, gpointer data);

/* Accepts connections on @listener (listening already) from now on. Call once. */
void conns_listen(Conns *c, GSocket *listener);

/* Connections open now. */
guint conns_get_n_open(const Conns *c);

/*
 * Sends the answer already set on @msg (status, headers, body) at once,
 * without reading the request body it announced, and closes the connection
 * shortly after. libsoup no longer knows @msg afterwards: the caller counts
 * it as finished itself.
 */
void conns_answer_now(Conns *c, SoupServerMessage *msg);

/* TRUE if the quick answer found @msg's work too big for the main loop. */
gboolean conns_is_heavy(Conns *c, SoupServerMessage *msg);

/* Drops @msg's connection at once, without an answer (a body past every limit). */
void conns_abort(Conns *c, SoupServerMessage *msg);

#endif
