/* cmd-resize.c - `rondo resize DIR`: a store's schema grown in place (more
 * series, longer or more tiers, more consolidation functions), every stored
 * value kept. The work and its crash safety are rondo_store_resize()'s;
 * this turns the options into the grown schema, with the tier syntax of
 * rondo-schema(5) (tool_tier_spec_parse()), and names the outcome.
 */
#include "config.h"
#include <stdio.h>
#include "rondo-tool.h"
#include "schema-file.h"

typedef struct {
    char *schema;
    gint series_max;
    char **tiers;
    char **add_cfs;
} ResizeOptions;

/* Tiers being built: the store's, then the options applied. */
typedef struct {
    guint n;
    guint64 interval_ns[RONDO_TIERS_MAX];
    guint32 slots[RONDO_TIERS_MAX];
    guint32 functions[RONDO_TIERS_MAX];
} TierList;

/* One --tier: lengthens the tier of the same interval, or appends a tier. */
static gboolean
tiers_apply_spec(TierList *tl, const char *spec, GError **error)
{
    guint64 interval;
    guint32 slots, fns;
    if (!tool_tier_spec_parse(spec, &interval, &slots, &fns, error))
        return FALSE;
    for (guint t = 0; t < tl->n; t++) {
        if (tl->interval_ns[t] == interval) {
            tl->slots[t] = slots;
            tl->functions[t] = fns ? fns : tl->functions[t];
            return TRUE;
        }
    }
    if (interval < tl->interval_ns[tl->n - 1])
        return tool_set_error(error,
                              _("--tier %s: no tier has this interval, and a new tier "
                                "can only be added after the last (coarsest) one"),
                              spec);
    if (tl->n == RONDO_TIERS_MAX)
        return tool_set_error(error, _("--tier %s: a schema has at most %d tiers"), spec,
                              RONDO_TIERS_MAX);
    tl->interval_ns[tl->n] = interval;
    tl->slots[tl->n] = slots;
    tl->functions[tl->n] = fns ? fns : RONDO_CF_BIT(RONDO_CF_AVERAGE);
    tl->n++;
    return TRUE;
}

/* The options' tier changes on @old's tiers, into @tl. */
static gboolean
tiers_build(TierList *tl, const RondoSchema *old, const ResizeOptions *o, GError **error)
{
    tl->n = rondo_schema_get_n_tiers(old);
    for (guint t = 0; t < tl->n; t++) {
        tl->interval_ns[t] = rondo_schema_get_tier_interval_ns(old, t);
        tl->slots[t] = rondo_schema_get_tier_slots(old, t);
        tl->functions[t] = rondo_schema_get_tier_functions(old, t);
    }
    for (guint i = 0; o->tiers != NULL && o->tiers[i] != NULL; i++) {
        if (!tiers_apply_spec(tl, o->tiers[i], error))
            return FALSE;
    }
    for (guint i = 0; o->add_cfs != NULL && o->add_cfs[i] != NULL; i++) {
        RondoConsolidation cf;
        if (!rondo_consolidation_from_string(o->add_cfs[i], &cf))
            return tool_set_error(error, _("--add-cf: unknown consolidation function “%s”"),
                                  o->add_cfs[i]);
        for (guint t = 1; t < tl->n; t++)
            tl->functions[t] |= RONDO_CF_BIT(cf);
    }
    return TRUE;
}

/* @old as it is to be: a new schema with its name and matchers, and the
 * options applied when @o is not NULL. */
static RondoSchema *
schema_grow(const RondoSchema *old, const ResizeOptions *o, GError **error)
{
    guint32 series_max = rondo_schema_get_series_max(old);
    if (o != NULL && o->series_max != 0)
        series_max = (guint32)o->series_max;
    g_autoptr(RondoSchema) s = rondo_schema_new(rondo_schema_get_name(old), series_max, error);
    if (s == NULL)
        return NULL;
    for (guint i = 0; i < rondo_schema_get_n_matchers(old); i++) {
        const char *label, *value;
        RondoMatchOp op;
        rondo_schema_get_matcher(old, i, &label, &op, &value);
        if (!rondo_schema_add_matcher(s, label, op, value, error))
            return NULL;
    }
    static const ResizeOptions none = {0};
    TierList tl;
    if (!tiers_build(&tl, old, o ? o : &none, error))
        return NULL;
    for (guint t = 0; t < tl.n; t++) {
        if (!rondo_schema_add_tier(s, tl.interval_ns[t], tl.slots[t], tl.functions[t], error))
            return NULL;
    }
    return g_steal_pointer(&s);
}

/* The index of the schema the options name (the only one when they name none). */
static gboolean
schema_pick(const RondoStore *store, const char *name, guint *ret_index, GError **error)
{
    guint n = rondo_store_get_n_schemas(store);
    if (name == NULL && n > 1)
        return tool_set_error(error, _("the store has %u schemas: name one with --schema"), n);
    for (guint i = 0; i < n; i++) {
        if (name == NULL ||
            g_str_equal(rondo_schema_get_name(rondo_store_get_schema(store, i)), name)) {
            *ret_index = i;
            return TRUE;
        }
    }
    return tool_set_error(error, _("--schema: the store has no schema “%s”"), name);
}

