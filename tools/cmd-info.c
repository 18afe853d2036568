/* cmd-info.c - `rondo info DIR`: everything a store knows about itself.
 *
 * Read-only and lock-free: safe while the writer runs. Slot usage is
 * counted through the query API (a slot is used when any series has a
 * value in it), so it costs one pass over each tier's window.
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rondo-tool.h"
#include "store-meta.h"
#include "timespec.h"

static char *
time_or_never(guint64 t_ns)
{
    return t_ns ? tool_time_format(t_ns) : g_strdup(_("never"));
}

static char *
functions_text(guint32 mask)
{
    g_autoptr(GString) s = g_string_new(NULL);
    for (guint f = 0; f < RONDO_CF_N_FUNCTIONS; f++) {
        if (mask & RONDO_CF_BIT(f))
            g_string_append_printf(s, "%s%s", s->len ? "," : "",
                                   rondo_consolidation_to_string((RondoConsolidation)f));
    }
    return g_string_free(g_steal_pointer(&s), FALSE);
}

/* The first function a tier keeps: the column whose slots are counted. */
static RondoConsolidation
tier_function(const RondoSchema *schema, guint tier)
{
    guint32 mask = rondo_schema_get_tier_functions(schema, tier);
    for (guint f = 0; f < RONDO_CF_N_FUNCTIONS; f++) {
        if (tier > 0 && (mask & RONDO_CF_BIT(f)))
            return (RondoConsolidation)f;
    }
    return RONDO_CF_LAST;
}

static guint32
slots_used(const RondoStore *store, guint si, guint tier)
{
    const RondoSchema *schema = rondo_store_get_schema(store, si);
    guint64 interval = rondo_schema_get_tier_interval_ns(schema, tier);
    guint32 slots = rondo_schema_get_tier_slots(schema, tier);
    guint64 lo, head;
    if (!rondo_store_get_window(store, si, tier, &lo, &head))
        return 0;
    g_autofree guint8 *seen = g_new0(guint8, slots);
    guint32 used = 0;
    for (guint id = 0; id < rondo_store_get_n_series(store); id++) {
        const RondoSeries *series = rondo_store_get_series(store, id);
        RondoQueryIter it;
        guint64 t;
        double v;
        if (rondo_series_get_schema(series) != si ||
            !rondo_query_iter_init(&it, store, series, tier, tier_function(schema, tier), lo, head,
                                   NULL))
            continue;
        while (rondo_query_iter_next(&it, &t, &v)) {
            guint32 r = (guint32)((t / interval) % slots);
            used += seen[r] == 0;
            seen[r] = 1;
        }
    }
    return used;
}

static void
print_tier(const RondoStore *store, guint si, guint tier)
{
    const RondoSchema *schema = rondo_store_get_schema(store, si);
    guint64 interval = rondo_schema_get_tier_interval_ns(schema, tier);
    guint32 slots = rondo_schema_get_tier_slots(schema, tier);
    g_autofree char *iv = tool_duration_format(interval);
    g_autofree char *span = tool_duration_format(interval * slots);
    g_autofree char *fns =
        tier ? functions_text(rondo_schema_get_tier_functions(schema, tier)) : g_strdup("last");
    g_autofree char *head = time_or_never(rondo_store_get_head_ns(store, si, tier));
    printf(_("  tier %u: %s × %u slots (%s), %s, %llu bytes\n"), tier, iv, (unsigned)slots, span,
           fns, (unsigned long long)rondo_store_get_tier_bytes(store, si, tier));
    printf(_("    slots used %u of %u, head %s\n"), (unsigned)slots_used(store, si, tier),
           (unsigned)slots, head);
    if (tier == 0) {
        printf(_("    dropped as too old: %llu\n"),
               (unsigned long long)rondo_store_get_dropped(store, si));
    } else {
        g_autofree char *until = time_or_never(rondo_store_get_consolidated_ns(store, si, tier));
        printf(_("    consolidated until %s\n"), until);
    }
}

/* The schema's slabs as this store has them (an older format has other sizes). */
static guint64
schema_bytes(const RondoStore *store, guint si)
{
    guint64 total = 0;
    guint n_tiers = rondo_schema_get_n_tiers(rondo_store_get_schema(store, si));
    for (guint t = 0; t < n_tiers; t++)
        total += rondo_store_get_tier_bytes(store, si, t);
    return total;
}

