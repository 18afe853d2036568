/* output.c - CSV, JSON and table output of a query result.
 *
 * CSV and JSON are for scripts: stable column order, exact values
 * (value-format.h), no colour, independent of locale and terminal. Their
 * shapes are documented in rondo-query(1); tests/tools keeps golden copies.
 * The table is for people and may change.
 */
#include "config.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include "output.h"
#include "timespec.h"
#include "value-format.h"
#include "json.h"

#define SPARK_WIDTH 24
#define BOLD        "\033[1m"
#define CYAN        "\033[36m"
#define RESET       "\033[0m"

gboolean
tool_format_from_string(const char *text, ToolFormat *ret_format)
{
    static const char *const names[] = {"table", "csv", "json"};
    for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
        if (g_str_equal(text, names[i])) {
            *ret_format = (ToolFormat)i;
            return TRUE;
        }
    }
    return FALSE;
}

void
tool_output_style_detect(ToolOutputStyle *style, FILE *out)
{
    const char *no_color = g_getenv("NO_COLOR");
    const char *term = g_getenv("TERM");
    const char *columns = g_getenv("COLUMNS");
    gboolean tty = isatty(fileno(out));
    struct winsize ws;

    style->color = tty && (no_color == NULL || *no_color == '\0') &&
                   !(term != NULL && g_str_equal(term, "dumb"));
    style->utf8 = g_get_charset(NULL);
    style->width = 80;
    if (tty && ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
        style->width = ws.ws_col;
    else if (columns != NULL && atoi(columns) >= 40)
        style->width = (guint)atoi(columns);
}

/* The tiers that served @s's points, in the order they first appear
 * ("1+0": a stitched read); "" when unknown (points from rondod). */
static char *
series_tiers(const ToolResultSeries *s, const char *sep)
{
    GString *out = g_string_new(NULL);
    guint64 seen = 0;
    for (guint j = 0; j < s->points->len; j++) {
        guint t = g_array_index(s->points, ToolPoint, j).tier;
        if (t >= 64 || (seen & (G_GUINT64_CONSTANT(1) << t)))
            continue;
        seen |= G_GUINT64_CONSTANT(1) << t;
        g_string_append_printf(out, "%s%u", out->len ? sep : "", t);
    }
    return g_string_free(out, FALSE);
}

static void
write_csv(GString *out, const ToolResult *result)
{
    g_string_append(out, "series,timestamp,value,tier\n");
    for (guint i = 0; i < result->series->len; i++) {
        const ToolResultSeries *s = g_ptr_array_index(result->series, i);
        for (guint j = 0; j < s->points->len; j++) {
            const ToolPoint *p = &g_array_index(s->points, ToolPoint, j);
            char t[32], v[TOOL_VALUE_BUF];
            tool_time_format_seconds(p->t_ns, t, sizeof t);
            tool_value_format(p->value, v);
            tool_csv_append_field(out, s->key);
            g_string_append_printf(out, ",%s,%s,", t, v);
            if (p->tier != TOOL_POINT_TIER_UNKNOWN)
                g_string_append_printf(out, "%u", p->tier);
            g_string_append_c(out, '\n');
        }
    }
}

static void
write_json_metric(GString *out, const ToolResultSeries *s)
{
    g_string_append(out, "{\"metric\":{");
    gboolean named = s->name[0] != '\0'; /* a PromQL answer's may have none, as Prometheus' */
    if (named) {
        g_string_append(out, "\"__name__\":");
        json_append_string(out, s->name);
    }
    for (gsize k = 0; s->labels[k] && s->labels[k + 1]; k += 2) {
        if (named || k > 0)
            g_string_append_c(out, ',');
        json_append_string(out, s->labels[k]);
        g_string_append_c(out, ':');
        json_append_string(out, s->labels[k + 1]);
    }
    g_string_append(out, "},");
    g_autofree char *tiers = series_tiers(s, ",");
    if (tiers[0] != '\0' || s->points->len == 0)
        g_string_append_printf(out, "\"tiers\":[%s],", tiers);
    g_string_append(out, "\"values\":[");
    for (guint j = 0; j < s->points->len; j++) {
        const ToolPoint *p = &g_array_index(s->points, ToolPoint, j);
        char t[32], v[TOOL_VALUE_BUF];
        tool_time_format_seconds(p->t_ns, t, sizeof t);
        tool_value_format(p->value, v);
        g_string_append_printf(out, "%s[%s,\"%s\"]", j ? "," : "", t, v);
    }
    g_string_append(out, "]}");
}

static void
write_json(GString *out, const ToolResult *result)
{
    g_string_append(out, "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\","
                         "\"result\":[");
    for (guint i = 0; i < result->series->len; i++) {
        g_string_append(out, i ? ",\n" : "\n");
        write_json_metric(out, g_ptr_array_index(result->series, i));
    }
    g_string_append(out, "\n]}}\n");
}

typedef struct {
    double min, max, sum, last;
} Summary;

static Summary
summarize(const ToolResultSeries *s)
{
    Summary sum = {INFINITY, -INFINITY, 0, NAN};
    for (guint j = 0; j < s->points->len; j++) {
        double v = g_array_index(s->points, ToolPoint, j).value;
        sum.min = MIN(sum.min, v);
        sum.max = MAX(sum.max, v);
        sum.sum += v;
        sum.last = v;
    }
    return sum;
}

#define TABLE_COLUMNS 7

/* One table row's cells: series, points, tier(s), min, avg, max, last (in the
 * series' unit, unless @raw). */
static char **
table_row(const ToolResultSeries *s, gboolean raw)
{
    ToolUnit unit = s->unit;
    Summary sum = summarize(s);
    guint n = s->points->len;
    double values[4] = {sum.min, sum.sum / n, sum.max, sum.last};
    char **cells = g_new0(char *, TABLE_COLUMNS + 1);
    cells[0] = g_strdup(s->key);
    cells[1] = g_strdup_printf("%u", n);
    cells[2] = series_tiers(s, "+");
    if (cells[2][0] == '\0')
        g_free(cells[2]), cells[2] = g_strdup("-");
    for (int c = 0; c < 4; c++) {
        char buf[TOOL_VALUE_BUF];
        if (raw)
            tool_value_format_short(values[c], 6, buf);
        else
            tool_value_format_human(values[c], unit, buf);
        cells[3 + c] = g_strdup(n ? buf : "-");
    }
    return cells;
}

static void
pad(GString *out, const char *text, guint width, gboolean right)
{
    guint len = (guint)g_utf8_strlen(text, -1);
    if (right)
        for (guint i = len; i < width; i++)
            g_string_append_c(out, ' ');
    g_string_append(out, text);
    if (!right)
        for (guint i = len; i < width; i++)
            g_string_append_c(out, ' ');
}

static void
table_line(GString *out, char **cells, const guint *widths, const ToolOutputStyle *style,
           gboolean header)
{
    for (int c = 0; c < TABLE_COLUMNS; c++) {
        gboolean tint = style->color && (header || c == 0);
        if (tint)
            g_string_append(out, header ? BOLD : CYAN);
        pad(out, cells[c], widths[c], c > 0);
        if (tint)
            g_string_append(out, RESET);
        g_string_append(out, "  ");
    }
}

static void
write_table(GString *out, const ToolResult *result, const ToolOutputStyle *style)
{
    char *header[] = {_("SERIES"), _("POINTS"), _("TIER"), _("MIN"),
                      _("AVG"),    _("MAX"),    _("LAST"), NULL};
    g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    guint widths[TABLE_COLUMNS] = {0};
    for (guint i = 0; i < result->series->len; i++)
        g_ptr_array_add(rows, table_row(g_ptr_array_index(result->series, i), style->raw));
    for (int c = 0; c < TABLE_COLUMNS; c++) {
        widths[c] = (guint)g_utf8_strlen(header[c], -1);
        for (guint i = 0; i < rows->len; i++) {
            char **cells = g_ptr_array_index(rows, i);
            widths[c] = MAX(widths[c], (guint)g_utf8_strlen(cells[c], -1));
        }
    }
    table_line(out, header, widths, style, TRUE);
    g_string_append_printf(out, "%s%s%s\n", style->color ? BOLD : "", _("TREND"),
                           style->color ? RESET : "");
    for (guint i = 0; i < rows->len; i++) {
        table_line(out, g_ptr_array_index(rows, i), widths, style, FALSE);
        tool_sparkline_append(out, g_ptr_array_index(result->series, i), result->start_ns,
                              result->end_ns, SPARK_WIDTH, style->utf8);
        g_string_append_c(out, '\n');
    }
}

void
tool_output_write(GString *out, const ToolResult *result, ToolFormat format,
                  const ToolOutputStyle *style)
{
    switch (format) {
    case TOOL_FORMAT_CSV:
        write_csv(out, result);
        break;
    case TOOL_FORMAT_JSON:
        write_json(out, result);
        break;
    default:
        write_table(out, result, style);
        break;
    }
}
