/* test-resize.c - rondo_store_resize(): a store's schemas grown in place.
 *
 * A store of two schemas is written with wrapped rings (so that ring slots
 * hold values older than the window), consolidated and drained; then one
 * schema gets more series, more slots, a new tier and a new function.
 * Every point a reader saw before it sees after, bit for bit, and no more
 * (an expired value must not come back in the longer window); series.json
 * (with keys this library does not know), the drain cursors and the other
 * schema's slabs are the same bytes. A full schema takes new series after.
 * A rename or an allocation failing at each call the resize makes stands
 * for a crash there: the store then opens and reads as before (the old
 * files, or the new ones half swapped in), and the next call finishes it. This program links
 * the library's objects to reach lib/file.c's table.
 */
#include "config.h"
#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include "fault-ops.h"
#include "testutil.h"

#define AVG_MAX (RONDO_CF_BIT(RONDO_CF_AVERAGE) | RONDO_CF_BIT(RONDO_CF_MAX))
#define CF_MIN  RONDO_CF_BIT(RONDO_CF_MIN)

/* The "vm" schema, grown or not; "rest" takes every other series. */
static RondoSchema *
schema_vm(gboolean grown)
{
    g_autoptr(RondoSchema) s = rondo_schema_new("vm", grown ? 4 : 2, NULL);
    g_assert_true(rondo_schema_add_matcher(s, "__name__", RONDO_MATCH_REGEX, "vm_.*", NULL));
    g_assert_true(rondo_schema_add_tier(s, RONDO_NS_PER_S, grown ? 20 : 8, 0, NULL));
    g_assert_true(rondo_schema_add_tier(s, 4 * RONDO_NS_PER_S, grown ? 10 : 6,
                                        AVG_MAX | (grown ? CF_MIN : 0), NULL));
    g_assert_true(rondo_schema_add_tier(
        s, 8 * RONDO_NS_PER_S, 4, RONDO_CF_BIT(RONDO_CF_AVERAGE) | (grown ? CF_MIN : 0), NULL));
    if (grown)
        g_assert_true(
            rondo_schema_add_tier(s, 16 * RONDO_NS_PER_S, 5, RONDO_CF_BIT(RONDO_CF_AVERAGE), NULL));
    return g_steal_pointer(&s);
}

static RondoSchema *
schema_rest(void)
{
    g_autoptr(RondoSchema) s = rondo_schema_new("rest", 2, NULL);
    g_assert_true(rondo_schema_add_tier(s, RONDO_NS_PER_S, 4, 0, NULL));
    g_assert_true(
        rondo_schema_add_tier(s, 2 * RONDO_NS_PER_S, 4, RONDO_CF_BIT(RONDO_CF_LAST), NULL));
    return g_steal_pointer(&s);
}

/* The two schemas, "vm" grown or not: free with g_ptr_array_unref(). */
static GPtrArray *
schemas_new(gboolean grown)
{
    GPtrArray *a = g_ptr_array_new_with_free_func((GDestroyNotify)rondo_schema_free);
    g_ptr_array_add(a, schema_vm(grown));
    g_ptr_array_add(a, schema_rest());
    return a;
}

/* Seconds 0..7 then 12..14 (tier 0 of "vm" wraps, leaving expired values in
 * its ring), odd bit patterns among the values, a drain committed. */
static void
store_fill(const char *path)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) schemas = schemas_new(FALSE);
    g_autoptr(RondoStore) w =
        rondo_store_create(path, (RondoSchema *const *)schemas->pdata, schemas->len, &error);
    g_assert_no_error(error);
    RondoSeries *a = test_series(w, "vm_a", 0), *b = test_series(w, "vm_b", 0);
    RondoSeries *x = test_series(w, "x", 0);
    const guint secs[] = {0, 1, 2, 3, 4, 5, 6, 7, 12, 13, 14};
    for (guint i = 0; i < G_N_ELEMENTS(secs); i++) {
        guint64 t = TEST_T0 + secs[i] * RONDO_NS_PER_S;
        g_assert_cmpint(rondo_series_record(a, secs[i] == 3 ? -0.0 : secs[i] * 1.5, t), ==,
                        RONDO_RECORD_OK);
        g_assert_cmpint(rondo_series_record(b, secs[i] == 4 ? 4.9e-324 : -(double)secs[i], t), ==,
                        RONDO_RECORD_OK);
        g_assert_cmpint(rondo_series_record(x, secs[i], t), ==, RONDO_RECORD_OK);
        g_assert_true(rondo_store_consolidate(w, t, NULL, &error));
    }
    g_autoptr(RondoDrain) d = rondo_drain_new(w, "fixture", 0, &error);
    g_assert_no_error(error);
    RondoSeries *s;
    guint64 t;
    double v;
    while (rondo_drain_next(d, &s, &t, &v))
        ;
    g_assert_true(rondo_drain_commit(d, &error));
    const char *labels[] = {"id", "0", NULL};
    g_assert_null(rondo_store_register(w, "vm_c", labels, &error));
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_FULL);
}

/* series.json with a key per entry this library does not know (another
 * version's): a resize must keep it. */
