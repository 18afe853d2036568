/* test-schema.c - schemas: validation, the VMM preset, matchers, sizes. */
#include "config.h"
#include "testutil.h"

/* The names the nanosecond getters had before 0.5.0 still answer alike. */
#define T_NS (G_GUINT64_CONSTANT(1800000000) * RONDO_NS_PER_S)
static void
test_former_names(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = g_dir_make_tmp("rondo-names-XXXXXX", &error);
    g_autofree char *path = g_build_filename(dir, "s", NULL);
    g_autoptr(RondoSchema) s = rondo_schema_new_vmm_preset("vmm", 4, &error);
    RondoSchema *schemas[] = {s};
    g_autoptr(RondoStore) store = rondo_store_create(path, schemas, 1, &error);
    g_assert_no_error(error);
    RondoSeries *series = rondo_store_register(store, "x", NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpint(rondo_series_record(series, 1.0, T_NS), ==, RONDO_RECORD_OK);
    G_GNUC_BEGIN_IGNORE_DEPRECATIONS
    g_assert_cmpuint(rondo_schema_get_tier_interval(s, 1), ==,
                     rondo_schema_get_tier_interval_ns(s, 1));
    g_assert_cmpuint(rondo_store_get_head(store, 0, 0), ==, T_NS);
    g_assert_cmpuint(rondo_store_get_consolidated(store, 0, 1), ==,
                     rondo_store_get_consolidated_ns(store, 0, 1));
    G_GNUC_END_IGNORE_DEPRECATIONS
    rondo_store_close(g_steal_pointer(&store));
    test_rm_rf(dir);
}

static void
test_preset_geometry(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(RondoSchema) s = rondo_schema_new_vmm_preset("vmm", 30, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(rondo_schema_get_n_tiers(s), ==, 3);
    g_assert_cmpuint(rondo_schema_get_tier_interval_ns(s, 0), ==, 1 * RONDO_NS_PER_S);
    g_assert_cmpuint(rondo_schema_get_tier_slots(s, 0), ==, 600);
    g_assert_cmpuint(rondo_schema_get_tier_interval_ns(s, 1), ==, 10 * RONDO_NS_PER_S);
    g_assert_cmpuint(rondo_schema_get_tier_slots(s, 1), ==, 2160);
    g_assert_cmpuint(rondo_schema_get_tier_interval_ns(s, 2), ==, 300 * RONDO_NS_PER_S);
    g_assert_cmpuint(rondo_schema_get_tier_slots(s, 2), ==, 2016);
    /* 10 min, 6 h, 7 d */
    g_assert_cmpuint(600 * 1, ==, 10 * 60);
    g_assert_cmpuint(2160 * 10, ==, 6 * 3600);
    g_assert_cmpuint(2016 * 300, ==, 7 * 86400);
    /* S3: 30 series x 3 tiers under 2 MB, computed before anything exists. */
    g_assert_cmpuint(rondo_schema_get_bytes(s), <, 2 * 1024 * 1024);
    /* Tier 0: 128 + 30*32 -> 1088; 30 columns of 600 cells of 16 bytes. */
    g_assert_cmpuint(rondo_schema_get_tier_bytes(s, 0), ==, 1088 + 30 * 9600);
    /* Tier 1: 1088; the slot times 17280; 2 x 30 columns of 17280. */
    g_assert_cmpuint(rondo_schema_get_tier_bytes(s, 1), ==, 1088 + 17280 + 60 * 17280);
    g_assert_cmpuint(rondo_schema_get_bytes(s), ==, 1845312);
}

/* The counter preset: the VMM preset's tiers and bytes, last (and max at
 * 10 s) instead of the average. */
static void
test_counter_preset(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(RondoSchema) c = rondo_schema_new_vmm_counter_preset("vcpu", 30, &error);
    g_assert_no_error(error);
    g_autoptr(RondoSchema) v = rondo_schema_new_vmm_preset("vmm", 30, &error);
    g_assert_cmpuint(rondo_schema_get_n_tiers(c), ==, 3);
    for (guint t = 0; t < 3; t++) {
        g_assert_cmpuint(rondo_schema_get_tier_interval_ns(c, t), ==,
                         rondo_schema_get_tier_interval_ns(v, t));
        g_assert_cmpuint(rondo_schema_get_tier_slots(c, t), ==, rondo_schema_get_tier_slots(v, t));
        g_assert_cmpuint(rondo_schema_get_tier_bytes(c, t), ==, rondo_schema_get_tier_bytes(v, t));
    }
    g_assert_cmpuint(rondo_schema_get_tier_functions(c, 1), ==,
                     RONDO_CF_BIT(RONDO_CF_LAST) | RONDO_CF_BIT(RONDO_CF_MAX));
    g_assert_cmpuint(rondo_schema_get_tier_functions(c, 2), ==, RONDO_CF_BIT(RONDO_CF_LAST));
    g_assert_cmpuint(rondo_schema_get_bytes(c), ==, 1845312);
}

static void
test_invalid(void)
{
    g_autoptr(GError) error = NULL;
    g_assert_null(rondo_schema_new("bad name", 1, &error));
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_INVALID);
    g_clear_error(&error);
    g_assert_null(rondo_schema_new("ok", 0, &error));
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_INVALID);
    g_clear_error(&error);

    g_autoptr(RondoSchema) s = rondo_schema_new("ok", 4, &error);
    g_assert_no_error(error);
    g_assert_true(rondo_schema_add_tier(s, RONDO_NS_PER_S, 10, 0, &error));
    /* Not a multiple of the tier below. */
    g_assert_false(
        rondo_schema_add_tier(s, RONDO_NS_PER_S * 3 / 2, 10, RONDO_CF_BIT(RONDO_CF_MAX), &error));
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_INVALID);
    g_clear_error(&error);
    g_assert_true(
        rondo_schema_add_tier(s, 10 * RONDO_NS_PER_S, 10, RONDO_CF_BIT(RONDO_CF_MAX), &error));
    /* Tier 2 may only keep what tier 1 keeps. */
    g_assert_false(
        rondo_schema_add_tier(s, 100 * RONDO_NS_PER_S, 10, RONDO_CF_BIT(RONDO_CF_MIN), &error));
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_INVALID);
    g_clear_error(&error);
    g_assert_false(
        rondo_schema_add_tier(s, 100 * RONDO_NS_PER_S, 1, RONDO_CF_BIT(RONDO_CF_MAX), &error));
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_INVALID);
    g_clear_error(&error);
    g_assert_false(rondo_schema_add_matcher(s, "__name__", RONDO_MATCH_REGEX, "(", &error));
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_INVALID);
}

