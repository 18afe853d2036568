/* timespec.h - times and durations as users type them on a command line. */
#ifndef TOOL_TIMESPEC_H
#define TOOL_TIMESPEC_H

#include <glib.h>

/* A positive duration: one or more NUMBER UNIT pairs, "90s", "1h30m",
 * units ms, s, m, h, d, w (Prometheus' duration syntax). Errors are in
 * G_OPTION_ERROR (BAD_VALUE), messages translated. */
gboolean tool_duration_parse(const char *text, guint64 *ret_ns, GError **error);

/* A point in time: "now", "now-10m", "-10m" (relative to @now_ns), Unix
 * seconds with an optional fraction, or RFC 3339 ("2024-05-01T12:00:00Z"). */
gboolean tool_time_parse(const char *text, guint64 now_ns, guint64 *ret_ns, GError **error);

/* The query range from --start, --end and --range (each may be NULL):
 *   --range alone: [now - range, now]; with --start or --end: anchored there;
 *   --start/--end alone: the missing end is now, the missing start end-10m;
 *   nothing: the last 10 minutes. All three together are an error. */
gboolean tool_time_range_resolve(const char *start, const char *end, const char *range,
                                 guint64 now_ns, guint64 *ret_start_ns, guint64 *ret_end_ns,
                                 GError **error);

/* "2024-05-01T12:00:00Z" (UTC; a fraction of a second when there is one). */
char *tool_time_format(guint64 t_ns);
/* Unix seconds, exact: "1714564800" or "1714564800.25". @buf holds 32. */
void tool_time_format_seconds(guint64 t_ns, char *buf, gsize size);
/* "10m", "6h", "1h30m", "250ms": the shortest exact spelling. */
char *tool_duration_format(guint64 ns);

#endif /* TOOL_TIMESPEC_H */
