/* output.h - a query result as CSV, JSON, an aligned table or a chart. */
#ifndef RONDO_OUTPUT_H
#define RONDO_OUTPUT_H

#include <stdio.h>
#include <glib.h>
#include "result.h"

typedef enum {
    RONDO_FORMAT_TABLE,
    RONDO_FORMAT_CSV,
    RONDO_FORMAT_JSON,
} RondoFormat;

typedef struct {
    gboolean color; /* ANSI colours: a terminal, and NO_COLOR unset */
    gboolean utf8;  /* the locale's charset is UTF-8: block characters */
    guint width;    /* terminal columns */
    gboolean raw;   /* tables and charts: plain numbers, no units (--raw) */
} RondoOutputStyle;

gboolean rondo_format_from_string(const char *text, RondoFormat *ret_format);
/* What @out can show: colour only on a TTY without NO_COLOR or TERM=dumb. */
void rondo_output_style_detect(RondoOutputStyle *style, FILE *out);

/* Appends @result to @out in @format (the formats are described in
 * rondo-query(1)); a table uses @style, CSV and JSON never do. */
void rondo_output_write(GString *out, const RondoResult *result, RondoFormat format,
                        const RondoOutputStyle *style);

/* A line chart of every series over the result's range, @height rows. */
void rondo_chart_write(GString *out, const RondoResult *result, const RondoOutputStyle *style,
                       guint height);
/* A sparkline of @series over [start, end] in @width character cells. */
void rondo_sparkline_append(GString *out, const RondoResultSeries *series, guint64 start_ns,
                            guint64 end_ns, guint width, gboolean utf8);

/* Averages the points of @series into @n equal time buckets of
 * [start, end]; an empty bucket is NaN. Shared by sparkline and chart. */
void rondo_series_bucketize(const RondoResultSeries *series, guint64 start_ns, guint64 end_ns,
                            double *buckets, guint n);

#endif /* RONDO_OUTPUT_H */
