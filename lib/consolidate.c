/* consolidate.c - filling tier N+1 from tier N.
 *
 * A bucket of tier N+1 (width interval(N+1)) covers `ratio` consecutive
 * tier-N slots. It is filled once its window is complete - the tier-N head,
 * or the caller's clock, has reached the bucket's end - and the tier's
 * cursor (filled_until_ns, in the slab's state block) moves past it, so a
 * second call, or a reopen, neither loses nor repeats work.
 *
 * Inputs are read through ring_read(), which checks each slot's time:
 * a tier-N slot already reused for a newer time is simply missing. Buckets
 * that fell out of tier N's reach entirely are skipped, not invented.
 *
 * For tier 1 the input is tier 0's raw column and every function is
 * computed from it. For tier 2 and up, function f is computed from the tier
 * below's f column: min of mins, max of maxes, sum of sums, sum of counts,
 * last of lasts, average of averages (exact when buckets are full).
 */
#include "config.h"
#include <math.h>
#include "ring.h"

/* Running state over a bucket's inputs: enough for every function. */
typedef struct {
    double sum, min, max, last;
    guint64 count;
} Acc;

static void
acc_reset(Acc *a)
{
    *a = (Acc){0.0, INFINITY, -INFINITY, NAN, 0};
}

static void
acc_add(Acc *a, double v)
{
    if (isnan(v))
        return;
    a->sum += v;
    a->min = MIN(a->min, v);
    a->max = MAX(a->max, v);
    a->last = v;
    a->count++;
}

static double
acc_result(const Acc *a, RondoConsolidation cf)
{
    if (a->count == 0)
        return NAN;
    switch (cf) {
    case RONDO_CF_AVERAGE:
        return a->sum / (double)a->count;
    case RONDO_CF_MIN:
        return a->min;
    case RONDO_CF_MAX:
        return a->max;
    case RONDO_CF_LAST:
        return a->last;
    case RONDO_CF_SUM:
        return a->sum;
    case RONDO_CF_COUNT:
        return (double)a->count;
    case RONDO_CF_N_FUNCTIONS:
    default:
        g_assert_not_reached();
    }
}

double
rondo_consolidate_values(RondoConsolidation cf, const double *values, gsize n)
{
    g_return_val_if_fail(cf < RONDO_CF_N_FUNCTIONS, NAN);
    g_return_val_if_fail(values != NULL || n == 0, NAN);
    Acc a;
    acc_reset(&a);
    for (gsize i = 0; i < n; i++)
        acc_add(&a, values[i]);
    return acc_result(&a, cf);
}

/*
 * The consolidation functions, in RondoConsolidation order. That order is
 * on-disk: a slab header's `functions` bit mask and the order of its column
 * groups use these numbers (format.h, storage-format.md §2.1), so a new
 * function only ever goes at the end, and the values a function computes
 * are bits readers of any version interpret the same way. Any tier above 0
 * may keep any of them; tier 0 keeps its raw values, read as RONDO_CF_RAW.
 */
const RondoCfInfo rondo_cf_table[RONDO_CF_N_FUNCTIONS] = {
    /* name      alias  a coarser tier combines the finer tier's column with */
    [RONDO_CF_AVERAGE] = {"average", "avg", RONDO_CF_AVERAGE}, /* exact for full buckets */
    [RONDO_CF_MIN] = {"min", NULL, RONDO_CF_MIN},
    [RONDO_CF_MAX] = {"max", NULL, RONDO_CF_MAX},
    [RONDO_CF_LAST] = {"last", NULL, RONDO_CF_LAST},
    [RONDO_CF_SUM] = {"sum", NULL, RONDO_CF_SUM},
    [RONDO_CF_COUNT] = {"count", NULL, RONDO_CF_SUM}, /* counts add up */
};

/* How function f of a coarser tier combines the finer tier's f column. */
static RondoConsolidation
combine_as(RondoConsolidation cf)
{
    return rondo_cf_table[cf].combine;
}

/* Fill one bucket at slot time b of dst from src, for every used series. */
static void
bucket_fill(RondoSlab *dst, const RondoSlab *src, guint dst_tier, guint32 n_series, guint64 b)
{
    guint64 ratio = dst->interval_ns / src->interval_ns;

    for (guint f = 0; f < RONDO_CF_N_FUNCTIONS; f++) {
        if (dst->group_of[f] < 0)
            continue;
        /* Tier 1 reads the raw column (group 0); higher tiers read f's column. */
        guint32 src_group = dst_tier == 1 ? 0 : (guint32)src->group_of[f];
        RondoConsolidation cf = dst_tier == 1 ? (RondoConsolidation)f : combine_as(f);
        for (guint32 s = 0; s < n_series; s++) {
            Acc a;
            double v;
            acc_reset(&a);
            for (guint64 j = 0; j < ratio; j++) {
                if (ring_read(src, ring_group_column(src, src_group, s), b + j * src->interval_ns,
                              &v))
                    acc_add(&a, v);
            }
            guint32 column = ring_group_column(dst, (guint)dst->group_of[f], s);
            ring_write(dst, column, acc_result(&a, cf), b);
        }
    }
}

/* Consolidate src (tier k) into dst (tier k+1); returns buckets filled. */
static guint
tier_consolidate(RondoSlab *dst, const RondoSlab *src, guint dst_tier, guint32 n_series,
                 guint64 now_ns)
{
    guint64 head = ring_load_u64_acquire(&src->hdr->head_ns);
    if (head == 0)
        return 0;
    guint64 iv = dst->interval_ns;
    guint64 complete = MAX(head, now_ns); /* src time known to be complete */
    guint64 reach = ring_oldest(src);     /* oldest src slot still readable */
    guint64 b = ring_load_u64(&dst->state->filled_until_ns);
    guint64 first = reach - reach % iv;

    if (b < first)
        b = first; /* never filled, or fell behind: skip what tier k no longer holds */
    if (b == 0)
        b = iv;
    guint n = 0;
    while (b + iv <= complete && n < dst->slots) {
        bucket_fill(dst, src, dst_tier, n_series, b);
        b += iv;
        n++;
        ring_store_u64_release(&dst->state->filled_until_ns, b);
    }
    return n;
}

gboolean
rondo_store_consolidate(RondoStore *store, guint64 now_ns, guint *ret_buckets, GError **error)
{
    g_return_val_if_fail(store != NULL, FALSE);
    if (!store->writable) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_READ_ONLY,
                    "%s: consolidation needs the store opened for writing", store->path);
        return FALSE;
    }
    if (!rondo_store_check_files(store, error))
        return FALSE; /* reading a truncated slab would be SIGBUS */
    guint total = 0;
    for (guint i = 0; i < store->schemas->len; i++) {
        RondoSchemaState *st = g_ptr_array_index(store->schemas, i);
        for (guint k = 1; k < st->schema->n_tiers; k++)
            total += tier_consolidate(st->slabs[k], st->slabs[k - 1], k, st->n_series, now_ns);
    }
    /* A recording process writes the coarse tiers here only: once filled,
     * their pages leave its mapping, and so do tier 0's that the pass read
     * behind the head, so a VMM that runs for a week keeps a few pages of
     * its store mapped, not the whole. At most once a minute: a caller
     * that consolidates every second (rondod, an import) would otherwise
     * fault the same pages back in every ten. */
    if (total > 0 && rondo_store_release_due(&store->coarse_released_us)) {
        rondo_store_release_coarse(store);
        rondo_store_release_tier(store, 0);
    }
    if (ret_buckets)
        *ret_buckets = total;
    return TRUE;
}
