/* guestctl.c - control ports for the built-in guest.
 *
 * Why: under a software hypervisor the guest's own notion of time (TSC, PIT
 * tick counts) drifts with emulation speed, but the demo must last a number
 * of wall-clock seconds and produce one point per second. So the guest asks
 * the VMM for the time, and for how long to run, through two ports; each
 * read is one port-I/O exit, which the metrics then count like any other.
 */
#include "config.h"

#include "guestctl.h"

#include <string.h>

void
guestctl_init(GuestCtl *ctl, guint32 workload_seconds)
{
    ctl->start_us = g_get_monotonic_time();
    ctl->workload_seconds = workload_seconds;
}

static void
guestctl_bus_read(void *opaque, guint64 offset, guint8 *data, guint32 len)
{
    const GuestCtl *ctl = opaque;
    guint32 value = 0;
    if (offset == GUESTCTL_CLOCK_MS)
        value = (guint32)((g_get_monotonic_time() - ctl->start_us) / 1000);
    else if (offset == GUESTCTL_WORKLOAD_SECONDS)
        value = ctl->workload_seconds;
    value = GUINT32_TO_LE(value);
    memset(data, 0, len);
    memcpy(data, &value, MIN(len, sizeof value));
}

const BusDeviceOps guestctl_bus_ops = {
    .name = "guestctl",
    .read = guestctl_bus_read,
    .write = NULL,
};
