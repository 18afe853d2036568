/* query-run.h - one query from command-line words to printed output,
 * shared by `rondo query` and rondo-query. */
#ifndef TOOL_QUERY_RUN_H
#define TOOL_QUERY_RUN_H

#include <glib.h>
#include "result.h"

/* Fetches a result from a rondod URL (remote.c); NULL in `rondo`. */
typedef ToolResult *(*ToolRemoteFetch)(const char *url, const char *selector, guint64 start_ns,
                                       guint64 end_ns, guint64 step_ns, GError **error);

typedef struct {
    const char *store_dir; /* exactly one of store_dir and url */
    const char *url;
    const char *selector;
    const char *start, *end, *range, *step; /* as typed; NULL when absent */
    const char *tier;                       /* "auto" or a number; NULL: auto */
    const char *function;                   /* NULL: average */
    const char *format;                     /* NULL: table */
    gboolean chart;
    gboolean raw; /* tables and charts: plain numbers instead of values in units */
    ToolRemoteFetch fetch;
} ToolQueryOptions;

/* Runs the query, prints the result on stdout and errors on stderr.
 * Returns the exit status: 0, 1 (failure) or 2 (usage error). */
int tool_query_run(const ToolQueryOptions *options);

#endif /* TOOL_QUERY_RUN_H */
