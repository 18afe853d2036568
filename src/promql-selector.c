/* promql-selector.c - PromQL's series selector, the one grammar of rondod and the tools.
 *
 *   selector := NAME [matchers] | matchers
 *   matchers := '{' [matcher (',' matcher)* [',']] '}'
 *   matcher  := LABEL ('=' | '!=' | '=~' | '!~') STRING
 * NAME [a-zA-Z_:][a-zA-Z0-9_:]*, LABEL [a-zA-Z_][a-zA-Z0-9_]*, STRING
 * promql-string.c's; blanks and comments between any two tokens.
 *
 * Why one file: rondod's PromQL and the tools (`rondo import` lines,
 * `rondo query`, rondo-query) each had a selector parser and they
 * disagreed on details (keywords as names, `{a=""}`, comments, where an
 * error is). Now promql.c decides which words are keywords and calls this
 * when a selector starts; the tools call it directly, where any metric
 * name is allowed (the exposition format allows `offset` or `bool`).
 * Everything is decided as Prometheus 2.42 decides it, and an error points
 * where Prometheus' does. Messages are English for rondod's API and marked
 * for the tools to translate; positions are the callers' to print.
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "promql-selector.h"

typedef struct {
    const char *start; /* the selector's first character */
    const char *p;
    GPtrArray *matchers; /* RondoMatcher* */
    PromqlSelectorError *error;
} Lexer;

static gboolean
is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

const char *
promql_skip_blanks(const char *p)
{
    for (;;) {
        while (is_blank(*p))
            p++;
        if (*p != '#')
            return p;
        while (*p != '\0' && *p != '\n')
            p++;
    }
}

gsize
promql_name_length(const char *p)
{
    gsize n = 0;
    if (!(g_ascii_isalpha(p[0]) || p[0] == '_' || p[0] == ':'))
        return 0;
    while (g_ascii_isalnum(p[n]) || p[n] == '_' || p[n] == ':')
        n++;
    return n;
}

gsize
promql_label_length(const char *p)
{
    gsize n = 0;
    if (!(g_ascii_isalpha(p[0]) || p[0] == '_'))
        return 0;
    while (g_ascii_isalnum(p[n]) || p[n] == '_')
        n++;
    return n;
}

/* Always FALSE, for `return fail(...)`. */
static gboolean
fail(Lexer *lx, PromqlSelectorStatus status, const char *at)
{
    lx->error->status = status;
    lx->error->at = at;
    return FALSE;
}

static gboolean
lex_op(Lexer *lx, RondoMatchOp *ret_op)
{
    static const struct {
        const char text[3];
        RondoMatchOp op;
    } ops[] = {
        {"=~", RONDO_MATCH_REGEX},
        {"!~", RONDO_MATCH_NOT_REGEX},
        {"!=", RONDO_MATCH_NOT_EQUAL},
        {"=", RONDO_MATCH_EQUAL},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(ops); i++) {
        if (g_str_has_prefix(lx->p, ops[i].text)) {
            lx->p += strlen(ops[i].text);
            *ret_op = ops[i].op;
            return TRUE;
        }
    }
    return fail(lx, PROMQL_SELECTOR_NO_OPERATOR, lx->p);
}

/* A quoted value; a bad one is reported at its opening quote, as
 * Prometheus' lexer reports it. */
static char *
lex_value(Lexer *lx)
{
    const char *at = lx->p;
    char *value = NULL;
    lx->error->string_status = promql_string_lex(&lx->p, &value);
    if (lx->error->string_status != PROMQL_STRING_OK)
        fail(lx, PROMQL_SELECTOR_BAD_STRING, at);
    return value;
}

/* Compiles and keeps a matcher; a bad regular expression is reported at
 * @at, its label, as Prometheus reports it. */
static gboolean
add_matcher(Lexer *lx, const char *at, const char *label, RondoMatchOp op, const char *value)
{
    g_autoptr(GError) local = NULL;
    RondoMatcher *m = rondo_matcher_new(label, op, value, &local);
    if (m == NULL) {
        lx->error->detail = g_strdup(local->message);
        return fail(lx, PROMQL_SELECTOR_BAD_REGEX, at);
    }
    g_ptr_array_add(lx->matchers, m);
    return TRUE;
}

static gboolean
parse_matcher(Lexer *lx)
{
    const char *at = lx->p;
    gsize n = promql_label_length(at);
    if (n == 0)
        return fail(lx, PROMQL_SELECTOR_NO_LABEL, at);
    g_autofree char *label = g_strndup(at, n);
    RondoMatchOp op;
    lx->p = promql_skip_blanks(at + n);
    if (!lex_op(lx, &op))
        return FALSE;
    lx->p = promql_skip_blanks(lx->p);
    g_autofree char *value = lex_value(lx);
    return value != NULL && add_matcher(lx, at, label, op, value);
}

