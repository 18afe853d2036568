/* rondo.h - librondo, an embedded round-robin time-series store.
 *
 * This header is the library's manual.
 *
 * OVERVIEW
 *
 * A store is a directory holding a fixed amount of history for a fixed set of
 * series. Its size is computed and allocated when it is created and never
 * changes, unless rondo_store_resize() grows it. Inside it:
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
 *   One process at a time opens a store for writing (a flock on the store
 *   directory enforces it, which deleting a file cannot defeat); any number
 *   of processes open it read-only, at any time, without disturbing the
 *   writer. Inside the writer, the series of one schema are
 *   recorded by one thread at a time; different schemas may be recorded from
 *   different threads concurrently. rondo_store_consolidate() and
 *   rondo_store_trim() may run in another thread than the recorders: they
 *   only read tier 0, or drop its pages from the mapping.
 *
 *   Readers never see a torn value or a value from a previous wrap of the
 *   ring: each value carries its slot time (each cell in tier 0, each row in
 *   the other tiers), which the writer invalidates before storing a value of
 *   another time and publishes again afterwards (a seqlock).
 *
 * THE HOT PATH
 *
 *   rondo_series_record() allocates nothing, makes no system call, takes no
 *   lock and calls nothing in GLib. A RondoSeries holds everything it needs.
 *   A write touches the tier's head and one 16-byte cell of the series,
 *   whatever series_max is, also when it opens a slot for a new interval;
 *   the first write into a page of tier 0 also stores nothing (an atomic
 *   no-op) into each page of its slot that holds cells of series, so that
 *   the kernel maps that page alone rather than the 64 kB around a read
 *   fault (once a page, 8 slots of a 30-series store).
 *   It is a call: the cell layout and the writer's cache stay private to
 *   the library, so a format change never needs the recording program
 *   rebuilt. A program that wants the call's cost back includes
 *   <rondo-record.h> and records through a RondoRecorder, the same fast
 *   path inlined, guarded by an ABI number so that a library of another
 *   format turns it back into the call (docs/benchmarks.md measures both).
 *
 * FILES FROM OUTSIDE
 *
 *   Every file of a store must be a regular file, not a symbolic link; a
 *   link, FIFO or device in its place is refused with RONDO_ERROR_CORRUPT
 *   naming it, and nothing blocks. JSON files are read only under a size
 *   limit and a nesting depth of 64 (docs/storage-format.md, section 1).
 *   A slab truncated while mapped would raise SIGBUS in the process that
 *   reads it: see rondo_store_check_files().
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
#define RONDO_UNIT_MAX    64   /* bytes of a series' unit */
#define RONDO_HELP_MAX    1024 /* bytes of a series' help text */

/* The timestamps a store keeps: RONDO_TIME_MIN_NS <= timestamp_ns <
 * RONDO_TIME_MAX_NS, nanoseconds since the Unix epoch from 2000-01-01 to
 * 2200-01-01 UTC. A point outside is refused (RONDO_RECORD_OUT_OF_RANGE), so
 * a timestamp in the wrong unit cannot move a tier's head to 1970 or to the
 * far future. A tier's window (interval_ns * slots) is at most the length of
 * this range, so slot arithmetic on stored times stays far from overflow. */
#define RONDO_TIME_MIN_NS   G_GUINT64_CONSTANT(946684800000000000)
#define RONDO_TIME_MAX_NS   G_GUINT64_CONSTANT(7258118400000000000)
#define RONDO_WINDOW_MAX_NS (RONDO_TIME_MAX_NS - RONDO_TIME_MIN_NS)

/* Time units: timestamps and intervals are nanoseconds (guint64). */
#define RONDO_NS_PER_S  G_GUINT64_CONSTANT(1000000000)
#define RONDO_NS_PER_MS G_GUINT64_CONSTANT(1000000)

/* ---------------------------------------------------------------- errors */

/* The domain of every GError librondo sets ("rondo-error-quark"), with the
 * codes of RondoError below. Thread-safe. */
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
 *
 * Error messages are English and never translated: the library has no
 * message catalogue and marks no string for translation.
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

/* "average", "min", "max", "last", "sum", "count" (static strings); the
 * reverse is FALSE, *ret_cf untouched, for any other name. Pure. */
RONDO_API const char *rondo_consolidation_to_string(RondoConsolidation cf);
RONDO_API gboolean rondo_consolidation_from_string(const char *name, RondoConsolidation *ret_cf);

/** RondoMatchOp: how a schema's label matcher compares a label's value. */
typedef enum {
    RONDO_MATCH_EQUAL,     /* =  */
    RONDO_MATCH_NOT_EQUAL, /* != */
    RONDO_MATCH_REGEX,     /* =~ (anchored, GRegex syntax) */
    RONDO_MATCH_NOT_REGEX, /* !~ */
} RondoMatchOp;

