/* metrics.h - rondod's own golden metrics: requests, latency, bytes, in-flight, rejections. */
#ifndef RONDOD_METRICS_H
#define RONDOD_METRICS_H

#include <glib.h>

typedef struct _Metrics Metrics;

Metrics *metrics_new(void);
void metrics_free(Metrics *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Metrics, metrics_free)

void metrics_request_started(Metrics *m);
/* @route is a label of the route table (route_label()), never raw input. */
void metrics_request_finished(Metrics *m, const char *route, guint code, double seconds,
                              guint64 bytes);
void metrics_request_aborted(Metrics *m);
/* One of the finished requests was answered by quick.c. */
void metrics_request_quick(Metrics *m);
/*
 * @reason: auth, body_too_large, length_required, bad_length, too_many_queries, limit,
 * connections (over max_connections), idle_timeout.
 */
void metrics_rejected(Metrics *m, const char *reason);

/* Appends the text exposition of every rondod_* metric. */
void metrics_write(const Metrics *m, GString *out, guint stores_open, guint stores_adopted);

#endif
