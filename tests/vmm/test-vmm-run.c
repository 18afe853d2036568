/* test-vmm-run.c - boots rondo-demo-vmm on /dev/kvm and checks what it did.
 *
 * The built-in guest runs a few seconds of its workload; then we check its
 * serial output, the disk it wrote, and the metrics store the VMM left
 * behind (a point per second, exits by reason, block and random bytes
 * equal to what the guest says it moved). Also: SIGTERM and --timeout stop the VM cleanly,
 * usage errors exit 2. Every test that needs KVM skips without it.
 * /vmm/linux-banner is opt-in (RONDO_VMM_LINUX=1, see docs/vmm.md).
 */
#include "config.h"

#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "rondo.h"
#include "vm.h"

#define WORKLOAD_SECONDS 5
#define DISK_BYTES       (1u << 20)
#define IO_SECTORS       4
#define IO_SLOTS         64

typedef struct {
    char *dir;
    char *store;
    char *disk;
    char *out;
    char *err;
    int status;
    gint64 start_ns, end_ns;
} Run;

static gboolean
kvm_or_skip(void)
{
    g_autoptr(GError) error = NULL;
    if (vm_kvm_usable("/dev/kvm", &error))
        return TRUE;
    g_autofree char *why = g_strdup_printf("KVM is not usable here: %s", error->message);
    g_test_skip(why);
    return FALSE;
}

static void
run_clear(Run *r)
{
    if (r->dir != NULL) {
        g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", r->dir);
        g_assert_cmpint(system(cmd), ==, 0);
    }
    g_free(r->dir);
    g_free(r->store);
    g_free(r->disk);
    g_free(r->out);
    g_free(r->err);
}

static void
run_prepare(Run *r)
{
    memset(r, 0, sizeof *r);
    g_autoptr(GError) error = NULL;
    r->dir = g_dir_make_tmp("rondo-vmm-XXXXXX", &error);
    g_assert_no_error(error);
    r->store = g_build_filename(r->dir, "store", NULL);
    r->disk = g_build_filename(r->dir, "disk.img", NULL);
    g_autofree char *zeros = g_malloc0(DISK_BYTES);
    g_assert_true(g_file_set_contents(r->disk, zeros, DISK_BYTES, &error));
}

/* Runs the VMM to completion with @extra arguments. */
static void
run_vmm(Run *r, const char *const *extra)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_ptr_array_add(argv, (char *)VMM_BINARY);
    g_ptr_array_add(argv, (char *)"--store");
    g_ptr_array_add(argv, r->store);
    g_ptr_array_add(argv, (char *)"--disk");
    g_ptr_array_add(argv, r->disk);
    for (guint i = 0; extra[i] != NULL; i++)
        g_ptr_array_add(argv, (char *)extra[i]);
    g_ptr_array_add(argv, NULL);
    g_autoptr(GError) error = NULL;
    r->start_ns = g_get_real_time() * 1000;
    g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &r->out, &r->err,
                 &r->status, &error);
    r->end_ns = g_get_real_time() * 1000;
    g_assert_no_error(error);
    g_test_message("stdout:\n%s\nstderr:\n%s", r->out, r->err);
}

static guint64
summary_field(const char *out, const char *key)
{
    const char *p = strstr(out, key);
    g_assert_nonnull(p);
    return g_ascii_strtoull(p + strlen(key), NULL, 10);
}

static guint8
pattern_byte(guint64 cycle, guint32 i)
{
    return (guint8)(cycle * 31u + i * 7u + (i >> 9));
}

/* The guest wrote cycle c's pattern at sector (c % 64) * 4. */
static void
check_disk(const Run *r, guint64 cycles)
{
    g_autofree char *disk = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(r->disk, &disk, &len, NULL));
    g_assert_cmpuint(len, ==, DISK_BYTES);
    for (guint64 c = cycles > IO_SLOTS ? cycles - IO_SLOTS : 0; c < cycles; c++) {
        const guint8 *sector = (const guint8 *)disk + (c % IO_SLOTS) * IO_SECTORS * 512;
        for (guint32 i = 0; i < IO_SECTORS * 512; i++)
            g_assert_cmpuint(sector[i], ==, pattern_byte(c, i));
    }
}