static void
index_add_unknown_keys(const char *path)
{
    g_autofree char *file = g_build_filename(path, "series.json", NULL);
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(file, &text, NULL, NULL));
    g_autoptr(GRegex) re = g_regex_new("\"name\"", 0, 0, NULL);
    g_autofree char *more =
        g_regex_replace_literal(re, text, -1, 0, "\"unit\" : \"seconds\", \"name\"", 0, NULL);
    g_assert_true(g_file_set_contents(file, more, -1, NULL));
}

static char *
file_read(const char *dir, const char *name)
{
    g_autofree char *p = g_build_filename(dir, name, NULL);
    char *data = NULL;
    g_assert_true(g_file_get_contents(p, &data, NULL, NULL));
    return data;
}

/* The files a resize of "vm" must not touch, concatenated. */
static GString *
untouched_files(const char *path)
{
    const char *names[] = {"series.json", "drain-fixture.0.json", "rest.0.slab", "rest.1.slab"};
    GString *all = g_string_new(NULL);
    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autofree char *p = g_build_filename(path, names[i], NULL);
        g_autofree char *data = NULL;
        gsize n;
        g_assert_true(g_file_get_contents(p, &data, &n, NULL));
        g_string_append_len(all, data, (gssize)n);
    }
    return all;
}

static gboolean
resize_to(const char *path, gboolean grown, GError **error)
{
    g_autoptr(GPtrArray) schemas = schemas_new(grown);
    return rondo_store_resize(path, (RondoSchema *const *)schemas->pdata, schemas->len, NULL,
                              error);
}

/* Every point as before, bit for bit, no more; the other files the same
 * bytes; then the full schema takes two more series, and a new tier fills. */
static void
test_exact(void)
{
    g_autoptr(TestDir) path = test_tmp_dir();
    g_autoptr(GError) error = NULL;
    store_fill(path);
    index_add_unknown_keys(path);
    g_autofree char *before = test_store_points(path);
    g_autoptr(GString) files = untouched_files(path);
    gboolean changed = FALSE;
    g_autoptr(RondoStore) reader = rondo_store_open(path, RONDO_OPEN_READ_ONLY, &error);
    g_assert_no_error(error);
    g_autoptr(GPtrArray) schemas = schemas_new(TRUE);
    g_assert_true(rondo_store_resize(path, (RondoSchema *const *)schemas->pdata, schemas->len,
                                     &changed, &error));
    g_assert_no_error(error);
    g_assert_true(changed);
    g_autofree char *after = test_store_points(path);
    g_assert_cmpstr(after, ==, before);
    g_autoptr(GString) files_after = untouched_files(path);
    g_assert_true(g_string_equal(files, files_after));
    /* A reader opened before keeps the old files, and is told to reopen. */
    g_assert_cmpuint(rondo_schema_get_series_max(rondo_store_get_schema(reader, 0)), ==, 2);
    g_assert_false(rondo_store_refresh(reader, &error));
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_VERSION);
    g_assert_nonnull(strstr(error->message, "open the store again"));
    g_clear_error(&error);
    g_clear_pointer(&reader, rondo_store_close);
    g_assert_true(rondo_store_resize(path, (RondoSchema *const *)schemas->pdata, schemas->len,
                                     &changed, &error));
    g_assert_false(changed);

    g_autoptr(RondoStore) w = rondo_store_open(path, RONDO_OPEN_WRITE, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(rondo_schema_get_series_max(rondo_store_get_schema(w, 0)), ==, 4);
    g_assert_cmpuint(rondo_store_check(w, 0, NULL, NULL), ==, 0);
    RondoSeries *c = test_series(w, "vm_c", 0), *d = test_series(w, "vm_d", 0);
    guint64 head = rondo_store_get_head_ns(w, 0, 0);
    g_assert_cmpint(rondo_series_record(c, 1.0, head), ==, RONDO_RECORD_OK);
    g_assert_cmpint(rondo_series_record(d, 2.0, head - RONDO_NS_PER_S), ==, RONDO_RECORD_OK);
    g_clear_pointer(&w, rondo_store_close);
    g_autofree char *more = test_store_points(path);
    g_assert_true(g_str_has_prefix(more, before));
    g_assert_cmpuint(strlen(more), >, strlen(before));

    w = rondo_store_open(path, RONDO_OPEN_WRITE, &error);
    g_assert_true(rondo_store_consolidate(w, head + 40 * RONDO_NS_PER_S, NULL, &error));
    g_assert_cmpuint(test_count_points(w, rondo_store_get_series(w, 0), 3, RONDO_CF_AVERAGE, 0,
                                       G_MAXUINT64, NULL),
                     >, 0);
}

/* Shrinking, changing or removing anything is refused, naming it; the store
 * is left as it was. A writer holding the store refuses the resize. */
