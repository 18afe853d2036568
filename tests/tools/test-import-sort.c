/* test-import-sort.c - import-sort.c: every point back, in (time, line)
 * order, whether the input fits in memory or spills to many runs. */
#include "config.h"
#include "import-sort.h"

/* Adds @n points with random times (many equal) and returns them sorted
 * the way import-sort must give them back. */
static void
check_sorted(gsize n, gsize chunk, guint expect_runs_min)
{
    g_autoptr(ImportSort) s = import_sort_new(chunk);
    g_autoptr(GError) error = NULL;
    GRand *rand = g_rand_new_with_seed(42 + (guint32)n + (guint32)chunk);
    double sum = 0;
    for (gsize i = 0; i < n; i++) {
        ImportPoint p = {GUINT_TO_POINTER(1 + g_rand_int_range(rand, 0, 7)), g_rand_double(rand),
                         (guint64)g_rand_int_range(rand, 0, 50), (guint)i};
        sum += p.value;
        g_assert_true(import_sort_add(s, &p, &error));
        g_assert_no_error(error);
    }
    g_rand_free(rand);
    g_assert_true(import_sort_finish(s, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(import_sort_get_n_runs(s), >=, expect_runs_min);
    ImportPoint p, prev = {0};
    gsize got = 0;
    double got_sum = 0;
    g_autofree gboolean *seen = g_new0(gboolean, n);
    while (import_sort_next(s, &p, &error)) {
        g_assert_cmpuint(p.line, <, n);
        g_assert_false(seen[p.line]);
        seen[p.line] = TRUE;
        if (got > 0)
            g_assert_true(prev.t_ns < p.t_ns || (prev.t_ns == p.t_ns && prev.line < p.line));
        g_assert_nonnull(p.series);
        got_sum += p.value;
        prev = p;
        got++;
    }
    g_assert_no_error(error);
    g_assert_cmpuint(got, ==, n);
    g_assert_cmpfloat_with_epsilon(got_sum, sum, 1e-6);
}

static void
test_in_memory(void)
{
    check_sorted(1000, 4096, 0);
    check_sorted(0, 16, 0);
}

static void
test_runs(void)
{
    check_sorted(1000, 7, 142); /* 142 full runs and one of 6 */
    check_sorted(100, 1, 100);
    check_sorted(4096, 4096, 1); /* exactly one chunk: it spills once */
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/import-sort/in-memory", test_in_memory);
    g_test_add_func("/import-sort/runs", test_runs);
    return g_test_run();
}
