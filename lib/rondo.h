/* rondo.h - librondo, an embedded round-robin time-series store.
 *
 * This header is the library's manual.
 *
 * OVERVIEW
 *
 * A store is a directory holding a fixed amount of history for a fixed set of
 * series. Its size is computed and allocated when it is created and never
 * changes. Inside it:
 *
 *   - schemas decide which series go where (by label matchers), how many series
 *     fit (series_max) and which tiers keep their history;
 *   - a tier is a ring of `slots` time slots of `interval_ns` each, kept in one
 *     memory-mapped slab file per schema and tier;
 *   - tier 0 receives rondo_series_record(); tier N+1 is filled from tier N by
 *     rondo_store_consolidate(), with the consolidation functions the schema
 *     names for that tier.
 *
 * GLOSSARY
 *
 *   slot index   timestamp_ns / interval_ns; a slot index names one interval
 *                of time for ever (it is not reduced modulo the ring size).
 *   ring slot    slot index % slots: where that interval lives in the slab.
 *   head         the newest slot index written to a tier. The tier's window is
 *                the `slots` slot indexes ending at the head.
 *   bucket       a slot of tier N+1, covering interval(N+1)/interval(N) slots
 *                of tier N.
 *
 * THREADS AND PROCESSES
 *
 *   One process at a time opens a store for writing (a lock file enforces
 *   it); any number of processes open it read-only, at any time, without
 *   disturbing the writer. Inside the writer, the series of one schema are
 *   recorded by one thread at a time; different schemas may be recorded from
 *   different threads concurrently. rondo_store_consolidate() may run in
 *   another thread than the recorders: it only reads tier 0.
 *
 *   Readers never see a torn value or a value from a previous wrap of the
 *   ring: each ring slot carries its slot time, which the writer invalidates
 *   before reusing the slot and publishes again afterwards (a seqlock).
 *
 * THE HOT PATH
 *
 *   rondo_series_record() allocates nothing, makes no system call, takes no
 *   lock and calls nothing in GLib. A RondoSeries holds everything it needs.
 *   When a write opens a slot for a new interval it resets that slot's row
 *   (one value per series of the schema, at most series_max stores).
 *
 * LIFETIMES
 *
 *   A RondoSeries pointer is owned by its store and stays valid until
 *   rondo_store_close(). Strings returned by accessors live as long as the
 *   object they came from.
 */
#ifndef RONDO_H
#define RONDO_H

#include <glib.h>

G_BEGIN_DECLS

#if defined(RONDO_COMPILATION)
#define RONDO_API __attribute__((visibility("default")))
#else
#define RONDO_API
#endif

/* The largest numbers a store accepts; anything larger is an input error. */
#define RONDO_TIERS_MAX   8
#define RONDO_SCHEMAS_MAX 64
#define RONDO_SERIES_MAX  65536
#define RONDO_SLOTS_MAX   (1u << 24)
#define RONDO_LABELS_MAX  32
#define RONDO_NAME_MAX    255

/* ---------------------------------------------------------------- errors */

#define RONDO_ERROR (rondo_error_quark())
RONDO_API GQuark rondo_error_quark(void);

/**
 * RondoError:
 * @RONDO_ERROR_IO: a system call failed; the message names the file.
 * @RONDO_ERROR_CORRUPT: a file's content is damaged (checksum, bounds, truncation).
 * @RONDO_ERROR_VERSION: a file was written by an unsupported format version.
 * @RONDO_ERROR_FOREIGN: a file is not a rondo file, or belongs to another schema.
 * @RONDO_ERROR_LOCKED: another process holds the store's writer lock.
 * @RONDO_ERROR_FULL: a schema has reached series_max.
 * @RONDO_ERROR_INVALID: an argument or a configuration is not acceptable.
 * @RONDO_ERROR_NOT_FOUND: no such series, schema, tier or store.
 * @RONDO_ERROR_READ_ONLY: the store was opened read-only.
 * @RONDO_ERROR_EXISTS: the store to create already exists.
 */