static void
test_refused(void)
{
    g_autoptr(TestDir) path = test_tmp_dir();
    g_autoptr(GError) error = NULL;
    store_fill(path);
    g_autofree char *before = test_store_points(path);
    g_autofree char *meta = file_read(path, "meta.json");
    struct {
        RondoSchema *vm;
        const char *says;
    } cases[] = {
        {rondo_schema_new("vm", 1, NULL), "series_max 1 is smaller than its 2"},
        {rondo_schema_new("vm", 2, NULL), "cannot change the matchers"},
        {rondo_schema_new("vm", 2, NULL), "fewer than its 8"},
        {rondo_schema_new("vm", 2, NULL), "interval cannot change"},
        {rondo_schema_new("vm", 2, NULL), "cannot remove a consolidation function"},
        {rondo_schema_new("vm", 2, NULL), "cannot remove tiers"},
        {rondo_schema_new("vx", 2, NULL), "cannot add, remove, rename"},
    };
    guint64 s = RONDO_NS_PER_S;
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        if (i != 1)
            rondo_schema_add_matcher(cases[i].vm, "__name__", RONDO_MATCH_REGEX, "vm_.*", NULL);
        rondo_schema_add_tier(cases[i].vm, i == 3 ? 2 * s : s, i == 2 ? 7 : 8, 0, NULL);
        rondo_schema_add_tier(cases[i].vm, 4 * s, 6,
                              i == 4 ? RONDO_CF_BIT(RONDO_CF_AVERAGE) : AVG_MAX, NULL);
        if (i != 5)
            rondo_schema_add_tier(cases[i].vm, 8 * s, 4, RONDO_CF_BIT(RONDO_CF_AVERAGE), NULL);
    }
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(RondoSchema) rest = schema_rest();
        RondoSchema *schemas[] = {cases[i].vm, rest};
        g_assert_false(rondo_store_resize(path, schemas, 2, NULL, &error));
        g_assert_error(error, RONDO_ERROR, RONDO_ERROR_INVALID);
        g_assert_nonnull(strstr(error->message, cases[i].says));
        g_clear_error(&error);
        g_assert_false(rondo_store_resize(path, schemas, 1, NULL, &error));
        g_assert_error(error, RONDO_ERROR, RONDO_ERROR_INVALID);
        g_clear_error(&error);
        rondo_schema_free(cases[i].vm);
    }
    g_autoptr(RondoStore) w = rondo_store_open(path, RONDO_OPEN_WRITE, &error);
    g_assert_no_error(error);
    g_assert_false(resize_to(path, TRUE, &error));
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_LOCKED);
    g_clear_pointer(&w, rondo_store_close);
    g_autofree char *meta_after = file_read(path, "meta.json");
    g_assert_cmpstr(meta_after, ==, meta);
    g_autofree char *after = test_store_points(path);
    g_assert_cmpstr(after, ==, before);
}

/* ------------------------------------------------------------- faults */

/* After a failed resize the store opens, for reading and for writing, and
 * reads every point as before: the old files, or (after the commit point)
 * the new ones, from .resize-done/ and the store directory. */
static void
interrupted_check_readers(const char *path, const char *before, guint *ret_pending)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *done = g_build_filename(path, ".resize-done", NULL);
    *ret_pending += g_file_test(done, G_FILE_TEST_IS_DIR);
    g_autofree char *now = test_store_points(path);
    g_assert_cmpstr(now, ==, before);
    g_autoptr(RondoStore) w = rondo_store_open(path, RONDO_OPEN_WRITE, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(rondo_store_check(w, 0, NULL, NULL), ==, 0);
}

/* A resize failing at the k-th rename or allocation, for every k, then
 * finished (no schemas), then run again: the points never change. */
static void
test_interrupted(void)
{
    g_autoptr(TestDir) tmp = test_tmp_dir();
    guint failures = 0, pending = 0;
    for (guint k = 1; k <= 12; k++) {
        for (guint kind = 0; kind < 2; kind++) {
            g_autofree char *path = g_strdup_printf("%s-%u-%u", tmp, k, kind);
            g_autoptr(GError) error = NULL;
            store_fill(path);
            g_autofree char *before = test_store_points(path);
            test_faults_arm(kind, k);
            gboolean ok = resize_to(path, TRUE, &error);
            test_faults_disarm();
            failures += !ok;
            if (!ok)
                interrupted_check_readers(path, before, &pending);
            g_clear_error(&error);
            g_assert_true(rondo_store_resize(path, NULL, 0, NULL, &error));
            g_assert_no_error(error);
            g_autofree char *finished = test_store_points(path);
            g_assert_cmpstr(finished, ==, before);
            g_assert_true(resize_to(path, TRUE, &error));
            g_autofree char *after = test_store_points(path);
            g_assert_cmpstr(after, ==, before);
            g_autofree char *meta = file_read(path, "meta.json");
            g_assert_nonnull(strstr(meta, "\"series_max\" : 4"));
            test_rm_rf(path);
        }
    }
    g_assert_cmpuint(failures, >=, 10); /* the faults did hit the resize */
    g_assert_cmpuint(pending, >=, 3);   /* some after the commit point */
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/resize/exact", test_exact);
    g_test_add_func("/resize/refused", test_refused);
    g_test_add_func("/resize/interrupted", test_interrupted);
    return g_test_run();
}
