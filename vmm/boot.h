/* boot.h - the guest-physical memory layout at boot, page tables, GDT, flat images. */
#pragma once

#include <glib.h>

#include "layout.h"
#include "memory.h"
#include "vcpu.h"

/* The addresses (BOOT_*) are in layout.h. The page tables are an identity
 * map of BOOT_IDENTITY_MAP_BYTES with 2 MiB pages. */

/* 2 MiB page-directory entry flags: present, writable, page size. */
#define BOOT_PDE_FLAGS   0x83ull
#define BOOT_TABLE_FLAGS 0x03ull

/* Writes the identity-mapping page tables and the GDT, and fills @ret_state
 * with everything but rip/rsi. */
gboolean boot_write_long_mode_tables(GuestMemory *mem, VcpuBootState *ret_state, GError **error);

/* Loads a flat binary (the built-in guest) at BOOT_IMAGE_ADDR; its entry is
 * its first byte. */
gboolean boot_load_flat_image(GuestMemory *mem, GBytes *image, guint64 *ret_entry, GError **error);
