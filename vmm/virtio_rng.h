/* virtio_rng.h - a virtio entropy device fed by the host's getrandom(). */
#pragma once

#include <glib.h>

#include "metrics.h"
#include "virtio_mmio.h"

#define VIRTIO_RNG_QUEUE_MAX 64
#define VIRTIO_RNG_CHUNK_MAX 4096 /* bytes served per buffer, at most */

typedef struct VirtioRng VirtioRng;

VirtioRng *virtio_rng_new(GuestMemory *mem, const IrqLine *irq);
void virtio_rng_free(VirtioRng *rng);

/* Registers the device's counters (rng_*) in @metrics. Without it the
 * device counts nothing. */
gboolean virtio_rng_attach_metrics(VirtioRng *rng, VmMetrics *metrics, GError **error);
VirtioMmio *virtio_rng_get_transport(VirtioRng *rng);

/* Fills the chain's device-writable buffers with random bytes, up to
 * VIRTIO_RNG_CHUNK_MAX each; returns how many it wrote. Exposed for unit
 * tests. */
guint32 virtio_rng_handle_chain(VirtioRng *rng, const VirtqChain *chain);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VirtioRng, virtio_rng_free)
