/* testutil.h - what the test programs share: temporary stores and clocks. */
#ifndef RONDO_TESTUTIL_H
#define RONDO_TESTUTIL_H

#include <glib.h>
#include "rondo.h"

/* A realistic epoch for simulated clocks, a multiple of 10 minutes:
 * 2023-11-14 22:20:00 UTC. */
#define TEST_T0 (G_GUINT64_CONSTANT(1700000400) * RONDO_NS_PER_S)

/* A fresh temporary directory path (not created); removed by test_tmp_free(). */
char *test_tmp_dir(void);
void test_tmp_free(char *dir);
void test_rm_rf(const char *path);
typedef char TestDir;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TestDir, test_tmp_free)

/* A store at dir with one VMM-preset schema named "vmm". */
RondoStore *test_store_new_preset(const char *dir, guint32 series_max);
/* A store at dir with one schema of two tiers (iv0 x slots0 raw, iv1 x slots1
 * keeping @functions) and @n_series series series_name{id="0".."n-1"}. */
RondoStore *test_store_new_two_tiers(const char *dir, const char *schema_name, guint n_series,
                                     guint64 iv0, guint32 slots0, guint64 iv1, guint32 slots1,
                                     guint32 functions, const char *series_name);
/* Registers name{id="i"}. */
RondoSeries *test_series(RondoStore *store, const char *name, guint i);
/* Number of points a query returns, and their sum (for quick checks). */
guint test_count_points(RondoStore *store, RondoSeries *s, guint tier, RondoConsolidation cf,
                        guint64 start, guint64 end, double *ret_sum);

/* Every point of every series, tier and function of the store at @path,
 * one line each ("id tier function time value-bits-in-hex"). */
char *test_store_points(const char *path);

/* Reading slab bytes as docs/storage-format.md describes them, without librondo. */
guint64 test_le64_at(const guint8 *p, gsize off);
guint64 test_align64(guint64 n);

/* A JSON object whose "x" nests @arrays arrays: @arrays + 1 levels deep. */
char *test_json_nested(guint arrays);

#endif
