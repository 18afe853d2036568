/* selector.h - Prometheus series selectors: name{label="v",l2=~"re"}. */
#ifndef TOOL_SELECTOR_H
#define TOOL_SELECTOR_H

#include <glib.h>
#include "rondo.h"

typedef struct _ToolSelector ToolSelector;

/**
 * tool_selector_parse:
 * Parses `name`, `name{matchers}` or `{matchers}` with PromQL's selector
 * grammar (promql_selector_parse(): a matcher is LABEL OP "VALUE" with OP
 * one of = != =~ !~, VALUE a PromQL string), except that any metric name
 * is allowed, PromQL's keywords too. A regex (GRegex syntax) must match the
 * whole value, as in Prometheus. Blanks and # comments may stand around it.
 * Errors are G_OPTION_ERROR_BAD_VALUE with a translated message and the
 * 1-based position in @text.
 */
ToolSelector *tool_selector_parse(const char *text, GError **error);
/* The same for the selector that starts @text (after blanks) and ends
 * at a blank or the end, as an import line's series; its length (from
 * @text) in @ret_len. */
ToolSelector *tool_selector_parse_prefix(const char *text, gsize *ret_len, GError **error);
void tool_selector_free(ToolSelector *selector);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ToolSelector, tool_selector_free)

/* @labels: NULL-terminated name, value, ... pairs; a missing label is "". */
gboolean tool_selector_matches(const ToolSelector *selector, const char *name,
                               const char *const *labels);

guint tool_selector_get_n_matchers(const ToolSelector *selector);
/* Returns the label; the out-parameters are optional. */
const char *tool_selector_get_matcher(const ToolSelector *selector, guint i, RondoMatchOp *ret_op,
                                      const char **ret_value);

/**
 * tool_selector_get_series:
 * For a selector that names exactly one series (a name and only `=`
 * matchers, each label once, as in an import line): the name and the
 * NULL-terminated label pairs (transfer full), or FALSE with @error set.
 */
gboolean tool_selector_get_series(const ToolSelector *selector, char **ret_name, char ***ret_labels,
                                  GError **error);

#endif /* TOOL_SELECTOR_H */
