/* bus.h - port I/O and MMIO dispatch: address ranges to device callbacks. */
#pragma once

#include <glib.h>

/* A device's view of an access: @offset is relative to the range's base.
 * Reads fill @data (little-endian, @len bytes); writes consume it. */
typedef struct {
    const char *name;
    void (*read)(void *opaque, guint64 offset, guint8 *data, guint32 len);
    void (*write)(void *opaque, guint64 offset, const guint8 *data, guint32 len);
} BusDeviceOps;

#define BUS_DEVICES_MAX 16

typedef struct Bus Bus;

Bus *bus_new(const char *name);
void bus_free(Bus *bus);

/* Adds [base, base + len); ranges may not overlap. @ops and @opaque must
 * outlive the bus. */
gboolean bus_register(Bus *bus, guint64 base, guint64 len, const BusDeviceOps *ops, void *opaque,
                      GError **error);

/* Dispatch one access. Returns FALSE when no device claims @addr: a read
 * then yields all ones, a write is dropped. */
gboolean bus_read(Bus *bus, guint64 addr, guint8 *data, guint32 len);
gboolean bus_write(Bus *bus, guint64 addr, const guint8 *data, guint32 len);

/* Accesses no device claimed since the bus was created. */
guint64 bus_get_unclaimed(const Bus *bus);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Bus, bus_free)
