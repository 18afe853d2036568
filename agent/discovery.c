/* discovery.c - VMs appearing and leaving under the watched directory.
 *
 * Why both a monitor and a scan: inotify (GFileMonitor) reports a VM's
 * directory at once, but a FIFO made in it before its own monitor exists
 * raises no event; a scan of the whole directory (two lstat() per VM) each
 * second, and soon after any event, catches everything. The scan is the
 * truth; the monitors only make it early.
 *
 * The watched directory may appear after the agent starts (it belongs to
 * whatever launches the VMs): until it does, the scan looks for it each
 * second and its monitor is made when it is there.
 *
 * A VM is known by its id and the inode of its FIFO (or socket): once its
 * collector has finished, the same files do not start another one; a FIFO
 * made anew (a new Firecracker process) does.
 */
#include "config.h"

#include "discovery.h"

#include <string.h>
#include <sys/stat.h>

#include <gio/gio.h>
#include <glib/gi18n.h>

#include "collector.h"

#define DISCOVERY_DEBOUNCE_MS 50

typedef struct {
    Discovery *d;
    char *vm_id;
    Collector *c; /* NULL once finished */
    const CollectorOps *ops;
    dev_t dev;
    ino_t ino;
    GFileMonitor *monitor; /* of the VM's directory */
} Entry;

struct Discovery {
    char *watch_dir, *state_dir, *fifo_name, *socket_name, *ch_socket_name;
    guint32 series_max;
    GFileMonitor *monitor;
    GHashTable *entries; /* vm id -> Entry */
    guint scan_id;
    guint n_active;
    gboolean shutting_down;
    gboolean said_missing; /* logged that the watched directory is missing */
};

gboolean
discovery_vm_id_is_valid(const char *id)
{
    gsize n = strlen(id);
    if (n == 0 || n > 128 || id[0] == '.')
        return FALSE;
    for (gsize i = 0; i < n; i++)
        if (!g_ascii_isalnum(id[i]) && id[i] != '.' && id[i] != '_' && id[i] != '-')
            return FALSE;
    return TRUE;
}

static void
entry_free(gpointer data)
{
    Entry *e = data;
    g_assert(e->c == NULL);
    if (e->monitor != NULL) {
        g_file_monitor_cancel(e->monitor);
        g_object_unref(e->monitor);
    }
    g_free(e->vm_id);
    g_free(e);
}

static gboolean discovery_scan_now(gpointer data);

static void
discovery_on_event(GFileMonitor *monitor, GFile *file, GFile *other, GFileMonitorEvent event,
                   gpointer data)
{
    Discovery *d = data;
    if (d->scan_id == 0 && !d->shutting_down)
        d->scan_id = g_timeout_add(DISCOVERY_DEBOUNCE_MS, discovery_scan_now, d);
}

static GFileMonitor *
discovery_monitor(Discovery *d, const char *path, GError **error)
{
    g_autoptr(GFile) dir = g_file_new_for_path(path);
    GFileMonitor *m = g_file_monitor_directory(dir, G_FILE_MONITOR_WATCH_MOVES, NULL, error);
    if (m != NULL)
        g_signal_connect(m, "changed", G_CALLBACK(discovery_on_event), d);
    return m;
}

/* What the VM directory @vm_id holds: the ops of its VMM and its file's
 * identity, or NULL. */
static const CollectorOps *
discovery_probe(Discovery *d, const char *vm_id, struct stat *ret_st)
{
    g_autofree char *fifo = g_build_filename(d->watch_dir, vm_id, d->fifo_name, NULL);
    g_autofree char *ch = g_build_filename(d->watch_dir, vm_id, d->ch_socket_name, NULL);
    if (lstat(fifo, ret_st) == 0 && S_ISFIFO(ret_st->st_mode))
        return &fc_source_ops;
    if (lstat(ch, ret_st) == 0 && S_ISSOCK(ret_st->st_mode))
        return &ch_source_ops;
    return NULL;
}

static void
discovery_on_done(Collector *c, gpointer data)
{
    Entry *e = data;
    g_assert(e->c == c);
    collector_free(c);
    e->c = NULL;
    e->d->n_active--;
}

static void
discovery_start(Discovery *d, Entry *e, const CollectorOps *ops, const struct stat *st)
{
    g_autofree char *dir = g_build_filename(d->watch_dir, e->vm_id, NULL);
    g_autofree char *fifo = g_build_filename(dir, d->fifo_name, NULL);
    g_autofree char *sock = g_build_filename(dir, d->socket_name, NULL);
    g_autofree char *ch = g_build_filename(dir, d->ch_socket_name, NULL);
    g_autofree char *store = g_build_filename(d->state_dir, e->vm_id, NULL);
    gboolean is_fc = ops == &fc_source_ops;
    CollectorConfig cfg = {e->vm_id, store, is_fc ? fifo : NULL, is_fc ? sock : ch, d->series_max};
    g_autoptr(GError) error = NULL;
    e->ops = ops;
    e->dev = st->st_dev;
    e->ino = st->st_ino;
    e->c = collector_new(ops, &cfg, discovery_on_done, e, &error);
    if (e->c == NULL) {
        g_message(_("vm %s: not collected: %s"), e->vm_id, error->message);
        return;
    }
    d->n_active++;
    g_message(_("vm %s: found (%s), store %s"), e->vm_id,
              is_fc ? "Firecracker" : "Cloud Hypervisor", store);
}

