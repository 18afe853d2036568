/* cmd-dump.c - `rondo dump DIR`: the whole store as portable JSON.
 *
 * Streamed, not built as a tree: a store may hold millions of points. The
 * format (rondo(1), "DUMP FORMAT") carries the schemas with their matchers
 * and, for every series, every tier's points per function, timestamps as
 * integer nanoseconds and values as exact strings ("0.1", "NaN", "+Inf"),
 * so `rondo restore` rebuilds an identical store.
 */
#include "config.h"
#include <stdio.h>
#include "rondo-tool.h"
#include "store-meta.h"
#include "value-format.h"
#include "json.h"

static void
flush(GString *out)
{
    fwrite(out->str, 1, out->len, stdout);
    g_string_truncate(out, 0);
}

static void
dump_schema(GString *out, const RondoSchema *schema, GPtrArray *matchers)
{
    g_string_append(out, "{\"name\":");
    json_append_string(out, rondo_schema_get_name(schema));
    g_string_append_printf(out, ",\"series_max\":%u,\"matchers\":[",
                           (unsigned)rondo_schema_get_series_max(schema));
    for (guint i = 0; matchers && i < matchers->len; i++) {
        char **m = g_ptr_array_index(matchers, i);
        g_string_append(out, i ? ",{\"label\":" : "{\"label\":");
        json_append_string(out, m[0]);
        g_string_append(out, ",\"op\":");
        json_append_string(out, m[1]);
        g_string_append(out, ",\"value\":");
        json_append_string(out, m[2]);
        g_string_append_c(out, '}');
    }
    g_string_append(out, "],\"tiers\":[");
    for (guint t = 0; t < rondo_schema_get_n_tiers(schema); t++) {
        guint32 fns = rondo_schema_get_tier_functions(schema, t);
        g_string_append_printf(out, "%s{\"interval_ns\":%llu,\"slots\":%u,\"functions\":[",
                               t ? "," : "",
                               (unsigned long long)rondo_schema_get_tier_interval_ns(schema, t),
                               (unsigned)rondo_schema_get_tier_slots(schema, t));
        for (guint f = 0, n = 0; f < RONDO_CF_N_FUNCTIONS; f++) {
            if (fns & RONDO_CF_BIT(f))
                g_string_append_printf(out, "%s\"%s\"", n++ ? "," : "",
                                       rondo_consolidation_to_string((RondoConsolidation)f));
        }
        g_string_append(out, "]}");
    }
    g_string_append(out, "]}");
}

static void
dump_column(GString *out, const RondoStore *store, const RondoSeries *series, guint tier,
            RondoConsolidation cf)
{
    RondoQueryIter it;
    guint64 t;
    double v;
    char buf[TOOL_VALUE_BUF];
    g_string_append_printf(out, "\"%s\":[", rondo_consolidation_to_string(cf));
    if (rondo_query_iter_init(&it, store, series, tier, cf, 0, G_MAXUINT64, NULL)) {
        for (guint n = 0; rondo_query_iter_next(&it, &t, &v); n++) {
            tool_value_format(v, buf);
            g_string_append_printf(out, "%s[%llu,\"%s\"]", n ? "," : "", (unsigned long long)t,
                                   buf);
            if (out->len > 65536)
                flush(out);
        }
    }
    g_string_append_c(out, ']');
}

/* "type", "unit", "help" as series.json has them: only when described. */
static void
dump_description(GString *out, const RondoSeries *series)
{
    RondoSeriesType type = rondo_series_get_type(series);
    const char *unit = rondo_series_get_unit(series), *help = rondo_series_get_help(series);
    if (type == RONDO_SERIES_UNKNOWN && !*unit && !*help)
        return;
    g_string_append(out, ",\"type\":");
    json_append_string(out, rondo_series_type_to_string(type));
    g_string_append(out, ",\"unit\":");
    json_append_string(out, unit);
    g_string_append(out, ",\"help\":");
    json_append_string(out, help);
}

static void
dump_series(GString *out, const RondoStore *store, const RondoSeries *series)
{
    const char *const *labels = rondo_series_get_labels(series);
    const RondoSchema *schema = rondo_store_get_schema(store, rondo_series_get_schema(series));
    g_string_append(out, "{\"name\":");
    json_append_string(out, rondo_series_get_name(series));
    g_string_append(out, ",\"labels\":{");
    for (gsize i = 0; labels && labels[i] && labels[i + 1]; i += 2) {
        g_string_append(out, i ? "," : "");
        json_append_string(out, labels[i]);
        g_string_append_c(out, ':');
        json_append_string(out, labels[i + 1]);
    }
    g_string_append(out, "},\"schema\":");
    json_append_string(out, rondo_schema_get_name(schema));
    dump_description(out, series);
    g_string_append(out, ",\"tiers\":[");
    for (guint t = 0; t < rondo_schema_get_n_tiers(schema); t++) {
        guint32 fns = rondo_schema_get_tier_functions(schema, t);
        g_string_append_printf(out, "%s\n {\"tier\":%u,\"points\":{", t ? "," : "", t);
        for (guint f = 0, n = 0; f < RONDO_CF_N_FUNCTIONS; f++) {
            if (!(fns & RONDO_CF_BIT(f)))
                continue;
            g_string_append(out, n++ ? "," : "");
            dump_column(out, store, series, t, (RondoConsolidation)f);
        }
        g_string_append(out, "}}");
    }
    g_string_append(out, "]}");
}

static void
dump_store(const RondoStore *store, GPtrArray *matchers)
{
    g_autoptr(GString) out = g_string_new("{\"format\":\"rondo-dump\",\"version\":1,\n"
                                          "\"schemas\":[");
    for (guint s = 0; s < rondo_store_get_n_schemas(store); s++) {
        g_string_append(out, s ? ",\n" : "\n");
        dump_schema(out, rondo_store_get_schema(store, s),
                    matchers && s < matchers->len ? g_ptr_array_index(matchers, s) : NULL);
    }
    g_string_append(out, "],\n\"series\":[");
    for (guint id = 0; id < rondo_store_get_n_series(store); id++) {
        g_string_append(out, id ? ",\n" : "\n");
        dump_series(out, store, rondo_store_get_series(store, id));
        flush(out);
    }
    g_string_append(out, "]}\n");
    flush(out);
}

int
tool_cmd_dump(int argc, char **argv)
{
    g_autoptr(GOptionContext) context = g_option_context_new(_("DIR"));
    g_option_context_set_summary(context, _("Write the store in DIR to standard output as JSON, "
                                            "for “rondo restore”."));
    int status = 0;
    g_autoptr(RondoStore) store = tool_open_dir(context, &argc, &argv, &status);
    if (store == NULL)
        return status;
    g_autoptr(GPtrArray) matchers = tool_store_meta_matchers(store);
    dump_store(store, matchers);
    return fflush(stdout) == 0 ? 0 : 1;
}
