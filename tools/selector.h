/* selector.h - Prometheus series selectors: name{label="v",l2=~"re"}. */
#ifndef TOOL_SELECTOR_H
#define TOOL_SELECTOR_H

#include <glib.h>
#include "rondo.h"

typedef struct _ToolSelector ToolSelector;

/**
 * tool_selector_parse:
 * Parses `name`, `name{matchers}` or `{matchers}`; a matcher is
 * LABEL OP "VALUE" with OP one of = != =~ !~, VALUE a PromQL string
 * (promql_string_lex(): double, single or backquotes, Go's escapes). A regex
 * (GRegex syntax) must match the whole value, as in Prometheus.
 * Errors are G_OPTION_ERROR_BAD_VALUE with a translated message.
 */
ToolSelector *tool_selector_parse(const char *text, GError **error);
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

/* The length of the selector at the start of @text: up to the first blank
 * outside braces and quotes. */
gsize tool_selector_span(const char *text);

#endif /* TOOL_SELECTOR_H */