typedef enum {
    RONDO_ERROR_IO,
    RONDO_ERROR_CORRUPT,
    RONDO_ERROR_VERSION,
    RONDO_ERROR_FOREIGN,
    RONDO_ERROR_LOCKED,
    RONDO_ERROR_FULL,
    RONDO_ERROR_INVALID,
    RONDO_ERROR_NOT_FOUND,
    RONDO_ERROR_READ_ONLY,
    RONDO_ERROR_EXISTS,
} RondoError;

/* ---------------------------------------------------------------- schema */

/**
 * RondoConsolidation:
 * The functions a tier above 0 can keep. Each is computed over the non-NaN
 * inputs of a bucket; a bucket whose inputs are all NaN is NaN.
 */
typedef enum {
    RONDO_CF_AVERAGE,
    RONDO_CF_MIN,
    RONDO_CF_MAX,
    RONDO_CF_LAST,
    RONDO_CF_SUM,
    RONDO_CF_COUNT,
    RONDO_CF_N_FUNCTIONS,
} RondoConsolidation;

#define RONDO_CF_BIT(cf) (1u << (cf))

RONDO_API const char *rondo_consolidation_to_string(RondoConsolidation cf);
RONDO_API gboolean rondo_consolidation_from_string(const char *name, RondoConsolidation *ret_cf);

/** RondoMatchOp: how a schema's label matcher compares a label's value. */
typedef enum {
    RONDO_MATCH_EQUAL,     /* =  */
    RONDO_MATCH_NOT_EQUAL, /* != */
    RONDO_MATCH_REGEX,     /* =~ (anchored, GRegex syntax) */
    RONDO_MATCH_NOT_REGEX, /* !~ */
} RondoMatchOp;

typedef struct _RondoSchema RondoSchema;

/**
 * rondo_schema_new:
 * @name: [A-Za-z0-9_-], 1..64 characters; names the schema's slab files.
 * @series_max: how many series the schema holds, 1..RONDO_SERIES_MAX.
 *
 * An empty schema: add matchers (none means "every series") and tiers.
 * Returns: (transfer full): the schema, or NULL with @error set.
 */
RONDO_API RondoSchema *rondo_schema_new(const char *name, guint32 series_max, GError **error);

/**
 * rondo_schema_new_vmm_preset:
 * The VMM preset: 1 s x 10 min (raw), 10 s x 6 h (average, max),
 * 5 min x 7 d (average), no matchers. 30 series take 1.7 MB on disk.
 */
RONDO_API RondoSchema *rondo_schema_new_vmm_preset(const char *name, guint32 series_max,
                                                   GError **error);

/**
 * rondo_schema_add_matcher:
 * @label: a label name; "__name__" is the series name.
 * A series belongs to the first schema (in store order) all of whose
 * matchers accept it. A label the series lacks has the value "".
 */
RONDO_API gboolean rondo_schema_add_matcher(RondoSchema *schema, const char *label, RondoMatchOp op,
                                            const char *value, GError **error);

/**
 * rondo_schema_add_tier:
 * @interval_ns: the tier's slot width; for tiers above 0 a whole multiple of
 *   the previous tier's interval.
 * @slots: ring size, 2..RONDO_SLOTS_MAX.
 * @functions: RONDO_CF_BIT() mask. Ignored for tier 0, which keeps the last
 *   value written into each slot. For tier 2 and above, a subset of the
 *   previous tier's functions.
 */
RONDO_API gboolean rondo_schema_add_tier(RondoSchema *schema, guint64 interval_ns, guint32 slots,
                                         guint32 functions, GError **error);

RONDO_API void rondo_schema_free(RondoSchema *schema);

RONDO_API const char *rondo_schema_get_name(const RondoSchema *schema);
RONDO_API guint rondo_schema_get_n_matchers(const RondoSchema *schema);
/**
 * rondo_schema_get_matcher:
 * @ret_label, @ret_op, @ret_value: (out) (optional): the matcher's parts;
 *   the strings live as long as the schema.
 * Returns: FALSE if @index is out of range.
 */
RONDO_API gboolean rondo_schema_get_matcher(const RondoSchema *schema, guint index,
                                            const char **ret_label, RondoMatchOp *ret_op,
                                            const char **ret_value);
