/* slab.c - one tier of one schema as a fixed-size memory-mapped file.
 *
 * Why mmap: the writer's hot path is a store into memory; the kernel's page
 * cache makes it durable against the writer's death (not against power
 * loss, which is documented), and readers in other processes map the same
 * pages read-only.
 *
 * A slab is created at its exact final size (posix_fallocate), filled with
 * NaN, and never grows. Opening checks every header field against the
 * schema from meta.json and reports damage; it never rewrites anything.
 * A slab of an older format version (format.h: version 1 has every tier in
 * the row layout, versions 1 and 2 order values by column) is opened
 * read-only; the writer only ever has slabs of RONDO_SLAB_VERSION.
 */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "file.h"
#include "ring.h"

gboolean
rondo_slab_geometry_of(const RondoSchema *schema, guint tier, guint version,
                       RondoSlabGeometry *ret_geometry, GError **error)
{
    g_assert(tier < schema->n_tiers);
    const char *field = NULL;
    if (rondo_slab_geometry(version, tier, schema->series_max, schema->tiers[tier].slots,
                            rondo_tier_n_functions(schema, tier), ret_geometry, &field))
        return TRUE;
    g_set_error(error, RONDO_ERROR, RONDO_ERROR_INVALID,
                "schema “%s” tier %u: %s passes 2^63 bytes", schema->name, tier, field);
    return FALSE;
}

/* The geometry of a schema already checked (rondo_schema_add_tier()). */
static RondoSlabGeometry
slab_geometry_valid(const RondoSchema *schema, guint tier, guint version)
{
    RondoSlabGeometry g;
    gboolean ok = rondo_slab_geometry_of(schema, tier, version, &g, NULL);
    g_assert(ok);
    return g;
}

static void
slab_bind(RondoSlab *slab, const RondoSchema *schema, guint tier, guint version)
{
    const RondoTier *t = &schema->tiers[tier];
    RondoSlabGeometry g = slab_geometry_valid(schema, tier, version);
    g_assert(g.file_bytes == slab->map_bytes);

    slab->version = version;
    slab->hdr = (RondoSlabHeader *)(void *)slab->map;
    slab->state = (RondoSlabState *)(void *)(slab->map + RONDO_SLAB_STATE_OFFSET);
    slab->dir = (RondoDirEntry *)(void *)(slab->map + RONDO_SLAB_DIR_OFFSET);
    slab->ts = g.cells ? NULL : (guint64 *)(void *)(slab->map + g.ts_off);
    slab->values = g.cells ? NULL : (double *)(void *)(slab->map + g.col_off);
    slab->cells = g.cells ? (RondoCell *)(void *)(slab->map + g.col_off) : NULL;
    slab->interval_ns = t->interval_ns;
    slab->slots = t->slots;
    slab->col_step = g.col_step;
    slab->slot_step = g.slot_step;
    /* The cache stays empty (width 0) until a write sets it. With cells its
     * slot is counted in cells from a column's first (rondo-record.h); in
     * the row layout it is the ring slot, an index of ts. */
    slab->cache.step = g.cells ? g.slot_step : 1;
    slab->cache.end = (guint64)t->slots * slab->cache.step;
    slab->t_valid_max = RONDO_TIME_MIN_NS + (RONDO_WINDOW_MAX_NS - t->interval_ns);
    slab->cache.t_max = slab->t_valid_max; /* the row layout's; cells: cache_bound() */
    slab->cache.head_ns = &slab->hdr->head_ns;
    gboolean ok = g_uint64_checked_mul(&slab->window_ns, t->interval_ns, t->slots);
    g_assert(ok && slab->window_ns <= RONDO_WINDOW_MAX_NS); /* rondo_schema_add_tier() */
    slab->series_max = schema->series_max;
    slab->stride = (guint32)(g.stride_bytes / (g.cells ? sizeof(RondoCell) : sizeof(double)));
    slab->functions = rondo_tier_effective_functions(schema, tier);
    slab->n_columns = rondo_tier_n_functions(schema, tier) * schema->series_max;
    guint group = 0;
    for (guint f = 0; f < RONDO_CF_N_FUNCTIONS; f++)
        slab->group_of[f] = (slab->functions & RONDO_CF_BIT(f)) ? (gint8)group++ : -1;
}

