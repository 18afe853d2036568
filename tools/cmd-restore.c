/* cmd-restore.c - `rondo restore DIR < dump`: a new store from a dump.
 *
 * The dump is checked as it is applied; any error stops the restore and
 * leaves the half-made DIR for the user to remove (it is new, so nothing
 * of value is lost). Points go in with rondo_series_restore(), tier by
 * tier in time order, so the consolidation cursors end up past every
 * restored bucket and a later writer never overwrites them.
 */
#include "config.h"
#include <stdio.h>
#include <gio/gunixinputstream.h>
#include <json-glib/json-glib.h>
#include "json-input.h"
#include "rondo-tool.h"
#include "schema-file.h"
#include "value-format.h"

static gboolean
bad_dump(GError **error, const char *what)
{
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("not a rondo dump: %s"), what);
    return FALSE;
}

static gboolean
schema_add_tiers(RondoSchema *schema, JsonArray *tiers, GError **error)
{
    for (guint t = 0; t < json_array_get_length(tiers); t++) {
        JsonObject *o = json_array_get_object_element(tiers, t);
        JsonArray *fns = o ? json_object_get_array_member(o, "functions") : NULL;
        guint32 mask = 0;
        for (guint f = 0; fns && f < json_array_get_length(fns); f++) {
            RondoConsolidation cf;
            if (!rondo_consolidation_from_string(json_array_get_string_element(fns, f), &cf))
                return bad_dump(error, _("unknown function"));
            mask |= RONDO_CF_BIT(cf);
        }
        if (o == NULL || fns == NULL ||
            !rondo_schema_add_tier(schema, (guint64)json_object_get_int_member(o, "interval_ns"),
                                   (guint32)json_object_get_int_member(o, "slots"), mask, error))
            return error && *error ? FALSE : bad_dump(error, _("bad tier"));
    }
    return TRUE;
}

static RondoSchema *
schema_from_json(JsonObject *o, GError **error)
{
    JsonArray *matchers = json_object_get_array_member(o, "matchers");
    JsonArray *tiers = json_object_get_array_member(o, "tiers");
    if (matchers == NULL || tiers == NULL)
        return bad_dump(error, _("a schema lacks matchers or tiers")), NULL;
    g_autoptr(RondoSchema) schema = rondo_schema_new(
        json_object_get_string_member_with_default(o, "name", ""),
        (guint32)json_object_get_int_member_with_default(o, "series_max", 0), error);
    if (schema == NULL)
        return NULL;
    for (guint i = 0; i < json_array_get_length(matchers); i++) {
        JsonObject *m = json_array_get_object_element(matchers, i);
        g_autofree char *spec =
            g_strconcat(json_object_get_string_member_with_default(m, "label", ""),
                        json_object_get_string_member_with_default(m, "op", ""),
                        json_object_get_string_member_with_default(m, "value", ""), NULL);
        g_autofree char *label = NULL, *value = NULL;
        RondoMatchOp op;
        if (!rondo_match_spec_parse(spec, &label, &op, &value, error) ||
            !rondo_schema_add_matcher(schema, label, op, value, error))
            return NULL;
    }
    if (!schema_add_tiers(schema, tiers, error))
        return NULL;
    return g_steal_pointer(&schema);
}

static RondoStore *
store_from_json(const char *dir, JsonArray *schemas, GError **error)
{
    g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func((GDestroyNotify)rondo_schema_free);
    for (guint i = 0; i < json_array_get_length(schemas); i++) {
        JsonObject *o = json_array_get_object_element(schemas, i);
        RondoSchema *s = o ? schema_from_json(o, error) : NULL;
        if (s == NULL)
            return error && *error ? NULL : (bad_dump(error, _("bad schema")), NULL);
        g_ptr_array_add(list, s);
    }
    return rondo_store_create(dir, (RondoSchema *const *)list->pdata, list->len, error);
}

static gboolean
restore_points(RondoSeries *series, guint tier, RondoConsolidation cf, JsonArray *points,
               guint64 *count, GError **error)
{
    for (guint i = 0; i < json_array_get_length(points); i++) {
        JsonArray *p = json_array_get_array_element(points, i);
        double v;
        if (p == NULL || json_array_get_length(p) != 2 ||
            !rondo_value_parse(json_array_get_string_element(p, 1), &v))
            return bad_dump(error, _("a point is not [nanoseconds, \"value\"]"));
        gint64 t = json_array_get_int_element(p, 0);
        if (t <= 0 || !rondo_series_restore(series, tier, cf, (guint64)t, v, error))
            return error && *error ? FALSE : bad_dump(error, _("bad timestamp"));
        (*count)++;
    }
    return TRUE;
}

