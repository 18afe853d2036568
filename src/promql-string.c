/* promql-string.c - PromQL's string literals, as Prometheus reads them.
 *
 * A selector's label value or a function's string argument is written the
 * way Prometheus' lexer and its unquoting accept (Go's escapes, with single
 * quotes as a second string quote). The tools' selectors and rondod's PromQL
 * both decode through here, so "\u00fc" means ü on the command line as it
 * does on the API, and an escape Prometheus refuses is refused by both.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "promql-string.h"

/* The value of @n hex digits at @s, or -1. */
static gint64
hex_digits(const char *s, guint n)
{
    gint64 v = 0;
    for (guint i = 0; i < n; i++) {
        if (!g_ascii_isxdigit(s[i]))
            return -1;
        v = v << 4 | g_ascii_xdigit_value(s[i]);
    }
    return v;
}

/* The value of the 3 octal digits at @s, or -1. */
static gint64
octal_digits(const char *s)
{
    gint64 v = 0;
    for (guint i = 0; i < 3; i++) {
        if (s[i] < '0' || s[i] > '7')
            return -1;
        v = v << 3 | (s[i] - '0');
    }
    return v <= 255 ? v : -1;
}

/* Appends the escape at @s (just past the backslash) to @out; returns its
 * length, 0 if Prometheus refuses it. */
static guint
escape_decode(const char *s, char quote, GString *out)
{
    static const char simple[] = "a\ab\bf\fn\nr\rt\tv\v\\\\";
    for (guint i = 0; simple[i] != '\0'; i += 2) {
        if (*s == simple[i]) {
            g_string_append_c(out, simple[i + 1]);
            return 1;
        }
    }
    if (*s == quote) {
        g_string_append_c(out, quote);
        return 1;
    }
    guint n = *s == 'x' ? 2 : *s == 'u' ? 4 : *s == 'U' ? 8 : 0;
    gint64 v = n ? hex_digits(s + 1, n) : octal_digits(s);
    if (v < 0)
        return 0;
    if (*s == 'u' || *s == 'U') {
        if (v > 0x10FFFF || (v >= 0xD800 && v < 0xE000))
            return 0; /* no Unicode scalar value */
        g_string_append_unichar(out, (gunichar)v);
        return n + 1;
    }
    g_string_append_c(out, (char)v); /* \x and octal: one byte */
    return n ? n + 1 : 3;
}

PromqlStringStatus
promql_string_lex(const char **p, char **ret)
{
    g_return_val_if_fail(p != NULL && *p != NULL && ret != NULL, PROMQL_STRING_NO_QUOTE);
    const char *s = *p;
    char quote = *s;
    if (quote != '"' && quote != '\'' && quote != '`')
        return PROMQL_STRING_NO_QUOTE;
    g_autoptr(GString) out = g_string_new(NULL);
    for (s++; *s != quote; s++) {
        if (*s == '\0' || (*s == '\n' && quote != '`')) {
            *p = s;
            return PROMQL_STRING_UNTERMINATED;
        }
        if (*s != '\\' || quote == '`') {
            g_string_append_c(out, *s);
            continue;
        }
        guint len = escape_decode(s + 1, quote, out);
        if (len == 0) {
            *p = s;
            return PROMQL_STRING_BAD_ESCAPE;
        }
        s += len;
    }
    *p = s + 1;
    *ret = g_string_free(g_steal_pointer(&out), FALSE);
    return PROMQL_STRING_OK;
}

const char *
promql_string_message(PromqlStringStatus status)
{
    switch (status) {
    case PROMQL_STRING_NO_QUOTE:
        return N_("expected a quoted string");
    case PROMQL_STRING_UNTERMINATED:
        return N_("unterminated quoted string");
    case PROMQL_STRING_BAD_ESCAPE:
        return N_("unknown escape sequence in a string (Prometheus takes Go's escapes)");
    case PROMQL_STRING_OK:
    default:
        g_return_val_if_reached("?");
    }
}
