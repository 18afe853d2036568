/* test-crash.c - a writer killed with SIGKILL at random moments loses nothing.
 *
 * Each round forks a child that opens the store for writing and records a
 * numbered sequence of points as fast as it can (record n goes to series
 * n % N_SERIES at tier-0 slot n / N_SERIES, and its value is n), consolidating
 * now and then. After every completed rondo_series_record() it publishes the
 * number of completed records in a MAP_SHARED counter. The parent kills it
 * after a random delay, then opens the store read-only and for writing (the
 * kill released the lock) and checks that every completed record still in
 * tier 0's window is there with its value, that nothing else is, and that
 * every tier-1 bucket behind the consolidation cursor is complete and right.
 * The next round's child continues the sequence in the same store.
 *
 * RONDO_SEED=<n> picks the delays; the seed in use is printed.
 */
#include "config.h"
#include <math.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "testutil.h"

#define N_SERIES      4
#define IV0_NS        G_GUINT64_CONSTANT(1000) /* tier 0: 1 us x 4096 */
#define SLOTS0        4096
#define RATIO         4 /* tier 1: 4 us x 1024 */
#define IV1_NS        (RATIO * IV0_NS)
#define SLOTS1        1024
#define CONSOLIDATE   256 /* slots between two consolidations in the child */
#define N_ROUNDS      20
#define MAX_DELAY_US  50000
#define OPEN_DELAY_US 1000 /* odd rounds: often still inside rondo_store_open() */

/* What the child shares with the parent. */
typedef struct {
    guint64 completed; /* records completed over all rounds */
    guint64 ready;     /* the child has opened the store */
} Shared;

static guint64
slot_time(guint64 k)
{
    return TEST_T0 + k * IV0_NS;
}

static RondoStore *
crash_store_create(const char *dir)
{
    guint32 fns =
        RONDO_CF_BIT(RONDO_CF_MIN) | RONDO_CF_BIT(RONDO_CF_LAST) | RONDO_CF_BIT(RONDO_CF_COUNT);
    return test_store_new_two_tiers(dir, "crash", N_SERIES, IV0_NS, SLOTS0, IV1_NS, SLOTS1, fns,
                                    "seq");
}

/* The child: never returns. Exit codes other than death by SIGKILL fail the test. */
static void G_GNUC_NORETURN
crash_child(const char *dir, Shared *shared)
{
    RondoSeries *series[N_SERIES];
    RondoStore *store = rondo_store_open(dir, RONDO_OPEN_WRITE, NULL);

    if (store == NULL || rondo_store_get_n_series(store) != N_SERIES)
        _exit(3);
    for (guint s = 0; s < N_SERIES; s++)
        series[s] = rondo_store_get_series(store, s);
    __atomic_store_n(&shared->ready, 1, __ATOMIC_RELEASE);
    for (guint64 n = __atomic_load_n(&shared->completed, __ATOMIC_ACQUIRE);; n++) {
        guint64 k = n / N_SERIES;
        guint s = (guint)(n % N_SERIES);
        if (rondo_series_record(series[s], (double)n, slot_time(k) + s) != RONDO_RECORD_OK)
            _exit(4);
        __atomic_store_n(&shared->completed, n + 1, __ATOMIC_RELEASE);
        if (s == N_SERIES - 1 && k % CONSOLIDATE == CONSOLIDATE - 1 &&
            !rondo_store_consolidate(store, 0, NULL, NULL))
            _exit(5);
    }
}

/* Tier 0: exactly the completed records inside the window (and perhaps the
 * one in flight when the child died), each with its own value. */
static void
check_tier0(RondoStore *store, guint64 completed)
{
    guint64 head = rondo_store_get_head(store, 0, 0);

    g_assert_cmpuint(rondo_store_get_dropped(store, 0), ==, 0);
    if (completed == 0) {
        g_assert_cmpuint(head, ==, 0);
        return;
    }
    /* The head is the last completed record's slot, or the one in flight. */
    g_assert_cmpuint(head, >=, slot_time((completed - 1) / N_SERIES));
    g_assert_cmpuint(head, <=, slot_time(completed / N_SERIES));
    guint64 k_oldest =
        (head - TEST_T0) / IV0_NS >= SLOTS0 - 1 ? (head - TEST_T0) / IV0_NS - (SLOTS0 - 1) : 0;
    for (guint s = 0; s < N_SERIES; s++) {
        RondoSeries *series = rondo_store_get_series(store, s);
        RondoQueryIter it;
        guint64 t, expect = 0, got = 0;
        double v;
        /* Completed records of series s in slots k_oldest.. */
        for (guint64 n = k_oldest * N_SERIES + s; n < completed; n += N_SERIES)
            expect++;
        g_assert_true(
            rondo_query_iter_init(&it, store, series, 0, RONDO_CF_LAST, 0, G_MAXUINT64, NULL));
        while (rondo_query_iter_next(&it, &t, &v)) {
            guint64 k = (t - TEST_T0) / IV0_NS;
            g_assert_cmpuint((t - TEST_T0) % IV0_NS, ==, 0);
            g_assert_cmpuint(k, >=, k_oldest);
            g_assert_cmpfloat(v, ==, (double)(k * N_SERIES + s));
            g_assert_cmpuint(k * N_SERIES + s, <=, completed); /* == completed: in flight */
            if (k * N_SERIES + s < completed)
                got++;
        }
        g_assert_cmpuint(got, ==, expect);
    }
}

