/* format-values.c - two costs of a PromQL answer that are rondod's own:
 * writing a value (format_double(), src/json.c: the shortest digits that
 * read back, as Prometheus writes them) and picking a quantile's values
 * from a window (quantile_of(), src/eval-funcs.c).
 *
 *   format-values [N]
 *
 * N values (default 1 000 000) of each of three kinds are formatted —
 * sines x 1000 (mostly 16 and 17 digits), short decimals (a gauge's
 * 12.345) and rates (60 / k: repeating decimals) — and N / 600 windows of
 * 600 points (10 minutes at 1 s) of a quantile are picked; each five times,
 * the best run printed per value or per window. A benchmark that prints
 * figures (docs/benchmarks.md quotes them), not a test: the answers are
 * checked against printf and the sort by tests/daemon/test-promql.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "eval-priv.h"
#include "json.h"

#define RUNS   5
#define WINDOW 600

typedef struct {
    const char *name;
    double (*value)(guint i);
} Kind;

static double
sine(guint i)
{
    return sin((double)i) * 1000;
}

static double
short_decimal(guint i)
{
    return (i % 100000) / 1000.0 + 0.001;
}

static double
rate(guint i)
{
    return 60.0 / (i % 977 + 3);
}

/* The best of RUNS passes over @values, in ns per value. */
static double
time_format(const double *values, guint n)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    volatile char sink = 0;
    double best = INFINITY;
    for (guint r = 0; r < RUNS; r++) {
        gint64 t0 = g_get_monotonic_time();
        for (guint i = 0; i < n; i++) {
            format_double(buf, sizeof buf, values[i]);
            sink ^= buf[1];
        }
        best = MIN(best, (double)(g_get_monotonic_time() - t0) * 1000 / n);
    }
    (void)sink;
    return best;
}

/* The best of RUNS passes of the 0.9 quantile over @windows windows of
 * WINDOW sines, in µs per window (each window copied first, as
 * quantile_over_time() copies its points). */
static double
time_quantile(guint windows)
{
    g_autofree double *points = g_new(double, (gsize)windows *WINDOW);
    g_autofree double *copy = g_new(double, WINDOW);
    for (gsize i = 0; i < (gsize)windows * WINDOW; i++)
        points[i] = sine((guint)i);
    volatile double sink = 0;
    double best = INFINITY;
    for (guint r = 0; r < RUNS; r++) {
        gint64 t0 = g_get_monotonic_time();
        for (guint w = 0; w < windows; w++) {
            memcpy(copy, points + (gsize)w * WINDOW, sizeof(double) * WINDOW);
            sink += quantile_of(0.9, copy, WINDOW);
        }
        best = MIN(best, (double)(g_get_monotonic_time() - t0) / windows);
    }
    (void)sink;
    return best;
}

int
main(int argc, char **argv)
{
    static const Kind kinds[] = {
        {"sines x 1000", sine},
        {"short decimals", short_decimal},
        {"rates 60/k", rate},
    };
    guint64 n = argc > 1 ? g_ascii_strtoull(argv[1], NULL, 10) : 1000000;
    if (argc > 2 || n < WINDOW || n > 100000000) {
        fprintf(stderr, "usage: format-values [N]   (N values per kind, %d to 100000000)\n",
                WINDOW);
        return 2;
    }
    g_autofree double *values = g_new(double, n);
    printf("format_double(), best of %d passes over %" G_GUINT64_FORMAT " values:\n", RUNS, n);
    for (gsize k = 0; k < G_N_ELEMENTS(kinds); k++) {
        for (guint64 i = 0; i < n; i++)
            values[i] = kinds[k].value((guint)i);
        printf("  %-15s %6.1f ns a value\n", kinds[k].name, time_format(values, (guint)n));
    }
    guint windows = (guint)(n / WINDOW);
    printf("quantile_of(0.9), best of %d passes over %u windows of %d points:\n", RUNS, windows,
           WINDOW);
    printf("  %-15s %6.2f us a window\n", "sines x 1000", time_quantile(windows));
    return 0;
}
