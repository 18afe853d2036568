/* schema.c - which series go where, and how long each tier keeps them.
 *
 * A schema is plain configuration: built once, validated, copied into the
 * store, and hashed into every slab header so that a slab can never be
 * read with another schema's geometry. The canonical text that is hashed
 * is documented in docs/storage-format.md.
 */
#include "config.h"
#include <string.h>
#include "internal.h"

const char *
rondo_consolidation_to_string(RondoConsolidation cf)
{
    g_return_val_if_fail(cf < RONDO_CF_N_FUNCTIONS, NULL);
    return rondo_cf_table[cf].name;
}

gboolean
rondo_consolidation_from_string(const char *name, RondoConsolidation *ret_cf)
{
    g_return_val_if_fail(name != NULL, FALSE);
    for (guint i = 0; i < RONDO_CF_N_FUNCTIONS; i++) {
        if (g_str_equal(name, rondo_cf_table[i].name) ||
            (rondo_cf_table[i].alias != NULL && g_str_equal(name, rondo_cf_table[i].alias))) {
            if (ret_cf)
                *ret_cf = (RondoConsolidation)i;
            return TRUE;
        }
    }
    return FALSE;
}

static const char *const op_names[] = {"=", "!=", "=~", "!~"};

const char *
rondo_match_op_to_string(RondoMatchOp op)
{
    g_return_val_if_fail(op <= RONDO_MATCH_NOT_REGEX, NULL);
    return op_names[op];
}

gboolean
rondo_match_op_from_string(const char *text, RondoMatchOp *ret_op)
{
    for (guint i = 0; i < G_N_ELEMENTS(op_names); i++) {
        if (g_str_equal(text, op_names[i])) {
            *ret_op = (RondoMatchOp)i;
            return TRUE;
        }
    }
    return FALSE;
}

static gboolean
schema_name_valid(const char *name)
{
    gsize n = strlen(name);
    if (n == 0 || n > 64)
        return FALSE;
    for (gsize i = 0; i < n; i++) {
        if (!g_ascii_isalnum(name[i]) && name[i] != '_' && name[i] != '-')
            return FALSE;
    }
    return TRUE;
}

RondoSchema *
rondo_schema_new(const char *name, guint32 series_max, GError **error)
{
    g_return_val_if_fail(name != NULL, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    if (!schema_name_valid(name)) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_INVALID,
                    "schema name “%s” is not 1 to 64 of [A-Za-z0-9_-]", name);
        return NULL;
    }
    if (series_max == 0 || series_max > RONDO_SERIES_MAX) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_INVALID,
                    "schema “%s”: series_max %u is not in 1..%u", name, series_max,
                    RONDO_SERIES_MAX);
        return NULL;
    }
    RondoSchema *schema = g_new0(RondoSchema, 1);
    schema->name = g_strdup(name);
    schema->series_max = series_max;
    schema->matchers = g_ptr_array_new_with_free_func((GDestroyNotify)rondo_matcher_free);
    return schema;
}

/* The VMM presets' tiers: 1 s x 10 min raw, 10 s x 6 h keeping @cfs_10s,
 * 5 min x 7 d keeping @cfs_5min. */
static RondoSchema *
vmm_preset_new(const char *name, guint32 series_max, guint32 cfs_10s, guint32 cfs_5min,
               GError **error)
{
    g_autoptr(RondoSchema) schema = rondo_schema_new(name, series_max, error);
    if (schema == NULL || !rondo_schema_add_tier(schema, 1 * RONDO_NS_PER_S, 600, 0, error) ||
        !rondo_schema_add_tier(schema, 10 * RONDO_NS_PER_S, 2160, cfs_10s, error) ||
        !rondo_schema_add_tier(schema, 300 * RONDO_NS_PER_S, 2016, cfs_5min, error))
        return NULL;
    return g_steal_pointer(&schema);
}

RondoSchema *
rondo_schema_new_vmm_preset(const char *name, guint32 series_max, GError **error)
{
    return vmm_preset_new(name, series_max,
                          RONDO_CF_BIT(RONDO_CF_AVERAGE) | RONDO_CF_BIT(RONDO_CF_MAX),
                          RONDO_CF_BIT(RONDO_CF_AVERAGE), error);
}

RondoSchema *
rondo_schema_new_vmm_counter_preset(const char *name, guint32 series_max, GError **error)
{
    return vmm_preset_new(name, series_max,
                          RONDO_CF_BIT(RONDO_CF_LAST) | RONDO_CF_BIT(RONDO_CF_MAX),
                          RONDO_CF_BIT(RONDO_CF_LAST), error);
}

