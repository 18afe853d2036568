/* test-hardening.c - files the outside world can damage: refused cleanly, never a crash.
 *
 * Each case plants what a user, another program or a full disk can leave
 * in a store (JSON nested 80 000 deep, a FIFO, a symbolic link, /dev/zero,
 * a slab truncated under a reader, a deleted lock file, a leftover
 * temporary file) and checks the outcome docs/reliability.md ("Files")
 * promises: a RondoError naming the file, returned promptly.
 *
 * /hardening/fault/... replace the system calls of lib/file.c (file.h's
 * table) to fail the k-th call of one kind, for every k the operation
 * makes: store creation, registration and cursor commits must fail with a
 * clean error and leave nothing half-made that opens as a store. This
 * program links the library's objects (lib/librondo-internal.la) to reach
 * that table, which librondo.so does not export.
 */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include "file.h"
#include "format.h"
#include "json-guard.h"
#include "testutil.h"

#define DEEP 80000

/* ------------------------------------------------------------ helpers */

static void
put_file(const char *dir, const char *file, const char *data, gsize len)
{
    g_autofree char *path = g_build_filename(dir, file, NULL);
    (void)g_unlink(path);
    g_assert_true(g_file_set_contents(path, data, (gssize)len, NULL));
}

/* Replaces dir/file by a symbolic link to @target. */
static void
put_link(const char *dir, const char *file, const char *target)
{
    g_autofree char *path = g_build_filename(dir, file, NULL);
    (void)g_unlink(path);
    g_assert_cmpint(symlink(target, path), ==, 0);
}

static void
put_fifo(const char *dir, const char *file)
{
    g_autofree char *path = g_build_filename(dir, file, NULL);
    (void)g_unlink(path);
    g_assert_cmpint(mkfifo(path, 0600), ==, 0);
}

static void
expect_open_error(const char *dir, RondoOpenFlags flags, RondoError code, const char *file,
                  const char *word)
{
    g_autoptr(GError) error = NULL;
    gint64 t0 = g_get_monotonic_time();
    g_autoptr(RondoStore) store = rondo_store_open(dir, flags, &error);
    g_assert_null(store);
    g_test_message("%s", error->message);
    g_assert_error(error, RONDO_ERROR, (gint)code);
    g_assert_nonnull(strstr(error->message, file));
    if (word != NULL)
        g_assert_nonnull(strstr(error->message, word));
    g_assert_cmpint(g_get_monotonic_time() - t0, <, 2 * G_USEC_PER_SEC);
}

static void
expect_both_opens_fail(const char *dir, RondoError code, const char *file, const char *word)
{
    expect_open_error(dir, RONDO_OPEN_READ_ONLY, code, file, word);
    expect_open_error(dir, RONDO_OPEN_WRITE, code, file, word);
}

/* A preset store with two series and a few points, closed. */
static void
store_make(const char *dir)
{
    RondoStore *store = test_store_new_preset(dir, 4);
    RondoSeries *a = test_series(store, "x", 0);
    RondoSeries *b = test_series(store, "x", 1);
    for (guint i = 0; i < 30; i++) {
        rondo_series_record(a, i, TEST_T0 + i * RONDO_NS_PER_S);
        rondo_series_record(b, i, TEST_T0 + i * RONDO_NS_PER_S);
    }
    rondo_store_close(store);
}

static gboolean
dir_has_tmp(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;
    while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
        if (strstr(name, ".tmp-") != NULL)
            return TRUE;
    }
    return FALSE;
}

/* --------------------------------------------------------------- JSON */

static void
test_depth_scan(void)
{
    const char *ok[] = {"{}", "[[[]]]", "{\"a\": \"[[[[[[\"}", "\"\\\"[[[[\"", "]]]]{"};
    for (guint i = 0; i < G_N_ELEMENTS(ok); i++)
        g_assert_true(rondo_json_depth_ok(ok[i], strlen(ok[i]), 3, NULL));
    gsize at = 0;
    g_assert_false(rondo_json_depth_ok("{\"a\": [[[1]]]}", 14, 3, &at));
    g_assert_cmpuint(at, ==, 8);
    g_assert_false(rondo_json_depth_ok("\"\\\\\"[[[[", 8, 3, &at)); /* "\\" ends the string */
    g_autofree char *deep = test_json_nested(DEEP);
    g_assert_false(rondo_json_depth_ok(deep, strlen(deep), RONDO_JSON_DEPTH_MAX, NULL));
    g_autofree char *fine = test_json_nested(RONDO_JSON_DEPTH_MAX - 1);
    g_assert_true(rondo_json_depth_ok(fine, strlen(fine), RONDO_JSON_DEPTH_MAX, NULL));
}

