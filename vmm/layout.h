/* layout.h - the platform's map: guest-physical addresses, I/O ports, interrupt lines.
 *
 * Why one file: the VMM places things here and the built-in guest finds
 * them here, so an address or a GSI written twice could only disagree.
 * Every fixed address, port and line of the platform is in this file and
 * nowhere else; what is handed out at run time (a virtio device's slot in
 * the virtio-mmio window, and its GSI) comes from virtio_window.c, within
 * the ranges below.
 *
 * Freestanding on purpose: plain #defines without integer suffixes and no
 * #include, so that the VMM (C), the built-in guest (C, assembler) and its
 * linker script (through cpp) all read the same numbers.
 */
#pragma once

/* ---------------------------------------------------------------- memory
 * Written by boot.c and linux_boot.c before the first instruction; all
 * below 1 MiB except the image. */
#define BOOT_GDT_ADDR      0x500 /* null, null, code64, data: */
#define BOOT_CODE_SELECTOR 0x10  /* flat 64-bit code (Linux: __BOOT_CS) */
#define BOOT_DATA_SELECTOR 0x18  /* flat data (Linux: __BOOT_DS) */
#define BOOT_PML4_ADDR     0x1000
#define BOOT_PDPT_ADDR     0x2000
#define BOOT_PD_ADDR       0x3000 /* BOOT_PD_COUNT page directories follow */
#define BOOT_PD_COUNT      4
#define BOOT_PARAMS_ADDR   0x7000 /* Linux boot_params, the "zero page" */
#define BOOT_CMDLINE_ADDR  0x20000
#define BOOT_CMDLINE_MAX   4096
#define BOOT_STACK_TOP     0x80000 /* grows down */
#define BOOT_ACPI_ADDR     0xe0000 /* RSDP first, inside the BIOS area Linux scans */
#define BOOT_ACPI_MAX      0x10000
#define BOOT_IMAGE_ADDR    0x100000 /* the built-in guest; a bzImage's protected-mode part */

/* The identity map of the page tables: RAM and the MMIO hole above it. */
#define BOOT_IDENTITY_MAP_BYTES 0x100000000

/* RAM starts at 0 and ends below the MMIO hole. */
#define LAYOUT_MMIO_HOLE_ADDR 0xc0000000

/* ------------------------------------------------------------------ MMIO */
/* The virtio-mmio window: VIRTIO_MMIO_SLOTS slots of VIRTIO_MMIO_SLOT_BYTES,
 * handed out in order; slot i raises GSI VIRTIO_MMIO_GSI_FIRST + i. */
#define VIRTIO_MMIO_WINDOW_BASE 0xd0000000
#define VIRTIO_MMIO_SLOT_BYTES  0x200
#define VIRTIO_MMIO_SLOTS       8

#define LAYOUT_IOAPIC_ADDR 0xfec00000
#define LAYOUT_LAPIC_ADDR  0xfee00000

/* KVM's private pages (below 4 GiB, above the window). */
#define VM_IDENTITY_MAP_ADDR 0xfeffc000
#define VM_TSS_ADDR          0xfeffd000

/* ----------------------------------------------------------------- ports */
#define PIC_MASTER_COMMAND_PORT 0x20 /* the in-kernel 8259s */
#define PIC_MASTER_DATA_PORT    0x21
#define PIC_SLAVE_COMMAND_PORT  0xa0
#define PIC_SLAVE_DATA_PORT     0xa1
#define PIT_CHANNEL0_PORT       0x40 /* the in-kernel 8254 */
#define PIT_COMMAND_PORT        0x43

#define I8042_DATA_PORT    0x60
#define I8042_COMMAND_PORT 0x64
#define I8042_CMD_RESET    0xfe /* the one command the controller implements */

#define SERIAL_COM1_BASE 0x3f8
#define SERIAL_PORTS     8

/* The built-in guest's control ports (guestctl.c), 32-bit reads. */
#define GUESTCTL_PORT             0x510
#define GUESTCTL_PORTS            8
#define GUESTCTL_CLOCK_MS         0 /* offset: milliseconds since the VM started */
#define GUESTCTL_WORKLOAD_SECONDS 4 /* offset: how long the workload runs */

/* -------------------------------------------------- interrupt lines (GSI) */
#define PIT_GSI               0
#define SERIAL_COM1_GSI       4
#define VIRTIO_MMIO_GSI_FIRST 5  /* through VIRTIO_MMIO_GSI_FIRST + VIRTIO_MMIO_SLOTS - 1 */
#define LAYOUT_LEGACY_GSI_MAX 15 /* the last line both the 8259s and the IOAPIC reach */
