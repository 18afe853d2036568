/* meta.c - meta.json (the schemas) and series.json (the series index).
 *
 * Both are small, rewritten whole and atomically (temporary file, fsync,
 * rename), so a reader or a crash sees the old file or the new one. Both
 * are input when read: every field is checked and a damaged file gives
 * RONDO_ERROR_CORRUPT naming the file and the problem.
 */
#include "config.h"
#include <string.h>
#include "doc.h"
#include "file.h"
#include "internal.h"

char *
rondo_slab_path(const char *dir, const char *schema, guint tier)
{
    g_autofree char *base = g_strdup_printf("%s.%u.slab", schema, tier);
    return g_build_filename(dir, base, NULL);
}

gsize
rondo_index_bytes_max(const RondoStore *store)
{
    guint64 series_max = 0;
    for (guint i = 0; i < store->schemas->len; i++)
        series_max +=
            ((RondoSchemaState *)g_ptr_array_index(store->schemas, i))->schema->series_max;
    return (gsize)MIN((guint64)RONDO_INDEX_BYTES_MAX, RONDO_INDEX_SERIES_BYTES * (series_max + 1));
}

/* Writes @w's document as @dir/@file, refusing more than a reader accepts (@bytes_max). */
static gboolean
write_doc(const char *dir, const char *file, RondoDocWriter *w, gsize bytes_max, GError **error)
{
    g_autofree char *path = g_build_filename(dir, file, NULL);
    gsize len = 0;
    g_autofree char *text = rondo_doc_writer_finish(w, &len);
    if (len > bytes_max) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_FULL,
                    "%s: would be %" G_GSIZE_FORMAT " bytes, more than the %" G_GSIZE_FORMAT
                    " a reader accepts",
                    path, len, bytes_max);
        return FALSE;
    }
    return rondo_file_replace(path, text, len, error);
}

/* A missing file is RONDO_ERROR_NOT_FOUND; for meta.json, not a store at all. */
static RondoDocNode *
read_doc(const char *dir, const char *file, gsize bytes_max, GError **error)
{
    g_autofree char *path = g_build_filename(dir, file, NULL);
    g_autoptr(GError) local = NULL;
    RondoDocNode *root = rondo_doc_load(path, bytes_max, &local);
    if (root != NULL)
        return root;
    if (g_error_matches(local, RONDO_ERROR, RONDO_ERROR_NOT_FOUND) &&
        g_str_equal(file, RONDO_META_FILE))
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_NOT_FOUND, "%s: missing (not a rondo store?)",
                    path);
    else
        g_propagate_error(error, g_steal_pointer(&local));
    return NULL;
}

static void
schema_write(RondoDocWriter *w, const RondoSchema *schema)
{
    rondo_doc_write_begin_object(w, NULL);
    rondo_doc_write_string(w, "name", schema->name);
    rondo_doc_write_int(w, "series_max", schema->series_max);
    rondo_doc_write_begin_array(w, "matchers");
    for (guint i = 0; i < schema->matchers->len; i++) {
        const RondoMatcher *m = g_ptr_array_index(schema->matchers, i);
        rondo_doc_write_begin_object(w, NULL);
        rondo_doc_write_string(w, "label", m->label);
        rondo_doc_write_string(w, "op", rondo_match_op_to_string(m->op));
        rondo_doc_write_string(w, "value", m->value);
        rondo_doc_write_end_object(w);
    }
    rondo_doc_write_end_array(w);
    rondo_doc_write_begin_array(w, "tiers");
    for (guint i = 0; i < schema->n_tiers; i++) {
        rondo_doc_write_begin_object(w, NULL);
        rondo_doc_write_int(w, "interval_ns", (gint64)schema->tiers[i].interval_ns);
        rondo_doc_write_int(w, "slots", schema->tiers[i].slots);
        rondo_doc_write_begin_array(w, "functions");
        guint32 fns = rondo_tier_effective_functions(schema, i);
        for (guint f = 0; f < RONDO_CF_N_FUNCTIONS; f++) {
            if (fns & RONDO_CF_BIT(f))
                rondo_doc_write_string(w, NULL, rondo_consolidation_to_string(f));
        }
        rondo_doc_write_end_array(w);
        rondo_doc_write_end_object(w);
    }
    rondo_doc_write_end_array(w);
    rondo_doc_write_end_object(w);
}

