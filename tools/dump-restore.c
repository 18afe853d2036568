/* dump-restore.c - a “rondo dump” applied to a new store as it is read
 * (dump-restore.h): json-stream.c hands over one series at a time.
 *
 * Points go in with rondo_series_restore(), tier by tier in time order, so
 * the consolidation cursors end up past every restored bucket and a later
 * writer never overwrites them. Refusals the store makes for a point (too
 * old for its tier's window) are counted; anything malformed stops it.
 */
#include "config.h"
#include <math.h>
#include "dump-restore.h"
#include "json-stream.h"
#include "json-typed.h"
#include "rondo-tool.h"
#include "schema-file.h"
#include "value-format.h"

typedef struct {
    ToolRestoreTally *tally;
    ToolRestoreRefusedFunc refused;
    gpointer user_data;
} Restore;

static gboolean
bad_dump(GError **error, const char *what)
{
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("not a rondo dump: %s"), what);
    return FALSE;
}

static gboolean
schema_add_tiers(RondoSchema *schema, JsonArray *tiers, GError **error)
{
    for (guint t = 0; t < rondo_json_length(tiers); t++) {
        JsonObject *o = rondo_json_at_object(tiers, t);
        JsonArray *fns = rondo_json_get_array(o, "functions");
        gint64 interval, slots;
        guint32 mask = 0;
        for (guint f = 0; f < rondo_json_length(fns); f++) {
            const char *name = rondo_json_at_string(fns, f);
            RondoConsolidation cf;
            if (name == NULL || !rondo_consolidation_from_string(name, &cf))
                return bad_dump(error, _("unknown function"));
            mask |= RONDO_CF_BIT(cf);
        }
        if (fns == NULL || !rondo_json_get_int(o, "interval_ns", 1, G_MAXINT64, &interval) ||
            !rondo_json_get_int(o, "slots", 0, G_MAXUINT32, &slots))
            return bad_dump(error, _("bad tier"));
        if (!rondo_schema_add_tier(schema, (guint64)interval, (guint32)slots, mask, error))
            return FALSE;
    }
    return TRUE;
}

static gboolean
schema_add_matchers(RondoSchema *schema, JsonArray *matchers, GError **error)
{
    for (guint i = 0; i < rondo_json_length(matchers); i++) {
        JsonObject *m = rondo_json_at_object(matchers, i);
        const char *label = rondo_json_get_string(m, "label");
        const char *op = rondo_json_get_string(m, "op");
        const char *value = rondo_json_get_string(m, "value");
        if (label == NULL || op == NULL || value == NULL)
            return bad_dump(error, _("a matcher lacks label, op or value"));
        g_autofree char *spec = g_strconcat(label, op, value, NULL);
        g_autofree char *l = NULL, *v = NULL;
        RondoMatchOp mop;
        if (!tool_match_spec_parse(spec, &l, &mop, &v, error) ||
            !rondo_schema_add_matcher(schema, l, mop, v, error))
            return FALSE;
    }
    return TRUE;
}

static RondoSchema *
schema_from_json(JsonObject *o, GError **error)
{
    JsonArray *matchers = rondo_json_get_array(o, "matchers");
    JsonArray *tiers = rondo_json_get_array(o, "tiers");
    const char *name = rondo_json_get_string(o, "name");
    gint64 series_max;
    if (matchers == NULL || tiers == NULL || name == NULL ||
        !rondo_json_get_int(o, "series_max", 0, G_MAXUINT32, &series_max))
        return bad_dump(error, _("a schema lacks name, series_max, matchers or tiers")), NULL;
    g_autoptr(RondoSchema) schema = rondo_schema_new(name, (guint32)series_max, error);
    if (schema == NULL || !schema_add_matchers(schema, matchers, error) ||
        !schema_add_tiers(schema, tiers, error))
        return NULL;
    return g_steal_pointer(&schema);
}

static RondoStore *
store_from_json(const char *dir, JsonArray *schemas, GError **error)
{
    g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func((GDestroyNotify)rondo_schema_free);
    for (guint i = 0; i < rondo_json_length(schemas); i++) {
        JsonObject *o = rondo_json_at_object(schemas, i);
        RondoSchema *s = o ? schema_from_json(o, error) : NULL;
        if (s == NULL)
            return error && *error ? NULL : (bad_dump(error, _("bad schema")), NULL);
        g_ptr_array_add(list, s);
    }
    return rondo_store_create(dir, (RondoSchema *const *)list->pdata, list->len, error);
}

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
    return tool_check_time(given, ns, error);
}

static void
refuse_time(const Restore *r, RondoSeries *series, guint tier, RondoConsolidation cf, guint i,
            const GError *why, gboolean counted)
{
    if (r->refused != NULL) {
        g_autofree char *msg = g_strdup_printf(
            _("restore: %s: tier %u %s point %u: %s (dumps hold nanoseconds)"),
            rondo_series_get_key(series), tier, rondo_consolidation_to_string(cf), i, why->message);
        r->refused(msg, r->user_data);
    }
    r->tally->out_of_range += counted;
}

