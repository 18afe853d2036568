/* guestctl.h - the built-in guest's control ports: a clock and its workload length. */
#pragma once

#include <glib.h>

#include "bus.h"

/* Port layout (32-bit reads):
 *   GUESTCTL_PORT + 0  milliseconds since the VM started (wraps after 49 days)
 *   GUESTCTL_PORT + 4  how many seconds the workload should run */
#define GUESTCTL_PORT  0x510
#define GUESTCTL_PORTS 8

typedef struct {
    gint64 start_us; /* g_get_monotonic_time() at VM start */
    guint32 workload_seconds;
} GuestCtl;

void guestctl_init(GuestCtl *ctl, guint32 workload_seconds);

extern const BusDeviceOps guestctl_bus_ops;
