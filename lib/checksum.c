/* checksum.c - CRC-32 for slab headers, FNV-1a 64 for identities.
 *
 * CRC-32 is the IEEE polynomial (the one zlib's crc32() computes), so a
 * third-party reader can check a header with any common library. The
 * table-free loop is slow per byte but only ever sees 48-byte headers.
 */
#include "config.h"
#include "internal.h"

guint32
rondo_crc32(const void *data, gsize n)
{
    const guint8 *p = data;
    guint32 crc = 0xffffffffu;

    for (gsize i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

guint64
rondo_fnv1a64(const void *data, gsize n)
{
    const guint8 *p = data;
    guint64 h = 0xcbf29ce484222325ull;

    for (gsize i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}
