/* json.c - the few JSON writers rondod needs, appending to a GString.
 *
 * Why not json-glib: building a tree per point costs three times the time
 * and far more memory than appending text (NOTES.md), and json-glib writes
 * NaN as the invalid literal "nan.0". Values are written as strings, as
 * Prometheus does, so NaN and infinities never appear as bare literals.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "json.h"

void
json_append_string(GString *out, const char *s)
{
    g_string_append_c(out, '"');
    for (const char *p = s; *p;) {
        gunichar c = g_utf8_get_char_validated(p, -1);
        if (c == (gunichar)-1 || c == (gunichar)-2) {
            g_string_append(out, "\\ufffd");
            p++;
            continue;
        }
        if (c == '"' || c == '\\')
            g_string_append_printf(out, "\\%c", (char)c);
        else if (c == '\n')
            g_string_append(out, "\\n");
        else if (c < 0x20 || c == 0x7f)
            g_string_append_printf(out, "\\u%04x", (guint)c);
        else
            g_string_append_len(out, p, g_utf8_next_char(p) - p);
        p = g_utf8_next_char(p);
    }
    g_string_append_c(out, '"');
}

/* Decimal digits of @v into @buf (at least 21 bytes), NUL-terminated; returns the length. */
static gsize
format_u64(char *buf, guint64 v)
{
    char tmp[24];
    gsize n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (gsize i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
    return n;
}

void
format_double(char *buf, gsize n, double v)
{
    g_assert(n >= G_ASCII_DTOSTR_BUF_SIZE);
    /* Whole numbers (counters, byte counts) skip printf: the hot case of a query answer. */
    if (v == floor(v) && fabs(v) < 1e15) {
        gboolean neg = v < 0;
        buf[0] = '-';
        format_u64(buf + neg, (guint64)fabs(v));
        return;
    }
    if (isnan(v)) {
        g_strlcpy(buf, "NaN", n);
    } else if (isinf(v)) {
        g_strlcpy(buf, v > 0 ? "+Inf" : "-Inf", n);
    } else {
        /* %.15g is exact for most stored values; fall back to 17 digits. */
        g_ascii_formatd(buf, (int)n, "%.15g", v);
        if (g_ascii_strtod(buf, NULL) != v)
            g_ascii_formatd(buf, (int)n, "%.17g", v);
    }
}

void
json_append_value(GString *out, double v)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    format_double(buf, sizeof buf, v);
    g_string_append_c(out, '"');
    g_string_append(out, buf);
    g_string_append_c(out, '"');
}

void
json_append_time(GString *out, guint64 t_ns)
{
    guint64 ms = t_ns / 1000000;
    guint frac = (guint)(ms % 1000);
    char buf[32];
    gsize len = format_u64(buf, ms / 1000);
    if (frac != 0) {
        buf[len++] = '.';
        buf[len++] = (char)('0' + frac / 100);
        buf[len++] = (char)('0' + frac / 10 % 10);
        buf[len++] = (char)('0' + frac % 10);
        while (buf[len - 1] == '0')
            len--;
    }
    g_string_append_len(out, buf, (gssize)len);
}
