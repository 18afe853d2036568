/* quick.h - answering a plain GET of a query without libsoup. */
#ifndef RONDOD_QUICK_H
#define RONDOD_QUICK_H

#include "daemon.h"

/*
 * The whole answer (status line, headers, body) to the request whose
 * bytes are @buf, if it is one quick.c answers: a GET of the strict shape
 * of http_head_parse(), @buf holding all of it and nothing more, to a
 * route with a RouteQuick that answers it, with the bearer token when the
 * route needs one. The request is then counted in rondod's metrics as if
 * libsoup had read it. NULL otherwise, with nothing done: the connection
 * goes to libsoup; *@ret_heavy set when the route's quick answer found the
 * work too big for the main loop. @daemon: the Daemon. A ConnsQuickFunc.
 */
GBytes *quick_answer(const char *buf, gsize len, gboolean *ret_heavy, gpointer daemon);

#endif
