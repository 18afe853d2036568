/* process-metrics.h - the standard process_* metrics of rondod's own /metrics. */
#ifndef RONDOD_PROCESS_METRICS_H
#define RONDOD_PROCESS_METRICS_H

#include <glib.h>

/*
 * Appends process_cpu_seconds_total, process_resident_memory_bytes,
 * process_virtual_memory_bytes, process_open_fds, process_max_fds and
 * process_start_time_seconds, named and typed as Prometheus' client
 * libraries name them, to @out (the exposition text format). A figure
 * that cannot be read is left out, never invented.
 */
void process_metrics_write(GString *out);

#endif /* RONDOD_PROCESS_METRICS_H */