gboolean
rondo_meta_write(const char *dir, RondoSchema *const *schemas, guint n, GError **error)
{
    RondoDocWriter w;
    rondo_doc_writer_init(&w, TRUE);
    rondo_doc_write_begin_object(&w, NULL);
    rondo_doc_write_string(&w, "format", "rondo-store");
    rondo_doc_write_int(&w, "version", RONDO_STORE_VERSION);
    rondo_doc_write_begin_array(&w, "schemas");
    for (guint i = 0; i < n; i++)
        schema_write(&w, schemas[i]);
    rondo_doc_write_end_array(&w);
    rondo_doc_write_end_object(&w);
    return write_doc(dir, RONDO_META_FILE, &w, RONDO_META_BYTES_MAX, error);
}

static gboolean
tier_from_doc(RondoSchema *schema, const RondoDocNode *o, GError **error)
{
    gint64 interval, slots;
    const RondoDocNode *fns = rondo_doc_get(o, "functions");
    guint32 mask = 0;

    if (!rondo_doc_is_array(fns) ||
        !rondo_doc_get_int(o, "interval_ns", 1, G_MAXINT64, &interval) ||
        !rondo_doc_get_int(o, "slots", 2, RONDO_SLOTS_MAX, &slots)) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT, "schema “%s”: bad tier", schema->name);
        return FALSE;
    }
    for (guint i = 0; i < rondo_doc_length(fns); i++) {
        RondoConsolidation cf;
        const char *name = rondo_doc_string(rondo_doc_at(fns, i));
        if (name == NULL || !rondo_consolidation_from_string(name, &cf)) {
            g_set_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT,
                        "schema “%s”: unknown consolidation function", schema->name);
            return FALSE;
        }
        mask |= RONDO_CF_BIT(cf);
    }
    return rondo_schema_add_tier(schema, (guint64)interval, (guint32)slots, mask, error);
}

static RondoSchema *
schema_from_doc(const RondoDocNode *o, GError **error)
{
    const char *name = rondo_doc_get_string(o, "name");
    gint64 series_max;
    const RondoDocNode *matchers = rondo_doc_get(o, "matchers");
    const RondoDocNode *tiers = rondo_doc_get(o, "tiers");

    if (name == NULL || !rondo_doc_is_array(matchers) || !rondo_doc_is_array(tiers) ||
        !rondo_doc_get_int(o, "series_max", 1, RONDO_SERIES_MAX, &series_max)) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT, "a schema lacks a required field");
        return NULL;
    }
    g_autoptr(RondoSchema) schema = rondo_schema_new(name, (guint32)series_max, error);
    if (schema == NULL)
        return NULL;
    for (guint i = 0; i < rondo_doc_length(matchers); i++) {
        const RondoDocNode *m = rondo_doc_at(matchers, i);
        const char *label = rondo_doc_get_string(m, "label");
        const char *op = rondo_doc_get_string(m, "op");
        const char *value = rondo_doc_get_string(m, "value");
        RondoMatchOp mop;
        if (!label || !op || !value || !rondo_match_op_from_string(op, &mop)) {
            g_set_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT, "schema “%s”: bad matcher", name);
            return NULL;
        }
        if (!rondo_schema_add_matcher(schema, label, mop, value, error))
            return NULL;
    }
    for (guint i = 0; i < rondo_doc_length(tiers); i++) {
        if (!tier_from_doc(schema, rondo_doc_at(tiers, i), error))
            return NULL;
    }
    if (!rondo_schema_validate(schema, error))
        return NULL;
    return g_steal_pointer(&schema);
}

/* Errors about content read from a file: the validators say INVALID (they
 * also judge callers' arguments); coming from a file, that is corruption. */
