/* test-vmm-boot.c - boot-time structures without KVM: page tables, the
 * Linux zero page, the ELF and bzImage loaders, the virtio-mmio window's
 * slots, ACPI tables (checksums, pointers, and `iasl -d` when acpica-tools
 * is installed). */
#include "config.h"

#include <elf.h>
#include <string.h>

#include <gio/gio.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "acpi.h"
#include "boot.h"
#include "linux_boot.h"
#include "serial.h"
#include "virtio_window.h"

#define MEM_BYTES (64u << 20)

/* Walks the 4-level tables like the MMU would (2 MiB pages). */
static guint64
translate(GuestMemory *mem, guint64 cr3, guint64 va)
{
    guint64 *pml4 = guest_memory_ptr(mem, cr3, 4096);
    guint64 e = pml4[(va >> 39) & 511];
    g_assert_true(e & 1);
    guint64 *pdpt = guest_memory_ptr(mem, e & ~0xfffull, 4096);
    e = pdpt[(va >> 30) & 511];
    g_assert_true(e & 1);
    guint64 *pd = guest_memory_ptr(mem, e & ~0xfffull, 4096);
    e = pd[(va >> 21) & 511];
    g_assert_cmphex(e & BOOT_PDE_FLAGS, ==, BOOT_PDE_FLAGS);
    return (e & ~0x1fffffull) | (va & 0x1fffff);
}

static void
test_page_tables(void)
{
    g_autoptr(GuestMemory) mem = guest_memory_new(MEM_BYTES, NULL);
    VcpuBootState st;
    g_autoptr(GError) error = NULL;
    g_assert_true(boot_write_long_mode_tables(mem, &st, &error));
    g_assert_cmphex(st.cr3, ==, BOOT_PML4_ADDR);
    g_assert_cmpuint(st.gdt_limit, ==, 31);
    const guint64 probes[] = {0,
                              0x1000,
                              0x100000,
                              0x12345678,
                              VIRTIO_MMIO_WINDOW_BASE + 0x50,
                              LAYOUT_LAPIC_ADDR,
                              BOOT_IDENTITY_MAP_BYTES - 1};
    for (guint i = 0; i < G_N_ELEMENTS(probes); i++)
        g_assert_cmphex(translate(mem, st.cr3, probes[i]), ==, probes[i]);
    guint64 *gdt = guest_memory_ptr(mem, BOOT_GDT_ADDR, 32);
    g_assert_cmphex(gdt[2] >> 40 & 0xff, ==, 0x9b); /* present, code */
    g_assert_true(gdt[2] >> 53 & 1);                /* L: 64-bit */
}

static void
test_boot_params(void)
{
    g_autofree struct boot_params *bp = g_new0(struct boot_params, 1);
    linux_boot_params_init(bp, MEM_BYTES, NULL, 0, 42);
    g_assert_cmphex(bp->hdr.boot_flag, ==, 0xaa55);
    g_assert_cmphex(bp->hdr.header, ==, 0x53726448);
    g_assert_cmpuint(bp->hdr.type_of_loader, ==, 0xff);
    g_assert_cmphex(bp->hdr.cmd_line_ptr, ==, BOOT_CMDLINE_ADDR);
    g_assert_cmpuint(bp->hdr.cmdline_size, ==, 42);
    g_assert_cmphex(bp->acpi_rsdp_addr, ==, BOOT_ACPI_ADDR);
    /* e820: sorted, disjoint, RAM ends at the end of memory, and everything
     * the VMM placed below 1 MiB (tables, zero page, ACPI) is RAM or reserved. */
    g_assert_cmpuint(bp->e820_entries, ==, 3);
    guint64 end = 0, ram = 0;
    for (guint i = 0; i < bp->e820_entries; i++) {
        const struct boot_e820_entry *e = &bp->e820_table[i];
        g_assert_cmpuint(e->addr, >=, end);
        end = e->addr + e->size;
        if (e->type == LINUX_E820_RAM)
            ram += e->size;
    }
    g_assert_cmpuint(end, ==, MEM_BYTES);
    g_assert_cmpuint(bp->e820_table[1].type, ==, LINUX_E820_RESERVED);
    g_assert_cmpuint(bp->e820_table[1].addr, <=, BOOT_ACPI_ADDR);
    g_assert_cmpuint(ram, ==, MEM_BYTES - (BOOT_IMAGE_ADDR - 0x9fc00));
}