/**
 * RondoMatcher:
 * A label matcher as Prometheus has them, the one rule for the whole suite
 * (schemas, rondod's PromQL, the tools' selectors): @op applied to the
 * value of one label, "" when a series lacks it, the series name for
 * "__name__". A regular expression must match the whole value (it is
 * anchored as ^(?:RE)$); its syntax is GRegex's (PCRE), with $ matching
 * only at the very end, as in Prometheus' RE2.
 */
typedef struct _RondoMatcher RondoMatcher;

/* Returns: (transfer full): the matcher, or NULL with RONDO_ERROR_INVALID
 * for an empty label, an unknown operator or a bad regular expression. */
RONDO_API RondoMatcher *rondo_matcher_new(const char *label, RondoMatchOp op, const char *value,
                                          GError **error);
/* NULL is accepted. */
RONDO_API void rondo_matcher_free(RondoMatcher *matcher);
/* Whether the matcher accepts @value, the value of its label. */
RONDO_API gboolean rondo_matcher_matches_value(const RondoMatcher *matcher, const char *value);
/* Whether it accepts the series @name with @labels (NULL-terminated pairs). */
RONDO_API gboolean rondo_matcher_matches(const RondoMatcher *matcher, const char *name,
                                         const char *const *labels);
/* Its parts; the strings live as long as the matcher. */
RONDO_API const char *rondo_matcher_get_label(const RondoMatcher *matcher);
RONDO_API RondoMatchOp rondo_matcher_get_op(const RondoMatcher *matcher);
RONDO_API const char *rondo_matcher_get_value(const RondoMatcher *matcher);
/* The compiled, anchored expression of a =~ or !~ matcher (NULL for = and
 * !=), for callers that need its groups (PromQL's label_replace). */
RONDO_API GRegex *rondo_matcher_get_regex(const RondoMatcher *matcher);

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
 * 5 min x 7 d (average), no matchers. 30 series take 1.8 MB on disk.
 */
RONDO_API RondoSchema *rondo_schema_new_vmm_preset(const char *name, guint32 series_max,
                                                   GError **error);

/**
 * rondo_schema_new_vmm_counter_preset:
 * The VMM preset for a schema of counters: the same tiers and size, but
 * 10 s x 6 h keeps last and max, 5 min x 7 d keeps last: what rate(),
 * increase() and resets() need (a bucket's last value is the counter at its
 * end; a max above it marks a reset inside a 10 s bucket). An average of a
 * counter is of little use; a gauge's schema takes the VMM preset.
 */
RONDO_API RondoSchema *rondo_schema_new_vmm_counter_preset(const char *name, guint32 series_max,
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

/* Frees a schema made by rondo_schema_new() (not one a store returns). NULL
 * is accepted. */
RONDO_API void rondo_schema_free(RondoSchema *schema);

/* A schema's parts. A schema is read-only once a store holds it; its
 * getters may then be called from any thread while the store is open. The
 * name's string lives as long as the schema. */
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
/* "=", "!=", "=~", "!~" (static strings). */
RONDO_API const char *rondo_match_op_to_string(RondoMatchOp op);
RONDO_API guint32 rondo_schema_get_series_max(const RondoSchema *schema);
RONDO_API guint rondo_schema_get_n_tiers(const RondoSchema *schema);
/* A tier's slot width in nanoseconds, and its ring size; @tier must be below
 * rondo_schema_get_n_tiers() (else a critical and 0). */
RONDO_API guint64 rondo_schema_get_tier_interval_ns(const RondoSchema *schema, guint tier);
RONDO_API guint32 rondo_schema_get_tier_slots(const RondoSchema *schema, guint tier);
/* The consolidation functions @tier keeps, as RONDO_CF_BIT()s; tier 0 (the
 * raw points) reads as RONDO_CF_BIT(RONDO_CF_LAST). */
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
    RONDO_OPEN_ADOPT = 1 << 1,
} RondoOpenFlags;

/**
 * rondo_store_create:
 * @path: a directory that must not exist yet, or must be empty.
 * @schemas: (array length=n_schemas): copied; the caller keeps ownership.
 *
 * Creates the store with every slab at its final size, then opens it for
 * writing. A creation that fails once it holds the lock (a full disk, an
 * I/O error) removes every file it made, and @path too if it made it, so
 * nothing half-made is taken for a store and a new create may follow.
 * Returns: (transfer full): the store, or NULL with @error set.
 */
RONDO_API RondoStore *rondo_store_create(const char *path, RondoSchema *const *schemas,
                                         guint n_schemas, GError **error);

/**
 * rondo_store_open:
 * Opens an existing store. RONDO_OPEN_WRITE takes the writer lock and fails
 * with RONDO_ERROR_LOCKED if another process holds it. Every file is
 * checked (see FILES FROM OUTSIDE above); nothing is modified to repair
 * damage. A writer removes the temporary files a killed writer left
 * (.meta.json.tmp-*, .series.json.tmp-*); a reader changes nothing.
 *
 * Adoption: a process that finishes the consolidation of a store whose
 * writer is gone (rondod) opens it with RONDO_OPEN_WRITE | RONDO_OPEN_ADOPT,
 * which marks the lock as held by an adopter, and calls
 * rondo_store_handover_requested() about once a second. A writer that finds
 * the lock held by an adopter asks for it back and waits up to 10 s (this
 * call blocks meanwhile); the adopter closes its handle when asked. Only
 * then does a writer get RONDO_ERROR_LOCKED.
 */
