/* remote.h - queries against rondod's Prometheus-compatible HTTP API. */
#ifndef TOOL_REMOTE_H
#define TOOL_REMOTE_H

#include "result.h"

/* GET URL/api/v1/query_range?query=&start=&end=&step= and parses the
 * "matrix" answer. Times are sent as Unix seconds. */
ToolResult *tool_remote_fetch(const char *url, const char *selector, guint64 start_ns,
                              guint64 end_ns, guint64 step_ns, GError **error);

/* Parses a Prometheus query_range JSON answer (exposed for tests). */
ToolResult *tool_remote_parse(const char *json, gsize length, guint64 start_ns, guint64 end_ns,
                              GError **error);

#endif /* TOOL_REMOTE_H */