void
rondo_slab_header_init(RondoSlabHeader *hdr, const RondoSchema *schema, guint tier, guint64 bytes)
{
    memset(hdr, 0, sizeof *hdr);
    memcpy(hdr->magic, RONDO_SLAB_MAGIC, 8);
    hdr->version = RONDO_SLAB_VERSION;
    g_assert(bytes == slab_geometry_valid(schema, tier, RONDO_SLAB_VERSION).file_bytes);
    hdr->tier = (guint8)tier;
    hdr->n_functions = (guint8)rondo_tier_n_functions(schema, tier);
    hdr->functions = rondo_tier_effective_functions(schema, tier);
    hdr->schema_hash = rondo_schema_hash(schema);
    hdr->slots = schema->tiers[tier].slots;
    hdr->series_max = schema->series_max;
    hdr->interval_ns = schema->tiers[tier].interval_ns;
    hdr->file_bytes = bytes;
    hdr->checksum = rondo_crc32(hdr, G_STRUCT_OFFSET(RondoSlabHeader, checksum));
}

/* Maps @fd, which the slab then owns (closed on failure too). */
static RondoSlab *
slab_map(const char *path, int fd, gsize bytes, gboolean writable, GError **error)
{
    int prot = PROT_READ | (writable ? PROT_WRITE : 0);
    void *map = mmap(NULL, bytes, prot, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
        int e = errno;
        close(fd);
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_IO, "%s: cannot map: %s", path, g_strerror(e));
        return NULL;
    }
    RondoSlab *slab = g_new0(RondoSlab, 1);
    slab->writable = writable;
    slab->path = g_strdup(path);
    slab->fd = fd;
    slab->map = map;
    slab->map_bytes = bytes;
    return slab;
}

static gboolean
io_error(GError **error, const char *path, const char *what)
{
    int e = errno;
    g_set_error(error, RONDO_ERROR, RONDO_ERROR_IO, "%s: %s: %s", path, what, g_strerror(e));
    return FALSE;
}

/* A new slab holds nothing: every value NaN, every cell's tag 0 (the file
 * is zero-filled). */
static void
slab_clear(RondoSlab *slab)
{
    gsize n = (gsize)slab->n_columns * slab->stride;
    for (gsize i = 0; i < n; i++) {
        if (slab->cells)
            slab->cells[i].value = NAN;
        else
            slab->values[i] = NAN;
    }
}

RondoSlab *
rondo_slab_create(const char *path, const RondoSchema *schema, guint tier, GError **error)
{
    g_assert(tier < schema->n_tiers);
    RondoSlabGeometry g;
    if (!rondo_slab_geometry_of(schema, tier, RONDO_SLAB_VERSION, &g, error))
        return NULL;
    guint64 bytes = g.file_bytes;
    g_autofree char *dir = g_path_get_dirname(path);
    int fd = rondo_file_create(path, O_RDWR | O_EXCL, rondo_file_dir_is_shared(dir), error);
    if (fd < 0)
        return NULL;
    if (!rondo_file_allocate(fd, path, bytes, error)) {
        close(fd);
        unlink(path);
        return NULL;
    }
    RondoSlab *slab = slab_map(path, fd, bytes, TRUE, error);
    if (slab == NULL) {
        unlink(path);
        return NULL;
    }
    slab_bind(slab, schema, tier, RONDO_SLAB_VERSION);
    slab_clear(slab);
    rondo_slab_header_init(slab->hdr, schema, tier, bytes);
    if (!rondo_slab_sync(slab, error)) {
        rondo_slab_close(slab);
        unlink(path);
        return NULL;
    }
    /* Filling wrote every page; they leave this process' mapping, so a new
     * VMM's store costs the memory of the pages it writes, not of the whole
     * file. */
    rondo_slab_release(slab);
    return slab;
}