RONDO_API RondoStore *rondo_store_open(const char *path, RondoOpenFlags flags, GError **error);

/**
 * rondo_store_handover_requested:
 * Returns: TRUE when a writer waits for the store (see rondo_store_open()):
 *   an adopter should close it now, and should not adopt it meanwhile.
 *   Makes a system call; for an adopter's tick, not a hot path.
 */
RONDO_API gboolean rondo_store_handover_requested(const RondoStore *store);

/**
 * rondo_store_open_or_create:
 * Opens the store at @path for writing (as rondo_store_open() with
 * RONDO_OPEN_WRITE) when it holds one, else creates it with @schemas (as
 * rondo_store_create()). An existing store keeps its own schemas: compare
 * them if it matters. For a VMM that starts on the same store every time:
 * a store of an older format this library reads (RONDO_FORMAT_VERSION_OLDEST
 * on) is upgraded in place first (rondo_store_upgrade()), so a VMM keeps
 * its history across a library upgrade; a newer one is RONDO_ERROR_VERSION.
 */
RONDO_API RondoStore *rondo_store_open_or_create(const char *path, RondoSchema *const *schemas,
                                                 guint n_schemas, GError **error);

/** rondo_store_close: unmaps everything and releases the lock. NULL is accepted. */
RONDO_API void rondo_store_close(RondoStore *store);

/* The store's directory as given at open; whether this handle is its
 * writer; its schemas in store order (borrowed: they live as long as the
 * store; NULL for an index out of range). Any thread, while the store is
 * open. */
RONDO_API const char *rondo_store_get_path(const RondoStore *store);
RONDO_API gboolean rondo_store_is_writable(const RondoStore *store);
RONDO_API guint rondo_store_get_n_schemas(const RondoStore *store);
RONDO_API const RondoSchema *rondo_store_get_schema(const RondoStore *store, guint index);
/* Bytes on disk now: the slabs (fixed at creation) plus meta.json, series.json
 * (which grows with registrations) and lock. Writing values never changes it. */
RONDO_API guint64 rondo_store_get_bytes(const RondoStore *store);
/* The size of one slab file of the open store, in the store's format version
 * (rondo_schema_get_tier_bytes() gives the size a new store's slab gets);
 * 0 when there is no such schema or tier. */
RONDO_API guint64 rondo_store_get_tier_bytes(const RondoStore *store, guint schema, guint tier);

/**
 * RONDO_FORMAT_VERSION:
 * The store format version this library writes. It also reads
 * RONDO_FORMAT_VERSION_OLDEST and later; a store of an older version than
 * RONDO_FORMAT_VERSION opens read-only only (for writing:
 * RONDO_ERROR_VERSION naming `rondo upgrade DIR`) until
 * rondo_store_upgrade() converts it.
 */
#define RONDO_FORMAT_VERSION        3
#define RONDO_FORMAT_VERSION_OLDEST 1

/* The format version of the open store's files (meta.json's "version"). */
RONDO_API guint rondo_store_get_format_version(const RondoStore *store);

/**
 * rondo_store_upgrade:
 * @path: a store directory, of any version this library reads.
 * @ret_from_version: (out) (optional): the version the store had.
 *
 * Converts the store in place to RONDO_FORMAT_VERSION, every value and
 * slot time bit for bit, under the writer lock (RONDO_ERROR_LOCKED while a
 * writer runs). Crash-safe: the new files are written and checked in the
 * hidden directory .upgrade beside the old ones, which stay untouched
 * until the new ones are complete; then they replace them, meta.json last.
 * A call after a crash finishes (or restarts) what the interrupted one
 * began; a store already at RONDO_FORMAT_VERSION is left as it is. A store
 * opened after the commit point (the rename of .upgrade to .upgrade-done),
 * while the files are swapped or after a crash meanwhile, is the new one
 * (rondo_store_open() reads the files not yet moved from .upgrade-done);
 * readers that have it open keep reading the old files.
 * Returns: FALSE with @error set on failure; the store is then as it was,
 *   or (after the swap began) completed by the next call.
 */
RONDO_API gboolean rondo_store_upgrade(const char *path, guint *ret_from_version, GError **error);

