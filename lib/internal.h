/* internal.h - librondo's private types, shared by its .c files only.
 *
 * Ownership: a RondoStore owns its schemas (copies), its slabs (one per
 * schema and tier) and its series. Nothing here is visible outside the
 * library (hidden visibility, librondo.sym).
 */
#ifndef RONDO_INTERNAL_H
#define RONDO_INTERNAL_H

/* Only librondo's own objects are compiled with RONDO_COMPILATION: this
 * stops librondo-export (and anything else built beside the library) from
 * reaching past the public API. */
#ifndef RONDO_COMPILATION
#error "internal.h is private to librondo; use rondo.h"
#endif

#include <sys/types.h>
#include "rondo.h"
#include "format.h"

/* ------------------------------------------------------------ checksums */
guint32 rondo_crc32(const void *data, gsize n);
guint64 rondo_fnv1a64(const void *data, gsize n);

/* --------------------------------------------------------------- schema */
struct _RondoMatcher {
    char *label;
    RondoMatchOp op;
    char *value;
    GRegex *regex; /* for the two regex operators */
};

/* A matcher's =~ expression @value, anchored as ^(?:value)$ and compiled,
 * from the process' cache when it was compiled before (regex-cache.c). */
GRegex *rondo_regex_cache_get(const char *value, GError **error);
/* How many compiled expressions the cache keeps (for the tests). */
guint rondo_regex_cache_size(void);

typedef struct {
    guint64 interval_ns;
    guint32 slots;
    guint32 functions; /* RONDO_CF_BIT mask */
} RondoTier;

struct _RondoSchema {
    char *name;
    guint32 series_max;
    GPtrArray *matchers; /* RondoMatcher* */
    guint n_tiers;
    RondoTier tiers[RONDO_TIERS_MAX];
};

RondoSchema *rondo_schema_copy(const RondoSchema *schema);
guint64 rondo_schema_hash(const RondoSchema *schema);
gboolean rondo_schema_validate(const RondoSchema *schema, GError **error);
gboolean rondo_schema_matches(const RondoSchema *schema, const char *name,
                              const char *const *labels);
gboolean rondo_match_op_from_string(const char *text, RondoMatchOp *ret_op);
guint rondo_tier_n_functions(const RondoSchema *schema, guint tier);
guint32 rondo_tier_effective_functions(const RondoSchema *schema, guint tier);

/* ----------------------------------------------------------------- slab */
typedef struct {
    char *path;
    int fd; /* kept open for rondo_slab_check() */
    guint8 *map;
    gsize map_bytes;
    RondoSlabHeader *hdr;
    RondoSlabState *state;
    RondoDirEntry *dir;
    guint version;     /* RONDO_SLAB_VERSION, or an older one read-only */
    gboolean writable; /* mapped PROT_WRITE; else every write is refused untouched */
    guint64 *ts;       /* row layout (format.h): slot times; NULL in the cell layout */
    double *values;    /* row layout: value columns; NULL in the cell layout */
    RondoCell *cells;  /* cell layout: tagged value columns; NULL in the row layout */
    guint64 interval_ns;
    guint64 window_ns; /* interval_ns * slots */
    guint32 slots;
    guint32 series_max;
    guint32 stride; /* a column's share of the region: n_columns × stride values or cells */
    /* Values or cells between two columns, and between two ring slots of a
     * column (format.h: by column before version 3, by slot from it). */
    gsize col_step, slot_step;
    guint32 n_columns;
    guint32 functions;
    gint8 group_of[RONDO_CF_N_FUNCTIONS]; /* function -> column group, -1 none */
    /* Writer-side cache of the head slot: skips the divisions. A width of 0
     * means no slot is cached (after create or open). */
    RondoRecorderHead cache; /* RondoRecorder's head points here */
    guint64 t_valid_max;     /* the newest slot time whose every timestamp is valid */
    /* Cell layout, writer: the end of the pages ahead of the cached slot
     * that it has touched by a write (rondo_slab_cache_bound()); a release
     * keeps them (read from any thread). */
    guintptr touched_end;
    guint32 columns_used; /* tier 0: columns [0, columns_used) hold series (store.c) */
} RondoSlab;

/* The geometry of a slab of @schema's @tier in slab format @version;
 * RONDO_ERROR_INVALID naming the size that would pass 2^63 bytes. */
