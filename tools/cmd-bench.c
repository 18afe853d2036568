/* cmd-bench.c - `rondo bench`: what record() costs, measured, with proofs.
 *
 * Method (docs/benchmarks.md repeats it with the figures):
 *   - a temporary store with the VMM preset and --series series;
 *   - the series are written round-robin, the timestamp advancing one
 *     second per round, so every round opens a tier-0 slot (each record
 *     claims its cell) and the ring wraps every 600 rounds: the realistic
 *     worst case;
 *   - each record() is timed alone with the time-stamp counter between
 *     serialising fences, with nothing else between the reads (the loops
 *     are nested: no division picks the series); the timer's own cost (the
 *     median of empty timed pairs) is measured the same way, printed, and
 *     subtracted;
 *   - the measured loop runs in a forked child under a seccomp filter that
 *     traps (and counts) every system call but exit, with the counting
 *     allocator switched on: both counts are printed;
 *   - a second, untimed loop gives the throughput;
 *   - both again through rondo-record.h's RondoRecorder, the same fast path
 *     inlined into this program (what a call costs is the difference).
 */
#include "config.h"
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "alloc-count.h"
#include "cycles.h"
#include "rondo-tool.h"
#include "rondo-record.h"

#if defined(__x86_64__)
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#define HAVE_PROOFS 1
#else
#define HAVE_PROOFS 0
#endif

#define HIST_BUCKETS 8192 /* cycles; the last bucket collects the rest */

/* Two write patterns, measured side by side in one run. */
enum { PATTERN_SPARSE, PATTERN_DENSE, N_PATTERNS };
static const char *const pattern_names[N_PATTERNS] = {
    N_("sparse: each series once per second (a slot opened every round)"),
    N_("dense: each series 100 times per second"),
};
static const guint pattern_rounds_per_slot[N_PATTERNS] = {1, 100};

typedef struct {
    guint64 hist[2][N_PATTERNS][HIST_BUCKETS]; /* [inlined] */
    guint64 timer_hist[HIST_BUCKETS];
    guint64 throughput_cycles[2]; /* [inlined] */
    gboolean inlined;             /* the library served the recorders inline */
    guint64 allocations;
    guint64 syscalls;
    guint64 first_syscall;
    guint64 dropped;
    int done;
} BenchShared;

static volatile sig_atomic_t trapped_syscalls;
static volatile long first_trapped = -1;

#if HAVE_PROOFS
static void
on_sigsys(int sig, siginfo_t *info, void *ctx)
{
    if (trapped_syscalls == 0)
        first_trapped = info->si_syscall;
    trapped_syscalls++;
}

/* Every system call but exit, exit_group and rt_sigreturn traps to on_sigsys. */
static gboolean
seccomp_arm(void)
{
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_rt_sigreturn, 3, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_exit_group, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_exit, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = G_N_ELEMENTS(filter), .filter = filter};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;
    return sigaction(SIGSYS, &sa, NULL) == 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
           prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0;
}
#endif

static inline void
hist_add(guint64 *hist, guint64 cycles)
{
    hist[MIN(cycles, HIST_BUCKETS - 1)]++;
}

/* One record, through the call or the inlined recorder. */
static inline guint64
bench_record(gboolean inlined, RondoSeries *series, const RondoRecorder *recorder, double v,
             guint64 ts)
{
    if (inlined)
        return rondo_recorder_record(recorder, v, ts);
    return rondo_series_record(series, v, ts);
}

/* @records records of @pattern, each timed alone into @hist; the slot
 * advancing every pattern_rounds_per_slot rounds of the series. Nested
 * loops: no division, no conversion of the counter, between the timer's
 * reads. Returns the dropped writes. */
static guint64
bench_timed(guint64 *hist, gboolean inlined, guint pattern, RondoSeries **series,
            const RondoRecorder *recorders, guint n_series, guint64 records, guint64 *ts)
{
    guint64 done = 0, dropped = 0;
    while (done < records) {
        *ts += RONDO_NS_PER_S;
        double v = (double)done;
        for (guint round = 0; round < pattern_rounds_per_slot[pattern] && done < records; round++) {
            for (guint s = 0; s < n_series && done < records; s++, done++) {
                guint64 a = tool_cycles_now();
                dropped += bench_record(inlined, series[s], &recorders[s], v, *ts);
                guint64 b = tool_cycles_now();
                hist_add(hist, b - a);
            }
        }
    }
    return dropped;
}

/* The same, untimed, the sparse pattern: cycles for @records records. */
static guint64
bench_untimed(gboolean inlined, RondoSeries **series, const RondoRecorder *recorders,
              guint n_series, guint64 records, guint64 *ts, guint64 *dropped)
{
    guint64 done = 0, start = tool_cycles_now();
    while (done < records) {
        *ts += RONDO_NS_PER_S;
        double v = (double)done;
        for (guint s = 0; s < n_series && done < records; s++, done++)
            *dropped += bench_record(inlined, series[s], &recorders[s], v, *ts);
    }
    return tool_cycles_now() - start;
}