/* MADV_DONTNEED on a shared file mapping only unmaps: the kernel moves a
 * dirty page table entry's state to the page, so nothing written is lost,
 * and a later access faults the page back in from the page cache. What
 * leaves is the page's share of this process' PSS and RSS. */
void
rondo_slab_release(RondoSlab *slab)
{
    (void)madvise(slab->map, slab->map_bytes, MADV_DONTNEED);
}

/* The pages wholly inside [@from, @to) released (@page: the page size). */
static void
slab_release_range(guintptr from, guintptr to, guintptr page)
{
    guintptr lo = (from + page - 1) & ~(page - 1), hi = to & ~(page - 1);
    if (lo < hi)
        (void)madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

/* What a writer touches next is the header, the directory and the ring
 * slots at and after the head: by slot (format 3) those are a few pages,
 * which stay; the rest of the values goes (a page that did not go
 * faults back in from the page cache at the head's next pass, as it does
 * after every writeback anyway). By column (formats 1-2, read-only) the
 * head's slot has a page in every column: all of it goes. */
void
rondo_slab_release_behind_head(RondoSlab *slab)
{
    if (!rondo_slab_by_slot(slab->version)) {
        rondo_slab_release(slab);
        return;
    }
    guintptr page = (guintptr)sysconf(_SC_PAGESIZE);
    gsize elem = slab->cells ? sizeof(RondoCell) : sizeof(double);
    guintptr first = (guintptr)(slab->cells ? (void *)slab->cells : (void *)slab->values);
    guintptr end = (guintptr)slab->map + slab->map_bytes;
    gsize row = slab->slot_step * elem; /* one ring slot of every column */
    guint32 head = ring_slot_for_time(slab, ring_load_u64(&slab->hdr->head_ns));
    guintptr keep = first + (gsize)head * row;
    guintptr keep_end = MIN(keep + 2 * row, end); /* the head's slot and the next */
    guintptr touched = __atomic_load_n(&slab->touched_end, __ATOMIC_RELAXED);
    if (touched > keep_end && touched <= end) /* the writer's pages ahead (cache_bound()) */
        keep_end = touched;
    slab_release_range(first, keep, page);
    /* mmap maps whole pages: the last one is the mapping's, whatever the size */
    slab_release_range(keep_end, end + page - 1, page);
}

/* Why the writer touches a page first by a write: a read fault on a file
 * mapping maps up to 64 kB of the page cache around the page ("fault
 * around"), and tier 0's cells are read (the seqlock's tag) before they are
 * written. Ahead of the head those are last lap's pages: a recording
 * process would map 16 pages where it writes 1, and carry them until the
 * next release. A write fault maps the one page. So when the head's slot is
 * cached, every page of the slot's cells that series use gets a no-op
 * atomic write (the value does not change, so readers see nothing; the
 * columns no series holds are not touched, so their pages are not dirtied
 * for nothing), and the cache (RondoRecorderHead.t_max) ends with the last
 * slot whose used cells lie inside the pages touched: the inline path moves
 * through those, and the slot that enters a new page comes here, once a
 * page. By column (format 2, read-only) there is nothing to bound. */
void
rondo_slab_cache_bound(RondoSlab *slab, guint64 t, guint32 r)
{
    g_assert(slab->cells != NULL && slab->writable);
    if (!rondo_slab_by_slot(slab->version)) {
        slab->cache.t_max = slab->t_valid_max;
        return;
    }
    guintptr page = (guintptr)sysconf(_SC_PAGESIZE);
    gsize row_bytes = slab->slot_step * sizeof(RondoCell);
    gsize used_bytes =
        ((gsize)MAX(slab->columns_used, 1) - 1) * slab->col_step * sizeof(RondoCell) +
        sizeof(RondoCell);
    guintptr first = (guintptr)slab->cells;
    guintptr row = first + (gsize)r * row_bytes, used_end = row + used_bytes;
    for (guintptr p = row; p < used_end; p = (p & ~(page - 1)) + page)
        __atomic_fetch_or((guint64 *)p, 0, __ATOMIC_RELAXED);
    guintptr end = (used_end + page - 1) & ~(page - 1);
    __atomic_store_n(&slab->touched_end, end, __ATOMIC_RELAXED);
    /* the slots whose used cells end inside the pages touched, the ring's
     * end and the valid times permitting */
    guint64 last = MIN((end - first - used_bytes) / row_bytes, (guint64)slab->slots - 1);
    g_assert(last >= r);
    guint64 t_max = t + (last - r) * slab->interval_ns;
    slab->cache.t_max = MIN(t_max, slab->t_valid_max);
}

static gboolean
corrupt(GError **error, RondoError code, const char *path, const char *problem)
{
    g_set_error(error, RONDO_ERROR, code, "%s: %s", path, problem);
    return FALSE;
}

/* The slab's version against the one meta.json implies (@version). */
static gboolean
slab_version_check(const RondoSlabHeader *hdr, const char *path, guint version, GError **error)
{
    if (hdr->version < RONDO_SLAB_VERSION_V1 || hdr->version > RONDO_SLAB_VERSION) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_VERSION,
                    "%s: slab format version %u is not supported (this library reads %d to %d)",
                    path, hdr->version, RONDO_SLAB_VERSION_V1, RONDO_SLAB_VERSION);
        return FALSE;
    }
    if (hdr->version != version) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_VERSION,
                    "%s: slab format version %u in a store of version %u: an upgrade was "
                    "interrupted; run `rondo upgrade` on the store to finish it",
                    path, hdr->version, version);
        return FALSE;
    }
    return TRUE;
}

