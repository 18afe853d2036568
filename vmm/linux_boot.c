/* linux_boot.c - Linux's x86 64-bit boot protocol (Documentation/arch/x86/boot.rst).
 *
 * Why: with no firmware, the VMM does what a boot loader does: put the
 * kernel where it runs (an ELF vmlinux at its physical load addresses, or
 * a bzImage's protected-mode part at 1 MiB), fill the "zero page"
 * (struct boot_params: e820 memory map, command line, initrd, and the
 * ACPI RSDP's address: the tables themselves are main's, which knows the
 * devices),
 * and enter at the 64-bit entry point with RSI pointing at the zero page.
 * Page tables, GDT and registers come from boot.c / vcpu.c.
 *
 * Every offset and length read from the kernel file is input: checked
 * against the file and against guest RAM before any copy.
 */
#include "config.h"

#include "linux_boot.h"

#include <elf.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n.h>

#include "boot.h"

G_STATIC_ASSERT(sizeof(struct boot_params) == 4096);

#define SETUP_HEADER_OFFSET 0x1f1
#define LEGACY_RAM_END      0x9fc00ull

static gboolean
load_error(GError **error, const char *what)
{
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("kernel image: %s"), what);
    return FALSE;
}

static void
e820_add(struct boot_params *bp, guint64 addr, guint64 size, guint32 type)
{
    g_assert(bp->e820_entries < E820_MAX_ENTRIES_ZEROPAGE);
    struct boot_e820_entry *e = &bp->e820_table[bp->e820_entries++];
    e->addr = addr;
    e->size = size;
    e->type = type;
}

void
linux_boot_params_init(struct boot_params *bp, guint64 mem_bytes, const guint8 *setup_header,
                       gsize setup_header_bytes, guint32 cmdline_bytes)
{
    g_assert(mem_bytes > BOOT_IMAGE_ADDR);
    memset(bp, 0, sizeof *bp);
    if (setup_header != NULL)
        memcpy(&bp->hdr, setup_header, MIN(setup_header_bytes, sizeof bp->hdr));
    bp->hdr.boot_flag = 0xaa55;
    bp->hdr.header = 0x53726448; /* "HdrS" */
    bp->hdr.type_of_loader = 0xff;
    bp->hdr.loadflags |= LOADED_HIGH | CAN_USE_HEAP;
    bp->hdr.heap_end_ptr = 0xfe00;
    bp->hdr.cmd_line_ptr = (guint32)BOOT_CMDLINE_ADDR;
    bp->hdr.cmdline_size = cmdline_bytes;
    bp->acpi_rsdp_addr = BOOT_ACPI_ADDR;
    e820_add(bp, 0, LEGACY_RAM_END, LINUX_E820_RAM);
    e820_add(bp, LEGACY_RAM_END, BOOT_IMAGE_ADDR - LEGACY_RAM_END, LINUX_E820_RESERVED);
    e820_add(bp, BOOT_IMAGE_ADDR, mem_bytes - BOOT_IMAGE_ADDR, LINUX_E820_RAM);
}

static gboolean
elf_load_segment(GuestMemory *mem, const guint8 *image, gsize len, const Elf64_Phdr *ph,
                 GError **error)
{
    if (ph->p_offset > len || ph->p_filesz > len - ph->p_offset || ph->p_filesz > ph->p_memsz)
        return load_error(error, _("ELF segment outside the file"));
    guint8 *dst = guest_memory_ptr(mem, ph->p_paddr, ph->p_memsz);
    if (dst == NULL)
        return load_error(error, _("ELF segment does not fit in guest memory (try --memory)"));
    memcpy(dst, image + ph->p_offset, ph->p_filesz);
    memset(dst + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
    return TRUE;
}

gboolean
linux_load_elf(GuestMemory *mem, const guint8 *image, gsize len, guint64 *ret_entry, GError **error)
{
    Elf64_Ehdr eh;
    if (len < sizeof eh)
        return load_error(error, _("truncated ELF header"));
    memcpy(&eh, image, sizeof eh);
    if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
        eh.e_machine != EM_X86_64 || eh.e_phentsize != sizeof(Elf64_Phdr))
        return load_error(error, _("not an x86-64 ELF64 image"));
    if (eh.e_phoff > len || (guint64)eh.e_phnum * sizeof(Elf64_Phdr) > len - eh.e_phoff)
        return load_error(error, _("program headers outside the file"));
    guint loaded = 0;
    for (guint i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        memcpy(&ph, image + eh.e_phoff + i * sizeof ph, sizeof ph);
        if (ph.p_type != PT_LOAD)
            continue;
        if (!elf_load_segment(mem, image, len, &ph, error))
            return FALSE;
        loaded++;
    }
    if (loaded == 0)
        return load_error(error, _("no loadable segment"));
    /* vmlinux's e_entry is physical (phys_startup_64); accept a kernel-map
     * virtual address too. */
    *ret_entry =
        eh.e_entry >= 0xffffffff80000000ull ? eh.e_entry - 0xffffffff80000000ull : eh.e_entry;
    return TRUE;
}