static void
test_consolidation_names(void)
{
    for (guint i = 0; i < RONDO_CF_N_FUNCTIONS; i++) {
        RondoConsolidation cf;
        g_assert_true(rondo_consolidation_from_string(rondo_consolidation_to_string(i), &cf));
        g_assert_cmpuint(cf, ==, i);
    }
    g_assert_false(rondo_consolidation_from_string("median", NULL));
}

/* Series go to the first schema whose matchers all accept them. */
static void
test_matchers_route(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(TestDir) dir = test_tmp_dir();
    g_autoptr(RondoSchema) vcpu = rondo_schema_new_vmm_preset("vcpu", 4, &error);
    g_autoptr(RondoSchema) rest = rondo_schema_new_vmm_preset("rest", 4, &error);
    g_assert_true(rondo_schema_add_matcher(vcpu, "__name__", RONDO_MATCH_REGEX, "vcpu_.*", &error));
    g_assert_true(rondo_schema_add_matcher(vcpu, "reason", RONDO_MATCH_NOT_EQUAL, "skip", &error));
    RondoSchema *both[] = {vcpu, rest};
    g_autoptr(RondoStore) store = rondo_store_create(dir, both, 2, &error);
    g_assert_no_error(error);

    const char *io[] = {"reason", "io", NULL};
    const char *skip[] = {"reason", "skip", NULL};
    RondoSeries *a = rondo_store_register(store, "vcpu_exits_total", io, &error);
    RondoSeries *b = rondo_store_register(store, "vcpu_exits_total", skip, &error);
    RondoSeries *c = rondo_store_register(store, "vmm_rss_bytes", NULL, &error);
    RondoSeries *d = rondo_store_register(store, "xvcpu_exits", NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(rondo_series_get_schema(a), ==, 0);
    g_assert_cmpuint(rondo_series_get_schema(b), ==, 1);
    g_assert_cmpuint(rondo_series_get_schema(c), ==, 1);
    g_assert_cmpuint(rondo_series_get_schema(d), ==, 1); /* regexes are anchored */

    /* No schema accepts: an error, not a crash. */
    g_autoptr(RondoSchema) only = rondo_schema_new_vmm_preset("only", 2, &error);
    g_assert_true(rondo_schema_add_matcher(only, "__name__", RONDO_MATCH_EQUAL, "x", &error));
    g_autoptr(TestDir) dir2 = test_tmp_dir();
    g_autoptr(RondoStore) store2 = rondo_store_create(dir2, &only, 1, &error);
    g_assert_no_error(error);
    g_assert_null(rondo_store_register(store2, "y", NULL, &error));
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_NOT_FOUND);
    g_clear_pointer(&store, rondo_store_close);
    g_clear_pointer(&store2, rondo_store_close);
}