/* Every check a header gets, in the order a damaged file is best explained. */
static gboolean
slab_header_check(const RondoSlabHeader *hdr, gsize size, const char *path,
                  const RondoSchema *schema, guint tier, guint version, GError **error)
{
    if (size < sizeof *hdr)
        return corrupt(error, RONDO_ERROR_CORRUPT, path, "truncated: shorter than its header");
    if (memcmp(hdr->magic, RONDO_SLAB_MAGIC, 8) != 0)
        return corrupt(error, RONDO_ERROR_FOREIGN, path, "not a rondo slab (bad magic)");
    if (!slab_version_check(hdr, path, version, error))
        return FALSE;
    if (hdr->checksum != rondo_crc32(hdr, G_STRUCT_OFFSET(RondoSlabHeader, checksum)))
        return corrupt(error, RONDO_ERROR_CORRUPT, path, "header checksum mismatch");
    if (hdr->schema_hash != rondo_schema_hash(schema) || hdr->tier != tier)
        return corrupt(error, RONDO_ERROR_FOREIGN, path,
                       "belongs to another schema or tier than meta.json describes");
    RondoSlabGeometry g;
    if (!rondo_slab_geometry_of(schema, tier, version, &g, error))
        return FALSE;
    guint64 expect = g.file_bytes;
    if (hdr->slots != schema->tiers[tier].slots || hdr->series_max != schema->series_max ||
        hdr->interval_ns != schema->tiers[tier].interval_ns || hdr->file_bytes != expect)
        return corrupt(error, RONDO_ERROR_CORRUPT, path, "header geometry disagrees with schema");
    if (size != expect) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT,
                    "%s: truncated or extended: %" G_GSIZE_FORMAT
                    " bytes, expected %" G_GUINT64_FORMAT,
                    path, size, expect);
        return FALSE;
    }
    if (hdr->head_ns % hdr->interval_ns != 0)
        return corrupt(error, RONDO_ERROR_CORRUPT, path, "write cursor is not a slot time");
    return TRUE;
}

