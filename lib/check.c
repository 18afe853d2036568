/* check.c - rondo_store_check(): every invariant readers rely on, read-only.
 *
 * rondo_store_open() checks what it must to map a store safely (headers,
 * sizes, the index against the directories of the series it lists). Damage
 * that passes those checks can still hide data from readers: a head moved
 * back (slots newer than the head are never read), first_ns after the head
 * (the whole window is empty), a used directory entry series.json does not
 * list (a writer refuses the store, readers never see the series). This
 * file checks each invariant of docs/storage-format.md one by one.
 *
 * A writer may run meanwhile. It moves a tier's cursors before it publishes
 * a slot, and writes series.json before a directory entry, so each check
 * reads the slot times or entries first (acquire) and the cursors or the
 * index afterwards: what a live writer does between the two reads never
 * looks like damage.
 */
#include "config.h"
#include <string.h>
#include "ring.h"

/* How far ahead of the caller's clock a head may be: clocks of different
 * hosts disagree, and a dump may be restored elsewhere. */
#define CHECK_CLOCK_SLACK_NS (G_GUINT64_CONSTANT(86400) * RONDO_NS_PER_S)

typedef struct {
    RondoCheckFunc report;
    gpointer user_data;
    guint problems;
} Checker;

static void G_GNUC_PRINTF(3, 4) problem(Checker *c, const RondoSlab *slab, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    g_autofree char *what = g_strdup_vprintf(format, ap);
    va_end(ap);
    g_autofree char *msg = g_strdup_printf("%s: %s", slab->path, what);
    if (c->report)
        c->report(msg, c->user_data);
    c->problems++;
}

/* A stored time: 0 (none), or a slot time whose slot holds valid times. */
static gboolean
time_valid(const RondoSlab *slab, guint64 t)
{
    return t == 0 || (t % slab->interval_ns == 0 && t + slab->interval_ns > RONDO_TIME_MIN_NS &&
                      t < RONDO_TIME_MAX_NS);
}

static void
check_time_field(Checker *c, const RondoSlab *slab, const char *field, guint64 t)
{
    if (!time_valid(slab, t))
        problem(c, slab, "%s %" G_GUINT64_FORMAT " is not a slot time in the valid range", field,
                t);
}

/* The i-th tag of a slab and its ring slot: the row layout has one per
 * ring slot, the cell layout one per cell, column by column. */
static const guint64 *
check_tag(const RondoSlab *slab, guint64 i, guint32 *ret_r)
{
    *ret_r = (guint32)(i % slab->slots);
    if (slab->cells == NULL)
        return &slab->ts[i];
    return &ring_cell(slab, (guint32)(i / slab->slots), *ret_r)->t;
}

/* Slot times: each on its own ring position, none after the head, none
 * before first_ns. */
static void
check_slots(Checker *c, const RondoSlab *slab)
{
    guint64 lo = G_MAXUINT64, hi = 0, n = slab->slots, first_i = 0;
    guint32 misplaced = 0, r;

    if (slab->cells != NULL)
        n *= slab->n_columns;
    for (guint64 i = 0; i < n; i++) {
        guint64 t = ring_load_u64_acquire(check_tag(slab, i, &r));
        if (t == 0 || t == RONDO_SLOT_CLAIMING)
            continue;
        if (!time_valid(slab, t) || ring_slot_for_time(slab, t) != r) {
            first_i = misplaced++ == 0 ? i : first_i;
            continue;
        }
        lo = MIN(lo, t);
        hi = MAX(hi, t);
    }
    if (misplaced > 0) {
        guint64 t = ring_load_u64(check_tag(slab, first_i, &r));
        problem(c, slab,
                "%u ring slots hold a time that is not theirs (the first, slot %u, holds "
                "%" G_GUINT64_FORMAT ")",
                misplaced, r, t);
    }
    guint64 head = ring_load_u64_acquire(&slab->hdr->head_ns);
    guint64 first = ring_load_u64(&slab->state->first_ns);
    if (hi > head)
        problem(c, slab,
                "slot time %" G_GUINT64_FORMAT " is after the head %" G_GUINT64_FORMAT
                ": the head was moved back, and what follows it is hidden",
                hi, head);
    if (hi != 0 && lo < first)
        problem(c, slab,
                "slot time %" G_GUINT64_FORMAT " is before first_ns %" G_GUINT64_FORMAT
                ", the oldest time ever stored",
                lo, first);
}

