/* test-consolidate.c - tiers, query_auto and drain cursors, with hand-computed values.
 *
 * The named tests of the consolidation issue: 15 simulated minutes at 1 s
 * fill tier 1 correctly; writing past tier 1's capacity cascades into tier
 * 2; each function against values computed by hand; query_auto picks the
 * right tier inside and across retentions; drains return only new points
 * and report what they missed.
 */
#include "config.h"
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "testutil.h"

#define S(n) ((guint64)(n)*RONDO_NS_PER_S)

static double
value_at(RondoStore *store, RondoSeries *s, guint tier, RondoConsolidation cf, guint64 t)
{
    RondoQueryIter it;
    guint64 ts;
    double v;
    g_assert_true(rondo_query_iter_init(&it, store, s, tier, cf, t, t, NULL));
    return rondo_query_iter_next(&it, &ts, &v) ? v : NAN;
}

static guint
consolidate(RondoStore *store, guint64 now)
{
    g_autoptr(GError) error = NULL;
    guint n = 0;
    g_assert_true(rondo_store_consolidate(store, now, &n, &error));
    g_assert_no_error(error);
    return n;
}

static void
test_functions_by_hand(void)
{
    const double v[] = {3, NAN, -1, 7, 2};
    g_assert_cmpfloat(rondo_consolidate_values(RONDO_CF_AVERAGE, v, 5), ==, 11.0 / 4);
    g_assert_cmpfloat(rondo_consolidate_values(RONDO_CF_MIN, v, 5), ==, -1);
    g_assert_cmpfloat(rondo_consolidate_values(RONDO_CF_MAX, v, 5), ==, 7);
    g_assert_cmpfloat(rondo_consolidate_values(RONDO_CF_LAST, v, 5), ==, 2);
    g_assert_cmpfloat(rondo_consolidate_values(RONDO_CF_SUM, v, 5), ==, 11);
    g_assert_cmpfloat(rondo_consolidate_values(RONDO_CF_COUNT, v, 5), ==, 4);
    const double nans[] = {NAN, NAN};
    for (guint cf = 0; cf < RONDO_CF_N_FUNCTIONS; cf++)
        g_assert_true(isnan(rondo_consolidate_values(cf, nans, 2)));
    g_assert_true(isnan(rondo_consolidate_values(RONDO_CF_SUM, NULL, 0)));
}

/* A schema keeping every function in tiers 1 and 2 (2 s x 5, 4 s x 5). */
static RondoStore *
all_functions_store(const char *dir)
{
    g_autoptr(GError) error = NULL;
    guint32 all = RONDO_CF_BIT(RONDO_CF_N_FUNCTIONS) - 1;
    g_autoptr(RondoSchema) s = rondo_schema_new("all", 2, &error);
    g_assert_true(rondo_schema_add_tier(s, S(1), 10, 0, &error));
    g_assert_true(rondo_schema_add_tier(s, S(2), 5, all, &error));
    g_assert_true(rondo_schema_add_tier(s, S(4), 5, all, &error));
    RondoStore *store = rondo_store_create(dir, &s, 1, &error);
    g_assert_no_error(error);
    return store;
}

