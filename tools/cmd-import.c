/* cmd-import.c - `rondo import DIR`: points from stdin into a store.
 *
 * Lines may come in any order (a file per series, concatenated, is
 * typical), but tier 0 only keeps its window and consolidation only reads
 * complete tier-0 slots. So the valid lines are read first, sorted by time
 * (stable, by line number; import-sort.c, in bounded memory), and recorded
 * in that order, consolidating each time the clock of the data moves
 * forward: a backfill longer than tier 0's window still reaches the coarser
 * tiers. Bad lines are reported and skipped; the rest is kept.
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "import-line.h"
#include "import-meta.h"
#include "import-sort.h"
#include "rondo-tool.h"

/* Points held in memory before a sorted run goes to a temporary file:
 * 128 Ki points of 32 bytes, 4 MiB. */
#define IMPORT_SORT_CHUNK ((gsize)1 << 17)

typedef struct {
    guint points, series_new, bad, dropped, buckets;
} Summary;

/* A new series with what the # TYPE/# HELP/# UNIT lines before it said;
 * without it when the library refuses that description (said once). */
static RondoSeries *
series_register(RondoStore *store, const ToolImportLine *l, GHashTable *meta, GError **error)
{
    RondoSeriesSpec spec = {l->name, (const char *const *)l->labels, RONDO_SERIES_UNKNOWN, NULL,
                            NULL};
    tool_import_meta_describe(meta, l->name, &spec);
    RondoSeries *s = NULL;
    g_autoptr(GError) local = NULL;
    if (rondo_store_register_specs(store, 1, &spec, &s, &local))
        return s;
    if (spec.type == RONDO_SERIES_UNKNOWN && spec.unit == NULL && spec.help == NULL) {
        g_propagate_error(error, g_steal_pointer(&local));
        return NULL;
    }
    tool_error(_("import: %s: description left out: %s"), l->name, local->message);
    RondoSeriesSpec bare = {spec.name, spec.labels, RONDO_SERIES_UNKNOWN, NULL, NULL};
    return rondo_store_register_specs(store, 1, &bare, &s, error) ? s : NULL;
}

static RondoSeries *
series_for(RondoStore *store, const ToolImportLine *l, GHashTable *meta, Summary *sum,
           GError **error)
{
    const char *const *labels = (const char *const *)l->labels;
    RondoSeries *s = rondo_store_lookup(store, l->name, labels);
    if (s != NULL)
        return s;
    s = series_register(store, l, meta, error);
    sum->series_new += s != NULL;
    return s;
}

/* FALSE only when the point cannot be kept for sorting (@error set). */
static gboolean
read_line(RondoStore *store, const ToolImportOptions *o, GHashTable *meta, const char *text,
          guint lineno, ImportSort *points, Summary *sum, GError **fatal)
{
    g_autoptr(GError) error = NULL;
    ToolImportLine l = {0};
    while (g_ascii_isspace(*text))
        text++;
    if (*text == '#')
        tool_import_meta_read(meta, text);
    if (*text == '\0' || *text == '#')
        return TRUE;
    ImportPoint p = {NULL, 0, 0, lineno};
    if (tool_import_line_parse(text, o, &l, &error))
        p.series = series_for(store, &l, meta, sum, &error);
    if (p.series == NULL) {
        tool_error(_("import: line %u: %s"), lineno, error->message);
        sum->bad++;
    } else {
        p.value = l.value;
        p.t_ns = l.t_ns;
    }
    tool_import_line_clear(&l);
    return p.series == NULL || import_sort_add(points, &p, fatal);
}

/* Reads one line into @buf (TOOL_IMPORT_LINE_MAX + 2 bytes) without its
 * end of line; a longer line is consumed up to its end and only flagged, so
 * memory stays bounded whatever the input. FALSE at the end of input. */
static gboolean
line_read(FILE *in, char *buf, gboolean *ret_too_long)
{
    if (fgets(buf, TOOL_IMPORT_LINE_MAX + 2, in) == NULL)
        return FALSE;
    gsize n = strlen(buf);
    *ret_too_long = n > TOOL_IMPORT_LINE_MAX && buf[n - 1] != '\n';
    /* Skip the rest of a long line a chunk at a time; buf is scratch then. */
    while (*ret_too_long && buf[n - 1] != '\n' && fgets(buf, TOOL_IMPORT_LINE_MAX + 2, in))
        n = strlen(buf);
    buf[strcspn(buf, "\r\n")] = '\0';
    return TRUE;
}

