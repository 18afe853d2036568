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
 *   ts_off  8 * slots         slot time column (u64 ns; 0 empty)
 *   col_off n_columns * stride  value columns (f64), column c at
 *                             col_off + c * stride, stride = 8 * slots
 *                             rounded up to 64
 *
 * ts_off = round_up(128 + 32 * series_max, 64); col_off = ts_off +
 * round_up(8 * slots, 64). The file is exactly col_off + n_columns * stride
 * bytes. docs/storage-format.md is the prose version of this file.
 *
 * Invariants:
 *   1. ts[r] is 0 (never used), RONDO_SLOT_CLAIMING (being reset), or the
 *      start time of the slot index whose values row r holds.
 *   2. A value is valid for slot time t iff ts[t / interval % slots] == t
 *      when read both before and after the value (the seqlock).
 *   3. ts[r] only ever grows (a ring slot is reused for newer times only).
 */
#ifndef RONDO_FORMAT_H
#define RONDO_FORMAT_H

#include <glib.h>

#if G_BYTE_ORDER != G_LITTLE_ENDIAN
#error "rondo's slab format is little-endian; this host is not"
#endif

#define RONDO_SLAB_MAGIC    "RONDOSLB"
#define RONDO_SLAB_VERSION  1
#define RONDO_SLOT_CLAIMING G_MAXUINT64
#define RONDO_ALIGN         64

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

G_STATIC_ASSERT(sizeof(RondoSlabHeader) == 64);
G_STATIC_ASSERT(G_STRUCT_OFFSET(RondoSlabHeader, checksum) == 48);
G_STATIC_ASSERT(G_STRUCT_OFFSET(RondoSlabHeader, head_ns) == 56);
G_STATIC_ASSERT(sizeof(RondoSlabState) == 64);
G_STATIC_ASSERT(sizeof(RondoDirEntry) == 32);
G_STATIC_ASSERT(sizeof(double) == 8);

#define RONDO_SLAB_STATE_OFFSET 64
#define RONDO_SLAB_DIR_OFFSET   128

static inline guint64
rondo_align_up(guint64 n)
{
    return (n + RONDO_ALIGN - 1) & ~(guint64)(RONDO_ALIGN - 1);
}

#endif /* RONDO_FORMAT_H */
