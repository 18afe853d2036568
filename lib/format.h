/* format.h - the byte-exact layout of a slab file.
 *
 * One slab file holds one tier of one schema. Every field is little-endian
 * and naturally aligned; the sizes below are checked at compile time, so
 * the structs can be used directly on the mapped file (x86-64 and other
 * little-endian 64-bit hosts; big-endian hosts are refused at build time).
 *
 *   offset  size              what
 *   0       64                RondoSlabHeader (immutable after creation,
 *                             except head_ns)
 *   64      64                RondoSlabState  (mutable cursors and counters)
 *   128     32 * series_max   RondoDirEntry[series_max]
 *   then one of two layouts, from dir_end = align64(128 + 32 * series_max):
 *
 *   row layout (tiers >= 1; every tier of a version-1 slab):
 *     dir_end            8 * slots   slot time column (u64 ns; 0 empty)
 *     dir_end + stride   n_columns * stride  f64 values, stride = align64(8 * slots)
 *   cell layout (tier 0 from version 2):
 *     dir_end            n_columns * stride  RondoCell {u64 t, f64 value},
 *                        stride = align64(16 * slots)
 *   In both, version 3 orders the values (cells) by slot: column c of ring
 *   slot r is element r * n_columns + c of the region, so what one slot
 *   time writes is contiguous and the end of the region is padding; older
 *   versions order them by column: column c from c * stride bytes on,
 *   element r of it at + r. Same sizes either way.
 *
 * rondo_slab_geometry() computes these offsets, the only place that does.
 * docs/storage-format.md is the prose version of this file.
 *
 * Invariants:
 *   1. A tag (ts[r] of a row, t of a cell) is 0 (never used),
 *      RONDO_SLOT_CLAIMING (being reset), or the slot time whose value(s)
 *      it guards.
 *   2. A value is valid for slot time t iff its tag == t when read both
 *      before and after the value (the seqlock).
 *   3. A tag only ever grows (a ring slot is reused for newer times only).
 */
#ifndef RONDO_FORMAT_H
#define RONDO_FORMAT_H

#include <glib.h>
#include "rondo-record.h"

#if G_BYTE_ORDER != G_LITTLE_ENDIAN
#error "rondo's slab format is little-endian; this host is not"
#endif

#define RONDO_SLAB_MAGIC "RONDOSLB"
/* The slab version: 2 since tier 0 keeps a tag per cell, 3 since values
 * and cells are ordered by slot (storage-format.md "Versions"). Older
 * slabs are read, never written. */
#define RONDO_SLAB_VERSION    3
#define RONDO_SLAB_VERSION_V2 2
#define RONDO_SLAB_VERSION_V1 1
#define RONDO_SLOT_CLAIMING   RONDO_RECORDER_CLAIMING
#define RONDO_ALIGN           64

typedef struct {
    char magic[8];       /* "RONDOSLB" */
    guint16 version;     /* RONDO_SLAB_VERSION */
    guint8 tier;         /* 0..RONDO_TIERS_MAX-1 */
    guint8 n_functions;  /* column groups: 1 for tier 0 */
    guint32 functions;   /* RONDO_CF_BIT mask; tier 0: RONDO_CF_BIT(LAST) */
    guint64 schema_hash; /* FNV-1a 64 of the schema's canonical text */
    guint32 slots;       /* ring size */
    guint32 series_max;  /* directory entries and columns per group */
    guint64 interval_ns; /* slot width */
    guint64 file_bytes;  /* exact size of the file */
    guint32 checksum;    /* CRC-32 (IEEE) of bytes 0..47 */
    guint32 reserved;    /* 0 */
    guint64 head_ns;     /* write cursor: newest slot time written, 0 empty */
} RondoSlabHeader;

typedef struct {
    guint64 filled_until_ns; /* tier >= 1: buckets before this are filled */
    guint64 dropped;         /* writes refused as older than the window */
    guint64 first_ns;        /* the first slot time ever written, 0 none */
    guint64 reserved[5];
} RondoSlabState;

typedef struct {
    guint64 key_hash;  /* FNV-1a 64 of the series key; 0 = unused */
    guint32 series_id; /* store-wide id (series.json) */
    guint32 flags;     /* RONDO_DIR_USED */
    guint64 reserved[2];
} RondoDirEntry;

#define RONDO_DIR_USED 1u

/* A value with its own tag: the cell layout of tier 0, {u64 t: the slot
 * time the value belongs to, 0, or RONDO_SLOT_CLAIMING; f64 value, NaN =
 * empty}. Defined in rondo-record.h, whose inline writer stores it. */
