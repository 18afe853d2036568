/* cmd-create.c - `rondo create DIR`: a store from the VMM preset or from a
 * schema file. The store's size is fixed here, so it is printed. */
#include "config.h"
#include <stdio.h>
#include "rondo-tool.h"
#include "schema-file.h"

/* The built-in schemas by name (rondo.1 lists them). */
static const struct {
    const char *name;
    RondoSchema *(*make)(const char *name, guint32 series_max, GError **error);
} presets[] = {
    {"vmm", rondo_schema_new_vmm_preset},
    {"vmm-counters", rondo_schema_new_vmm_counter_preset},
};

static GPtrArray *
preset_schemas(const char *preset, gint series_max)
{
    g_autoptr(GError) error = NULL;
    guint i = 0;
    while (i < G_N_ELEMENTS(presets) && !g_str_equal(preset, presets[i].name))
        i++;
    if (i == G_N_ELEMENTS(presets)) {
        tool_error(_("--preset: unknown preset “%s” (known: vmm, vmm-counters)"), preset);
        return NULL;
    }
    if (series_max < 1 || series_max > RONDO_SERIES_MAX) {
        tool_error(_("--series-max: %d is not from 1 to %d"), series_max, RONDO_SERIES_MAX);
        return NULL;
    }
    RondoSchema *s = presets[i].make(preset, (guint32)series_max, &error);
    if (s == NULL) {
        tool_error("%s", error->message);
        return NULL;
    }
    GPtrArray *schemas = g_ptr_array_new_with_free_func((GDestroyNotify)rondo_schema_free);
    g_ptr_array_add(schemas, s);
    return schemas;
}

int
tool_cmd_create(int argc, char **argv)
{
    g_autofree char *preset = NULL, *schema_file = NULL;
    gint series_max = 30;
    g_autoptr(GError) error = NULL;
    GOptionEntry entries[] = {
        {"preset", 'p', 0, G_OPTION_ARG_STRING, &preset,
         N_("Use a built-in schema: vmm (the default) or vmm-counters"), N_("NAME")},
        {"series-max", 'n', 0, G_OPTION_ARG_INT, &series_max,
         N_("Series the preset holds (default: 30)"), N_("N")},
        {"schema", 's', 0, G_OPTION_ARG_FILENAME, &schema_file,
         N_("Read the schemas from FILE (see rondo-schema(5))"), N_("FILE")},
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GOptionContext) context = g_option_context_new(_("DIR"));
    g_option_context_set_summary(context, _("Create a store in DIR, allocating all its space."));
    g_option_context_add_main_entries(context, entries, GETTEXT_PACKAGE);
    if (!tool_parse(context, &argc, &argv) || !tool_want_args(argc, argv, 1, _("DIR")))
        return EXIT_USAGE;
    if (preset && schema_file) {
        tool_error(_("give either --preset or --schema, not both"));
        return EXIT_USAGE;
    }
    g_autoptr(GPtrArray) schemas = NULL;
    if (schema_file) {
        schemas = tool_schema_file_load(schema_file, &error);
        if (schemas == NULL) {
            tool_error("%s", error->message);
            return 1;
        }
    } else if ((schemas = preset_schemas(preset ? preset : "vmm", series_max)) == NULL) {
        return EXIT_USAGE;
    }
    g_autoptr(RondoStore) store =
        rondo_store_create(argv[1], (RondoSchema *const *)schemas->pdata, schemas->len, &error);
    if (store == NULL) {
        tool_store_error(argv[1], error);
        return 1;
    }
    printf(_("created %s: %u schemas, %llu bytes\n"), argv[1], schemas->len,
           (unsigned long long)rondo_store_get_bytes(store));
    return 0;
}
