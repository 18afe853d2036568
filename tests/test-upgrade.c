/* test-upgrade.c - stores of formats 1 and 2, written by the libraries of
 * those formats, read and upgraded by this one.
 *
 * tests/fixtures/v1-store and v2-store were made by
 * tests/fixtures/make-v1-store.c with the v1 and v2 libraries. Each test
 * runs on a copy of each. The upgrade is checked twice:
 * through the public API (every point of every series, tier and function,
 * bit for bit, before and after) and through the bytes, with the layouts
 * of docs/storage-format.md written out here (every tag and value of every
 * cell, the state blocks and the directories). A rename or an allocation
 * failing at each call the upgrade makes stands for a crash there: the
 * store then reads as before (the old files, or once the swap began the new
 * ones), and the next upgrade ends exact.
 * This program links the library's objects to reach lib/file.c's table.
 */
#include "config.h"
#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include "fault-ops.h"
#include "testutil.h"

static const char *const slab_names[] = {"vm.0.slab", "vm.1.slab", "vm.2.slab",
                                         "io.0.slab", "io.1.slab", "io.2.slab"};

/* The fixture of format @version: a test's data. */
static guint
fixture_version(gconstpointer data)
{
    return GPOINTER_TO_UINT(data);
}

/* A copy of the fixture of format @version in a new temporary directory;
 * returns its path. */
static char *
fixture_copy(const char *tmp, guint version)
{
    const char *src = g_getenv("top_srcdir");
    g_autofree char *rel = g_strdup_printf("tests/fixtures/v%u-store", version);
    g_autofree char *from = g_build_filename(src ? src : ".", rel, NULL);
    char *to = g_build_filename(tmp, "store", NULL);
    g_assert_cmpint(g_mkdir_with_parents(to, 0755), ==, 0);
    g_autoptr(GDir) d = g_dir_open(from, 0, NULL);
    g_assert_nonnull(d);
    const char *name;
    while ((name = g_dir_read_name(d)) != NULL) {
        g_autofree char *a = g_build_filename(from, name, NULL);
        g_autofree char *b = g_build_filename(to, name, NULL);
        g_autofree char *data = NULL;
        gsize n;
        g_assert_true(g_file_get_contents(a, &data, &n, NULL));
        g_assert_true(g_file_set_contents(b, data, (gssize)n, NULL));
    }
    return to;
}

/* Where a slab of @version keeps the tag and the value of column @c in ring
 * slot @r, by the document: tier 0 of version 1 and the other tiers a slot
 * time column, then values (by column before version 3, by slot from it);
 * tier 0 from version 2 cells (by column in version 2, by slot from 3). */
static void
value_at(guint version, guint tier, guint64 dir_end, guint64 slots, guint64 n_columns, guint64 c,
         guint64 r, guint64 *ret_tag, guint64 *ret_value)
{
    guint64 cell;
    if (version == 1 || tier > 0) {
        guint64 row_stride = test_align64(8 * slots);
        *ret_tag = dir_end + 8 * r;
        *ret_value =
            dir_end + row_stride + (version < 3 ? c * row_stride + 8 * r : 8 * (r * n_columns + c));
        return;
    }
    cell = version == 2 ? dir_end + c * test_align64(16 * slots) + 16 * r
                        : dir_end + 16 * (r * n_columns + c);
    *ret_tag = cell;
    *ret_value = cell + 8;
}

/* One slab, old bytes against new, by the document's layouts. */
static void
slab_compare(const guint8 *old, gsize old_n, const guint8 *neu, gsize neu_n)
{
    guint tier = old[10], n_fns = old[11], from = old[8];
    guint32 slots, series_max;
    memcpy(&slots, old + 24, 4);
    memcpy(&series_max, old + 28, 4);
    guint64 dir_end = test_align64(128 + 32 * (guint64)series_max);
    guint64 row_stride = test_align64(8 * (guint64)slots), n_columns = (guint64)n_fns * series_max;
    guint64 cell_stride = test_align64(16 * (guint64)slots);

    g_assert_true(from == 1 || from == 2);
    g_assert_cmpuint(neu[8], ==, 3);
    g_assert_cmpmem(old + 10, 30, neu + 10, 30); /* tier .. interval_ns */
    g_assert_cmpuint(test_le64_at(neu, 40), ==, neu_n);
    g_assert_cmpmem(old + 52, 128 - 52, neu + 52, 128 - 52); /* reserved, head, state */
    g_assert_cmpmem(old + 128, 32 * series_max, neu + 128, 32 * series_max);
    gboolean old_rows = from == 1 || tier > 0;
    g_assert_cmpuint(old_n, ==,
                     old_rows ? dir_end + row_stride + n_columns * row_stride
                              : dir_end + n_columns * cell_stride);
    g_assert_cmpuint(neu_n, ==,
                     tier == 0 ? dir_end + n_columns * cell_stride
                               : dir_end + row_stride + n_columns * row_stride);
    for (guint64 c = 0; c < n_columns; c++) {
        for (guint64 r = 0; r < slots; r++) {
            guint64 ot, ov, nt, nv;
            value_at(from, tier, dir_end, slots, n_columns, c, r, &ot, &ov);
            value_at(3, tier, dir_end, slots, n_columns, c, r, &nt, &nv);
            g_assert_cmpmem(neu + nt, 8, old + ot, 8);
            g_assert_cmpmem(neu + nv, 8, old + ov, 8);
        }
    }
}

