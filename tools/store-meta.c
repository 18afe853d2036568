/* store-meta.c - a store's schema matchers as strings.
 *
 * `rondo info` prints the matchers and `rondo dump` carries them; both want
 * them as the text a schema file or a dump holds, which this builds once
 * from the library's accessors.
 */
#include "config.h"
#include "store-meta.h"

static GPtrArray *
schema_matchers(const RondoSchema *schema)
{
    GPtrArray *list = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    for (guint i = 0; i < rondo_schema_get_n_matchers(schema); i++) {
        const char *label, *value;
        RondoMatchOp op;
        gboolean ok = rondo_schema_get_matcher(schema, i, &label, &op, &value);
        g_assert(ok);
        char **triple = g_new0(char *, 4);
        triple[0] = g_strdup(label);
        triple[1] = g_strdup(rondo_match_op_to_string(op));
        triple[2] = g_strdup(value);
        g_ptr_array_add(list, triple);
    }
    return list;
}

GPtrArray *
tool_store_meta_matchers(const RondoStore *store)
{
    GPtrArray *all = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
    for (guint i = 0; i < rondo_store_get_n_schemas(store); i++)
        g_ptr_array_add(all, schema_matchers(rondo_store_get_schema(store, i)));
    return all;
}