/**
 * rondo_store_resize:
 * @path: a store directory of RONDO_FORMAT_VERSION (else RONDO_ERROR_VERSION
 *   naming `rondo upgrade DIR`).
 * @schemas: (array length=n_schemas) (nullable): the store's schemas as
 *   they are to be, in store order: each with the same name and matchers
 *   as the store's, and nothing smaller — series_max the same or larger;
 *   every tier with the same interval, as many slots or more, and (above
 *   tier 0) the same functions or more; tiers may be added after the last
 *   one. Anything else is RONDO_ERROR_INVALID, naming the field.
 * @n_schemas: 0 to change nothing but finish an interrupted resize.
 * @ret_changed: (out) (optional): whether any file was rewritten.
 *
 * Grows the store in place under the writer lock (RONDO_ERROR_LOCKED while
 * a writer runs). Every value a reader sees before, it sees after, bit for
 * bit (values that had left a tier's window are not copied); added tiers
 * and functions start empty and are filled by consolidation from then on
 * (a new tier from what the tier below still holds). series.json, the
 * series' ids and columns, and the drain cursors do not change.
 * Crash-safe like rondo_store_upgrade(): the new slabs of each schema that
 * grows are written, synced and compared in the hidden directory .resize,
 * which is renamed .resize-done (the commit point) and then swapped in,
 * meta.json last. After a crash the store opens as the old one whole, or
 * (once .resize-done exists) as the new one, whose files not yet moved
 * rondo_store_open() reads from .resize-done, until a call of this
 * function (any @schemas) or rondo_store_upgrade() finishes the swap.
 * Readers that have the store open keep reading the old files: reopen to
 * see the new geometry.
 * Returns: FALSE with @error set on failure.
 */
RONDO_API gboolean rondo_store_resize(const char *path, RondoSchema *const *schemas,
                                      guint n_schemas, gboolean *ret_changed, GError **error);

/**
 * rondo_store_writer_pid:
 * Returns: the pid holding the writer lock, or 0 when no process does (or
 *   when its lock file was deleted and no longer says which one does).
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
 *   NULL with RONDO_ERROR_FULL when its schema is full (or series.json would
 *   pass its size limit), RONDO_ERROR_NOT_FOUND when no schema accepts it,
 *   RONDO_ERROR_CORRUPT when the slab directory already names another
 *   series in its column (another process wrote the store), RONDO_ERROR_IO
 *   when the index cannot be written. On failure the series is not
 *   registered and the store stays usable.
 */
RONDO_API RondoSeries *rondo_store_register(RondoStore *store, const char *name,
                                            const char *const *labels, GError **error);

/**
 * rondo_store_register_all:
 * @names: (array length=n): series names, as rondo_store_register().
 * @labels: (array length=n) (nullable): each series' NULL-terminated name,
 *   value pairs, or NULL (for one series, or @labels NULL for all).
 * @ret_series: (out) (array length=n): each series, valid until the store is
 *   closed; written on success only.
 *
 * Registers or finds @n series as rondo_store_register() would, writing
 * the index once for all of them: a writer that starts with hundreds of
 * series pays for one rewrite and fsync of series.json instead of one per
 * series. All or nothing: when one series cannot be registered (an invalid
 * name, no schema accepting it, its schema full) or the index cannot be
 * written, none of the new ones is, and @error names the problem
 * (rondo_store_register()'s codes). The same series may appear twice.
 * Returns: TRUE, or FALSE with @error set; the store stays usable.
 */
RONDO_API gboolean rondo_store_register_all(RondoStore *store, guint n, const char *const *names,
                                            const char *const *const *labels,
                                            RondoSeries **ret_series, GError **error);

/**
 * rondo_store_refresh:
 * For read-only stores: load series registered by the writer since open.
 * Checks the slab files first, as rondo_store_check_files(), and
 * meta.json: RONDO_ERROR_VERSION when it was replaced since open (by
 * rondo_store_resize() or rondo_store_upgrade()), as the handle's
 * geometry is no longer the store's; close it and open the store again.
 *
 * Threads: one thread refreshes while others read the same store —
 * rondo_store_get_n_series(), rondo_store_get_series(), rondo_store_lookup(),
 * queries and drains — without a lock: the series array is sized for every
 * schema's series_max at open and never moves, and the count is published
 * after each new series (release/acquire). Readers see the series published
 * when they asked; a RondoSeries pointer stays valid until the store is
 * closed. Never call it from two threads at once, nor beside a close.
 */
RONDO_API gboolean rondo_store_refresh(RondoStore *store, GError **error);

/**
 * rondo_store_index_changed:
 * For read-only stores: TRUE when the series index was rewritten since this
 * handle last loaded it (rondo_store_open() or a successful
 * rondo_store_refresh()), i.e. a refresh has something to do. One stat of
 * the index; call it from the thread that refreshes.
 */
RONDO_API gboolean rondo_store_index_changed(const RondoStore *store);

/**
 * rondo_store_is_replaced:
 * TRUE when the store at the handle's path is no longer the one opened: it
 * was re-created, resized or upgraded (another meta.json). Close the handle
 * and open the store again. One stat; any thread.
 */
RONDO_API gboolean rondo_store_is_replaced(const RondoStore *store);

/**
 * rondo_store_probe:
 * @path: a directory that may hold a store.
 *
 * Returns: 0 if @path holds no store (no meta.json); otherwise a number
 *   that changes whenever the store's schemas or series index are
 *   rewritten (it folds their identity, size and time). A reader that
 *   failed to open a store tries again once the number changes.
 */
RONDO_API guint64 rondo_store_probe(const char *path);