static gboolean
restore_series(RondoStore *store, JsonObject *o, guint64 *count, GError **error)
{
    JsonObject *lo = json_object_get_object_member(o, "labels");
    JsonArray *tiers = json_object_get_array_member(o, "tiers");
    if (lo == NULL || tiers == NULL)
        return bad_dump(error, _("a series lacks labels or tiers"));
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();
    g_autoptr(GList) names = json_object_get_members(lo);
    for (GList *l = names; l; l = l->next)
        g_strv_builder_add_many(b, (char *)l->data, json_object_get_string_member(lo, l->data),
                                NULL);
    g_auto(GStrv) labels = g_strv_builder_end(b);
    RondoSeries *series =
        rondo_store_register(store, json_object_get_string_member_with_default(o, "name", ""),
                             (const char *const *)labels, error);
    if (series == NULL)
        return FALSE;
    for (guint t = 0; t < json_array_get_length(tiers); t++) {
        JsonObject *to = json_array_get_object_element(tiers, t);
        JsonObject *pts = to ? json_object_get_object_member(to, "points") : NULL;
        if (pts == NULL)
            return bad_dump(error, _("a tier lacks points"));
        g_autoptr(GList) fns = json_object_get_members(pts);
        for (GList *l = fns; l; l = l->next) {
            RondoConsolidation cf;
            JsonArray *points = json_object_get_array_member(pts, l->data);
            if (!rondo_consolidation_from_string(l->data, &cf) || points == NULL)
                return bad_dump(error, _("unknown function"));
            guint tier = (guint)json_object_get_int_member_with_default(to, "tier", t);
            if (!restore_points(series, tier, cf, points, count, error))
                return FALSE;
        }
    }
    return TRUE;
}

static gboolean
restore(const char *dir, JsonNode *root, guint64 *count, GError **error)
{
    JsonObject *top = JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
    if (top == NULL ||
        g_strcmp0(json_object_get_string_member_with_default(top, "format", ""), "rondo-dump"))
        return bad_dump(error, _("no “format”: “rondo-dump”"));
    if (json_object_get_int_member_with_default(top, "version", 0) != 1)
        return bad_dump(error, _("unsupported version"));
    JsonArray *schemas = json_object_get_array_member(top, "schemas");
    JsonArray *series = json_object_get_array_member(top, "series");
    if (schemas == NULL || series == NULL)
        return bad_dump(error, _("no schemas or series"));
    g_autoptr(RondoStore) store = store_from_json(dir, schemas, error);
    if (store == NULL)
        return FALSE;
    for (guint i = 0; i < json_array_get_length(series); i++) {
        JsonObject *o = json_array_get_object_element(series, i);
        if (o == NULL ? !bad_dump(error, _("bad series")) : !restore_series(store, o, count, error))
            return FALSE;
    }
    return TRUE;
}

int
rondo_cmd_restore(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GOptionContext) context = g_option_context_new(_("DIR"));
    guint64 count = 0;
    g_option_context_set_summary(context, _("Create the store DIR from a “rondo dump” read from "
                                            "standard input."));
    if (!rondo_tool_parse(context, &argc, &argv) || !rondo_tool_want_args(argc, argv, 1, _("DIR")))
        return EXIT_USAGE;
    g_autoptr(GInputStream) in = g_unix_input_stream_new(0, FALSE);
    g_autoptr(GBytes) dump = rondo_json_input_read(in, RONDO_DUMP_BYTES_MAX, &error);
    gsize len = 0;
    const char *data = dump ? g_bytes_get_data(dump, &len) : NULL;
    g_autoptr(JsonNode) root = dump ? rondo_json_input_parse(data, len, &error) : NULL;
    if (root == NULL) {
        rondo_tool_error(_("restore: standard input: %s"), error->message);
        return 1;
    }
    if (!restore(argv[1], root, &count, &error)) {
        rondo_tool_store_error(argv[1], error);
        return 1;
    }
    printf(_("restored %s: %llu points\n"), argv[1], (unsigned long long)count);
    return 0;
}
