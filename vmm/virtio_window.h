/* virtio_window.h - the virtio-mmio window: each virtio device's slot and GSI, and their list. */
#pragma once

#include <glib.h>

#include "acpi.h"
#include "layout.h"

/* The _HID by which ACPI names a virtio-mmio device. */
#define VIRTIO_WINDOW_ACPI_HID "LNRO0005"

/* The slots handed out so far, in order: what the DSDT describes. */
typedef struct {
    AcpiDevice slots[VIRTIO_MMIO_SLOTS];
    guint n_slots;
} VirtioWindow;

void virtio_window_init(VirtioWindow *window);

/* The next free slot: its MMIO range and its own GSI. The window has room
 * for every device the VMM attaches (asserted). Valid as long as @window. */
const AcpiDevice *virtio_window_take(VirtioWindow *window);