static void
prefix_error(GError **error, const char *dir, const char *file)
{
    if (error == NULL || *error == NULL || (*error)->domain != RONDO_ERROR)
        return;
    if ((*error)->code == RONDO_ERROR_INVALID)
        (*error)->code = RONDO_ERROR_CORRUPT;
    if (!strstr((*error)->message, file))
        g_prefix_error(error, "%s/%s: ", dir, file);
}

GPtrArray *
rondo_meta_read(const char *dir, guint *ret_version, GError **error)
{
    g_autoptr(RondoDocNode) o = read_doc(dir, RONDO_META_FILE, RONDO_META_BYTES_MAX, error);
    if (o == NULL)
        return NULL;
    const char *format = rondo_doc_get_string(o, "format");
    gint64 version;
    const RondoDocNode *schemas = rondo_doc_get(o, "schemas");

    if (format == NULL || !g_str_equal(format, "rondo-store")) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_FOREIGN, "%s/%s: not a rondo store", dir,
                    RONDO_META_FILE);
        return NULL;
    }
    if (!rondo_doc_get_int(o, "version", 0, G_MAXINT32, &version) ||
        version < RONDO_STORE_VERSION_V1 || version > RONDO_STORE_VERSION) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_VERSION,
                    "%s/%s: store version is not %d to %d (the ones this library reads)", dir,
                    RONDO_META_FILE, RONDO_STORE_VERSION_V1, RONDO_STORE_VERSION);
        return NULL;
    }
    guint n = rondo_doc_is_array(schemas) ? rondo_doc_length(schemas) : 0;
    if (n == 0 || n > RONDO_SCHEMAS_MAX) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT, "%s/%s: needs 1..%d schemas", dir,
                    RONDO_META_FILE, RONDO_SCHEMAS_MAX);
        return NULL;
    }
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)rondo_schema_free);
    for (guint i = 0; i < n; i++) {
        RondoSchema *s = schema_from_doc(rondo_doc_at(schemas, i), error);
        if (s == NULL) {
            prefix_error(error, dir, RONDO_META_FILE);
            return NULL;
        }
        g_ptr_array_add(out, s);
    }
    if (ret_version)
        *ret_version = (guint)version;
    return g_steal_pointer(&out);
}

/* A description's members: "type" always, "unit" and "help" when said. */
static void
desc_write(RondoDocWriter *w, const RondoSeriesDesc *desc)
{
    if (desc == NULL)
        return;
    rondo_doc_write_string(w, "type", rondo_series_type_to_string(desc->type));
    if (*desc->unit)
        rondo_doc_write_string(w, "unit", desc->unit);
    if (*desc->help)
        rondo_doc_write_string(w, "help", desc->help);
}

/* No "type" member: no description (an index written before 0.4). */
static gboolean
desc_from_doc(const RondoDocNode *o, guint id, RondoSeriesDesc **ret_desc, GError **error)
{
    *ret_desc = NULL;
    if (rondo_doc_get(o, "type") == NULL)
        return TRUE;
    RondoSeriesType type;
    const char *unit = rondo_doc_get(o, "unit") ? rondo_doc_get_string(o, "unit") : "";
    const char *help = rondo_doc_get(o, "help") ? rondo_doc_get_string(o, "help") : "";
    if (!rondo_series_type_from_string(rondo_doc_get_string(o, "type"), &type) || unit == NULL ||
        help == NULL) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT,
                    "series %u: type, unit or help is not a string (or not a known type)", id);
        return FALSE;
    }
    g_autoptr(GError) local = NULL;
    *ret_desc = rondo_series_desc_new(type, unit, help, &local);
    if (*ret_desc == NULL) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT, "series %u: %s", id, local->message);
        return FALSE;
    }
    return TRUE;
}

