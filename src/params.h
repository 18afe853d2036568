/* params.h - request parameters (query string and form body) and their time syntaxes. */
#ifndef RONDOD_PARAMS_H
#define RONDOD_PARAMS_H

#include <gio/gio.h>

/* Decoded name=value pairs in request order; a name may repeat (match[]). */
typedef struct _Params Params;

/* Parses "a=1&b=2" (either may be NULL); '+' is a space, %XX is decoded. */
Params *params_new(const char *query, const char *form, gsize form_len);
void params_free(Params *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Params, params_free)

/* The first value of @name, or NULL. */
const char *params_get(const Params *p, const char *name);
/* Every value of @name, NULL-terminated (free the array only, with g_free). */
const char **params_get_all(const Params *p, const char *name);
/* TRUE if a value failed to decode (bad %XX or invalid UTF-8). */
gboolean params_is_malformed(const Params *p);

/*
 * A time: Unix seconds ("1700000000.5") or RFC 3339 ("2023-11-14T22:13:20Z").
 * Errors name @what (the parameter).
 */
gboolean parse_time(const char *s, const char *what, guint64 *ret_ns, GError **error);
/* A duration: seconds ("15", "0.5") or Prometheus units ("1h30m", "500ms"). */
gboolean parse_duration(const char *s, const char *what, guint64 *ret_ns, GError **error);
/* Only the Prometheus unit syntax; returns the characters consumed, 0 if none. */
gsize parse_prom_duration(const char *s, guint64 *ret_ns);

/* PromQL's duration units, shortest first ("ms" before "m" for a prefix
 * match), ending with {NULL, 0}: the parser's and the tools' formatter's. */
typedef struct {
    const char *name;
    guint64 ns;
} PromDurationUnit;
extern const PromDurationUnit prom_duration_units[];

#endif
