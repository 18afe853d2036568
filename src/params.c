/* params.c - decoding request parameters and the time formats of the Prometheus API.
 *
 * soup_form_decode() folds repeated names into one, but the Prometheus API
 * repeats match[]; so parameters are kept as an ordered list of pairs. Both
 * the query string and an application/x-www-form-urlencoded body feed it,
 * the query string first, as Go's net/http does for r.Form.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "params.h"
#include "rondo.h"

struct _Params {
    GPtrArray *pairs; /* name, value, name, value, ... (owned) */
    gboolean malformed;
};

/* The value of the hex digit @c, or -1. */
static int
hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = g_ascii_tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* One form-encoded name or value, decoded: '+' is a space, %XX a byte.
 * Malformed (and "" returned): a '%' without two hex digits, a byte 0
 * (%00), text that is not UTF-8. In one pass, not g_uri_unescape_string()
 * over a copy: a fifth of a small query's work before (callgrind). */
static char *
decode_component(const char *s, gsize len, gboolean *malformed)
{
    char *out = g_malloc(len + 1), *o = out;
    for (gsize i = 0; i < len; i++) {
        char c = s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            int hi = i + 2 < len ? hex_value(s[i + 1]) : -1;
            int lo = hi >= 0 ? hex_value(s[i + 2]) : -1;
            if (lo < 0 || (hi | lo) == 0)
                goto malformed;
            c = (char)(hi << 4 | lo);
            i += 2;
        } else if (c == '\0') {
            break; /* the text ends here, as a C string would */
        }
        *o++ = c;
    }
    *o = '\0';
    if (g_utf8_validate(out, o - out, NULL))
        return out;
malformed:
    *malformed = TRUE;
    g_free(out);
    return g_strdup("");
}

static void
params_add_encoded(Params *p, const char *s, gsize len)
{
    const char *end = s + len;
    while (s < end) {
        const char *amp = memchr(s, '&', (gsize)(end - s));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(s, '=', (gsize)(stop - s));
        if (stop > s) {
            const char *name_end = eq ? eq : stop;
            g_ptr_array_add(p->pairs, decode_component(s, (gsize)(name_end - s), &p->malformed));
            g_ptr_array_add(p->pairs,
                            eq ? decode_component(eq + 1, (gsize)(stop - eq - 1), &p->malformed)
                               : g_strdup(""));
        }
        s = stop + 1;
    }
}

Params *
params_new(const char *query, const char *form, gsize form_len)
{
    Params *p = g_new0(Params, 1);
    p->pairs = g_ptr_array_new_with_free_func(g_free);
    if (query != NULL)
        params_add_encoded(p, query, strlen(query));
    if (form != NULL)
        params_add_encoded(p, form, form_len);
    return p;
}

void
params_free(Params *p)
{
    if (p == NULL)
        return;
    g_ptr_array_unref(p->pairs);
    g_free(p);
}

const char *
params_get(const Params *p, const char *name)
{
    for (guint i = 0; i + 1 < p->pairs->len; i += 2) {
        if (g_str_equal(g_ptr_array_index(p->pairs, i), name))
            return g_ptr_array_index(p->pairs, i + 1);
    }
    return NULL;
}

const char **
params_get_all(const Params *p, const char *name)
{
    GPtrArray *out = g_ptr_array_new();
    for (guint i = 0; i + 1 < p->pairs->len; i += 2) {
        if (g_str_equal(g_ptr_array_index(p->pairs, i), name))
            g_ptr_array_add(out, g_ptr_array_index(p->pairs, i + 1));
    }
    g_ptr_array_add(out, NULL);
    return (const char **)g_ptr_array_free(out, FALSE);
}

gboolean
params_is_malformed(const Params *p)
{
    return p->malformed;
}

/* Seconds as a decimal number; FALSE unless the whole string is one. */
static gboolean
parse_seconds(const char *s, double *ret)
{
    char *end = NULL;
    double v = g_ascii_strtod(s, &end);
    if (end == s || *end != '\0' || !isfinite(v))
        return FALSE;
    *ret = v;
    return TRUE;
}

gboolean
parse_time(const char *s, const char *what, guint64 *ret_ns, GError **error)
{
    double secs;
    if (s != NULL && parse_seconds(s, &secs)) {
        if (secs < 0 || secs > 1e10) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "invalid parameter \"%s\": time %s is out of range", what, s);
            return FALSE;
        }
        *ret_ns = (guint64)llround(secs * 1000.0) * 1000000u;
        return TRUE;
    }
    g_autoptr(GDateTime) dt = s ? g_date_time_new_from_iso8601(s, NULL) : NULL;
    if (dt == NULL || g_date_time_to_unix(dt) < 0) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "invalid parameter \"%s\": cannot parse \"%s\" to a valid timestamp", what,
                    s ? s : "");
        return FALSE;
    }
    *ret_ns = (guint64)g_date_time_to_unix(dt) * RONDO_NS_PER_S +
              (guint64)g_date_time_get_microsecond(dt) * 1000u;
    return TRUE;
}

const PromDurationUnit prom_duration_units[] = {
    {"ms", 1000000u},          {"s", 1000000000u},
    {"m", 60000000000u},       {"h", 3600000000000u},
    {"d", 86400000000000u},    {"w", 604800000000000u},
    {"y", 31536000000000000u}, {NULL, 0},
};

static guint64
unit_ns(const char *u, gsize *ret_len)
{
    for (const PromDurationUnit *unit = prom_duration_units; unit->name != NULL; unit++) {
        gsize n = strlen(unit->name);
        if (strncmp(u, unit->name, n) == 0) {
            *ret_len = n;
            return unit->ns;
        }
    }
    return 0;
}

gsize
parse_prom_duration(const char *s, guint64 *ret_ns)
{
    const char *p = s;
    guint64 total = 0;
    while (g_ascii_isdigit(*p)) {
        guint64 n = 0;
        while (g_ascii_isdigit(*p) && n < G_MAXUINT32)
            n = n * 10 + (guint64)(*p++ - '0');
        gsize ulen = 0;
        guint64 u = unit_ns(p, &ulen);
        if (u == 0 || g_ascii_isdigit(*p) || n > G_MAXUINT64 / u - total / u)
            return 0;
        total += n * u;
        p += ulen;
    }
    if (p == s)
        return 0;
    *ret_ns = total;
    return (gsize)(p - s);
}

gboolean
parse_duration(const char *s, const char *what, guint64 *ret_ns, GError **error)
{
    double secs;
    guint64 ns = 0;
    if (s != NULL && parse_seconds(s, &secs) && secs >= 0 && secs < 1e10) {
        *ret_ns = (guint64)llround(secs * (double)RONDO_NS_PER_S);
        return TRUE;
    }
    if (s != NULL && parse_prom_duration(s, &ns) == strlen(s)) {
        *ret_ns = ns;
        return TRUE;
    }
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "invalid parameter \"%s\": cannot parse \"%s\" to a valid duration", what,
                s ? s : "");
    return FALSE;
}
