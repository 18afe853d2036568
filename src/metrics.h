/* metrics.h - rondod's own golden metrics: requests, latency, bytes, in-flight, rejections. */
#ifndef RONDOD_METRICS_H
#define RONDOD_METRICS_H

#include <glib.h>

typedef struct _Metrics Metrics;

Metrics *metrics_new(void);
void metrics_free(Metrics *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Metrics, metrics_free)

void metrics_request_started(Metrics *m);
/* @route is one of a fixed set of handler names (see route_for_path), never raw input. */
void metrics_request_finished(Metrics *m, const char *route, guint code, double seconds,
                              guint64 bytes);
void metrics_request_aborted(Metrics *m);
/*
 * @reason: auth, body_too_large, length_required, bad_length, too_many_queries, limit,
 * connections (over max_connections), idle_timeout.
 */
void metrics_rejected(Metrics *m, const char *reason);

/* The handler label for a request path: known routes, "/dashboard" or "other". */
const char *route_for_path(const char *path);

/* Appends the text exposition of every rondod_* metric. */
void metrics_write(const Metrics *m, GString *out, guint stores_open, guint stores_adopted);

#endif
