/* import-line.h - one line of `rondo import`: SERIES VALUE [TIMESTAMP]. */
#ifndef TOOL_IMPORT_LINE_H
#define TOOL_IMPORT_LINE_H

#include <glib.h>

/* The longest line `rondo import` reads, in bytes without the newline
 * (rondo(1)); longer lines are skipped and reported. */
#define TOOL_IMPORT_LINE_MAX 65536

typedef struct {
    char *name;
    char **labels; /* NULL-terminated pairs */
    double value;
    guint64 t_ns;
} ToolImportLine;

/* How timestamps are written (`rondo import --format`). */
typedef enum {
    TOOL_IMPORT_FORMAT_RONDO,       /* seconds with a fraction, or an integer and a unit */
    TOOL_IMPORT_FORMAT_PROMETHEUS,  /* the text exposition format: integer milliseconds */
    TOOL_IMPORT_FORMAT_OPENMETRICS, /* seconds with a fraction; exemplars after " # " */
} ToolImportFormat;

typedef struct {
    ToolImportFormat format;
    guint64 now_ns; /* the time of a sample without a timestamp; 0: a timestamp is required */
} ToolImportOptions;

/* "rondo", "prometheus" or "openmetrics"; FALSE for anything else. */
gboolean tool_import_format_from_string(const char *text, ToolImportFormat *ret);

/* Parses @text as @options (NULL: the rondo format, timestamps required)
 * say; FALSE with a translated message in @error if it is bad, including
 * a timestamp outside RONDO_TIME_MIN_NS..RONDO_TIME_MAX_NS (with a guess
 * at the unit meant).
 * On success the caller clears @ret with tool_import_line_clear(). */
gboolean tool_import_line_parse(const char *text, const ToolImportOptions *options,
                                ToolImportLine *ret, GError **error);
void tool_import_line_clear(ToolImportLine *line);

/* A timestamp: seconds with an optional fraction ("1714564800.25"), or an
 * integer with a unit suffix: ns, us, ms, s. A value too large for 64 bits
 * gives G_MAXUINT64 (out of range), not a syntax error. */
gboolean tool_import_timestamp_parse(const char *text, guint64 *ret_ns);

#endif /* TOOL_IMPORT_LINE_H */