gboolean rondo_slab_geometry_of(const RondoSchema *schema, guint tier, guint version,
                                RondoSlabGeometry *ret_geometry, GError **error);
RondoSlab *rondo_slab_create(const char *path, const RondoSchema *schema, guint tier,
                             GError **error);
/* @version: the slab version meta.json implies; a slab of another is refused. */
RondoSlab *rondo_slab_open(const char *path, const RondoSchema *schema, guint tier, guint version,
                           gboolean writable, GError **error);
void rondo_slab_close(RondoSlab *slab);
/* Writer, cell layout: the head's slot @r (slot time @t) is being cached;
 * touches its pages by a write and bounds the cache to the slots inside
 * the pages touched. */
void rondo_slab_cache_bound(RondoSlab *slab, guint64 t, guint32 r);
/* The header a new slab of @bytes bytes gets (the fuzz targets make them too). */
void rondo_slab_header_init(RondoSlabHeader *hdr, const RondoSchema *schema, guint tier,
                            guint64 bytes);
gboolean rondo_slab_sync(RondoSlab *slab, GError **error);
/* Drops the slab's pages from this process' mapping; their contents stay in
 * the page cache (dirty ones are still written back) and a later access maps
 * them again. Any thread may read the slab meanwhile. */
void rondo_slab_release(RondoSlab *slab);
/* The same for every page but the header's, the directory's and those of
 * the ring slots at and after the head, which a writer touches next. */
void rondo_slab_release_behind_head(RondoSlab *slab);
/* RONDO_ERROR_CORRUPT when the file no longer has the size mapped (SIGBUS ahead). */
gboolean rondo_slab_check(const RondoSlab *slab, GError **error);
/* An IN_MODIFY watch of the mapped file on @inotify_fd (rondo_store_watch_files()). */
gboolean rondo_slab_watch(const RondoSlab *slab, int inotify_fd, int *ret_wd, GError **error);

/* --------------------------------------------------------------- series */
/* What a series measures (series-desc.c); immutable once made. */
typedef struct {
    RondoSeriesType type;
    char *unit; /* "" when not said */
    char *help; /* "" when not said */
} RondoSeriesDesc;

/* A description, or NULL with RONDO_ERROR_INVALID when a field is bad.
 * NULL @unit or @help: not said. */
RondoSeriesDesc *rondo_series_desc_new(RondoSeriesType type, const char *unit, const char *help,
                                       GError **error);
void rondo_series_desc_free(RondoSeriesDesc *desc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RondoSeriesDesc, rondo_series_desc_free)
gboolean rondo_series_desc_equal(const RondoSeriesDesc *a, const RondoSeriesDesc *b);
/* Installs @desc (owned) in @series; the old one goes to @retired (freed
 * when the store closes: a reader thread may still hold its strings). */
void rondo_series_desc_swap(RondoSeries *series, RondoSeriesDesc *desc, GPtrArray *retired);
struct _RondoSeries {
    /* The hot path reads only these three fields. */
    RondoSlab *slab0;
    RondoCell *cells0; /* the series' first cell in tier 0 (ring slot 0); NULL in a v1 store */
    guint32 column;
    guint32 id;
    guint schema;
    RondoStore *store; /* the owner, for the calls that need more than tier 0 */
    char *name;
    char **labels; /* sorted name, value pairs, NULL-terminated */
    char *key;
    /* Its description, replaced as a whole (rondo_series_desc_swap()) and
     * read with acquire: threads reading a series while a refresh or a
     * registration changes it see the old one or the new one. NULL: none. */
    RondoSeriesDesc *desc;
};

gboolean rondo_series_validate(const char *name, const char *const *labels, GError **error);
/* [a-zA-Z_][a-zA-Z0-9_]* (with ':' too when @colon_ok), 1..@max bytes: the
 * rule of series names, label names and units. */
gboolean rondo_name_valid(const char *s, gboolean colon_ok, gsize max);
char **rondo_labels_sorted(const char *const *labels);
char *rondo_series_key_build(const char *name, const char *const *sorted_labels);
RondoSeries *rondo_series_new(const char *name, const char *const *labels, guint schema,
                              guint32 column, guint32 id);
void rondo_series_free(RondoSeries *series);