RONDO_API const char *rondo_match_op_to_string(RondoMatchOp op);
RONDO_API guint32 rondo_schema_get_series_max(const RondoSchema *schema);
RONDO_API guint rondo_schema_get_n_tiers(const RondoSchema *schema);
RONDO_API guint64 rondo_schema_get_tier_interval(const RondoSchema *schema, guint tier);
RONDO_API guint32 rondo_schema_get_tier_slots(const RondoSchema *schema, guint tier);
RONDO_API guint32 rondo_schema_get_tier_functions(const RondoSchema *schema, guint tier);
/* The bytes of one tier's slab file, and of all the schema's slabs. */
RONDO_API guint64 rondo_schema_get_tier_bytes(const RondoSchema *schema, guint tier);
RONDO_API guint64 rondo_schema_get_bytes(const RondoSchema *schema);

/* ----------------------------------------------------------------- store */

typedef struct _RondoStore RondoStore;
typedef struct _RondoSeries RondoSeries;

typedef enum {
    RONDO_OPEN_READ_ONLY = 0,
    RONDO_OPEN_WRITE = 1 << 0,
} RondoOpenFlags;

/**
 * rondo_store_create:
 * @path: a directory that must not exist yet, or must be empty.
 * @schemas: (array length=n_schemas): copied; the caller keeps ownership.
 *
 * Creates the store with every slab at its final size, then opens it for
 * writing. Returns: (transfer full): the store, or NULL with @error set.
 */
RONDO_API RondoStore *rondo_store_create(const char *path, RondoSchema *const *schemas,
                                         guint n_schemas, GError **error);

/**
 * rondo_store_open:
 * Opens an existing store. RONDO_OPEN_WRITE takes the writer lock and fails
 * with RONDO_ERROR_LOCKED if another process holds it. Every file is
 * checked; nothing is modified to repair damage.
 */
RONDO_API RondoStore *rondo_store_open(const char *path, RondoOpenFlags flags, GError **error);

/** rondo_store_close: unmaps everything and releases the lock. NULL is accepted. */
RONDO_API void rondo_store_close(RondoStore *store);

RONDO_API const char *rondo_store_get_path(const RondoStore *store);
RONDO_API gboolean rondo_store_is_writable(const RondoStore *store);
RONDO_API guint rondo_store_get_n_schemas(const RondoStore *store);
RONDO_API const RondoSchema *rondo_store_get_schema(const RondoStore *store, guint index);
/* Bytes of every file of the store as created (meta, index and slabs). */
RONDO_API guint64 rondo_store_get_bytes(const RondoStore *store);

/**
 * rondo_store_writer_pid:
 * Returns: the pid holding the writer lock, or 0 when no process does.
 */
RONDO_API gint64 rondo_store_writer_pid(const RondoStore *store);

/**
 * rondo_store_register:
 * @name: the series (metric) name, [a-zA-Z_:][a-zA-Z0-9_:]*.
 * @labels: (nullable): NULL-terminated name, value, name, value, ... pairs.
 *
 * Registers a series, or finds it if it already exists (same name and
 * labels, in any order). The index is on disk before this returns.
 * Returns: (transfer none): the series, valid until the store is closed;
 *   NULL with RONDO_ERROR_FULL when its schema is full, RONDO_ERROR_NOT_FOUND
 *   when no schema accepts it.
 */
RONDO_API RondoSeries *rondo_store_register(RondoStore *store, const char *name,
                                            const char *const *labels, GError **error);

/**
 * rondo_store_refresh:
 * For read-only stores: load series registered by the writer since open.
 */
RONDO_API gboolean rondo_store_refresh(RondoStore *store, GError **error);

RONDO_API guint rondo_store_get_n_series(const RondoStore *store);
/* Series by store-wide id, 0..n_series-1, in registration order. */
RONDO_API RondoSeries *rondo_store_get_series(const RondoStore *store, guint id);
/* Finds an existing series; NULL if there is none. */
RONDO_API RondoSeries *rondo_store_lookup(const RondoStore *store, const char *name,
                                          const char *const *labels);

RONDO_API guint rondo_series_get_id(const RondoSeries *series);
RONDO_API const char *rondo_series_get_name(const RondoSeries *series);
/* NULL-terminated name, value, ... pairs, sorted by name. */
RONDO_API const char *const *rondo_series_get_labels(const RondoSeries *series);
/* "name{a=\"1\",b=\"2\"}" with labels sorted; the series' identity. */
RONDO_API const char *rondo_series_get_key(const RondoSeries *series);
RONDO_API guint rondo_series_get_schema(const RondoSeries *series);

