/* testutil.c - helpers shared by the test programs. */
#include "config.h"
#include <glib/gstdio.h>
#include <string.h>
#include "testutil.h"

char *
test_tmp_dir(void)
{
    g_autoptr(GError) error = NULL;
    char *base = g_dir_make_tmp("rondo-test-XXXXXX", &error);
    g_assert_no_error(error);
    char *dir = g_build_filename(base, "store", NULL);
    g_free(base);
    return dir;
}

void
test_rm_rf(const char *path)
{
    g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d)) != NULL) {
        g_autofree char *p = g_build_filename(path, name, NULL);
        if (g_file_test(p, G_FILE_TEST_IS_DIR) && !g_file_test(p, G_FILE_TEST_IS_SYMLINK))
            test_rm_rf(p);
        else
            g_unlink(p);
    }
    g_rmdir(path);
}

void
test_tmp_free(char *dir)
{
    if (dir == NULL)
        return;
    g_autofree char *base = g_path_get_dirname(dir);
    test_rm_rf(base);
    g_free(dir);
}

RondoStore *
test_store_new_preset(const char *dir, guint32 series_max)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(RondoSchema) schema = rondo_schema_new_vmm_preset("vmm", series_max, &error);
    g_assert_no_error(error);
    RondoStore *store = rondo_store_create(dir, &schema, 1, &error);
    g_assert_no_error(error);
    return store;
}

RondoStore *
test_store_new_two_tiers(const char *dir, const char *schema_name, guint n_series, guint64 iv0,
                         guint32 slots0, guint64 iv1, guint32 slots1, guint32 functions,
                         const char *series_name)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(RondoSchema) schema = rondo_schema_new(schema_name, n_series, &error);
    g_assert_no_error(error);
    g_assert_true(rondo_schema_add_tier(schema, iv0, slots0, 0, &error));
    g_assert_true(rondo_schema_add_tier(schema, iv1, slots1, functions, &error));
    RondoStore *store = rondo_store_create(dir, &schema, 1, &error);
    g_assert_no_error(error);
    for (guint s = 0; s < n_series; s++)
        test_series(store, series_name, s);
    return store;
}

RondoSeries *
test_series(RondoStore *store, const char *name, guint i)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *id = g_strdup_printf("%u", i);
    const char *labels[] = {"id", id, NULL};
    RondoSeries *s = rondo_store_register(store, name, labels, &error);
    g_assert_no_error(error);
    g_assert_nonnull(s);
    return s;
}

guint
test_count_points(RondoStore *store, RondoSeries *s, guint tier, RondoConsolidation cf,
                  guint64 start, guint64 end, double *ret_sum)
{
    g_autoptr(GError) error = NULL;
    RondoQueryIter it;
    guint64 t, prev = 0;
    double v, sum = 0;
    guint n = 0;

    g_assert_true(rondo_query_iter_init(&it, store, s, tier, cf, start, end, &error));
    g_assert_no_error(error);
    while (rondo_query_iter_next(&it, &t, &v)) {
        g_assert_cmpuint(t, >, prev);
        prev = t;
        sum += v;
        n++;
    }
    if (ret_sum)
        *ret_sum = sum;
    return n;
}

guint64
test_le64_at(const guint8 *p, gsize off)
{
    guint64 v;
    memcpy(&v, p + off, 8);
    return GUINT64_FROM_LE(v);
}

guint64
test_align64(guint64 n)
{
    return (n + 63) / 64 * 64;
}

char *
test_json_nested(guint arrays)
{
    GString *s = g_string_new("{\"x\": ");
    for (guint i = 0; i < arrays; i++)
        g_string_append_c(s, '[');
    for (guint i = 0; i < arrays; i++)
        g_string_append_c(s, ']');
    g_string_append(s, "}");
    return g_string_free(s, FALSE);
}

char *
test_store_points(const char *path)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(RondoStore) store = rondo_store_open(path, 0, &error);
    g_assert_no_error(error);
    GString *out = g_string_new(NULL);
    for (guint id = 0; id < rondo_store_get_n_series(store); id++) {
        RondoSeries *s = rondo_store_get_series(store, id);
        const RondoSchema *schema = rondo_store_get_schema(store, rondo_series_get_schema(s));
        for (guint t = 0; t < rondo_schema_get_n_tiers(schema); t++) {
            guint32 fns = rondo_schema_get_tier_functions(schema, t);
            for (guint f = 0; f < RONDO_CF_N_FUNCTIONS; f++) {
                RondoQueryIter it;
                guint64 ts, bits;
                double v;
                if (!(fns & RONDO_CF_BIT(f)) ||
                    !rondo_query_iter_init(&it, store, s, t, f, 0, G_MAXUINT64, &error))
                    continue;
                while (rondo_query_iter_next(&it, &ts, &v)) {
                    memcpy(&bits, &v, 8);
                    g_string_append_printf(
                        out, "%u %u %u %" G_GUINT64_FORMAT " %016" G_GINT64_MODIFIER "x\n", id, t,
                        f, ts, bits);
                }
            }
        }
    }
    return g_string_free(out, FALSE);
}
