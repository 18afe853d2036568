/* handlers.h - the HTTP endpoints; routes.c says which path each serves.
 *
 * Every handler has the RouteHandler signature: the server has already
 * matched the path, checked the method, the token and the body's length,
 * and parsed the parameters of a ROUTE_PARAMS route.
 */
#ifndef RONDOD_HANDLERS_H
#define RONDOD_HANDLERS_H

#include "daemon.h"
#include "routes.h"

/* handlers-probes.c */
void handle_healthz(Daemon *d, SoupServerMessage *msg, const char *path, const Params *p);
void handle_readyz(Daemon *d, SoupServerMessage *msg, const char *path, const Params *p);
/* Their quick answers (RouteQuick): always TRUE, a probe is never heavy. */
gboolean quick_healthz(Daemon *d, const char *path, const Params *p, JobReply *reply);
gboolean quick_readyz(Daemon *d, const char *path, const Params *p, JobReply *reply);
/* handlers-native.c: rondo's own JSON API */
void handle_native_query(Daemon *d, SoupServerMessage *msg, const char *path, const Params *p);
void handle_native_health(Daemon *d, SoupServerMessage *msg, const char *path, const Params *p);
void handle_native_info(Daemon *d, SoupServerMessage *msg, const char *path, const Params *p);
/* handlers-prom.c: the Prometheus HTTP API */
void handle_prom_query(Daemon *d, SoupServerMessage *msg, const char *path, const Params *p);
void handle_prom_query_range(Daemon *d, SoupServerMessage *msg, const char *path, const Params *p);
/* Their quick answers (RouteQuick): FALSE when the query needs a worker thread. */
gboolean quick_prom_query(Daemon *d, const char *path, const Params *p, JobReply *reply);
gboolean quick_prom_query_range(Daemon *d, const char *path, const Params *p, JobReply *reply);
void handle_prom_series(Daemon *d, SoupServerMessage *msg, const char *path, const Params *p);
void handle_prom_labels(Daemon *d, SoupServerMessage *msg, const char *path, const Params *p);
void handle_prom_label_values(Daemon *d, SoupServerMessage *msg, const char *path, const Params *p);
void handle_prom_buildinfo(Daemon *d, SoupServerMessage *msg, const char *path, const Params *p);
void handle_prom_metadata(Daemon *d, SoupServerMessage *msg, const char *path, const Params *p);
void handle_prom_exemplars(Daemon *d, SoupServerMessage *msg, const char *path, const Params *p);
void handle_prom_unknown(Daemon *d, SoupServerMessage *msg, const char *path, const Params *p);
/* handlers-read.c: remote-read */
void handle_remote_read(Daemon *d, SoupServerMessage *msg, const char *path, const Params *p);
/* handlers-expo.c: /metrics */
void handle_exposition(Daemon *d, SoupServerMessage *msg, const char *path, const Params *p);
/* handlers-dashboard.c: / and its files */
void handle_dashboard(Daemon *d, SoupServerMessage *msg, const char *path, const Params *p);

/* The acquired handle of store @name in @handles, or NULL. */
StoreHandle *handles_find(GPtrArray *handles, const char *name);

#endif
