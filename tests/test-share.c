/* test-share.c - what lets two users share a store: file modes, the hand-over
 * between an adopter and a returning writer, open-or-create, and drain cursors
 * kept outside the store (the rules are in lib/file.h and rondo.h). */
#include "config.h"
#include <glib/gstdio.h>
#include <sys/stat.h>
#include "testutil.h"

static guint
mode_of(const char *dir, const char *file)
{
    g_autofree char *path = g_build_filename(dir, file, NULL);
    struct stat st;
    g_assert_cmpint(stat(path, &st), ==, 0);
    return st.st_mode & 07777;
}

/* Without a shared directory the umask decides; in one, the group may write. */
static void
test_modes(void)
{
    mode_t old = umask(022);
    g_autoptr(TestDir) plain = test_tmp_dir();
    RondoStore *store = test_store_new_preset(plain, 2);
    rondo_store_close(store);
    g_assert_cmpuint(mode_of(plain, "meta.json"), ==, 0644);
    g_assert_cmpuint(mode_of(plain, "vmm.0.slab"), ==, 0644);
    g_assert_cmpuint(mode_of(plain, "lock"), ==, 0644);

    g_autoptr(TestDir) parent = test_tmp_dir();
    g_assert_cmpint(g_mkdir(parent, 0755), ==, 0);
    g_assert_cmpint(chmod(parent, 02775), ==, 0);
    g_autofree char *shared = g_build_filename(parent, "vm1", NULL);
    store = test_store_new_preset(shared, 2);
    test_series(store, "x", 0); /* rewrites series.json */
    rondo_store_close(store);
    g_assert_cmpuint(mode_of(parent, "vm1"), ==, 02775);
    for (const char *const *f = (const char *const[]){"meta.json", "series.json", "vmm.0.slab",
                                                      "vmm.2.slab", "lock", NULL};
         *f; f++)
        g_assert_cmpuint(mode_of(shared, *f), ==, 0664);
    umask(old);
}

typedef struct {
    RondoStore *adopted;
    gboolean handed_over;
} Adopter;

/* rondod's tick in miniature: close the store when a writer asks for it. */
static gpointer
adopter_tick(gpointer data)
{
    Adopter *a = data;
    for (guint i = 0; i < 200 && !a->handed_over; i++) {
        g_usleep(50 * 1000);
        if (rondo_store_handover_requested(a->adopted)) {
            g_clear_pointer(&a->adopted, rondo_store_close);
            a->handed_over = TRUE;
        }
    }
    return NULL;
}

static void
test_handover(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(TestDir) dir = test_tmp_dir();
    rondo_store_close(test_store_new_preset(dir, 2));

    Adopter a = {rondo_store_open(dir, RONDO_OPEN_WRITE | RONDO_OPEN_ADOPT, &error), FALSE};
    g_assert_no_error(error);
    g_assert_false(rondo_store_handover_requested(a.adopted));
    /* Another adopter is refused at once: only writers ask for a hand-over. */
    g_assert_null(rondo_store_open(dir, RONDO_OPEN_WRITE | RONDO_OPEN_ADOPT, &error));
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_LOCKED);
    g_clear_error(&error);

    GThread *t = g_thread_new("adopter", adopter_tick, &a);
    RondoStore *writer = rondo_store_open(dir, RONDO_OPEN_WRITE, &error);
    g_assert_no_error(error);
    g_thread_join(t);
    g_assert_true(a.handed_over);
    g_assert_true(rondo_store_is_writable(writer));
    g_assert_false(rondo_store_handover_requested(writer)); /* the request is gone */
    g_autofree char *req = g_build_filename(dir, "handover", NULL);
    g_assert_false(g_file_test(req, G_FILE_TEST_EXISTS));

    /* A writer that holds the store is not asked: LOCKED at once. */
    gint64 t0 = g_get_monotonic_time();
    g_assert_null(rondo_store_open(dir, RONDO_OPEN_WRITE, &error));
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_LOCKED);
    g_assert_cmpint(g_get_monotonic_time() - t0, <, 5 * G_USEC_PER_SEC);
    rondo_store_close(writer);
}

