/* virtio_blk.c - virtio block device (virtio 1.x, 5.2) over a host file.
 *
 * Why: the demo's I/O metrics (requests, bytes, latency) come from here.
 * Requests are served synchronously with pread/pwrite straight into guest
 * memory, on the vCPU thread, during the QueueNotify exit: the simplest
 * design that is correct, and the latency it adds to the guest is exactly
 * what blk_request_seconds_total counts.
 *
 * A request chain is: a 16-byte device-readable header { u32 type;
 * u32 reserved; u64 sector }, zero or more data buffers (device-writable for
 * IN, readable for OUT), and a device-writable status byte last. Anything
 * else is answered with IOERR, never trusted. Invariant: no byte outside
 * [0, capacity) of the file is read or written.
 */
#include "config.h"

#include "virtio_blk.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gi18n.h>

#define VIRTIO_BLK_ID       "rondo-demo-disk"
#define VIRTIO_BLK_ID_BYTES 20

/* A request's operation, as counted in blk_requests_total{op}. Reads and
 * writes move bytes: their ops index blk_bytes_total{direction} too. */
typedef enum {
    VIRTIO_BLK_OP_READ,
    VIRTIO_BLK_OP_WRITE,
    VIRTIO_BLK_OP_FLUSH,
    VIRTIO_BLK_OP_OTHER,
    VIRTIO_BLK_N_OPS,
} VirtioBlkOp;

#define VIRTIO_BLK_N_DIRECTIONS (VIRTIO_BLK_OP_WRITE + 1)

static const char *const virtio_blk_ops_names[VIRTIO_BLK_N_OPS] = {"read", "write", "flush",
                                                                   "other"};

static const VmCounterDesc virtio_blk_requests_desc = {"blk_requests_total", NULL,
                                                       "virtio-blk requests, by operation", "op"};
static const VmCounterDesc virtio_blk_bytes_desc = {
    "blk_bytes_total", "bytes", "virtio-blk data moved, by direction", "direction"};
static const VmCounterDesc virtio_blk_seconds_desc = {
    "blk_request_seconds_total", "seconds", "Time spent serving virtio-blk requests", NULL};

struct VirtioBlk {
    VirtioMmio transport;
    GuestMemory *mem;
    int fd;
    gboolean read_only;
    guint64 capacity_sectors;
    VmCounter requests[VIRTIO_BLK_N_OPS];
    VmCounter bytes[VIRTIO_BLK_N_OPS]; /* "read" from the disk, "write" onto it; the rest drop */
    VmCounter seconds;                 /* serving requests */
};

typedef struct {
    guint32 type;
    guint32 reserved;
    guint64 sector;
} __attribute__((packed)) VirtioBlkHeader;

G_STATIC_ASSERT(sizeof(VirtioBlkHeader) == 16);

static void virtio_blk_config_read(void *dev, guint32 offset, guint8 *data, guint32 len);
static guint32 virtio_blk_serve_chain(void *dev, guint queue, const VirtqChain *chain);

/* Config space: only `capacity` (u64, sectors) is meaningful for us. */
static const VirtioDeviceOps virtio_blk_ops = {
    .device_id = VIRTIO_ID_BLOCK,
    .queue_num_max = VIRTIO_BLK_QUEUE_MAX,
    .config_read = virtio_blk_config_read,
    .config_bytes = 8,
    .handle_chain = virtio_blk_serve_chain,
    .reset = NULL,
};

static VirtioBlk *
virtio_blk_new_fd(int fd, guint64 size_bytes, gboolean read_only, GuestMemory *mem,
                  const IrqLine *irq)
{
    VirtioBlk *blk = g_new0(VirtioBlk, 1);
    blk->fd = fd;
    blk->read_only = read_only;
    blk->mem = mem;
    blk->capacity_sectors = size_bytes / VIRTIO_BLK_SECTOR_BYTES;
    for (guint i = 0; i < VIRTIO_BLK_N_OPS; i++) {
        vm_counter_init(&blk->requests[i]);
        vm_counter_init(&blk->bytes[i]);
    }
    vm_counter_init(&blk->seconds);
    guint64 features = VIRTIO_BLK_F_FLUSH | (read_only ? VIRTIO_BLK_F_RO : 0);
    virtio_mmio_init(&blk->transport, &virtio_blk_ops, blk, 1, features, mem, irq);
    return blk;
}

