/* schema-file.h - schema files (rondo-schema(5)) for `rondo create`, and
 * the tier and matcher specs they share with `rondo resize`. */
#ifndef TOOL_SCHEMA_FILE_H
#define TOOL_SCHEMA_FILE_H

#include <glib.h>
#include "rondo.h"

/* Parses @path into schemas (RondoSchema*, in file order). Errors name the
 * file and line: "FILE:LINE: message". */
GPtrArray *tool_schema_file_load(const char *path, GError **error);

/* Parses "1s:600" or "10s:2160:average,max" into a tier's parts;
 * *ret_functions is 0 when the spec names no function (the caller's
 * default: average in a schema file, rondo-schema(5)). */
gboolean tool_tier_spec_parse(const char *text, guint64 *ret_interval_ns, guint32 *ret_slots,
                              guint32 *ret_functions, GError **error);

/* Parses "label OP value" (OP = != =~ !~; the value unquoted, to the end). */
gboolean tool_match_spec_parse(const char *text, char **ret_label, RondoMatchOp *ret_op,
                               char **ret_value, GError **error);

#endif /* TOOL_SCHEMA_FILE_H */
