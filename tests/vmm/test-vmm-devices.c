/* test-vmm-devices.c - the VMM's devices without KVM: bus, 8250, virtqueue,
 * virtio-mmio register machine, virtio-blk requests on hand-built chains,
 * virtio-rng. */
#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib.h>

#include "bus.h"
#include "guestctl.h"
#include "i8042.h"
#include "serial.h"
#include "virtio_blk.h"
#include "virtio_mmio.h"
#include "virtio_rng.h"
#include "virtqueue.h"

#define MEM_BYTES (16u << 20)

/* ------------------------------------------------------------------ bus */

typedef struct {
    guint64 last_offset;
    guint8 last_byte;
} FakeDevice;

static void
fake_read(void *opaque, guint64 offset, guint8 *data, guint32 len)
{
    memset(data, (int)offset, len);
}

static void
fake_write(void *opaque, guint64 offset, const guint8 *data, guint32 len)
{
    FakeDevice *d = opaque;
    d->last_offset = offset;
    d->last_byte = data[0];
}

static const BusDeviceOps fake_ops = {"fake", fake_read, fake_write};

static void
test_bus_dispatch(void)
{
    g_autoptr(Bus) bus = bus_new("test");
    FakeDevice a = {0}, b = {0};
    g_autoptr(GError) error = NULL;
    g_assert_true(bus_register(bus, 0x100, 8, &fake_ops, &a, &error));
    g_assert_true(bus_register(bus, 0x108, 8, &fake_ops, &b, &error));
    g_assert_false(bus_register(bus, 0x104, 8, &fake_ops, &b, &error));
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS);
    guint8 v[4];
    g_assert_true(bus_read(bus, 0x10a, v, 2));
    g_assert_cmpuint(v[0], ==, 2);
    g_assert_true(bus_write(bus, 0x103, (const guint8 *)"\x42", 1));
    g_assert_cmpuint(a.last_offset, ==, 3);
    g_assert_cmpuint(a.last_byte, ==, 0x42);
    /* Straddling two devices, or nobody's: all ones, counted. */
    g_assert_false(bus_read(bus, 0x106, v, 4));
    g_assert_cmpuint(v[0], ==, 0xff);
    g_assert_false(bus_write(bus, 0x200, v, 1));
    g_assert_cmpuint(bus_get_unclaimed(bus), ==, 2);
}

/* ------------------------------------------------------------- serial */

typedef struct {
    GString *out;
    gboolean level;
    guint edges;
} SerialProbe;

static void
probe_output(void *opaque, guint8 byte)
{
    SerialProbe *p = opaque;
    g_string_append_c(p->out, (char)byte);
}

static void
probe_irq(void *opaque, guint32 gsi, gboolean level)
{
    SerialProbe *p = opaque;
    g_assert_cmpuint(gsi, ==, 4);
    if (level && !p->level)
        p->edges++;
    p->level = level;
}

static guint8
uart_in(Serial *s, guint reg)
{
    guint8 v;
    serial_bus_ops.read(s, reg, &v, 1);
    return v;
}

static void
uart_out(Serial *s, guint reg, guint8 v)
{
    serial_bus_ops.write(s, reg, &v, 1);
}

static void
test_serial_probe(void)
{
    SerialProbe p = {g_string_new(NULL), FALSE, 0};
    IrqLine irq = {probe_irq, &p, 4};
    g_autoptr(Serial) s = serial_new(&irq, probe_output, &p);
    uart_out(s, 7, 0xa5); /* scratch */
    g_assert_cmpuint(uart_in(s, 7), ==, 0xa5);
    uart_out(s, 1, 0x0f); /* IER keeps its low nibble */
    g_assert_cmpuint(uart_in(s, 1), ==, 0x0f);
    uart_out(s, 1, 0);
    uart_out(s, 4, 0x1a); /* loopback | OUT2 | RTS: MSR shows DCD | CTS */
    g_assert_cmpuint(uart_in(s, 6) & 0xf0, ==, 0x90);
    uart_out(s, 0, 'x'); /* looped back, not transmitted */
    g_assert_cmpuint(uart_in(s, 5) & 0x01, ==, 1);
    g_assert_cmpuint(uart_in(s, 0), ==, 'x');
    uart_out(s, 4, 0);
    uart_out(s, 2, 0x01); /* FIFO on: a 16550A */
    g_assert_cmpuint(uart_in(s, 2) & 0xc0, ==, 0xc0);
    uart_out(s, 3, 0x80); /* DLAB: divisor latch */
    uart_out(s, 0, 1);
    g_assert_cmpuint(uart_in(s, 0), ==, 1);
    uart_out(s, 3, 0x03);
    g_assert_cmpuint(uart_in(s, 5) & 0x60, ==, 0x60);
    g_assert_cmpuint(p.out->len, ==, 0);
    g_string_free(p.out, TRUE);
}

