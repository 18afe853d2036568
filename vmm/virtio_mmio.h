/* virtio_mmio.h - the virtio-mmio transport (version 2) for one device. */
#pragma once

#include <glib.h>

#include "bus.h"
#include "irq.h"
#include "memory.h"
#include "virtio_spec.h"
#include "virtqueue.h"

#define VIRTIO_QUEUES_MAX 2

/* Registers, status bits, device ids: virtio_spec.h. */
#define VIRTIO_MMIO_VENDOR 0x4f444e52 /* "RNDO" */
#define VIRTIO_F_VERSION_1 ((guint64)VIRTIO_F_VERSION_1_HIGH << 32)

typedef struct VirtioMmio VirtioMmio;

/* What a device type (blk, ...) supplies to the transport. */
typedef struct {
    guint32 device_id;
    guint32 queue_num_max;
    /* Reads device config space; @offset + @len is within config_bytes. */
    void (*config_read)(void *dev, guint32 offset, guint8 *data, guint32 len);
    guint32 config_bytes;
    /* Serves one request chain the driver made available on @queue (every
     * buffer address already checked by virtq_pop()); returns the bytes
     * written into its device-writable buffers. */
    guint32 (*handle_chain)(void *dev, guint queue, const VirtqChain *chain);
    void (*reset)(void *dev);
} VirtioDeviceOps;

struct VirtioMmio {
    const VirtioDeviceOps *ops;
    void *dev;
    GuestMemory *mem;
    IrqLine irq;
    guint64 device_features; /* always includes VIRTIO_F_VERSION_1 */
    guint64 driver_features;
    guint32 device_features_sel, driver_features_sel;
    guint32 queue_sel;
    guint32 status;
    guint32 interrupt_status;
    guint n_queues;
    VirtQueue queues[VIRTIO_QUEUES_MAX];
    guint64 protocol_errors; /* driver mistakes, logged once each */
};

void virtio_mmio_init(VirtioMmio *t, const VirtioDeviceOps *ops, void *dev, guint n_queues,
                      guint64 device_features, GuestMemory *mem, const IrqLine *irq);

/* Tells the driver that used buffers are waiting (interrupt status bit 0). */
void virtio_mmio_signal_used(VirtioMmio *t);

/* Counts and logs a driver protocol error, then marks the device FAILED-worthy. */
void virtio_mmio_protocol_error(VirtioMmio *t, const GError *error);

extern const BusDeviceOps virtio_mmio_bus_ops;