/* Every schema of @dir's store as it is to be, the picked one grown. */
static GPtrArray *
schemas_grown(const char *dir, const ResizeOptions *o, GError **error)
{
    g_autoptr(RondoStore) store = rondo_store_open(dir, 0, error);
    guint pick = 0;
    if (store == NULL || !schema_pick(store, o->schema, &pick, error))
        return NULL;
    g_autoptr(GPtrArray) schemas =
        g_ptr_array_new_with_free_func((GDestroyNotify)rondo_schema_free);
    for (guint i = 0; i < rondo_store_get_n_schemas(store); i++) {
        RondoSchema *s = schema_grow(rondo_store_get_schema(store, i), i == pick ? o : NULL, error);
        if (s == NULL)
            return NULL;
        g_ptr_array_add(schemas, s);
    }
    return g_steal_pointer(&schemas);
}

/* The library's error, with what to do when a writer holds the store. */
static int
resize_failed(const char *dir, const GError *error)
{
    if (error->domain == G_OPTION_ERROR) {
        tool_error("%s", error->message);
        return EXIT_USAGE;
    }
    if (!g_error_matches(error, RONDO_ERROR, RONDO_ERROR_LOCKED)) {
        tool_store_error(dir, error);
        return 1;
    }
    g_autoptr(GError) locked = g_error_new(
        error->domain, error->code,
        _("%s; a resize needs the store to itself: stop its writer (the VMM, rondod or rondo "
          "import), run the command again, then start the writer again"),
        error->message);
    tool_store_error(dir, locked);
    return 1;
}

static int
resize_run(const char *dir, const ResizeOptions *o)
{
    g_autoptr(GError) error = NULL;
    gboolean changed = FALSE;
    /* First under the lock alone: a writer is refused before anything is
     * read, and an interrupted resize is finished, so the store opens. */
    if (!rondo_store_resize(dir, NULL, 0, NULL, &error))
        return resize_failed(dir, error);
    if (o->schema == NULL && o->series_max == 0 && o->tiers == NULL && o->add_cfs == NULL) {
        printf(_("%s: nothing to change (an interrupted resize is finished)\n"), dir);
        return 0;
    }
    g_autoptr(GPtrArray) schemas = schemas_grown(dir, o, &error);
    if (schemas == NULL || !rondo_store_resize(dir, (RondoSchema *const *)schemas->pdata,
                                               schemas->len, &changed, &error))
        return resize_failed(dir, error);
    g_autoptr(RondoStore) store = changed ? rondo_store_open(dir, 0, &error) : NULL;
    if (!changed)
        printf(_("%s: already this size, nothing to do\n"), dir);
    else if (store == NULL)
        return resize_failed(dir, error);
    else
        printf(_("%s: resized; the store now takes %llu bytes\n"), dir,
               (unsigned long long)rondo_store_get_bytes(store));
    return 0;
}

int
tool_cmd_resize(int argc, char **argv)
{
    ResizeOptions o = {0};
    GOptionEntry entries[] = {
        {"schema", 's', 0, G_OPTION_ARG_STRING, &o.schema,
         N_("The schema to grow (needed when the store has more than one)"), N_("NAME")},
        {"series-max", 'n', 0, G_OPTION_ARG_INT, &o.series_max,
         N_("Series the schema holds, at least as many as now"), N_("N")},
        {"tier", 't', 0, G_OPTION_ARG_STRING_ARRAY, &o.tiers,
         N_("Give the tier of this interval SLOTS slots (FUNCTIONS: all it is to keep, its "
            "present ones included), or add a tier after the last one (FUNCTIONS by default: "
            "average); repeatable"),
         N_("INTERVAL:SLOTS[:FUNCTIONS]")},
        {"add-cf", 'f', 0, G_OPTION_ARG_STRING_ARRAY, &o.add_cfs,
         N_("Keep this consolidation function in every tier above 0 too; repeatable"),
         N_("FUNCTION")},
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GOptionContext) context = g_option_context_new(_("DIR"));
    g_option_context_set_summary(
        context,
        _("Grow a schema of the store in DIR in place, keeping every value readers "
          "see, bit for bit: more series, more slots per tier, tiers added after the last one, "
          "more consolidation functions. Nothing can shrink or be removed. Added "
          "tiers and functions start empty. The writer must be stopped; readers may "
          "stay. Without options, finishes an interrupted resize."));
    g_option_context_add_main_entries(context, entries, GETTEXT_PACKAGE);
    int status = EXIT_USAGE;
    if (tool_parse(context, &argc, &argv) && tool_want_args(argc, argv, 1, _("DIR"))) {
        if (o.series_max < 0 || o.series_max > RONDO_SERIES_MAX)
            tool_error(_("--series-max: %d is not from 1 to %d"), o.series_max, RONDO_SERIES_MAX);
        else
            status = resize_run(argv[1], &o);
    }
    g_free(o.schema);
    g_strfreev(o.tiers);
    g_strfreev(o.add_cfs);
    return status;
}
