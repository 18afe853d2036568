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

#include "rondo.h"
#include "format.h"

/* ------------------------------------------------------------ checksums */
guint32 rondo_crc32(const void *data, gsize n);
guint64 rondo_fnv1a64(const void *data, gsize n);

/* --------------------------------------------------------------- schema */
typedef struct {
    char *label;
    RondoMatchOp op;
    char *value;
    GRegex *regex; /* for the two regex operators */
} RondoMatcher;

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
    guint64 *ts;
    double *values;
    guint64 interval_ns;
    guint64 window_ns; /* interval_ns * slots */
    guint32 slots;
    guint32 series_max;
    guint32 stride; /* doubles between two columns */
    guint32 n_columns;
    guint32 functions;
    gint8 group_of[RONDO_CF_N_FUNCTIONS]; /* function -> column group, -1 none */
    /* Writer-side cache of the head slot: skips the divisions. A width of 0
     * means no slot is cached (after create or open). */
    guint64 cache_t;
    guint64 cache_width;
    guint32 cache_r;
} RondoSlab;

guint64 rondo_slab_bytes(guint32 series_max, guint32 slots, guint n_functions);
RondoSlab *rondo_slab_create(const char *path, const RondoSchema *schema, guint tier,
                             GError **error);
RondoSlab *rondo_slab_open(const char *path, const RondoSchema *schema, guint tier,
                           gboolean writable, GError **error);
void rondo_slab_close(RondoSlab *slab);
/* The header a new slab of @bytes bytes gets (the fuzz targets make them too). */
void rondo_slab_header_init(RondoSlabHeader *hdr, const RondoSchema *schema, guint tier,
                            guint64 bytes);
gboolean rondo_slab_sync(RondoSlab *slab, GError **error);
/* RONDO_ERROR_CORRUPT when the file no longer has the size mapped (SIGBUS ahead). */
gboolean rondo_slab_check(const RondoSlab *slab, GError **error);

/* --------------------------------------------------------------- series */
struct _RondoSeries {
    /* The hot path reads only these two fields. */
    RondoSlab *slab0;
    guint32 column;
    guint32 id;
    guint schema;
    RondoStore *store; /* the owner, for the calls that need more than tier 0 */
    char *name;
    char **labels; /* sorted name, value pairs, NULL-terminated */
    char *key;
};

gboolean rondo_series_validate(const char *name, const char *const *labels, GError **error);
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
    gboolean writable;
    gboolean adopted;   /* RONDO_OPEN_ADOPT: the writer is gone */
    int dir_fd;         /* a writer's: flock'ed, the writer lock */
    int lock_fd;        /* a writer's: the file `lock`, flock'ed too (0.1 compatibility) */
    GPtrArray *schemas; /* RondoSchemaState* */
    GPtrArray *series;  /* RondoSeries*, index = id; sized for every schema's series_max
                         * at open, so it never moves: readers in other threads use
                         * the first n_published entries while a refresh appends */
    guint n_published;  /* release-stored after each append; acquire-loaded by readers */
    GHashTable *by_key; /* key -> RondoSeries* (borrowed) */
    guint64 bytes;
};

/* meta.json and series.json */
gboolean rondo_meta_write(const char *dir, RondoSchema *const *schemas, guint n, GError **error);
GPtrArray *rondo_meta_read(const char *dir, GError **error);
gboolean rondo_index_write(const RondoStore *store, GError **error);
GPtrArray *rondo_index_read(const char *dir, gsize bytes_max, GError **error);
/* The most series.json may hold for @store: RONDO_INDEX_SERIES_BYTES per
 * series it can hold, at most RONDO_INDEX_BYTES_MAX. The writer refuses a
 * registration past it, so that readers never refuse what it wrote. */
gsize rondo_index_bytes_max(const RondoStore *store);
char *rondo_slab_path(const char *dir, const char *schema, guint tier);
RondoSlab *rondo_store_slab(const RondoStore *store, guint schema, guint tier);

#define RONDO_META_FILE        "meta.json"
#define RONDO_INDEX_FILE       "series.json"
#define RONDO_LOCK_FILE        "lock"
#define RONDO_LOCK_ADOPT       "adopt" /* after the pid in the lock file of an adopter */
#define RONDO_HANDOVER_FILE    "handover"
#define RONDO_HANDOVER_WAIT_MS 10000
#define RONDO_STORE_VERSION    1
#define RONDO_TMP_INFIX        ".tmp-" /* .FILE.tmp-XXXXXX, rondo_file_replace() */

/* Size limits of the JSON files, checked before reading and after writing. */
#define RONDO_META_BYTES_MAX     ((gsize)1 << 20)
#define RONDO_INDEX_SERIES_BYTES ((gsize)64 << 10)
#define RONDO_INDEX_BYTES_MAX    ((gsize)64 << 20)
#define RONDO_DRAIN_BYTES_MAX    ((gsize)64 << 10)

#endif /* RONDO_INTERNAL_H */