/* Opening the store, or for a drain-*.json the consumer's cursor, is refused
 * with RONDO_ERROR_CORRUPT naming @file and saying @word. */
static void
expect_refused(const char *dir, const char *file, const char *word)
{
    if (!g_str_has_prefix(file, "drain-")) {
        expect_both_opens_fail(dir, RONDO_ERROR_CORRUPT, file, word);
        return;
    }
    g_autoptr(GError) error = NULL;
    g_autoptr(RondoStore) store = rondo_store_open(dir, RONDO_OPEN_READ_ONLY, &error);
    g_assert_no_error(error);
    g_assert_null(rondo_drain_new(store, "exp", 0, &error));
    g_test_message("%s", error->message);
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT);
    g_assert_nonnull(strstr(error->message, file));
    g_assert_nonnull(strstr(error->message, word));
}

/* ~80 000 nested arrays overflowed json-glib's recursion (SIGSEGV). */
static void
test_deep_json(void)
{
    const char *json_files[] = {"meta.json", "series.json", "drain-exp.0.json"};
    for (guint i = 0; i < G_N_ELEMENTS(json_files); i++) {
        g_autoptr(TestDir) dir = test_tmp_dir();
        store_make(dir);
        /* A cursor file's size limit (64 KiB) would refuse 80 000 levels first. */
        g_autofree char *deep = test_json_nested(i == 2 ? 30000 : DEEP);
        put_file(dir, json_files[i], deep, strlen(deep));
        expect_refused(dir, json_files[i], "nested");
    }
}

/* /dev/zero behind series.json, and a regular file far larger than any index. */
static void
test_huge_index(void)
{
    g_autoptr(TestDir) dir = test_tmp_dir();
    store_make(dir);
    put_link(dir, "series.json", "/dev/zero");
    expect_both_opens_fail(dir, RONDO_ERROR_CORRUPT, "series.json", "regular");

    g_autofree char *path = g_build_filename(dir, "series.json", NULL);
    g_assert_cmpint(g_unlink(path), ==, 0);
    int fd = open(path, O_WRONLY | O_CREAT, 0644);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, (off_t)1 << 30), ==, 0); /* sparse: costs no disk */
    close(fd);
    expect_both_opens_fail(dir, RONDO_ERROR_CORRUPT, "series.json", "bytes");
    put_file(dir, "series.json", "", 0);
    fd = open(path, O_WRONLY);
    g_assert_cmpint(ftruncate(fd, (off_t)2 << 20), ==, 0);
    close(fd);
    g_autofree char *meta = g_build_filename(dir, "meta.json", NULL);
    g_assert_cmpint(truncate(meta, (off_t)2 << 20), ==, 0);
    expect_both_opens_fail(dir, RONDO_ERROR_CORRUPT, "meta.json", "bytes");
}

/* ------------------------------------------------- links, FIFOs, devices */

/* A FIFO in a file's place: refused at once instead of blocking for ever. */
static void
test_fifo(void)
{
    const char *files[] = {"series.json", "meta.json", "vmm.1.slab", "drain-exp.0.json"};
    for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
        g_autoptr(TestDir) dir = test_tmp_dir();
        store_make(dir);
        put_fifo(dir, files[i]);
        expect_refused(dir, files[i], "regular");
    }
    g_autoptr(TestDir) dir = test_tmp_dir();
    store_make(dir);
    put_fifo(dir, "lock");
    expect_open_error(dir, RONDO_OPEN_WRITE, RONDO_ERROR_CORRUPT, "lock", "regular");
}