/* An ELF64 with a text segment at 2 MiB and a data+bss segment at 3 MiB. */
static GByteArray *
make_elf(guint64 data_offset_override)
{
    GByteArray *b = g_byte_array_new();
    g_byte_array_set_size(b, 0x3000);
    memset(b->data, 0, b->len);
    Elf64_Ehdr eh = {.e_type = ET_EXEC,
                     .e_machine = EM_X86_64,
                     .e_version = EV_CURRENT,
                     .e_entry = 0x200000,
                     .e_phoff = sizeof eh,
                     .e_ehsize = sizeof eh,
                     .e_phentsize = sizeof(Elf64_Phdr),
                     .e_phnum = 2};
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    Elf64_Phdr ph[2] = {
        {.p_type = PT_LOAD,
         .p_offset = 0x1000,
         .p_paddr = 0x200000,
         .p_filesz = 0x1000,
         .p_memsz = 0x1000},
        {.p_type = PT_LOAD,
         .p_offset = data_offset_override,
         .p_paddr = 0x300000,
         .p_filesz = 0x800,
         .p_memsz = 0x4000},
    };
    memcpy(b->data, &eh, sizeof eh);
    memcpy(b->data + sizeof eh, ph, sizeof ph);
    memset(b->data + 0x1000, 0x90, 0x1000);
    memset(b->data + 0x2000, 0x11, 0x1000);
    return b;
}

static void
test_elf_loader(void)
{
    g_autoptr(GuestMemory) mem = guest_memory_new(MEM_BYTES, NULL);
    memset(guest_memory_ptr(mem, 0x300000, 0x4000), 0xee, 0x4000); /* bss must be zeroed */
    g_autoptr(GByteArray) elf = make_elf(0x2000);
    guint64 entry = 0;
    g_autoptr(GError) error = NULL;
    g_assert_true(linux_load_elf(mem, elf->data, elf->len, &entry, &error));
    g_assert_no_error(error);
    g_assert_cmphex(entry, ==, 0x200000);
    g_assert_cmpuint(*(guint8 *)guest_memory_ptr(mem, 0x200fff, 1), ==, 0x90);
    g_assert_cmpuint(*(guint8 *)guest_memory_ptr(mem, 0x3007ff, 1), ==, 0x11);
    g_assert_cmpuint(*(guint8 *)guest_memory_ptr(mem, 0x300800, 1), ==, 0);
    g_assert_cmpuint(*(guint8 *)guest_memory_ptr(mem, 0x303fff, 1), ==, 0);
    g_autoptr(GByteArray) bad = make_elf(0x2c00); /* segment runs past the file */
    g_assert_false(linux_load_elf(mem, bad->data, bad->len, &entry, &error));
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    g_clear_error(&error);
    g_assert_false(linux_load_elf(mem, (const guint8 *)"\177ELF", 4, &entry, &error));
}