/**
 * rondo_store_get_slab_path:
 * Returns: (transfer full): the file holding @tier of @schema (free it with
 *   g_free()), or NULL if the store has no such tier.
 */
RONDO_API char *rondo_store_get_slab_path(const RondoStore *store, guint schema, guint tier);

/**
 * rondo_store_check_files:
 * Checks that every slab file still has the size it had when it was mapped
 * (one fstat per slab; no allocation). A slab truncated under a mapping
 * kills the process that touches the lost pages with SIGBUS, and a library
 * installs no signal handler: a long-lived reader (rondod) calls this
 * before each query on a store whose slabs may have changed size
 * (rondo_store_watch_files()) and sets a failing store aside.
 *
 * Residual race: a truncation between this check and the reads that follow
 * is not caught; the check makes the window one query long instead of the
 * process' life. Only a process that can write the store's files can cause
 * it.
 * Returns: TRUE, or FALSE with RONDO_ERROR_CORRUPT naming the slab file.
 */
RONDO_API gboolean rondo_store_check_files(const RondoStore *store, GError **error);

/**
 * rondo_store_watch_files:
 * @inotify_fd: an inotify(7) instance of the caller's
 * @wds: (element-type int): where the watch descriptors are appended
 *
 * Adds to @inotify_fd an IN_MODIFY watch of every slab file the store has
 * mapped (the file mapped, even if its name now leads to another one). A
 * truncation or an extension of a slab queues an event there at once, and
 * writes through the maps queue none: a long-lived reader that finds no
 * event for a store's watches since its last successful
 * rondo_store_check_files() may skip the next one (rondod reads its one
 * instance once a query instead of one fstat per slab). Remove the
 * watches with inotify_rm_watch(2) before the store is closed, or let
 * them go with the instance. An instance has one watch per file: a slab
 * hard-linked into another store gets that store's watch descriptor, and
 * removing either removes both.
 * Returns: TRUE, or FALSE with RONDO_ERROR_IO (the inotify limits, no
 *   /proc); @wds then holds the watches added so far.
 */
RONDO_API gboolean rondo_store_watch_files(const RondoStore *store, int inotify_fd, GArray *wds,
                                           GError **error);

RONDO_API guint rondo_store_get_n_series(const RondoStore *store);
/* Series by store-wide id, 0..n_series-1, in registration order. */
RONDO_API RondoSeries *rondo_store_get_series(const RondoStore *store, guint id);
/* The schema (index) a series of that name and labels belongs to in this
 * store, registered or not: the first whose matchers accept it; G_MAXUINT if
 * none does. Any thread. */
RONDO_API guint rondo_store_find_schema(const RondoStore *store, const char *name,
                                        const char *const *labels);
/* Finds an existing series; NULL if there is none. */
RONDO_API RondoSeries *rondo_store_lookup(const RondoStore *store, const char *name,
                                          const char *const *labels);

/**
 * rondo_labels_lookup:
 * @name: the series name, which the label "__name__" stands for.
 * @labels: (nullable): NULL-terminated name, value, ... pairs.
 * Returns: the value of @label, or "" when the series has no such label
 *   (an absent label matches "", as in Prometheus).
 */
RONDO_API const char *rondo_labels_lookup(const char *name, const char *const *labels,
                                          const char *label);

/* A series' identity, fixed at registration: its store-wide id (dense, in
 * registration order), its name, labels, key and schema (index into the
 * store's schemas). Strings live as long as the store; any thread. */
RONDO_API guint rondo_series_get_id(const RondoSeries *series);
RONDO_API const char *rondo_series_get_name(const RondoSeries *series);
/* NULL-terminated name, value, ... pairs, sorted by name. */
RONDO_API const char *const *rondo_series_get_labels(const RondoSeries *series);
/* "name{a=\"1\",b=\"2\"}" with labels sorted; the series' identity. */
RONDO_API const char *rondo_series_get_key(const RondoSeries *series);
RONDO_API guint rondo_series_get_schema(const RondoSeries *series);

/* ------------------------------------------------ what a series measures */

/**
 * RondoSeriesType:
 * @RONDO_SERIES_UNKNOWN: not said (Prometheus' "unknown").
 * @RONDO_SERIES_COUNTER: a running total that only grows, except when it
 *   starts again from 0 (a restart); read it with rate() or increase().
 * @RONDO_SERIES_GAUGE: a value that goes up and down.
 *
 * series.json stores the names ("unknown", "counter", "gauge"), never these
 * numbers.
 */
typedef enum {
    RONDO_SERIES_UNKNOWN = 0,
    RONDO_SERIES_COUNTER,
    RONDO_SERIES_GAUGE,
} RondoSeriesType;

