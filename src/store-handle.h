/* store-handle.h - one open store and the name it is served under, shared
 * by rondod's registry and the PromQL engine (which rondo-query links too). */
#ifndef RONDOD_STORE_HANDLE_H
#define RONDOD_STORE_HANDLE_H

#include <glib.h>
#include "rondo.h"

/*
 * Reference counted so that a query thread can keep reading a store the
 * registry has meanwhile replaced (adopted) or dropped (directory removed);
 * the store closes with the last reference. The main loop refreshes the
 * store's series in place while query threads read it, which
 * rondo_store_refresh() allows.
 */
typedef struct {
    gatomicrefcount rc;
    char *name;
    RondoStore *store;
} StoreHandle;

/* A handle owning @store (closed with the last reference). */
StoreHandle *store_handle_new(const char *name, RondoStore *store);
StoreHandle *store_handle_ref(StoreHandle *h);
void store_handle_unref(StoreHandle *h);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StoreHandle, store_handle_unref)

#endif
