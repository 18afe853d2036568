/* import-line.c - parsing `rondo import` lines, one at a time.
 *
 * The series is written as a selector with only `=` matchers (the
 * Prometheus exposition form), so PromQL's selector grammar does the
 * quoting rules and says where the series ends; the value accepts NaN,
 * +Inf and -Inf as Prometheus writes them.
 */
#include "config.h"
#include <string.h>
#include <glib/gi18n.h>
#include "import-line.h"
#include "rondo-tool.h"
#include "selector.h"
#include "value-format.h"

static gboolean
parse_integer_with_unit(const char *text, guint64 *ret_ns)
{
    static const struct {
        const char *suffix;
        guint64 scale;
    } units[] = {{"ns", 1}, {"us", 1000}, {"ms", 1000000}, {"s", RONDO_NS_PER_S}};
    char *end = NULL;
    if (!g_ascii_isdigit(text[0]))
        return FALSE;
    guint64 n = g_ascii_strtoull(text, &end, 10);
    for (gsize i = 0; i < G_N_ELEMENTS(units); i++) {
        if (g_str_equal(end, units[i].suffix)) {
            /* Too large saturates: the caller's range check explains it. */
            *ret_ns = n > G_MAXUINT64 / units[i].scale ? G_MAXUINT64 : n * units[i].scale;
            return TRUE;
        }
    }
    return FALSE;
}

gboolean
tool_import_timestamp_parse(const char *text, guint64 *ret_ns)
{
    guint64 sec = 0, frac = 0, scale = RONDO_NS_PER_S;
    const char *p = text;
    if (parse_integer_with_unit(text, ret_ns))
        return TRUE;
    if (!g_ascii_isdigit(*p))
        return FALSE;
    for (; g_ascii_isdigit(*p); p++) {
        if (sec < G_MAXUINT64 / RONDO_NS_PER_S / 10)
            sec = sec * 10 + (guint64)(*p - '0');
        else
            sec = G_MAXUINT64 / RONDO_NS_PER_S; /* saturates, as above */
    }
    if (*p == '.') {
        for (p++; g_ascii_isdigit(*p) && scale > 1; p++) {
            scale /= 10;
            frac += (guint64)(*p - '0') * scale;
        }
    }
    if (*p != '\0')
        return FALSE;
    *ret_ns = sec * RONDO_NS_PER_S + frac;
    return TRUE;
}

/* A guess at the unit meant: the digits given, read as s, ms, us or ns,
 * that fall inside the valid range. */
static char *
unit_hint(const char *given)
{
    static const struct {
        const char *suffix;
        guint64 scale;
    } units[] = {{"", RONDO_NS_PER_S}, {"ms", 1000000}, {"us", 1000}, {"ns", 1}};
    guint64 n = g_ascii_strtoull(given, NULL, 10);
    for (gsize i = 0; i < G_N_ELEMENTS(units) && n != G_MAXUINT64; i++) {
        if (n <= G_MAXUINT64 / units[i].scale && n * units[i].scale >= RONDO_TIME_MIN_NS &&
            n * units[i].scale < RONDO_TIME_MAX_NS)
            return g_strdup_printf(_("did you mean “%llu%s”? A plain number is "
                                     "seconds; ms, us or ns after it name other units "
                                     "(--format prometheus reads milliseconds)"),
                                   (unsigned long long)n, units[i].suffix);
    }
    return g_strdup(_("did you give seconds, milliseconds, microseconds or nanoseconds? A plain "
                      "number is seconds; ms, us or ns after it name other units"));
}

static gboolean
timestamp_check(const char *given, guint64 ns, GError **error)
{
    g_autoptr(GError) range = NULL;
    if (tool_check_time(given, ns, &range))
        return TRUE;
    g_autofree char *hint = unit_hint(given);
    return tool_set_error(error, "%s; %s", range->message, hint);
}

