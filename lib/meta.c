/* meta.c - meta.json (the schemas) and series.json (the series index).
 *
 * Both are small, rewritten whole and atomically (temporary file, fsync,
 * rename), so a reader or a crash sees the old file or the new one. Both
 * are input when read: every field is checked and a damaged file gives
 * RONDO_ERROR_CORRUPT naming the file and the problem.
 */
#include "config.h"
#include <json-glib/json-glib.h>
#include <string.h>
#include "file.h"
#include "internal.h"
#include "json-load.h"
#include "json-typed.h"

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

/* Writes @root as @dir/@file, refusing more than a reader accepts (@bytes_max). */
static gboolean
write_json(const char *dir, const char *file, JsonNode *root, gsize bytes_max, GError **error)
{
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autofree char *path = g_build_filename(dir, file, NULL);

    json_generator_set_pretty(gen, TRUE);
    json_generator_set_root(gen, root);
    gsize len = 0;
    g_autofree char *text = json_generator_to_data(gen, &len);
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
static JsonNode *
read_json(const char *dir, const char *file, gsize bytes_max, GError **error)
{
    g_autofree char *path = g_build_filename(dir, file, NULL);
    g_autoptr(GError) local = NULL;
    JsonNode *root = rondo_json_load(path, bytes_max, &local);
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

static JsonNode *
schema_to_json(const RondoSchema *schema)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "name");
    json_builder_add_string_value(b, schema->name);
    json_builder_set_member_name(b, "series_max");
    json_builder_add_int_value(b, schema->series_max);
    json_builder_set_member_name(b, "matchers");
    json_builder_begin_array(b);
    for (guint i = 0; i < schema->matchers->len; i++) {
        const RondoMatcher *m = g_ptr_array_index(schema->matchers, i);
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "label");
        json_builder_add_string_value(b, m->label);
        json_builder_set_member_name(b, "op");
        json_builder_add_string_value(b, rondo_match_op_to_string(m->op));
        json_builder_set_member_name(b, "value");
        json_builder_add_string_value(b, m->value);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_set_member_name(b, "tiers");
    json_builder_begin_array(b);
    for (guint i = 0; i < schema->n_tiers; i++) {
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "interval_ns");
        json_builder_add_int_value(b, (gint64)schema->tiers[i].interval_ns);
        json_builder_set_member_name(b, "slots");
        json_builder_add_int_value(b, schema->tiers[i].slots);
        json_builder_set_member_name(b, "functions");
        json_builder_begin_array(b);
        guint32 fns = rondo_tier_effective_functions(schema, i);
        for (guint f = 0; f < RONDO_CF_N_FUNCTIONS; f++) {
            if (fns & RONDO_CF_BIT(f))
                json_builder_add_string_value(b, rondo_consolidation_to_string(f));
        }
        json_builder_end_array(b);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

gboolean
rondo_meta_write(const char *dir, RondoSchema *const *schemas, guint n, GError **error)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "format");
    json_builder_add_string_value(b, "rondo-store");
    json_builder_set_member_name(b, "version");
    json_builder_add_int_value(b, RONDO_STORE_VERSION);
    json_builder_set_member_name(b, "schemas");
    json_builder_begin_array(b);
    for (guint i = 0; i < n; i++)
        json_builder_add_value(b, schema_to_json(schemas[i]));
    json_builder_end_array(b);
    json_builder_end_object(b);
    g_autoptr(JsonNode) root = json_builder_get_root(b);
    return write_json(dir, RONDO_META_FILE, root, RONDO_META_BYTES_MAX, error);
}