/* ---------------------------------------------------------------- store */
typedef struct {
    RondoSchema *schema;
    RondoSlab *slabs[RONDO_TIERS_MAX];
    guint32 n_series;
} RondoSchemaState;

struct _RondoStore {
    char *path;
    guint version; /* RONDO_STORE_VERSION; RONDO_STORE_VERSION_V1 only read-only */
    gboolean writable;
    gboolean adopted;    /* RONDO_OPEN_ADOPT: the writer is gone */
    char *done_dir;      /* a swap's DONE directory the store is read from too, or NULL */
    ino_t meta_ino;      /* meta.json's inode when opened; another means resized or upgraded */
    guint64 index_stamp; /* series.json as last loaded: rondo_store_file_stamp() */
    gint64 coarse_released_us; /* monotonic; the last release after a consolidation */
    gint64 drain_released_us;  /* the same after a writer's drain commit (atomic: any thread) */
    gint64 trimmed_us;         /* the same for rondo_store_trim() */
    int dir_fd;                /* a writer's: flock'ed, the writer lock */
    int lock_fd;               /* a writer's: the file `lock`, flock'ed too (0.1 compatibility) */
    GPtrArray *schemas;        /* RondoSchemaState* */
    GPtrArray *series;         /* RondoSeries*, index = id; sized for every schema's series_max
                                * at open, so it never moves: readers in other threads use
                                * the first n_published entries while a refresh appends */
    guint n_published;         /* release-stored after each append; acquire-loaded by readers */
    GHashTable *by_key;        /* key -> RondoSeries* (borrowed) */
    GPtrArray *retired;        /* RondoSeriesDesc* replaced while the store was open */
    guint64 bytes;
};

/* meta.json and series.json */
gboolean rondo_meta_write(const char *dir, RondoSchema *const *schemas, guint n, GError **error);
/* @ret_version: (optional): the store version, RONDO_STORE_VERSION_V1 or later. */
GPtrArray *rondo_meta_read(const char *dir, guint *ret_version, GError **error);
gboolean rondo_index_write(const RondoStore *store, GError **error);
GPtrArray *rondo_index_read(const char *dir, gsize bytes_max, GError **error);
/* The most series.json may hold for @store: RONDO_INDEX_SERIES_BYTES per
 * series it can hold, at most RONDO_INDEX_BYTES_MAX. The writer refuses a
 * registration past it, so that readers never refuse what it wrote. */
gsize rondo_index_bytes_max(const RondoStore *store);
char *rondo_slab_path(const char *dir, const char *schema, guint tier);

/* consolidate.c: each consolidation function's name and how it combines. */
typedef struct {
    const char *name;           /* as in meta.json, schema files and the tools */
    const char *alias;          /* another name accepted when reading, or NULL */
    RondoConsolidation combine; /* what a coarser tier applies to the finer tier's column */
} RondoCfInfo;
extern const RondoCfInfo rondo_cf_table[RONDO_CF_N_FUNCTIONS];
/* The function tier 0's one column of raw values reads as. */
#define RONDO_CF_RAW RONDO_CF_LAST
/* store-stamp.c: meta.json's inode in @dir now, 0 if none; a file's
 * identity, size and time folded into a number, 0 if it is missing. */
ino_t rondo_store_meta_inode(const char *dir);
guint64 rondo_store_file_stamp(const char *dir, const char *file);
/* Called with the writer lock held, before meta.json is read. */
typedef gboolean (*RondoStoreLockedFunc)(const char *path, GError **error);
/* Opens @path read-only (any version this library reads) while holding the
 * writer lock, as the upgrade needs; @locked runs first, under the lock. */
RondoStore *rondo_store_open_locked(const char *path, RondoStoreLockedFunc locked, GError **error);
RondoSlab *rondo_store_slab(const RondoStore *store, guint schema, guint tier);
/* Drops the coarse tiers' pages (every tier but 0) from this process'
 * mapping (rondo_slab_release()); tier 0 stays, the record path writes it.
 * Called after the work that touches the coarse tiers: consolidation, and
 * the directory checks of opening, refreshing and registering. */
void rondo_store_release_coarse(RondoStore *store);
/* Drops tier @tier's pages from this process' mapping once a pass over
 * them is done (a consolidation, a drain's commit): the coarse tiers'
 * whole, tier 0's but around the head (rondo_slab_release_behind_head()). */