/* ----------------------------------------------------------- the hot path */

/**
 * RondoRecordResult:
 * @RONDO_RECORD_OK: the value is stored.
 * @RONDO_RECORD_TOO_OLD: the timestamp is older than tier 0's window (the
 *   head minus slots-1); the value was dropped and counted.
 */
typedef enum {
    RONDO_RECORD_OK = 0,
    RONDO_RECORD_TOO_OLD = 1,
} RondoRecordResult;

/**
 * rondo_series_record:
 * @timestamp_ns: nanoseconds since the Unix epoch, at least one tier-0
 *   interval past it.
 *
 * Stores @value as the series' value for the tier-0 slot holding
 * @timestamp_ns; a later write into the same slot replaces it. Writes into
 * older slots still inside the window land there; older ones are dropped.
 * A NaN value marks the slot empty. Never blocks, allocates or fails.
 * Only on a store opened for writing (asserted in debug builds).
 */
RONDO_API RondoRecordResult rondo_series_record(RondoSeries *series, double value,
                                                guint64 timestamp_ns);

/**
 * rondo_store_record_batch:
 * Records @n values at one timestamp; the same rules as rondo_series_record().
 * Returns: how many values were dropped as too old.
 */
RONDO_API gsize rondo_store_record_batch(RondoStore *store, RondoSeries *const *series,
                                         const double *values, gsize n, guint64 timestamp_ns);

/**
 * rondo_store_get_dropped:
 * Returns: how many writes tier 0 of @schema has dropped as too old since
 * the store was created (persisted in the slab header).
 */
RONDO_API guint64 rondo_store_get_dropped(const RondoStore *store, guint schema);

/* ----------------------------------------------------------------- query */

/**
 * RondoQueryIter:
 * Walks one series' points in time order without allocating. Allocate it
 * on the stack, initialise it, call next() until it returns FALSE. The
 * fields are private.
 */
typedef struct {
    /*< private >*/
    gconstpointer store;
    gconstpointer series;
    gconstpointer slab;
    guint64 t, t_last;
    guint64 lo[RONDO_TIERS_MAX];
    guint64 hi[RONDO_TIERS_MAX];
    guint tier, tier_served, column, cf;
    gboolean auto_mode;
    gpointer reserved[4];
} RondoQueryIter;

/**
 * rondo_query_iter_init:
 * @tier: the tier to read.
 * @cf: which consolidation function's column to read; ignored on tier 0.
 * @start_ns, @end_ns: inclusive range of slot times.
 *
 * Returns: FALSE with @error set if the tier or function does not exist.
 */
RONDO_API gboolean rondo_query_iter_init(RondoQueryIter *iter, const RondoStore *store,
                                         const RondoSeries *series, guint tier,
                                         RondoConsolidation cf, guint64 start_ns, guint64 end_ns,
                                         GError **error);

/**
 * rondo_query_iter_init_auto:
 * Like rondo_query_iter_init(), choosing tiers: the finest tier whose window
 * covers @start_ns serves the range; when the range reaches back beyond a
 * tier's window, the older part comes from the coarser tiers. Points come
 * in time order without overlap; rondo_query_iter_get_tier() tells which
 * tier served the last point. A tier lacking @cf falls back to its average.
 */
RONDO_API gboolean rondo_query_iter_init_auto(RondoQueryIter *iter, const RondoStore *store,
                                              const RondoSeries *series, RondoConsolidation cf,
                                              guint64 start_ns, guint64 end_ns, GError **error);

/** Returns FALSE when there are no more points. NaN (empty) slots are skipped. */
RONDO_API gboolean rondo_query_iter_next(RondoQueryIter *iter, guint64 *ret_timestamp_ns,
                                         double *ret_value);

RONDO_API guint rondo_query_iter_get_tier(const RondoQueryIter *iter);

/**
 * rondo_store_get_head:
 * Returns: the newest slot time (ns) written to @tier of @schema, or 0 if the
 *   tier is empty.
 */
RONDO_API guint64 rondo_store_get_head(const RondoStore *store, guint schema, guint tier);