static void
print_schema(const RondoStore *store, guint si, GPtrArray *matchers)
{
    const RondoSchema *schema = rondo_store_get_schema(store, si);
    guint n = 0;
    for (guint id = 0; id < rondo_store_get_n_series(store); id++)
        n += rondo_series_get_schema(rondo_store_get_series(store, id)) == si;
    printf(_("schema %s: %u of %u series, %llu bytes\n"), rondo_schema_get_name(schema), n,
           (unsigned)rondo_schema_get_series_max(schema),
           (unsigned long long)schema_bytes(store, si));
    GPtrArray *ms = matchers && si < matchers->len ? g_ptr_array_index(matchers, si) : NULL;
    if (ms == NULL || ms->len == 0)
        printf(_("  matches every series\n"));
    for (guint i = 0; ms && i < ms->len; i++) {
        char **m = g_ptr_array_index(ms, i);
        printf(_("  matches %s%s\"%s\"\n"), m[0], m[1], m[2]);
    }
    for (guint t = 0; t < rondo_schema_get_n_tiers(schema); t++)
        print_tier(store, si, t);
}

/* drain-CONSUMER.TIER.json: the consumer's cursor in every schema. */
static void
print_drain(RondoStore *store, const char *file)
{
    g_autofree char *base = g_strndup(file + 6, strlen(file) - 6 - 5);
    char *dot = strrchr(base, '.');
    g_autoptr(GError) error = NULL;
    printf("  %s\n", file);
    if (dot == NULL)
        return;
    *dot = '\0';
    g_autoptr(RondoDrain) d = rondo_drain_new(store, base, (guint)atoi(dot + 1), &error);
    if (d == NULL) {
        printf("    %s\n", error->message);
        return;
    }
    for (guint s = 0; s < rondo_store_get_n_schemas(store); s++) {
        g_autofree char *t = time_or_never(rondo_drain_get_cursor_ns(d, s));
        printf(_("    schema %s: exported up to %s\n"),
               rondo_schema_get_name(rondo_store_get_schema(store, s)), t);
    }
    printf(_("    missed in total: %llu slots\n"),
           (unsigned long long)rondo_drain_get_missed_total(d));
}

static void
print_drains(RondoStore *store, const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    while (d && (name = g_dir_read_name(d)) != NULL) {
        if (g_str_has_prefix(name, "drain-") && g_str_has_suffix(name, ".json"))
            g_ptr_array_add(names, g_strdup(name));
    }
    g_ptr_array_sort(names, (GCompareFunc)g_ascii_strcasecmp);
    printf(_("export cursors: %u\n"), names->len);
    for (guint i = 0; i < names->len; i++)
        print_drain(store, *(char **)&names->pdata[i]);
}

/* " counter, bytes: help" after the key; nothing when the writer said nothing. */
static void
print_series_desc(const RondoSeries *s)
{
    RondoSeriesType type = rondo_series_get_type(s);
    const char *unit = rondo_series_get_unit(s), *help = rondo_series_get_help(s);
    if (type != RONDO_SERIES_UNKNOWN || *unit)
        printf(" %s%s%s", rondo_series_type_to_string(type), *unit ? ", " : "", unit);
    if (*help) {
        g_autofree char *one_line = g_strdelimit(g_strdup(help), "\n\r\t", ' ');
        printf(": %s", one_line);
    }
    putchar('\n');
}

static void
print_series(const RondoStore *store)
{
    guint n = rondo_store_get_n_series(store);
    printf(_("series: %u\n"), n);
    for (guint id = 0; id < n; id++) {
        const RondoSeries *s = rondo_store_get_series(store, id);
        printf("  %u %s %s", id,
               rondo_schema_get_name(rondo_store_get_schema(store, rondo_series_get_schema(s))),
               rondo_series_get_key(s));
        print_series_desc(s);
    }
}

int
tool_cmd_info(int argc, char **argv)
{
    g_autoptr(GOptionContext) context = g_option_context_new(_("DIR"));
    g_option_context_set_summary(context, _("Describe the store in DIR: schemas, tiers, slot "
                                            "usage, cursors, writer, series, size."));
    int status = 0;
    g_autoptr(RondoStore) store = tool_open_dir(context, &argc, &argv, &status);
    if (store == NULL)
        return status;
    g_autoptr(GPtrArray) matchers = tool_store_meta_matchers(store);
    gint64 pid = rondo_store_writer_pid(store);
    printf(_("store %s: %llu bytes on disk\n"), argv[1],
           (unsigned long long)rondo_store_get_bytes(store));
    guint version = rondo_store_get_format_version(store);
    if (version == RONDO_FORMAT_VERSION)
        printf(_("format version %u\n"), version);
    else
        printf(_("format version %u: read-only until “rondo upgrade %s” converts it to %u\n"),
               version, argv[1], (unsigned)RONDO_FORMAT_VERSION);
    if (pid > 0)
        printf(_("writer: process %lld\n"), (long long)pid);
    else
        printf(_("writer: none\n"));
    for (guint s = 0; s < rondo_store_get_n_schemas(store); s++)
        print_schema(store, s, matchers);
    print_drains(store, argv[1]);
    print_series(store);
    return 0;
}
