/* drain.c - cursors for consumers that export a store's points.
 *
 * A consumer's cursors live in drain-<consumer>.<tier>.json: for each schema,
 * the slot time before which everything has been delivered ("done until"),
 * and the number of slot times it ever missed. The file is rewritten
 * atomically on commit, so a consumer killed at any moment resumes from its
 * last commit: at-least-once delivery, duplicates bounded by what was
 * returned after that commit.
 *
 * Only complete slots are drained: for tier 0 those older than the head (the
 * head slot may still be written), for higher tiers those already
 * consolidated. A consumer whose cursor fell out of the window is moved to
 * the oldest readable slot and told how many slot times it missed: those
 * from its cursor, or from the oldest slot time the tier ever held
 * (first_ns) if that is later, so a cursor from before the store existed
 * counts at most the store's own history. A cursor after the newest
 * complete slot is refused (RONDO_ERROR_CORRUPT): no commit on this store
 * wrote it.
 */
#include "config.h"
#include <string.h>
#include "file.h"
#include "doc.h"
#include "ring.h"

struct _RondoDrain {
    RondoStore *store;
    char *consumer;
    char *path;
    guint tier;
    guint64 missed, missed_total;
    /* per schema */
    guint64 done[RONDO_SCHEMAS_MAX];       /* committed: slot times < done delivered */
    guint64 progress[RONDO_SCHEMAS_MAX];   /* returned so far in this pass */
    guint64 limit[RONDO_SCHEMAS_MAX];      /* complete slot times are < limit */
    guint64 end[RONDO_SCHEMAS_MAX];        /* a pass stops here: limit, or past the head */
    gboolean writer_gone;                  /* nobody but an adopter holds the store */
    GPtrArray *columns[RONDO_SCHEMAS_MAX]; /* column -> RondoSeries* */
    /* iteration */
    guint schema;
    guint64 t;
    guint32 col;
};

static gboolean
consumer_valid(const char *name)
{
    gsize n = name ? strlen(name) : 0;
    if (n == 0 || n > 64)
        return FALSE;
    for (gsize i = 0; i < n; i++) {
        if (!g_ascii_isalnum(name[i]) && name[i] != '_' && name[i] != '-')
            return FALSE;
    }
    return TRUE;
}

/* Reads the consumer's file into d->done[] and d->missed_total; absent is fine. */
static gboolean
drain_load(RondoDrain *d, GError **error)
{
    g_autoptr(GError) local = NULL;
    g_autoptr(RondoDocNode) o = rondo_doc_load(d->path, RONDO_DRAIN_BYTES_MAX, &local);

    if (o == NULL) {
        if (g_error_matches(local, RONDO_ERROR, RONDO_ERROR_NOT_FOUND))
            return TRUE;
        g_propagate_error(error, g_steal_pointer(&local));
        return FALSE;
    }
    const RondoDocNode *cursors = rondo_doc_get(o, "cursors");
    if (!rondo_doc_is_object(cursors))
        cursors = NULL;
    gint64 missed, version;
    gboolean versioned = rondo_doc_get_int(o, "version", 0, G_MAXINT64, &version);
    /* Checked before any other field: another version may mean them otherwise. */
    if (versioned && version != RONDO_DRAIN_VERSION) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_VERSION,
                    "%s: drain cursor version %" G_GINT64_FORMAT " is not supported (this is %d)",
                    d->path, version, RONDO_DRAIN_VERSION);
        return FALSE;
    }
    if (!versioned && cursors != NULL) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_VERSION,
                    "%s: a drain cursor file without a version (this library reads version %d)",
                    d->path, RONDO_DRAIN_VERSION);
        return FALSE;
    }
    if (!versioned || cursors == NULL ||
        !rondo_doc_get_int(o, "missed_total", 0, G_MAXINT64, &missed)) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT, "%s: not a drain cursor file",
                    d->path);
        return FALSE;
    }
    d->missed_total = (guint64)missed;
    for (guint s = 0; s < rondo_store_get_n_schemas(d->store); s++) {
        const char *name = rondo_schema_get_name(rondo_store_get_schema(d->store, s));
        gint64 done;
        if (rondo_doc_get(cursors, name) == NULL)
            continue;
        if (!rondo_doc_get_int(cursors, name, 0, G_MAXINT64, &done)) {
            g_set_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT, "%s: bad cursor for “%s”", d->path,
                        name);
            return FALSE;
        }
        d->done[s] = (guint64)done;
    }
    return TRUE;
}