static void
series_write(RondoDocWriter *w, const RondoSeries *s)
{
    rondo_doc_write_begin_object(w, NULL);
    rondo_doc_write_int(w, "id", s->id);
    rondo_doc_write_int(w, "schema", s->schema);
    rondo_doc_write_int(w, "column", s->column);
    rondo_doc_write_string(w, "name", s->name);
    rondo_doc_write_begin_object(w, "labels");
    for (gsize i = 0; s->labels[i]; i += 2)
        rondo_doc_write_string(w, s->labels[i], s->labels[i + 1]);
    rondo_doc_write_end_object(w);
    desc_write(w, __atomic_load_n(&s->desc, __ATOMIC_ACQUIRE));
    rondo_doc_write_end_object(w);
}

gboolean
rondo_index_write(const RondoStore *store, GError **error)
{
    RondoDocWriter w;
    rondo_doc_writer_init(&w, TRUE);
    rondo_doc_write_begin_object(&w, NULL);
    rondo_doc_write_int(&w, "version", RONDO_INDEX_VERSION);
    rondo_doc_write_begin_array(&w, "series");
    for (guint i = 0; i < store->series->len; i++)
        series_write(&w, g_ptr_array_index(store->series, i));
    rondo_doc_write_end_array(&w);
    rondo_doc_write_end_object(&w);
    return write_doc(store->path, RONDO_INDEX_FILE, &w, rondo_index_bytes_max(store), error);
}

static RondoSeries *
series_from_doc(const RondoDocNode *o, guint expect_id, GError **error)
{
    gint64 id, schema, column;
    const char *name = rondo_doc_get_string(o, "name");
    const RondoDocNode *lo = rondo_doc_get(o, "labels");

    if (name == NULL || !rondo_doc_is_object(lo) ||
        !rondo_doc_get_int(o, "id", 0, G_MAXUINT32, &id) || id != expect_id ||
        !rondo_doc_get_int(o, "schema", 0, RONDO_SCHEMAS_MAX - 1, &schema) ||
        !rondo_doc_get_int(o, "column", 0, RONDO_SERIES_MAX - 1, &column)) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT,
                    "series %u: a field (id, schema, column, name, labels) is missing or bad",
                    expect_id);
        return NULL;
    }
    g_autoptr(GPtrArray) labels = g_ptr_array_new();
    for (guint i = 0; i < rondo_doc_length(lo); i++) {
        const char *v = rondo_doc_string(rondo_doc_at(lo, i));
        if (v == NULL) {
            g_set_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT, "series %u: bad label", expect_id);
            return NULL;
        }
        g_ptr_array_add(labels, (gpointer)rondo_doc_name_at(lo, i));
        g_ptr_array_add(labels, (gpointer)v);
    }
    g_ptr_array_add(labels, NULL);
    const char *const *lv = (const char *const *)labels->pdata;
    RondoSeriesDesc *desc;
    if (!rondo_series_validate(name, lv, error) || !desc_from_doc(o, expect_id, &desc, error))
        return NULL;
    RondoSeries *s = rondo_series_new(name, lv, (guint)schema, (guint32)column, (guint32)id);
    s->desc = desc;
    return s;
}

GPtrArray *
rondo_index_read(const char *dir, gsize bytes_max, GError **error)
{
    g_autoptr(RondoDocNode) o = read_doc(dir, RONDO_INDEX_FILE, bytes_max, error);
    if (o == NULL)
        return NULL;
    gint64 version;
    if (!rondo_doc_get_int(o, "version", 0, G_MAXINT32, &version) ||
        version != RONDO_INDEX_VERSION) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_VERSION,
                    "%s/%s: index version is not %d (the only one supported)", dir,
                    RONDO_INDEX_FILE, RONDO_INDEX_VERSION);
        return NULL;
    }
    const RondoDocNode *arr = rondo_doc_get(o, "series");
    if (!rondo_doc_is_array(arr)) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT, "%s/%s: no series array", dir,
                    RONDO_INDEX_FILE);
        return NULL;
    }
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)rondo_series_free);
    for (guint i = 0; i < rondo_doc_length(arr); i++) {
        RondoSeries *s = series_from_doc(rondo_doc_at(arr, i), i, error);
        if (s == NULL) {
            prefix_error(error, dir, RONDO_INDEX_FILE);
            return NULL;
        }
        g_ptr_array_add(out, s);
    }
    return g_steal_pointer(&out);
}
