/* output.h - a query result as CSV, JSON, an aligned table or a chart. */
#ifndef TOOL_OUTPUT_H
#define TOOL_OUTPUT_H

#include <stdio.h>
#include <glib.h>
#include "result.h"

typedef enum {
    TOOL_FORMAT_TABLE,
    TOOL_FORMAT_CSV,
    TOOL_FORMAT_JSON,
} ToolFormat;

typedef struct {
    gboolean color; /* ANSI colours: a terminal, and NO_COLOR unset */
    gboolean utf8;  /* the locale's charset is UTF-8: block characters */
    guint width;    /* terminal columns */
    gboolean raw;   /* tables and charts: plain numbers, no units (--raw) */
} ToolOutputStyle;

gboolean tool_format_from_string(const char *text, ToolFormat *ret_format);
/* What @out can show: colour only on a TTY without NO_COLOR or TERM=dumb. */
void tool_output_style_detect(ToolOutputStyle *style, FILE *out);

/* Appends @result to @out in @format (the formats are described in
 * rondo-query(1)); a table uses @style, CSV and JSON never do. */
void tool_output_write(GString *out, const ToolResult *result, ToolFormat format,
                       const ToolOutputStyle *style);

/* A line chart of every series over the result's range, @height rows. */
void tool_chart_write(GString *out, const ToolResult *result, const ToolOutputStyle *style,
                      guint height);
/* A sparkline of @series over [start, end] in @width character cells. */
void tool_sparkline_append(GString *out, const ToolResultSeries *series, guint64 start_ns,
                           guint64 end_ns, guint width, gboolean utf8);

/* Averages the points of @series into @n equal time buckets of
 * [start, end]; an empty bucket is NaN. Shared by sparkline and chart. */
void tool_series_bucketize(const ToolResultSeries *series, guint64 start_ns, guint64 end_ns,
                           double *buckets, guint n);

#endif /* TOOL_OUTPUT_H */
