/* linux_boot.h - loading a Linux kernel for the 64-bit boot protocol. */
#pragma once

#include <asm/bootparam.h>

#include <glib.h>

#include "memory.h"

#define LINUX_DEFAULT_CMDLINE                                                                      \
    "console=ttyS0 earlyprintk=serial,ttyS0 reboot=k panic=-1 nokaslr lpj=1000000 "                \
    "tsc=reliable no_timer_check i8042.noaux i8042.nomux i8042.nopnp rdinit=/init"

/* Added where the host has no hardware virtualization: keeps Linux away from
 * instructions the software hypervisor's emulator lacks (XSAVE/XRSTOR,
 * CMPXCHG16B, POPCNT, VEX and SSE3+ encodings, CLAC/STAC), since CPUID
 * masking alone does not reach every feature bit there; and quiets the
 * lockup, stall and hung-task detectors, which emulation speed trips. */
#define LINUX_SOFTWARE_VIRT_CMDLINE                                                                \
    " noxsave mitigations=off nowatchdog rcupdate.rcu_cpu_stall_suppress=1"                        \
    " sysctl.kernel.hung_task_timeout_secs=0"                                                      \
    " clearcpuid=popcnt,cx16,smap,avx,avx2,avx512f,bmi1,bmi2,pclmulqdq,sse4_1,sse4_2,ssse3,aes,"   \
    "sha_ni,gfni,vaes,vpclmulqdq"

#define LINUX_E820_RAM            1
#define LINUX_E820_RESERVED       2
#define LINUX_INITRD_ADDR_MAX     0x37ffffffull
#define LINUX_BZIMAGE_MIN_VERSION 0x020c

typedef struct {
    const char *kernel_path; /* ELF vmlinux or bzImage */
    const char *initrd_path; /* nullable */
    const char *cmdline;
} LinuxBootConfig;

/* Loads kernel, initrd and command line, writes boot_params at
 * BOOT_PARAMS_ADDR, which points at ACPI tables at BOOT_ACPI_ADDR (the
 * caller writes them: acpi_write_tables()); returns the 64-bit entry point
 * (start with RSI = BOOT_PARAMS_ADDR). */
gboolean linux_boot_load(GuestMemory *mem, const LinuxBootConfig *cfg, guint64 *ret_entry,
                         GError **error);

/* The pieces, exposed for unit tests. */

/* Zero page for @mem_bytes of RAM: e820 map, loader fields, command line
 * pointer; @setup_header (nullable, from a bzImage) is copied in first. */
void linux_boot_params_init(struct boot_params *bp, guint64 mem_bytes, const guint8 *setup_header,
                            gsize setup_header_bytes, guint32 cmdline_bytes);

/* Loads the PT_LOAD segments of an ELF64 x86-64 image at their physical
 * addresses. */
gboolean linux_load_elf(GuestMemory *mem, const guint8 *image, gsize len, guint64 *ret_entry,
                        GError **error);

/* Loads a bzImage's protected-mode part at 1 MiB; copies its setup header
 * into @bp. */
gboolean linux_load_bzimage(GuestMemory *mem, const guint8 *image, gsize len,
                            struct boot_params *bp, guint64 *ret_entry, GError **error);