/* The series' points in [start, end] of tier 0: how many, and the last value. */
static guint
series_points(RondoStore *store, const char *name, const char *label, const char *value,
              const Run *r, double *ret_last, guint *ret_max_gap_s)
{
    const char *labels[] = {label, value, NULL};
    RondoSeries *s = rondo_store_lookup(store, name, label != NULL ? labels : NULL);
    g_assert_nonnull(s);
    RondoQueryIter it;
    g_autoptr(GError) error = NULL;
    g_assert_true(rondo_query_iter_init(&it, store, s, 0, RONDO_CF_AVERAGE,
                                        (guint64)r->start_ns - 1000000000ull,
                                        (guint64)r->end_ns + 1000000000ull, &error));
    guint64 ts, prev = 0;
    double v;
    guint n = 0, max_gap = 0;
    while (rondo_query_iter_next(&it, &ts, &v)) {
        if (prev != 0)
            max_gap = MAX(max_gap, (guint)((ts - prev) / 1000000000ull));
        prev = ts;
        *ret_last = v;
        n++;
    }
    if (ret_max_gap_s != NULL)
        *ret_max_gap_s = max_gap;
    return n;
}

static void
check_store(const Run *r, guint64 write_bytes, guint64 read_bytes, guint64 rng_bytes)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(RondoStore) store = rondo_store_open(r->store, RONDO_OPEN_READ_ONLY, &error);
    g_assert_no_error(error);
    double last = 0;
    guint gap = 0;
    /* One point per second of the run in both schemas. */
    guint n = series_points(store, "vmm_uptime_seconds", NULL, NULL, r, &last, &gap);
    g_assert_cmpuint(n, >=, WORKLOAD_SECONDS);
    g_assert_cmpuint(gap, ==, 1);
    n = series_points(store, "vcpu_exits_total", "reason", "io", r, &last, &gap);
    g_assert_cmpuint(n, >=, WORKLOAD_SECONDS);
    /* An exit series gets a point in each second the guest exits: the
     * emulated guest (kvm-pvm) can stall for a second on a loaded machine. */
    g_assert_cmpuint(gap, <=, 2);
    g_assert_cmpfloat(last, >, 0);
    series_points(store, "vcpu_exits_total", "reason", "mmio", r, &last, NULL);
    g_assert_cmpfloat(last, >, 0);
    series_points(store, "blk_bytes_total", "direction", "write", r, &last, NULL);
    g_assert_cmpfloat(last, ==, (double)write_bytes);
    series_points(store, "blk_bytes_total", "direction", "read", r, &last, NULL);
    g_assert_cmpfloat(last, ==, (double)read_bytes);
    series_points(store, "blk_requests_total", "op", "flush", r, &last, NULL);
    g_assert_cmpfloat(last, >, 0);
    series_points(store, "rng_bytes_total", NULL, NULL, r, &last, NULL);
    g_assert_cmpfloat(last, ==, (double)rng_bytes);
    series_points(store, "rng_requests_total", NULL, NULL, r, &last, NULL);
    g_assert_cmpfloat(last, >, 0);
    g_assert_nonnull(rondo_store_lookup(store, "vmm_rss_bytes", NULL));
    /* Time spent: counters in seconds, below the run's wall time; the vCPU
     * ran (KVM_RUN) and the VMM handled exits, both for more than nothing. */
    double wall = (double)(r->end_ns - r->start_ns) / RONDO_NS_PER_S, run = 0, handling = 0;
    series_points(store, "vcpu_run_seconds_total", NULL, NULL, r, &run, NULL);
    series_points(store, "vcpu_exit_handling_seconds_total", NULL, NULL, r, &handling, NULL);
    g_assert_cmpfloat(run, >, 0);
    g_assert_cmpfloat(handling, >, 0);
    g_assert_cmpfloat(run + handling, <=, wall + 1);
    RondoSeries *exits =
        rondo_store_lookup(store, "vcpu_exits_total", (const char *[]){"reason", "io", NULL});
    g_assert_cmpint(rondo_series_get_type(exits), ==, RONDO_SERIES_COUNTER);
}