static gboolean
tier_from_json(RondoSchema *schema, JsonNode *node, GError **error)
{
    JsonObject *o = rondo_json_object(node);
    gint64 interval, slots;
    JsonArray *fns = rondo_json_get_array(o, "functions");
    guint32 mask = 0;

    if (o == NULL || fns == NULL ||
        !rondo_json_get_int(o, "interval_ns", 1, G_MAXINT64, &interval) ||
        !rondo_json_get_int(o, "slots", 2, RONDO_SLOTS_MAX, &slots)) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT, "schema “%s”: bad tier", schema->name);
        return FALSE;
    }
    for (guint i = 0; i < json_array_get_length(fns); i++) {
        RondoConsolidation cf;
        const char *name = rondo_json_at_string(fns, i);
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
schema_from_json(JsonNode *node, GError **error)
{
    JsonObject *o = rondo_json_object(node);
    const char *name = rondo_json_get_string(o, "name");
    gint64 series_max;
    JsonArray *matchers = rondo_json_get_array(o, "matchers");
    JsonArray *tiers = rondo_json_get_array(o, "tiers");

    if (name == NULL || matchers == NULL || tiers == NULL ||
        !rondo_json_get_int(o, "series_max", 1, RONDO_SERIES_MAX, &series_max)) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT, "a schema lacks a required field");
        return NULL;
    }
    g_autoptr(RondoSchema) schema = rondo_schema_new(name, (guint32)series_max, error);
    if (schema == NULL)
        return NULL;
    for (guint i = 0; i < json_array_get_length(matchers); i++) {
        JsonObject *m = rondo_json_at_object(matchers, i);
        const char *label = rondo_json_get_string(m, "label");
        const char *op = rondo_json_get_string(m, "op");
        const char *value = rondo_json_get_string(m, "value");
        RondoMatchOp mop;
        if (!label || !op || !value || !rondo_match_op_from_string(op, &mop)) {
            g_set_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT, "schema “%s”: bad matcher", name);
            return NULL;
        }
        if (!rondo_schema_add_matcher(schema, label, mop, value, error))
            return NULL;
    }
    for (guint i = 0; i < json_array_get_length(tiers); i++) {
        if (!tier_from_json(schema, json_array_get_element(tiers, i), error))
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
    g_autoptr(JsonNode) root = read_json(dir, RONDO_META_FILE, RONDO_META_BYTES_MAX, error);
    if (root == NULL)
        return NULL;
    JsonObject *o = rondo_json_object(root);
    const char *format = rondo_json_get_string(o, "format");
    gint64 version;
    JsonArray *schemas = rondo_json_get_array(o, "schemas");

    if (format == NULL || !g_str_equal(format, "rondo-store")) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_FOREIGN, "%s/%s: not a rondo store", dir,
                    RONDO_META_FILE);
        return NULL;
    }
    if (!rondo_json_get_int(o, "version", 0, G_MAXINT32, &version) ||
        version < RONDO_STORE_VERSION_V1 || version > RONDO_STORE_VERSION) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_VERSION,
                    "%s/%s: store version is not %d to %d (the ones this library reads)", dir,
                    RONDO_META_FILE, RONDO_STORE_VERSION_V1, RONDO_STORE_VERSION);
        return NULL;
    }
    guint n = schemas ? json_array_get_length(schemas) : 0;
    if (n == 0 || n > RONDO_SCHEMAS_MAX) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT, "%s/%s: needs 1..%d schemas", dir,
                    RONDO_META_FILE, RONDO_SCHEMAS_MAX);
        return NULL;
    }
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)rondo_schema_free);
    for (guint i = 0; i < n; i++) {
        RondoSchema *s = schema_from_json(json_array_get_element(schemas, i), error);
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
desc_to_json(const RondoSeriesDesc *desc, JsonBuilder *b)
{
    if (desc == NULL)
        return;
    json_builder_set_member_name(b, "type");
    json_builder_add_string_value(b, rondo_series_type_to_string(desc->type));
    if (*desc->unit) {
        json_builder_set_member_name(b, "unit");
        json_builder_add_string_value(b, desc->unit);
    }
    if (*desc->help) {
        json_builder_set_member_name(b, "help");
        json_builder_add_string_value(b, desc->help);
    }
}

/* No "type" member: no description (an index written before 0.4). */
static gboolean
desc_from_json(JsonObject *o, guint id, RondoSeriesDesc **ret_desc, GError **error)
{
    *ret_desc = NULL;
    if (!json_object_has_member(o, "type"))
        return TRUE;
    RondoSeriesType type;
    const char *unit = json_object_has_member(o, "unit") ? rondo_json_get_string(o, "unit") : "";
    const char *help = json_object_has_member(o, "help") ? rondo_json_get_string(o, "help") : "";
    if (!rondo_series_type_from_string(rondo_json_get_string(o, "type"), &type) || unit == NULL ||
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

static JsonNode *
series_to_json(const RondoSeries *s)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "id");
    json_builder_add_int_value(b, s->id);
    json_builder_set_member_name(b, "schema");
    json_builder_add_int_value(b, s->schema);
    json_builder_set_member_name(b, "column");
    json_builder_add_int_value(b, s->column);
    json_builder_set_member_name(b, "name");
    json_builder_add_string_value(b, s->name);
    json_builder_set_member_name(b, "labels");
    json_builder_begin_object(b);
    for (gsize i = 0; s->labels[i]; i += 2) {
        json_builder_set_member_name(b, s->labels[i]);
        json_builder_add_string_value(b, s->labels[i + 1]);
    }
    json_builder_end_object(b);
    desc_to_json(__atomic_load_n(&s->desc, __ATOMIC_ACQUIRE), b);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

gboolean
rondo_index_write(const RondoStore *store, GError **error)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "version");
    json_builder_add_int_value(b, RONDO_INDEX_VERSION);
    json_builder_set_member_name(b, "series");
    json_builder_begin_array(b);
    for (guint i = 0; i < store->series->len; i++)
        json_builder_add_value(b, series_to_json(g_ptr_array_index(store->series, i)));
    json_builder_end_array(b);
    json_builder_end_object(b);
    g_autoptr(JsonNode) root = json_builder_get_root(b);
    return write_json(store->path, RONDO_INDEX_FILE, root, rondo_index_bytes_max(store), error);
}