static void
test_serial_thre_interrupt(void)
{
    SerialProbe p = {g_string_new(NULL), FALSE, 0};
    IrqLine irq = {probe_irq, &p, 4};
    g_autoptr(Serial) s = serial_new(&irq, probe_output, &p);
    uart_out(s, 4, 0x08); /* OUT2 gates the IRQ */
    uart_out(s, 1, 0x02); /* enable THRE: the empty THR interrupts at once */
    g_assert_true(p.level);
    g_assert_cmpuint(uart_in(s, 2) & 0x0f, ==, 0x02);
    g_assert_false(p.level); /* reading IIR acknowledged it */
    g_assert_cmpuint(uart_in(s, 2) & 0x0f, ==, 0x01);
    uart_out(s, 0, 'h');
    uart_out(s, 0, 'i');
    g_assert_true(p.level);
    g_assert_cmpuint(p.edges, ==, 2);
    g_assert_cmpstr(p.out->str, ==, "hi");
    g_assert_cmpuint(serial_get_tx_bytes(s), ==, 2);
    uart_out(s, 4, 0); /* OUT2 off: line drops though THRE is pending */
    g_assert_false(p.level);
    g_string_free(p.out, TRUE);
}

/* ------------------------------------------------ i8042, guest control */

static void
count_reset(void *opaque)
{
    (*(guint *)opaque)++;
}

static void
test_i8042_reset(void)
{
    guint resets = 0;
    I8042 kbc;
    i8042_init(&kbc, count_reset, &resets);
    guint8 v = I8042_CMD_RESET;
    i8042_data_ops.write(&kbc, 0, &v, 1); /* 0xFE on the data port is no command */
    g_assert_cmpuint(resets, ==, 0);
    v = 0xd1;
    i8042_command_ops.write(&kbc, 0, &v, 1);
    g_assert_cmpuint(resets, ==, 0);
    v = I8042_CMD_RESET;
    i8042_command_ops.write(&kbc, 0, &v, 1);
    g_assert_cmpuint(resets, ==, 1);
    g_assert_cmpuint(kbc.resets, ==, 1);
    i8042_command_ops.read(&kbc, 0, &v, 1);
    g_assert_cmpuint(v, ==, 0); /* nothing to read, ready for input */
}

static void
test_guestctl_ports(void)
{
    GuestCtl ctl;
    guestctl_init(&ctl, 45);
    guint32 v = 0;
    guestctl_bus_ops.read(&ctl, 4, (guint8 *)&v, 4);
    g_assert_cmpuint(GUINT32_FROM_LE(v), ==, 45);
    g_usleep(20000);
    guestctl_bus_ops.read(&ctl, 0, (guint8 *)&v, 4);
    g_assert_cmpuint(GUINT32_FROM_LE(v), >=, 20);
    g_assert_cmpuint(GUINT32_FROM_LE(v), <, 10000);
}

/* ------------------------------------------------ virtqueue fixtures */

#define DESC_GPA  0x10000
#define AVAIL_GPA 0x11000
#define USED_GPA  0x12000
#define DATA_GPA  0x20000
#define QSIZE     8

static void
put_desc(GuestMemory *mem, guint16 i, guint64 addr, guint32 len, guint16 flags, guint16 next)
{
    guint8 *d = guest_memory_ptr(mem, DESC_GPA + 16u * i, 16);
    memcpy(d, &addr, 8);
    memcpy(d + 8, &len, 4);
    memcpy(d + 12, &flags, 2);
    memcpy(d + 14, &next, 2);
}

