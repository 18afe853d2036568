/* guest.c - the built-in guest: a tiny freestanding workload for rondo-demo-vmm.
 *
 * Why: under a software hypervisor (about 1.5 M guest instructions per
 * second) a Linux kernel does not boot in useful time, yet the demo must
 * show a VM doing real work. This guest does, once per wall-clock second
 * until the VMM's workload length is over:
 *   1. a CPU burst (integer hashing),
 *   2. virtio-blk I/O: writes a few sectors, flushes, reads them back and
 *      checks every byte; and 16 bytes from virtio-rng,
 *   3. one line on the serial console,
 *   4. idles with HLT, woken by the PIT at 100 Hz, until the next second.
 * It finds both devices by probing the virtio-mmio window (layout.h).
 * Then it prints a summary (bytes moved, errors) and resets through the
 * i8042. The VMM's integration test checks that summary against the disk
 * and the metrics store.
 *
 * Runs in 64-bit long mode with the VMM's identity map; no libc, no SSE.
 */
#include <stdint.h>

#include "layout.h"
#include "virtio_spec.h"

#define IO_SECTORS   4u
#define IO_SLOTS     64u
#define QUEUE_SIZE   8u
#define RNG_BYTES    16u
#define BURST_ROUNDS 50000u
#define PIT_HZ       100u

/* ------------------------------------------------------------ port I/O */

static inline void
outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint32_t
inl(uint16_t port)
{
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline void
barrier(void)
{
    __asm__ volatile("" ::: "memory");
}

/* The compiler may emit calls to these even when freestanding. */
void *memset(void *dst, int c, unsigned long n);
void *memcpy(void *dst, const void *src, unsigned long n);

void *
memset(void *dst, int c, unsigned long n)
{
    volatile uint8_t *d = dst;
    while (n--)
        *d++ = (uint8_t)c;
    return dst;
}

void *
memcpy(void *dst, const void *src, unsigned long n)
{
    volatile uint8_t *d = dst;
    const uint8_t *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}

/* ------------------------------------------------------------- console */

static void
put_char(char c)
{
    outb(SERIAL_COM1_BASE, (uint8_t)c);
}

static void
put_str(const char *s)
{
    while (*s)
        put_char(*s++);
}

static void
put_u64(uint64_t v)
{
    char buf[21];
    int i = 20;
    buf[i] = 0;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    put_str(&buf[i]);
}

/* ---------------------------------------------------- interrupts, time */

struct idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t zero;
} __attribute__((packed));

