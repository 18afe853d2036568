/* virtio_mmio.h - the virtio-mmio transport (version 2) for one device. */
#pragma once

#include <glib.h>

#include "bus.h"
#include "irq.h"
#include "memory.h"
#include "virtqueue.h"

#define VIRTIO_QUEUES_MAX 2

#define VIRTIO_MMIO_MAGIC   0x74726976 /* "virt" */
#define VIRTIO_MMIO_VERSION 2
#define VIRTIO_MMIO_VENDOR  0x4f444e52 /* "RNDO" */

/* Register offsets (virtio 1.x, 4.2.2). */
enum {
    VIRTIO_MMIO_MAGIC_VALUE = 0x000,
    VIRTIO_MMIO_VERSION_REG = 0x004,
    VIRTIO_MMIO_DEVICE_ID = 0x008,
    VIRTIO_MMIO_VENDOR_ID = 0x00c,
    VIRTIO_MMIO_DEVICE_FEATURES = 0x010,
    VIRTIO_MMIO_DEVICE_FEATURES_SEL = 0x014,
    VIRTIO_MMIO_DRIVER_FEATURES = 0x020,
    VIRTIO_MMIO_DRIVER_FEATURES_SEL = 0x024,
    VIRTIO_MMIO_QUEUE_SEL = 0x030,
    VIRTIO_MMIO_QUEUE_NUM_MAX = 0x034,
    VIRTIO_MMIO_QUEUE_NUM = 0x038,
    VIRTIO_MMIO_QUEUE_READY = 0x044,
    VIRTIO_MMIO_QUEUE_NOTIFY = 0x050,
    VIRTIO_MMIO_INTERRUPT_STATUS = 0x060,
    VIRTIO_MMIO_INTERRUPT_ACK = 0x064,
    VIRTIO_MMIO_STATUS = 0x070,
    VIRTIO_MMIO_QUEUE_DESC_LOW = 0x080,
    VIRTIO_MMIO_QUEUE_DESC_HIGH = 0x084,
    VIRTIO_MMIO_QUEUE_DRIVER_LOW = 0x090,
    VIRTIO_MMIO_QUEUE_DRIVER_HIGH = 0x094,
    VIRTIO_MMIO_QUEUE_DEVICE_LOW = 0x0a0,
    VIRTIO_MMIO_QUEUE_DEVICE_HIGH = 0x0a4,
    VIRTIO_MMIO_CONFIG_GENERATION = 0x0fc,
    VIRTIO_MMIO_CONFIG = 0x100,
};

/* Device status bits (2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER      2
#define VIRTIO_STATUS_DRIVER_OK   4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_FAILED      128

#define VIRTIO_F_VERSION_1 (G_GUINT64_CONSTANT(1) << 32)

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