static gboolean
consolidate(RondoStore *store, Summary *sum, GError **error)
{
    guint buckets = 0;
    if (!rondo_store_consolidate(store, 0, &buckets, error))
        return FALSE;
    sum->buckets += buckets;
    return TRUE;
}

static gboolean
record_points(RondoStore *store, ImportSort *points, Summary *sum, GError **error)
{
    ImportPoint p;
    guint64 last_t = 0;
    gboolean first = TRUE;
    if (!import_sort_finish(points, error))
        return FALSE;
    while (import_sort_next(points, &p, error)) {
        if (!first && p.t_ns > last_t && !consolidate(store, sum, error))
            return FALSE;
        first = FALSE;
        last_t = p.t_ns;
        tool_progress(_("import: %u points recorded"), sum->points);
        /* Out of range cannot happen: the parser refused those lines. */
        if (rondo_series_record(p.series, p.value, p.t_ns) != RONDO_RECORD_OK)
            sum->dropped++;
        else
            sum->points++;
    }
    return (error == NULL || *error == NULL) && consolidate(store, sum, error);
}

/* --format and --now into @o; FALSE (a usage error, said) if --format is unknown. */
static gboolean
import_options(const char *format, gboolean now, ToolImportOptions *o)
{
    o->format = TOOL_IMPORT_FORMAT_RONDO;
    o->now_ns = now ? tool_now_ns() : 0;
    if (format != NULL && !tool_import_format_from_string(format, &o->format)) {
        tool_error(_("--format: “%s” is not one of rondo, prometheus, openmetrics"), format);
        return FALSE;
    }
    return TRUE;
}

int
tool_cmd_import(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GOptionContext) context = g_option_context_new(_("DIR"));
    g_autofree char *format = NULL;
    gboolean now = FALSE;
    const GOptionEntry entries[] = {
        {"format", 0, 0, G_OPTION_ARG_STRING, &format,
         N_("How timestamps are written: rondo (default), prometheus (integer milliseconds), "
            "openmetrics (seconds)"),
         N_("FORMAT")},
        {"now", 0, 0, G_OPTION_ARG_NONE, &now,
         N_("Give samples without a timestamp the current time (a scrape of /metrics)"), NULL},
        G_OPTION_ENTRY_NULL,
    };
    g_option_context_add_main_entries(context, entries, GETTEXT_PACKAGE);
    g_option_context_set_summary(context,
                                 _("Record points read from standard input, one per line:\n"
                                   "  SERIES{label=\"value\",...} VALUE [TIMESTAMP]\n"
                                   "TIMESTAMP is in seconds (a fraction allowed) or an integer "
                                   "with a unit: ns, us, ms, s; with --format prometheus, "
                                   "integer milliseconds, as a /metrics endpoint writes them. "
                                   "Lines starting with # are skipped, except # TYPE, # HELP "
                                   "and # UNIT: they describe the series registered after "
                                   "them."));
    ToolImportOptions options;
    if (!tool_parse(context, &argc, &argv) || !tool_want_args(argc, argv, 1, _("DIR")) ||
        !import_options(format, now, &options))
        return EXIT_USAGE;
    g_autoptr(RondoStore) store = rondo_store_open(argv[1], RONDO_OPEN_WRITE, &error);
    if (store == NULL) {
        tool_store_error(argv[1], error);
        return 1;
    }
    g_autoptr(ImportSort) points = import_sort_new(IMPORT_SORT_CHUNK);
    g_autoptr(GHashTable) meta = tool_import_meta_new();
    Summary sum = {0};
    g_autofree char *line = g_malloc(TOOL_IMPORT_LINE_MAX + 2);
    guint lineno = 0;
    gboolean too_long;
    while (line_read(stdin, line, &too_long)) {
        tool_progress(_("import: %u lines read"), lineno);
        if (!too_long) {
            if (!read_line(store, &options, meta, line, ++lineno, points, &sum, &error))
                break;
            continue;
        }
        tool_error(_("import: line %u: longer than %d bytes, skipped"), ++lineno,
                   TOOL_IMPORT_LINE_MAX);
        sum.bad++;
    }
    if (error != NULL || !record_points(store, points, &sum, &error)) {
        if (error->domain == G_FILE_ERROR) /* import-sort.c's temporary files */
            tool_error(_("import: %s (TMPDIR names where they go)"), error->message);
        else
            tool_store_error(argv[1], error);
        return 1;
    }
    tool_progress_end();
    printf(_("imported %u points (%u new series), %u dropped as too old, %u bad lines, "
             "%u buckets consolidated\n"),
           sum.points, sum.series_new, sum.dropped, sum.bad, sum.buckets);
    return sum.bad ? 1 : 0;
}