/* '{' [matcher (',' matcher)* [',']] '}', the '{' at the cursor. */
static gboolean
parse_braces(Lexer *lx)
{
    g_assert(*lx->p == '{');
    lx->p = promql_skip_blanks(lx->p + 1);
    while (*lx->p != '}') {
        if (!parse_matcher(lx))
            return FALSE;
        lx->p = promql_skip_blanks(lx->p);
        if (*lx->p == ',')
            lx->p = promql_skip_blanks(lx->p + 1);
        else if (*lx->p != '}')
            return fail(lx, PROMQL_SELECTOR_NO_COMMA, lx->p);
    }
    lx->p++;
    return TRUE;
}

/* What Prometheus' parser checks of a whole selector (checkAST): a name
 * given once; without one, a matcher that refuses the empty value. */
static gboolean
check_selector(Lexer *lx, const char *name)
{
    for (guint i = 0; i < lx->matchers->len; i++) {
        const RondoMatcher *m = g_ptr_array_index(lx->matchers, i);
        if (name == NULL && !rondo_matcher_matches_value(m, ""))
            return TRUE;
        if (name != NULL && i > 0 && g_str_equal(rondo_matcher_get_label(m), "__name__")) {
            lx->error->detail = g_strdup(name);
            lx->error->detail2 = g_strdup(rondo_matcher_get_value(m));
            return fail(lx, PROMQL_SELECTOR_NAME_TWICE, lx->start);
        }
    }
    return name != NULL || fail(lx, PROMQL_SELECTOR_ALL_EMPTY, lx->start);
}

GPtrArray *
promql_selector_parse(const char **p, PromqlSelectorError *ret_error)
{
    g_return_val_if_fail(p != NULL && *p != NULL && ret_error != NULL, NULL);
    g_autoptr(GPtrArray) matchers =
        g_ptr_array_new_with_free_func((GDestroyNotify)rondo_matcher_free);
    Lexer lx = {*p, *p, matchers, ret_error};
    *ret_error = (PromqlSelectorError){PROMQL_SELECTOR_OK, NULL, PROMQL_STRING_OK, NULL, NULL};
    gsize n = promql_name_length(lx.p);
    g_autofree char *name = n ? g_strndup(lx.p, n) : NULL;
    if (name != NULL) {
        g_ptr_array_add(matchers, rondo_matcher_new("__name__", RONDO_MATCH_EQUAL, name, NULL));
        lx.p += n;
        /* A name may stand alone: the blanks after it are not its own. */
        const char *brace = promql_skip_blanks(lx.p);
        if (*brace == '{')
            lx.p = brace;
    } else if (*lx.p != '{') {
        fail(&lx, PROMQL_SELECTOR_NO_SELECTOR, lx.p);
        return NULL;
    }
    if (*lx.p == '{' && !parse_braces(&lx))
        return NULL;
    if (!check_selector(&lx, name))
        return NULL;
    g_assert(matchers->len > 0 || name != NULL);
    *p = lx.p;
    return g_steal_pointer(&matchers);
}

void
promql_selector_error_clear(PromqlSelectorError *error)
{
    g_clear_pointer(&error->detail, g_free);
    g_clear_pointer(&error->detail2, g_free);
}

/* @msgid in @domain, or as it is without one. */
#define MESSAGE(domain, msgid) ((domain) != NULL ? g_dgettext((domain), (msgid)) : (msgid))

char *
promql_selector_error_message(const PromqlSelectorError *e, const char *domain)
{
    switch (e->status) {
    case PROMQL_SELECTOR_NO_SELECTOR:
        return g_strdup(MESSAGE(domain, N_("expected a metric name or \"{\"")));
    case PROMQL_SELECTOR_NO_LABEL:
        return g_strdup(MESSAGE(domain, N_("expected a label name or \"}\"")));
    case PROMQL_SELECTOR_NO_OPERATOR:
        return g_strdup(MESSAGE(domain, N_("expected a label matcher operator (=, !=, =~, !~)")));
    case PROMQL_SELECTOR_BAD_STRING:
        return g_strdup(MESSAGE(domain, promql_string_message(e->string_status)));
    case PROMQL_SELECTOR_NO_COMMA:
        return g_strdup(MESSAGE(domain, N_("expected \",\" or \"}\"")));
    case PROMQL_SELECTOR_BAD_REGEX:
        return g_strdup(e->detail);
    case PROMQL_SELECTOR_NAME_TWICE:
        return g_strdup_printf(
            MESSAGE(domain, N_("metric name must not be set twice: \"%s\" or \"%s\"")), e->detail,
            e->detail2);
    case PROMQL_SELECTOR_ALL_EMPTY:
        return g_strdup(
            MESSAGE(domain, N_("vector selector must contain at least one non-empty matcher")));
    case PROMQL_SELECTOR_OK:
    default:
        g_return_val_if_reached(g_strdup("?"));
    }
}