void rondo_store_release_tier(RondoStore *store, guint tier);
/* Whether a release is due after one a minute ago or more at *@last_us
 * (monotonic µs, 0: never), which it then moves to now. Why a minute: a
 * release unmaps, which flushes TLBs, and what it drops mostly faults back
 * at the next pass (the kernel maps 64 kB around a fault); a pass every few
 * seconds would pay both every time for little memory. */
gboolean rondo_store_release_due(gint64 *last_us);

/* Replacing slabs and meta.json crash-safely (staging.c): new files in the
 * hidden STAGING directory, renamed DONE (the commit point), then swapped in
 * with meta.json last. Every function but rondo_staging_done_dir() (for
 * any opener) expects the writer lock held. */
#define RONDO_UPGRADE_STAGING ".upgrade"
#define RONDO_UPGRADE_DONE    ".upgrade-done"
#define RONDO_RESIZE_STAGING  ".resize"
#define RONDO_RESIZE_DONE     ".resize-done"
/* Removes the staging directory @dir and the plain files in it. */
gboolean rondo_staging_remove(const char *dir, GError **error);
/* The commit and the swap: @path/@staging_name becomes @done_name, whose
 * files then replace @path's. */
gboolean rondo_staging_commit(const char *path, const char *staging_name, const char *done_name,
                              GError **error);
/* What a killed upgrade or resize left in @path: a STAGING directory is
 * removed, a DONE one finished. A RondoStoreLockedFunc. */
gboolean rondo_staging_recover(const char *path, GError **error);
/* The DONE directory of a swap under way or interrupted in @path, or NULL.
 * Until the swap is finished, the new store is DONE's meta.json and slabs,
 * and for each file already moved out of it, @path's. */
char *rondo_staging_done_dir(const char *path);
/* Copies the values (and tags) of @src into the new @dst; checks them again. */
typedef void (*RondoSlabCopyFunc)(RondoSlab *dst, const RondoSlab *src);
typedef gboolean (*RondoSlabCopyCheckFunc)(const RondoSlab *dst, const RondoSlab *src);
/* Staging one slab: @dst_path created for @schema's @tier, then, unless
 * @src is NULL (a new tier: left empty), @src's state block, directory and
 * head copied and its values by @copy_values; synced, then every copied
 * byte compared again (@values_equal for the values) before it is closed. */
gboolean rondo_staging_slab(const char *dst_path, const RondoSchema *schema, guint tier,
                            const RondoSlab *src, RondoSlabCopyFunc copy_values,
                            RondoSlabCopyCheckFunc values_equal, GError **error);

#define RONDO_META_FILE        "meta.json"
#define RONDO_INDEX_FILE       "series.json"
#define RONDO_LOCK_FILE        "lock"
#define RONDO_LOCK_ADOPT       "adopt" /* after the pid in the lock file of an adopter */
#define RONDO_HANDOVER_FILE    "handover"
#define RONDO_HANDOVER_WAIT_MS 10000
/* Versions (docs/storage-format.md, "Versions"). The store version, in
 * meta.json, names the whole: it changes whenever any file of the store
 * changes in a way an older library would misread, so that library stops
 * at meta.json with a clear error; store version n holds slabs of slab
 * version n. series.json and the drain cursors carry versions of their
 * own, which change only with their own content. */
#define RONDO_STORE_VERSION    RONDO_FORMAT_VERSION
#define RONDO_STORE_VERSION_V1 RONDO_FORMAT_VERSION_OLDEST /* read; never written */
#define RONDO_INDEX_VERSION    1
#define RONDO_DRAIN_VERSION    1
G_STATIC_ASSERT(RONDO_STORE_VERSION == RONDO_SLAB_VERSION);
#define RONDO_TMP_INFIX ".tmp-" /* .FILE.tmp-XXXXXX, rondo_file_replace() */

/* Size limits of the JSON files, checked before reading and after writing. */
#define RONDO_META_BYTES_MAX     ((gsize)1 << 20)
#define RONDO_INDEX_SERIES_BYTES ((gsize)64 << 10)
#define RONDO_INDEX_BYTES_MAX    ((gsize)64 << 20)
#define RONDO_DRAIN_BYTES_MAX    ((gsize)64 << 10)

#endif /* RONDO_INTERNAL_H */
