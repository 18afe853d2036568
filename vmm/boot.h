/* boot.h - the guest-physical memory layout at boot, page tables, GDT, flat images. */
#pragma once

#include <glib.h>

#include "memory.h"
#include "vcpu.h"

/* Guest-physical layout shared by both guests (all below 1 MiB except the image):
 *   0x000500  GDT (null, null, code64 = 0x10, data = 0x18)
 *   0x001000  PML4, 0x2000 PDPT, 0x3000..0x6fff four page directories:
 *             an identity map of the first 4 GiB with 2 MiB pages
 *   0x007000  Linux boot_params (the "zero page")
 *   0x020000  kernel command line
 *   0x080000  initial stack top (grows down)
 *   0x0e0000  ACPI tables (RSDP first, inside the BIOS area Linux scans)
 *   0x100000  the built-in guest image / a bzImage's protected-mode kernel
 */
#define BOOT_GDT_ADDR           0x500ull
#define BOOT_PML4_ADDR          0x1000ull
#define BOOT_PDPT_ADDR          0x2000ull
#define BOOT_PD_ADDR            0x3000ull
#define BOOT_PD_COUNT           4
#define BOOT_PARAMS_ADDR        0x7000ull
#define BOOT_CMDLINE_ADDR       0x20000ull
#define BOOT_CMDLINE_MAX        4096
#define BOOT_STACK_TOP          0x80000ull
#define BOOT_ACPI_ADDR          0xe0000ull
#define BOOT_ACPI_MAX           0x10000ull
#define BOOT_IMAGE_ADDR         0x100000ull
#define BOOT_IDENTITY_MAP_BYTES (4ull << 30)

/* 2 MiB page-directory entry flags: present, writable, page size. */
#define BOOT_PDE_FLAGS   0x83ull
#define BOOT_TABLE_FLAGS 0x03ull

/* Writes the identity-mapping page tables and the GDT, and fills @ret_state
 * with everything but rip/rsi. */
gboolean boot_write_long_mode_tables(GuestMemory *mem, VcpuBootState *ret_state, GError **error);

/* Loads a flat binary (the built-in guest) at BOOT_IMAGE_ADDR; its entry is
 * its first byte. */
gboolean boot_load_flat_image(GuestMemory *mem, GBytes *image, guint64 *ret_entry, GError **error);
