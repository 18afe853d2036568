/* discovery.h - finds the VMs under a directory and runs a collector for each.
 *
 * Layout: <watch_dir>/<vm-id>/<fifo_name> (Firecracker's --metrics-path)
 * with <vm-id>/<socket_name> (its --api-sock), or <vm-id>/<ch_socket_name>
 * (Cloud Hypervisor's --api-socket). A VM's store is <state_dir>/<vm-id>.
 */
#ifndef AGENT_DISCOVERY_H
#define AGENT_DISCOVERY_H

#include <glib.h>

typedef struct {
    const char *watch_dir;
    const char *state_dir;
    const char *fifo_name;
    const char *socket_name;
    const char *ch_socket_name;
    guint32 series_max;
} DiscoveryConfig;

typedef struct Discovery Discovery;

/* Watches @cfg->watch_dir (copied; it may appear later) and scans it once. */
Discovery *discovery_new(const DiscoveryConfig *cfg);
/* Once a second: scans again (in case an event was missed) and ticks every collector. */
void discovery_tick(Discovery *d, guint64 now_ns);
/* Collectors not finished yet (running or closing their store). */
guint discovery_get_n_active(const Discovery *d);
/* Stops watching; every VM leaves (its store is closed); see get_n_active(). */
void discovery_shutdown(Discovery *d);
/* Only when get_n_active() is 0. NULL is accepted. */
void discovery_free(Discovery *d);

/* A VM id: [A-Za-z0-9._-], 1..128 bytes, not starting with '.': safe as a
 * directory name, a store name and a label value. */
gboolean discovery_vm_id_is_valid(const char *id);

#endif