/* A symbolic link named lock or a slab: nothing is written through it. */
static void
test_symlinks(void)
{
    g_autoptr(TestDir) dir = test_tmp_dir();
    g_autoptr(TestDir) other = test_tmp_dir();
    store_make(dir);
    store_make(other);
    g_autofree char *victim = g_build_filename(other, "meta.json", NULL);
    g_autofree char *before = NULL;
    g_assert_true(g_file_get_contents(victim, &before, NULL, NULL));

    put_link(dir, "lock", victim);
    expect_open_error(dir, RONDO_OPEN_WRITE, RONDO_ERROR_CORRUPT, "lock", "symbolic link");
    g_autofree char *after = NULL;
    g_assert_true(g_file_get_contents(victim, &after, NULL, NULL));
    g_assert_cmpstr(after, ==, before);

    g_autoptr(GError) error = NULL;
    g_autofree char *lock = g_build_filename(dir, "lock", NULL);
    g_assert_cmpint(g_unlink(lock), ==, 0);
    g_autofree char *theirs = g_build_filename(other, "vmm.0.slab", NULL);
    put_link(dir, "vmm.0.slab", theirs);
    expect_both_opens_fail(dir, RONDO_ERROR_CORRUPT, "vmm.0.slab", "symbolic link");
}

/* ------------------------------------------------------------- the lock */

/* Deleting the lock file lets no second writer in. */
static void
test_lock_unlinked(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(TestDir) dir = test_tmp_dir();
    store_make(dir);
    g_autoptr(RondoStore) first = rondo_store_open(dir, RONDO_OPEN_WRITE, &error);
    g_assert_no_error(error);
    g_autofree char *lock = g_build_filename(dir, "lock", NULL);
    g_assert_cmpint(g_unlink(lock), ==, 0);
    expect_open_error(dir, RONDO_OPEN_WRITE, RONDO_ERROR_LOCKED, dir, "another writer");
    expect_open_error(dir, RONDO_OPEN_WRITE | RONDO_OPEN_ADOPT, RONDO_ERROR_LOCKED, dir, NULL);
    test_series(first, "x", 2);
    g_autoptr(RondoStore) reader = rondo_store_open(dir, RONDO_OPEN_READ_ONLY, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(rondo_store_get_n_series(reader), ==, 3);
    g_clear_pointer(&first, rondo_store_close);
    g_autoptr(RondoStore) second = rondo_store_open(dir, RONDO_OPEN_WRITE, &error);
    g_assert_no_error(error);
    g_assert_cmpint(rondo_store_writer_pid(reader), ==, getpid());
}

/* Another process filled the slab directory entry the writer's next series
 * gets: the writer says so instead of aborting (the VMM lives on). */
static void
test_register_foreign_entry(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(TestDir) dir = test_tmp_dir();
    store_make(dir);
    g_autoptr(RondoStore) store = rondo_store_open(dir, RONDO_OPEN_WRITE, &error);
    g_assert_no_error(error);
    /* What a second writer would have done through its own mapping. */
    g_autofree char *slab = g_build_filename(dir, "vmm.1.slab", NULL);
    int fd = open(slab, O_RDWR);
    guint32 used = 1, id = 2;
    guint64 hash = 12345;
    g_assert_cmpint(pwrite(fd, &hash, 8, 128 + 2 * 32), ==, 8);
    g_assert_cmpint(pwrite(fd, &id, 4, 128 + 2 * 32 + 8), ==, 4);
    g_assert_cmpint(pwrite(fd, &used, 4, 128 + 2 * 32 + 12), ==, 4);
    close(fd);
    const char *labels[] = {"id", "2", NULL};
    g_assert_null(rondo_store_register(store, "x", labels, &error));
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT);
    g_assert_nonnull(strstr(error->message, "vmm.1.slab"));
    g_assert_cmpuint(rondo_store_get_n_series(store), ==, 2);
    g_assert_nonnull(rondo_store_lookup(store, "x", (const char *const[]){"id", "1", NULL}));
}

/* ------------------------------------------------- truncation under a map */

/* A store_make() store in @dir, opened by a reader and by a writer. */
static void
store_open_both(const char *dir, RondoStore **reader, RondoStore **writer)
{
    g_autoptr(GError) error = NULL;
    store_make(dir);
    *reader = rondo_store_open(dir, RONDO_OPEN_READ_ONLY, &error);
    g_assert_no_error(error);
    *writer = rondo_store_open(dir, RONDO_OPEN_WRITE, &error);
    g_assert_no_error(error);
}

