/* selector.h - Prometheus series selectors: name{label="v",l2=~"re"}. */
#ifndef RONDO_SELECTOR_H
#define RONDO_SELECTOR_H

#include <glib.h>
#include "rondo.h"

typedef struct _RondoSelector RondoSelector;

/**
 * rondo_selector_parse:
 * Parses `name`, `name{matchers}` or `{matchers}`; a matcher is
 * LABEL OP "VALUE" with OP one of = != =~ !~, VALUE in double quotes,
 * single quotes or backquotes with the escapes \" \' \\ \n \t. A regex
 * (GRegex syntax) must match the whole value, as in Prometheus.
 * Errors are G_OPTION_ERROR_BAD_VALUE with a translated message.
 */
RondoSelector *rondo_selector_parse(const char *text, GError **error);
void rondo_selector_free(RondoSelector *selector);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RondoSelector, rondo_selector_free)

/* @labels: NULL-terminated name, value, ... pairs; a missing label is "". */
gboolean rondo_selector_matches(const RondoSelector *selector, const char *name,
                                const char *const *labels);

guint rondo_selector_get_n_matchers(const RondoSelector *selector);
/* Returns the label; the out-parameters are optional. */
const char *rondo_selector_get_matcher(const RondoSelector *selector, guint i, RondoMatchOp *ret_op,
                                       const char **ret_value);

/**
 * rondo_selector_get_series:
 * For a selector that names exactly one series (a name and only `=`
 * matchers, each label once, as in an import line): the name and the
 * NULL-terminated label pairs (transfer full), or FALSE with @error set.
 */
gboolean rondo_selector_get_series(const RondoSelector *selector, char **ret_name,
                                   char ***ret_labels, GError **error);

/* The length of the selector at the start of @text: up to the first blank
 * outside braces and quotes. */
gsize rondo_selector_span(const char *text);

#endif /* RONDO_SELECTOR_H */