/**
 * RondoSeriesSpec:
 * @name: the series name, as rondo_store_register().
 * @labels: (nullable): NULL-terminated name, value pairs.
 * @type: what the values are.
 * @unit: (nullable): the unit, a Prometheus base unit ("seconds", "bytes",
 *   "ratio", ...; [a-zA-Z_][a-zA-Z0-9_]*, at most RONDO_UNIT_MAX bytes).
 *   Metric names should end with it (`_seconds`, `_bytes_total`).
 * @help: (nullable): one line for a human, UTF-8, at most RONDO_HELP_MAX
 *   bytes.
 *
 * A series and its description. A spec whose @type is RONDO_SERIES_UNKNOWN
 * and whose @unit and @help are NULL describes nothing: registering it keeps
 * whatever description the series has. Any other spec is the whole
 * description: it replaces type, unit and help together. Zero-initialise a
 * spec and set what you know; fields are only ever added at the end, with a
 * new function.
 */
typedef struct {
    const char *name;
    const char *const *labels;
    RondoSeriesType type;
    const char *unit;
    const char *help;
} RondoSeriesSpec;

/**
 * rondo_store_register_specs:
 * @specs: (array length=n): the series and their descriptions.
 * @ret_series: (out) (array length=n): as rondo_store_register_all().
 *
 * rondo_store_register_all() with descriptions: registers or finds each
 * series and gives it its description in the same write of series.json, so
 * a reader never sees a new series without it. An existing series whose
 * description differs gets the new one (a VMM of a newer version may say
 * more). All or nothing, with rondo_store_register_all()'s errors, and
 * RONDO_ERROR_INVALID for a bad type, unit or help; RONDO_ERROR_READ_ONLY
 * when a read-only store would have to change.
 * Returns: TRUE, or FALSE with @error set; the store stays usable.
 */
RONDO_API gboolean rondo_store_register_specs(RondoStore *store, guint n,
                                              const RondoSeriesSpec *specs,
                                              RondoSeries **ret_series, GError **error);

/* The description (rondo_store_register_specs()); a reader sees changes
 * written after it opened the store once rondo_store_refresh() loads them.
 * Strings are "" when not said, and stay valid until the store is closed. */
RONDO_API RondoSeriesType rondo_series_get_type(const RondoSeries *series);
RONDO_API const char *rondo_series_get_unit(const RondoSeries *series);
RONDO_API const char *rondo_series_get_help(const RondoSeries *series);
/* "unknown", "counter", "gauge" (Prometheus' names for them). */
RONDO_API const char *rondo_series_type_to_string(RondoSeriesType type);
/* The reverse; FALSE (and *ret_type untouched) for any other string. */
RONDO_API gboolean rondo_series_type_from_string(const char *s, RondoSeriesType *ret_type);

/* ----------------------------------------------------------- the hot path */

/**
 * RondoRecordResult:
 * @RONDO_RECORD_OK: the value is stored.
 * @RONDO_RECORD_TOO_OLD: the timestamp is older than tier 0's window (the
 *   head minus slots-1); the value was dropped and counted.
 * @RONDO_RECORD_OUT_OF_RANGE: the timestamp is outside RONDO_TIME_MIN_NS ..
 *   RONDO_TIME_MAX_NS (probably in the wrong unit); the value was dropped
 *   and counted, nothing else changed.
 * @RONDO_RECORD_READ_ONLY: the store was opened read-only; nothing was
 *   written, not even the count of dropped writes.
 */
typedef enum {
    RONDO_RECORD_OK = 0,
    RONDO_RECORD_TOO_OLD = 1,
    RONDO_RECORD_OUT_OF_RANGE = 2,
    RONDO_RECORD_READ_ONLY = 3,
} RondoRecordResult;

/**
 * rondo_series_record:
 * @timestamp_ns: nanoseconds since the Unix epoch, in RONDO_TIME_MIN_NS ..
 *   RONDO_TIME_MAX_NS (exclusive).
 *
 * Stores @value as the series' value for the tier-0 slot holding
 * @timestamp_ns; a later write into the same slot replaces it. Writes into
 * older slots still inside the window land there; older ones are dropped,
 * and so are timestamps outside the valid range (one compare, off the path
 * of a write into the current slot). A NaN value marks the slot empty.
 * Never blocks or allocates.
 * On a store opened read-only, writes nothing and returns
 * RONDO_RECORD_READ_ONLY (a check off the path of a write into the current
 * slot, which a read-only store never takes).
 */
RONDO_API RondoRecordResult rondo_series_record(RondoSeries *series, double value,
                                                guint64 timestamp_ns);

/**
 * rondo_store_record_batch:
 * Records @n values at one timestamp; the same rules as rondo_series_record().
 * Returns: how many values were dropped (too old or out of range; all @n on
 *   a store opened read-only, which is not written).
 */
RONDO_API gsize rondo_store_record_batch(RondoStore *store, RondoSeries *const *series,
                                         const double *values, gsize n, guint64 timestamp_ns);

/**
 * rondo_store_get_dropped:
 * Returns: how many writes tier 0 of @schema has dropped, as too old or out
 * of range, since the store was created (persisted in the slab state).
 */
RONDO_API guint64 rondo_store_get_dropped(const RondoStore *store, guint schema);

/**
 * RondoCheckFunc:
 * @problem: one problem, starting with the path of the file it is in.
 * @user_data: as given to rondo_store_check().
 */