static void
test_bzimage_loader(void)
{
    g_autoptr(GuestMemory) mem = guest_memory_new(MEM_BYTES, NULL);
    g_autofree guint8 *img = g_malloc0(0x3000);
    img[0x1f1] = 1; /* setup_sects: the kernel starts at 2 * 512 */
    memcpy(img + 0x202, "HdrS", 4);
    img[0x201] = 0x6a; /* header ends at 0x26c */
    img[0x206] = 0x0f; /* protocol 2.15 */
    img[0x207] = 0x02;
    img[0x236] = XLF_KERNEL_64;
    img[0x400] = 0xab;
    g_autofree struct boot_params *bp = g_new0(struct boot_params, 1);
    bp->hdr.cmdline_size = 7;
    guint64 entry = 0;
    g_autoptr(GError) error = NULL;
    g_assert_true(linux_load_bzimage(mem, img, 0x3000, bp, &entry, &error));
    g_assert_cmphex(entry, ==, BOOT_IMAGE_ADDR + 0x200);
    g_assert_cmpuint(*(guint8 *)guest_memory_ptr(mem, BOOT_IMAGE_ADDR, 1), ==, 0xab);
    g_assert_cmphex(bp->hdr.version, ==, 0x020f);
    g_assert_cmpuint(bp->hdr.cmdline_size, ==, 7);
    img[0x206] = 0x0b; /* 2.11: no 64-bit entry point */
    g_assert_false(linux_load_bzimage(mem, img, 0x3000, bp, &entry, &error));
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
}

/* Slots follow each other in the window, each with its own GSI, none
 * shared with the serial port's. */
static void
test_window_slots(void)
{
    VirtioWindow w;
    virtio_window_init(&w);
    for (guint i = 0; i < VIRTIO_MMIO_SLOTS; i++) {
        const AcpiDevice *slot = virtio_window_take(&w);
        g_assert_cmpstr(slot->hid, ==, "LNRO0005");
        g_assert_cmphex(slot->mmio_base, ==, 0xd0000000 + i * 0x200);
        g_assert_cmpuint(slot->mmio_size, ==, 0x200);
        g_assert_cmpuint(slot->gsi, ==, 5 + i);
        g_assert_cmpuint(slot->gsi, !=, SERIAL_COM1_GSI);
    }
    g_assert_cmpuint(w.n_slots, ==, VIRTIO_MMIO_SLOTS);
}

