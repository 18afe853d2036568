/* test-concurrent.c - a reader in another process never sees a torn or stale value.
 *
 * A forked writer runs for WRITER_SECONDS of wall-clock time through a tiny
 * ring (16 slots of 1 ms of simulated time), so every slot is reused
 * millions of times: time moves forward, jumps ahead past the whole ring,
 * jumps back, rewrites slots, writes late and writes NaN, and consolidates
 * into a 16-bucket tier 1 (min, max, last). Every value encodes the slot it
 * was written for and its series. The parent opens its own read-only handle
 * and queries continuously - tier 0, tier 1 and auto mode - checking that
 * each returned (t, v) decodes to t's slot (tier 1: to a slot of t's bucket)
 * and to the queried series. Any torn value, a value from a previous (or
 * the next) wrap, or another series' value is an inconsistency.
 */
#include "config.h"
#include <math.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "testutil.h"

#define N_SERIES       4
#define IV0_NS         G_GUINT64_CONSTANT(1000000) /* 1 ms of simulated time */
#define SLOTS0         16
#define RATIO          4
#define IV1_NS         (RATIO * IV0_NS)
#define SLOTS1         16
#define WRITER_SECONDS 2
#define MIN_CHECKED    1000

/* value = slot index * 64 + series * 8 + version: exact in a double. */
static double
encode(guint64 t, guint s, guint version)
{
    return (double)((t / IV0_NS) * 64 + s * 8 + version);
}

/* Decodes v; FALSE if it cannot have been written by encode(). */
static gboolean
decode(double v, guint64 *ret_slot, guint *ret_series)
{
    if (!(v >= 0) || v != floor(v) || v > 9007199254740992.0)
        return FALSE;
    guint64 n = (guint64)v;
    *ret_slot = n / 64;
    *ret_series = (guint)(n / 8 % 8);
    return TRUE;
}

static RondoStore *
concurrent_store_create(const char *dir)
{
    guint32 fns =
        RONDO_CF_BIT(RONDO_CF_MIN) | RONDO_CF_BIT(RONDO_CF_MAX) | RONDO_CF_BIT(RONDO_CF_LAST);
    return test_store_new_two_tiers(dir, "race", N_SERIES, IV0_NS, SLOTS0, IV1_NS, SLOTS1, fns,
                                    "race");
}

