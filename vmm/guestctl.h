/* guestctl.h - the built-in guest's control ports: a clock and its workload length. */
#pragma once

#include <glib.h>

#include "bus.h"
#include "layout.h"

/* Port layout (32-bit reads; offsets in layout.h):
 *   GUESTCTL_PORT + GUESTCTL_CLOCK_MS          milliseconds since the VM
 *                                              started (wraps after 49 days)
 *   GUESTCTL_PORT + GUESTCTL_WORKLOAD_SECONDS  how long the workload runs */

typedef struct {
    gint64 start_us; /* g_get_monotonic_time() at VM start */
    guint32 workload_seconds;
} GuestCtl;

void guestctl_init(GuestCtl *ctl, guint32 workload_seconds);

extern const BusDeviceOps guestctl_bus_ops;