static void
test_open_or_create(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(TestDir) dir = test_tmp_dir();
    g_autofree char *path = g_build_filename(dir, "a", "b", NULL);
    g_autoptr(RondoSchema) schema = rondo_schema_new_vmm_preset("vmm", 4, NULL);
    RondoStore *store = rondo_store_open_or_create(path, &schema, 1, &error);
    g_assert_no_error(error);
    test_series(store, "x", 1);
    rondo_store_close(store);
    store = rondo_store_open_or_create(path, &schema, 1, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(rondo_store_get_n_series(store), ==, 1);
    rondo_store_close(store);
}

static void
test_cursor_dir(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(TestDir) dir = test_tmp_dir();
    g_autoptr(TestDir) cursors = test_tmp_dir();
    g_assert_cmpint(g_mkdir(cursors, 0700), ==, 0);
    RondoStore *store = test_store_new_preset(dir, 2);
    RondoSeries *s = test_series(store, "x", 0);
    for (guint i = 0; i < 5; i++)
        rondo_series_record(s, i, TEST_T0 + i * RONDO_NS_PER_S);
    rondo_store_close(store);

    store = rondo_store_open(dir, RONDO_OPEN_READ_ONLY, &error);
    g_assert_no_error(error);
    RondoDrain *d = rondo_drain_new_at(store, cursors, "exp", 0, &error);
    g_assert_no_error(error);
    g_assert_true(rondo_drain_get_store(d) == store);
    g_assert_cmpuint(rondo_drain_get_tier(d), ==, 0);
    RondoSeries *got;
    guint64 t;
    double v;
    guint n = 0;
    while (rondo_drain_next(d, &got, &t, &v))
        n++;
    g_assert_cmpuint(n, ==, 5); /* the writer is gone: the head's slot too */
    g_assert_true(rondo_drain_commit(d, &error));
    rondo_drain_free(d);
    g_autofree char *in_cursors = g_build_filename(cursors, "drain-exp.0.json", NULL);
    g_autofree char *in_store = g_build_filename(dir, "drain-exp.0.json", NULL);
    g_assert_true(g_file_test(in_cursors, G_FILE_TEST_IS_REGULAR));
    g_assert_false(g_file_test(in_store, G_FILE_TEST_EXISTS));

    d = rondo_drain_new_at(store, cursors, "exp", 0, &error);
    g_assert_no_error(error);
    g_assert_false(rondo_drain_next(d, &got, &t, &v)); /* the cursor held */
    rondo_drain_free(d);
    rondo_store_close(store);
    test_rm_rf(cursors);
}

typedef struct {
    RondoStore *reader;
    gint stop;
    guint checks;
} Readers;

/* What a query thread does while the main loop refreshes: every published
 * series is whole and can be found by its key. */
static gpointer
reader_loop(gpointer data)
{
    Readers *r = data;
    guint checks = 0;
    while (!g_atomic_int_get(&r->stop)) {
        guint n = rondo_store_get_n_series(r->reader);
        for (guint i = 0; i < n; i++) {
            RondoSeries *s = rondo_store_get_series(r->reader, i);
            g_assert_nonnull(s);
            g_assert_cmpuint(rondo_series_get_id(s), ==, i);
            const char *const *labels = rondo_series_get_labels(s);
            g_assert_true(rondo_store_lookup(r->reader, rondo_series_get_name(s), labels) == s);
            checks++;
        }
    }
    g_atomic_int_add(&r->checks, checks);
    return NULL;
}

/* rondo_store_refresh() beside readers in other threads (rondod's case). */
static void
test_refresh_while_reading(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(TestDir) dir = test_tmp_dir();
    RondoStore *writer = test_store_new_preset(dir, 64);
    test_series(writer, "x", 0);
    Readers r = {rondo_store_open(dir, RONDO_OPEN_READ_ONLY, &error), 0, 0};
    g_assert_no_error(error);
    GThread *t[2] = {g_thread_new("r0", reader_loop, &r), g_thread_new("r1", reader_loop, &r)};
    for (guint i = 1; i < 64; i++) {
        test_series(writer, "x", i);
        g_assert_true(rondo_store_refresh(r.reader, &error));
        g_assert_no_error(error);
        g_assert_cmpuint(rondo_store_get_n_series(r.reader), ==, i + 1);
    }
    g_atomic_int_set(&r.stop, 1);
    g_thread_join(t[0]);
    g_thread_join(t[1]);
    g_assert_cmpuint(r.checks, >, 0);
    g_test_message("%u series checked by the readers", r.checks);
    rondo_store_close(r.reader);
    rondo_store_close(writer);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/share/modes", test_modes);
    g_test_add_func("/share/handover", test_handover);
    g_test_add_func("/share/open-or-create", test_open_or_create);
    g_test_add_func("/share/cursor-dir", test_cursor_dir);
    g_test_add_func("/share/refresh-while-reading", test_refresh_while_reading);
    return g_test_run();
}
