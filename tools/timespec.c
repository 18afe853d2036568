/* timespec.c - parsing and printing times and durations.
 *
 * Everything is integer nanoseconds; a fraction of a second is parsed
 * digit by digit, never through a double, so "1714564800.1" is exact.
 */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "rondo-tool.h"
#include "timespec.h"
#include "params.h"

#define DEFAULT_RANGE_NS (600 * RONDO_NS_PER_S)

gboolean
tool_duration_parse(const char *text, guint64 *ret_ns, GError **error)
{
    guint64 total = 0;
    /* PromQL's duration syntax, the one parser rondod uses too */
    if (parse_prom_duration(text, &total) != strlen(text) || total == 0)
        return tool_set_error(error, _("“%s” is not a duration (like 30s, 10m, 1h30m, 7d)"), text);
    *ret_ns = total;
    return TRUE;
}

/* Unix seconds with an optional fraction of up to 9 digits. */
static gboolean
parse_unix_seconds(const char *text, guint64 *ret_ns)
{
    guint64 sec = 0, frac = 0;
    const char *p = text;
    if (!g_ascii_isdigit(*p))
        return FALSE;
    for (; g_ascii_isdigit(*p); p++) {
        if (sec > G_MAXUINT64 / RONDO_NS_PER_S / 10)
            return FALSE;
        sec = sec * 10 + (guint64)(*p - '0');
    }
    if (*p == '.') {
        guint64 scale = RONDO_NS_PER_S;
        for (p++; g_ascii_isdigit(*p); p++) {
            scale /= 10;
            frac += (guint64)(*p - '0') * scale;
        }
    }
    if (*p != '\0')
        return FALSE;
    *ret_ns = sec * RONDO_NS_PER_S + frac;
    return TRUE;
}

static gboolean
parse_rfc3339(const char *text, guint64 *ret_ns)
{
    g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601(text, NULL);
    if (dt == NULL || strchr(text, 'T') == NULL)
        return FALSE;
    gint64 us = g_date_time_to_unix(dt) * G_USEC_PER_SEC + g_date_time_get_microsecond(dt);
    if (us <= 0)
        return FALSE;
    *ret_ns = (guint64)us * 1000;
    return TRUE;
}

gboolean
tool_time_parse(const char *text, guint64 now_ns, guint64 *ret_ns, GError **error)
{
    const char *rel = NULL;
    if (g_str_equal(text, "now")) {
        *ret_ns = now_ns;
        return TRUE;
    }
    if (g_str_has_prefix(text, "now-"))
        rel = text + 4;
    else if (text[0] == '-')
        rel = text + 1;
    if (rel != NULL) {
        guint64 d;
        if (!tool_duration_parse(rel, &d, NULL) || d >= now_ns)
            return tool_set_error(error,
                                  _("“%s” is not a time (like now, -10m, 1714564800 or "
                                    "2024-05-01T12:00:00Z)"),
                                  text);
        *ret_ns = now_ns - d;
        return TRUE;
    }
    if (parse_unix_seconds(text, ret_ns) || parse_rfc3339(text, ret_ns))
        return TRUE;
    return tool_set_error(
        error, _("“%s” is not a time (like now, -10m, 1714564800 or 2024-05-01T12:00:00Z)"), text);
}

static gboolean
resolve_anchored(const char *start, const char *end, guint64 range_ns, guint64 now_ns,
                 guint64 *ret_start_ns, guint64 *ret_end_ns, GError **error)
{
    guint64 s = 0, e = now_ns;
    if (end != NULL && !tool_time_parse(end, now_ns, &e, error))
        return FALSE;
    if (start != NULL) {
        if (!tool_time_parse(start, now_ns, &s, error))
            return FALSE;
        if (end == NULL && range_ns != 0)
            e = s + range_ns;
    } else {
        guint64 back = range_ns ? range_ns : DEFAULT_RANGE_NS;
        s = e > back ? e - back : 0;
    }
    *ret_start_ns = s;
    *ret_end_ns = e;
    return TRUE;
}

gboolean
tool_time_range_resolve(const char *start, const char *end, const char *range, guint64 now_ns,
                        guint64 *ret_start_ns, guint64 *ret_end_ns, GError **error)
{
    guint64 range_ns = 0, s, e;
    if (start != NULL && end != NULL && range != NULL) {
        g_set_error_literal(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                            _("--start, --end and --range together over-determine the range"));
        return FALSE;
    }
    if (range != NULL && !tool_duration_parse(range, &range_ns, error))
        return FALSE;
    if (!resolve_anchored(start, end, range_ns, now_ns, &s, &e, error))
        return FALSE;
    if (s > e) {
        g_set_error_literal(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                            _("the range ends before it starts"));
        return FALSE;
    }
    *ret_start_ns = s;
    *ret_end_ns = e;
    return TRUE;
}

char *
tool_time_format(guint64 t_ns)
{
    g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc((gint64)(t_ns / RONDO_NS_PER_S));
    if (dt == NULL)
        return g_strdup("?");
    g_autofree char *base = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%S");
    guint64 frac = t_ns % RONDO_NS_PER_S;
    if (frac == 0)
        return g_strconcat(base, "Z", NULL);
    char digits[16];
    g_snprintf(digits, sizeof digits, "%09u", (unsigned)frac);
    for (int i = 8; i > 0 && digits[i] == '0'; i--)
        digits[i] = '\0';
    return g_strdup_printf("%s.%sZ", base, digits);
}

void
tool_time_format_seconds(guint64 t_ns, char *buf, gsize size)
{
    guint64 frac = t_ns % RONDO_NS_PER_S;
    int n = g_snprintf(buf, size, "%llu", (unsigned long long)(t_ns / RONDO_NS_PER_S));
    if (frac == 0 || n < 0 || (gsize)n + 11 > size)
        return;
    g_snprintf(buf + n, size - (gsize)n, ".%09u", (unsigned)frac);
    for (char *p = buf + strlen(buf) - 1; *p == '0'; p--)
        *p = '\0';
}

char *
tool_duration_format(guint64 ns)
{
    GString *s = g_string_new(NULL);
    gsize n = 0;
    while (prom_duration_units[n].name != NULL)
        n++;
    /* largest first; years never (365 d is not what a reader expects), weeks only whole */
    for (gsize i = n; i-- > 0 && ns > 0;) {
        const PromDurationUnit *u = &prom_duration_units[i];
        gboolean whole_only = g_str_equal(u->name, "w");
        if (g_str_equal(u->name, "y") || ns < u->ns || (whole_only && ns % u->ns != 0))
            continue;
        g_string_append_printf(s, "%llu%s", (unsigned long long)(ns / u->ns), u->name);
        ns %= u->ns;
    }
    if (ns > 0)
        g_string_append_printf(s, "%lluns", (unsigned long long)ns);
    if (s->len == 0)
        g_string_append(s, "0s");
    return g_string_free(s, FALSE);
}
