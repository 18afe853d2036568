/* virtio_window.c - hands out the virtio-mmio window, slot by slot.
 *
 * Why: a virtio-mmio device is a register block and an interrupt line, and
 * nothing in the device itself says where it sits. Placing devices here, in
 * the order main attaches them, keeps each device file free of addresses
 * and makes the list of taken slots the one thing that tells the guest
 * where to look: ACPI's DSDT for Linux, a probe of the window for the
 * built-in guest (layout.h).
 *
 * Invariants: slot i covers VIRTIO_MMIO_WINDOW_BASE + i * VIRTIO_MMIO_SLOT_BYTES
 * and raises GSI VIRTIO_MMIO_GSI_FIRST + i; no two slots share a byte or
 * a line, and every line is one the 8259s and the IOAPIC both reach.
 */
#include "config.h"

#include "virtio_window.h"

G_STATIC_ASSERT(VIRTIO_MMIO_SLOTS <= ACPI_DEVICES_MAX);
G_STATIC_ASSERT(VIRTIO_MMIO_GSI_FIRST > SERIAL_COM1_GSI);
G_STATIC_ASSERT(VIRTIO_MMIO_GSI_FIRST + VIRTIO_MMIO_SLOTS - 1 <= LAYOUT_LEGACY_GSI_MAX);
G_STATIC_ASSERT((guint64)VIRTIO_MMIO_WINDOW_BASE + VIRTIO_MMIO_SLOTS * VIRTIO_MMIO_SLOT_BYTES <=
                LAYOUT_IOAPIC_ADDR);
G_STATIC_ASSERT(VIRTIO_MMIO_WINDOW_BASE >= LAYOUT_MMIO_HOLE_ADDR);

void
virtio_window_init(VirtioWindow *w)
{
    *w = (VirtioWindow){.n_slots = 0};
}

const AcpiDevice *
virtio_window_take(VirtioWindow *w)
{
    g_assert(w->n_slots < VIRTIO_MMIO_SLOTS);
    guint i = w->n_slots++;
    w->slots[i] = (AcpiDevice){
        .hid = VIRTIO_WINDOW_ACPI_HID,
        .mmio_base = VIRTIO_MMIO_WINDOW_BASE + (guint64)i * VIRTIO_MMIO_SLOT_BYTES,
        .mmio_size = VIRTIO_MMIO_SLOT_BYTES,
        .gsi = VIRTIO_MMIO_GSI_FIRST + i,
    };
    return &w->slots[i];
}
