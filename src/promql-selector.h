/* promql-selector.h - PromQL's series selector: name{label="v", l2=~"re"}. */
#ifndef RONDO_PROMQL_SELECTOR_H
#define RONDO_PROMQL_SELECTOR_H

#include <glib.h>
#include "promql-string.h"
#include "rondo.h"

typedef enum {
    PROMQL_SELECTOR_OK,
    PROMQL_SELECTOR_NO_SELECTOR, /* neither a metric name nor "{" */
    PROMQL_SELECTOR_NO_LABEL,    /* inside braces, no label name (nor "}") */
    PROMQL_SELECTOR_NO_OPERATOR, /* after a label name, none of = != =~ !~ */
    PROMQL_SELECTOR_BAD_STRING,  /* after an operator, no good string: string_status */
    PROMQL_SELECTOR_NO_COMMA,    /* after a matcher, neither "," nor "}" */
    PROMQL_SELECTOR_BAD_REGEX,   /* a regular expression that does not compile */
    PROMQL_SELECTOR_NAME_TWICE,  /* name{__name__...}: the name given twice */
    PROMQL_SELECTOR_ALL_EMPTY,   /* no name and no matcher refusing the empty value */
} PromqlSelectorStatus;

/* Why and where a selector was refused. */
typedef struct {
    PromqlSelectorStatus status;
    const char *at;                   /* in the text, where Prometheus points: the token in the way,
                                       * a bad string's opening quote, a bad regular expression's
                                       * label, the selector's start for NAME_TWICE and ALL_EMPTY */
    PromqlStringStatus string_status; /* BAD_STRING: what promql_string_lex() found */
    char *detail;  /* BAD_REGEX: librondo's message; NAME_TWICE: the name outside */
    char *detail2; /* NAME_TWICE: the __name__ matcher's value */
} PromqlSelectorError;

/**
 * promql_selector_parse:
 * @p: (inout): the text at the selector: a metric name
 *   ([a-zA-Z_:][a-zA-Z0-9_:]*, any, keywords too: PromQL's parser decides
 *   which words are names before it calls this) and/or "{" matchers "}".
 *   On success just past the name or the "}", blanks after left alone.
 * @ret_error: (out caller-allocates): on failure; free with
 *   promql_selector_error_clear().
 *
 * A matcher is LABEL OP STRING, LABEL [a-zA-Z_][a-zA-Z0-9_]*, OP one of
 * = != =~ !~, STRING a PromQL string literal (promql_string_lex()); blanks
 * and # comments (promql_skip_blanks()) may stand between any two tokens,
 * a comma may follow the last matcher and the braces may be empty.
 * Refused as Prometheus 2.42 refuses them: a regular expression that does
 * not compile, a name given both before the braces and as __name__, and a
 * selector without a name whose every matcher accepts the empty value.
 *
 * Returns: (transfer full): the matchers (RondoMatcher*, a name's
 * __name__ = NAME first, then in the order written), or NULL.
 */
GPtrArray *promql_selector_parse(const char **p, PromqlSelectorError *ret_error);

void promql_selector_error_clear(PromqlSelectorError *error);

/* The message for @error, English (rondod's API, as Prometheus answers)
 * when @domain is NULL, else translated with that gettext domain. */
char *promql_selector_error_message(const PromqlSelectorError *error, const char *domain);

/* @p past PromQL's blanks (space, tab, CR, LF: not \v or \f) and its
 * comments (# to the end of the line). */
const char *promql_skip_blanks(const char *p);

/* The length of the metric name (or keyword, function name) at @p, 0 if
 * there is none. */
gsize promql_name_length(const char *p);

/* The length of the label name at @p ([a-zA-Z_][a-zA-Z0-9_]*, no colon),
 * 0 if there is none. */
gsize promql_label_length(const char *p);

#endif