/* Taking a slot from a full window is the VMM's own mistake: asserted. */
static void
test_window_full(void)
{
    if (g_test_subprocess()) {
        VirtioWindow w;
        virtio_window_init(&w);
        for (guint i = 0; i <= VIRTIO_MMIO_SLOTS; i++) /* one too many */
            virtio_window_take(&w);
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
}

/* Two devices, as main describes them: the first two slots. */
static void
test_devices(VirtioWindow *w)
{
    virtio_window_init(w);
    virtio_window_take(w);
    virtio_window_take(w);
}

static const guint8 *
table_at(const AcpiTables *t, guint32 offset, const char *signature, guint32 *ret_len)
{
    const guint8 *p = t->blob->data + offset;
    g_assert_cmpmem(p, 4, signature, 4);
    memcpy(ret_len, p + 4, 4);
    g_assert_cmpuint(offset + *ret_len, <=, t->blob->len);
    g_assert_cmpuint(acpi_checksum(p, *ret_len), ==, 0);
    return p;
}

static guint64
read_u64(const guint8 *p)
{
    guint64 v;
    memcpy(&v, p, 8);
    return v;
}

static void
test_acpi_tables(void)
{
    AcpiTables t;
    VirtioWindow w;
    const guint64 base = BOOT_ACPI_ADDR;
    test_devices(&w);
    acpi_tables_build(&t, base, w.slots, w.n_slots);
    const guint8 *rsdp = t.blob->data + t.rsdp_offset;
    g_assert_cmpmem(rsdp, 8, "RSD PTR ", 8);
    g_assert_cmpuint(acpi_checksum(rsdp, 20), ==, 0);
    g_assert_cmpuint(acpi_checksum(rsdp, 36), ==, 0);
    g_assert_cmphex(read_u64(rsdp + 24), ==, base + t.xsdt_offset);
    guint32 len;
    const guint8 *xsdt = table_at(&t, t.xsdt_offset, "XSDT", &len);
    g_assert_cmpuint(len, ==, 36 + 16);
    g_assert_cmphex(read_u64(xsdt + 36), ==, base + t.fadt_offset);
    g_assert_cmphex(read_u64(xsdt + 44), ==, base + t.madt_offset);
    const guint8 *fadt = table_at(&t, t.fadt_offset, "FACP", &len);
    g_assert_cmpuint(len, ==, 276);
    g_assert_cmphex(read_u64(fadt + 140), ==, base + t.dsdt_offset);
    table_at(&t, t.madt_offset, "APIC", &len);
    const guint8 *dsdt = table_at(&t, t.dsdt_offset, "DSDT", &len);
    g_assert_nonnull(memmem(dsdt, len, "LNRO0005", 8));
    g_assert_cmpuint(t.blob->len, <=, BOOT_ACPI_MAX);
    acpi_tables_clear(&t);
}

/* Disassembles each table with iasl: it must parse without errors and the
 * DSDT must show our device and its resources. */
static void
test_acpi_iasl(void)
{
    g_autofree char *iasl = g_find_program_in_path("iasl");
    if (iasl == NULL) {
        g_test_skip("iasl not installed (apt-get install acpica-tools)");
        return;
    }
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = g_dir_make_tmp("rondo-acpi-XXXXXX", &error);
    g_assert_no_error(error);
    AcpiTables t;
    VirtioWindow w;
    test_devices(&w);
    acpi_tables_build(&t, BOOT_ACPI_ADDR, w.slots, w.n_slots);
    const struct {
        const char *name;
        guint32 offset;
    } tables[] = {
        {"dsdt", t.dsdt_offset},
        {"facp", t.fadt_offset},
        {"apic", t.madt_offset},
    };
    for (guint i = 0; i < G_N_ELEMENTS(tables); i++) {
        guint32 len;
        memcpy(&len, t.blob->data + tables[i].offset + 4, 4);
        g_autofree char *dat = g_strdup_printf("%s/%s.dat", dir, tables[i].name);
        g_assert_true(
            g_file_set_contents(dat, (const char *)t.blob->data + tables[i].offset, len, &error));
        const char *argv[] = {iasl, "-d", dat, NULL};
        g_autofree char *out = NULL, *err = NULL;
        int status;
        g_assert_true(g_spawn_sync(dir, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                                   &err, &status, &error));
        g_test_message("iasl %s: %s%s", tables[i].name, out, err);
        g_assert_true(g_spawn_check_wait_status(status, NULL));
    }
    acpi_tables_clear(&t);
    g_autofree char *dsl_path = g_strdup_printf("%s/dsdt.dsl", dir);
    g_autofree char *dsl = NULL;
    g_assert_true(g_file_get_contents(dsl_path, &dsl, NULL, &error));
    g_assert_nonnull(strstr(dsl, "\"LNRO0005\""));
    g_assert_nonnull(strstr(dsl, "Memory32Fixed (ReadWrite,"));
    g_assert_nonnull(strstr(dsl, "0xD0000000"));
    g_assert_nonnull(strstr(dsl, "0xD0000200"));
    g_assert_nonnull(strstr(dsl, "0x00000006"));
    g_assert_nonnull(strstr(dsl, "Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive, ,, )"));
    g_autofree char *rm = g_strdup_printf("rm -rf '%s'", dir);
    g_assert_cmpint(system(rm), ==, 0);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vmm/boot/page-tables", test_page_tables);
    g_test_add_func("/vmm/boot/params", test_boot_params);
    g_test_add_func("/vmm/boot/elf", test_elf_loader);
    g_test_add_func("/vmm/boot/bzimage", test_bzimage_loader);
    g_test_add_func("/vmm/window/slots", test_window_slots);
    g_test_add_func("/vmm/window/full", test_window_full);
    g_test_add_func("/vmm/acpi/tables", test_acpi_tables);
    g_test_add_func("/vmm/acpi/iasl", test_acpi_iasl);
    return g_test_run();
}