/* The measured loops; runs in the child, ends with _exit. */
G_GNUC_NORETURN static void
bench_child(BenchShared *out, RondoSeries **series, const RondoRecorder *recorders, guint n_series,
            guint64 records, guint64 t0)
{
    gboolean armed = FALSE;
#if HAVE_PROOFS
    armed = seccomp_arm();
#endif
    rondo_alloc_count = 0;
    rondo_alloc_counting = 1;

    for (guint64 i = 0; i < 1000000; i++) {
        guint64 a = tool_cycles_now();
        guint64 b = tool_cycles_now();
        hist_add(out->timer_hist, b - a);
    }
    guint64 ts = t0, dropped = 0;
    for (guint inl = 0; inl < 2; inl++) {
        for (guint p = 0; p < N_PATTERNS; p++)
            dropped +=
                bench_timed(out->hist[inl][p], inl, p, series, recorders, n_series, records, &ts);
        out->throughput_cycles[inl] =
            bench_untimed(inl, series, recorders, n_series, records, &ts, &dropped);
    }
    rondo_alloc_counting = 0;
    out->allocations = rondo_alloc_count;
    out->syscalls = (guint64)trapped_syscalls;
    out->first_syscall = (guint64)first_trapped;
    out->dropped = dropped;
    out->done = armed ? 1 : 2;
    _exit(0);
}

static guint64
hist_percentile(const guint64 *hist, guint64 total, double q)
{
    guint64 want = (guint64)ceil(q * (double)total), seen = 0;
    for (guint64 c = 0; c < HIST_BUCKETS; c++) {
        seen += hist[c];
        if (seen >= MAX(want, 1))
            return c;
    }
    return HIST_BUCKETS - 1;
}

/* The mean in cycles; unbiased even when the counter ticks coarsely. */
static double
hist_mean(const guint64 *hist)
{
    double sum = 0, n = 0;
    for (guint64 c = 0; c < HIST_BUCKETS; c++) {
        sum += (double)c * (double)hist[c];
        n += (double)hist[c];
    }
    return n > 0 ? sum / n : 0;
}

/* The counter's step: the smallest gap between two differences seen (not
 * the smallest difference, which is the cost of reading it twice). */
static guint64
hist_step(const guint64 *hist)
{
    guint64 step = 0, last = HIST_BUCKETS;
    for (guint64 c = 0; c + 1 < HIST_BUCKETS; c++) {
        if (hist[c] == 0)
            continue;
        if (last < c && (step == 0 || c - last < step))
            step = c - last;
        last = c;
    }
    return step;
}

static double
to_ns(guint64 cycles, guint64 overhead, double cpn)
{
    return cycles > overhead ? (double)(cycles - overhead) / cpn : 0.0;
}

static RondoStore *
bench_store(const char *dir, guint n_series, RondoSeries **series, GError **error)
{
    g_autofree char *path = g_build_filename(dir, "store", NULL);
    g_autoptr(RondoSchema) schema = rondo_schema_new_vmm_preset("vmm", n_series, error);
    if (schema == NULL)
        return NULL;
    g_autoptr(RondoStore) store = rondo_store_create(path, &schema, 1, error);
    if (store == NULL)
        return NULL;
    for (guint i = 0; i < n_series; i++) {
        g_autofree char *id = g_strdup_printf("%u", i);
        const char *labels[] = {"n", id, NULL};
        series[i] = rondo_store_register(store, "bench_series", labels, error);
        if (series[i] == NULL)
            return NULL;
    }
    return g_steal_pointer(&store);
}

static void
remove_tree(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d)) != NULL) {
        g_autofree char *p = g_build_filename(dir, name, NULL);
        if (g_file_test(p, G_FILE_TEST_IS_DIR))
            remove_tree(p);
        else
            g_unlink(p);
    }
    g_rmdir(dir);
}

