/* bus.c - address decoding for port I/O and MMIO exits.
 *
 * Why: the vCPU loop should not know which device lives where. Each exit is
 * one lookup over a handful of ranges (a linear scan beats a tree at this
 * size), then one callback. Invariants: ranges never overlap, never wrap,
 * and an access is delivered only if it lies wholly inside one range.
 */
#include "config.h"

#include "bus.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n.h>

typedef struct {
    guint64 base;
    guint64 len;
    const BusDeviceOps *ops;
    void *opaque;
} BusRange;

struct Bus {
    char *name;
    BusRange ranges[BUS_DEVICES_MAX];
    guint n_ranges;
    guint64 unclaimed;
};

Bus *
bus_new(const char *name)
{
    Bus *bus = g_new0(Bus, 1);
    bus->name = g_strdup(name);
    return bus;
}

void
bus_free(Bus *bus)
{
    if (bus == NULL)
        return;
    g_free(bus->name);
    g_free(bus);
}

static gboolean
ranges_overlap(guint64 a, guint64 a_len, guint64 b, guint64 b_len)
{
    return a < b + b_len && b < a + a_len;
}

gboolean
bus_register(Bus *bus, guint64 base, guint64 len, const BusDeviceOps *ops, void *opaque,
             GError **error)
{
    g_return_val_if_fail(bus != NULL && ops != NULL && len > 0, FALSE);
    g_return_val_if_fail(base + len > base, FALSE);
    if (bus->n_ranges == BUS_DEVICES_MAX) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, _("%s bus: too many devices"),
                    bus->name);
        return FALSE;
    }
    for (guint i = 0; i < bus->n_ranges; i++) {
        const BusRange *r = &bus->ranges[i];
        if (ranges_overlap(base, len, r->base, r->len)) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS, _("%s bus: %s at 0x%llx overlaps %s"),
                        bus->name, ops->name, (unsigned long long)base, r->ops->name);
            return FALSE;
        }
    }
    bus->ranges[bus->n_ranges++] = (BusRange){base, len, ops, opaque};
    return TRUE;
}

static const BusRange *
bus_find(const Bus *bus, guint64 addr, guint32 len)
{
    for (guint i = 0; i < bus->n_ranges; i++) {
        const BusRange *r = &bus->ranges[i];
        if (addr >= r->base && addr - r->base < r->len && len <= r->len - (addr - r->base))
            return r;
    }
    return NULL;
}

gboolean
bus_read(Bus *bus, guint64 addr, guint8 *data, guint32 len)
{
    g_assert(len > 0 && len <= 8);
    const BusRange *r = bus_find(bus, addr, len);
    if (r == NULL || r->ops->read == NULL) {
        memset(data, 0xff, len);
        bus->unclaimed++;
        return FALSE;
    }
    r->ops->read(r->opaque, addr - r->base, data, len);
    return TRUE;
}

gboolean
bus_write(Bus *bus, guint64 addr, const guint8 *data, guint32 len)
{
    g_assert(len > 0 && len <= 8);
    const BusRange *r = bus_find(bus, addr, len);
    if (r == NULL || r->ops->write == NULL) {
        bus->unclaimed++;
        return FALSE;
    }
    r->ops->write(r->opaque, addr - r->base, data, len);
    return TRUE;
}

guint64
bus_get_unclaimed(const Bus *bus)
{
    return bus->unclaimed;
}