/* --------------------------------------------------------- consolidation */

/**
 * rondo_store_consolidate:
 * @now_ns: the current time, or 0 to go by the data alone.
 * @ret_buckets: (out) (optional): buckets produced, over all tiers.
 *
 * Fills every tier N+1 bucket whose tier-N window is complete (the tier-N
 * head or @now_ns has passed its end), cascading 0 -> 1 -> 2 ...; idempotent.
 * Bounded by each tier's ring size per call; allocates nothing per bucket.
 * Writer only. Late writes into a tier-0 slot after its bucket was
 * consolidated stay in tier 0 only.
 */
RONDO_API gboolean rondo_store_consolidate(RondoStore *store, guint64 now_ns, guint *ret_buckets,
                                           GError **error);

/**
 * rondo_store_get_consolidated:
 * Returns: the slot time (ns) up to which (exclusive) tier @tier (>= 1) of
 *   @schema has been filled from the tier below, 0 if never.
 */
RONDO_API guint64 rondo_store_get_consolidated(const RondoStore *store, guint schema, guint tier);

/* Pure consolidation of @n values; NaN inputs are excluded. */
RONDO_API double rondo_consolidate_values(RondoConsolidation cf, const double *values, gsize n);

/**
 * rondo_series_restore:
 * Writes @value for @cf's column of @tier at the slot holding @timestamp_ns,
 * as a dump restore needs (tier 0 ignores @cf). For tiers above 0 the
 * consolidation cursor moves past the slot, so consolidation never
 * overwrites restored buckets. Writer only; not a hot-path call.
 */
RONDO_API gboolean rondo_series_restore(RondoSeries *series, guint tier, RondoConsolidation cf,
                                        guint64 timestamp_ns, double value, GError **error);

/* ----------------------------------------------------------------- drain */

/**
 * RondoDrain:
 * A consumer's pass over the points written since its last commit, for
 * export. Each consumer (a name) has a cursor per tier and schema, kept in
 * the store directory as drain-<consumer>.json; readers may drain (the
 * directory must be writable for the commit).
 *
 * A drain returns the points of complete slots only — tier 0 slots older
 * than the head, tier N buckets already consolidated — in slot-time order,
 * series order within a slot. Nothing moves until rondo_drain_commit(), which
 * records the last slot whose points were all returned; a consumer that
 * stops in the middle of a slot gets that slot again next time, so delivery
 * is at-least-once with duplicates bounded by one slot. Writes that arrive
 * late into a slot already drained are not returned.
 */
typedef struct _RondoDrain RondoDrain;

/**
 * rondo_drain_new:
 * @consumer: [A-Za-z0-9_-], 1..64 characters.
 * Returns: (transfer full): a drain positioned after the consumer's last
 *   commit (or at the oldest data a new consumer can see), or NULL.
 */
RONDO_API RondoDrain *rondo_drain_new(RondoStore *store, const char *consumer, guint tier,
                                      GError **error);

/** Returns FALSE when no complete slot is left. Allocates nothing. */
RONDO_API gboolean rondo_drain_next(RondoDrain *drain, RondoSeries **ret_series,
                                    guint64 *ret_timestamp_ns, double *ret_value);

/**
 * rondo_drain_get_missed:
 * Returns: slot times (summed over schemas) that left the tier's window
 *   before this consumer drained them, in this pass.
 */
RONDO_API guint64 rondo_drain_get_missed(const RondoDrain *drain);
/* Slot times missed over the consumer's whole life (persisted). */
RONDO_API guint64 rondo_drain_get_missed_total(const RondoDrain *drain);
/* The slot time (ns) this drain will resume after for @schema, 0 if none yet. */
RONDO_API guint64 rondo_drain_get_cursor(const RondoDrain *drain, guint schema);

/** Persists the cursors up to the last slot fully returned (atomic rewrite). */
RONDO_API gboolean rondo_drain_commit(RondoDrain *drain, GError **error);
RONDO_API void rondo_drain_free(RondoDrain *drain);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RondoDrain, rondo_drain_free)

G_DEFINE_AUTOPTR_CLEANUP_FUNC(RondoSchema, rondo_schema_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RondoStore, rondo_store_close)

G_END_DECLS

#endif /* RONDO_H */