/* Every function in tier 1 and its combination in tier 2, by hand. */
static void
test_each_function_cascade(void)
{
    g_autoptr(TestDir) dir = test_tmp_dir();
    g_autoptr(RondoStore) store = all_functions_store(dir);
    RondoSeries *a = test_series(store, "m", 0);
    /* Seconds 2..5: 4, NaN(unwritten), 1, 6  ->  buckets [2,4) and [4,6). */
    rondo_series_record(a, 4, TEST_T0 + S(2));
    rondo_series_record(a, 1, TEST_T0 + S(4));
    rondo_series_record(a, 6, TEST_T0 + S(5));
    rondo_series_record(a, 0, TEST_T0 + S(8)); /* moves the head past both buckets */
    /* By data alone tier 1 fills [2,4) [4,6) [6,8) (data starts at 2) and tier 2 [0,4);
     * tier 2 [4,8) needs the clock: tier 1 holds nothing past 8 yet. */
    g_assert_cmpuint(consolidate(store, 0), ==, 3 + 1);
    g_assert_cmpuint(consolidate(store, TEST_T0 + S(8)), ==, 1);

    guint64 b0 = TEST_T0 + S(2), b1 = TEST_T0 + S(4);
    g_assert_cmpfloat(value_at(store, a, 1, RONDO_CF_AVERAGE, b0), ==, 4);
    g_assert_cmpfloat(value_at(store, a, 1, RONDO_CF_COUNT, b0), ==, 1);
    g_assert_cmpfloat(value_at(store, a, 1, RONDO_CF_AVERAGE, b1), ==, 3.5);
    g_assert_cmpfloat(value_at(store, a, 1, RONDO_CF_MIN, b1), ==, 1);
    g_assert_cmpfloat(value_at(store, a, 1, RONDO_CF_MAX, b1), ==, 6);
    g_assert_cmpfloat(value_at(store, a, 1, RONDO_CF_LAST, b1), ==, 6);
    g_assert_cmpfloat(value_at(store, a, 1, RONDO_CF_SUM, b1), ==, 7);
    g_assert_cmpfloat(value_at(store, a, 1, RONDO_CF_COUNT, b1), ==, 2);

    /* Tier 2 bucket [0,4) s of T0 holds tier-1 buckets [0,2) (NaN) and [2,4). */
    g_assert_cmpfloat(value_at(store, a, 2, RONDO_CF_AVERAGE, TEST_T0), ==, 4);
    g_assert_cmpfloat(value_at(store, a, 2, RONDO_CF_COUNT, TEST_T0), ==, 1);
    /* [4,8): tier-1 buckets [4,6) and [6,8) (NaN): the cascade of b1. */
    g_assert_cmpfloat(value_at(store, a, 2, RONDO_CF_SUM, b1), ==, 7);
    g_assert_cmpfloat(value_at(store, a, 2, RONDO_CF_COUNT, b1), ==, 2);
    g_assert_cmpfloat(value_at(store, a, 2, RONDO_CF_MAX, b1), ==, 6);
    g_assert_cmpfloat(value_at(store, a, 2, RONDO_CF_MIN, b1), ==, 1);
    g_assert_cmpfloat(value_at(store, a, 2, RONDO_CF_LAST, b1), ==, 6);

    /* Idempotent: a second call produces nothing and changes nothing. */
    g_assert_cmpuint(consolidate(store, 0), ==, 0);
    g_assert_cmpfloat(value_at(store, a, 1, RONDO_CF_AVERAGE, b1), ==, 3.5);
}