static void
test_truncated_while_mapped(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(TestDir) dir = test_tmp_dir();
    g_autoptr(RondoStore) reader = NULL;
    g_autoptr(RondoStore) writer = NULL;
    store_open_both(dir, &reader, &writer);
    g_assert_true(rondo_store_check_files(reader, &error));
    g_autofree char *slab = g_build_filename(dir, "vmm.1.slab", NULL);
    g_assert_cmpint(truncate(slab, 4096), ==, 0);

    g_assert_false(rondo_store_check_files(reader, &error));
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT);
    g_assert_nonnull(strstr(error->message, "vmm.1.slab"));
    g_clear_error(&error);
    g_assert_false(rondo_store_refresh(reader, &error));
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT);
    g_clear_error(&error);
    g_assert_false(rondo_store_consolidate(writer, TEST_T0 + 600 * RONDO_NS_PER_S, NULL, &error));
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT);
}

/* The events a reader's one inotify instance holds: how many for @wds. */
static guint
watch_events(int inotify_fd, const GArray *wds)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    guint hits = 0;
    ssize_t n;
    while ((n = read(inotify_fd, buf, sizeof buf)) > 0) {
        for (ssize_t off = 0; off < n;) {
            const struct inotify_event *ev = (const struct inotify_event *)(buf + off);
            for (guint i = 0; i < wds->len; i++)
                hits += ev->wd == g_array_index(wds, int, i);
            off += (ssize_t)(sizeof *ev + ev->len);
        }
    }
    g_assert_cmpint(errno, ==, EAGAIN);
    return hits;
}

/* rondod skips rondo_store_check_files() while its watches saw nothing:
 * records through the maps must queue no event, a truncation or an
 * extension must, even of a slab whose name leads elsewhere since. */