/* Tier 1: every bucket behind the cursor and inside the window is whole. */
static void
check_tier1(RondoStore *store)
{
    guint64 filled = rondo_store_get_consolidated(store, 0, 1);
    guint64 head1 = rondo_store_get_head(store, 0, 1);

    if (filled == 0)
        return;
    g_assert_cmpuint(filled % IV1_NS, ==, 0);
    g_assert_cmpuint(head1, >=, filled - IV1_NS); /* the last filled bucket, or one being filled */
    guint64 hi = filled - IV1_NS;
    guint64 lo = head1 - TEST_T0 >= (SLOTS1 - 1) * IV1_NS ? head1 - (SLOTS1 - 1) * IV1_NS : TEST_T0;
    static const RondoConsolidation cfs[] = {RONDO_CF_MIN, RONDO_CF_LAST, RONDO_CF_COUNT};
    for (guint s = 0; s < N_SERIES; s++) {
        RondoSeries *series = rondo_store_get_series(store, s);
        for (guint c = 0; c < G_N_ELEMENTS(cfs); c++) {
            RondoQueryIter it;
            guint64 t, n = 0;
            double v;
            g_assert_true(rondo_query_iter_init(&it, store, series, 1, cfs[c], 0, hi, NULL));
            while (rondo_query_iter_next(&it, &t, &v)) {
                guint64 k = (t - TEST_T0) / IV0_NS;
                g_assert_cmpuint(t, ==, lo + n * IV1_NS);
                double expect = cfs[c] == RONDO_CF_MIN    ? (double)(k * N_SERIES + s)
                                : cfs[c] == RONDO_CF_LAST ? (double)((k + RATIO - 1) * N_SERIES + s)
                                                          : RATIO;
                g_assert_cmpfloat(v, ==, expect);
                n++;
            }
            g_assert_cmpuint(n, ==, (hi - lo) / IV1_NS + 1);
        }
    }
}

static void
check_store(const char *dir, RondoOpenFlags flags, guint64 completed)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(RondoStore) store = rondo_store_open(dir, flags, &error);

    g_assert_no_error(error);
    g_assert_cmpuint(rondo_store_get_n_series(store), ==, N_SERIES);
    if (!(flags & RONDO_OPEN_WRITE))
        g_assert_cmpint(rondo_store_writer_pid(store), ==, 0); /* the kill released the lock */
    check_tier0(store, completed);
    check_tier1(store);
}

static guint
crash_seed(void)
{
    const char *env = g_getenv("RONDO_SEED");
    guint64 seed = 1;

    if (env != NULL && *env != '\0')
        g_assert_true(g_ascii_string_to_unsigned(env, 10, 0, G_MAXUINT32, &seed, NULL));
    g_test_message("RONDO_SEED=%u", (guint)seed);
    return (guint)seed;
}

static void
wait_ready(Shared *shared, pid_t pid)
{
    for (guint i = 0; i < 200000 && !__atomic_load_n(&shared->ready, __ATOMIC_ACQUIRE); i++) {
        int status;
        g_assert_cmpint(waitpid(pid, &status, WNOHANG), ==, 0); /* the child must not exit */
        g_usleep(100);
    }
    g_assert_cmpuint(__atomic_load_n(&shared->ready, __ATOMIC_ACQUIRE), ==, 1);
}

static void
test_sigkill_rounds(void)
{
    g_autoptr(TestDir) dir = test_tmp_dir();
    g_autoptr(GRand) rand = g_rand_new_with_seed(crash_seed());
    Shared *shared =
        mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

    g_assert_true(shared != MAP_FAILED);
    shared->completed = 0;
    /* The parent must not hold the writer lock across fork. */
    rondo_store_close(crash_store_create(dir));
    for (guint round = 0; round < N_ROUNDS; round++) {
        gboolean after_open = round % 2 == 0; /* odd rounds may kill during the open */
        guint delay_us =
            (guint)g_rand_int_range(rand, 0, (after_open ? MAX_DELAY_US : OPEN_DELAY_US) + 1);
        guint64 before = shared->completed;
        shared->ready = 0;
        pid_t pid = fork();
        g_assert_cmpint(pid, >=, 0);
        if (pid == 0)
            crash_child(dir, shared);
        if (after_open)
            wait_ready(shared, pid);
        g_usleep(delay_us);
        g_assert_cmpint(kill(pid, SIGKILL), ==, 0);
        int status = 0;
        g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
        g_assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        guint64 completed = __atomic_load_n(&shared->completed, __ATOMIC_ACQUIRE);
        g_test_message("round %u: killed after %u us (%s), %" G_GUINT64_FORMAT " records", round,
                       delay_us, after_open ? "after open" : "maybe during open",
                       completed - before);
        check_store(dir, RONDO_OPEN_READ_ONLY, completed);
        check_store(dir, RONDO_OPEN_WRITE, completed);
    }
    /* The rounds that waited for the open wrote plenty. */
    g_assert_cmpuint(shared->completed, >, 1000);
    munmap(shared, sizeof *shared);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/crash/sigkill-rounds", test_sigkill_rounds);
    return g_test_run();
}
