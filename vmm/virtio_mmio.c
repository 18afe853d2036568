/* virtio_mmio.c - the virtio-mmio register machine (virtio 1.x, 4.2).
 *
 * Why: the transport is the same for every virtio device, and it is a pure
 * state machine (registers in, state out) that unit tests can drive without
 * KVM. It follows the spec's driver sequence: reset, ACKNOWLEDGE, DRIVER,
 * feature negotiation (FEATURES_OK is refused unless the driver takes
 * VIRTIO_F_VERSION_1 and nothing the device did not offer), queue setup,
 * DRIVER_OK. A notification serves the queue synchronously on the vCPU
 * thread that wrote QueueNotify: the transport pops each chain, the
 * device's handle_chain serves it, the transport pushes it back.
 *
 * Invariants: registers are 32-bit and aligned (other accesses read as 0
 * and are ignored on write); a queue's addresses and size cannot change
 * while it is ready; writing 0 to Status resets everything.
 */
#include "config.h"

#include "virtio_mmio.h"

#include <string.h>

void
virtio_mmio_init(VirtioMmio *t, const VirtioDeviceOps *ops, void *dev, guint n_queues,
                 guint64 device_features, GuestMemory *mem, const IrqLine *irq)
{
    g_assert(n_queues > 0 && n_queues <= VIRTIO_QUEUES_MAX);
    memset(t, 0, sizeof *t);
    t->ops = ops;
    t->dev = dev;
    t->n_queues = n_queues;
    t->device_features = device_features | VIRTIO_F_VERSION_1;
    t->mem = mem;
    if (irq != NULL)
        t->irq = *irq;
}

static void
virtio_mmio_reset(VirtioMmio *t)
{
    t->driver_features = 0;
    t->device_features_sel = t->driver_features_sel = t->queue_sel = 0;
    t->status = 0;
    t->interrupt_status = 0;
    for (guint i = 0; i < t->n_queues; i++)
        virtq_reset(&t->queues[i]);
    if (t->ops->reset != NULL)
        t->ops->reset(t->dev);
}

void
virtio_mmio_signal_used(VirtioMmio *t)
{
    t->interrupt_status |= 1;
    irq_line_pulse(&t->irq);
}

void
virtio_mmio_protocol_error(VirtioMmio *t, const GError *error)
{
    if (t->protocol_errors++ == 0)
        g_printerr("rondo-demo-vmm: virtio: %s\n", error->message);
    t->status |= 0x40; /* DEVICE_NEEDS_RESET */
}

static VirtQueue *
virtio_mmio_queue(VirtioMmio *t)
{
    return t->queue_sel < t->n_queues ? &t->queues[t->queue_sel] : NULL;
}

static guint32
virtio_mmio_read_queue_reg(VirtioMmio *t, guint64 offset)
{
    VirtQueue *vq = virtio_mmio_queue(t);
    if (vq == NULL)
        return 0;
    switch (offset) {
    case VIRTIO_MMIO_QUEUE_NUM_MAX:
        return t->ops->queue_num_max;
    case VIRTIO_MMIO_QUEUE_READY:
        return vq->ready;
    default:
        return 0;
    }
}

static guint32
virtio_mmio_read_reg(VirtioMmio *t, guint64 offset)
{
    switch (offset) {
    case VIRTIO_MMIO_MAGIC_VALUE:
        return VIRTIO_MMIO_MAGIC;
    case VIRTIO_MMIO_VERSION_REG:
        return VIRTIO_MMIO_VERSION;
    case VIRTIO_MMIO_DEVICE_ID:
        return t->ops->device_id;
    case VIRTIO_MMIO_VENDOR_ID:
        return VIRTIO_MMIO_VENDOR;
    case VIRTIO_MMIO_DEVICE_FEATURES:
        return t->device_features_sel > 1
                   ? 0
                   : (guint32)(t->device_features >> (32 * t->device_features_sel));
    case VIRTIO_MMIO_INTERRUPT_STATUS:
        return t->interrupt_status;
    case VIRTIO_MMIO_STATUS:
        return t->status;
    case VIRTIO_MMIO_CONFIG_GENERATION:
        return 0;
    default:
        return virtio_mmio_read_queue_reg(t, offset);
    }
}

static void
set_half(guint64 *value, gboolean high, guint32 half)
{
    if (high)
        *value = (*value & 0xffffffffull) | ((guint64)half << 32);
    else
        *value = (*value & ~0xffffffffull) | half;
}