static void
test_watch_files(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(TestDir) dir = test_tmp_dir();
    g_autoptr(RondoStore) reader = NULL;
    g_autoptr(RondoStore) writer = NULL;
    store_open_both(dir, &reader, &writer);
    int ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    g_assert_cmpint(ino, >=, 0);
    g_autoptr(GArray) wds = g_array_new(FALSE, FALSE, sizeof(int));
    g_assert_true(rondo_store_watch_files(reader, ino, wds, &error));
    g_assert_no_error(error);
    guint slabs = 0;
    for (guint s = 0; s < rondo_store_get_n_schemas(reader); s++)
        slabs += rondo_schema_get_n_tiers(rondo_store_get_schema(reader, s));
    g_assert_cmpuint(wds->len, ==, slabs);

    RondoSeries *a = rondo_store_get_series(writer, 0);
    for (guint i = 30; i < 400; i++)
        rondo_series_record(a, i, TEST_T0 + i * RONDO_NS_PER_S);
    g_assert_true(rondo_store_consolidate(writer, TEST_T0 + 400 * RONDO_NS_PER_S, NULL, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(watch_events(ino, wds), ==, 0);

    g_autofree char *slab = g_build_filename(dir, "vmm.1.slab", NULL);
    struct stat st;
    g_assert_cmpint(stat(slab, &st), ==, 0);
    g_assert_cmpint(truncate(slab, st.st_size + 4096), ==, 0);
    g_assert_cmpuint(watch_events(ino, wds), ==, 1);
    g_assert_false(rondo_store_check_files(reader, &error));
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT);
    g_clear_error(&error);

    /* the mapped file renamed away, another put in its place: the watch
     * stays on the one mapped */
    g_autofree char *moved = g_build_filename(dir, "moved.slab", NULL);
    g_assert_cmpint(rename(slab, moved), ==, 0);
    put_file(dir, "vmm.1.slab", "x", 1);
    g_assert_cmpint(truncate(slab, 0), ==, 0);
    g_assert_cmpuint(watch_events(ino, wds), ==, 0);
    g_assert_cmpint(truncate(moved, 4096), ==, 0);
    g_assert_cmpuint(watch_events(ino, wds), ==, 1);
    close(ino);
}

/* ------------------------------------------------------------ leftovers */

static void
test_leftover_tmp(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(TestDir) dir = test_tmp_dir();
    store_make(dir);
    put_file(dir, ".series.json.tmp-a1b2c3", "{\"version\": 1, \"ser", 19);
    put_file(dir, ".drain-exp.0.json.tmp-a1b2c3", "{", 1);
    RondoStore *store = rondo_store_open(dir, RONDO_OPEN_READ_ONLY, &error);
    g_assert_no_error(error);
    rondo_store_close(store);
    g_autofree char *tmp = g_build_filename(dir, ".series.json.tmp-a1b2c3", NULL);
    g_assert_true(g_file_test(tmp, G_FILE_TEST_EXISTS)); /* readers change nothing */
    store = rondo_store_open(dir, RONDO_OPEN_WRITE, &error);
    g_assert_no_error(error);
    rondo_store_close(store);
    g_assert_false(g_file_test(tmp, G_FILE_TEST_EXISTS));
    g_autofree char *cursor_tmp = g_build_filename(dir, ".drain-exp.0.json.tmp-a1b2c3", NULL);
    g_assert_true(g_file_test(cursor_tmp, G_FILE_TEST_EXISTS)); /* a reader's, maybe live */
}

/* ------------------------------------------------------ fault injection */

typedef enum {
    OP_OPEN,
    OP_WRITE,
    OP_PWRITE,
    OP_FSYNC,
    OP_RENAME,
    OP_FALLOCATE,
    OP_FTRUNCATE,
    OP_N,
} Op;

typedef struct {
    const char *name;
    Op op;
    int err; /* errno to fail with; 0: short writes (write: 1 byte a call from then
              * on, which must be retried; pwrite: one short write, an error) */
} Fault;

static const Fault faults[] = {
    {"open-enospc", OP_OPEN, ENOSPC},
    {"write-enospc", OP_WRITE, ENOSPC},
    {"write-eio", OP_WRITE, EIO},
    {"write-short", OP_WRITE, 0},
    {"pwrite-enospc", OP_PWRITE, ENOSPC},
    {"pwrite-short", OP_PWRITE, 0},
    {"fsync-eio", OP_FSYNC, EIO},
    {"rename-eio", OP_RENAME, EIO},
    {"fallocate-enospc", OP_FALLOCATE, ENOSPC},
    {"ftruncate-eio", OP_FTRUNCATE, EIO},
};

/* The fault armed now: the call of kind fault->op numbered fail_at (from 1) fails. */
static struct {
    const Fault *fault;
    guint calls, fail_at;
    gboolean fired;
} armed;

static gboolean
fault_hits(Op op)
{
    if (armed.fault == NULL || armed.fault->op != op)
        return FALSE;
    if (++armed.calls != armed.fail_at)
        return FALSE;
    armed.fired = TRUE;
    errno = armed.fault->err != 0 ? armed.fault->err : ENOSPC;
    return TRUE;
}

static int
f_open(const char *path, int flags, mode_t mode)
{
    return fault_hits(OP_OPEN) ? -1 : rondo_file_ops_default()->open(path, flags, mode);
}

static ssize_t
f_write(int fd, const void *buf, size_t n)
{
    if (fault_hits(OP_WRITE)) {
        if (armed.fault->err != 0)
            return -1;
        armed.fail_at++; /* the next write finds the disk full */
        return rondo_file_ops_default()->write(fd, buf, MIN(n, 1));
    }
    return rondo_file_ops_default()->write(fd, buf, n);
}

static ssize_t
f_pwrite(int fd, const void *buf, size_t n, off_t off)
{
    if (fault_hits(OP_PWRITE))
        return armed.fault->err != 0 ? -1
                                     : rondo_file_ops_default()->pwrite(fd, buf, MIN(n, 1), off);
    return rondo_file_ops_default()->pwrite(fd, buf, n, off);
}

static int
f_fsync(int fd)
{
    return fault_hits(OP_FSYNC) ? -1 : rondo_file_ops_default()->fsync(fd);
}

static int
f_rename(const char *from, const char *to)
{
    return fault_hits(OP_RENAME) ? -1 : rondo_file_ops_default()->rename(from, to);
}

static int
f_fallocate(int fd, off_t off, off_t len)
{
    return fault_hits(OP_FALLOCATE) ? errno : rondo_file_ops_default()->fallocate(fd, off, len);
}

static int
f_ftruncate(int fd, off_t len)
{
    return fault_hits(OP_FTRUNCATE) ? -1 : rondo_file_ops_default()->ftruncate(fd, len);
}

static const RondoFileOps faulty_ops = {
    f_open, f_write, f_pwrite, f_fsync, f_rename, f_fallocate, f_ftruncate,
};

static void
fault_arm(const Fault *f, guint fail_at)
{
    armed.fault = f;
    armed.calls = 0;
    armed.fail_at = fail_at;
    armed.fired = FALSE;
    rondo_file_set_ops(&faulty_ops);
}

static void
fault_disarm(void)
{
    armed.fault = NULL;
    rondo_file_set_ops(NULL);
}

/* A store creation failing at any call of the fault's kind. */
static void
test_fault_create(gconstpointer data)
{
    const Fault *f = data;
    for (guint k = 1;; k++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(TestDir) dir = test_tmp_dir();
        g_autoptr(RondoSchema) schema = rondo_schema_new_vmm_preset("vmm", 4, NULL);
        fault_arm(f, k);
        RondoStore *store = rondo_store_create(dir, &schema, 1, &error);
        gboolean fired = armed.fired;
        fault_disarm();
        if (store != NULL) {
            g_assert_no_error(error);
            rondo_store_close(store);
            store = rondo_store_open(dir, RONDO_OPEN_WRITE, &error);
            g_assert_no_error(error); /* a short write is retried, not a failure */
            rondo_store_close(store);
        } else {
            g_test_message("%s #%u: %s", f->name, k, error->message);
            g_assert_true(error->domain == RONDO_ERROR);
            g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS)); /* nothing left */
            g_clear_error(&error);
            store = rondo_store_create(dir, &schema, 1, &error);
            g_assert_no_error(error);
            rondo_store_close(store);
        }
        if (!fired)
            break;
    }
}

