/* boot.c - what every guest needs before its first instruction.
 *
 * Why: both guests start directly in 64-bit long mode, skipping real mode
 * and any firmware, the way the Linux 64-bit boot protocol allows: flat
 * segments, paging on, and an identity map covering RAM and the MMIO hole
 * (the built-in guest touches its virtio device through it). The tables are
 * static, so they are written once, at fixed addresses below 1 MiB
 * (see the layout in boot.h).
 */
#include "config.h"

#include "boot.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n.h>

/* Code: 64-bit, present, DPL 0, execute/read. Data: present, read/write, 4 GiB.
 * Entry 0 is the null descriptor; a selector is its entry's byte offset. */
static const guint64 boot_gdt[] = {
    [BOOT_CODE_SELECTOR / 8] = G_GUINT64_CONSTANT(0x00af9b000000ffff),
    [BOOT_DATA_SELECTOR / 8] = G_GUINT64_CONSTANT(0x00cf93000000ffff),
};

/* One page directory maps 1 GiB with 2 MiB pages. */
G_STATIC_ASSERT((guint64)BOOT_PD_COUNT << 30 == BOOT_IDENTITY_MAP_BYTES);

static gboolean
boot_write_page_tables(GuestMemory *mem, GError **error)
{
    guint64 *pml4 = guest_memory_ptr(mem, BOOT_PML4_ADDR, 4096);
    guint64 *pdpt = guest_memory_ptr(mem, BOOT_PDPT_ADDR, 4096);
    guint64 *pd = guest_memory_ptr(mem, BOOT_PD_ADDR, 4096 * BOOT_PD_COUNT);
    if (pml4 == NULL || pdpt == NULL || pd == NULL) {
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                            _("guest memory too small for page tables"));
        return FALSE;
    }
    memset(pml4, 0, 4096);
    memset(pdpt, 0, 4096);
    pml4[0] = BOOT_PDPT_ADDR | BOOT_TABLE_FLAGS;
    for (guint i = 0; i < BOOT_PD_COUNT; i++)
        pdpt[i] = (BOOT_PD_ADDR + 4096ull * i) | BOOT_TABLE_FLAGS;
    for (guint i = 0; i < 512 * BOOT_PD_COUNT; i++)
        pd[i] = ((guint64)i << 21) | BOOT_PDE_FLAGS;
    return TRUE;
}

gboolean
boot_write_long_mode_tables(GuestMemory *mem, VcpuBootState *ret_state, GError **error)
{
    if (!boot_write_page_tables(mem, error) ||
        !guest_memory_write(mem, BOOT_GDT_ADDR, boot_gdt, sizeof boot_gdt, error))
        return FALSE;
    *ret_state = (VcpuBootState){
        .rsp = BOOT_STACK_TOP,
        .cr3 = BOOT_PML4_ADDR,
        .gdt_base = BOOT_GDT_ADDR,
        .gdt_limit = sizeof boot_gdt - 1,
    };
    return TRUE;
}

gboolean
boot_load_flat_image(GuestMemory *mem, GBytes *image, guint64 *ret_entry, GError **error)
{
    gsize length = 0;
    const void *data = g_bytes_get_data(image, &length);
    if (length == 0) {
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("empty guest image"));
        return FALSE;
    }
    if (!guest_memory_write(mem, BOOT_IMAGE_ADDR, data, length, error))
        return FALSE;
    *ret_entry = BOOT_IMAGE_ADDR;
    return TRUE;
}
