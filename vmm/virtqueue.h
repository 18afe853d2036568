/* virtqueue.h - the device side of a virtio 1.x split virtqueue. */
#pragma once

#include <glib.h>

#include "memory.h"
#include "virtio_spec.h"

#define VIRTQ_SIZE_MAX  256
#define VIRTQ_CHAIN_MAX 16

typedef struct {
    guint16 num; /* queue size the driver chose; 0 until set */
    gboolean ready;
    guint64 desc_gpa;
    guint64 avail_gpa;
    guint64 used_gpa;
    guint16 last_avail_idx; /* next avail ring entry the device will take */
    guint16 used_idx;       /* next used ring entry the device will fill */
} VirtQueue;

/* One guest buffer of a descriptor chain. */
typedef struct {
    guint64 gpa;
    guint32 len;
    gboolean device_writable;
} VirtqBuffer;

typedef struct {
    guint16 head; /* the chain's first descriptor index: what push() returns */
    guint n;
    VirtqBuffer buf[VIRTQ_CHAIN_MAX];
} VirtqChain;

typedef enum {
    VIRTQ_POP_OK,
    VIRTQ_POP_EMPTY,
    VIRTQ_POP_ERROR, /* the driver broke the protocol; see the GError */
} VirtqPopResult;

void virtq_reset(VirtQueue *vq);

/* Takes the next available chain, checking every index and address. */
VirtqPopResult virtq_pop(VirtQueue *vq, GuestMemory *mem, VirtqChain *ret_chain, GError **error);

/* Returns chain @head to the driver with @written bytes placed in its
 * device-writable buffers. */
gboolean virtq_push(VirtQueue *vq, GuestMemory *mem, guint16 head, guint32 written, GError **error);