static gboolean
restore_points(const Restore *r, RondoSeries *series, guint tier, RondoConsolidation cf,
               JsonArray *points, GError **error)
{
    for (guint i = 0; i < rondo_json_length(points); i++) {
        JsonArray *p = rondo_json_at_array(points, i);
        const char *text = rondo_json_at_string(p, 1);
        g_autoptr(GError) refused = NULL;
        guint64 t;
        double v;
        if (rondo_json_length(p) != 2 || text == NULL || !tool_value_parse(text, &v))
            return bad_dump(error, _("a point is not [nanoseconds, \"value\"]"));
        gboolean counted = !isnan(v); /* a NaN point reads as empty: not counted */
        r->tally->points += counted;
        if (!point_time(json_array_get_element(p, 0), &t, &refused)) {
            if (refused->domain != G_OPTION_ERROR)
                return g_propagate_error(error, g_steal_pointer(&refused)), FALSE;
            refuse_time(r, series, tier, cf, i, refused, counted);
        } else if (!rondo_series_restore(series, tier, cf, t, v, &refused)) {
            if (!g_error_matches(refused, RONDO_ERROR, RONDO_ERROR_INVALID))
                return g_propagate_error(error, g_steal_pointer(&refused)), FALSE;
            r->tally->too_old += counted;
        }
    }
    return TRUE;
}

