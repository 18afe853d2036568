/* store-handle.c - a reference-counted open store (store-handle.h). */
#include "config.h"
#include "store-handle.h"

StoreHandle *
store_handle_new(const char *name, RondoStore *store)
{
    StoreHandle *h = g_new0(StoreHandle, 1);
    g_atomic_ref_count_init(&h->rc);
    h->name = g_strdup(name);
    h->store = store;
    return h;
}

StoreHandle *
store_handle_ref(StoreHandle *h)
{
    g_atomic_ref_count_inc(&h->rc);
    return h;
}

void
store_handle_unref(StoreHandle *h)
{
    if (h == NULL || !g_atomic_ref_count_dec(&h->rc))
        return;
    rondo_store_close(h->store);
    g_free(h->name);
    g_free(h);
}
