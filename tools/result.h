/* result.h - the answer to a query: series, each with its points.
 *
 * Both sources (a local store, a rondod URL) produce this, and every
 * output format (output.h) consumes it, so formats never depend on where
 * the data came from.
 */
#ifndef RONDO_RESULT_H
#define RONDO_RESULT_H

#include <glib.h>
#include "rondo.h"
#include "selector.h"
#include "value-format.h"

/* The tier of a point read from rondod (whose answers do not say). */
#define RONDO_POINT_TIER_UNKNOWN G_MAXUINT

typedef struct {
    guint64 t_ns;
    double value;
    guint tier; /* the tier that served it, or RONDO_POINT_TIER_UNKNOWN */
} RondoPoint;

typedef struct {
    char *name;
    char **labels;  /* NULL-terminated name, value, ... pairs, sorted by name */
    char *key;      /* name{a="1",b="2"}: identity and sort order */
    GArray *points; /* RondoPoint, in time order */
    RondoUnit unit; /* the writer's (a local store), else the name's */
} RondoResultSeries;

/* A query's answer: RondoResultSeries*, sorted by key. */
typedef struct {
    GPtrArray *series;
    guint64 start_ns, end_ns;
} RondoResult;

RondoResult *rondo_result_new(guint64 start_ns, guint64 end_ns);
void rondo_result_free(RondoResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RondoResult, rondo_result_free)

/* Adds a series (labels are copied and sorted); returns it for its points. */
RondoResultSeries *rondo_result_add(RondoResult *result, const char *name,
                                    const char *const *labels);
void rondo_result_sort(RondoResult *result);

/* "name{a=\"1\"}" with Prometheus escaping; labels sorted by name. */
char *rondo_series_key_format(const char *name, const char *const *labels);

/* RONDO_QUERY_TIER_AUTO or a tier number. */
#define RONDO_QUERY_TIER_AUTO G_MAXUINT

/**
 * rondo_result_from_store:
 * Every series of @store that @selector matches, read from @tier (or
 * query_auto) with @cf, between @start_ns and @end_ns inclusive.
 */
RondoResult *rondo_result_from_store(const RondoStore *store, const RondoSelector *selector,
                                     guint tier, RondoConsolidation cf, guint64 start_ns,
                                     guint64 end_ns, GError **error);

#endif /* RONDO_RESULT_H */
