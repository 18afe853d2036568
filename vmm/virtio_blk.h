/* virtio_blk.h - a virtio block device backed by a file. */
#pragma once

#include <glib.h>

#include "metrics.h"
#include "virtio_mmio.h"

/* Request types, status values, feature bits: virtio_spec.h. */
#define VIRTIO_BLK_QUEUE_MAX 128

typedef struct VirtioBlk VirtioBlk;

/* Opens @path read-write (or read-only). Its size is rounded down to whole
 * sectors. */
VirtioBlk *virtio_blk_open(const char *path, gboolean read_only, GuestMemory *mem,
                           const IrqLine *irq, GError **error);

/* A scratch disk of @size_bytes in anonymous memory (memfd), for guests
 * given no --disk. */
VirtioBlk *virtio_blk_new_scratch(guint64 size_bytes, GuestMemory *mem, const IrqLine *irq,
                                  GError **error);
void virtio_blk_free(VirtioBlk *blk);

/* Registers the device's counters (blk_*) in @metrics. Without it the
 * device counts nothing. */
gboolean virtio_blk_attach_metrics(VirtioBlk *blk, VmMetrics *metrics, GError **error);
VirtioMmio *virtio_blk_get_transport(VirtioBlk *blk);
guint64 virtio_blk_get_capacity_sectors(const VirtioBlk *blk);

/* Executes one request chain and returns its status byte's value, having
 * written it; @ret_written gets the bytes placed in device-writable
 * buffers (data read plus the status byte). Exposed for unit tests. */
guint8 virtio_blk_handle_chain(VirtioBlk *blk, const VirtqChain *chain, guint32 *ret_written);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VirtioBlk, virtio_blk_free)
