/* handlers.c - what the handlers of several families share. */
#include "config.h"

#include "handlers.h"
#include "registry.h"

StoreHandle *
handles_find(GPtrArray *handles, const char *name)
{
    for (guint i = 0; i < handles->len; i++) {
        StoreHandle *h = g_ptr_array_index(handles, i);
        if (g_str_equal(h->name, name))
            return h;
    }
    return NULL;
}
