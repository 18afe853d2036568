/* matcher.c - a label matcher, the suite's one rule for them (rondo.h).
 *
 * Schemas route series with matchers, rondod's PromQL selects with them,
 * the tools' selectors too. Each used to compile its regular expressions
 * with flags of its own, so `=~"io"` could accept "io\n" in one and not in
 * another. Now one place compiles them, regex-cache.c's regex_compile()
 * (anchored, RE2's `$`), and keeps them for the next matcher.
 */
#include "config.h"
#include "internal.h"

RondoMatcher *
rondo_matcher_new(const char *label, RondoMatchOp op, const char *value, GError **error)
{
    g_return_val_if_fail(label != NULL && value != NULL, NULL);
    g_autoptr(GRegex) regex = NULL;
    if (op > RONDO_MATCH_NOT_REGEX || *label == '\0') {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_INVALID,
                    "bad matcher on label “%s” (an empty label or an unknown operator)", label);
        return NULL;
    }
    if (op == RONDO_MATCH_REGEX || op == RONDO_MATCH_NOT_REGEX) {
        g_autoptr(GError) local = NULL;
        regex = rondo_regex_cache_get(value, &local);
        if (regex == NULL) {
            g_set_error(error, RONDO_ERROR, RONDO_ERROR_INVALID, "bad regular expression “%s”: %s",
                        value, local->message);
            return NULL;
        }
    }
    RondoMatcher *m = g_new0(RondoMatcher, 1);
    m->label = g_strdup(label);
    m->op = op;
    m->value = g_strdup(value);
    m->regex = g_steal_pointer(&regex);
    return m;
}

void
rondo_matcher_free(RondoMatcher *m)
{
    if (m == NULL)
        return;
    g_free(m->label);
    g_free(m->value);
    if (m->regex)
        g_regex_unref(m->regex);
    g_free(m);
}

gboolean
rondo_matcher_matches_value(const RondoMatcher *m, const char *value)
{
    g_return_val_if_fail(m != NULL, FALSE);
    value = value ? value : "";
    gboolean hit =
        m->regex ? g_regex_match(m->regex, value, 0, NULL) : g_str_equal(value, m->value);
    return m->op == RONDO_MATCH_EQUAL || m->op == RONDO_MATCH_REGEX ? hit : !hit;
}

gboolean
rondo_matcher_matches(const RondoMatcher *m, const char *name, const char *const *labels)
{
    g_return_val_if_fail(m != NULL, FALSE);
    return rondo_matcher_matches_value(m, rondo_labels_lookup(name, labels, m->label));
}

const char *
rondo_matcher_get_label(const RondoMatcher *m)
{
    g_return_val_if_fail(m != NULL, NULL);
    return m->label;
}

RondoMatchOp
rondo_matcher_get_op(const RondoMatcher *m)
{
    g_return_val_if_fail(m != NULL, RONDO_MATCH_EQUAL);
    return m->op;
}

const char *
rondo_matcher_get_value(const RondoMatcher *m)
{
    g_return_val_if_fail(m != NULL, NULL);
    return m->value;
}

GRegex *
rondo_matcher_get_regex(const RondoMatcher *m)
{
    g_return_val_if_fail(m != NULL, NULL);
    return m->regex;
}