/* 15 simulated minutes at 1 s; consolidation every second, as the tick does. */
static void
test_fifteen_minutes_tier1(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(TestDir) dir = test_tmp_dir();
    RondoStore *store = test_store_new_preset(dir, 4);
    RondoSeries *a = test_series(store, "m", 0);
    guint buckets = 0;
    for (guint i = 0; i < 900; i++) {
        rondo_series_record(a, i, TEST_T0 + S(i));
        buckets += consolidate(store, 0);
    }
    /* Tier 1 buckets [10k, 10k+10) for k = 0..88 are complete (head at 899). */
    g_assert_cmpuint(rondo_store_get_consolidated_ns(store, 0, 1), ==, TEST_T0 + S(890));
    double sum = 0;
    g_assert_cmpuint(test_count_points(store, a, 1, RONDO_CF_AVERAGE, 0, G_MAXUINT64, &sum), ==,
                     89);
    for (guint k = 0; k < 89; k++) {
        g_assert_cmpfloat(value_at(store, a, 1, RONDO_CF_AVERAGE, TEST_T0 + S(10 * k)), ==,
                          10.0 * k + 4.5);
        g_assert_cmpfloat(value_at(store, a, 1, RONDO_CF_MAX, TEST_T0 + S(10 * k)), ==,
                          10.0 * k + 9);
    }
    /* Tier 0 kept only the last 600 s, but tier 1 has all 15 minutes. */
    g_assert_cmpuint(test_count_points(store, a, 0, RONDO_CF_LAST, 0, G_MAXUINT64, NULL), ==, 600);
    /* The cursor persists: reopen, and nothing is redone or lost. */
    rondo_store_close(store);
    store = rondo_store_open(dir, RONDO_OPEN_WRITE, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(consolidate(store, 0), ==, 0);
    a = rondo_store_get_series(store, 0);
    g_assert_cmpfloat(value_at(store, a, 1, RONDO_CF_AVERAGE, TEST_T0), ==, 4.5);
    /* With a clock, the last buckets complete without another write: tier 1
     * [890,900) and tier 2 [600,900). */
    g_assert_cmpuint(consolidate(store, TEST_T0 + S(900)), ==, 2);
    g_assert_cmpfloat(value_at(store, a, 1, RONDO_CF_AVERAGE, TEST_T0 + S(890)), ==, 894.5);
    rondo_store_close(store);
}

/* The resident size (kB) of this process' mapping of the file whose path
 * ends in @name, from /proc/self/smaps; -1 when nothing maps it. */
static long
mapped_rss_kb(const char *name)
{
    g_autofree char *smaps = NULL;
    g_assert_true(g_file_get_contents("/proc/self/smaps", &smaps, NULL, NULL));
    g_auto(GStrv) lines = g_strsplit(smaps, "\n", -1);
    long rss = -1;
    gboolean in = FALSE;
    for (guint i = 0; lines[i] != NULL; i++) {
        const char *l = lines[i];
        if (g_ascii_isxdigit(l[0]) && strchr(l, '-') != NULL && strchr(l, ' ') != NULL)
            in = g_str_has_suffix(l, name); /* a mapping's first line */
        else if (in && g_str_has_prefix(l, "Rss:"))
            rss = MAX(rss, 0) + strtol(l + 4, NULL, 10);
    }
    return rss;
}

/* A VMM preset store in @dir with room for @series_max series and the @n
 * series "m" 0..n-1 registered into @s. */
static RondoStore *
store_with_series(const char *dir, guint32 series_max, RondoSeries **s, guint n)
{
    RondoStore *store = test_store_new_preset(dir, series_max);
    for (guint j = 0; j < n; j++)
        s[j] = test_series(store, "m", j);
    return store;
}

/* Records i + j into series j of @s[0..n) at each second i of [from, to). */
static void
record_seconds(RondoSeries **s, guint n, guint from, guint to)
{
    for (guint i = from; i < to; i++)
        for (guint j = 0; j < n; j++)
            g_assert_cmpint(rondo_series_record(s[j], i + j, TEST_T0 + S(i)), ==, RONDO_RECORD_OK);
}

/* A recording process keeps mapped only the few pages of tier 0 it writes
 * next: after a pass that fills buckets the coarse tiers and tier 0 behind
 * the head leave its mapping, and after a drain's commit the drained tier
 * leaves a reader's, their contents intact. */
static void
test_releases_pages(void)
{
    g_autoptr(TestDir) dir = test_tmp_dir();
    RondoSeries *s[30];
    RondoStore *store = store_with_series(dir, 30, s, 30);
    record_seconds(s, 30, 0, 620);
    g_assert_cmpint(mapped_rss_kb("/vmm.0.slab"), >, 0);
    /* Registering the series wrote the coarse tiers' directories; they
     * left the mapping too (the kernel maps up to 64 kB around a fault). */
    g_assert_cmpint(mapped_rss_kb("/vmm.1.slab"), ==, 0);
    g_assert_cmpint(mapped_rss_kb("/vmm.0.slab"), >=, 30 * 600 * 16 / 1024);
    /* Tier 1 from [20, 30) (tier 0 holds the last 600 s) to [600, 610),
     * tier 2 [0, 300) and [300, 600). */
    g_assert_cmpuint(consolidate(store, 0), ==, 59 + 2);
    /* Of tier 0 the header and directory's page stay, and the head slot's
     * and the next (a slot is 480 bytes: at most two pages). */
    const long page_kb = sysconf(_SC_PAGESIZE) / 1024;
    g_assert_cmpint(mapped_rss_kb("/vmm.0.slab"), <=, 3 * page_kb);
    g_assert_cmpint(mapped_rss_kb("/vmm.1.slab"), ==, 0);
    g_assert_cmpint(mapped_rss_kb("/vmm.2.slab"), ==, 0);
    /* Written, not lost: every bucket reads back, through the mapping again. */
    for (guint j = 0; j < 30; j++) {
        g_assert_cmpfloat(value_at(store, s[j], 1, RONDO_CF_AVERAGE, TEST_T0 + S(600)), ==,
                          604.5 + j);
        g_assert_cmpfloat(value_at(store, s[j], 2, RONDO_CF_AVERAGE, TEST_T0 + S(300)), ==,
                          449.5 + j);
    }
    /* Within the minute a second pass leaves them (a caller consolidating
     * every second would fault them back every ten). */
    g_assert_cmpuint(consolidate(store, TEST_T0 + S(630)), ==, 2);
    g_assert_cmpint(mapped_rss_kb("/vmm.1.slab"), >, 0);
    /* Tier 0 read back whole: every value is still there. */
    for (guint j = 0; j < 30; j++)
        g_assert_cmpuint(test_count_points(store, s[j], 0, RONDO_CF_LAST, 0, G_MAXUINT64, NULL), ==,
                         600);
    g_assert_cmpfloat(value_at(store, s[29], 0, RONDO_CF_LAST, TEST_T0 + S(20)), ==, 20 + 29);
    rondo_store_close(store);
    /* A reader (rondod) checks every directory at open: released as well. */
    g_autoptr(GError) error = NULL;
    RondoStore *reader = rondo_store_open(dir, RONDO_OPEN_READ_ONLY, &error);
    g_assert_no_error(error);
    g_assert_cmpint(mapped_rss_kb("/vmm.1.slab"), ==, 0);
    g_assert_cmpint(mapped_rss_kb("/vmm.2.slab"), ==, 0);
    g_assert_cmpfloat(
        value_at(reader, rondo_store_get_series(reader, 7), 1, RONDO_CF_AVERAGE, TEST_T0 + S(610)),
        ==, 614.5 + 7);
    /* A reader that drained tier 0 (rondod's export) lets its pages go at
     * the commit: reading them mapped them all. */
    RondoDrain *drain = rondo_drain_new(reader, "pages", 0, &error);
    g_assert_no_error(error);
    RondoSeries *ds;
    guint64 t;
    double v;
    guint n = 0;
    while (rondo_drain_next(drain, &ds, &t, &v))
        n++;
    g_assert_cmpuint(n, ==, 30 * 600);
    g_assert_cmpint(mapped_rss_kb("/vmm.0.slab"), >=, 30 * 600 * 16 / 1024);
    g_assert_true(rondo_drain_commit(drain, &error));
    g_assert_no_error(error);
    g_assert_cmpint(mapped_rss_kb("/vmm.0.slab"), <=, 3 * page_kb);
    /* A reader's at every commit: a query maps them again, the next commit
     * within the minute lets them go again. */
    g_assert_cmpuint(test_count_points(reader, rondo_store_get_series(reader, 3), 0, RONDO_CF_LAST,
                                       0, G_MAXUINT64, NULL),
                     ==, 600);
    g_assert_cmpint(mapped_rss_kb("/vmm.0.slab"), >=, 30 * 600 * 16 / 1024);
    g_assert_true(rondo_drain_commit(drain, &error));
    g_assert_cmpint(mapped_rss_kb("/vmm.0.slab"), <=, 3 * page_kb);
    rondo_drain_free(drain);
    rondo_store_close(reader);
}

/* TRUE (and the test skipped, saying why) under check-valgrind, whose
 * emulation does not fault pages in as the CPU does. */
static gboolean
skip_under_valgrind(void)
{
    if (g_getenv("RONDO_TEST_UNDER_VALGRIND") == NULL)
        return FALSE;
    g_test_skip("under valgrind: it runs an atomic no-op write as a load and a "
                "compare-and-swap, so the page faults are a read's (make check runs it)");
    return TRUE;
}

/* The pages of tier 0 in this process' mapping. */
static long
tier0_pages(void)
{
    return mapped_rss_kb("/vmm.0.slab") / (sysconf(_SC_PAGESIZE) / 1024);
}

/* A recording process maps the pages of tier 0 it writes, not the 64 kB the
 * kernel maps around a read fault: opening leaves the header's and the
 * head's pages, recording adds the pages it writes (each first touched by a
 * write), and rondo_store_trim() lets what is behind the head go, at most
 * once a minute, every value kept. */
static void
test_record_maps_written_pages(void)
{
    if (skip_under_valgrind())
        return;
    g_autoptr(TestDir) dir = test_tmp_dir();
    RondoSeries *s[30];
    rondo_store_close(store_with_series(dir, 30, s, 30));
    /* Every page of the new slab is in the page cache (creating it wrote
     * them): a read fault anywhere would map 16 at once. */
    g_autoptr(GError) error = NULL;
    RondoStore *store = rondo_store_open(dir, RONDO_OPEN_WRITE, &error);
    g_assert_no_error(error);
    g_assert_cmpint(tier0_pages(), <=, 2);
    for (guint j = 0; j < 30; j++)
        s[j] = rondo_store_get_series(store, j);
    /* 60 slots of 480 bytes: 7.1 pages, so at most 9 with the slots' first
     * and last pages cut, the header's and the page touched ahead. */
    record_seconds(s, 30, 0, 60);
    g_assert_cmpint(tier0_pages(), >=, 8);
    g_assert_cmpint(tier0_pages(), <=, 11);
    rondo_store_trim(store);
    g_assert_cmpint(tier0_pages(), <=, 3);
    record_seconds(s, 30, 60, 120);
    /* Within the minute a trim does nothing. */
    rondo_store_trim(store);
    g_assert_cmpint(tier0_pages(), >=, 8);
    g_assert_cmpint(tier0_pages(), <=, 11);
    /* Nothing was lost: every value reads back. */
    for (guint j = 0; j < 30; j++) {
        g_assert_cmpuint(test_count_points(store, s[j], 0, RONDO_CF_LAST, 0, G_MAXUINT64, NULL), ==,
                         120);
        g_assert_cmpfloat(value_at(store, s[j], 0, RONDO_CF_LAST, TEST_T0 + S(59)), ==, 59 + j);
    }
    rondo_store_close(store);
}

/* Room for 1000 series, 3 used: a slot spans several pages, of which only
 * the first holds cells in use. The writer touches that one (a write to
 * the others would dirty pages nothing writes), one page a slot. */
static void
test_record_touches_used_cells(void)
{
    if (skip_under_valgrind())
        return;
    g_autoptr(TestDir) dir = test_tmp_dir();
    RondoSeries *s[3];
    RondoStore *store = store_with_series(dir, 1000, s, 3);
    rondo_store_trim(store);
    long kept = tier0_pages(); /* the header's, the head slot's and the next's */
    record_seconds(s, 3, 0, 20);
    g_assert_cmpint(tier0_pages(), >=, 20);
    g_assert_cmpint(tier0_pages(), <=, kept + 20);
    g_assert_cmpfloat(value_at(store, s[2], 0, RONDO_CF_LAST, TEST_T0 + S(19)), ==, 19 + 2);
    rondo_store_close(store);
}

/* Past tier 1's 6 h: tier 2 holds the 5-minute averages of everything. */
static void
test_past_tier1_capacity(void)
{
    g_autoptr(TestDir) dir = test_tmp_dir();
    g_autoptr(RondoStore) store = test_store_new_preset(dir, 2);
    RondoSeries *a = test_series(store, "m", 0);
    const guint seconds = 7 * 3600; /* 7 hours */
    for (guint i = 0; i < seconds; i++) {
        rondo_series_record(a, i % 600, TEST_T0 + S(i));
        if (i % 60 == 59)
            consolidate(store, 0);
    }
    consolidate(store, TEST_T0 + S(seconds));
    /* Tier 1 wrapped: it keeps 2160 buckets = 6 h. */
    g_assert_cmpuint(test_count_points(store, a, 1, RONDO_CF_AVERAGE, 0, G_MAXUINT64, NULL), ==,
                     2160);
    /* Tier 2: 7 h / 5 min = 84 buckets; each 5 min of i % 600 averages 149.5 or 449.5. */
    double sum = 0;
    g_assert_cmpuint(test_count_points(store, a, 2, RONDO_CF_AVERAGE, 0, G_MAXUINT64, &sum), ==,
                     84);
    /* TEST_T0 is a multiple of 300 s, so 5-minute buckets align with the pattern. */
    g_assert_cmpuint(TEST_T0 % S(300), ==, 0);
    g_assert_cmpfloat(value_at(store, a, 2, RONDO_CF_AVERAGE, TEST_T0), ==, 149.5);
    g_assert_cmpfloat(value_at(store, a, 2, RONDO_CF_AVERAGE, TEST_T0 + S(300)), ==, 449.5);
    g_assert_cmpfloat(sum, ==, 42 * 149.5 + 42 * 449.5);
}

/* query_auto: the finest tier that covers the range, stitched without overlap. */
static void
test_query_auto_tiers(void)
{
    g_autoptr(TestDir) dir = test_tmp_dir();
    g_autoptr(RondoStore) store = test_store_new_preset(dir, 2);
    RondoSeries *a = test_series(store, "m", 0);
    const guint seconds = 2 * 3600;
    for (guint i = 0; i < seconds; i++) {
        rondo_series_record(a, i, TEST_T0 + S(i));
        if (i % 10 == 9)
            consolidate(store, 0);
    }
    guint64 end = TEST_T0 + S(seconds - 1);
    RondoQueryIter it;
    guint64 t, prev = 0;
    double v;
    guint per_tier[3] = {0};
    guint64 first_of[3] = {0};

    /* The last 5 minutes: inside tier 0's window, all from tier 0. */
    g_assert_true(
        rondo_query_iter_init_auto(&it, store, a, RONDO_CF_AVERAGE, end - S(299), end, NULL));
    while (rondo_query_iter_next(&it, &t, &v)) {
        g_assert_cmpuint(rondo_query_iter_get_tier(&it), ==, 0);
        per_tier[0]++;
    }
    g_assert_cmpuint(per_tier[0], ==, 300);

    /* The last hour: 10 min from tier 0, the 50 min before from tier 1. */
    memset(per_tier, 0, sizeof per_tier);
    g_assert_true(
        rondo_query_iter_init_auto(&it, store, a, RONDO_CF_AVERAGE, end - S(3599), end, NULL));
    while (rondo_query_iter_next(&it, &t, &v)) {
        guint tier = rondo_query_iter_get_tier(&it);
        g_assert_cmpuint(t, >, prev); /* time order, no overlap */
        prev = t;
        if (per_tier[tier]++ == 0)
            first_of[tier] = t;
        if (tier == 0)
            g_assert_cmpfloat(v, ==, (double)((t - TEST_T0) / RONDO_NS_PER_S));
        else
            g_assert_cmpfloat(v, ==, (double)((t - TEST_T0) / RONDO_NS_PER_S) + 4.5);
    }
    g_assert_cmpuint(per_tier[0], ==, 600);
    g_assert_cmpuint(first_of[0], ==, end - S(599));
    g_assert_cmpuint(per_tier[1], ==, 300); /* 3000 s of 10 s buckets */
    g_assert_cmpuint(first_of[1], ==, end - S(3599));
    g_assert_cmpuint(per_tier[2], ==, 0);

    /* A range wholly older than tier 0's window comes from tier 1 only. */
    memset(per_tier, 0, sizeof per_tier);
    g_assert_true(
        rondo_query_iter_init_auto(&it, store, a, RONDO_CF_MAX, TEST_T0, TEST_T0 + S(99), NULL));
    while (rondo_query_iter_next(&it, &t, &v))
        per_tier[rondo_query_iter_get_tier(&it)]++;
    g_assert_cmpuint(per_tier[1], ==, 10);
    g_assert_cmpuint(per_tier[0] + per_tier[2], ==, 0);
}

static guint
drain_all(RondoStore *store, const char *consumer, guint64 *ret_first, guint64 *ret_last,
          guint64 *ret_missed)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(RondoDrain) d = rondo_drain_new(store, consumer, 0, &error);
    g_assert_no_error(error);
    RondoSeries *s;
    guint64 t, prev = 0;
    double v;
    guint n = 0;
    while (rondo_drain_next(d, &s, &t, &v)) {
        g_assert_cmpuint(t, >=, prev);
        g_assert_cmpfloat(v, ==, (double)((t - TEST_T0) / RONDO_NS_PER_S));
        if (n == 0 && ret_first)
            *ret_first = t;
        prev = t;
        n++;
    }
    if (ret_last)
        *ret_last = prev;
    if (ret_missed)
        *ret_missed = rondo_drain_get_missed(d);
    g_assert_true(rondo_drain_commit(d, &error));
    g_assert_no_error(error);
    return n;
}