static RondoSeries *
series_from_json(JsonNode *node, guint expect_id, GError **error)
{
    JsonObject *o = rondo_json_object(node);
    gint64 id, schema, column;
    const char *name = rondo_json_get_string(o, "name");
    JsonObject *lo = rondo_json_get_object(o, "labels");

    if (name == NULL || lo == NULL || !rondo_json_get_int(o, "id", 0, G_MAXUINT32, &id) ||
        id != expect_id || !rondo_json_get_int(o, "schema", 0, RONDO_SCHEMAS_MAX - 1, &schema) ||
        !rondo_json_get_int(o, "column", 0, RONDO_SERIES_MAX - 1, &column)) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT,
                    "series %u: a field (id, schema, column, name, labels) is missing or bad",
                    expect_id);
        return NULL;
    }
    g_autoptr(GPtrArray) labels = g_ptr_array_new();
    g_autoptr(GList) members = json_object_get_members(lo);
    for (GList *l = members; l; l = l->next) {
        const char *v = rondo_json_get_string(lo, l->data);
        if (v == NULL) {
            g_set_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT, "series %u: bad label", expect_id);
            return NULL;
        }
        g_ptr_array_add(labels, l->data);
        g_ptr_array_add(labels, (gpointer)v);
    }
    g_ptr_array_add(labels, NULL);
    const char *const *lv = (const char *const *)labels->pdata;
    RondoSeriesDesc *desc;
    if (!rondo_series_validate(name, lv, error) || !desc_from_json(o, expect_id, &desc, error))
        return NULL;
    RondoSeries *s = rondo_series_new(name, lv, (guint)schema, (guint32)column, (guint32)id);
    s->desc = desc;
    return s;
}

GPtrArray *
rondo_index_read(const char *dir, gsize bytes_max, GError **error)
{
    g_autoptr(JsonNode) root = read_json(dir, RONDO_INDEX_FILE, bytes_max, error);
    if (root == NULL)
        return NULL;
    JsonObject *o = rondo_json_object(root);
    gint64 version;
    if (!rondo_json_get_int(o, "version", 0, G_MAXINT32, &version) ||
        version != RONDO_INDEX_VERSION) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_VERSION,
                    "%s/%s: index version is not %d (the only one supported)", dir,
                    RONDO_INDEX_FILE, RONDO_INDEX_VERSION);
        return NULL;
    }
    JsonArray *arr = rondo_json_get_array(o, "series");
    if (arr == NULL) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT, "%s/%s: no series array", dir,
                    RONDO_INDEX_FILE);
        return NULL;
    }
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)rondo_series_free);
    for (guint i = 0; i < json_array_get_length(arr); i++) {
        RondoSeries *s = series_from_json(json_array_get_element(arr, i), i, error);
        if (s == NULL) {
            prefix_error(error, dir, RONDO_INDEX_FILE);
            return NULL;
        }
        g_ptr_array_add(out, s);
    }
    return g_steal_pointer(&out);
}