static void
publish(GuestMemory *mem, guint16 head)
{
    guint16 *avail = guest_memory_ptr(mem, AVAIL_GPA, 4 + 2 * QSIZE);
    avail[2 + avail[1] % QSIZE] = head;
    avail[1]++;
}

static guint16
used_idx(GuestMemory *mem)
{
    return *(guint16 *)guest_memory_ptr(mem, USED_GPA + 2, 2);
}

static VirtQueue
queue_fixture(void)
{
    return (VirtQueue){.num = QSIZE,
                       .ready = TRUE,
                       .desc_gpa = DESC_GPA,
                       .avail_gpa = AVAIL_GPA,
                       .used_gpa = USED_GPA};
}

static void
test_virtqueue_pop_push(void)
{
    g_autoptr(GuestMemory) mem = guest_memory_new(MEM_BYTES, NULL);
    VirtQueue vq = queue_fixture();
    VirtqChain chain;
    g_autoptr(GError) error = NULL;
    g_assert_cmpint(virtq_pop(&vq, mem, &chain, &error), ==, VIRTQ_POP_EMPTY);
    put_desc(mem, 3, DATA_GPA, 16, VIRTQ_DESC_F_NEXT, 5);
    put_desc(mem, 5, DATA_GPA + 16, 100, VIRTQ_DESC_F_WRITE, 0);
    publish(mem, 3);
    g_assert_cmpint(virtq_pop(&vq, mem, &chain, &error), ==, VIRTQ_POP_OK);
    g_assert_cmpuint(chain.head, ==, 3);
    g_assert_cmpuint(chain.n, ==, 2);
    g_assert_false(chain.buf[0].device_writable);
    g_assert_true(chain.buf[1].device_writable);
    g_assert_cmpuint(chain.buf[1].len, ==, 100);
    g_assert_true(virtq_push(&vq, mem, chain.head, 42, &error));
    g_assert_cmpuint(used_idx(mem), ==, 1);
    guint32 *elem = guest_memory_ptr(mem, USED_GPA + 4, 8);
    g_assert_cmpuint(elem[0], ==, 3);
    g_assert_cmpuint(elem[1], ==, 42);
}

static void
expect_pop_error(GuestMemory *mem, VirtQueue *vq)
{
    VirtqChain chain;
    g_autoptr(GError) error = NULL;
    g_assert_cmpint(virtq_pop(vq, mem, &chain, &error), ==, VIRTQ_POP_ERROR);
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
}

static void
test_virtqueue_hostile(void)
{
    g_autoptr(GuestMemory) mem = guest_memory_new(MEM_BYTES, NULL);
    VirtQueue vq = queue_fixture();
    put_desc(mem, 0, DATA_GPA, 16, VIRTQ_DESC_F_NEXT, 1); /* 0 -> 1 -> 0: a loop */
    put_desc(mem, 1, DATA_GPA, 16, VIRTQ_DESC_F_NEXT, 0);
    publish(mem, 0);
    expect_pop_error(mem, &vq);
    vq = queue_fixture();
    put_desc(mem, 0, DATA_GPA, 16, VIRTQ_DESC_F_NEXT, 200); /* next out of range */
    expect_pop_error(mem, &vq);
    vq = queue_fixture();
    put_desc(mem, 0, MEM_BYTES - 8, 16, 0, 0); /* buffer past the end of RAM */
    expect_pop_error(mem, &vq);
    vq = queue_fixture();
    put_desc(mem, 0, DATA_GPA, 16, VIRTQ_DESC_F_INDIRECT, 0);
    expect_pop_error(mem, &vq);
    vq = queue_fixture();
    guint16 *avail = guest_memory_ptr(mem, AVAIL_GPA, 4);
    avail[1] = 100; /* more published than the queue holds */
    expect_pop_error(mem, &vq);
}

/* ---------------------------------------------------- virtio-mmio + blk */

static guint32
mmio_read(VirtioMmio *t, guint64 offset)
{
    guint32 v;
    virtio_mmio_bus_ops.read(t, offset, (guint8 *)&v, 4);
    return v;
}

static void
mmio_write(VirtioMmio *t, guint64 offset, guint32 v)
{
    virtio_mmio_bus_ops.write(t, offset, (const guint8 *)&v, 4);
}

