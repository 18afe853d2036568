/* export-fixture.c - the export tests' helper process.
 *
 *   export-fixture write DIR --series N --seconds S --end S --expect FILE
 *       creates a VMM-preset store with N series rondo_export_test{id="i"}
 *       and S seconds of points ending at second --end; writes the points an
 *       export must deliver (all of them: the writer is gone when it exits,
 *       so the head's slot is final) to FILE as "id timestamp_ms value"
 *       lines (%.17g).
 *   export-fixture push DIR URL [--batch N] [--consumer C] [--label K=V]...
 *       one rondo_exporter_push() from a read-only open, as a separate
 *       process that the tests can kill; prints its stats.
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include "rondo-export.h"

static double
fixture_value(guint id, guint k)
{
    char text[32];
    g_snprintf(text, sizeof text, "%u.%03u", id * 7 + k, (k * 37 + id) % 1000);
    return g_ascii_strtod(text, NULL);
}

static int
cmd_write(int argc, char **argv)
{
    gint n_series = 3, seconds = 120;
    gint64 end_s = g_get_real_time() / G_USEC_PER_SEC;
    g_autofree char *expect = NULL;
    g_autoptr(GError) error = NULL;
    GOptionEntry entries[] = {
        {"series", 0, 0, G_OPTION_ARG_INT, &n_series, "series", "N"},
        {"seconds", 0, 0, G_OPTION_ARG_INT, &seconds, "seconds of points", "S"},
        {"end", 0, 0, G_OPTION_ARG_INT64, &end_s, "last second (the head)", "S"},
        {"expect", 0, 0, G_OPTION_ARG_FILENAME, &expect, "expected points", "FILE"},
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("DIR");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &error) || argc != 2 || expect == NULL) {
        fprintf(stderr, "export-fixture write: %s\n", error ? error->message : "usage");
        return 2;
    }
    g_autoptr(RondoSchema) schema = rondo_schema_new_vmm_preset("vmm", 64, &error);
    g_autoptr(RondoStore) store = rondo_store_create(argv[1], &schema, 1, &error);
    if (store == NULL) {
        fprintf(stderr, "export-fixture: %s\n", error->message);
        return 1;
    }
    g_autoptr(GString) out = g_string_new(NULL);
    for (guint i = 0; i < (guint)n_series; i++) {
        g_autofree char *id = g_strdup_printf("%u", i);
        const char *labels[] = {"id", id, NULL};
        /* described, so that real receivers also get (and accept) metadata */
        const RondoSeriesSpec spec = {"rondo_export_test", labels, RONDO_SERIES_GAUGE, "",
                                      "rondo's export test series"};
        RondoSeries *s = NULL;
        g_assert_true(rondo_store_register_specs(store, 1, &spec, &s, &error));
        g_assert_no_error(error);
        for (guint k = 0; k < (guint)seconds; k++) {
            guint64 t = (guint64)(end_s - seconds + 1 + k) * RONDO_NS_PER_S;
            double v = fixture_value(i, k);
            rondo_series_record(s, v, t);
            g_string_append_printf(out, "%u %" G_GUINT64_FORMAT " %.17g\n", i, t / 1000000, v);
        }
    }
    if (!g_file_set_contents(expect, out->str, (gssize)out->len, &error)) {
        fprintf(stderr, "export-fixture: %s\n", error->message);
        return 1;
    }
    return 0;
}

static gboolean
add_labels(RondoExporter *e, char **labels, GError **error)
{
    for (guint i = 0; labels && labels[i]; i++) {
        g_auto(GStrv) kv = g_strsplit(labels[i], "=", 2);
        if (!rondo_exporter_add_label(e, kv[0], kv[1] ? kv[1] : "", error))
            return FALSE;
    }
    return TRUE;
}

static int
cmd_push(int argc, char **argv)
{
    gint batch = 2000;
    g_autofree char *consumer = NULL; /* GOption would leak a default it replaces */
    g_auto(GStrv) labels = NULL;
    g_autoptr(GError) error = NULL;
    GOptionEntry entries[] = {
        {"batch", 0, 0, G_OPTION_ARG_INT, &batch, "samples per request", "N"},
        {"consumer", 0, 0, G_OPTION_ARG_STRING, &consumer, "cursor name", "C"},
        {"label", 0, 0, G_OPTION_ARG_STRING_ARRAY, &labels, "extra label", "K=V"},
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("DIR URL");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &error) || argc != 3) {
        fprintf(stderr, "export-fixture push: %s\n", error ? error->message : "usage");
        return 2;
    }
    g_autoptr(RondoStore) store = rondo_store_open(argv[1], RONDO_OPEN_READ_ONLY, &error);
    g_autoptr(RondoExporter) e = store ? rondo_exporter_new(argv[2], &error) : NULL;
    RondoExportStats st = {0};
    if (e == NULL || !add_labels(e, labels, &error) ||
        !rondo_exporter_set_batch(e, (guint)batch, 4 << 20, &error) ||
        !rondo_exporter_set_retry(e, 5, 20, 200, 5000, &error) ||
        !rondo_exporter_push(e, store, consumer ? consumer : "fixture", 0, &st, &error)) {
        fprintf(stderr, "export-fixture: %s\n", error->message);
        return 1;
    }
    printf("sent %" G_GUINT64_FORMAT " samples in %" G_GUINT64_FORMAT " batches, %" G_GUINT64_FORMAT
           " bytes; dropped %" G_GUINT64_FORMAT "; retries %" G_GUINT64_FORMAT "\n",
           st.samples_sent, st.batches_sent, st.bytes_sent, st.samples_dropped, st.retries);
    return 0;
}

int
main(int argc, char **argv)
{
    if (argc >= 2 && g_str_equal(argv[1], "write"))
        return cmd_write(argc - 1, argv + 1);
    if (argc >= 2 && g_str_equal(argv[1], "push"))
        return cmd_push(argc - 1, argv + 1);
    fprintf(stderr, "usage: export-fixture write|push ...\n");
    return 2;
}