/* head_ns, first_ns and filled_until_ns, against each other and the clock. */
static void
check_cursors(Checker *c, const RondoSlab *slab, guint tier, guint64 now_ns)
{
    guint64 head = ring_load_u64_acquire(&slab->hdr->head_ns);
    guint64 first = ring_load_u64(&slab->state->first_ns);
    guint64 filled = ring_load_u64_acquire(&slab->state->filled_until_ns);

    check_time_field(c, slab, "head_ns", head);
    check_time_field(c, slab, "first_ns", first);
    check_time_field(c, slab, "filled_until_ns", filled);
    if (head != 0 && first == 0)
        problem(c, slab, "first_ns is 0 but the head is %" G_GUINT64_FORMAT, head);
    if (head != 0 && first > head)
        problem(c, slab,
                "first_ns %" G_GUINT64_FORMAT " is after the head %" G_GUINT64_FORMAT
                ": every point of the tier is hidden",
                first, head);
    if (tier == 0 && filled != 0)
        problem(c, slab, "filled_until_ns is %" G_GUINT64_FORMAT " in tier 0, where it is always 0",
                filled);
    if (tier > 0 && head != 0 && filled > head + slab->interval_ns)
        problem(c, slab,
                "filled_until_ns %" G_GUINT64_FORMAT
                " is more than one bucket after the head %" G_GUINT64_FORMAT,
                filled, head);
    if (now_ns != 0 && head > now_ns + CHECK_CLOCK_SLACK_NS)
        problem(c, slab,
                "the head %" G_GUINT64_FORMAT " is %" G_GUINT64_FORMAT
                " s in the future: points at the present time are refused as too old",
                head, (head - now_ns) / RONDO_NS_PER_S);
}

/* Snapshot of the directory: the number of leading columns that may be used,
 * i.e. one past the last USED entry, per schema and tier. */
static guint32
dir_used_end(const RondoSlab *slab)
{
    guint32 end = 0;
    for (guint32 col = 0; col < slab->series_max; col++) {
        if (__atomic_load_n(&slab->dir[col].flags, __ATOMIC_ACQUIRE) & RONDO_DIR_USED)
            end = col + 1;
    }
    return end;
}

/* Every USED entry is a series of series.json, with its key hash and id. */
static void
check_directory(Checker *c, RondoStore *store, guint si, const guint32 *used_end)
{
    RondoSchemaState *st = g_ptr_array_index(store->schemas, si);
    g_autoptr(GPtrArray) by_column = g_ptr_array_new();

    guint n = rondo_store_get_n_series(store);
    for (guint i = 0; i < n; i++) {
        RondoSeries *s = g_ptr_array_index(store->series, i);
        if (s->schema == si)
            g_ptr_array_add(by_column, s);
    }
    for (guint t = 0; t < st->schema->n_tiers; t++) {
        const RondoSlab *slab = st->slabs[t];
        for (guint32 col = 0; col < used_end[t]; col++) {
            const RondoDirEntry *e = &slab->dir[col];
            if (!(__atomic_load_n(&e->flags, __ATOMIC_ACQUIRE) & RONDO_DIR_USED))
                continue;
            if (col >= by_column->len) {
                problem(c, slab,
                        "directory entry %u is used but %s does not list it: readers hide that "
                        "series and a writer refuses the store",
                        col, RONDO_INDEX_FILE);
                continue;
            }
            const RondoSeries *s = g_ptr_array_index(by_column, col);
            if (e->key_hash != (rondo_fnv1a64(s->key, strlen(s->key)) | 1) || e->series_id != s->id)
                problem(c, slab, "directory entry %u does not match series %s in %s", col, s->key,
                        RONDO_INDEX_FILE);
        }
    }
}

guint
rondo_store_check(RondoStore *store, guint64 now_ns, RondoCheckFunc report, gpointer user_data)
{
    g_return_val_if_fail(store != NULL, 0);
    Checker c = {report, user_data, 0};
    guint n_schemas = store->schemas->len;
    g_autofree guint32 *used_end = g_new0(guint32, (gsize)n_schemas * RONDO_TIERS_MAX);

    for (guint si = 0; si < n_schemas; si++) {
        RondoSchemaState *st = g_ptr_array_index(store->schemas, si);
        for (guint t = 0; t < st->schema->n_tiers; t++) {
            used_end[si * RONDO_TIERS_MAX + t] = dir_used_end(st->slabs[t]);
            check_slots(&c, st->slabs[t]);
            check_cursors(&c, st->slabs[t], t, now_ns);
        }
    }
    /* Entries first, then the index: a series registered meanwhile is listed. */
    g_autoptr(GError) error = NULL;
    if (!store->writable && !rondo_store_refresh(store, &error)) {
        g_autofree char *msg = g_strdup(error->message);
        if (report)
            report(msg, user_data);
        return c.problems + 1;
    }
    for (guint si = 0; si < n_schemas; si++)
        check_directory(&c, store, si, &used_end[si * RONDO_TIERS_MAX]);
    return c.problems;
}