/* Where this pass starts and ends for schema s; counts what was missed.
 * A cursor after the newest complete slot, or off the slot grid, cannot
 * come from a commit on this store: the store was replaced or damaged. */
static gboolean
drain_position(RondoDrain *d, guint s, GError **error)
{
    const RondoSlab *slab = rondo_store_slab(d->store, s, d->tier);
    guint64 oldest = ring_oldest(slab);
    guint64 first = ring_load_u64(&slab->state->first_ns);
    guint64 done = d->done[s];

    d->limit[s] = d->tier == 0 ? ring_load_u64_acquire(&slab->hdr->head_ns)
                               : ring_load_u64_acquire(&slab->state->filled_until_ns);
    /* With no writer left the head's slot is final too: a VM's last second. */
    if (d->tier == 0 && d->limit[s] != 0 && d->writer_gone)
        d->limit[s] += slab->interval_ns;
    /* No point lies past the head's slot: a damaged filled_until_ns far
     * ahead of it must not make a pass step through billions of empty slots. */
    guint64 head = ring_load_u64_acquire(&slab->hdr->head_ns);
    guint64 past_head =
        head > G_MAXUINT64 - slab->interval_ns ? G_MAXUINT64 : head + slab->interval_ns;
    d->end[s] = MIN(d->limit[s], past_head);
    /* (Older cursors are moved up to the window below, aligned or not.) */
    if (done > d->limit[s] || (done >= oldest && done % slab->interval_ns != 0)) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT,
                    "%s: the cursor of schema “%s”, %" G_GUINT64_FORMAT
                    ", is not a slot time up to the newest complete slot (%" G_GUINT64_FORMAT
                    "): the store was replaced or damaged; remove the file to export from "
                    "the oldest data again",
                    d->path, rondo_schema_get_name(rondo_store_get_schema(d->store, s)), done,
                    d->limit[s]);
        return FALSE;
    }
    /* A coarse tier's first bucket is written before it counts as filled
     * (a consolidation under way, or a writer killed between the two): its
     * oldest slot is then past the limit, and a cursor committed there would
     * be refused above. Never start beyond what is complete. */
    guint64 start = MIN(oldest, d->limit[s]);
    if (done == 0)
        done = start;       /* a new consumer starts at the oldest complete data */
    else if (done < oldest) /* only slot times the tier ever held count as missed */
        d->missed += (oldest - MAX(done, first)) / slab->interval_ns;
    d->done[s] = done;
    d->progress[s] = MAX(done, start);
    return TRUE;
}

RondoDrain *
rondo_drain_new(RondoStore *store, const char *consumer, guint tier, GError **error)
{
    return rondo_drain_new_at(store, NULL, consumer, tier, error);
}