static void
store_compare_bytes(const char *old_dir, const char *new_dir)
{
    for (guint i = 0; i < G_N_ELEMENTS(slab_names); i++) {
        g_autofree char *a = g_build_filename(old_dir, slab_names[i], NULL);
        g_autofree char *b = g_build_filename(new_dir, slab_names[i], NULL);
        g_autofree char *old = NULL, *neu = NULL;
        gsize old_n, neu_n;
        g_assert_true(g_file_get_contents(a, &old, &old_n, NULL));
        g_assert_true(g_file_get_contents(b, &neu, &neu_n, NULL));
        slab_compare((const guint8 *)old, old_n, (const guint8 *)neu, neu_n);
    }
    for (guint i = 0; i < 3; i++) {
        const char *same[] = {"series.json", "drain-fixture.0.json", "lock"};
        g_autofree char *a = g_build_filename(old_dir, same[i], NULL);
        g_autofree char *b = g_build_filename(new_dir, same[i], NULL);
        g_autofree char *x = NULL, *y = NULL;
        g_assert_true(g_file_get_contents(a, &x, NULL, NULL));
        g_assert_true(g_file_get_contents(b, &y, NULL, NULL));
        if (i < 2)
            g_assert_cmpstr(x, ==, y);
    }
}

/* The old store reads, checks clean, drains, and refuses a writer by naming the command. */
static void
test_reads(gconstpointer data)
{
    guint version = fixture_version(data);
    g_autoptr(TestDir) tmp = test_tmp_dir();
    g_autofree char *path = fixture_copy(tmp, version);
    g_autoptr(GError) error = NULL;
    g_autoptr(RondoStore) store = rondo_store_open(path, 0, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(rondo_store_get_format_version(store), ==, version);
    g_assert_cmpuint(rondo_store_get_n_series(store), ==, 3);
    /* vm.0.slab: 128 + 3 × 32 bytes to 256, then 16 slots of 3 columns. */
    g_assert_cmpuint(rondo_store_get_tier_bytes(store, 0, 0), ==, version == 1 ? 768 : 1024);
    g_assert_cmpuint(rondo_store_check(store, 0, NULL, NULL), ==, 0);
    g_autofree char *points = test_store_points(path);
    g_assert_cmpuint(strlen(points), >, 1000);
    /* vm_exits_total: the late write at +30 s and the point after the gap. */
    g_assert_nonnull(strstr(points, "0 0 3 1700000030000000000 4045100000000000\n"));
    g_assert_nonnull(strstr(points, "0 0 3 1700000045000000000 401c000000000000\n"));
    g_autoptr(RondoDrain) d = rondo_drain_new(store, "fixture", 0, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(rondo_drain_get_cursor_ns(d, 0), ==, G_GUINT64_CONSTANT(1700000037000000000));
    RondoSeries *s;
    guint64 t;
    double v;
    g_assert_true(rondo_drain_next(d, &s, &t, &v));
    g_assert_cmpuint(t, >=, G_GUINT64_CONSTANT(1700000037000000000));

    /* A v1 store's series have no cells, a v2 store's are in the old
     * order: recording is refused all the same. */
    g_assert_cmpint(rondo_series_record(s, 1.0, rondo_store_get_head_ns(store, 0, 0)), ==,
                    RONDO_RECORD_READ_ONLY);
    g_autoptr(RondoStore) w = rondo_store_open(path, RONDO_OPEN_WRITE, &error);
    g_assert_null(w);
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_VERSION);
    g_autofree char *want = g_strdup_printf("rondo upgrade %s", path);
    g_assert_nonnull(strstr(error->message, want));
}

/* The writer that starts on its store every time upgrades it: open_or_create. */
static void
test_open_or_create(gconstpointer data)
{
    g_autoptr(TestDir) tmp = test_tmp_dir();
    g_autofree char *path = fixture_copy(tmp, fixture_version(data));
    g_autofree char *before = test_store_points(path);
    g_autoptr(GError) error = NULL;
    g_autoptr(RondoSchema) unused = rondo_schema_new("unused", 4, NULL);
    RondoSchema *schemas[] = {unused};
    g_autoptr(RondoStore) w = rondo_store_open_or_create(path, schemas, 1, &error);
    g_assert_no_error(error);
    g_assert_nonnull(w);
    g_assert_true(rondo_store_is_writable(w));
    g_assert_cmpuint(rondo_store_get_format_version(w), ==, RONDO_FORMAT_VERSION);
    g_assert_cmpuint(rondo_store_get_n_series(w), ==, 3);
    g_clear_pointer(&w, rondo_store_close);
    g_autofree char *after = test_store_points(path);
    g_assert_cmpstr(after, ==, before);
}

static void
upgrade_check_exact(const char *fixture, const char *path, const char *points_before)
{
    g_autofree char *after = test_store_points(path);
    g_assert_cmpstr(after, ==, points_before);
    store_compare_bytes(fixture, path);
    g_autofree char *staging = g_build_filename(path, ".upgrade", NULL);
    g_autofree char *done = g_build_filename(path, ".upgrade-done", NULL);
    g_assert_false(g_file_test(staging, G_FILE_TEST_EXISTS));
    g_assert_false(g_file_test(done, G_FILE_TEST_EXISTS));
}

/* Upgraded bit for bit; a second upgrade changes nothing; a writer then works. */
static void
test_exact(gconstpointer data)
{
    guint version = fixture_version(data);
    g_autoptr(TestDir) tmp = test_tmp_dir();
    g_autofree char *path = fixture_copy(tmp, version);
    g_autofree char *orig_tmp = g_build_filename(tmp, "orig", NULL);
    g_autofree char *orig = fixture_copy(orig_tmp, version);
    g_autofree char *before = test_store_points(path);
    g_autoptr(GError) error = NULL;
    guint from = 0;
    g_assert_true(rondo_store_upgrade(path, &from, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(from, ==, version);
    upgrade_check_exact(orig, path, before);
    g_assert_true(rondo_store_upgrade(path, &from, &error));
    g_assert_cmpuint(from, ==, RONDO_FORMAT_VERSION);
    upgrade_check_exact(orig, path, before);

    g_autoptr(RondoStore) w = rondo_store_open(path, RONDO_OPEN_WRITE, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(rondo_store_get_format_version(w), ==, RONDO_FORMAT_VERSION);
    g_assert_cmpuint(rondo_store_check(w, 0, NULL, NULL), ==, 0);
    RondoSeries *s = rondo_store_get_series(w, 0);
    guint64 head = rondo_store_get_head_ns(w, 0, 0);
    g_assert_cmpint(rondo_series_record(s, 99.5, head + RONDO_NS_PER_S), ==, RONDO_RECORD_OK);
    g_assert_cmpint(rondo_series_record(s, 98.5, head - 3 * RONDO_NS_PER_S), ==, RONDO_RECORD_OK);
    double sum = 0;
    g_assert_cmpuint(test_count_points(w, s, 0, RONDO_CF_LAST, head - 3 * RONDO_NS_PER_S,
                                       head + RONDO_NS_PER_S, &sum),
                     ==, 3);
    g_assert_cmpfloat(sum, ==, 99.5 + 98.5 + 7.0);
}

/* ------------------------------------------------------------- faults */

/* After a failed upgrade the store opens and reads every point as before:
 * the old files, or after the commit point the new ones, from
 * .upgrade-done/ and the store directory. */
static void
interrupted_check_readers(const char *path, const char *before)
{
    g_autofree char *now = test_store_points(path);
    g_assert_cmpstr(now, ==, before);
}

/* An upgrade failing at the k-th rename or allocation, for every k, then run again. */
static void
test_interrupted(gconstpointer data)
{
    guint version = fixture_version(data);
    g_autoptr(TestDir) tmp = test_tmp_dir();
    g_autofree char *orig_tmp = g_build_filename(tmp, "orig", NULL);
    g_autofree char *orig = fixture_copy(orig_tmp, version);
    g_autofree char *before = test_store_points(orig);
    for (guint k = 1; k <= 20; k++) {
        for (guint kind = 0; kind < 2; kind++) {
            g_autofree char *sub = g_strdup_printf("%s/run-%u-%u", tmp, k, kind);
            g_autofree char *path = fixture_copy(sub, version);
            g_autoptr(GError) error = NULL;
            test_faults_arm(kind, k);
            gboolean ok = rondo_store_upgrade(path, NULL, &error);
            test_faults_disarm();
            if (!ok)
                interrupted_check_readers(path, before);
            g_clear_error(&error);
            g_assert_true(rondo_store_upgrade(path, NULL, &error));
            g_assert_no_error(error);
            upgrade_check_exact(orig, path, before);
        }
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (guint v = 1; v < RONDO_FORMAT_VERSION; v++) {
        static const struct {
            const char *name;
            GTestDataFunc func;
        } tests[] = {{"reads", test_reads},
                     {"exact", test_exact},
                     {"open-or-create", test_open_or_create},
                     {"interrupted", test_interrupted}};
        for (guint i = 0; i < G_N_ELEMENTS(tests); i++) {
            g_autofree char *name = g_strdup_printf("/upgrade/v%u/%s", v, tests[i].name);
            g_test_add_data_func(name, GUINT_TO_POINTER(v), tests[i].func);
        }
    }
    return g_test_run();
}