/* The domain's name, as GError users (and logs) see it; librondo-export's
 * is checked in tests/export/test-encode.c. */
static void
test_error_domains(void)
{
    g_assert_cmpstr(g_quark_to_string(RONDO_ERROR), ==, "rondo-error-quark");
}

/* The suite's one matcher rule: anchored, "" for a missing label, and $
 * only at the very end (RE2's rule: "io\n" is not "io"). */
static void
test_matcher(void)
{
    g_autoptr(GError) error = NULL;
    const char *io_nl[] = {"reason", "io\n", NULL};
    const char *io[] = {"reason", "io", NULL};
    RondoMatcher *re = rondo_matcher_new("reason", RONDO_MATCH_REGEX, "io|mmio", &error);
    g_assert_no_error(error);
    g_assert_true(rondo_matcher_matches(re, "x", io));
    g_assert_false(rondo_matcher_matches(re, "x", io_nl));
    g_assert_false(rondo_matcher_matches_value(re, "i"));
    g_assert_nonnull(rondo_matcher_get_regex(re));
    g_assert_cmpstr(rondo_matcher_get_label(re), ==, "reason");
    g_assert_cmpint(rondo_matcher_get_op(re), ==, RONDO_MATCH_REGEX);
    rondo_matcher_free(re);
    RondoMatcher *dollar = rondo_matcher_new("reason", RONDO_MATCH_REGEX, "io$", &error);
    g_assert_false(rondo_matcher_matches(dollar, "x", io_nl));
    rondo_matcher_free(dollar);
    RondoMatcher *ne = rondo_matcher_new("absent", RONDO_MATCH_NOT_EQUAL, "", &error);
    g_assert_false(rondo_matcher_matches(ne, "x", io)); /* a missing label is "" */
    g_assert_null(rondo_matcher_get_regex(ne));
    rondo_matcher_free(ne);
    RondoMatcher *name = rondo_matcher_new("__name__", RONDO_MATCH_NOT_REGEX, "vcpu_.*", &error);
    g_assert_false(rondo_matcher_matches(name, "vcpu_exits_total", NULL));
    g_assert_true(rondo_matcher_matches(name, "blk_requests_total", NULL));
    rondo_matcher_free(name);
    g_assert_null(rondo_matcher_new("reason", RONDO_MATCH_REGEX, "(", &error));
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_INVALID);
    g_clear_error(&error);
    g_assert_null(rondo_matcher_new("", RONDO_MATCH_EQUAL, "x", &error));
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_INVALID);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/schema/preset-geometry", test_preset_geometry);
    g_test_add_func("/schema/counter-preset", test_counter_preset);
    g_test_add_func("/schema/former-names", test_former_names);
    g_test_add_func("/schema/invalid", test_invalid);
    g_test_add_func("/schema/matcher", test_matcher);
    g_test_add_func("/schema/consolidation-names", test_consolidation_names);
    g_test_add_func("/schema/error-domains", test_error_domains);
    g_test_add_func("/schema/matchers-route", test_matchers_route);
    return g_test_run();
}
