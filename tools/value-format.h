/* value-format.h - numbers and strings spelled for machines: exact,
 * locale-independent, and safe inside JSON and CSV. */
#ifndef TOOL_VALUE_FORMAT_H
#define TOOL_VALUE_FORMAT_H

#include <glib.h>
#include "rondo.h"

#define TOOL_VALUE_BUF 40

/* The shortest text that reads back as the same double ("0.1", "42",
 * "1e+300"); "NaN", "+Inf", "-Inf" as Prometheus spells them. */
void tool_value_format(double value, char buf[TOOL_VALUE_BUF]);
/* Reads what tool_value_format() writes (and plain decimal numbers). */
gboolean tool_value_parse(const char *text, double *ret_value);
/* Like tool_value_format() with @digits significant digits, for people. */
void tool_value_format_short(double value, int digits, char buf[TOOL_VALUE_BUF]);
/* The unit a series carries by Prometheus' naming rule: its name ends in
 * _bytes or _seconds (a counter's with _total after it). */
typedef enum {
    TOOL_UNIT_NONE,
    TOOL_UNIT_BYTES,
    TOOL_UNIT_SECONDS,
} ToolUnit;
ToolUnit tool_unit_of_name(const char *name);
/* "bytes", "seconds", or NULL for TOOL_UNIT_NONE: the unit as a series'
 * description names it (rondo_store_register_specs()). */
const char *tool_unit_to_string(ToolUnit unit);
/* The unit @series' writer registered, when it is one of these; else @other. */
ToolUnit tool_unit_of_series(const RondoSeries *series, ToolUnit other);
/* @value for people, in its unit: "12.4 MiB", "3.2 ms", "1.5 h"; a plain
 * number with k, M, G, T for thousands and up ("12.98M"). About four
 * significant digits; NaN and infinities as tool_value_format() spells them. */
void tool_value_format_human(double value, ToolUnit unit, char buf[TOOL_VALUE_BUF]);
/* Appends @text as a CSV field (RFC 4180: quoted when it must be). */
void tool_csv_append_field(GString *out, const char *text);

#endif /* TOOL_VALUE_FORMAT_H */
