/* handlers.h - the HTTP endpoints, registered per API family. */
#ifndef RONDOD_HANDLERS_H
#define RONDOD_HANDLERS_H

#include "daemon.h"

void handlers_register(Daemon *d);

/* One per file: handlers-*.c */
void handlers_register_probes(Daemon *d);     /* /healthz, /readyz */
void handlers_register_native(Daemon *d);     /* /metrics/query, /metrics/health, /metrics/info */
void handlers_register_prom(Daemon *d);       /* /api/v1/... */
void handlers_register_read(Daemon *d);       /* /api/v1/read (remote-read) */
void handlers_register_exposition(Daemon *d); /* /metrics */
void handlers_register_dashboard(Daemon *d);  /* / and its files */

/* The acquired handle of store @name in @handles, or NULL. */
StoreHandle *handles_find(GPtrArray *handles, const char *name);

#endif