typedef void (*RondoCheckFunc)(const char *problem, gpointer user_data);

/**
 * rondo_store_check:
 * @now_ns: the caller's clock, or 0 to leave out the check against it.
 * @report: (nullable) (scope call): called once per problem found.
 *
 * Checks, beyond what rondo_store_open() checks, every invariant readers
 * rely on (docs/storage-format.md), in every slab:
 *   - head_ns, first_ns and filled_until_ns are 0 or slot times in the
 *     valid time range (RONDO_TIME_MIN_NS);
 *   - first_ns is set once the head is, and not after it;
 *   - filled_until_ns is 0 in tier 0, and at most one bucket after the
 *     head in higher tiers;
 *   - the head is at most a day after @now_ns;
 *   - every tag (a tier-0 cell's, a row's above) holds 0, the reset marker,
 *     or a slot time of its own ring position, not after the head and not
 *     before first_ns;
 *   - every USED directory entry belongs to a series of series.json, with
 *     its key hash and id.
 * A series whose directory entries are still zero is not damage (a
 * registration interrupted by a crash; the next writer fills them).
 * Changes nothing; safe while a writer runs (a read-only @store re-reads
 * series.json, hence the non-const store). Reads every slot time: O(size
 * of the slot time columns).
 * Returns: the number of problems found.
 */
RONDO_API guint rondo_store_check(RondoStore *store, guint64 now_ns, RondoCheckFunc report,
                                  gpointer user_data);

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

/* The tier that served the point rondo_query_iter_next() returned last. */
RONDO_API guint rondo_query_iter_get_tier(const RondoQueryIter *iter);

/* The consolidation function whose column served the point
 * rondo_query_iter_next() returned last: the one asked for, or the tier's
 * fallback (see rondo_query_iter_init_auto()); RONDO_CF_LAST on tier 0. */
RONDO_API RondoConsolidation rondo_query_iter_get_function(const RondoQueryIter *iter);

/**
 * rondo_query_iter_get_span:
 * @ret_first_ns, @ret_last_ns: (out) (optional): the slot times of the
 *   first and the last tier-0 slot whose samples the point
 *   rondo_query_iter_next() returned last stands for.
 *
 * A tier-0 point stands for its own slot (both equal its time); a bucket
 * of a coarser tier, returned under its slot time t (the start of its
 * interval), for t to t + interval - tier 0's interval. A reader that must
 * never serve a value before the samples it includes (PromQL's instant
 * value at a time) stamps a bucket with @ret_last_ns.
 */
RONDO_API void rondo_query_iter_get_span(const RondoQueryIter *iter, guint64 *ret_first_ns,
                                         guint64 *ret_last_ns);

/**
 * rondo_store_get_head_ns:
 * Returns: the newest slot time (ns) written to @tier of @schema, or 0 if the
 *   tier is empty.
 */
RONDO_API guint64 rondo_store_get_head_ns(const RondoStore *store, guint schema, guint tier);

/**
 * rondo_store_get_window:
 * @ret_oldest_ns, @ret_newest_ns: (out) (optional): the ring's window of @tier
 *   of @schema: the oldest slot time it can still hold (older ones have been
 *   overwritten by newer laps) and the newest written (the head).
 *
 * Slots inside the window may be empty (nothing recorded then, or the
 * store is younger than the window). A writer moves the window forward at
 * any time: the answer is a snapshot, safe to ask from any thread.
 *
 * Returns: FALSE if the tier is empty or does not exist (outputs untouched).
 */
RONDO_API gboolean rondo_store_get_window(const RondoStore *store, guint schema, guint tier,
                                          guint64 *ret_oldest_ns, guint64 *ret_newest_ns);

/* --------------------------------------------------------- consolidation */

/**
 * rondo_store_consolidate:
 * @now_ns: the current time, or 0 to go by the data alone.
 * @ret_buckets: (out) (optional): buckets produced, over all tiers.
 *
 * Fills every tier N+1 bucket whose tier-N window is complete (the tier-N
 * head or @now_ns has passed its end), cascading 0 -> 1 -> 2 ...; idempotent.
 * Call it at least once per half of tier 0's span (interval x slots / 2),
 * so that no bucket's slots leave tier 0 first; more often only keeps the
 * coarse tiers fresher, and each call dirties a page of every coarse
 * column (the demo VMM calls it every 5 minutes, and at open and close).
 * After a call that filled buckets (at most once a minute) the coarse
 * tiers' pages leave this process' mapping; the page cache keeps them.
 * Bounded by each tier's ring size per call; allocates nothing per bucket.
 * Writer only. Late writes into a tier-0 slot after its bucket was
 * consolidated stay in tier 0 only. Checks the slab files first, as
 * rondo_store_check_files(), and fails with RONDO_ERROR_CORRUPT rather than
 * read a truncated slab.
 */
RONDO_API gboolean rondo_store_consolidate(RondoStore *store, guint64 now_ns, guint *ret_buckets,
                                           GError **error);

