/* cmd-restore.c - `rondo restore DIR < dump`: a new store from a dump.
 *
 * The dump is checked as it is applied; any error stops the restore and
 * leaves the half-made DIR for the user to remove (it is new, so nothing
 * of value is lost). Points go in with rondo_series_restore(), tier by
 * tier in time order, so the consolidation cursors end up past every
 * restored bucket and a later writer never overwrites them.
 */
#include "config.h"
#include <math.h>
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

/* What happened to the dump's points: each is written or refused; after
 * the restore the store is counted, so the summary says what it holds. */
typedef struct {
    guint64 points;       /* in the dump, NaN ones left out (they read as empty) */
    guint64 out_of_range; /* refused: timestamp outside the valid range */
    guint64 too_old;      /* refused: older than the tier's window at the time */
    guint64 kept;         /* found in the store afterwards */
} Tally;

/* The point's timestamp, or FALSE (with the message) when it is out of range. */
static gboolean
point_time(JsonNode *node, guint64 *ret_ns, GError **error)
{
    GType type = JSON_NODE_HOLDS_VALUE(node) ? json_node_get_value_type(node) : G_TYPE_INVALID;
    g_autofree char *given = NULL;
    guint64 ns = 0;
    if (type == G_TYPE_INT64 && json_node_get_int(node) >= 0) {
        ns = (guint64)json_node_get_int(node);
        given = g_strdup_printf("%" G_GUINT64_FORMAT, ns);
    } else if (type == G_TYPE_INT64) {
        given = g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(node));
    } else if (type == G_TYPE_DOUBLE) { /* an integer too large for int64 */
        given = g_strdup_printf("%.0f", json_node_get_double(node));
    } else {
        return bad_dump(error, _("a point is not [nanoseconds, \"value\"]"));
    }
    *ret_ns = ns;
    return rondo_tool_check_time(given, ns, error);
}

static gboolean
restore_points(RondoSeries *series, guint tier, RondoConsolidation cf, JsonArray *points,
               Tally *tally, GError **error)
{
    for (guint i = 0; i < json_array_get_length(points); i++) {
        JsonArray *p = json_array_get_array_element(points, i);
        g_autoptr(GError) refused = NULL;
        guint64 t;
        double v;
        if (p == NULL || json_array_get_length(p) != 2 ||
            !rondo_value_parse(json_array_get_string_element(p, 1), &v))
            return bad_dump(error, _("a point is not [nanoseconds, \"value\"]"));
        gboolean counted = !isnan(v); /* a NaN point reads as empty: not counted */
        tally->points += counted;
        if (!point_time(json_array_get_element(p, 0), &t, &refused)) {
            if (refused->domain != G_OPTION_ERROR)
                return g_propagate_error(error, g_steal_pointer(&refused)), FALSE;
            rondo_tool_error(_("restore: %s: tier %u %s point %u: %s (dumps hold nanoseconds)"),
                             rondo_series_get_key(series), tier, rondo_consolidation_to_string(cf),
                             i, refused->message);
            tally->out_of_range += counted;
        } else if (!rondo_series_restore(series, tier, cf, t, v, &refused)) {
            if (!g_error_matches(refused, RONDO_ERROR, RONDO_ERROR_INVALID))
                return g_propagate_error(error, g_steal_pointer(&refused)), FALSE;
            tally->too_old += counted;
        }
    }
    return TRUE;
}

/* Counts the points the store holds, over every series, tier and function. */
static guint64
store_count_points(RondoStore *store)
{
    guint64 n = 0;
    for (guint id = 0; id < rondo_store_get_n_series(store); id++) {
        RondoSeries *series = rondo_store_get_series(store, id);
        const RondoSchema *schema = rondo_store_get_schema(store, rondo_series_get_schema(series));
        for (guint t = 0; t < rondo_schema_get_n_tiers(schema); t++) {
            guint32 fns =
                t ? rondo_schema_get_tier_functions(schema, t) : RONDO_CF_BIT(RONDO_CF_LAST);
            for (guint f = 0; f < RONDO_CF_N_FUNCTIONS; f++) {
                RondoQueryIter it;
                guint64 ts;
                double v;
                if (!(fns & RONDO_CF_BIT(f)) ||
                    !rondo_query_iter_init(&it, store, series, t, f, 0, G_MAXUINT64, NULL))
                    continue;
                while (rondo_query_iter_next(&it, &ts, &v))
                    n++;
            }
        }
    }
    return n;
}

static gboolean
restore_series(RondoStore *store, JsonObject *o, Tally *tally, GError **error)
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
            if (!restore_points(series, tier, cf, points, tally, error))
                return FALSE;
        }
    }
    return TRUE;
}

static gboolean
restore(const char *dir, JsonNode *root, Tally *tally, GError **error)
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
        if (o == NULL ? !bad_dump(error, _("bad series")) : !restore_series(store, o, tally, error))
            return FALSE;
    }
    tally->kept = store_count_points(store);
    return TRUE;
}

int
rondo_cmd_restore(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GOptionContext) context = g_option_context_new(_("DIR"));
    Tally tally = {0};
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
    if (!restore(argv[1], root, &tally, &error)) {
        rondo_tool_store_error(argv[1], error);
        return 1;
    }
    if (tally.kept == tally.points && tally.out_of_range + tally.too_old == 0) {
        printf(_("restored %s: %llu points\n"), argv[1], (unsigned long long)tally.kept);
        return 0;
    }
    /* Refused points, and points a newer point pushed out of the window. */
    guint64 lost =
        tally.points - MIN(tally.points, tally.kept + tally.out_of_range + tally.too_old);
    printf(_("restored %s: %llu of %llu points; refused %llu outside the valid time range, %llu "
             "older than their tier's window; %llu not kept (out of the window of newer points, or "
             "repeated)\n"),
           argv[1], (unsigned long long)tally.kept, (unsigned long long)tally.points,
           (unsigned long long)tally.out_of_range, (unsigned long long)tally.too_old,
           (unsigned long long)lost);
    return 1;
}
