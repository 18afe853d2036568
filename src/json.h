/* json.h - appending JSON to a GString, for responses too hot for json-glib trees. */
#ifndef RONDOD_JSON_H
#define RONDOD_JSON_H

#include <glib.h>

/* "s" with JSON escapes; invalid UTF-8 bytes become U+FFFD. */
void json_append_string(GString *out, const char *s);
/* A number as Prometheus writes it, inside quotes: "1.5", "NaN", "+Inf", "-Inf". */
void json_append_value(GString *out, double v);
/* @v in decimal, unquoted. */
void json_append_u64(GString *out, guint64 v);
/* Unix seconds with millisecond precision, unquoted: 1700000000 or 1700000000.25. */
void json_append_time(GString *out, guint64 t_ns);
/* A sample of a query answer, [TIME,"VALUE"], written in one piece. */
void json_append_sample(GString *out, guint64 t_ns, double v);

/* The shortest text that reads back as @v ("NaN", "+Inf", "-Inf" for the rest);
 * @n at least G_ASCII_DTOSTR_BUF_SIZE. Returns the length. */
gsize format_double(char *buf, gsize n, double v);
/* The digits format_double() uses, found by printf and strtod alone (its
 * fallback, and the reference its fast path is tested against): @v finite
 * and not 0; @digits without point or trailing zeros, v = 0.DIGITS x 10^(exp+1). */
void json_shortest_digits_printf(double v, char digits[20], int *ret_exp);
/* The same digits, mostly without printf: what format_double() uses. */
void json_shortest_digits(double v, char digits[20], int *ret_exp);
/* Appends Go's strconv.FormatFloat(v, 'f', -1, 64) to @out: the shortest
 * digits that read back, never with an exponent, however long (1e100 is a
 * 1 and 100 zeros); NaN and infinities as format_double() writes them. */
void json_append_fixed(GString *out, double v);

#endif