/* Registration failing at any call: the series is not half there. */
static void
test_fault_register(gconstpointer data)
{
    const Fault *f = data;
    g_autoptr(TestDir) dir = test_tmp_dir();
    store_make(dir);
    for (guint k = 1;; k++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(RondoStore) store = rondo_store_open(dir, RONDO_OPEN_WRITE, &error);
        g_assert_no_error(error);
        guint n = rondo_store_get_n_series(store);
        g_autofree char *id = g_strdup_printf("%u", 100 + k);
        const char *labels[] = {"id", id, NULL};
        fault_arm(f, k);
        RondoSeries *s = rondo_store_register(store, "y", labels, &error);
        gboolean fired = armed.fired;
        fault_disarm();
        g_assert_false(dir_has_tmp(dir));
        if (s == NULL) {
            g_test_message("%s #%u: %s", f->name, k, error->message);
            g_assert_true(error->domain == RONDO_ERROR);
            g_assert_cmpuint(rondo_store_get_n_series(store), ==, n);
            g_clear_pointer(&store, rondo_store_close);
            g_clear_error(&error);
            store = rondo_store_open(dir, RONDO_OPEN_WRITE, &error);
            g_assert_no_error(error);
            g_assert_cmpuint(rondo_store_get_n_series(store), ==, n);
        } else {
            g_assert_no_error(error);
            g_assert_cmpuint(rondo_store_get_n_series(store), ==, n + 1);
        }
        if (!fired)
            break;
    }
}

static guint
drain_count(RondoStore *store, const char *cursors, gboolean commit, GError **error)
{
    g_autoptr(RondoDrain) d = rondo_drain_new_at(store, cursors, "exp", 0, error);
    if (d == NULL)
        return G_MAXUINT;
    RondoSeries *s;
    guint64 t;
    double v;
    guint n = 0;
    while (rondo_drain_next(d, &s, &t, &v))
        n++;
    if (commit && !rondo_drain_commit(d, error))
        return G_MAXUINT;
    return n;
}

