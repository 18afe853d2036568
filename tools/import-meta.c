/* import-meta.c - the # TYPE, # HELP and # UNIT lines of an exposition.
 *
 * A scrape of /metrics says what each metric family is; `rondo import`
 * keeps that with the series it registers (rondo_store_register_specs()),
 * so a counter imported from node_exporter is drawn as a rate and its
 * bytes in KiB, as the exporter meant. Anything these lines get wrong
 * (an unknown type, a unit that is not a base unit, a help text too long
 * or not UTF-8) loses that part of the description, never the points.
 */
#include "config.h"
#include <string.h>
#include "import-meta.h"

typedef struct {
    RondoSeriesType type;
    char *unit; /* NULL: not said */
    char *help;
} FamilyMeta;

static void
family_meta_free(gpointer data)
{
    FamilyMeta *f = data;
    g_free(f->unit);
    g_free(f->help);
    g_free(f);
}

GHashTable *
tool_import_meta_new(void)
{
    return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, family_meta_free);
}

static FamilyMeta *
family_get(GHashTable *meta, const char *name)
{
    FamilyMeta *f = g_hash_table_lookup(meta, name);
    if (f == NULL) {
        f = g_new0(FamilyMeta, 1);
        g_hash_table_insert(meta, g_strdup(name), f);
    }
    return f;
}

/* The help text unescaped (\\, \n, and OpenMetrics' \"), made valid UTF-8
 * and cut to RONDO_HELP_MAX bytes on a character boundary. */
static char *
help_unescape(const char *text)
{
    GString *s = g_string_new(NULL);
    for (const char *p = text; *p; p++) {
        if (*p == '\\' && (p[1] == '\\' || p[1] == '"'))
            g_string_append_c(s, *++p);
        else if (*p == '\\' && p[1] == 'n')
            g_string_append_c(s, '\n'), p++;
        else
            g_string_append_c(s, *p);
    }
    g_autofree char *raw = g_string_free(s, FALSE);
    char *valid = g_utf8_make_valid(raw, -1);
    if (strlen(valid) > RONDO_HELP_MAX)
        *g_utf8_find_prev_char(valid, valid + RONDO_HELP_MAX + 1) = '\0';
    return valid;
}

static RondoSeriesType
type_from_exposition(const char *word)
{
    RondoSeriesType type = RONDO_SERIES_UNKNOWN;
    /* histogram, summary, untyped, info, ...: no rondo type says them */
    if (!rondo_series_type_from_string(word, &type))
        type = RONDO_SERIES_UNKNOWN;
    return type;
}

void
tool_import_meta_read(GHashTable *meta, const char *line)
{
    g_auto(GStrv) w = g_strsplit_set(line, " \t", 4);
    if (g_strv_length(w) < 3 || !g_str_equal(w[0], "#") || *w[2] == '\0')
        return;
    const char *rest = w[3] ? w[3] : "";
    if (g_str_equal(w[1], "TYPE")) {
        g_autofree char *word = g_strstrip(g_strdup(rest));
        family_get(meta, w[2])->type = type_from_exposition(word);
    } else if (g_str_equal(w[1], "HELP")) {
        FamilyMeta *f = family_get(meta, w[2]);
        g_free(f->help);
        f->help = help_unescape(rest);
    } else if (g_str_equal(w[1], "UNIT")) {
        FamilyMeta *f = family_get(meta, w[2]);
        g_free(f->unit);
        f->unit = g_strstrip(g_strdup(rest));
    }
}

/* The family a sample belongs to: its name, or the name without the
 * suffix an exposition adds to a family's samples. */
static const FamilyMeta *
family_of(GHashTable *meta, const char *name)
{
    static const char *const suffixes[] = {"_total", "_bucket", "_sum", "_count"};
    const FamilyMeta *f = g_hash_table_lookup(meta, name);
    for (guint i = 0; f == NULL && i < G_N_ELEMENTS(suffixes); i++) {
        if (g_str_has_suffix(name, suffixes[i])) {
            g_autofree char *family = g_strndup(name, strlen(name) - strlen(suffixes[i]));
            f = g_hash_table_lookup(meta, family);
        }
    }
    return f;
}

void
tool_import_meta_describe(GHashTable *meta, const char *name, RondoSeriesSpec *spec)
{
    const FamilyMeta *f = family_of(meta, name);
    if (f == NULL)
        return;
    spec->type = f->type;
    spec->help = f->help;
    spec->unit = f->unit;
}