gboolean
tool_import_format_from_string(const char *text, ToolImportFormat *ret)
{
    static const char *const names[] = {"rondo", "prometheus", "openmetrics"};
    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        if (g_str_equal(text, names[i])) {
            *ret = (ToolImportFormat)i;
            return TRUE;
        }
    }
    return FALSE;
}

/* The exposition format's timestamp: an integer of milliseconds. */
static gboolean
timestamp_parse_ms(const char *text, guint64 *ret_ns)
{
    g_autofree char *with_unit = g_strconcat(text, "ms", NULL);
    return parse_integer_with_unit(with_unit, ret_ns);
}

/* The value and timestamp words after the series; FALSE (with @error) if
 * their number is wrong. OpenMetrics' exemplar (" # {...} ...") is cut. */
static gboolean
split_words(const char *text, const char *rest, const ToolImportOptions *o, const char **words,
            GStrv *ret_parts, GError **error)
{
    g_autofree char *own = g_strdup(rest);
    char *exemplar = o->format == TOOL_IMPORT_FORMAT_OPENMETRICS ? strstr(own, " # ") : NULL;
    if (exemplar != NULL)
        *exemplar = '\0';
    *ret_parts = g_strsplit_set(own, " \t", -1);
    guint n = 0;
    for (guint i = 0; (*ret_parts)[i]; i++) {
        if ((*ret_parts)[i][0] == '\0')
            continue;
        if (n == 2) {
            g_autofree char *echo = tool_excerpt((*ret_parts)[i]);
            return tool_set_error(error, _("unexpected “%s” after the timestamp"), echo);
        }
        words[n++] = (*ret_parts)[i];
    }
    if (n == 2 || (n == 1 && o->now_ns != 0))
        return TRUE;
    g_autofree char *echo = tool_excerpt(text);
    return tool_set_error(error,
                          _("expected SERIES VALUE TIMESTAMP, got “%s” (--now gives "
                            "samples without a timestamp the current time)"),
                          echo);
}

static gboolean
parse_time(const char *word, const ToolImportOptions *o, guint64 *ret_ns, GError **error)
{
    g_autofree char *echo = word ? tool_excerpt(word) : NULL;
    if (word == NULL) {
        *ret_ns = o->now_ns;
        return TRUE;
    }
    gboolean ms = o->format == TOOL_IMPORT_FORMAT_PROMETHEUS;
    if (ms ? !timestamp_parse_ms(word, ret_ns) : !tool_import_timestamp_parse(word, ret_ns))
        return tool_set_error(error,
                              ms ? _("“%s” is not a timestamp (integer milliseconds, as "
                                     "the exposition format writes them)")
                                 : _("“%s” is not a timestamp (seconds, or an integer "
                                     "with ns, us, ms or s)"),
                              echo);
    return timestamp_check(word, *ret_ns, error);
}

gboolean
tool_import_line_parse(const char *text, const ToolImportOptions *options, ToolImportLine *ret,
                       GError **error)
{
    static const ToolImportOptions defaults = {TOOL_IMPORT_FORMAT_RONDO, 0};
    const ToolImportOptions *o = options ? options : &defaults;
    gsize len = 0;
    g_auto(GStrv) parts = NULL;
    const char *words[2] = {NULL, NULL};
    g_autoptr(ToolSelector) sel = tool_selector_parse_prefix(text, &len, error);
    if (sel == NULL || !split_words(text, text + len, o, words, &parts, error) ||
        !tool_selector_get_series(sel, &ret->name, &ret->labels, error))
        return FALSE;
    g_autofree char *value_echo = tool_excerpt(words[0]);
    if (!tool_value_parse(words[0], &ret->value)) {
        tool_import_line_clear(ret);
        return tool_set_error(error, _("“%s” is not a number"), value_echo);
    }
    if (!parse_time(words[1], o, &ret->t_ns, error)) {
        tool_import_line_clear(ret);
        return FALSE;
    }
    return TRUE;
}

void
tool_import_line_clear(ToolImportLine *line)
{
    g_clear_pointer(&line->name, g_free);
    g_clear_pointer(&line->labels, g_strfreev);
}