gboolean
rondo_schema_add_matcher(RondoSchema *schema, const char *label, RondoMatchOp op, const char *value,
                         GError **error)
{
    g_return_val_if_fail(schema != NULL && label != NULL && value != NULL, FALSE);
    RondoMatcher *m = rondo_matcher_new(label, op, value, error);
    if (m == NULL) {
        g_prefix_error(error, "schema “%s”: ", schema->name);
        return FALSE;
    }
    g_ptr_array_add(schema->matchers, m);
    return TRUE;
}

gboolean
rondo_schema_add_tier(RondoSchema *schema, guint64 interval_ns, guint32 slots, guint32 functions,
                      GError **error)
{
    g_return_val_if_fail(schema != NULL, FALSE);
    guint n = schema->n_tiers;
    guint32 all = RONDO_CF_BIT(RONDO_CF_N_FUNCTIONS) - 1;

    if (n == RONDO_TIERS_MAX) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_INVALID, "schema “%s”: more than %d tiers",
                    schema->name, RONDO_TIERS_MAX);
        return FALSE;
    }
    if (n == 0)
        functions = RONDO_CF_BIT(RONDO_CF_RAW);
    if (interval_ns == 0 || slots < 2 || slots > RONDO_SLOTS_MAX || functions == 0 ||
        (functions & ~all) != 0) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_INVALID,
                    "schema “%s” tier %u: interval must be > 0, slots in 2..%u, and at least "
                    "one known consolidation function",
                    schema->name, n, RONDO_SLOTS_MAX);
        return FALSE;
    }
    guint64 window_ns;
    if (!g_uint64_checked_mul(&window_ns, interval_ns, slots) || window_ns > RONDO_WINDOW_MAX_NS) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_INVALID,
                    "schema “%s” tier %u: interval_ns × slots: %u slots of %" G_GUINT64_FORMAT
                    " ns span more than the 200 years of valid timestamps",
                    schema->name, n, slots, interval_ns);
        return FALSE;
    }
    if (n > 0) {
        const RondoTier *below = &schema->tiers[n - 1];
        if (interval_ns <= below->interval_ns || interval_ns % below->interval_ns != 0) {
            g_set_error(error, RONDO_ERROR, RONDO_ERROR_INVALID,
                        "schema “%s” tier %u: interval %" G_GUINT64_FORMAT
                        " ns is not a multiple (> 1) of tier %u's %" G_GUINT64_FORMAT " ns",
                        schema->name, n, interval_ns, n - 1, below->interval_ns);
            return FALSE;
        }
        if (n >= 2 && (functions & ~below->functions) != 0) {
            g_set_error(error, RONDO_ERROR, RONDO_ERROR_INVALID,
                        "schema “%s” tier %u: keeps a function tier %u does not keep", schema->name,
                        n, n - 1);
            return FALSE;
        }
    }
    schema->tiers[n] = (RondoTier){interval_ns, slots, functions};
    schema->n_tiers = n + 1;
    RondoSlabGeometry g;
    if (!rondo_slab_geometry_of(schema, n, RONDO_SLAB_VERSION, &g, error)) {
        schema->n_tiers = n; /* the schema stays as it was */
        return FALSE;
    }
    return TRUE;
}

void
rondo_schema_free(RondoSchema *schema)
{
    if (schema == NULL)
        return;
    g_free(schema->name);
    g_ptr_array_unref(schema->matchers);
    g_free(schema);
}

RondoSchema *
rondo_schema_copy(const RondoSchema *schema)
{
    RondoSchema *copy = rondo_schema_new(schema->name, schema->series_max, NULL);
    g_assert(copy != NULL);
    for (guint i = 0; i < schema->matchers->len; i++) {
        const RondoMatcher *m = g_ptr_array_index(schema->matchers, i);
        gboolean ok = rondo_schema_add_matcher(copy, m->label, m->op, m->value, NULL);
        g_assert(ok);
    }
    copy->n_tiers = schema->n_tiers;
    memcpy(copy->tiers, schema->tiers, sizeof schema->tiers);
    return copy;
}

gboolean
rondo_schema_validate(const RondoSchema *schema, GError **error)
{
    if (schema->n_tiers == 0) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_INVALID, "schema “%s” has no tiers",
                    schema->name);
        return FALSE;
    }
    return TRUE;
}