RondoSlab *
rondo_slab_open(const char *path, const RondoSchema *schema, guint tier, guint version,
                gboolean writable, GError **error)
{
    g_assert(tier < schema->n_tiers);
    g_assert(!writable || version == RONDO_SLAB_VERSION); /* the store refused it */
    struct stat st;
    int fd = rondo_file_open(path, writable ? O_RDWR : O_RDONLY, &st, error);
    if (fd < 0)
        return NULL;
    RondoSlabHeader hdr;
    gsize size = (gsize)st.st_size;
    memset(&hdr, 0, sizeof hdr);
    if (size >= sizeof hdr && pread(fd, &hdr, sizeof hdr, 0) != (ssize_t)sizeof hdr) {
        io_error(error, path, "cannot read header");
        close(fd);
        return NULL;
    }
    if (!slab_header_check(&hdr, size, path, schema, tier, version, error)) {
        close(fd);
        return NULL;
    }
    /* The size was checked against the schema: the map covers the file. */
    RondoSlab *slab = slab_map(path, fd, size, writable, error);
    if (slab == NULL)
        return NULL;
    slab_bind(slab, schema, tier, version);
    return slab;
}

gboolean
rondo_slab_sync(RondoSlab *slab, GError **error)
{
    if (msync(slab->map, slab->map_bytes, MS_SYNC) < 0)
        return io_error(error, slab->path, "cannot sync");
    return TRUE;
}

gboolean
rondo_slab_check(const RondoSlab *slab, GError **error)
{
    struct stat st;
    if (fstat(slab->fd, &st) < 0)
        return io_error(error, slab->path, "cannot stat");
    if ((guint64)st.st_size != slab->map_bytes) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT,
                    "%s: truncated or extended while mapped: %" G_GUINT64_FORMAT
                    " bytes, expected %" G_GSIZE_FORMAT,
                    slab->path, (guint64)st.st_size, slab->map_bytes);
        return FALSE;
    }
    return TRUE;
}

gboolean
rondo_slab_watch(const RondoSlab *slab, int inotify_fd, int *ret_wd, GError **error)
{
    /* Through the descriptor: the file mapped, whatever its name leads to now. */
    char proc[48];
    g_snprintf(proc, sizeof proc, "/proc/self/fd/%d", slab->fd);
    int wd = inotify_add_watch(inotify_fd, proc, IN_MODIFY);
    if (wd < 0)
        return io_error(error, slab->path, "cannot watch");
    *ret_wd = wd;
    return TRUE;
}

void
rondo_slab_close(RondoSlab *slab)
{
    if (slab == NULL)
        return;
    munmap(slab->map, slab->map_bytes);
    close(slab->fd);
    g_free(slab->path);
    g_free(slab);
}

/* Cold half of ring_write_row(): reset ring slot r for slot time t. */
void
ring_claim(RondoSlab *slab, guint32 r, guint64 t)
{
    g_assert(r < slab->slots && slab->ts != NULL);
    /* A slot never claimed (time 0) still holds the NaN its slab was
     * created with (slab_clear(); upgrade and resize write into new slabs
     * the same way), so on a ring's first lap the reset writes nothing: the
     * pages of other columns stay untouched, out of the writer's memory. */
    gboolean fresh = ring_load_u64(&slab->ts[r]) == 0;
    ring_debug_assert(ring_tag_may_become(slab, ring_load_u64(&slab->ts[r]), t) &&
                      r == ring_slot_for_time(slab, t));
    ring_store_u64(&slab->ts[r], RONDO_SLOT_CLAIMING);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    for (guint32 c = 0; !fresh && c < slab->n_columns; c++)
        ring_store_f64(ring_value(slab, c, r), NAN);
    ring_store_u64_release(&slab->ts[r], t);
}

/* Cold half of ring_write_cell(): the slot is not the cached head slot. */
RondoRecordResult
ring_write_cell_slow(RondoSlab *slab, guint32 column, double v, guint64 ts)
{
    guint64 t;
    guint32 r;
    if (G_UNLIKELY(!slab->writable))
        return RONDO_RECORD_READ_ONLY; /* a v1 slab too, which has no cells */
    g_assert(slab->cells != NULL && column < slab->n_columns);
    RondoRecordResult res = ring_locate_slow(slab, ts, &t, &r);
    if (res == RONDO_RECORD_OK)
        ring_cell_store(slab, ring_cell(slab, column, r), t, v);
    return res;
}