/**
 * rondo_store_trim:
 *
 * Drops from this process' memory the pages of @store's files that it
 * mapped and does not need next: tier 0 behind its head, and the coarse
 * tiers. Their contents stay in the page cache and reach the disk as
 * before; nothing is lost, written or read. A recording process maps each
 * page of tier 0 it writes, so without it the pages written since the last
 * consolidation that filled buckets stay in its memory (up to half of tier
 * 0's span: 35 pages of a 30-series VMM store). Does something at most once
 * a minute, so a process may call it on every tick; one madvise() per slab
 * file when it does. May run in another thread than the recorders, as
 * rondo_store_consolidate().
 */
RONDO_API void rondo_store_trim(RondoStore *store);

/**
 * rondo_store_get_consolidated_ns:
 * Returns: the slot time (ns) up to which (exclusive) tier @tier (>= 1) of
 *   @schema has been filled from the tier below, 0 if never.
 */
RONDO_API guint64 rondo_store_get_consolidated_ns(const RondoStore *store, guint schema,
                                                  guint tier);

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
 * the file drain-<consumer>.<tier>.json: in the store directory
 * (rondo_drain_new()), or in a directory of the consumer's own
 * (rondo_drain_new_at()), so that a reader that may not write into the store
 * (rondod serving a VM's store) can still export it.
 *
 * A drain returns the points of complete slots only — tier 0 slots older
 * than the head (and the head's slot too once no writer holds the store, or
 * only an adopter), tier N buckets already consolidated — in slot-time order,
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
 *
 * A cursor older than the tier's window moves up to its oldest slot; the
 * slot times skipped are counted as missed (rondo_drain_get_missed()), but
 * only those from the oldest slot time the tier ever held (its first_ns):
 * a cursor from before the store's first point counts at most the store's
 * own history, never the years since 1970.
 * A cursor after the newest complete slot (tier 0's head, a higher tier's
 * consolidation cursor), or inside the window but not on a slot boundary,
 * was not written by a commit on this store (the store was re-created,
 * restored or damaged): it is refused with RONDO_ERROR_CORRUPT naming the
 * file, rather than silently exporting nothing until the data catches up.
 * Removing the file makes the consumer a new one.
 * Returns: (transfer full): a drain positioned after the consumer's last
 *   commit (or at the oldest data a new consumer can see), or NULL;
 *   RONDO_ERROR_CORRUPT naming the cursor file when it is damaged, larger
 *   than 64 KiB, nested too deep, a link or a special file.
 */
RONDO_API RondoDrain *rondo_drain_new(RondoStore *store, const char *consumer, guint tier,
                                      GError **error);

/**
 * rondo_drain_new_at:
 * @cursor_dir: (nullable): the directory of the cursor file, which must
 *   exist; NULL is the store directory, as rondo_drain_new().
 *
 * As rondo_drain_new(), with the cursor kept in @cursor_dir. One directory
 * holds the cursors of one store: give each store a directory of its own.
 */
RONDO_API RondoDrain *rondo_drain_new_at(RondoStore *store, const char *cursor_dir,
                                         const char *consumer, guint tier, GError **error);

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
RONDO_API guint64 rondo_drain_get_cursor_ns(const RondoDrain *drain, guint schema);

/** Persists the cursors up to the last slot fully returned (atomic rewrite).
 * The tier's pages the drain mapped then leave this process' mapping (a
 * writer's at most once a minute), but those a writer writes next
 * (storage-format.md §6). */
RONDO_API gboolean rondo_drain_commit(RondoDrain *drain, GError **error);
/* The store and the tier the drain reads; the store is borrowed. */
RONDO_API RondoStore *rondo_drain_get_store(const RondoDrain *drain);
RONDO_API guint rondo_drain_get_tier(const RondoDrain *drain);
/* Frees the drain without committing: what it returned since the last
 * rondo_drain_commit() is returned again by the next drain. NULL is
 * accepted. */
RONDO_API void rondo_drain_free(RondoDrain *drain);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RondoDrain, rondo_drain_free)

G_DEFINE_AUTOPTR_CLEANUP_FUNC(RondoSchema, rondo_schema_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RondoStore, rondo_store_close)

/* -------------------------------------------------------- former names */

/* Before 0.5.0 these getters of nanoseconds did not say so in their names.
 * They stay in the ABI, with the same behaviour; new code uses the _ns names. */
G_DEPRECATED_FOR(rondo_schema_get_tier_interval_ns)
RONDO_API guint64 rondo_schema_get_tier_interval(const RondoSchema *schema, guint tier);
G_DEPRECATED_FOR(rondo_store_get_head_ns)
RONDO_API guint64 rondo_store_get_head(const RondoStore *store, guint schema, guint tier);
G_DEPRECATED_FOR(rondo_store_get_consolidated_ns)
RONDO_API guint64 rondo_store_get_consolidated(const RondoStore *store, guint schema, guint tier);
G_DEPRECATED_FOR(rondo_drain_get_cursor_ns)
RONDO_API guint64 rondo_drain_get_cursor(const RondoDrain *drain, guint schema);

G_END_DECLS

#endif /* RONDO_H */
