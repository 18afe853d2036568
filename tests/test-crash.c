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
 * /crash/torture does the same 100 times (RONDO_TORTURE_KILLS=<n> for a
 * long run; it stops early, saying how far it got, after TORTURE_SECONDS)
 * with a child that also drains tiers 0 and 1 and commits the cursors, as
 * an exporter does; after each kill it also wants rondo_store_check() to
 * find nothing, the cursor files to load, and every cursor at or before the
 * data it points into and never behind its previous position.
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

#define N_SERIES         16
#define IV0_NS           G_GUINT64_CONSTANT(1000) /* tier 0: 1 us x 4096 */
#define SLOTS0           4096
#define RATIO            4 /* tier 1: 4 us x 1024 */
#define IV1_NS           (RATIO * IV0_NS)
#define SLOTS1           1024
#define CONSOLIDATE      256 /* slots between two consolidations in the child */
#define N_ROUNDS         20
#define MAX_DELAY_US     50000
#define OPEN_DELAY_US    1000 /* odd rounds: often still inside rondo_store_open() */
#define DRAIN_EVERY      512  /* slots between two drain commits in a torture child */
#define TORTURE_KILLS    100
#define TORTURE_DELAY_US 20000
#define TORTURE_SECONDS  50
#define CONSUMER         "torture"

/* What the child shares with the parent. */
typedef struct {
    guint64 completed; /* records completed over all rounds */
    guint64 ready;     /* the child has opened the store */
    guint64 commits;   /* drain commits completed over all rounds */
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

/* Drains @tier as an exporter would, checks every point, commits. */
static gboolean
child_drain(RondoStore *store, guint tier)
{
    g_autoptr(RondoDrain) d = rondo_drain_new(store, CONSUMER, tier, NULL);
    RondoSeries *series;
    guint64 t;
    double v;

    if (d == NULL)
        return FALSE;
    while (rondo_drain_next(d, &series, &t, &v)) {
        /* Tier 1 exports its first function, min: the bucket's first slot. */
        guint64 k = (t - TEST_T0) / IV0_NS;
        if (v != (double)(k * N_SERIES + rondo_series_get_id(series)))
            return FALSE;
    }
    return rondo_drain_commit(d, NULL);
}

/* The child: never returns. Exit codes other than death by SIGKILL fail the test. */
static void G_GNUC_NORETURN
crash_child(const char *dir, Shared *shared, gboolean drain)
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
        if (drain && s == N_SERIES - 1 && k % DRAIN_EVERY == DRAIN_EVERY - 1) {
            if (!child_drain(store, 0) || !child_drain(store, 1))
                _exit(6);
            __atomic_fetch_add(&shared->commits, 1, __ATOMIC_RELEASE);
        }
    }
}

/* Tier 0: exactly the completed records inside the window (and perhaps the
 * one in flight when the child died), each with its own value. Returns how
 * many completed records it found. */
static guint64
check_tier0(RondoStore *store, guint64 completed)
{
    guint64 checked = 0;
    guint64 head = rondo_store_get_head_ns(store, 0, 0);

    g_assert_cmpuint(rondo_store_get_dropped(store, 0), ==, 0);
    if (completed == 0) {
        /* Killed during the very first record: it may have moved the head. */
        g_assert_true(head == 0 || head == slot_time(0));
        return 0;
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
        checked += got;
    }
    return checked;
}

/* Tier 1: every bucket behind the cursor and inside the window is whole. */
static void
check_tier1(RondoStore *store)
{
    guint64 filled = rondo_store_get_consolidated_ns(store, 0, 1);
    guint64 head1 = rondo_store_get_head_ns(store, 0, 1);

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
report_problem(const char *problem, gpointer user_data)
{
    g_test_message("check: %s", problem);
}

/* The consumer's cursors load, point at or before the complete data, and
 * never move back; @prev holds the previous ones (0 before any). */
static void
check_cursors(RondoStore *store, guint64 *prev)
{
    for (guint tier = 0; tier < 2; tier++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(RondoDrain) d = rondo_drain_new(store, CONSUMER, tier, &error);
        g_assert_no_error(error);
        guint64 cursor = rondo_drain_get_cursor_ns(d, 0);
        guint64 limit = tier == 0 ? rondo_store_get_head_ns(store, 0, 0)
                                  : rondo_store_get_consolidated_ns(store, 0, 1);
        g_assert_cmpuint(cursor, <=, limit);
        g_assert_cmpuint(cursor, >=, prev[tier]);
        prev[tier] = cursor;
    }
}

static guint64
check_store(const char *dir, RondoOpenFlags flags, guint64 completed)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(RondoStore) store = rondo_store_open(dir, flags, &error);

    g_assert_no_error(error);
    g_assert_cmpuint(rondo_store_get_n_series(store), ==, N_SERIES);
    if (!(flags & RONDO_OPEN_WRITE))
        g_assert_cmpint(rondo_store_writer_pid(store), ==, 0); /* the kill released the lock */
    g_assert_cmpuint(rondo_store_check(store, 0, report_problem, NULL), ==, 0);
    guint64 checked = check_tier0(store, completed);
    check_tier1(store);
    return checked;
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

/* One round: a child killed after @delay_us (after it opened the store if
 * @after_open); returns the completed records then. */
static guint64
kill_round(const char *dir, Shared *shared, gboolean after_open, guint delay_us, gboolean drain)
{
    shared->ready = 0;
    pid_t pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0)
        crash_child(dir, shared, drain);
    if (after_open)
        wait_ready(shared, pid);
    g_usleep(delay_us);
    g_assert_cmpint(kill(pid, SIGKILL), ==, 0);
    int status = 0;
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    return __atomic_load_n(&shared->completed, __ATOMIC_ACQUIRE);
}