static void
count_irq(void *opaque, guint32 gsi, gboolean level)
{
    if (level)
        (*(guint *)opaque)++;
}

/* Drives the spec's initialisation sequence; returns the final status. */
static guint32
driver_init(VirtioMmio *t, guint32 features_hi)
{
    mmio_write(t, VIRTIO_MMIO_STATUS, 0);
    mmio_write(t, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    mmio_write(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    mmio_write(t, VIRTIO_MMIO_DRIVER_FEATURES, features_hi);
    mmio_write(t, VIRTIO_MMIO_STATUS, 1 | 2 | VIRTIO_STATUS_FEATURES_OK);
    if (!(mmio_read(t, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK))
        return mmio_read(t, VIRTIO_MMIO_STATUS);
    mmio_write(t, VIRTIO_MMIO_QUEUE_SEL, 0);
    mmio_write(t, VIRTIO_MMIO_QUEUE_NUM, QSIZE);
    mmio_write(t, VIRTIO_MMIO_QUEUE_DESC_LOW, DESC_GPA);
    mmio_write(t, VIRTIO_MMIO_QUEUE_DRIVER_LOW, AVAIL_GPA);
    mmio_write(t, VIRTIO_MMIO_QUEUE_DEVICE_LOW, USED_GPA);
    mmio_write(t, VIRTIO_MMIO_QUEUE_READY, 1);
    mmio_write(t, VIRTIO_MMIO_STATUS, 1 | 2 | 8 | VIRTIO_STATUS_DRIVER_OK);
    return mmio_read(t, VIRTIO_MMIO_STATUS);
}

static void
test_virtio_mmio_registers(void)
{
    g_autoptr(GuestMemory) mem = guest_memory_new(MEM_BYTES, NULL);
    g_autoptr(VirtioBlk) blk = virtio_blk_new_scratch(1 << 20, mem, NULL, NULL);
    VirtioMmio *t = virtio_blk_get_transport(blk);
    g_assert_cmphex(mmio_read(t, VIRTIO_MMIO_MAGIC_VALUE), ==, 0x74726976);
    g_assert_cmpuint(mmio_read(t, VIRTIO_MMIO_VERSION_REG), ==, 2);
    g_assert_cmpuint(mmio_read(t, VIRTIO_MMIO_DEVICE_ID), ==, VIRTIO_ID_BLOCK);
    mmio_write(t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    g_assert_cmpuint(mmio_read(t, VIRTIO_MMIO_DEVICE_FEATURES), ==, 1); /* VERSION_1 */
    mmio_write(t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    g_assert_true(mmio_read(t, VIRTIO_MMIO_DEVICE_FEATURES) & VIRTIO_BLK_F_FLUSH);
    /* A legacy driver (no VERSION_1) is refused FEATURES_OK. */
    g_assert_false(driver_init(t, 0) & VIRTIO_STATUS_FEATURES_OK);
    g_assert_cmpuint(driver_init(t, 1), ==, 0x0f);
    g_assert_cmpuint(mmio_read(t, VIRTIO_MMIO_QUEUE_READY), ==, 1);
    g_assert_cmpuint(mmio_read(t, VIRTIO_MMIO_QUEUE_NUM_MAX), ==, VIRTIO_BLK_QUEUE_MAX);
    /* Capacity in config space: 2048 sectors, readable bytewise. */
    guint8 cap[8];
    virtio_mmio_bus_ops.read(t, VIRTIO_MMIO_CONFIG, cap, 8);
    g_assert_cmpuint(cap[0] | cap[1] << 8, ==, 2048);
    /* A live queue's size cannot change; reset clears everything. */
    mmio_write(t, VIRTIO_MMIO_QUEUE_NUM, 4);
    g_assert_cmpuint(t->queues[0].num, ==, QSIZE);
    mmio_write(t, VIRTIO_MMIO_STATUS, 0);
    g_assert_cmpuint(mmio_read(t, VIRTIO_MMIO_STATUS), ==, 0);
    g_assert_cmpuint(mmio_read(t, VIRTIO_MMIO_QUEUE_READY), ==, 0);
    /* A queue size that is not a power of two never becomes ready. */
    mmio_write(t, VIRTIO_MMIO_QUEUE_NUM, 6);
    mmio_write(t, VIRTIO_MMIO_QUEUE_READY, 1);
    g_assert_cmpuint(mmio_read(t, VIRTIO_MMIO_QUEUE_READY), ==, 0);
}

/* header at DATA_GPA, data at DATA_GPA + 0x1000, status at DATA_GPA + 0x3000 */
static void
blk_chain(GuestMemory *mem, guint32 type, guint64 sector, guint32 data_len)
{
    guint8 *h = guest_memory_ptr(mem, DATA_GPA, 16);
    memset(h, 0, 16);
    memcpy(h, &type, 4);
    memcpy(h + 8, &sector, 8);
    guint16 data_flags = VIRTQ_DESC_F_NEXT | (type == VIRTIO_BLK_T_IN ? VIRTQ_DESC_F_WRITE : 0);
    put_desc(mem, 0, DATA_GPA, 16, VIRTQ_DESC_F_NEXT, data_len > 0 ? 1 : 2);
    put_desc(mem, 1, DATA_GPA + 0x1000, data_len, data_flags, 2);
    put_desc(mem, 2, DATA_GPA + 0x3000, 1, VIRTQ_DESC_F_WRITE, 0);
    *(guint8 *)guest_memory_ptr(mem, DATA_GPA + 0x3000, 1) = 0xff;
    publish(mem, 0);
}

static guint8
blk_status(GuestMemory *mem)
{
    return *(guint8 *)guest_memory_ptr(mem, DATA_GPA + 0x3000, 1);
}

static void
test_virtio_blk_queue(void)
{
    g_autoptr(GuestMemory) mem = guest_memory_new(MEM_BYTES, NULL);
    guint irqs = 0;
    IrqLine irq = {count_irq, &irqs, VIRTIO_MMIO_GSI_FIRST};
    g_autoptr(VirtioBlk) blk = virtio_blk_new_scratch(1 << 20, mem, &irq, NULL);
    VirtioMmio *t = virtio_blk_get_transport(blk);
    g_assert_cmpuint(driver_init(t, 1), ==, 0x0f);
    guint8 *data = guest_memory_ptr(mem, DATA_GPA + 0x1000, 1024);
    for (guint i = 0; i < 1024; i++)
        data[i] = (guint8)(i * 13);
    blk_chain(mem, VIRTIO_BLK_T_OUT, 7, 1024);
    mmio_write(t, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    g_assert_cmpuint(blk_status(mem), ==, VIRTIO_BLK_S_OK);
    g_assert_cmpuint(used_idx(mem), ==, 1);
    g_assert_cmpuint(irqs, ==, 1);
    g_assert_cmpuint(mmio_read(t, VIRTIO_MMIO_INTERRUPT_STATUS), ==, 1);
    mmio_write(t, VIRTIO_MMIO_INTERRUPT_ACK, 1);
    g_assert_cmpuint(mmio_read(t, VIRTIO_MMIO_INTERRUPT_STATUS), ==, 0);
    memset(data, 0, 1024);
    blk_chain(mem, VIRTIO_BLK_T_IN, 7, 1024);
    mmio_write(t, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    g_assert_cmpuint(blk_status(mem), ==, VIRTIO_BLK_S_OK);
    for (guint i = 0; i < 1024; i++)
        g_assert_cmpuint(data[i], ==, (guint8)(i * 13));
    guint32 *elem = guest_memory_ptr(mem, USED_GPA + 4 + 8, 8);
    g_assert_cmpuint(elem[1], ==, 1024 + 1); /* data read + status byte */
    blk_chain(mem, VIRTIO_BLK_T_FLUSH, 0, 0);
    mmio_write(t, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    g_assert_cmpuint(blk_status(mem), ==, VIRTIO_BLK_S_OK);
    g_assert_cmpuint(used_idx(mem), ==, 3);
}

static VirtqChain
chain_of(guint n, const VirtqBuffer *bufs)
{
    VirtqChain c = {.head = 0, .n = n};
    memcpy(c.buf, bufs, n * sizeof *bufs);
    return c;
}

static void
write_header(GuestMemory *mem, guint32 type, guint64 sector)
{
    guint8 *h = guest_memory_ptr(mem, DATA_GPA, 16);
    memcpy(h, &type, 4);
    memcpy(h + 8, &sector, 8);
}

static void
test_virtio_blk_bad_requests(void)
{
    g_autoptr(GuestMemory) mem = guest_memory_new(MEM_BYTES, NULL);
    g_autoptr(VirtioBlk) blk = virtio_blk_new_scratch(1 << 20, mem, NULL, NULL);
    guint32 written = 99;
    const VirtqBuffer hdr = {DATA_GPA, 16, FALSE}, hdr_w = {DATA_GPA, 16, TRUE};
    const VirtqBuffer in512 = {DATA_GPA + 0x1000, 512, TRUE};
    const VirtqBuffer out512 = {DATA_GPA + 0x1000, 512, FALSE};
    const VirtqBuffer odd = {DATA_GPA + 0x1000, 100, TRUE};
    const VirtqBuffer status = {DATA_GPA + 0x3000, 1, TRUE};
    const VirtqBuffer status_ro = {DATA_GPA + 0x3000, 1, FALSE};

    VirtqChain c = chain_of(3, (VirtqBuffer[]){hdr, in512, status_ro}); /* no status slot */
    g_assert_cmpuint(virtio_blk_handle_chain(blk, &c, &written), ==, VIRTIO_BLK_S_IOERR);
    g_assert_cmpuint(written, ==, 0);
    c = chain_of(3, (VirtqBuffer[]){hdr_w, in512, status}); /* writable header */
    g_assert_cmpuint(virtio_blk_handle_chain(blk, &c, &written), ==, VIRTIO_BLK_S_IOERR);
    g_assert_cmpuint(written, ==, 1);
    write_header(mem, VIRTIO_BLK_T_IN, 2047); /* the last sector: fine */
    c = chain_of(3, (VirtqBuffer[]){hdr, in512, status});
    g_assert_cmpuint(virtio_blk_handle_chain(blk, &c, &written), ==, VIRTIO_BLK_S_OK);
    g_assert_cmpuint(written, ==, 513);
    write_header(mem, VIRTIO_BLK_T_IN, 2048); /* past the end */
    g_assert_cmpuint(virtio_blk_handle_chain(blk, &c, &written), ==, VIRTIO_BLK_S_IOERR);
    write_header(mem, VIRTIO_BLK_T_IN, G_MAXUINT64); /* overflow */
    g_assert_cmpuint(virtio_blk_handle_chain(blk, &c, &written), ==, VIRTIO_BLK_S_IOERR);
    write_header(mem, VIRTIO_BLK_T_IN, 0); /* partial sector */
    c = chain_of(3, (VirtqBuffer[]){hdr, odd, status});
    g_assert_cmpuint(virtio_blk_handle_chain(blk, &c, &written), ==, VIRTIO_BLK_S_IOERR);
    c = chain_of(3, (VirtqBuffer[]){hdr, out512, status}); /* IN into a read-only buffer */
    g_assert_cmpuint(virtio_blk_handle_chain(blk, &c, &written), ==, VIRTIO_BLK_S_IOERR);
    write_header(mem, 77, 0);
    g_assert_cmpuint(virtio_blk_handle_chain(blk, &c, &written), ==, VIRTIO_BLK_S_UNSUPP);
    write_header(mem, VIRTIO_BLK_T_GET_ID, 0);
    c = chain_of(3, (VirtqBuffer[]){hdr, in512, status});
    g_assert_cmpuint(virtio_blk_handle_chain(blk, &c, &written), ==, VIRTIO_BLK_S_OK);
    g_assert_cmpuint(written, ==, 21);
    g_assert_cmpstr(guest_memory_ptr(mem, DATA_GPA + 0x1000, 1), ==, "rondo-demo-disk");
}

/* ----------------------------------------------------------- virtio-rng */

/* True when @len bytes at @p are not all zero (a 64-byte draw is all zero
 * with probability 2^-512). */
static gboolean
not_all_zero(const guint8 *p, guint32 len)
{
    for (guint32 i = 0; i < len; i++)
        if (p[i] != 0)
            return TRUE;
    return FALSE;
}

static void
test_virtio_rng_queue(void)
{
    g_autoptr(GuestMemory) mem = guest_memory_new(MEM_BYTES, NULL);
    guint irqs = 0;
    IrqLine irq = {count_irq, &irqs, VIRTIO_MMIO_GSI_FIRST + 1};
    g_autoptr(VirtioRng) rng = virtio_rng_new(mem, &irq);
    VirtioMmio *t = virtio_rng_get_transport(rng);
    g_assert_cmpuint(mmio_read(t, VIRTIO_MMIO_DEVICE_ID), ==, VIRTIO_ID_ENTROPY);
    g_assert_cmpuint(mmio_read(t, VIRTIO_MMIO_DEVICE_FEATURES), ==, 0);
    g_assert_cmpuint(driver_init(t, 1), ==, 0x0f);
    put_desc(mem, 0, DATA_GPA, 64, VIRTQ_DESC_F_WRITE, 0);
    publish(mem, 0);
    mmio_write(t, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    g_assert_cmpuint(used_idx(mem), ==, 1);
    g_assert_cmpuint(irqs, ==, 1);
    guint32 *elem = guest_memory_ptr(mem, USED_GPA + 4, 8);
    g_assert_cmpuint(elem[1], ==, 64);
    g_assert_true(not_all_zero(guest_memory_ptr(mem, DATA_GPA, 64), 64));
}

/* Only device-writable buffers are filled, the first readable one ends
 * the request, and a buffer gets at most VIRTIO_RNG_CHUNK_MAX bytes. */
static void
test_virtio_rng_chains(void)
{
    g_autoptr(GuestMemory) mem = guest_memory_new(MEM_BYTES, NULL);
    g_autoptr(VirtioRng) rng = virtio_rng_new(mem, NULL);
    const VirtqBuffer w32 = {DATA_GPA, 32, TRUE}, r32 = {DATA_GPA + 0x1000, 32, FALSE};
    const VirtqBuffer big = {DATA_GPA + 0x2000, VIRTIO_RNG_CHUNK_MAX * 2, TRUE};
    VirtqChain c = chain_of(1, (VirtqBuffer[]){r32});
    g_assert_cmpuint(virtio_rng_handle_chain(rng, &c), ==, 0);
    g_assert_false(not_all_zero(guest_memory_ptr(mem, DATA_GPA + 0x1000, 32), 32));
    c = chain_of(3, (VirtqBuffer[]){w32, r32, w32});
    g_assert_cmpuint(virtio_rng_handle_chain(rng, &c), ==, 32);
    c = chain_of(2, (VirtqBuffer[]){w32, w32});
    g_assert_cmpuint(virtio_rng_handle_chain(rng, &c), ==, 64);
    c = chain_of(1, (VirtqBuffer[]){big});
    g_assert_cmpuint(virtio_rng_handle_chain(rng, &c), ==, VIRTIO_RNG_CHUNK_MAX);
    const guint8 *tail = guest_memory_ptr(mem, big.gpa + VIRTIO_RNG_CHUNK_MAX, 64);
    g_assert_false(not_all_zero(tail, 64));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vmm/bus/dispatch", test_bus_dispatch);
    g_test_add_func("/vmm/serial/probe", test_serial_probe);
    g_test_add_func("/vmm/serial/thre-interrupt", test_serial_thre_interrupt);
    g_test_add_func("/vmm/i8042/reset", test_i8042_reset);
    g_test_add_func("/vmm/guestctl/ports", test_guestctl_ports);
    g_test_add_func("/vmm/virtqueue/pop-push", test_virtqueue_pop_push);
    g_test_add_func("/vmm/virtqueue/hostile", test_virtqueue_hostile);
    g_test_add_func("/vmm/virtio-mmio/registers", test_virtio_mmio_registers);
    g_test_add_func("/vmm/virtio-blk/queue", test_virtio_blk_queue);
    g_test_add_func("/vmm/virtio-blk/bad-requests", test_virtio_blk_bad_requests);
    g_test_add_func("/vmm/virtio-rng/queue", test_virtio_rng_queue);
    g_test_add_func("/vmm/virtio-rng/chains", test_virtio_rng_chains);
    return g_test_run();
}