static void
test_drain_cursors(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(TestDir) dir = test_tmp_dir();
    RondoStore *store = test_store_new_preset(dir, 2);
    RondoSeries *a = test_series(store, "m", 0);
    guint64 first = 0, last = 0, missed = 0;

    for (guint i = 0; i < 100; i++)
        rondo_series_record(a, i, TEST_T0 + S(i));
    /* Complete slots only: 0..98 (99 is the head, still open). */
    g_assert_cmpuint(drain_all(store, "x", &first, &last, &missed), ==, 99);
    g_assert_cmpuint(first, ==, TEST_T0);
    g_assert_cmpuint(last, ==, TEST_T0 + S(98));
    g_assert_cmpuint(missed, ==, 0);
    /* Nothing new: nothing returned. */
    g_assert_cmpuint(drain_all(store, "x", NULL, NULL, NULL), ==, 0);
    for (guint i = 100; i < 150; i++)
        rondo_series_record(a, i, TEST_T0 + S(i));
    /* The cursor persists across reopen; another consumer has its own.
     * With the writer gone the head's slot (149) is final and drained. */
    rondo_store_close(store);
    store = rondo_store_open(dir, RONDO_OPEN_READ_ONLY, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(drain_all(store, "x", &first, &last, NULL), ==, 51);
    g_assert_cmpuint(first, ==, TEST_T0 + S(99));
    g_assert_cmpuint(last, ==, TEST_T0 + S(149));
    g_assert_cmpuint(drain_all(store, "y", NULL, NULL, NULL), ==, 150);
    rondo_store_close(store);

    /* Falling behind past the window: told how much was missed. */
    store = rondo_store_open(dir, RONDO_OPEN_WRITE, &error);
    g_assert_no_error(error);
    a = rondo_store_get_series(store, 0);
    for (guint i = 150; i < 1000; i++)
        rondo_series_record(a, i, TEST_T0 + S(i));
    g_assert_cmpuint(drain_all(store, "x", &first, NULL, &missed), ==, 599);
    g_assert_cmpuint(first, ==, TEST_T0 + S(400));
    g_assert_cmpuint(missed, ==, 400 - 150); /* 150..399: the cursor was at 149 */

    /* An uncommitted pass moves nothing. */
    {
        g_autoptr(RondoDrain) d = rondo_drain_new(store, "y", 0, &error);
        RondoSeries *s;
        guint64 t;
        double v;
        g_assert_true(rondo_drain_next(d, &s, &t, &v));
    }
    g_assert_cmpuint(drain_all(store, "y", &first, NULL, NULL), ==, 599);
    g_assert_null(rondo_drain_new(store, "bad/name", 0, &error));
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_INVALID);
    rondo_store_close(store);
}

