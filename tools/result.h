/* result.h - the answer to a query: series, each with its points.
 *
 * Both sources (a local store, a rondod URL) produce this, and every
 * output format (output.h) consumes it, so formats never depend on where
 * the data came from.
 */
#ifndef TOOL_RESULT_H
#define TOOL_RESULT_H

#include <glib.h>
#include "rondo.h"
#include "selector.h"
#include "value-format.h"

/* The tier of a point read from rondod (whose answers do not say). */
#define TOOL_POINT_TIER_UNKNOWN G_MAXUINT

typedef struct {
    guint64 t_ns;
    double value;
    guint tier; /* the tier that served it, or TOOL_POINT_TIER_UNKNOWN */
} ToolPoint;

typedef struct {
    char *name;
    char **labels;  /* NULL-terminated name, value, ... pairs, sorted by name */
    char *key;      /* name{a="1",b="2"}: identity and sort order */
    GArray *points; /* ToolPoint, in time order */
    ToolUnit unit;  /* the writer's (a local store), else the name's */
} ToolResultSeries;

/* A query's answer: ToolResultSeries*, sorted by key. */
typedef struct {
    GPtrArray *series;
    guint64 start_ns, end_ns;
} ToolResult;

ToolResult *tool_result_new(guint64 start_ns, guint64 end_ns);
void tool_result_free(ToolResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ToolResult, tool_result_free)

/* Adds a series (labels are copied and sorted); returns it for its points. */
ToolResultSeries *tool_result_add(ToolResult *result, const char *name, const char *const *labels);
void tool_result_sort(ToolResult *result);

/* "name{a=\"1\"}" with Prometheus escaping; labels sorted by name. */
char *tool_series_key_format(const char *name, const char *const *labels);

/* TOOL_QUERY_TIER_AUTO or a tier number. */
#define TOOL_QUERY_TIER_AUTO G_MAXUINT

/**
 * tool_result_from_store:
 * Every series of @store that @selector matches, read from @tier (or
 * query_auto) with @cf, between @start_ns and @end_ns inclusive.
 */
ToolResult *tool_result_from_store(const RondoStore *store, const ToolSelector *selector,
                                   guint tier, RondoConsolidation cf, guint64 start_ns,
                                   guint64 end_ns, GError **error);

#endif /* TOOL_RESULT_H */