static Shared *
shared_new(const char *dir)
{
    Shared *shared =
        mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    g_assert_true(shared != MAP_FAILED);
    *shared = (Shared){0, 0, 0};
    /* The parent must not hold the writer lock across fork. */
    rondo_store_close(crash_store_create(dir));
    return shared;
}

static void
test_sigkill_rounds(void)
{
    g_autoptr(TestDir) dir = test_tmp_dir();
    g_autoptr(GRand) rand = g_rand_new_with_seed(crash_seed());
    Shared *shared = shared_new(dir);

    for (guint round = 0; round < N_ROUNDS; round++) {
        gboolean after_open = round % 2 == 0; /* odd rounds may kill during the open */
        guint delay_us =
            (guint)g_rand_int_range(rand, 0, (after_open ? MAX_DELAY_US : OPEN_DELAY_US) + 1);
        guint64 before = shared->completed;
        guint64 completed = kill_round(dir, shared, after_open, delay_us, FALSE);
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

/* RONDO_TORTURE_SLOW=N stretches the time before a kill N times, for a
 * writer N times slower (valgrind), so that children still reach drain commits. */
static guint
torture_delay_us(void)
{
    const char *env = g_getenv("RONDO_TORTURE_SLOW");
    guint64 slow = 1;
    if (env != NULL && *env != '\0')
        g_assert_true(g_ascii_string_to_unsigned(env, 10, 1, 1000, &slow, NULL));
    return (guint)(TORTURE_DELAY_US * slow);
}

static guint
torture_kills(void)
{
    const char *env = g_getenv("RONDO_TORTURE_KILLS");
    guint64 kills = TORTURE_KILLS;

    if (env != NULL && *env != '\0')
        g_assert_true(g_ascii_string_to_unsigned(env, 10, 1, G_MAXUINT32, &kills, NULL));
    return (guint)kills;
}

static void
test_torture(void)
{
    g_autoptr(TestDir) dir = test_tmp_dir();
    g_autoptr(GRand) rand = g_rand_new_with_seed(crash_seed());
    Shared *shared = shared_new(dir);
    guint kills = torture_kills(), done = 0;
    /* A long run (RONDO_TORTURE_KILLS) has no deadline; make check has one. */
    gint64 deadline = g_getenv("RONDO_TORTURE_KILLS")
                          ? G_MAXINT64
                          : g_get_monotonic_time() + TORTURE_SECONDS * G_USEC_PER_SEC;
    guint64 checked = 0, prev[2] = {0, 0};

    for (; done < kills && g_get_monotonic_time() < deadline; done++) {
        gboolean after_open = g_rand_int_range(rand, 0, 4) != 0; /* 1 in 4 may die opening */
        guint delay_us =
            (guint)g_rand_int_range(rand, 0, (after_open ? torture_delay_us() : OPEN_DELAY_US) + 1);
        guint64 completed = kill_round(dir, shared, after_open, delay_us, TRUE);
        checked += check_store(dir, RONDO_OPEN_READ_ONLY, completed);
        g_autoptr(GError) error = NULL;
        g_autoptr(RondoStore) store = rondo_store_open(dir, RONDO_OPEN_WRITE, &error);
        g_assert_no_error(error);
        check_cursors(store, prev);
    }
    g_test_message(
        "torture: %u of %u kills, %" G_GUINT64_FORMAT " records written, %" G_GUINT64_FORMAT
        " completed records checked in tier 0 after the kills, 0 lost, %" G_GUINT64_FORMAT
        " drain commits",
        done, kills, shared->completed, checked, shared->commits);
    g_assert_cmpuint(done, >=, MIN(kills, 10));
    g_assert_cmpuint(shared->commits, >, 0);
    munmap(shared, sizeof *shared);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/crash/sigkill-rounds", test_sigkill_rounds);
    g_test_add_func("/crash/torture", test_torture);
    return g_test_run();
}
