/* test-slab-watch.c - rondod's inotify watch over its stores' slab files
 * (src/slab-watch.c): which stores a query must check before it reads them.
 *
 * The bug these cases look for is a store said to be unchanged when one of
 * its slabs was truncated or replaced: rondod would then read a map past a
 * file's end and die of SIGBUS. Saying "check it" too often only costs an
 * fstat. Each case works on real files in a temporary directory, with the
 * kernel's own events; /slab-watch/dropped makes the kernel drop a watch
 * (its file freed), the way an unmount does, without needing one.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "slab-watch.h"
#include "testutil.h"

#define SLAB "vmm.0.slab" /* the preset schema's first tier */

typedef struct {
    char *dir;
    RondoStore *store;
    SlabWatch *watch;
    SlabWatchMark mark;
} Fixture;

static void
fixture_set_up(Fixture *f, gconstpointer data)
{
    f->dir = test_tmp_dir();
    f->store = test_store_new_preset(f->dir, 8);
    g_assert_nonnull(f->store);
    f->watch = slab_watch_new();
    memset(&f->mark, 0, sizeof f->mark);
    slab_watch_add(f->watch, &f->mark, f->store);
    g_assert_true(f->mark.watched);
}

static void
fixture_tear_down(Fixture *f, gconstpointer data)
{
    slab_watch_remove(f->watch, &f->mark);
    slab_watch_free(f->watch);
    rondo_store_close(f->store);
    test_tmp_free(f->dir);
}

static char *
slab_path(const Fixture *f)
{
    char *path = g_build_filename(f->dir, SLAB, NULL);
    g_assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
    return path;
}

/* A new mark is changed until its first check; after that, only events change it. */
static void
test_quiet(Fixture *f, gconstpointer data)
{
    g_assert_true(slab_watch_must_check(&f->mark));
    slab_watch_checked(&f->mark);
    slab_watch_poll(f->watch);
    g_assert_false(slab_watch_must_check(&f->mark));
    /* the writer's own records go through its map: no event */
    RondoSeries *s = test_series(f->store, "vcpu_exits_total", 0);
    g_assert_nonnull(s);
    rondo_series_record(s, 1.0, TEST_T0);
    slab_watch_poll(f->watch);
    g_assert_false(slab_watch_must_check(&f->mark));
}

/* A slab's size changed by someone else: the next poll says check it, once. */
static void
test_resized(Fixture *f, gconstpointer data)
{
    slab_watch_checked(&f->mark);
    g_autofree char *path = slab_path(f);
    GStatBuf st;
    g_assert_cmpint(g_stat(path, &st), ==, 0);
    g_assert_cmpint(truncate(path, st.st_size + 4096), ==, 0);
    slab_watch_poll(f->watch);
    g_assert_true(slab_watch_must_check(&f->mark));
    g_assert_cmpint(truncate(path, st.st_size), ==, 0); /* back, before the store is closed */
    slab_watch_poll(f->watch);
    slab_watch_checked(&f->mark);
    g_assert_false(slab_watch_must_check(&f->mark));
}

/* The kernel drops a watch whose file is gone for good (as on an unmount):
 * that store is no longer watched, so it is checked before every query. */
static void
test_dropped(Fixture *f, gconstpointer data)
{
    slab_watch_checked(&f->mark);
    g_autofree char *path = slab_path(f);
    /* the store's own map and descriptor would keep the file alive */
    g_clear_pointer(&f->store, rondo_store_close);
    g_assert_cmpint(g_unlink(path), ==, 0);
    /* The kernel drops the watch, and queues its IN_IGNORED, when it frees
     * the file, which is not always done by the time unlink() returns
     * (seen under valgrind): wait for it a while. */
    gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
    for (;;) {
        slab_watch_poll(f->watch);
        if (!f->mark.watched || g_get_monotonic_time() > deadline)
            break;
        g_usleep(10000);
    }
    g_assert_true(slab_watch_must_check(&f->mark));
    g_assert_false(f->mark.watched);
    slab_watch_checked(&f->mark);
    g_assert_true(slab_watch_must_check(&f->mark)); /* every time from now on */
}

/* Removing a mark's watches (its store closed by the registry) leaves it to be checked. */
static void
test_removed(Fixture *f, gconstpointer data)
{
    slab_watch_checked(&f->mark);
    slab_watch_remove(f->watch, &f->mark);
    g_assert_true(slab_watch_must_check(&f->mark));
    /* events of the removed watches (their IN_IGNORED) find no mark */
    slab_watch_poll(f->watch);
    g_assert_true(slab_watch_must_check(&f->mark));
}

/* One file in two stores (a hard link): one inotify watch for both, which
 * either store's removal would take from the other; both are checked
 * every time instead. */
static void
test_hard_link(Fixture *f, gconstpointer data)
{
    g_autoptr(TestDir) dir2 = test_tmp_dir();
    g_autoptr(RondoStore) store2 = test_store_new_preset(dir2, 8);
    g_assert_nonnull(store2);
    g_autofree char *path = slab_path(f);
    g_autofree char *path2 = g_build_filename(dir2, SLAB, NULL);
    g_clear_pointer(&store2, rondo_store_close);
    g_assert_cmpint(g_unlink(path2), ==, 0);
    g_assert_cmpint(link(path, path2), ==, 0);
    g_autoptr(GError) error = NULL;
    store2 = rondo_store_open(dir2, RONDO_OPEN_READ_ONLY, &error);
    g_assert_no_error(error);
    SlabWatchMark mark2 = {0};
    slab_watch_add(f->watch, &mark2, store2);
    g_assert_false(mark2.watched);
    g_assert_false(f->mark.watched);
    slab_watch_checked(&mark2);
    slab_watch_checked(&f->mark);
    g_assert_true(slab_watch_must_check(&mark2));
    g_assert_true(slab_watch_must_check(&f->mark));
    slab_watch_remove(f->watch, &mark2);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add("/slab-watch/quiet", Fixture, NULL, fixture_set_up, test_quiet, fixture_tear_down);
    g_test_add("/slab-watch/resized", Fixture, NULL, fixture_set_up, test_resized,
               fixture_tear_down);
    g_test_add("/slab-watch/dropped", Fixture, NULL, fixture_set_up, test_dropped,
               fixture_tear_down);
    g_test_add("/slab-watch/removed", Fixture, NULL, fixture_set_up, test_removed,
               fixture_tear_down);
    g_test_add("/slab-watch/hard-link", Fixture, NULL, fixture_set_up, test_hard_link,
               fixture_tear_down);
    return g_test_run();
}