typedef RondoRecorderCell RondoCell;

G_STATIC_ASSERT(sizeof(RondoSlabHeader) == 64);
G_STATIC_ASSERT(G_STRUCT_OFFSET(RondoSlabHeader, checksum) == 48);
G_STATIC_ASSERT(G_STRUCT_OFFSET(RondoSlabHeader, head_ns) == 56);
G_STATIC_ASSERT(sizeof(RondoSlabState) == 64);
G_STATIC_ASSERT(sizeof(RondoDirEntry) == 32);
G_STATIC_ASSERT(sizeof(double) == 8);
G_STATIC_ASSERT(sizeof(RondoCell) == 16);
G_STATIC_ASSERT(G_STRUCT_OFFSET(RondoCell, value) == 8);

#define RONDO_SLAB_STATE_OFFSET 64
#define RONDO_SLAB_DIR_OFFSET   128

static inline guint64
rondo_align_up(guint64 n)
{
    return (n + RONDO_ALIGN - 1) & ~(guint64)(RONDO_ALIGN - 1);
}

/* Where the parts of a slab are, in bytes; the one place that says so. */
typedef struct {
    gboolean cells;       /* the cell layout (else the row layout) */
    guint64 ts_off;       /* row layout: the slot time column; 0 in the cell layout */
    guint64 col_off;      /* the first column (the first cell) */
    guint64 stride_bytes; /* a column's share of the region (its extent, by column) */
    guint64 file_bytes;   /* the whole file */
    /* Values (or cells) from one column to the next, and from one ring slot
     * to the next in a column: by column (versions 1, 2) stride / element
     * size and 1; by slot (version 3) 1 and n_columns. */
    guint64 col_step, slot_step;
} RondoSlabGeometry;

/* The order of a slab's values (or cells) of @version: by slot from version
 * 3, by column before. */
static inline gboolean
rondo_slab_by_slot(guint version)
{
    return version >= 3;
}

/* The layout of a slab of @version and @tier: cells for tier 0 from version 2. */
static inline gboolean
rondo_slab_has_cells(guint version, guint tier)
{
    return version >= RONDO_SLAB_VERSION_V2 && tier == 0;
}

/* The layout of a slab, computed with every product and sum checked:
 * FALSE when one passes 2^63 (file_bytes must fit an off_t), *ret_field
 * naming it. Within a schema's limits (series_max <= 2^16, slots <= 2^24,
 * n_functions <= 6) file_bytes < 2^53 and this never fails; the checks make
 * sure no wider limit, and no number read from a file, can wrap a size. */
static inline gboolean
rondo_slab_geometry(guint version, guint tier, guint32 series_max, guint32 slots, guint n_functions,
                    RondoSlabGeometry *ret, const char **ret_field)
{
    RondoSlabGeometry g;
    guint64 dir_bytes, ring_bytes, columns, values_bytes;
    g.cells = rondo_slab_has_cells(version, tier);
    if (!g_uint64_checked_mul(&dir_bytes, series_max, sizeof(RondoDirEntry)) ||
        !g_uint64_checked_mul(&ring_bytes, slots, g.cells ? sizeof(RondoCell) : 8)) {
        *ret_field = "series_max × 32 or slots × cell size";
        return FALSE;
    }
    /* Both are below 2^38 (32-bit factors by 32 or 16): the sums cannot wrap. */
    guint64 dir_end = rondo_align_up(RONDO_SLAB_DIR_OFFSET + dir_bytes);
    g.stride_bytes = rondo_align_up(ring_bytes);
    g.ts_off = g.cells ? 0 : dir_end;
    g.col_off = g.cells ? dir_end : dir_end + g.stride_bytes;
    if (!g_uint64_checked_mul(&columns, n_functions, series_max) ||
        !g_uint64_checked_mul(&values_bytes, columns, g.stride_bytes) ||
        !g_uint64_checked_add(&g.file_bytes, g.col_off, values_bytes) ||
        g.file_bytes > (guint64)G_MAXINT64) {
        *ret_field = "file_bytes (series_max × functions × slots × cell size)";
        return FALSE;
    }
    /* Every element (column × col_step + slot × slot_step) lies below
     * columns × stride bytes: within the file checked above. */
    gboolean by_slot = rondo_slab_by_slot(version);
    g.col_step = by_slot ? 1 : g.stride_bytes / (g.cells ? sizeof(RondoCell) : 8);
    g.slot_step = by_slot ? columns : 1;
    *ret = g;
    return TRUE;
}

#endif /* RONDO_FORMAT_H */
