/* server.h - the SoupServer: listening, the early checks, request accounting. */
#ifndef RONDOD_SERVER_H
#define RONDOD_SERVER_H

#include "daemon.h"

/*
 * Loads the bearer token (if configured), creates d->server with every
 * handler, and listens: on the socket systemd passed (LISTEN_FDS), else on
 * config->listen. A non-loopback address needs allow_remote. Connections
 * are accepted by d->conns (conns.c).
 */
gboolean server_start(Daemon *d, GError **error);
/* Stops listening, closes every connection, frees d->server; after a failed start too. */
void server_stop(Daemon *d);

/*
 * Re-reads the token of the configuration now in d->config (for a reload).
 * On failure the old token stays in force.
 */
gboolean server_reload_token(Daemon *d, GError **error);

/* Constant-time check of an Authorization header value against the token. */
gboolean server_check_token(const Daemon *d, const char *authorization);

#endif
