/* selector.c - the tools' side of Prometheus series selectors.
 *
 * The grammar is PromQL's own (src/promql-selector.c, which rondod's
 * parser calls too), so a selector means the same on the command line, in
 * an import line and on rondod's API. Here is what only the tools need:
 * any metric name is allowed (an exposition line may name a series
 * `offset` or `bool`, which an expression cannot), errors become
 * G_OPTION_ERROR with a translated message and the position, matching is
 * librondo's RondoMatcher, and the series form of an import line.
 */
#include "config.h"
#include <glib/gi18n.h>
#include "rondo-tool.h"
#include "selector.h"
#include "promql-selector.h"

struct _ToolSelector {
    GPtrArray *matchers; /* RondoMatcher* */
};

void
tool_selector_free(ToolSelector *selector)
{
    if (selector == NULL)
        return;
    g_ptr_array_unref(selector->matchers);
    g_free(selector);
}

/* Always NULL; @at is where in @text the problem is. */
static ToolSelector *
fail(GError **error, const char *text, const char *at, const char *what)
{
    g_autofree char *echo = tool_excerpt(text);
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                _("bad selector “%s” at char %u: %s"), echo, (unsigned)(at - text) + 1, what);
    return NULL;
}

/* TRUE if @c may follow a selector: the end, or with @whole FALSE (an
 * import line's series) a blank before the value. */
static gboolean
may_follow(char c, gboolean whole)
{
    return c == '\0' || (!whole && (c == ' ' || c == '\t'));
}

/* The selector at the start of @text, blanks before it skipped, blanks
 * and comments after it too if @whole; its length in @ret_len (only on
 * success). */
static ToolSelector *
parse(const char *text, gboolean whole, gsize *ret_len, GError **error)
{
    const char *p = promql_skip_blanks(text);
    PromqlSelectorError e;
    g_autoptr(GPtrArray) matchers = promql_selector_parse(&p, &e);
    if (matchers == NULL) {
        g_autofree char *what = promql_selector_error_message(&e, GETTEXT_PACKAGE);
        fail(error, text, e.at, what);
        promql_selector_error_clear(&e);
        return NULL;
    }
    const char *end = p;
    p = whole ? promql_skip_blanks(p) : p;
    if (!may_follow(*p, whole))
        return fail(error, text, p, _("unexpected character after the selector"));
    *ret_len = (gsize)(end - text);
    ToolSelector *sel = g_new0(ToolSelector, 1);
    sel->matchers = g_steal_pointer(&matchers);
    return sel;
}

ToolSelector *
tool_selector_parse(const char *text, GError **error)
{
    g_return_val_if_fail(text != NULL, NULL);
    gsize len;
    return parse(text, TRUE, &len, error);
}

ToolSelector *
tool_selector_parse_prefix(const char *text, gsize *ret_len, GError **error)
{
    g_return_val_if_fail(text != NULL && ret_len != NULL, NULL);
    return parse(text, FALSE, ret_len, error);
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
