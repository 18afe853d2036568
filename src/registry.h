/* registry.h - the stores under the state directory, kept open and current. */
#ifndef RONDOD_REGISTRY_H
#define RONDOD_REGISTRY_H

#include <glib.h>
#include "rondo.h"
#include "store-handle.h"

typedef struct _Registry Registry;

/* A registry of @state_dir (not scanned yet). */
Registry *registry_new(const char *state_dir);
void registry_free(Registry *reg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Registry, registry_free)

/* Scans now, then every @rescan_s seconds, and consolidates adopted stores once a second. */
void registry_start(Registry *reg, guint rescan_s);
/* One scan: opens new stores, drops vanished ones, refreshes, adopts orphans. */
void registry_scan(Registry *reg);

/* TRUE once the first scan has completed. */
gboolean registry_is_ready(const Registry *reg);
guint registry_get_n_stores(const Registry *reg);
guint registry_get_n_adopted(const Registry *reg);
const char *registry_get_state_dir(const Registry *reg);

/*
 * The stores in name order, each referenced: the caller may hand the array
 * to another thread, and gives it back to registry_release(). Each store's
 * slab files are checked first when they may have changed size since the
 * last check (slab-watch.c; rondo_store_check_files(): one fstat per
 * slab), and a damaged store is left out (said once).
 */
GPtrArray *registry_acquire(Registry *reg);

/* Whether a reader needs a store at all: decided from its series (in memory). */
typedef gboolean (*RegistryWanted)(const StoreHandle *h, gconstpointer data);

/*
 * registry_acquire() of only the stores @wanted accepts: the others are
 * neither checked nor handed out, so a query that reads one store of a
 * hundred pays one store's checks, not a hundred's.
 */
GPtrArray *registry_acquire_if(Registry *reg, RegistryWanted wanted, gconstpointer data);
void registry_release(GPtrArray *handles);

/* TRUE if the store with this name was adopted (rondod is its writer). */
gboolean registry_is_adopted(const Registry *reg, const char *name);

/*
 * A store name as it may come from a URL: 1..255 bytes of UTF-8 without
 * '/', control characters or a leading '.', so never "..", never absolute.
 */
gboolean store_name_is_valid(const char *name);

#endif