static void
cursor_write(const char *dir, const char *consumer, guint64 cursor)
{
    g_autofree char *base = g_strdup_printf("drain-%s.0.json", consumer);
    g_autofree char *path = g_build_filename(dir, base, NULL);
    g_autofree char *text =
        g_strdup_printf("{\"version\":1,\"consumer\":\"%s\",\"tier\":0,"
                        "\"missed_total\":0,\"cursors\":{\"vmm\":%" G_GUINT64_FORMAT "}}",
                        consumer, cursor);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

/* Cursors that no commit on this store wrote. */
static void
test_drain_foreign_cursors(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(TestDir) dir = test_tmp_dir();
    g_autoptr(RondoStore) store = test_store_new_preset(dir, 1);
    RondoSeries *a = test_series(store, "m", 0);
    guint64 first = 0, missed = 0;

    for (guint i = 0; i < 1000; i++)
        rondo_series_record(a, i, TEST_T0 + S(i));
    /* Before anything the store held (1 ns after the epoch): only the slot
     * times the tier held and lost count as missed, not 1.7e9 of them. */
    cursor_write(dir, "ancient", 1);
    g_assert_cmpuint(drain_all(store, "ancient", &first, NULL, &missed), ==, 599);
    g_assert_cmpuint(first, ==, TEST_T0 + S(400));
    g_assert_cmpuint(missed, ==, 400);
    /* Inside the store's history, before the window: counted from the cursor. */
    cursor_write(dir, "behind", TEST_T0 + S(100));
    g_assert_cmpuint(drain_all(store, "behind", NULL, NULL, &missed), ==, 599);
    g_assert_cmpuint(missed, ==, 300);
    /* At the head (the newest complete slot ends there): fine, nothing new. */
    cursor_write(dir, "current", TEST_T0 + S(999));
    g_assert_cmpuint(drain_all(store, "current", NULL, NULL, NULL), ==, 0);

    /* After the head, or off the slot grid inside the window: refused, naming
     * the file. */
    static const guint64 bad[] = {TEST_T0 + S(1000), TEST_T0 + S(5000), TEST_T0 + S(900) + 1};
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        cursor_write(dir, "future", bad[i]);
        g_assert_null(rondo_drain_new(store, "future", 0, &error));
        g_assert_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT);
        g_assert_nonnull(strstr(error->message, "drain-future.0.json"));
        g_assert_nonnull(strstr(error->message, "remove the file"));
        g_clear_error(&error);
    }
}

