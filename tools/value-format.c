/* value-format.c - exact, locale-independent spelling of values.
 *
 * printf("%g") follows LC_NUMERIC (a German locale writes "0,5"), so every
 * number meant for a machine goes through g_ascii_formatd/g_ascii_strtod.
 */
#include "config.h"
#include <math.h>
#include <string.h>
#include "value-format.h"

static gboolean
format_special(double value, char buf[TOOL_VALUE_BUF])
{
    if (isnan(value))
        g_strlcpy(buf, "NaN", TOOL_VALUE_BUF);
    else if (isinf(value))
        g_strlcpy(buf, value > 0 ? "+Inf" : "-Inf", TOOL_VALUE_BUF);
    else
        return FALSE;
    return TRUE;
}

void
tool_value_format(double value, char buf[TOOL_VALUE_BUF])
{
    static const char *const formats[] = {"%.15g", "%.16g", "%.17g"};
    if (format_special(value, buf))
        return;
    for (gsize i = 0; i < G_N_ELEMENTS(formats); i++) {
        g_ascii_formatd(buf, TOOL_VALUE_BUF, formats[i], value);
        if (g_ascii_strtod(buf, NULL) == value)
            return;
    }
}

void
tool_value_format_short(double value, int digits, char buf[TOOL_VALUE_BUF])
{
    static const char *const formats[] = {"%.3g", "%.4g", "%.5g", "%.6g"};
    if (format_special(value, buf))
        return;
    gsize i = (gsize)CLAMP(digits - 3, 0, 3);
    g_ascii_formatd(buf, TOOL_VALUE_BUF, formats[i], value);
}

ToolUnit
tool_unit_of_name(const char *name)
{
    g_autofree char *base =
        g_str_has_suffix(name, "_total") ? g_strndup(name, strlen(name) - 6) : g_strdup(name);
    if (g_str_has_suffix(base, "_bytes"))
        return TOOL_UNIT_BYTES;
    if (g_str_has_suffix(base, "_seconds"))
        return TOOL_UNIT_SECONDS;
    return TOOL_UNIT_NONE;
}

const char *
tool_unit_to_string(ToolUnit unit)
{
    return unit == TOOL_UNIT_BYTES ? "bytes" : unit == TOOL_UNIT_SECONDS ? "seconds" : NULL;
}

ToolUnit
tool_unit_of_series(const RondoSeries *series, ToolUnit other)
{
    const char *unit = rondo_series_get_unit(series);
    for (ToolUnit u = TOOL_UNIT_BYTES; u <= TOOL_UNIT_SECONDS; u++)
        if (g_str_equal(unit, tool_unit_to_string(u)))
            return u;
    return *unit ? TOOL_UNIT_NONE : other;
}

typedef struct {
    double scale; /* the value is at least this many base units */
    const char *suffix;
} Step;

/* @value in the largest step it reaches (@steps ascending; the first if none). */
static void
format_steps(double value, const Step *steps, gsize n, char buf[TOOL_VALUE_BUF])
{
    gsize i = 0;
    while (i + 1 < n && fabs(value) >= steps[i + 1].scale)
        i++;
    char num[TOOL_VALUE_BUF];
    g_ascii_formatd(num, sizeof num, "%.4g", value / steps[i].scale);
    g_snprintf(buf, TOOL_VALUE_BUF, "%s%s", num, steps[i].suffix);
}

void
tool_value_format_human(double value, ToolUnit unit, char buf[TOOL_VALUE_BUF])
{
    static const Step bytes[] = {{1, " B"},
                                 {1024.0, " KiB"},
                                 {1048576.0, " MiB"},
                                 {1073741824.0, " GiB"},
                                 {1099511627776.0, " TiB"},
                                 {1125899906842624.0, " PiB"}};
    static const Step seconds[] = {{1e-9, " ns"}, {1e-6, " µs"}, {1e-3, " ms"}, {1, " s"},
                                   {60, " min"},  {3600, " h"},  {86400, " d"}};
    static const Step plain[] = {{1, ""}, {1e3, "k"}, {1e6, "M"}, {1e9, "G"}, {1e12, "T"}};
    if (format_special(value, buf))
        return;
    if (value == 0 && unit != TOOL_UNIT_NONE)
        g_strlcpy(buf, unit == TOOL_UNIT_BYTES ? "0 B" : "0 s", TOOL_VALUE_BUF);
    else if (unit == TOOL_UNIT_BYTES)
        format_steps(value, bytes, G_N_ELEMENTS(bytes), buf);
    else if (unit == TOOL_UNIT_SECONDS)
        format_steps(value, seconds, G_N_ELEMENTS(seconds), buf);
    else
        format_steps(value, plain, G_N_ELEMENTS(plain), buf);
}

gboolean
tool_value_parse(const char *text, double *ret_value)
{
    char *end = NULL;
    if (text == NULL || *text == '\0' || g_ascii_isspace(*text))
        return FALSE;
    if (g_str_equal(text, "NaN")) {
        *ret_value = NAN;
        return TRUE;
    }
    if (g_str_equal(text, "+Inf") || g_str_equal(text, "Inf")) {
        *ret_value = INFINITY;
        return TRUE;
    }
    if (g_str_equal(text, "-Inf")) {
        *ret_value = -INFINITY;
        return TRUE;
    }
    double v = g_ascii_strtod(text, &end);
    if (end == text || *end != '\0' || !isfinite(v))
        return FALSE;
    *ret_value = v;
    return TRUE;
}

void
tool_csv_append_field(GString *out, const char *text)
{
    if (strpbrk(text, ",\"\r\n") == NULL) {
        g_string_append(out, text);
        return;
    }
    g_string_append_c(out, '"');
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            g_string_append_c(out, '"');
        g_string_append_c(out, *p);
    }
    g_string_append_c(out, '"');
}
