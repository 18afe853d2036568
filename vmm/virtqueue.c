/* virtqueue.c - split virtqueues (virtio 1.x, section 2.7), device side.
 *
 * Why its own file: the ring walking is where a VMM trusts guest memory the
 * most, so it is written once, defensively, and unit-tested against
 * hand-built rings. Every index from the guest is reduced modulo the queue
 * size or checked against it; a chain is at most VIRTQ_CHAIN_MAX long and
 * may not loop; every buffer must lie inside guest RAM. Indirect
 * descriptors are not offered, so seeing one is a protocol error.
 *
 * Layout in guest memory (little-endian):
 *   desc   num x { u64 addr; u32 len; u16 flags; u16 next }
 *   avail  u16 flags; u16 idx; u16 ring[num]; u16 used_event
 *   used   u16 flags; u16 idx; { u32 id; u32 len } ring[num]; u16 avail_event
 */
#include "config.h"

#include "virtqueue.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n.h>

typedef struct {
    guint64 addr;
    guint32 len;
    guint16 flags;
    guint16 next;
} __attribute__((packed)) VirtqDesc;

G_STATIC_ASSERT(sizeof(VirtqDesc) == 16);

void
virtq_reset(VirtQueue *vq)
{
    memset(vq, 0, sizeof *vq);
}

static gboolean
virtq_read_u16(GuestMemory *mem, guint64 gpa, guint16 *ret, GError **error)
{
    const void *p = guest_memory_ptr(mem, gpa, 2);
    if (p == NULL) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    _("virtqueue: ring address 0x%llx outside guest memory"),
                    (unsigned long long)gpa);
        return FALSE;
    }
    guint16 v;
    memcpy(&v, p, sizeof v);
    *ret = GUINT16_FROM_LE(v);
    return TRUE;
}

static gboolean
virtq_bad(GError **error, const char *what, guint value)
{
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("virtqueue: %s (%u)"), what, value);
    return FALSE;
}

static gboolean
virtq_read_desc(const VirtQueue *vq, GuestMemory *mem, guint16 index, VirtqDesc *ret,
                GError **error)
{
    const void *p = guest_memory_ptr(mem, vq->desc_gpa + 16ull * index, 16);
    if (p == NULL)
        return virtq_bad(error, _("descriptor table outside guest memory"), index);
    memcpy(ret, p, sizeof *ret);
    ret->addr = GUINT64_FROM_LE(ret->addr);
    ret->len = GUINT32_FROM_LE(ret->len);
    ret->flags = GUINT16_FROM_LE(ret->flags);
    ret->next = GUINT16_FROM_LE(ret->next);
    return TRUE;
}

static gboolean
virtq_walk_chain(const VirtQueue *vq, GuestMemory *mem, guint16 head, VirtqChain *chain,
                 GError **error)
{
    guint16 index = head;
    chain->head = head;
    chain->n = 0;
    for (;;) {
        VirtqDesc d;
        if (index >= vq->num)
            return virtq_bad(error, _("descriptor index out of range"), index);
        if (chain->n == VIRTQ_CHAIN_MAX || chain->n == vq->num)
            return virtq_bad(error, _("descriptor chain too long or looping"), chain->n);
        if (!virtq_read_desc(vq, mem, index, &d, error))
            return FALSE;
        if (d.flags & VIRTQ_DESC_F_INDIRECT)
            return virtq_bad(error, _("indirect descriptor not negotiated"), index);
        if (guest_memory_ptr(mem, d.addr, d.len) == NULL)
            return virtq_bad(error, _("buffer outside guest memory"), index);
        chain->buf[chain->n++] = (VirtqBuffer){d.addr, d.len, (d.flags & VIRTQ_DESC_F_WRITE) != 0};
        if (!(d.flags & VIRTQ_DESC_F_NEXT))
            return TRUE;
        index = d.next;
    }
}

VirtqPopResult
virtq_pop(VirtQueue *vq, GuestMemory *mem, VirtqChain *ret_chain, GError **error)
{
    g_assert(vq->num > 0 && vq->num <= VIRTQ_SIZE_MAX);
    guint16 avail_idx, head;
    if (!virtq_read_u16(mem, vq->avail_gpa + 2, &avail_idx, error))
        return VIRTQ_POP_ERROR;
    if (avail_idx == vq->last_avail_idx)
        return VIRTQ_POP_EMPTY;
    if ((guint16)(avail_idx - vq->last_avail_idx) > vq->num) {
        virtq_bad(error, _("driver published more buffers than the queue holds"), avail_idx);
        return VIRTQ_POP_ERROR;
    }
    guint64 slot = vq->avail_gpa + 4 + 2ull * (vq->last_avail_idx % vq->num);
    if (!virtq_read_u16(mem, slot, &head, error) ||
        !virtq_walk_chain(vq, mem, head, ret_chain, error))
        return VIRTQ_POP_ERROR;
    vq->last_avail_idx++;
    return VIRTQ_POP_OK;
}

gboolean
virtq_push(VirtQueue *vq, GuestMemory *mem, guint16 head, guint32 written, GError **error)
{
    g_assert(vq->num > 0 && head < vq->num);
    guint64 elem_gpa = vq->used_gpa + 4 + 8ull * (vq->used_idx % vq->num);
    guint8 *elem = guest_memory_ptr(mem, elem_gpa, 8);
    guint8 *idx = guest_memory_ptr(mem, vq->used_gpa + 2, 2);
    if (elem == NULL || idx == NULL) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    _("virtqueue: used ring outside guest memory"));
        return FALSE;
    }
    guint32 id_le = GUINT32_TO_LE((guint32)head), len_le = GUINT32_TO_LE(written);
    memcpy(elem, &id_le, 4);
    memcpy(elem + 4, &len_le, 4);
    vq->used_idx++;
    guint16 used_le = GUINT16_TO_LE(vq->used_idx);
    __atomic_thread_fence(__ATOMIC_RELEASE); /* the element before the index */
    memcpy(idx, &used_le, 2);
    return TRUE;
}