static int
bench_report(const BenchShared *r, guint64 records, guint n_series, double cpn,
             guint64 bytes_before, guint64 bytes_after)
{
    typedef unsigned long long ull;
    guint64 overhead = hist_percentile(r->timer_hist, 1000000, 0.5);
    printf(
        _("rondo bench: %llu records per pattern into %u series, VMM preset (tier 0: 600 × 1 s)\n"),
        (ull)records, n_series);
    printf(_("timer: %s at %.3f cycles/ns; its own cost %.1f ns (median of 1000000 empty "
             "pairs), subtracted below (its mean from the means)\n"),
           HAVE_PROOFS ? "rdtsc" : "clock_gettime", cpn, (double)overhead / cpn);
    printf(_("timer resolution: %.1f ns (the smallest step the counter took)\n"),
           (double)hist_step(r->timer_hist) / cpn);
    for (guint inl = 0; inl < 2; inl++) {
        if (inl)
            printf(_("Inlined through rondo-record.h (%s):\n"),
                   r->inlined ? _("the library serves it inline")
                              : _("this library makes every record a call"));
        for (guint p = 0; p < N_PATTERNS; p++) {
            const guint64 *hist = r->hist[inl][p];
            printf(_("record() latency, %s:\n  mean %.1f ns  p50 %.1f ns  p99 %.1f ns  p999 %.1f "
                     "ns  (%llu samples)\n"),
                   _(pattern_names[p]), (hist_mean(hist) - hist_mean(r->timer_hist)) / cpn,
                   to_ns(hist_percentile(hist, records, 0.50), overhead, cpn),
                   to_ns(hist_percentile(hist, records, 0.99), overhead, cpn),
                   to_ns(hist_percentile(hist, records, 0.999), overhead, cpn), (ull)records);
        }
        double ns_per = (double)r->throughput_cycles[inl] / cpn / (double)records;
        printf(_("throughput: %.1f ns per record, %.1f million records/s (untimed loop, sparse "
                 "pattern)\n"),
               ns_per, 1e3 / ns_per);
    }
    if (TOOL_ALLOC_COUNT_AVAILABLE)
        printf(_("heap allocations in the measured loops: %llu (counting allocator)\n"),
               (ull)r->allocations);
    else
        printf(_("heap allocations: not counted (the sanitizer owns the allocator)\n"));
    if (r->done == 1)
        printf(_("system calls in the measured loops: %llu (seccomp filter trapping every "
                 "call but exit)\n"),
               (ull)r->syscalls);
    else
        printf(_("system calls: not checked (no seccomp filter on this architecture)\n"));
    printf(_("dropped writes: %llu\n"), (ull)r->dropped);
    printf(_("store bytes on disk: %llu before writing, %llu after (target < 2097152)\n"),
           (ull)bytes_before, (ull)bytes_after);
    gboolean ok = r->syscalls == 0 && r->dropped == 0 && bytes_before == bytes_after &&
                  (!TOOL_ALLOC_COUNT_AVAILABLE || r->allocations == 0);
    if (!ok)
        tool_error(_("bench: a proof failed (see above)"));
    return ok ? 0 : 1;
}

static int
bench_run(const char *dir, guint64 records, guint n_series)
{
    g_autoptr(GError) error = NULL;
    g_autofree RondoSeries **series = g_new0(RondoSeries *, n_series);
    g_autoptr(RondoStore) store = bench_store(dir, n_series, series, &error);
    if (store == NULL) {
        tool_error("%s", error->message);
        return 1;
    }
    guint64 bytes_before = rondo_store_get_bytes(store);
    double cpn = tool_cycles_per_ns();
    BenchShared *shared =
        mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    g_assert(shared != MAP_FAILED);
    memset(shared, 0, sizeof *shared);
    g_autofree RondoRecorder *recorders = g_new0(RondoRecorder, n_series);
    for (guint s = 0; s < n_series; s++)
        shared->inlined = rondo_recorder_init(&recorders[s], series[s], RONDO_RECORDER_ABI);
    guint64 t0 = (guint64)g_get_real_time() * 1000;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        bench_child(shared, series, recorders, n_series, records, t0);
    int status = 0;
    while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    int rc = 1;
    if (pid < 0 || !WIFEXITED(status) || shared->done == 0)
        tool_error(_("bench: the measuring process failed (status %d)"), status);
    else
        rc = bench_report(shared, records, n_series, cpn, bytes_before,
                          rondo_store_get_bytes(store));
    munmap(shared, sizeof *shared);
    return rc;
}

int
tool_cmd_bench(int argc, char **argv)
{
    gint64 records = 10000000;
    gint series = 30;
    gboolean query = FALSE;
    GOptionEntry entries[] = {
        {"query", 'q', 0, G_OPTION_ARG_NONE, &query,
         N_("measure the maintenance tick and queries instead of record()"), NULL},
        {"records", 'n', 0, G_OPTION_ARG_INT64, &records,
         N_("records to write per pattern (default 10000000; not with --query)"), "N"},
        {"series", 's', 0, G_OPTION_ARG_INT, &series,
         N_("series to write (default 30; not with --query)"), "N"},
        {NULL},
    };
    g_autoptr(GOptionContext) context = g_option_context_new(NULL);
    g_option_context_set_summary(context,
                                 _("Measure record(): latency percentiles, throughput, heap "
                                   "allocations, system calls and bytes on disk. With --query, "
                                   "measure the maintenance tick and queries on 7 simulated days "
                                   "of 30 series instead."));
    g_option_context_add_main_entries(context, entries, GETTEXT_PACKAGE);
    if (!tool_parse(context, &argc, &argv))
        return EXIT_USAGE;
    if (argc > 1 || records < 1000 || series < 1 || series > 4096) {
        tool_error(_("bench: --records must be at least 1000, --series 1..4096, and no "
                     "arguments are taken"));
        return EXIT_USAGE;
    }
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = g_dir_make_tmp("rondo-bench-XXXXXX", &error);
    if (dir == NULL) {
        tool_error("%s", error->message);
        return 1;
    }
    int rc = query ? tool_bench_query(dir) : bench_run(dir, (guint64)records, (guint)series);
    remove_tree(dir);
    return rc;
}
