/* daemon.h - the state one rondod process shares between its HTTP handlers. */
#ifndef RONDOD_DAEMON_H
#define RONDOD_DAEMON_H

#include <libsoup/soup.h>

#include "conf.h"
#include "conns.h"
#include "export.h"
#include "metrics.h"
#include "registry.h"

/*
 * Owned by main() and touched on the main loop only; query threads get a
 * copy of what they need (acquired store handles, limits), never this.
 */
typedef struct {
    const RondodConfig *config;
    Registry *registry;
    Metrics *metrics;
    Export *export; /* NULL: no [export] url */
    SoupServer *server;
    Conns *conns; /* the client connections of server */
    const char *dashboard_dir;
    gboolean have_token;
    guint8 token_digest[32]; /* SHA-256 of the bearer token */
    guint heavy_in_flight;   /* queries running in worker threads */
    gint64 started_us;       /* monotonic */
} Daemon;

#endif
