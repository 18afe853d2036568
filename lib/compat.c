/* compat.c - the names librondo's nanosecond getters had before 0.5.0.
 *
 * Renaming a function removes a symbol that programs linked against the
 * library call, so the old names stay exported for the life of the soname;
 * each forwards to its new name and nothing else. The header marks them
 * deprecated, which this file alone must not be warned about.
 */
#define GLIB_DISABLE_DEPRECATION_WARNINGS
#include "config.h"
#include "internal.h"

guint64
rondo_schema_get_tier_interval(const RondoSchema *schema, guint tier)
{
    return rondo_schema_get_tier_interval_ns(schema, tier);
}

guint64
rondo_store_get_head(const RondoStore *store, guint schema, guint tier)
{
    return rondo_store_get_head_ns(store, schema, tier);
}

guint64
rondo_store_get_consolidated(const RondoStore *store, guint schema, guint tier)
{
    return rondo_store_get_consolidated_ns(store, schema, tier);
}

guint64
rondo_drain_get_cursor(const RondoDrain *drain, guint schema)
{
    return rondo_drain_get_cursor_ns(drain, schema);
}