/* xorshift64: the writer's cheap, deterministic randomness. */
static guint64
next_rand(guint64 *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

/* One step of simulated time: move the clock, then write every series. */
static void
writer_step(RondoSeries **series, guint64 *now, guint64 *rng)
{
    guint64 r = next_rand(rng) % 100;

    if (r < 80)
        *now += IV0_NS;
    else if (r < 85)
        *now += (SLOTS0 + 4) * IV0_NS; /* a gap past the whole ring */
    else if (r < 90)
        *now -= 5 * IV0_NS; /* the clock jumps back */
    for (guint s = 0; s < N_SERIES; s++) {
        guint versions = (guint)(next_rand(rng) % 3) + 1;
        for (guint v = 0; v < versions; v++)
            rondo_series_record(series[s], encode(*now, s, v), *now + v);
        guint64 late = *now - (next_rand(rng) % (SLOTS0 + 4)) * IV0_NS;
        if (next_rand(rng) % 4 == 0)
            rondo_series_record(series[s], encode(late, s, 7), late + 1);
        if (next_rand(rng) % 32 == 0)
            rondo_series_record(series[s], NAN, late);
    }
}

/* Takes dir (the child's copy of the parent's string) so it can free it. */
static void G_GNUC_NORETURN
writer_child(char *dir, guint64 *ready)
{
    RondoSeries *series[N_SERIES];
    RondoStore *store = rondo_store_open(dir, RONDO_OPEN_WRITE, NULL);
    guint64 now = TEST_T0, rng = 0x9e3779b97f4a7c15ull;

    g_free(dir); /* this process's copy of the name only; the directory stays */

    if (store == NULL || rondo_store_get_n_series(store) != N_SERIES)
        _exit(3);
    for (guint s = 0; s < N_SERIES; s++)
        series[s] = rondo_store_get_series(store, s);
    __atomic_store_n(ready, 1, __ATOMIC_RELEASE);
    gint64 end = g_get_monotonic_time() + WRITER_SECONDS * G_USEC_PER_SEC;
    for (guint64 step = 1;; step++) {
        writer_step(series, &now, &rng);
        if (step % 4 == 0 && !rondo_store_consolidate(store, 0, NULL, NULL))
            _exit(4);
        if (step % 1024 == 0 && g_get_monotonic_time() > end)
            break;
    }
    rondo_store_close(store);
    _exit(0);
}

typedef struct {
    guint64 queries;
    guint64 checked;
    guint64 bad;
} Tally;

/* One point: its value must decode to a slot of t's interval at tier, and to s. */
static void
check_point(Tally *tally, guint tier, guint s, guint64 t, double v, guint64 *prev_t)
{
    guint64 slot;
    guint series;
    guint64 width = tier == 0 ? 1 : RATIO;
    gboolean ok = decode(v, &slot, &series) && series == s && t % (IV0_NS * width) == 0 &&
                  slot >= t / IV0_NS && slot < t / IV0_NS + width && t > *prev_t;

    if (!ok && tally->bad < 10)
        g_test_message("inconsistent: tier %u series %u t %" G_GUINT64_FORMAT " v %.0f", tier, s, t,
                       v);
    tally->bad += !ok;
    tally->checked++;
    *prev_t = t;
}

static void
query_tier(RondoStore *store, RondoSeries *series, guint s, guint tier, RondoConsolidation cf,
           Tally *tally)
{
    RondoQueryIter it;
    guint64 head_before = rondo_store_get_head_ns(store, 0, tier);
    guint64 iv = tier == 0 ? IV0_NS : IV1_NS;
    guint64 slots = tier == 0 ? SLOTS0 : SLOTS1;
    guint64 t, prev = 0;
    double v;

    g_assert_true(rondo_query_iter_init(&it, store, series, tier, cf, 0, G_MAXUINT64, NULL));
    while (rondo_query_iter_next(&it, &t, &v)) {
        check_point(tally, tier, s, t, v, &prev);
        /* Nothing older than the window as it was when the query began. */
        if (t + (slots - 1) * iv < head_before)
            tally->bad++;
    }
    /* Nothing newer than the head. */
    if (prev > rondo_store_get_head_ns(store, 0, tier))
        tally->bad++;
    tally->queries++;
}

static void
query_auto(RondoStore *store, RondoSeries *series, guint s, Tally *tally)
{
    RondoQueryIter it;
    guint64 t, prev = 0;
    double v;

    g_assert_true(
        rondo_query_iter_init_auto(&it, store, series, RONDO_CF_MAX, 0, G_MAXUINT64, NULL));
    while (rondo_query_iter_next(&it, &t, &v))
        check_point(tally, rondo_query_iter_get_tier(&it), s, t, v, &prev);
    tally->queries++;
}

static void
reader_round(RondoStore *store, Tally *tally)
{
    static const RondoConsolidation cfs[] = {RONDO_CF_MIN, RONDO_CF_MAX, RONDO_CF_LAST};

    for (guint s = 0; s < N_SERIES; s++) {
        RondoSeries *series = rondo_store_get_series(store, s);
        query_tier(store, series, s, 0, RONDO_CF_LAST, tally);
        query_tier(store, series, s, 1, cfs[tally->queries % G_N_ELEMENTS(cfs)], tally);
        query_auto(store, series, s, tally);
    }
}

static void
test_reader_writer(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(TestDir) dir = test_tmp_dir();
    guint64 *ready =
        mmap(NULL, sizeof *ready, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    Tally tally = {0};
    int status = 0;

    g_assert_true(ready != MAP_FAILED);
    *ready = 0;
    rondo_store_close(concurrent_store_create(dir)); /* no lock across fork */
    pid_t pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0)
        writer_child(g_steal_pointer(&dir), ready);

    /* The reader's own handle, opened after the fork. */
    g_autoptr(RondoStore) store = rondo_store_open(dir, RONDO_OPEN_READ_ONLY, &error);
    g_assert_no_error(error);
    gint64 deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;
    pid_t done = 0;
    while ((done = waitpid(pid, &status, WNOHANG)) == 0 && g_get_monotonic_time() < deadline) {
        if (__atomic_load_n(ready, __ATOMIC_ACQUIRE))
            reader_round(store, &tally);
        else
            g_usleep(100);
    }
    if (done == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        g_assert_not_reached(); /* the writer hung */
    }
    g_assert_cmpint(done, ==, pid);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
    reader_round(store, &tally); /* and once more at rest */
    g_test_message("%" G_GUINT64_FORMAT " queries, %" G_GUINT64_FORMAT
                   " points checked, %" G_GUINT64_FORMAT " inconsistent",
                   tally.queries, tally.checked, tally.bad);
    g_assert_cmpuint(tally.bad, ==, 0);
    g_assert_cmpuint(tally.checked, >, MIN_CHECKED);
    munmap(ready, sizeof *ready);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/concurrent/reader-writer", test_reader_writer);
    return g_test_run();
}