static void
virtio_mmio_write_queue_reg(VirtioMmio *t, guint64 offset, guint32 value)
{
    VirtQueue *vq = virtio_mmio_queue(t);
    if (vq == NULL)
        return;
    if (offset == VIRTIO_MMIO_QUEUE_READY) {
        gboolean ok = vq->num > 0 && (vq->num & (vq->num - 1)) == 0;
        vq->ready = (value & 1) && ok;
        return;
    }
    if (vq->ready)
        return; /* a live queue's layout is fixed */
    switch (offset) {
    case VIRTIO_MMIO_QUEUE_NUM:
        vq->num = value <= t->ops->queue_num_max ? (guint16)value : 0;
        break;
    case VIRTIO_MMIO_QUEUE_DESC_LOW:
    case VIRTIO_MMIO_QUEUE_DESC_HIGH:
        set_half(&vq->desc_gpa, offset == VIRTIO_MMIO_QUEUE_DESC_HIGH, value);
        break;
    case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
    case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
        set_half(&vq->avail_gpa, offset == VIRTIO_MMIO_QUEUE_DRIVER_HIGH, value);
        break;
    case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
    case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
        set_half(&vq->used_gpa, offset == VIRTIO_MMIO_QUEUE_DEVICE_HIGH, value);
        break;
    default:
        break;
    }
}

static void
virtio_mmio_write_status(VirtioMmio *t, guint32 value)
{
    if (value == 0) {
        virtio_mmio_reset(t);
        return;
    }
    if ((value & VIRTIO_STATUS_FEATURES_OK) && !(t->status & VIRTIO_STATUS_FEATURES_OK)) {
        gboolean acceptable = (t->driver_features & ~t->device_features) == 0 &&
                              (t->driver_features & VIRTIO_F_VERSION_1);
        if (!acceptable)
            value &= ~(guint32)VIRTIO_STATUS_FEATURES_OK;
    }
    t->status = value & 0xff;
}

/* Serves every chain available on @queue, then interrupts once. */
static void
virtio_mmio_serve(VirtioMmio *t, guint queue)
{
    VirtQueue *vq = &t->queues[queue];
    gboolean pushed = FALSE;
    for (;;) {
        g_autoptr(GError) error = NULL;
        VirtqChain chain;
        VirtqPopResult r = virtq_pop(vq, t->mem, &chain, &error);
        if (r == VIRTQ_POP_EMPTY)
            break;
        if (r == VIRTQ_POP_ERROR) {
            virtio_mmio_protocol_error(t, error);
            break;
        }
        guint32 written = t->ops->handle_chain(t->dev, queue, &chain);
        if (!virtq_push(vq, t->mem, chain.head, written, &error)) {
            virtio_mmio_protocol_error(t, error);
            break;
        }
        pushed = TRUE;
    }
    if (pushed)
        virtio_mmio_signal_used(t);
}

static void
virtio_mmio_notify(VirtioMmio *t, guint32 queue)
{
    if (!(t->status & VIRTIO_STATUS_DRIVER_OK) || queue >= t->n_queues || !t->queues[queue].ready)
        return;
    virtio_mmio_serve(t, queue);
}

static void
virtio_mmio_write_reg(VirtioMmio *t, guint64 offset, guint32 value)
{
    switch (offset) {
    case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
        t->device_features_sel = value;
        break;
    case VIRTIO_MMIO_DRIVER_FEATURES:
        if (t->driver_features_sel <= 1 && !(t->status & VIRTIO_STATUS_FEATURES_OK))
            set_half(&t->driver_features, t->driver_features_sel == 1, value);
        break;
    case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
        t->driver_features_sel = value;
        break;
    case VIRTIO_MMIO_QUEUE_SEL:
        t->queue_sel = value;
        break;
    case VIRTIO_MMIO_QUEUE_NOTIFY:
        virtio_mmio_notify(t, value);
        break;
    case VIRTIO_MMIO_INTERRUPT_ACK:
        t->interrupt_status &= ~value;
        break;
    case VIRTIO_MMIO_STATUS:
        virtio_mmio_write_status(t, value);
        break;
    default:
        virtio_mmio_write_queue_reg(t, offset, value);
        break;
    }
}

static void
virtio_mmio_bus_read(void *opaque, guint64 offset, guint8 *data, guint32 len)
{
    VirtioMmio *t = opaque;
    memset(data, 0, len);
    if (offset >= VIRTIO_MMIO_CONFIG) {
        guint64 config_offset = offset - VIRTIO_MMIO_CONFIG;
        if (config_offset + len <= t->ops->config_bytes && t->ops->config_read != NULL)
            t->ops->config_read(t->dev, (guint32)config_offset, data, len);
        return;
    }
    if (len != 4 || offset % 4 != 0)
        return;
    guint32 value = GUINT32_TO_LE(virtio_mmio_read_reg(t, offset));
    memcpy(data, &value, 4);
}

static void
virtio_mmio_bus_write(void *opaque, guint64 offset, const guint8 *data, guint32 len)
{
    VirtioMmio *t = opaque;
    if (offset >= VIRTIO_MMIO_CONFIG || len != 4 || offset % 4 != 0)
        return; /* config space is read-only for our devices */
    guint32 value;
    memcpy(&value, data, 4);
    virtio_mmio_write_reg(t, offset, GUINT32_FROM_LE(value));
}

const BusDeviceOps virtio_mmio_bus_ops = {
    .name = "virtio-mmio",
    .read = virtio_mmio_bus_read,
    .write = virtio_mmio_bus_write,
};
