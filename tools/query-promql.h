/* query-promql.h - a PromQL expression evaluated on a local store with
 * rondod's engine (query-promql.c). */
#ifndef TOOL_QUERY_PROMQL_H
#define TOOL_QUERY_PROMQL_H

#include "result.h"

/* Whether @expr parses as PromQL; if not, @error says where and why.
 * @ret_selector: whether it is a plain instant selector (no range, offset
 * or @), which the tools read as stored. */
gboolean tool_promql_check(const char *expr, gboolean *ret_selector, GError **error);

/* Evaluates @expr at start, start+step, ... <= end over the store @store_dir
 * (opened read-only), as rondod would: the series are the expression's
 * answer, without the store label rondod adds; a scalar is one series
 * named "scalar". Returns: (transfer full): the result, or NULL with
 * @error (a store that cannot be opened, a limit or an execution error). */
ToolResult *tool_promql_eval(const char *store_dir, const char *expr, guint64 start_ns,
                             guint64 end_ns, guint64 step_ns, GError **error);

#endif
