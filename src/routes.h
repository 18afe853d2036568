/* routes.h - rondod's endpoints, in one table.
 *
 * Each endpoint's path, the methods it answers, whether it needs the
 * bearer token, whether its parameters are parsed first, its label in
 * rondod's own metrics and its handler are one row of routes.c: the
 * server (dispatch, the token check) and the metrics read the same row.
 */
#ifndef RONDOD_ROUTES_H
#define RONDOD_ROUTES_H

#include <libsoup/soup.h>

#include "daemon.h"
#include "jobs.h"
#include "params.h"

typedef enum {
    ROUTE_GET = 1 << 0,    /* GET and HEAD */
    ROUTE_POST = 1 << 1,   /* POST */
    ROUTE_PUBLIC = 1 << 2, /* answered without the bearer token (the probes) */
    ROUTE_PARAMS = 1 << 3, /* the query string (and a POSTed form) parsed into Params */
    ROUTE_TREE = 1 << 4,   /* @path and every path below it */
} RouteFlags;

/* @p: the parameters with ROUTE_PARAMS, else NULL. */
typedef void (*RouteHandler)(Daemon *d, SoupServerMessage *msg, const char *path, const Params *p);

/*
 * A route's quick answer (quick.c): a GET whose whole request came with
 * its connection, answered without libsoup. Fills @reply and returns TRUE,
 * or FALSE having done nothing observable (no metrics, @reply untouched)
 * because the work is too big for the main loop: the request then goes the
 * usual way, to the route's handler, and conns_is_heavy() says so there.
 */
typedef gboolean (*RouteQuick)(Daemon *d, const char *path, const Params *p, JobReply *reply);

typedef struct {
    const char *path;   /* the path, or with @suffix or ROUTE_TREE its prefix */
    const char *suffix; /* non-NULL: PATH + one segment + SUFFIX ("" for none) */
    const char *label;  /* the handler label of rondod_http_*; NULL: "other" */
    guint flags;        /* RouteFlags */
    RouteHandler handler;
    RouteQuick quick; /* NULL: every request goes through libsoup */
} Route;

/* The route of @path (first match in table order), or NULL. */
const Route *route_find(const char *path);
/* The metrics label of @path: its route's, or "other". Never request input. */
const char *route_label(const char *path);
/* Every distinct label of the table, "other" last; NULL-terminated, static. */
const char *const *route_labels(void);

#endif /* RONDOD_ROUTES_H */