/* The points @series holds, over every tier and function. */
static guint64
series_count_points(RondoStore *store, RondoSeries *series)
{
    guint64 n = 0;
    const RondoSchema *schema = rondo_store_get_schema(store, rondo_series_get_schema(series));
    for (guint t = 0; t < rondo_schema_get_n_tiers(schema); t++) {
        guint32 fns = rondo_schema_get_tier_functions(schema, t);
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
    return n;
}

/* Every RESTORE_REMAP_SERIES series the store is closed and opened again:
 * the pages written (or read) so far leave this process' mappings (they
 * stay in the page cache and reach the disk as any written page does), so
 * the resident memory holds that many series' pages, not the whole store's. */
#define RESTORE_REMAP_SERIES 32

/* Counts the points the store at @dir holds, RESTORE_REMAP_SERIES series
 * per opening. */
static gboolean
store_count_points(const char *dir, guint64 *ret_n, GError **error)
{
    guint64 n = 0;
    for (guint from = 0;; from += RESTORE_REMAP_SERIES) {
        g_autoptr(RondoStore) store = rondo_store_open(dir, RONDO_OPEN_READ_ONLY, error);
        if (store == NULL)
            return FALSE;
        guint total = rondo_store_get_n_series(store);
        for (guint id = from; id < MIN(total, from + RESTORE_REMAP_SERIES); id++)
            n += series_count_points(store, rondo_store_get_series(store, id));
        if (from + RESTORE_REMAP_SERIES >= total)
            break;
    }
    *ret_n = n;
    return TRUE;
}

/* The series' labels as name/value pairs; NULL when a value is not a string. */
static GStrv
series_labels(JsonObject *lo)
{
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();
    g_autoptr(GList) names = json_object_get_members(lo);
    for (GList *l = names; l; l = l->next) {
        const char *v = rondo_json_get_string(lo, l->data);
        if (v == NULL)
            return NULL;
        g_strv_builder_add_many(b, (char *)l->data, v, NULL);
    }
    return g_strv_builder_end(b);
}

static gboolean
restore_tier(const Restore *r, RondoSeries *series, JsonObject *to, guint t, GError **error)
{
    JsonObject *pts = rondo_json_get_object(to, "points");
    gint64 tier = t;
    if (pts == NULL || (json_object_has_member(to, "tier") &&
                        !rondo_json_get_int(to, "tier", 0, G_MAXUINT32, &tier)))
        return bad_dump(error, _("a tier lacks points"));
    g_autoptr(GList) fns = json_object_get_members(pts);
    for (GList *l = fns; l; l = l->next) {
        RondoConsolidation cf;
        JsonArray *points = rondo_json_get_array(pts, l->data);
        if (!rondo_consolidation_from_string(l->data, &cf) || points == NULL)
            return bad_dump(error, _("unknown function"));
        if (!restore_points(r, series, (guint)tier, cf, points, error))
            return FALSE;
    }
    return TRUE;
}

/* The optional "type", "unit", "help" of a dumped series (a dump of an
 * undescribed series, or of release 0.3, has none). */
static gboolean
series_description(JsonObject *o, RondoSeriesSpec *spec)
{
    for (guint i = 0; i < 3; i++) {
        static const char *const members[] = {"type", "unit", "help"};
        if (!json_object_has_member(o, members[i]))
            continue;
        const char *v = rondo_json_get_string(o, members[i]);
        if (v == NULL || (i == 0 && !rondo_series_type_from_string(v, &spec->type)))
            return FALSE;
        if (i == 1)
            spec->unit = v;
        else if (i == 2)
            spec->help = v;
    }
    return TRUE;
}

static gboolean
restore_series(const Restore *r, RondoStore *store, JsonObject *o, GError **error)
{
    JsonObject *lo = rondo_json_get_object(o, "labels");
    JsonArray *tiers = rondo_json_get_array(o, "tiers");
    const char *name = rondo_json_get_string(o, "name");
    g_auto(GStrv) labels = lo ? series_labels(lo) : NULL;
    if (labels == NULL || tiers == NULL || name == NULL)
        return bad_dump(error, _("a series lacks name, labels or tiers"));
    RondoSeriesSpec spec = {name, (const char *const *)labels, RONDO_SERIES_UNKNOWN, NULL, NULL};
    if (!series_description(o, &spec))
        return bad_dump(error, _("a series' type, unit or help is not a string"));
    RondoSeries *series = NULL;
    if (!rondo_store_register_specs(store, 1, &spec, &series, error))
        return FALSE;
    for (guint t = 0; t < rondo_json_length(tiers); t++) {
        if (!restore_tier(r, series, rondo_json_at_object(tiers, t), t, error))
            return FALSE;
    }
    return TRUE;
}

/* The restore as the stream's members come: "format" and "version" first
 * checked, "schemas" makes the store, each element of "series" fills it. */
typedef struct {
    Restore r;
    const char *dir;
    gboolean format_ok, version_ok;
    RondoStore *store;
    guint n_series;
} Stream;

static gboolean
stream_remap(Stream *st, gboolean now, GError **error)
{
    if (!now && st->n_series % RESTORE_REMAP_SERIES != 0)
        return TRUE;
    g_clear_pointer(&st->store, rondo_store_close);
    st->store = rondo_store_open(st->dir, RONDO_OPEN_WRITE, error);
    return st->store != NULL;
}

static gboolean
on_member(const char *name, JsonNode *value, gpointer data, GError **error)
{
    Stream *st = data;
    if (g_str_equal(name, "format")) {
        const char *f =
            JSON_NODE_HOLDS_VALUE(value) && json_node_get_value_type(value) == G_TYPE_STRING
                ? json_node_get_string(value)
                : NULL;
        st->format_ok = f != NULL && g_str_equal(f, "rondo-dump");
        return st->format_ok || bad_dump(error, _("no “format”: “rondo-dump”"));
    }
    if (g_str_equal(name, "version")) {
        st->version_ok = JSON_NODE_HOLDS_VALUE(value) &&
                         json_node_get_value_type(value) == G_TYPE_INT64 &&
                         json_node_get_int(value) == 1;
        return st->version_ok || bad_dump(error, _("unsupported version"));
    }
    if (!st->format_ok || !st->version_ok)
        return bad_dump(error, _("“format” and “version” must come first"));
    if (g_str_equal(name, "schemas")) {
        JsonArray *schemas = JSON_NODE_HOLDS_ARRAY(value) ? json_node_get_array(value) : NULL;
        if (schemas == NULL || st->store != NULL)
            return bad_dump(error, _("no schemas or series"));
        st->store = store_from_json(st->dir, schemas, error);
        /* creating it wrote every page (the slabs' initial contents) */
        return st->store != NULL && stream_remap(st, TRUE, error);
    }
    if (g_str_equal(name, "series")) {
        JsonObject *o = JSON_NODE_HOLDS_OBJECT(value) ? json_node_get_object(value) : NULL;
        if (st->store == NULL)
            return bad_dump(error, _("“schemas” must come before “series”"));
        tool_progress(_("restore: %u series restored"), st->n_series++);
        if (o == NULL)
            return bad_dump(error, _("bad series"));
        return restore_series(&st->r, st->store, o, error) && stream_remap(st, FALSE, error);
    }
    return TRUE; /* a member of a later version: not ours to judge */
}

gboolean
tool_dump_restore(const char *dir, GInputStream *in, ToolRestoreTally *tally,
                  ToolRestoreRefusedFunc refused, gpointer user_data, GError **error)
{
    Stream st = {{tally, refused, user_data}, dir, FALSE, FALSE, NULL, 0};
    g_autoptr(GError) local = NULL;
    gboolean ok = tool_json_stream_object(in, "series", on_member, &st, &local);
    if (ok && st.store == NULL)
        ok = bad_dump(&local,
                      st.format_ok ? _("no schemas or series") : _("no “format”: “rondo-dump”"));
    g_clear_pointer(&st.store, rondo_store_close);
    if (ok)
        ok = store_count_points(dir, &tally->kept, &local);
    tool_progress_end();
    if (!ok)
        g_propagate_error(error, g_steal_pointer(&local));
    return ok;
}
