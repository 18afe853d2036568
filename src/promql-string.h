/* promql-string.h - PromQL's string literals, as Prometheus reads them. */
#ifndef RONDO_PROMQL_STRING_H
#define RONDO_PROMQL_STRING_H

#include <glib.h>

typedef enum {
    PROMQL_STRING_OK,
    PROMQL_STRING_NO_QUOTE,     /* the text does not start with " ' or ` */
    PROMQL_STRING_UNTERMINATED, /* no closing quote (or a newline inside " or ') */
    PROMQL_STRING_BAD_ESCAPE,   /* an escape Prometheus refuses */
} PromqlStringStatus;

/**
 * promql_string_lex:
 * @p: (inout): the text, at the opening quote; on success just past the
 *   closing one, on failure where the problem is.
 * @ret: (out) (transfer full): the decoded value (\x and octal escapes may
 *   make it any bytes, as in Prometheus), set only on success.
 *
 * Double and single quotes take the escapes \a \b \f \n \r \t \v \\, the
 * enclosing quote, \xHH, \NNN (octal, at most 255), \uHHHH and
 * \UHHHHHHHH (a Unicode scalar value, written as UTF-8), and may not
 * contain a newline; backquotes take everything up to the next backquote
 * as it is. The one decoder of the tools' selectors and rondod's PromQL.
 */
PromqlStringStatus promql_string_lex(const char **p, char **ret);

/* What is wrong, for a status other than PROMQL_STRING_OK: English (as
 * rondod's API answers), marked for the tools to translate. */
const char *promql_string_message(PromqlStringStatus status);

#endif
