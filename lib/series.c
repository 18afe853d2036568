/* series.c - a series' identity (name + sorted labels) and its handle.
 *
 * The key "name{a=\"1\",b=\"2\"}" (labels sorted by name, values escaped
 * as Prometheus does) is the identity: registering the same name and
 * labels in any order finds the same series. The handle carries the tier-0
 * slab and column so that rondo_series_record() needs nothing else.
 */
#include "config.h"
#include <string.h>
#include "ring.h"

gboolean
rondo_name_valid(const char *s, gboolean colon_ok, gsize max)
{
    if (s == NULL || *s == '\0' || strlen(s) > max)
        return FALSE;
    for (const char *p = s; *p; p++) {
        gboolean ok = g_ascii_isalpha(*p) || *p == '_' || (colon_ok && *p == ':') ||
                      (p != s && g_ascii_isdigit(*p));
        if (!ok)
            return FALSE;
    }
    return TRUE;
}

/* A bad name is echoed in the error, but only its first 64 characters. */
static char *
name_excerpt(const char *name)
{
    g_autofree char *valid = g_utf8_make_valid(name ? name : "", -1);
    if (g_utf8_strlen(valid, -1) <= 64)
        return g_steal_pointer(&valid);
    const char *cut = g_utf8_offset_to_pointer(valid, 64);
    return g_strdup_printf("%.*s…", (int)(cut - valid), valid);
}

gboolean
rondo_series_validate(const char *name, const char *const *labels, GError **error)
{
    if (!rondo_name_valid(name, TRUE, RONDO_NAME_MAX)) {
        g_autofree char *echo = name_excerpt(name);
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_INVALID,
                    "series name “%s” is not [a-zA-Z_:][a-zA-Z0-9_:]* (at most %d bytes)", echo,
                    RONDO_NAME_MAX);
        return FALSE;
    }
    gsize n = labels ? g_strv_length((char **)labels) : 0;
    if (n % 2 != 0 || n / 2 > RONDO_LABELS_MAX) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_INVALID,
                    "series “%s”: labels must be name/value pairs, at most %d", name,
                    RONDO_LABELS_MAX);
        return FALSE;
    }
    for (gsize i = 0; i < n; i += 2) {
        if (!rondo_name_valid(labels[i], FALSE, RONDO_NAME_MAX) ||
            g_str_has_prefix(labels[i], "__") || !g_utf8_validate(labels[i + 1], -1, NULL) ||
            strlen(labels[i + 1]) > 1024) {
            g_set_error(error, RONDO_ERROR, RONDO_ERROR_INVALID,
                        "series “%s”: bad label “%s” (names are [a-zA-Z_][a-zA-Z0-9_]* not "
                        "starting with __; values UTF-8, at most 1024 bytes)",
                        name, labels[i]);
            return FALSE;
        }
        for (gsize j = 0; j < i; j += 2) {
            if (g_str_equal(labels[i], labels[j])) {
                g_set_error(error, RONDO_ERROR, RONDO_ERROR_INVALID,
                            "series “%s”: label “%s” given twice", name, labels[i]);
                return FALSE;
            }
        }
    }
    return TRUE;
}

static int
pair_cmp(const void *a, const void *b)
{
    const char *const *pa = a, *const *pb = b;
    return strcmp(pa[0], pb[0]);
}

char **
rondo_labels_sorted(const char *const *labels)
{
    gsize n = labels ? g_strv_length((char **)labels) : 0;
    char **out = g_new0(char *, n + 1);
    for (gsize i = 0; i < n; i++)
        out[i] = g_strdup(labels[i]);
    qsort(out, n / 2, 2 * sizeof(char *), pair_cmp);
    return out;
}

static void
append_escaped(GString *s, const char *v)
{
    for (const char *p = v; *p; p++) {
        if (*p == '\\' || *p == '"')
            g_string_append_c(s, '\\');
        if (*p == '\n')
            g_string_append(s, "\\n");
        else
            g_string_append_c(s, *p);
    }
}

char *
rondo_series_key_build(const char *name, const char *const *sorted_labels)
{
    GString *s = g_string_new(name);
    if (sorted_labels && sorted_labels[0]) {
        g_string_append_c(s, '{');
        for (gsize i = 0; sorted_labels[i]; i += 2) {
            g_string_append_printf(s, "%s%s=\"", i ? "," : "", sorted_labels[i]);
            append_escaped(s, sorted_labels[i + 1]);
            g_string_append_c(s, '"');
        }
        g_string_append_c(s, '}');
    }
    return g_string_free(s, FALSE);
}

RondoSeries *
rondo_series_new(const char *name, const char *const *labels, guint schema, guint32 column,
                 guint32 id)
{
    RondoSeries *series = g_new0(RondoSeries, 1);
    series->name = g_strdup(name);
    series->labels = rondo_labels_sorted(labels);
    series->key = rondo_series_key_build(name, (const char *const *)series->labels);
    series->schema = schema;
    series->column = column;
    series->id = id;
    return series;
}

void
rondo_series_free(RondoSeries *series)
{
    if (series == NULL)
        return;
    g_free(series->name);
    g_strfreev(series->labels);
    g_free(series->key);
    rondo_series_desc_free(series->desc);
    g_free(series);
}

const char *
rondo_labels_lookup(const char *name, const char *const *labels, const char *label)
{
    g_return_val_if_fail(label != NULL, "");
    if (g_str_equal(label, "__name__"))
        return name ? name : "";
    for (gsize i = 0; labels && labels[i] && labels[i + 1]; i += 2) {
        if (g_str_equal(labels[i], label))
            return labels[i + 1];
    }
    return "";
}

RondoRecordResult
rondo_series_record(RondoSeries *series, double value, guint64 timestamp_ns)
{
    return ring_write_cell(series->slab0, series->cells0, series->column, value, timestamp_ns);
}

/* The head a recorder gets when it must not write inline: no timestamp is
 * ever inside it, so every record is a call. */
static RondoRecorderHead recorder_head_never; /* width 0: never written */

gboolean
rondo_recorder_init(RondoRecorder *recorder, RondoSeries *series, guint abi)
{
    g_return_val_if_fail(recorder != NULL && series != NULL, FALSE);
    RondoSlab *slab = series->slab0;
    gboolean inline_ok = abi == RONDO_RECORDER_ABI && slab->writable && slab->cells != NULL;
#ifdef RONDO_DEBUG
    inline_ok = FALSE; /* every write through the asserted path */
#endif
    recorder->head = inline_ok ? &slab->cache : &recorder_head_never;
    recorder->cells = inline_ok ? series->cells0 : NULL;
    recorder->series = series;
    return inline_ok;
}

guint
rondo_series_get_id(const RondoSeries *series)
{
    g_return_val_if_fail(series != NULL, 0);
    return series->id;
}

const char *
rondo_series_get_name(const RondoSeries *series)
{
    g_return_val_if_fail(series != NULL, NULL);
    return series->name;
}

const char *const *
rondo_series_get_labels(const RondoSeries *series)
{
    g_return_val_if_fail(series != NULL, NULL);
    return (const char *const *)series->labels;
}

const char *
rondo_series_get_key(const RondoSeries *series)
{
    g_return_val_if_fail(series != NULL, NULL);
    return series->key;
}

guint
rondo_series_get_schema(const RondoSeries *series)
{
    g_return_val_if_fail(series != NULL, 0);
    return series->schema;
}