RondoDrain *
rondo_drain_new_at(RondoStore *store, const char *cursor_dir, const char *consumer, guint tier,
                   GError **error)
{
    g_return_val_if_fail(store != NULL, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    if (!consumer_valid(consumer)) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_INVALID,
                    "consumer name “%s” is not 1 to 64 of [A-Za-z0-9_-]", consumer ? consumer : "");
        return NULL;
    }
    for (guint s = 0; s < store->schemas->len; s++) {
        if (rondo_store_slab(store, s, tier) == NULL) {
            g_set_error(error, RONDO_ERROR, RONDO_ERROR_NOT_FOUND, "%s: schema “%s” has no tier %u",
                        store->path, rondo_schema_get_name(rondo_store_get_schema(store, s)), tier);
            return NULL;
        }
    }
    g_autoptr(RondoDrain) d = g_new0(RondoDrain, 1);
    g_autofree char *base = g_strdup_printf("drain-%s.%u.json", consumer, tier);
    d->store = store;
    d->consumer = g_strdup(consumer);
    d->path = g_build_filename(cursor_dir != NULL ? cursor_dir : store->path, base, NULL);
    d->tier = tier;
    if (!drain_load(d, error))
        return NULL;
    d->writer_gone = store->writable ? store->adopted : rondo_store_writer_pid(store) == 0;
    for (guint s = 0; s < store->schemas->len; s++) {
        d->columns[s] = g_ptr_array_new();
        if (!drain_position(d, s, error))
            return NULL;
    }
    guint n = rondo_store_get_n_series(store);
    for (guint i = 0; i < n; i++) {
        RondoSeries *series = g_ptr_array_index(store->series, i);
        GPtrArray *cols = d->columns[series->schema];
        g_assert(series->column == cols->len); /* columns are dense, in id order */
        g_ptr_array_add(cols, series);
    }
    d->schema = 0;
    d->t = d->progress[0];
    d->col = 0;
    return g_steal_pointer(&d);
}

/* The column a drain reads: tier 0's raw values, else the average if kept. */
static guint32
drain_column(const RondoSlab *slab, guint tier, guint32 col)
{
    gint64 column = ring_column(slab, tier, RONDO_CF_AVERAGE, col);
    return column >= 0 ? (guint32)column : col; /* else the tier's first function */
}

gboolean
rondo_drain_next(RondoDrain *d, RondoSeries **ret_series, guint64 *ret_timestamp_ns,
                 double *ret_value)
{
    g_return_val_if_fail(d != NULL, FALSE);
    guint n_schemas = d->store->schemas->len;

    while (d->schema < n_schemas) {
        guint s = d->schema;
        const RondoSlab *slab = rondo_store_slab(d->store, s, d->tier);
        GPtrArray *cols = d->columns[s];
        if (d->t == 0 || d->t >= d->end[s]) {
            if (++d->schema < n_schemas)
                d->t = d->progress[d->schema];
            d->col = 0;
            continue;
        }
        while (d->col < cols->len) {
            guint32 c = d->col++;
            double v;
            if (ring_read(slab, drain_column(slab, d->tier, c), d->t, &v)) {
                *ret_series = g_ptr_array_index(cols, c);
                *ret_timestamp_ns = d->t;
                *ret_value = v;
                return TRUE;
            }
        }
        d->t += slab->interval_ns; /* every point of the slot was returned */
        d->progress[s] = d->t;
        d->col = 0;
    }
    return FALSE;
}

guint64
rondo_drain_get_missed(const RondoDrain *drain)
{
    g_return_val_if_fail(drain != NULL, 0);
    return drain->missed;
}

guint64
rondo_drain_get_missed_total(const RondoDrain *drain)
{
    g_return_val_if_fail(drain != NULL, 0);
    return drain->missed_total + drain->missed;
}

guint64
rondo_drain_get_cursor_ns(const RondoDrain *drain, guint schema)
{
    g_return_val_if_fail(drain != NULL && schema < drain->store->schemas->len, 0);
    return drain->done[schema];
}

RondoStore *
rondo_drain_get_store(const RondoDrain *drain)
{
    g_return_val_if_fail(drain != NULL, NULL);
    return drain->store;
}

guint
rondo_drain_get_tier(const RondoDrain *drain)
{
    g_return_val_if_fail(drain != NULL, 0);
    return drain->tier;
}