VirtioBlk *
virtio_blk_open(const char *path, gboolean read_only, GuestMemory *mem, const IrqLine *irq,
                GError **error)
{
    int fd = open(path, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        int saved = errno;
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), _("cannot open disk %s: %s"),
                    path, g_strerror(saved));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode) || st.st_size < VIRTIO_BLK_SECTOR_BYTES) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    _("disk %s: not a regular file of at least one 512-byte sector"), path);
        close(fd);
        return NULL;
    }
    return virtio_blk_new_fd(fd, (guint64)st.st_size, read_only, mem, irq);
}

VirtioBlk *
virtio_blk_new_scratch(guint64 size_bytes, GuestMemory *mem, const IrqLine *irq, GError **error)
{
    int fd = memfd_create("rondo-scratch-disk", MFD_CLOEXEC);
    if (fd < 0 || ftruncate(fd, (off_t)size_bytes) < 0) {
        int saved = errno;
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved),
                    _("cannot create a scratch disk: %s"), g_strerror(saved));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    return virtio_blk_new_fd(fd, size_bytes, FALSE, mem, irq);
}

void
virtio_blk_free(VirtioBlk *blk)
{
    if (blk == NULL)
        return;
    if (blk->fd >= 0)
        close(blk->fd);
    g_free(blk);
}

gboolean
virtio_blk_attach_metrics(VirtioBlk *blk, VmMetrics *metrics, GError **error)
{
    return vm_metrics_add_counters(metrics, blk->requests, VIRTIO_BLK_N_OPS,
                                   &virtio_blk_requests_desc, virtio_blk_ops_names, error) &&
           vm_metrics_add_counters(metrics, blk->bytes, VIRTIO_BLK_N_DIRECTIONS,
                                   &virtio_blk_bytes_desc, virtio_blk_ops_names, error) &&
           vm_metrics_add_counters(metrics, &blk->seconds, 1, &virtio_blk_seconds_desc, NULL,
                                   error);
}

VirtioMmio *
virtio_blk_get_transport(VirtioBlk *blk)
{
    return &blk->transport;
}

guint64
virtio_blk_get_capacity_sectors(const VirtioBlk *blk)
{
    return blk->capacity_sectors;
}

static void
virtio_blk_config_read(void *dev, guint32 offset, guint8 *data, guint32 len)
{
    VirtioBlk *blk = dev;
    guint64 capacity = GUINT64_TO_LE(blk->capacity_sectors);
    g_assert(offset + len <= sizeof capacity);
    memcpy(data, (const guint8 *)&capacity + offset, len);
}