static void
test_builtin_guest(void)
{
    if (!kvm_or_skip())
        return;
    Run r;
    run_prepare(&r);
    g_autofree char *seconds = g_strdup_printf("%d", WORKLOAD_SECONDS);
    const char *extra[] = {
        "--workload-seconds", seconds, "--timeout", "60", "--vm-id", "test", NULL};
    run_vmm(&r, extra);
    g_assert_true(g_spawn_check_wait_status(r.status, NULL));
    g_assert_nonnull(strstr(r.out, "rondo-guest: hello"));
    g_assert_nonnull(strstr(r.out, "errors=0"));
    g_assert_nonnull(strstr(r.err, "guest reset after"));
    guint64 cycles = summary_field(r.out, "done cycles=");
    guint64 written = summary_field(r.out, "blk_write_bytes=");
    guint64 read = summary_field(r.out, "blk_read_bytes=");
    guint64 rng = summary_field(r.out, "rng_bytes=");
    g_assert_cmpuint(cycles, >=, WORKLOAD_SECONDS - 1);
    g_assert_cmpuint(written, ==, cycles * IO_SECTORS * 512);
    g_assert_cmpuint(read, ==, written);
    check_disk(&r, cycles);
    g_assert_cmpuint(rng, ==, cycles * 16); /* the guest asks for 16 bytes a cycle */
    check_store(&r, written, read, rng);
    run_clear(&r);
}

static void
test_timeout(void)
{
    if (!kvm_or_skip())
        return;
    Run r;
    run_prepare(&r);
    const char *extra[] = {"--workload-seconds", "60", "--timeout", "2", NULL};
    run_vmm(&r, extra);
    g_assert_true(g_spawn_check_wait_status(r.status, NULL));
    g_assert_nonnull(strstr(r.err, "stopped by timeout"));
    g_assert_cmpint(r.end_ns - r.start_ns, <, 10 * G_GINT64_CONSTANT(1000000000));
    run_clear(&r);
}

static void
test_sigterm(void)
{
    if (!kvm_or_skip())
        return;
    Run r;
    run_prepare(&r);
    g_autoptr(GError) error = NULL;
    g_autoptr(GSubprocess) p = g_subprocess_new(
        G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error, VMM_BINARY,
        "--store", r.store, "--disk", r.disk, "--workload-seconds", "60", "--timeout", "30", NULL);
    g_assert_no_error(error);
    g_autoptr(GDataInputStream) out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(p));
    for (;;) { /* wait until the guest is in its workload loop */
        g_autofree char *line = g_data_input_stream_read_line(out, NULL, NULL, &error);
        g_assert_no_error(error);
        g_assert_nonnull(line);
        if (strstr(line, "cycle 1 ") != NULL)
            break;
    }
    g_subprocess_send_signal(p, SIGTERM);
    g_autofree char *err = NULL;
    g_assert_true(g_subprocess_communicate_utf8(p, NULL, NULL, NULL, &err, &error));
    g_assert_no_error(error);
    g_assert_true(g_subprocess_get_if_exited(p));
    g_assert_cmpint(g_subprocess_get_exit_status(p), ==, 0);
    g_assert_nonnull(strstr(err, "stopped by signal"));
    run_clear(&r);
}

static void
test_usage(void)
{
    Run r;
    run_prepare(&r);
    const char *extra[] = {"--guest", "nonsense", NULL};
    run_vmm(&r, extra);
    g_assert_true(WIFEXITED(r.status));
    g_assert_cmpint(WEXITSTATUS(r.status), ==, 2);
    g_assert_true(g_str_has_prefix(r.err, "rondo-demo-vmm: "));
    run_clear(&r);

    run_prepare(&r);
    const char *version[] = {"--version", NULL};
    run_vmm(&r, version);
    g_assert_true(WIFEXITED(r.status));
    g_assert_cmpint(WEXITSTATUS(r.status), ==, 0);
    g_assert_cmpstr(r.out, ==, "rondo-demo-vmm " PACKAGE_VERSION "\n");
    run_clear(&r);
}

/* /dev/kvm refused: the message names the group to join, or says the
 * device is shared with none. Another user is needed (root passes every
 * permission check): as root, through setpriv, as nobody. */
