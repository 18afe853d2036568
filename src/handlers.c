/* handlers.c - registering every API family on the server. */
#include "config.h"

#include "handlers.h"
#include "registry.h"

void
handlers_register(Daemon *d)
{
    handlers_register_probes(d);
    handlers_register_native(d);
    handlers_register_prom(d);
    handlers_register_read(d);
    handlers_register_exposition(d);
    handlers_register_dashboard(d);
}

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