gboolean
rondo_drain_commit(RondoDrain *d, GError **error)
{
    g_return_val_if_fail(d != NULL, FALSE);
    RondoDocWriter w;

    rondo_doc_writer_init(&w, FALSE);
    rondo_doc_write_begin_object(&w, NULL);
    rondo_doc_write_int(&w, "version", RONDO_DRAIN_VERSION);
    rondo_doc_write_string(&w, "consumer", d->consumer);
    rondo_doc_write_int(&w, "tier", d->tier);
    rondo_doc_write_int(&w, "missed_total", (gint64)(d->missed_total + d->missed));
    rondo_doc_write_begin_object(&w, "cursors");
    for (guint s = 0; s < d->store->schemas->len; s++)
        rondo_doc_write_int(&w, rondo_schema_get_name(rondo_store_get_schema(d->store, s)),
                            (gint64)MAX(d->done[s], d->progress[s]));
    rondo_doc_write_end_object(&w);
    rondo_doc_write_end_object(&w);
    gsize len = 0;
    g_autofree char *text = rondo_doc_writer_finish(&w, &len);
    if (!rondo_file_replace(d->path, text, len, error))
        return FALSE;
    for (guint s = 0; s < d->store->schemas->len; s++)
        d->done[s] = MAX(d->done[s], d->progress[s]);
    d->missed_total += d->missed;
    d->missed = 0;
    /* What was drained is read: its pages leave this process' mapping. A
     * reader's at every commit: its first read of a page mapped up to 64 kB
     * of the page cache around it, mostly last lap's slots ahead of the
     * head that no writer maps (rondod drains every store it exports every
     * 10 s; held for a minute, those windows were most of what 100 stores
     * cost in memory, docs/benchmarks.md). A writer's own drain, at most
     * once a minute: it keeps the head's pages, which it writes next. */
    if (!d->store->writable || rondo_store_release_due(&d->store->drain_released_us))
        rondo_store_release_tier(d->store, d->tier);
    return TRUE;
}

void
rondo_drain_free(RondoDrain *drain)
{
    if (drain == NULL)
        return;
    for (guint s = 0; s < RONDO_SCHEMAS_MAX; s++) {
        if (drain->columns[s])
            g_ptr_array_unref(drain->columns[s]);
    }
    g_free(drain->consumer);
    g_free(drain->path);
    g_free(drain);
}

gboolean
rondo_series_restore(RondoSeries *series, guint tier, RondoConsolidation cf, guint64 timestamp_ns,
                     double value, GError **error)
{
    g_return_val_if_fail(series != NULL && series->store != NULL, FALSE);
    RondoStore *store = series->store;
    RondoSlab *slab = rondo_store_slab(store, series->schema, tier);

    if (!store->writable) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_READ_ONLY, "%s: opened read-only", store->path);
        return FALSE;
    }
    gint group = slab == NULL                ? -1
                 : tier == 0                 ? 0
                 : cf < RONDO_CF_N_FUNCTIONS ? slab->group_of[cf]
                                             : -1;
    if (group < 0) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_NOT_FOUND, "%s: tier %u does not keep the %s",
                    series->key, tier,
                    cf < RONDO_CF_N_FUNCTIONS ? rondo_consolidation_to_string(cf) : "?");
        return FALSE;
    }
    RondoRecordResult res = ring_write(slab, ring_group_column(slab, (guint)group, series->column),
                                       value, timestamp_ns);
    if (res == RONDO_RECORD_OUT_OF_RANGE) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_INVALID,
                    "%s: timestamp %" G_GUINT64_FORMAT
                    " ns is outside the valid range %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT
                    " ns (2000-01-01 to 2200-01-01 UTC)",
                    series->key, timestamp_ns, RONDO_TIME_MIN_NS, RONDO_TIME_MAX_NS);
        return FALSE;
    }
    if (res != RONDO_RECORD_OK) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_INVALID,
                    "%s: timestamp %" G_GUINT64_FORMAT " is older than tier %u's window",
                    series->key, timestamp_ns, tier);
        return FALSE;
    }
    guint64 end = timestamp_ns - timestamp_ns % slab->interval_ns + slab->interval_ns;
    if (tier > 0 && ring_load_u64(&slab->state->filled_until_ns) < end)
        ring_store_u64_release(&slab->state->filled_until_ns, end);
    return TRUE;
}