/* One directory entry of the watched directory. */
static void
discovery_visit(Discovery *d, const char *vm_id, GHashTable *seen)
{
    g_hash_table_add(seen, (gpointer)vm_id);
    Entry *e = g_hash_table_lookup(d->entries, vm_id);
    if (e == NULL) {
        e = g_new0(Entry, 1);
        e->d = d;
        e->vm_id = g_strdup(vm_id);
        g_autofree char *dir = g_build_filename(d->watch_dir, vm_id, NULL);
        e->monitor = discovery_monitor(d, dir, NULL); /* the scan still finds it without */
        g_hash_table_insert(d->entries, e->vm_id, e);
    }
    struct stat st;
    const CollectorOps *ops = discovery_probe(d, vm_id, &st);
    gboolean same = ops != NULL && ops == e->ops && st.st_dev == e->dev && st.st_ino == e->ino;
    if (e->c != NULL && !same && e->ops == &fc_source_ops)
        collector_leave(e->c, _("metrics FIFO removed"));
    else if (e->c == NULL && ops != NULL && !same)
        discovery_start(d, e, ops, &st);
}

static gboolean
discovery_scan_now(gpointer data)
{
    Discovery *d = data;
    d->scan_id = 0;
    if (d->shutting_down)
        return G_SOURCE_REMOVE;
    g_autoptr(GError) error = NULL;
    g_autoptr(GDir) dir = g_dir_open(d->watch_dir, 0, &error);
    if (dir == NULL && !d->said_missing)
        g_message(_("waiting for %s: %s"), d->watch_dir, error->message);
    d->said_missing = dir == NULL;
    if (dir != NULL && d->monitor == NULL)
        d->monitor = discovery_monitor(d, d->watch_dir, NULL); /* else the scan alone */
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    const char *name;
    while (dir != NULL && (name = g_dir_read_name(dir)) != NULL)
        if (discovery_vm_id_is_valid(name))
            discovery_visit(d, name, seen);
    GHashTableIter it;
    Entry *e;
    g_hash_table_iter_init(&it, d->entries);
    while (g_hash_table_iter_next(&it, NULL, (gpointer *)&e)) {
        if (g_hash_table_contains(seen, e->vm_id))
            continue;
        if (e->c != NULL)
            collector_leave(e->c, _("VM directory removed"));
        else
            g_hash_table_iter_remove(&it);
    }
    return G_SOURCE_REMOVE;
}

Discovery *
discovery_new(const DiscoveryConfig *cfg)
{
    g_return_val_if_fail(cfg != NULL && cfg->watch_dir != NULL && cfg->state_dir != NULL, NULL);
    Discovery *d = g_new0(Discovery, 1);
    d->watch_dir = g_strdup(cfg->watch_dir);
    d->state_dir = g_strdup(cfg->state_dir);
    d->fifo_name = g_strdup(cfg->fifo_name);
    d->socket_name = g_strdup(cfg->socket_name);
    d->ch_socket_name = g_strdup(cfg->ch_socket_name);
    d->series_max = cfg->series_max;
    d->entries = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, entry_free);
    discovery_scan_now(d);
    return d;
}

void
discovery_tick(Discovery *d, guint64 now_ns)
{
    if (d->shutting_down)
        return;
    discovery_scan_now(d);
    GHashTableIter it;
    Entry *e;
    g_hash_table_iter_init(&it, d->entries);
    while (g_hash_table_iter_next(&it, NULL, (gpointer *)&e))
        if (e->c != NULL)
            collector_tick(e->c, now_ns);
}

guint
discovery_get_n_active(const Discovery *d)
{
    return d->n_active;
}

void
discovery_shutdown(Discovery *d)
{
    d->shutting_down = TRUE;
    if (d->monitor != NULL)
        g_file_monitor_cancel(d->monitor);
    GHashTableIter it;
    Entry *e;
    g_hash_table_iter_init(&it, d->entries);
    while (g_hash_table_iter_next(&it, NULL, (gpointer *)&e))
        if (e->c != NULL)
            collector_leave(e->c, _("agent stopping"));
}

void
discovery_free(Discovery *d)
{
    if (d == NULL)
        return;
    g_assert(d->n_active == 0);
    if (d->scan_id != 0)
        g_source_remove(d->scan_id);
    g_hash_table_unref(d->entries);
    g_clear_object(&d->monitor);
    g_free(d->watch_dir);
    g_free(d->state_dir);
    g_free(d->fifo_name);
    g_free(d->socket_name);
    g_free(d->ch_socket_name);
    g_free(d);
}
