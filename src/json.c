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
#include <string.h>

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

/* The fewest significant digits that read back as @v (v finite, not 0):
 * @digits without a point or trailing zeros, @ret_exp the decimal exponent
 * of the first digit (v = 0.DIGITS x 10^(exp + 1)). Three tries at most:
 * any decimal of up to 15 digits survives a trip through a double, so if
 * 15 digits read back, the shortest are those with their zeros cut; else
 * the correctly rounded 16, else 17 digits (always enough). */
static void
shortest_digits(double v, char digits[20], int *ret_exp)
{
    static const char *const formats[] = {"%.14e", "%.15e", "%.16e"};
    char e[40];
    for (gsize i = 0; i < G_N_ELEMENTS(formats); i++) {
        g_ascii_formatd(e, sizeof e, formats[i], fabs(v));
        if (g_ascii_strtod(e, NULL) == fabs(v))
            break;
    }
    gsize n = 0;
    const char *p = e;
    for (; *p != 'e'; p++) {
        if (g_ascii_isdigit(*p))
            digits[n++] = *p;
    }
    while (n > 1 && digits[n - 1] == '0')
        n--;
    digits[n] = '\0';
    *ret_exp = atoi(p + 1);
}

/* d[.ddd]e±XX, as Go's strconv writes 'e' (two exponent digits at least). */
static void
format_exponent(char *buf, gsize n, gboolean neg, const char *digits, int exp)
{
    g_snprintf(buf, n, "%s%c%s%se%c%02d", neg ? "-" : "", digits[0], digits[1] ? "." : "",
               digits + 1, exp < 0 ? '-' : '+', ABS(exp));
}

/* Plain decimal, as Go's strconv writes 'f' with the shortest digits,
 * straight into @buf: for the exponents format_double() sends here (-7 to
 * 20) and at most 17 digits, 26 characters at most ("-0.000000" + 17). */
static void
format_fixed(char *buf, gsize n, gboolean neg, const char *digits, int exp)
{
    gsize nd = strlen(digits), k = 0;
    g_assert(exp >= -7 && exp <= 20 && n > 26);
    if (neg)
        buf[k++] = '-';
    if (exp < 0) {
        buf[k++] = '0';
        buf[k++] = '.';
        for (int i = -1; i > exp; i--)
            buf[k++] = '0';
        memcpy(buf + k, digits, nd);
        k += nd;
    } else {
        for (gsize i = 0; i <= (gsize)exp || i < nd; i++) {
            if (i == (gsize)exp + 1)
                buf[k++] = '.';
            buf[k++] = i < nd ? digits[i] : '0';
        }
    }
    buf[k] = '\0';
}

void
format_double(char *buf, gsize n, double v)
{
    g_assert(n >= G_ASCII_DTOSTR_BUF_SIZE);
    /* Whole numbers (counters, byte counts) skip printf: the hot case of a query answer. */
    if (v == floor(v) && fabs(v) < 1e15) {
        gboolean neg = signbit(v) != 0; /* -0 is "-0", as Go writes it */
        buf[0] = '-';
        format_u64(buf + neg, (guint64)fabs(v));
        return;
    }
    if (isnan(v)) {
        g_strlcpy(buf, "NaN", n);
        return;
    }
    if (isinf(v)) {
        g_strlcpy(buf, v > 0 ? "+Inf" : "-Inf", n);
        return;
    }
    /* Prometheus' API: the shortest digits that read back, in plain decimal,
     * or with an exponent below 1e-6 and from 1e21 on. */
    char digits[20];
    int exp;
    shortest_digits(v, digits, &exp);
    if (fabs(v) < 1e-6 || fabs(v) >= 1e21)
        format_exponent(buf, n, v < 0, digits, exp);
    else
        format_fixed(buf, n, v < 0, digits, exp);
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
