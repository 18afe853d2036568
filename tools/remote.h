/* remote.h - queries against rondod's Prometheus-compatible HTTP API. */
#ifndef RONDO_REMOTE_H
#define RONDO_REMOTE_H

#include "result.h"

/* GET URL/api/v1/query_range?query=&start=&end=&step= and parses the
 * "matrix" answer. Times are sent as Unix seconds. */
RondoResult *rondo_remote_fetch(const char *url, const char *selector, guint64 start_ns,
                                guint64 end_ns, guint64 step_ns, GError **error);

/* Parses a Prometheus query_range JSON answer (exposed for tests). */
RondoResult *rondo_remote_parse(const char *json, gsize length, guint64 start_ns, guint64 end_ns,
                                GError **error);

#endif /* RONDO_REMOTE_H */