/* A cursor file of another drain version, or of none, is refused as such,
 * naming the file, before any of its fields is trusted. */
static void
test_drain_cursor_version(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(TestDir) dir = test_tmp_dir();
    g_autoptr(RondoStore) store = test_store_new_preset(dir, 1);
    RondoSeries *a = test_series(store, "m", 0);
    for (guint i = 0; i < 10; i++)
        rondo_series_record(a, i, TEST_T0 + S(i));
    g_autofree char *path = g_build_filename(dir, "drain-old.0.json", NULL);
    const char *texts[] = {
        "{\"version\":2,\"consumer\":\"old\",\"tier\":0,\"missed_total\":0,"
        "\"cursors\":{\"vmm\":1700000405000000000}}",
        "{\"version\":0,\"cursors\":{}}",
        "{\"consumer\":\"old\",\"tier\":0,\"missed_total\":0,\"cursors\":{\"vmm\":1}}",
        "{\"version\":\"1\",\"missed_total\":0,\"cursors\":{}}",
    };
    for (gsize i = 0; i < G_N_ELEMENTS(texts); i++) {
        g_assert_true(g_file_set_contents(path, texts[i], -1, NULL));
        g_assert_null(rondo_drain_new(store, "old", 0, &error));
        g_assert_error(error, RONDO_ERROR, RONDO_ERROR_VERSION);
        g_assert_nonnull(strstr(error->message, "drain-old.0.json"));
        g_assert_nonnull(strstr(error->message, "version"));
        g_clear_error(&error);
    }
    cursor_write(dir, "old", TEST_T0 + S(5));
    g_autoptr(RondoDrain) d = rondo_drain_new(store, "old", 0, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(rondo_drain_get_cursor_ns(d, 0), ==, TEST_T0 + S(5));
}

/* A writer killed between a coarse tier's first bucket (head_ns and
 * first_ns moved) and its filled_until_ns: a new consumer must not start,
 * nor commit, past what is complete, or its next drain is refused. */
static void
test_drain_first_bucket_not_filled(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(TestDir) dir = test_tmp_dir();
    RondoStore *store = test_store_new_preset(dir, 1);
    RondoSeries *a = test_series(store, "m", 0);
    for (guint i = 0; i < 30; i++)
        rondo_series_record(a, i, TEST_T0 + S(i));
    g_assert_cmpuint(consolidate(store, 0), ==, 2);
    rondo_store_close(store);
    g_autofree char *slab = g_build_filename(dir, "vmm.1.slab", NULL);
    int fd = open(slab, O_WRONLY);
    g_assert_cmpint(fd, >=, 0);
    guint8 zero[8] = {0};
    g_assert_cmpint(pwrite(fd, zero, sizeof zero, 64), ==, 8); /* filled_until_ns, §2.2 */
    close(fd);

    store = rondo_store_open(dir, RONDO_OPEN_READ_ONLY, &error);
    g_assert_no_error(error);
    for (guint pass = 0; pass < 2; pass++) {
        g_autoptr(RondoDrain) d = rondo_drain_new(store, "c", 1, &error);
        g_assert_no_error(error); /* the second pass reads the first's commit */
        RondoSeries *s;
        guint64 t;
        double v;
        g_assert_false(rondo_drain_next(d, &s, &t, &v)); /* nothing is complete */
        g_assert_cmpuint(rondo_drain_get_cursor_ns(d, 0), ==, 0);
        g_assert_true(rondo_drain_commit(d, &error));
        g_assert_no_error(error);
    }
    rondo_store_close(store);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/consolidate/functions-by-hand", test_functions_by_hand);
    g_test_add_func("/consolidate/each-function-cascade", test_each_function_cascade);
    g_test_add_func("/consolidate/fifteen-minutes-tier1", test_fifteen_minutes_tier1);
    g_test_add_func("/consolidate/past-tier1-capacity", test_past_tier1_capacity);
    g_test_add_func("/consolidate/releases-pages", test_releases_pages);
    g_test_add_func("/consolidate/record-maps-written-pages", test_record_maps_written_pages);
    g_test_add_func("/consolidate/record-touches-used-cells", test_record_touches_used_cells);
    g_test_add_func("/query/auto-tiers", test_query_auto_tiers);
    g_test_add_func("/drain/cursors", test_drain_cursors);
    g_test_add_func("/drain/foreign-cursors", test_drain_foreign_cursors);
    g_test_add_func("/drain/cursor-version", test_drain_cursor_version);
    g_test_add_func("/drain/first-bucket-not-filled", test_drain_first_bucket_not_filled);
    return g_test_run();
}
