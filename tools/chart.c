/* chart.c - sparklines and terminal line charts of query results.
 *
 * Both average the points into equal time buckets of the query range, so
 * the picture's horizontal axis is time, not point count: gaps show as
 * gaps. Block characters on a UTF-8 locale, plain ASCII otherwise; colour
 * is optional decoration, never the only carrier of meaning.
 */
#include "config.h"
#include <math.h>
#include <string.h>
#include <glib/gi18n.h>
#include "output.h"
#include "timespec.h"
#include "value-format.h"

#define CHART_LABEL_WIDTH 10
#define CHART_WIDTH_MAX   400

static const char *const spark_utf8[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
static const char spark_ascii[] = "_.,-=+*#";
static const char markers[] = "*+ox#@%&";
static const char *const colors[] = {"\033[36m", "\033[33m", "\033[35m",
                                     "\033[32m", "\033[34m", "\033[31m"};

void
tool_series_bucketize(const ToolResultSeries *series, guint64 start_ns, guint64 end_ns,
                      double *buckets, guint n)
{
    g_autofree guint *counts = g_new0(guint, n);
    guint64 span = end_ns - start_ns + 1;
    for (guint b = 0; b < n; b++)
        buckets[b] = 0;
    for (guint j = 0; j < series->points->len; j++) {
        const ToolPoint *p = &g_array_index(series->points, ToolPoint, j);
        if (p->t_ns < start_ns || p->t_ns > end_ns || !isfinite(p->value))
            continue;
        guint b = (guint)((double)(p->t_ns - start_ns) / (double)span * n);
        b = MIN(b, n - 1);
        buckets[b] += p->value;
        counts[b]++;
    }
    for (guint b = 0; b < n; b++)
        buckets[b] = counts[b] ? buckets[b] / counts[b] : NAN;
}

static void
range_of(const double *v, guint n, double *ret_min, double *ret_max)
{
    double lo = INFINITY, hi = -INFINITY;
    for (guint i = 0; i < n; i++) {
        if (isnan(v[i]))
            continue;
        lo = MIN(lo, v[i]);
        hi = MAX(hi, v[i]);
    }
    *ret_min = lo;
    *ret_max = hi;
}

/* 0..levels-1 for @v within [lo, hi]; the middle when the range is flat. */
static guint
level_of(double v, double lo, double hi, guint levels)
{
    if (!(hi > lo))
        return levels / 2;
    double x = (v - lo) / (hi - lo) * (levels - 1);
    return (guint)CLAMP(lround(x), 0, (long)levels - 1);
}

void
tool_sparkline_append(GString *out, const ToolResultSeries *series, guint64 start_ns,
                      guint64 end_ns, guint width, gboolean utf8)
{
    g_autofree double *b = g_new(double, width);
    double lo, hi;
    tool_series_bucketize(series, start_ns, end_ns, b, width);
    range_of(b, width, &lo, &hi);
    for (guint i = 0; i < width; i++) {
        if (isnan(b[i])) {
            g_string_append_c(out, ' ');
            continue;
        }
        guint l = level_of(b[i], lo, hi, 8);
        if (utf8)
            g_string_append(out, spark_utf8[l]);
        else
            g_string_append_c(out, spark_ascii[l]);
    }
}

typedef struct {
    guint width, height;
    int *cells; /* series index per cell, -1 empty */
    double lo, hi;
    ToolUnit unit; /* of every series, else TOOL_UNIT_NONE */
    gboolean raw;
} Grid;

/* Plots one series' buckets, joining consecutive columns vertically. */
static void
grid_plot(Grid *g, const double *b, int series)
{
    int prev = -1;
    for (guint x = 0; x < g->width; x++) {
        if (isnan(b[x])) {
            prev = -1;
            continue;
        }
        int row = (int)level_of(b[x], g->lo, g->hi, g->height);
        int from = row, to = row;
        if (prev >= 0 && prev < row - 1)
            from = prev + 1;
        if (prev >= 0 && prev > row + 1)
            to = prev - 1;
        for (int r = from; r <= to; r++)
            g->cells[(g->height - 1 - (guint)r) * g->width + x] = series;
        prev = row;
    }
}

static void
chart_axis_label(GString *out, const Grid *g, guint row)
{
    char buf[TOOL_VALUE_BUF];
    if (row == 0 || row == g->height - 1 || row == g->height / 2) {
        double v = g->hi - (g->hi - g->lo) * row / (g->height - 1);
        v = g->height > 1 && g->hi > g->lo ? v : g->lo;
        if (g->raw)
            tool_value_format_short(v, 4, buf);
        else
            tool_value_format_human(v, g->unit, buf);
    } else {
        buf[0] = '\0';
    }
    g_string_append_printf(out, "%*s ", CHART_LABEL_WIDTH, buf);
}

static void
chart_rows(GString *out, const Grid *g, const ToolOutputStyle *style)
{
    for (guint row = 0; row < g->height; row++) {
        chart_axis_label(out, g, row);
        g_string_append(out, style->utf8 ? "┤" : "|");
        for (guint x = 0; x < g->width; x++) {
            int s = g->cells[row * g->width + x];
            if (s < 0) {
                g_string_append_c(out, ' ');
                continue;
            }
            if (style->color)
                g_string_append(out, colors[(guint)s % G_N_ELEMENTS(colors)]);
            g_string_append_c(out, markers[(guint)s % (sizeof markers - 1)]);
            if (style->color)
                g_string_append(out, "\033[0m");
        }
        g_string_append_c(out, '\n');
    }
}

static void
chart_time_axis(GString *out, const Grid *g, const ToolResult *result, gboolean utf8)
{
    g_string_append_printf(out, "%*s %s", CHART_LABEL_WIDTH, "", utf8 ? "└" : "+");
    for (guint x = 0; x < g->width; x++)
        g_string_append(out, utf8 ? "─" : "-");
    g_autofree char *t0 = tool_time_format(result->start_ns);
    g_autofree char *t1 = tool_time_format(result->end_ns);
    guint gap = g->width + 1 > strlen(t0) + strlen(t1)
                    ? g->width + 1 - (guint)strlen(t0) - (guint)strlen(t1)
                    : 1;
    g_string_append_printf(out, "\n%*s %s%*s%s\n", CHART_LABEL_WIDTH, "", t0, (int)gap, "", t1);
}

static void
chart_legend(GString *out, const ToolResult *result, const ToolOutputStyle *style)
{
    for (guint i = 0; i < result->series->len; i++) {
        const ToolResultSeries *s = g_ptr_array_index(result->series, i);
        const char *color = style->color ? colors[i % G_N_ELEMENTS(colors)] : "";
        g_string_append_printf(out, "%*s %s%c%s %s\n", CHART_LABEL_WIDTH, "", color,
                               markers[i % (sizeof markers - 1)], style->color ? "\033[0m" : "",
                               s->key);
    }
}

void
tool_chart_write(GString *out, const ToolResult *result, const ToolOutputStyle *style, guint height)
{
    guint width = CLAMP(style->width, 40, CHART_WIDTH_MAX) - CHART_LABEL_WIDTH - 3;
    guint n = result->series->len;
    g_autofree double *b = g_new(double, (gsize)width *MAX(n, 1));
    Grid g = {width, MAX(height, 3), NULL, INFINITY, -INFINITY, TOOL_UNIT_NONE, style->raw};

    for (guint i = 0; i < n; i++) {
        ToolUnit u = ((ToolResultSeries *)g_ptr_array_index(result->series, i))->unit;
        g.unit = i == 0 || u == g.unit ? u : TOOL_UNIT_NONE;
        double lo, hi;
        tool_series_bucketize(g_ptr_array_index(result->series, i), result->start_ns,
                              result->end_ns, b + (gsize)i * width, width);
        range_of(b + (gsize)i * width, width, &lo, &hi);
        g.lo = MIN(g.lo, lo);
        g.hi = MAX(g.hi, hi);
    }
    if (!isfinite(g.lo)) {
        g_string_append_printf(out, "%s\n", _("(no points in the range)"));
        return;
    }
    g.cells = g_new(int, (gsize)width *g.height);
    for (gsize c = 0; c < (gsize)width * g.height; c++)
        g.cells[c] = -1;
    for (guint i = 0; i < n; i++)
        grid_plot(&g, b + (gsize)i * width, (int)i);
    chart_rows(out, &g, style);
    chart_time_axis(out, &g, result, style->utf8);
    chart_legend(out, result, style);
    g_free(g.cells);
}
