/* selector.c - Prometheus series selectors, parsed by hand.
 *
 * Grammar (whitespace allowed between tokens):
 *   selector := NAME | NAME '{' list '}' | '{' list '}'
 *   list     := [ matcher { ',' matcher } [ ',' ] ]
 *   matcher  := LABEL ( '=' | '!=' | '=~' | '!~' ) STRING
 * NAME [a-zA-Z_:][a-zA-Z0-9_:]*, LABEL [a-zA-Z_][a-zA-Z0-9_]*. The name is
 * kept as the matcher __name__ = NAME, so matching treats it like any label.
 * Shared by `rondo query`, `rondo import` (series names) and rondo-query.
 * Matching is librondo's RondoMatcher, the rule schemas and rondod use.
 */
#include "config.h"
#include <string.h>
#include <glib/gi18n.h>
#include "rondo-tool.h"
#include "selector.h"
#include "promql-string.h"

struct _ToolSelector {
    GPtrArray *matchers; /* RondoMatcher* */
};

typedef struct {
    const char *text;
    const char *p;
    GError **error;
} Parser;

void
tool_selector_free(ToolSelector *selector)
{
    if (selector == NULL)
        return;
    g_ptr_array_unref(selector->matchers);
    g_free(selector);
}

static gboolean
fail(Parser *ps, const char *what)
{
    g_autofree char *echo = tool_excerpt(ps->text);
    g_set_error(ps->error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                _("bad selector “%s”: %s at offset %u"), echo, what, (unsigned)(ps->p - ps->text));
    return FALSE;
}

static void
skip_blanks(Parser *ps)
{
    while (g_ascii_isspace(*ps->p))
        ps->p++;
}

static char *
parse_ident(Parser *ps, gboolean colons)
{
    const char *s = ps->p;
    if (!(g_ascii_isalpha(*s) || *s == '_' || (colons && *s == ':')))
        return NULL;
    while (g_ascii_isalnum(*s) || *s == '_' || (colons && *s == ':'))
        s++;
    char *id = g_strndup(ps->p, (gsize)(s - ps->p));
    ps->p = s;
    return id;
}

static char *
parse_string(Parser *ps)
{
    char *value = NULL;
    switch (promql_string_lex(&ps->p, &value)) {
    case PROMQL_STRING_OK:
        return value;
    case PROMQL_STRING_NO_QUOTE:
        return fail(ps, _("expected a quoted value")), NULL;
    case PROMQL_STRING_UNTERMINATED:
        return fail(ps, _("unterminated string")), NULL;
    case PROMQL_STRING_BAD_ESCAPE:
    default:
        return fail(ps, _("unknown escape")), NULL;
    }
}

static gboolean
parse_op(Parser *ps, RondoMatchOp *ret_op)
{
    static const struct {
        const char *text;
        RondoMatchOp op;
    } ops[] = {
        {"=~", RONDO_MATCH_REGEX},
        {"!~", RONDO_MATCH_NOT_REGEX},
        {"!=", RONDO_MATCH_NOT_EQUAL},
        {"=", RONDO_MATCH_EQUAL},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(ops); i++) {
        if (g_str_has_prefix(ps->p, ops[i].text)) {
            ps->p += strlen(ops[i].text);
            *ret_op = ops[i].op;
            return TRUE;
        }
    }
    return fail(ps, _("expected =, !=, =~ or !~"));
}

static gboolean
add_matcher(Parser *ps, ToolSelector *sel, char *label, RondoMatchOp op, char *value)
{
    g_autofree char *l = label, *v = value;
    g_autoptr(GError) local = NULL;
    RondoMatcher *m = rondo_matcher_new(l, op, v, &local);
    if (m == NULL)
        return fail(ps, local->message);
    g_ptr_array_add(sel->matchers, m);
    return TRUE;
}

static gboolean
parse_matcher(Parser *ps, ToolSelector *sel)
{
    g_autofree char *label = parse_ident(ps, FALSE);
    RondoMatchOp op = RONDO_MATCH_EQUAL;
    if (label == NULL)
        return fail(ps, _("expected a label name"));
    skip_blanks(ps);
    if (!parse_op(ps, &op))
        return FALSE;
    skip_blanks(ps);
    char *value = parse_string(ps);
    if (value == NULL)
        return FALSE;
    return add_matcher(ps, sel, g_steal_pointer(&label), op, value);
}