struct idt_pointer {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

static struct idt_gate idt[256];
static volatile uint64_t ticks;

extern char guest_irq_stub[], guest_fault_stub[];
void guest_irq(void);
void guest_fault(uint64_t *frame);
void guest_reset(void);
int guest_main(void);

static void
idt_set(unsigned vector, void *handler)
{
    uint64_t a = (uint64_t)handler;
    idt[vector] = (struct idt_gate){(uint16_t)a,         BOOT_CODE_SELECTOR,  0, 0x8e,
                                    (uint16_t)(a >> 16), (uint32_t)(a >> 32), 0};
}

static void
idt_load(void)
{
    for (unsigned v = 0; v < 256; v++)
        idt_set(v, v < 32 ? guest_fault_stub : guest_irq_stub);
    struct idt_pointer p = {sizeof idt - 1, (uint64_t)idt};
    __asm__ volatile("lidt %0" : : "m"(p));
}

void
guest_irq(void)
{
    ticks++;
    outb(PIC_MASTER_COMMAND_PORT, 0x20); /* EOI */
}

void
guest_reset(void)
{
    outb(I8042_COMMAND_PORT, I8042_CMD_RESET);
}

void
guest_fault(uint64_t *frame)
{
    put_str("rondo-guest: CPU exception, rip/error ");
    put_u64(frame[0]);
    put_str(" ");
    put_u64(frame[1]);
    put_str("\n");
    guest_reset();
}

/* 8259 PICs remapped to vectors 0x20..0x2f, only IRQ 0 (the PIT) unmasked. */
static void
pic_init(void)
{
    outb(PIC_MASTER_COMMAND_PORT, 0x11);
    outb(PIC_SLAVE_COMMAND_PORT, 0x11);
    outb(PIC_MASTER_DATA_PORT, 0x20);
    outb(PIC_SLAVE_DATA_PORT, 0x28);
    outb(PIC_MASTER_DATA_PORT, 0x04);
    outb(PIC_SLAVE_DATA_PORT, 0x02);
    outb(PIC_MASTER_DATA_PORT, 0x01);
    outb(PIC_SLAVE_DATA_PORT, 0x01);
    outb(PIC_MASTER_DATA_PORT, 0xfe);
    outb(PIC_SLAVE_DATA_PORT, 0xff);
}

/* PIT channel 0, mode 2 (rate generator) at PIT_HZ. */
static void
pit_init(void)
{
    uint32_t divisor = 1193182u / PIT_HZ;
    outb(PIT_COMMAND_PORT, 0x34);
    outb(PIT_CHANNEL0_PORT, (uint8_t)divisor);
    outb(PIT_CHANNEL0_PORT, (uint8_t)(divisor >> 8));
}

static uint32_t
now_ms(void)
{
    return inl(GUESTCTL_PORT + GUESTCTL_CLOCK_MS);
}

/* Sleeps with HLT until the VMM's clock reaches @deadline_ms. */
static void
idle_until(uint32_t deadline_ms)
{
    while ((int32_t)(now_ms() - deadline_ms) < 0)
        __asm__ volatile("sti; hlt; cli" ::: "memory");
}

/* ------------------------------------------------------------ CPU burst */

static uint64_t
cpu_burst(uint64_t seed)
{
    uint64_t h = seed ^ 0xcbf29ce484222325ull;
    for (uint32_t i = 0; i < BURST_ROUNDS; i++) {
        h ^= i;
        h *= 0x100000001b3ull;
        h ^= h >> 29;
    }
    return h;
}

/* --------------------------------------------------------- virtio driver */

struct virtq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

struct virtq_avail {
    uint16_t flags;
    uint16_t idx;
    uint16_t ring[QUEUE_SIZE];
    uint16_t used_event;
};

struct virtq_used_elem {
    uint32_t id;
    uint32_t len;
};

struct virtq_used {
    uint16_t flags;
    uint16_t idx;
    struct virtq_used_elem ring[QUEUE_SIZE];
    uint16_t avail_event;
};

/* One device with one queue; every request is one chain from descriptor 0. */
struct virtio_dev {
    uintptr_t base; /* its slot in the virtio-mmio window; 0: not found */
    struct virtq_desc desc[QUEUE_SIZE] __attribute__((aligned(16)));
    struct virtq_avail avail __attribute__((aligned(2)));
    struct virtq_used used __attribute__((aligned(4)));
};

static volatile uint32_t *
mmio(const struct virtio_dev *d, uint32_t offset)
{
    return (volatile uint32_t *)(d->base + offset);
}

static void
queue_address(const struct virtio_dev *d, uint32_t low_reg, const volatile void *p)
{
    *mmio(d, low_reg) = (uint32_t)(uint64_t)p;
    *mmio(d, low_reg + 4) = (uint32_t)((uint64_t)p >> 32);
}

/* The slot of the first virtio device of type @device_id, or 0: the VMM
 * hands out the window's slots in order (layout.h); an empty slot reads as
 * all ones. */
static uintptr_t
virtio_find(uint32_t device_id)
{
    for (uintptr_t slot = 0; slot < VIRTIO_MMIO_SLOTS; slot++) {
        uintptr_t base = VIRTIO_MMIO_WINDOW_BASE + slot * VIRTIO_MMIO_SLOT_BYTES;
        volatile uint32_t *regs = (volatile uint32_t *)base;
        if (regs[VIRTIO_MMIO_MAGIC_VALUE / 4] == VIRTIO_MMIO_MAGIC &&
            regs[VIRTIO_MMIO_VERSION_REG / 4] == VIRTIO_MMIO_VERSION &&
            regs[VIRTIO_MMIO_DEVICE_ID / 4] == device_id)
            return base;
    }
    return 0;
}

/* The virtio 1.x initialisation sequence (spec 3.1.1) with feature bits
 * 0..31 @features and queue 0. Returns 0 if there is no such device. */
static int
virtio_init(struct virtio_dev *d, uint32_t device_id, uint32_t features)
{
    d->base = virtio_find(device_id);
    if (d->base == 0)
        return 0;
    uint32_t status = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;
    *mmio(d, VIRTIO_MMIO_STATUS) = 0; /* reset */
    *mmio(d, VIRTIO_MMIO_STATUS) = status;
    *mmio(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL) = 1;
    *mmio(d, VIRTIO_MMIO_DRIVER_FEATURES) = VIRTIO_F_VERSION_1_HIGH;
    *mmio(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL) = 0;
    *mmio(d, VIRTIO_MMIO_DRIVER_FEATURES) = features;
    status |= VIRTIO_STATUS_FEATURES_OK;
    *mmio(d, VIRTIO_MMIO_STATUS) = status;
    if (!(*mmio(d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK))
        return 0;
    *mmio(d, VIRTIO_MMIO_QUEUE_SEL) = 0;
    if (*mmio(d, VIRTIO_MMIO_QUEUE_NUM_MAX) < QUEUE_SIZE)
        return 0;
    *mmio(d, VIRTIO_MMIO_QUEUE_NUM) = QUEUE_SIZE;
    queue_address(d, VIRTIO_MMIO_QUEUE_DESC_LOW, d->desc);
    queue_address(d, VIRTIO_MMIO_QUEUE_DRIVER_LOW, &d->avail);
    queue_address(d, VIRTIO_MMIO_QUEUE_DEVICE_LOW, &d->used);
    *mmio(d, VIRTIO_MMIO_QUEUE_READY) = 1;
    *mmio(d, VIRTIO_MMIO_STATUS) = status | VIRTIO_STATUS_DRIVER_OK;
    return 1;
}

/* Publishes the chain at descriptor 0 and waits for it; returns the bytes
 * the device says it wrote. */
static uint32_t
virtio_submit(struct virtio_dev *d)
{
    uint16_t used_before = d->used.idx;
    d->avail.ring[d->avail.idx % QUEUE_SIZE] = 0;
    barrier();
    d->avail.idx++;
    barrier();
    *mmio(d, VIRTIO_MMIO_QUEUE_NOTIFY) = 0; /* the VMM completes it during this exit */
    while (*(volatile uint16_t *)&d->used.idx == used_before)
        __asm__ volatile("pause");
    *mmio(d, VIRTIO_MMIO_INTERRUPT_ACK) = *mmio(d, VIRTIO_MMIO_INTERRUPT_STATUS);
    return d->used.ring[used_before % QUEUE_SIZE].len;
}

/* ------------------------------------------------------------ the disk */

struct blk_req_header {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};

static struct virtio_dev blk;
static struct blk_req_header req_header;
static volatile uint8_t req_status;
static uint8_t io_buffer[IO_SECTORS * VIRTIO_BLK_SECTOR_BYTES];
static uint64_t disk_sectors;
static uint64_t bytes_written, bytes_read, blk_errors;

/* Returns 0 if there is no disk (or one too small). */
static int
blk_init(void)
{
    if (!virtio_init(&blk, VIRTIO_ID_BLOCK, VIRTIO_BLK_F_FLUSH))
        return 0;
    disk_sectors = *mmio(&blk, VIRTIO_MMIO_CONFIG) | /* capacity, in sectors */
                   ((uint64_t)*mmio(&blk, VIRTIO_MMIO_CONFIG + 4) << 32);
    return disk_sectors >= IO_SECTORS;
}

/* One request, header + optional data + status; waits for its completion. */
static int
blk_request(uint32_t type, uint64_t sector, uint32_t data_len)
{
    req_header = (struct blk_req_header){type, 0, sector};
    req_status = 0xff;
    unsigned n = 0;
    blk.desc[n] =
        (struct virtq_desc){(uint64_t)&req_header, sizeof req_header, VIRTQ_DESC_F_NEXT, 1};
    n++;
    if (data_len > 0) {
        uint16_t flags = VIRTQ_DESC_F_NEXT | (type == VIRTIO_BLK_T_IN ? VIRTQ_DESC_F_WRITE : 0);
        blk.desc[n] = (struct virtq_desc){(uint64_t)io_buffer, data_len, flags, 2};
        n++;
    } else {
        blk.desc[0].next = 2;
    }
    blk.desc[2] = (struct virtq_desc){(uint64_t)&req_status, 1, VIRTQ_DESC_F_WRITE, 0};
    virtio_submit(&blk);
    return req_status == VIRTIO_BLK_S_OK ? 0 : -1;
}

static uint8_t
pattern_byte(uint64_t cycle, uint32_t i)
{
    return (uint8_t)(cycle * 31u + i * 7u + (i >> 9));
}

/* Writes IO_SECTORS sectors, flushes, reads them back and compares. */
static void
blk_cycle(uint64_t cycle)
{
    uint64_t slots = disk_sectors / IO_SECTORS;
    uint64_t sector = (cycle % (slots < IO_SLOTS ? slots : IO_SLOTS)) * IO_SECTORS;
    for (uint32_t i = 0; i < sizeof io_buffer; i++)
        io_buffer[i] = pattern_byte(cycle, i);
    if (blk_request(VIRTIO_BLK_T_OUT, sector, sizeof io_buffer) != 0 ||
        blk_request(VIRTIO_BLK_T_FLUSH, 0, 0) != 0)
        blk_errors++;
    bytes_written += sizeof io_buffer;
    memset(io_buffer, 0, sizeof io_buffer);
    if (blk_request(VIRTIO_BLK_T_IN, sector, sizeof io_buffer) != 0)
        blk_errors++;
    bytes_read += sizeof io_buffer;
    for (uint32_t i = 0; i < sizeof io_buffer; i++) {
        if (io_buffer[i] != pattern_byte(cycle, i)) {
            blk_errors++;
            break;
        }
    }
}

/* --------------------------------------------------------- the entropy */

static struct virtio_dev rng;
static uint8_t rng_buffer[RNG_BYTES];
static uint64_t rng_bytes;

/* Asks the entropy device for RNG_BYTES bytes; counts what it gave. */
static uint64_t
rng_cycle(void)
{
    memset(rng_buffer, 0, sizeof rng_buffer);
    rng.desc[0] =
        (struct virtq_desc){(uint64_t)rng_buffer, sizeof rng_buffer, VIRTQ_DESC_F_WRITE, 0};
    uint32_t got = virtio_submit(&rng);
    rng_bytes += got;
    uint64_t mix = 0;
    for (uint32_t i = 0; i < got && i < sizeof rng_buffer; i++)
        mix = mix * 31 + rng_buffer[i];
    return mix;
}

/* ----------------------------------------------------------------- main */

static void
print_summary(uint64_t cycles, uint64_t hash)
{
    put_str("rondo-guest: done cycles=");
    put_u64(cycles);
    put_str(" blk_write_bytes=");
    put_u64(bytes_written);
    put_str(" blk_read_bytes=");
    put_u64(bytes_read);
    put_str(" rng_bytes=");
    put_u64(rng_bytes);
    put_str(" errors=");
    put_u64(blk_errors);
    put_str(" hash=");
    put_u64(hash & 0xffff);
    put_str("\n");
}

int
guest_main(void)
{
    put_str("rondo-guest: hello from the built-in guest\n");
    idt_load();
    pic_init();
    pit_init();
    int have_disk = blk_init();
    put_str(have_disk ? "rondo-guest: virtio-blk sectors=" : "rondo-guest: no disk\n");
    if (have_disk) {
        put_u64(disk_sectors);
        put_str("\n");
    }
    int have_rng = virtio_init(&rng, VIRTIO_ID_ENTROPY, 0);
    put_str(have_rng ? "rondo-guest: virtio-rng\n" : "rondo-guest: no entropy device\n");
    uint32_t seconds = inl(GUESTCTL_PORT + GUESTCTL_WORKLOAD_SECONDS);
    uint32_t start = now_ms();
    uint64_t cycle = 0, hash = 0;
    while (now_ms() - start < seconds * 1000u) {
        uint32_t burst_start = now_ms();
        hash ^= cpu_burst(cycle);
        uint32_t burst_ms = now_ms() - burst_start;
        if (have_disk)
            blk_cycle(cycle);
        if (have_rng)
            hash ^= rng_cycle();
        put_str("rondo-guest: cycle ");
        put_u64(cycle);
        put_str(" cpu_ms=");
        put_u64(burst_ms);
        put_str(blk_errors ? " blk FAILED\n" : " ok\n");
        cycle++;
        idle_until(start + (uint32_t)cycle * 1000u);
    }
    print_summary(cycle, hash);
    return 0;
}