/* pread or pwrite the whole of one guest buffer at @file_offset. */
static gboolean
virtio_blk_transfer(VirtioBlk *blk, const VirtqBuffer *buf, guint64 file_offset, gboolean in)
{
    guint8 *p = guest_memory_ptr(blk->mem, buf->gpa, buf->len);
    guint32 done = 0;
    g_assert(p != NULL); /* virtq_pop() checked it */
    while (done < buf->len) {
        ssize_t n = in ? pread(blk->fd, p + done, buf->len - done, (off_t)(file_offset + done))
                       : pwrite(blk->fd, p + done, buf->len - done, (off_t)(file_offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return FALSE;
        done += (guint32)n;
    }
    return TRUE;
}

/* Data buffers are chain->buf[1 .. n-2]. Checks direction and bounds first,
 * then moves the bytes. */
static guint8
virtio_blk_rw(VirtioBlk *blk, const VirtqChain *chain, guint64 sector, gboolean in,
              guint64 *ret_bytes)
{
    guint64 bytes = 0;
    for (guint i = 1; i + 1 < chain->n; i++) {
        if (chain->buf[i].device_writable != in)
            return VIRTIO_BLK_S_IOERR;
        bytes += chain->buf[i].len;
    }
    if (bytes % VIRTIO_BLK_SECTOR_BYTES != 0 || sector > blk->capacity_sectors ||
        bytes / VIRTIO_BLK_SECTOR_BYTES > blk->capacity_sectors - sector)
        return VIRTIO_BLK_S_IOERR;
    if (!in && blk->read_only)
        return VIRTIO_BLK_S_IOERR;
    guint64 offset = sector * VIRTIO_BLK_SECTOR_BYTES;
    for (guint i = 1; i + 1 < chain->n; i++) {
        if (!virtio_blk_transfer(blk, &chain->buf[i], offset, in))
            return VIRTIO_BLK_S_IOERR;
        offset += chain->buf[i].len;
    }
    *ret_bytes = bytes;
    return VIRTIO_BLK_S_OK;
}

static guint8
virtio_blk_get_id(VirtioBlk *blk, const VirtqChain *chain, guint64 *ret_bytes)
{
    if (chain->n != 3 || !chain->buf[1].device_writable)
        return VIRTIO_BLK_S_IOERR;
    guint8 id[VIRTIO_BLK_ID_BYTES] = {0};
    memcpy(id, VIRTIO_BLK_ID, sizeof VIRTIO_BLK_ID - 1);
    guint32 len = MIN(chain->buf[1].len, (guint32)sizeof id);
    memcpy(guest_memory_ptr(blk->mem, chain->buf[1].gpa, len), id, len);
    *ret_bytes = len;
    return VIRTIO_BLK_S_OK;
}

static VirtioBlkOp
virtio_blk_op(guint32 type)
{
    switch (type) {
    case VIRTIO_BLK_T_IN:
        return VIRTIO_BLK_OP_READ;
    case VIRTIO_BLK_T_OUT:
        return VIRTIO_BLK_OP_WRITE;
    case VIRTIO_BLK_T_FLUSH:
        return VIRTIO_BLK_OP_FLUSH;
    default:
        return VIRTIO_BLK_OP_OTHER;
    }
}

static guint8
virtio_blk_execute(VirtioBlk *blk, const VirtqChain *chain, const VirtioBlkHeader *h,
                   guint64 *ret_bytes)
{
    switch (h->type) {
    case VIRTIO_BLK_T_IN:
    case VIRTIO_BLK_T_OUT:
        return virtio_blk_rw(blk, chain, h->sector, h->type == VIRTIO_BLK_T_IN, ret_bytes);
    case VIRTIO_BLK_T_FLUSH:
        return fdatasync(blk->fd) == 0 || errno == EINVAL ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
    case VIRTIO_BLK_T_GET_ID:
        return virtio_blk_get_id(blk, chain, ret_bytes);
    default:
        return VIRTIO_BLK_S_UNSUPP;
    }
}

static gboolean
virtio_blk_read_header(VirtioBlk *blk, const VirtqChain *chain, VirtioBlkHeader *ret)
{
    if (chain->n < 2 || chain->buf[0].device_writable || chain->buf[0].len < sizeof *ret)
        return FALSE;
    memcpy(ret, guest_memory_ptr(blk->mem, chain->buf[0].gpa, sizeof *ret), sizeof *ret);
    ret->type = GUINT32_FROM_LE(ret->type);
    ret->sector = GUINT64_FROM_LE(ret->sector);
    return TRUE;
}

guint8
virtio_blk_handle_chain(VirtioBlk *blk, const VirtqChain *chain, guint32 *ret_written)
{
    const VirtqBuffer *status_buf = chain->n > 0 ? &chain->buf[chain->n - 1] : NULL;
    *ret_written = 0;
    if (status_buf == NULL || !status_buf->device_writable || status_buf->len < 1)
        return VIRTIO_BLK_S_IOERR; /* nowhere to put the answer */
    guint64 t0 = vm_metrics_now_ns();
    VirtioBlkHeader h = {0};
    guint64 bytes = 0;
    guint8 status = VIRTIO_BLK_S_IOERR;
    if (virtio_blk_read_header(blk, chain, &h))
        status = virtio_blk_execute(blk, chain, &h, &bytes);
    *(guint8 *)guest_memory_ptr(blk->mem, status_buf->gpa, 1) = status;
    gboolean guest_receives = h.type == VIRTIO_BLK_T_IN || h.type == VIRTIO_BLK_T_GET_ID;
    *ret_written = (guint32)(guest_receives ? bytes : 0) + 1;
    VirtioBlkOp op = virtio_blk_op(h.type);
    guint64 t1 = vm_metrics_now_ns();
    vm_counter_add(&blk->requests[op], 1, t1);
    vm_counter_add(&blk->bytes[op], bytes, t1);
    vm_counter_add(&blk->seconds, t1 - t0, t1);
    return status;
}

static guint32
virtio_blk_serve_chain(void *dev, guint queue, const VirtqChain *chain)
{
    guint32 written = 0;
    virtio_blk_handle_chain(dev, chain, &written);
    return written;
}