static gboolean
parse_braces(Parser *ps, ToolSelector *sel)
{
    ps->p++; /* '{' */
    for (;;) {
        skip_blanks(ps);
        if (*ps->p == '}')
            break;
        if (!parse_matcher(ps, sel))
            return FALSE;
        skip_blanks(ps);
        if (*ps->p == ',')
            ps->p++;
        else if (*ps->p != '}')
            return fail(ps, _("expected “,” or “}”"));
    }
    ps->p++;
    return TRUE;
}

ToolSelector *
tool_selector_parse(const char *text, GError **error)
{
    g_return_val_if_fail(text != NULL, NULL);
    g_autoptr(ToolSelector) sel = g_new0(ToolSelector, 1);
    Parser ps = {text, text, error};

    sel->matchers = g_ptr_array_new_with_free_func((GDestroyNotify)rondo_matcher_free);
    skip_blanks(&ps);
    char *name = parse_ident(&ps, TRUE);
    if (name != NULL && !add_matcher(&ps, sel, g_strdup("__name__"), RONDO_MATCH_EQUAL, name))
        return NULL;
    skip_blanks(&ps);
    if (*ps.p == '{' && !parse_braces(&ps, sel))
        return NULL;
    skip_blanks(&ps);
    if (*ps.p != '\0')
        return fail(&ps, _("unexpected character")), NULL;
    if (sel->matchers->len == 0)
        return fail(&ps, _("a selector needs a name or a matcher")), NULL;
    return g_steal_pointer(&sel);
}

gboolean
tool_selector_matches(const ToolSelector *selector, const char *name, const char *const *labels)
{
    g_return_val_if_fail(selector != NULL && name != NULL, FALSE);
    for (guint i = 0; i < selector->matchers->len; i++) {
        if (!rondo_matcher_matches(g_ptr_array_index(selector->matchers, i), name, labels))
            return FALSE;
    }
    return TRUE;
}

guint
tool_selector_get_n_matchers(const ToolSelector *selector)
{
    return selector->matchers->len;
}

const char *
tool_selector_get_matcher(const ToolSelector *selector, guint i, RondoMatchOp *ret_op,
                          const char **ret_value)
{
    g_return_val_if_fail(i < selector->matchers->len, NULL);
    const RondoMatcher *m = g_ptr_array_index(selector->matchers, i);
    if (ret_op)
        *ret_op = rondo_matcher_get_op(m);
    if (ret_value)
        *ret_value = rondo_matcher_get_value(m);
    return rondo_matcher_get_label(m);
}

static gboolean
series_fail(GError **error, const char *what)
{
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s", what);
    return FALSE;
}

gboolean
tool_selector_get_series(const ToolSelector *selector, char **ret_name, char ***ret_labels,
                         GError **error)
{
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();
    const char *name = NULL;
    RondoMatchOp op;
    for (guint i = 0; i < selector->matchers->len; i++) {
        const char *value, *label = tool_selector_get_matcher(selector, i, &op, &value);
        if (op != RONDO_MATCH_EQUAL)
            return series_fail(error, _("a series takes only = matchers"));
        if (g_str_equal(label, "__name__")) {
            if (name != NULL)
                return series_fail(error, _("the series name is given twice"));
            name = value;
            continue;
        }
        for (guint j = 0; j < i; j++) {
            if (g_str_equal(tool_selector_get_matcher(selector, j, NULL, NULL), label))
                return series_fail(error, _("a label is given twice"));
        }
        g_strv_builder_add_many(b, label, value, NULL);
    }
    if (name == NULL)
        return series_fail(error, _("the series has no name"));
    *ret_name = g_strdup(name);
    *ret_labels = g_strv_builder_end(b);
    return TRUE;
}

gsize
tool_selector_span(const char *text)
{
    const char *p = text;
    char quote = 0;
    int depth = 0;
    for (; *p; p++) {
        if (quote) {
            if (*p == '\\' && quote != '`' && p[1])
                p++;
            else if (*p == quote)
                quote = 0;
        } else if (*p == '"' || *p == '\'' || *p == '`') {
            quote = *p;
        } else if (*p == '{') {
            depth++;
        } else if (*p == '}') {
            depth--;
        } else if (g_ascii_isspace(*p) && depth <= 0) {
            break;
        }
    }
    return (gsize)(p - text);
}