/* The canonical text: name, series_max, matchers, tiers; see storage-format.md. */
guint64
rondo_schema_hash(const RondoSchema *schema)
{
    g_autoptr(GString) s = g_string_new(NULL);

    g_string_append_printf(s, "%s\n%u\n", schema->name, schema->series_max);
    for (guint i = 0; i < schema->matchers->len; i++) {
        const RondoMatcher *m = g_ptr_array_index(schema->matchers, i);
        g_string_append_printf(s, "m %s %s %s\n", m->label, op_names[m->op], m->value);
    }
    for (guint i = 0; i < schema->n_tiers; i++) {
        const RondoTier *t = &schema->tiers[i];
        g_string_append_printf(s, "t %" G_GUINT64_FORMAT " %u %u\n", t->interval_ns, t->slots,
                               t->functions);
    }
    return rondo_fnv1a64(s->str, s->len);
}

gboolean
rondo_schema_matches(const RondoSchema *schema, const char *name, const char *const *labels)
{
    for (guint i = 0; i < schema->matchers->len; i++) {
        if (!rondo_matcher_matches(g_ptr_array_index(schema->matchers, i), name, labels))
            return FALSE;
    }
    return TRUE;
}

/* Tier 0 keeps one column group ("last"); higher tiers one per function. */
guint32
rondo_tier_effective_functions(const RondoSchema *schema, guint tier)
{
    g_assert(tier < schema->n_tiers);
    return tier == 0 ? RONDO_CF_BIT(RONDO_CF_RAW) : schema->tiers[tier].functions;
}

guint
rondo_tier_n_functions(const RondoSchema *schema, guint tier)
{
    return (guint)__builtin_popcount(rondo_tier_effective_functions(schema, tier));
}

const char *
rondo_schema_get_name(const RondoSchema *schema)
{
    g_return_val_if_fail(schema != NULL, NULL);
    return schema->name;
}

guint
rondo_schema_get_n_matchers(const RondoSchema *schema)
{
    g_return_val_if_fail(schema != NULL, 0);
    return schema->matchers->len;
}

gboolean
rondo_schema_get_matcher(const RondoSchema *schema, guint index, const char **ret_label,
                         RondoMatchOp *ret_op, const char **ret_value)
{
    g_return_val_if_fail(schema != NULL, FALSE);
    if (index >= schema->matchers->len)
        return FALSE;
    const RondoMatcher *m = g_ptr_array_index(schema->matchers, index);
    if (ret_label)
        *ret_label = m->label;
    if (ret_op)
        *ret_op = m->op;
    if (ret_value)
        *ret_value = m->value;
    return TRUE;
}

guint32
rondo_schema_get_series_max(const RondoSchema *schema)
{
    g_return_val_if_fail(schema != NULL, 0);
    return schema->series_max;
}

guint
rondo_schema_get_n_tiers(const RondoSchema *schema)
{
    g_return_val_if_fail(schema != NULL, 0);
    return schema->n_tiers;
}

guint64
rondo_schema_get_tier_interval_ns(const RondoSchema *schema, guint tier)
{
    g_return_val_if_fail(schema != NULL && tier < schema->n_tiers, 0);
    return schema->tiers[tier].interval_ns;
}

guint32
rondo_schema_get_tier_slots(const RondoSchema *schema, guint tier)
{
    g_return_val_if_fail(schema != NULL && tier < schema->n_tiers, 0);
    return schema->tiers[tier].slots;
}

guint32
rondo_schema_get_tier_functions(const RondoSchema *schema, guint tier)
{
    g_return_val_if_fail(schema != NULL && tier < schema->n_tiers, 0);
    return rondo_tier_effective_functions(schema, tier);
}

guint64
rondo_schema_get_tier_bytes(const RondoSchema *schema, guint tier)
{
    g_return_val_if_fail(schema != NULL && tier < schema->n_tiers, 0);
    RondoSlabGeometry g;
    gboolean ok = rondo_slab_geometry_of(schema, tier, RONDO_SLAB_VERSION, &g, NULL);
    g_assert(ok); /* rondo_schema_add_tier() refused a tier that overflows */
    return g.file_bytes;
}

guint64
rondo_schema_get_bytes(const RondoSchema *schema)
{
    guint64 total = 0;
    for (guint i = 0; i < schema->n_tiers; i++) {
        /* Each slab is below 2^53 bytes within the limits; saturate all the same. */
        if (!g_uint64_checked_add(&total, total, rondo_schema_get_tier_bytes(schema, i)))
            return G_MAXUINT64;
    }
    return total;
}