gboolean
linux_load_bzimage(GuestMemory *mem, const guint8 *image, gsize len, struct boot_params *bp,
                   guint64 *ret_entry, GError **error)
{
    if (len < 0x1000 || memcmp(image + 0x202, "HdrS", 4) != 0)
        return load_error(error, _("neither an ELF vmlinux nor a bzImage"));
    guint16 version = (guint16)(image[0x206] | image[0x207] << 8);
    guint8 xloadflags = image[0x236];
    if (version < LINUX_BZIMAGE_MIN_VERSION || !(xloadflags & XLF_KERNEL_64))
        return load_error(error, _("bzImage without a 64-bit entry point (boot protocol < 2.12)"));
    guint setup_sects = image[SETUP_HEADER_OFFSET] != 0 ? image[SETUP_HEADER_OFFSET] : 4;
    gsize kernel_offset = (setup_sects + 1) * 512ul;
    gsize header_end = 0x202 + image[0x201]; /* jump target = end of the header */
    if (kernel_offset >= len || header_end > kernel_offset)
        return load_error(error, _("bzImage setup header is inconsistent"));
    linux_boot_params_init(bp, mem->size_bytes, image + SETUP_HEADER_OFFSET,
                           header_end - SETUP_HEADER_OFFSET, bp->hdr.cmdline_size);
    if (!guest_memory_write(mem, BOOT_IMAGE_ADDR, image + kernel_offset, len - kernel_offset,
                            error))
        return FALSE;
    *ret_entry = BOOT_IMAGE_ADDR + 0x200; /* startup_64 */
    return TRUE;
}

/* The initrd goes as high as the kernel allows, page aligned. */
static gboolean
linux_load_initrd(GuestMemory *mem, const char *path, struct boot_params *bp, GError **error)
{
    g_autofree char *data = NULL;
    gsize len = 0;
    if (!g_file_get_contents(path, &data, &len, error))
        return FALSE;
    guint64 top = MIN(mem->size_bytes, LINUX_INITRD_ADDR_MAX + 1);
    if (len == 0 || len > top / 2)
        return load_error(error, _("initrd is empty or larger than half of guest memory"));
    guint64 addr = (top - len) & ~0xfffull;
    if (!guest_memory_write(mem, addr, data, len, error))
        return FALSE;
    bp->hdr.ramdisk_image = (guint32)addr;
    bp->hdr.ramdisk_size = (guint32)len;
    return TRUE;
}

static gboolean
linux_load_kernel(GuestMemory *mem, const char *path, struct boot_params *bp, guint32 cmdline_bytes,
                  guint64 *ret_entry, GError **error)
{
    g_autoptr(GMappedFile) file = g_mapped_file_new(path, FALSE, error);
    if (file == NULL)
        return FALSE;
    const guint8 *image = (const guint8 *)g_mapped_file_get_contents(file);
    gsize len = g_mapped_file_get_length(file);
    linux_boot_params_init(bp, mem->size_bytes, NULL, 0, cmdline_bytes);
    gboolean ok = len >= SELFMAG && memcmp(image, ELFMAG, SELFMAG) == 0
                      ? linux_load_elf(mem, image, len, ret_entry, error)
                      : linux_load_bzimage(mem, image, len, bp, ret_entry, error);
    if (!ok)
        g_prefix_error(error, "%s: ", path);
    return ok;
}

gboolean
linux_boot_load(GuestMemory *mem, const LinuxBootConfig *cfg, guint64 *ret_entry, GError **error)
{
    gsize cmdline_bytes = strlen(cfg->cmdline) + 1;
    if (cmdline_bytes > BOOT_CMDLINE_MAX)
        return load_error(error, _("command line too long"));
    g_autofree struct boot_params *bp = g_new0(struct boot_params, 1);
    if (!linux_load_kernel(mem, cfg->kernel_path, bp, (guint32)cmdline_bytes, ret_entry, error))
        return FALSE;
    if (cfg->initrd_path != NULL && !linux_load_initrd(mem, cfg->initrd_path, bp, error))
        return FALSE;
    return guest_memory_write(mem, BOOT_CMDLINE_ADDR, cfg->cmdline, cmdline_bytes, error) &&
           guest_memory_write(mem, BOOT_PARAMS_ADDR, bp, sizeof *bp, error);
}
