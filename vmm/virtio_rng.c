/* virtio_rng.c - virtio entropy device (virtio 1.x, 5.4) over getrandom().
 *
 * Why: a guest without a hardware RNG waits for entropy; this is the usual
 * cure, and the smallest virtio device there is, which makes it the proof
 * that a device is one file: its ops table, its counters
 * (rng_requests_total, rng_bytes_total) and nothing else; main gives it a
 * slot in the virtio-mmio window, and ACPI and the built-in guest find it
 * there.
 *
 * A request is a chain of device-writable buffers (one queue, no config
 * space, no feature bits). Each is filled from the host's getrandom(),
 * served on the vCPU thread during the QueueNotify exit like virtio-blk.
 * Invariants: nothing is written outside the buffers virtq_pop() checked;
 * a device-readable buffer ends the request (written: what came before);
 * a buffer larger than VIRTIO_RNG_CHUNK_MAX gets that much, as the driver
 * must accept a short answer.
 */
#include "config.h"

#include "virtio_rng.h"

#include <errno.h>
#include <sys/random.h>

struct VirtioRng {
    VirtioMmio transport;
    GuestMemory *mem;
    VmCounter requests; /* chains served */
    VmCounter bytes;    /* random bytes handed to the guest */
};

static const VmCounterDesc virtio_rng_requests_desc = {"rng_requests_total", NULL,
                                                       "virtio-rng requests served", NULL};
static const VmCounterDesc virtio_rng_bytes_desc = {"rng_bytes_total", "bytes",
                                                    "Random bytes virtio-rng gave the guest", NULL};

static guint32 virtio_rng_serve_chain(void *dev, guint queue, const VirtqChain *chain);

static const VirtioDeviceOps virtio_rng_ops = {
    .device_id = VIRTIO_ID_ENTROPY,
    .queue_num_max = VIRTIO_RNG_QUEUE_MAX,
    .config_read = NULL,
    .config_bytes = 0,
    .handle_chain = virtio_rng_serve_chain,
    .reset = NULL,
};

VirtioRng *
virtio_rng_new(GuestMemory *mem, const IrqLine *irq)
{
    VirtioRng *rng = g_new0(VirtioRng, 1);
    rng->mem = mem;
    vm_counter_init(&rng->requests);
    vm_counter_init(&rng->bytes);
    virtio_mmio_init(&rng->transport, &virtio_rng_ops, rng, 1, 0, mem, irq);
    return rng;
}

void
virtio_rng_free(VirtioRng *rng)
{
    g_free(rng);
}

gboolean
virtio_rng_attach_metrics(VirtioRng *rng, VmMetrics *metrics, GError **error)
{
    return vm_metrics_add_counters(metrics, &rng->requests, 1, &virtio_rng_requests_desc, NULL,
                                   error) &&
           vm_metrics_add_counters(metrics, &rng->bytes, 1, &virtio_rng_bytes_desc, NULL, error);
}

VirtioMmio *
virtio_rng_get_transport(VirtioRng *rng)
{
    return &rng->transport;
}

/* Fills @len bytes at @p; returns how many it could (the host's pool not
 * ready yet, with GRND_NONBLOCK: none). */
static guint32
virtio_rng_fill(guint8 *p, guint32 len)
{
    guint32 done = 0;
    while (done < len) {
        ssize_t n = getrandom(p + done, len - done, GRND_NONBLOCK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (guint32)n;
    }
    return done;
}

guint32
virtio_rng_handle_chain(VirtioRng *rng, const VirtqChain *chain)
{
    guint32 written = 0;
    for (guint i = 0; i < chain->n && chain->buf[i].device_writable; i++) {
        guint32 len = MIN(chain->buf[i].len, (guint32)VIRTIO_RNG_CHUNK_MAX);
        guint8 *p = guest_memory_ptr(rng->mem, chain->buf[i].gpa, len);
        g_assert(p != NULL); /* virtq_pop() checked it */
        guint32 n = virtio_rng_fill(p, len);
        written += n;
        if (n < len)
            break;
    }
    guint64 now_ns = vm_metrics_now_ns();
    vm_counter_add(&rng->requests, 1, now_ns);
    vm_counter_add(&rng->bytes, written, now_ns);
    return written;
}

static guint32
virtio_rng_serve_chain(void *dev, guint queue, const VirtqChain *chain)
{
    return virtio_rng_handle_chain(dev, chain);
}