/* A cursor commit failing at any call: the old cursor stays, whole. */
static void
test_fault_commit(gconstpointer data)
{
    const Fault *f = data;
    g_autoptr(TestDir) dir = test_tmp_dir();
    g_autoptr(TestDir) cursors = test_tmp_dir();
    g_assert_cmpint(g_mkdir(cursors, 0700), ==, 0);
    store_make(dir);
    g_autoptr(GError) error = NULL;
    g_autoptr(RondoStore) store = rondo_store_open(dir, RONDO_OPEN_READ_ONLY, &error);
    g_assert_no_error(error);
    guint all = drain_count(store, cursors, FALSE, &error);
    g_assert_cmpuint(all, >, 0);
    for (guint k = 1;; k++) {
        fault_arm(f, k);
        guint n = drain_count(store, cursors, TRUE, &error);
        gboolean fired = armed.fired;
        fault_disarm();
        g_assert_false(dir_has_tmp(cursors));
        if (n == G_MAXUINT) {
            g_test_message("%s #%u: %s", f->name, k, error->message);
            g_assert_true(error->domain == RONDO_ERROR);
            g_clear_error(&error);
            g_assert_cmpuint(drain_count(store, cursors, FALSE, &error), ==, all);
        } else {
            g_assert_no_error(error);
            g_assert_cmpuint(drain_count(store, cursors, FALSE, &error), ==, 0);
            g_assert_no_error(error);
            g_autofree char *cursor = g_build_filename(cursors, "drain-exp.0.json", NULL);
            g_assert_cmpint(g_unlink(cursor), ==, 0); /* the next k starts afresh */
        }
        if (!fired)
            break;
    }
    test_rm_rf(cursors);
}

/* Every size product of a slab is checked: at the schema limits the bytes
 * are exact, past them (wider fields than any schema allows) the geometry
 * refuses, naming the product, instead of wrapping. */
static void
test_geometry_overflow(void)
{
    RondoSlabGeometry g;
    const char *field = NULL;
    g_assert_true(rondo_slab_geometry(2, 1, RONDO_SERIES_MAX, RONDO_SLOTS_MAX, 6, &g, &field));
    guint64 dir_end = 128 + 32 * (guint64)RONDO_SERIES_MAX, stride = 8 * (guint64)RONDO_SLOTS_MAX;
    g_assert_cmpuint(g.file_bytes, ==, dir_end + stride + 6 * RONDO_SERIES_MAX * stride);
    g_assert_cmpuint(g.file_bytes, <, G_GUINT64_CONSTANT(1) << 53);
    g_assert_false(rondo_slab_geometry(2, 0, G_MAXUINT32, G_MAXUINT32, 6, &g, &field));
    g_assert_nonnull(strstr(field, "file_bytes"));
    g_assert_false(rondo_slab_geometry(2, 1, G_MAXUINT32, G_MAXUINT32, G_MAXUINT, &g, &field));
    g_assert_nonnull(strstr(field, "series_max × functions × slots"));

    g_autoptr(GError) error = NULL;
    g_autoptr(RondoSchema) s = rondo_schema_new("big", RONDO_SERIES_MAX, &error);
    g_assert_false(rondo_schema_add_tier(s, G_MAXUINT64 / 3, 4, 0, &error));
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_INVALID);
    g_assert_nonnull(strstr(error->message, "interval_ns × slots"));
    g_assert_cmpuint(rondo_schema_get_n_tiers(s), ==, 0);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/hardening/json/depth-scan", test_depth_scan);
    g_test_add_func("/hardening/json/deep", test_deep_json);
    g_test_add_func("/hardening/json/huge-index", test_huge_index);
    g_test_add_func("/hardening/special/fifo", test_fifo);
    g_test_add_func("/hardening/special/symlinks", test_symlinks);
    g_test_add_func("/hardening/lock/unlinked", test_lock_unlinked);
    g_test_add_func("/hardening/lock/foreign-entry", test_register_foreign_entry);
    g_test_add_func("/hardening/sigbus/truncated-while-mapped", test_truncated_while_mapped);
    g_test_add_func("/hardening/sigbus/watch-files", test_watch_files);
    g_test_add_func("/hardening/leftovers/tmp", test_leftover_tmp);
    g_test_add_func("/hardening/sizes/geometry-overflow", test_geometry_overflow);
    for (guint i = 0; i < G_N_ELEMENTS(faults); i++) {
        g_autofree char *create = g_strdup_printf("/hardening/fault/create/%s", faults[i].name);
        g_autofree char *reg = g_strdup_printf("/hardening/fault/register/%s", faults[i].name);
        g_autofree char *commit = g_strdup_printf("/hardening/fault/commit/%s", faults[i].name);
        g_test_add_data_func(create, &faults[i], test_fault_create);
        g_test_add_data_func(reg, &faults[i], test_fault_register);
        g_test_add_data_func(commit, &faults[i], test_fault_commit);
    }
    return g_test_run();
}