static void
kvm_denied_case(const char *dir, mode_t mode, const char *want)
{
    g_autofree char *dev = g_build_filename(dir, "kvm", NULL);
    g_autofree char *store = g_build_filename(dir, "store", NULL);
    g_assert_true(g_file_set_contents(dev, "", 0, NULL));
    g_assert_cmpint(chown(dev, 0, 1), ==, 0); /* group 1: "daemon" on Debian */
    g_assert_cmpint(chmod(dev, mode), ==, 0);
    const char *argv[] = {"setpriv",
                          "--reuid=nobody",
                          "--regid=nogroup",
                          "--clear-groups",
                          VMM_BINARY,
                          "--kvm-device",
                          dev,
                          "--store",
                          store,
                          NULL};
    const char *envp[] = {"LANG=C.UTF-8", NULL};
    g_autofree char *err = NULL;
    int status;
    g_autoptr(GError) error = NULL;
    g_spawn_sync(NULL, (char **)argv, (char **)envp, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, &err,
                 &status, &error);
    g_assert_no_error(error);
    g_test_message("stderr: %s", err);
    g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 1);
    g_assert_nonnull(strstr(err, want));
    g_assert_nonnull(strstr(err, "Permission denied"));
}

static void
test_kvm_denied(void)
{
    g_autofree char *setpriv = g_find_program_in_path("setpriv");
    struct group *daemon = getgrgid(1);
    if (getuid() != 0 || setpriv == NULL || daemon == NULL) {
        g_test_skip("needs root, setpriv and a group 1 to act as another user");
        return;
    }
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = g_dir_make_tmp("rondo-kvm-XXXXXX", &error);
    g_assert_no_error(error);
    g_assert_cmpint(chmod(dir, 0755), ==, 0);
    g_autofree char *want = g_strdup_printf("join the group “%s” that owns it (sudo adduser "
                                            "nobody %s)",
                                            daemon->gr_name, daemon->gr_name);
    kvm_denied_case(dir, 0660, want);
    kvm_denied_case(dir, 0600, "it is shared with no group");
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
    g_assert_cmpint(system(cmd), ==, 0);
}

/* Reads the child's stdout line by line until one contains @needle;
 * returns the seconds that took, or -1 at end of output. */
static double
wait_for_line(GSubprocess *p, const char *needle)
{
    g_autoptr(GDataInputStream) out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(p));
    g_filter_input_stream_set_close_base_stream(G_FILTER_INPUT_STREAM(out), FALSE);
    gint64 start = g_get_monotonic_time();
    for (;;) {
        g_autoptr(GError) error = NULL;
        g_autofree char *line = g_data_input_stream_read_line(out, NULL, NULL, &error);
        g_assert_no_error(error);
        if (line == NULL)
            return -1;
        if (strstr(line, needle) != NULL) {
            g_test_message("%s", line);
            return (double)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;
        }
    }
}

/* Opt-in: the Debian kernel (ELF vmlinux) prints its banner on the 8250;
 * then we stop it. See `make check-linux`. */
static void
test_linux_banner(void)
{
    const char *kernel = g_getenv("RONDO_VMM_KERNEL");
    if (kernel == NULL || !g_file_test(kernel, G_FILE_TEST_EXISTS)) {
        g_test_skip("no kernel: set RONDO_VMM_KERNEL=path/to/vmlinux (make check-linux)");
        return;
    }
    if (!kvm_or_skip())
        return;
    Run r;
    run_prepare(&r);
    g_autoptr(GError) error = NULL;
    g_autoptr(GSubprocess) p =
        g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                         VMM_BINARY, "--kernel", kernel, "--memory", "512", "--store", r.store,
                         "--disk", r.disk, "--timeout", "90", NULL);
    g_assert_no_error(error);
    double seconds = wait_for_line(p, "Linux version");
    g_assert_cmpfloat(seconds, >=, 0);
    g_test_message("banner after %.1f s", seconds);
    g_assert_cmpfloat(wait_for_line(p, "ACPI: DSDT"), >=, 0);
    g_subprocess_send_signal(p, SIGTERM);
    g_assert_true(g_subprocess_wait(p, NULL, &error));
    g_assert_true(g_subprocess_get_if_exited(p));
    g_assert_cmpint(g_subprocess_get_exit_status(p), ==, 0);
    run_clear(&r);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    /* Every record of the VMMs run here checks its thread (metrics.h). */
    g_setenv("RONDO_VMM_DEBUG", "1", TRUE);
    g_test_add_func("/vmm/usage", test_usage);
    g_test_add_func("/vmm/kvm-denied", test_kvm_denied);
    g_test_add_func("/vmm/builtin-guest", test_builtin_guest);
    g_test_add_func("/vmm/timeout", test_timeout);
    g_test_add_func("/vmm/sigterm", test_sigterm);
    g_test_add_func("/vmm/linux-banner", test_linux_banner);
    return g_test_run();
}
