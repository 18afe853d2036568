/* import-line.h - one line of `rondo import`: SERIES VALUE TIMESTAMP. */
#ifndef RONDO_IMPORT_LINE_H
#define RONDO_IMPORT_LINE_H

#include <glib.h>

typedef struct {
    char *name;
    char **labels; /* NULL-terminated pairs */
    double value;
    guint64 t_ns;
} RondoImportLine;

/* Parses @text; FALSE with a translated message in @error if it is bad.
 * On success the caller clears @ret with rondo_import_line_clear(). */
gboolean rondo_import_line_parse(const char *text, RondoImportLine *ret, GError **error);
void rondo_import_line_clear(RondoImportLine *line);

/* A timestamp: seconds with an optional fraction ("1714564800.25"), or an
 * integer with a unit suffix: ns, us, ms, s. */
gboolean rondo_import_timestamp_parse(const char *text, guint64 *ret_ns);

#endif /* RONDO_IMPORT_LINE_H */
