/* schema-file.c - the schema file of `rondo create --schema FILE`.
 *
 * The syntax is that of GKeyFile (desktop entries): [groups], KEY = VALUE,
 * # comments. GKeyFile itself keeps only the last of repeated keys, and a
 * schema repeats `match` and `tier`, so the lines are read here, in order,
 * which also lets every error name its line. Format: rondo-schema(5).
 */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include <glib/gi18n.h>
#include "rondo-tool.h"
#include "schema-file.h"
#include "timespec.h"

typedef struct {
    GPtrArray *schemas;
    RondoSchema *current;
    guint items; /* tiers and matchers added to current */
    const char *path;
    guint line;
} Loader;

static gboolean
parse_functions(const char *text, guint32 *ret_functions, GError **error)
{
    g_auto(GStrv) names = g_strsplit(text, ",", -1);
    guint32 mask = 0;
    for (guint i = 0; names[i]; i++) {
        RondoConsolidation cf;
        g_strstrip(names[i]);
        if (!rondo_consolidation_from_string(names[i], &cf))
            return tool_set_error(error, _("unknown consolidation function “%s”"), names[i]);
        mask |= RONDO_CF_BIT(cf);
    }
    *ret_functions = mask;
    return TRUE;
}

gboolean
tool_tier_spec_parse(const char *text, guint64 *ret_interval_ns, guint32 *ret_slots,
                     guint32 *ret_functions, GError **error)
{
    g_auto(GStrv) parts = g_strsplit(text, ":", 3);
    char *end = NULL;
    guint n = g_strv_length(parts);
    if (n < 2)
        return tool_set_error(error, _("“%s” is not a tier (INTERVAL:SLOTS[:FUNCTIONS])"), text);
    for (guint i = 0; i < n; i++)
        g_strstrip(parts[i]);
    if (!tool_duration_parse(parts[0], ret_interval_ns, error))
        return FALSE;
    guint64 slots = g_ascii_strtoull(parts[1], &end, 10);
    if (end == parts[1] || *end != '\0' || slots > RONDO_SLOTS_MAX)
        return tool_set_error(error, _("“%s” is not a slot count"), parts[1]);
    *ret_slots = (guint32)slots;
    *ret_functions = 0;
    return n < 3 || parse_functions(parts[2], ret_functions, error);
}

gboolean
tool_match_spec_parse(const char *text, char **ret_label, RondoMatchOp *ret_op, char **ret_value,
                      GError **error)
{
    static const char *const ops[] = {"=~", "!~", "!=", "="};
    static const RondoMatchOp op_values[] = {RONDO_MATCH_REGEX, RONDO_MATCH_NOT_REGEX,
                                             RONDO_MATCH_NOT_EQUAL, RONDO_MATCH_EQUAL};
    const char *at = strpbrk(text, "=!");
    if (at == NULL || at == text)
        return tool_set_error(error, _("“%s” is not a matcher (LABEL=VALUE, !=, =~ or !~)"), text);
    for (gsize i = 0; i < G_N_ELEMENTS(ops); i++) {
        if (g_str_has_prefix(at, ops[i])) {
            *ret_label = g_strstrip(g_strndup(text, (gsize)(at - text)));
            *ret_op = op_values[i];
            *ret_value = g_strstrip(g_strdup(at + strlen(ops[i])));
            return TRUE;
        }
    }
    return tool_set_error(error, _("“%s” is not a matcher (LABEL=VALUE, !=, =~ or !~)"), text);
}

static gboolean
start_group(Loader *ld, const char *line, GError **error)
{
    gsize len = strlen(line);
    if (line[len - 1] != ']' || !g_str_has_prefix(line, "[schema "))
        return tool_set_error(error, _("“%s” is not a group header like [schema NAME]"), line);
    g_autofree char *name = g_strstrip(g_strndup(line + 8, len - 9));
    /* series_max comes later in the group; rondo_schema_new needs it now,
     * so the schema is rebuilt with the right value when the key appears. */
    ld->current = rondo_schema_new(name, 1, error);
    if (ld->current == NULL)
        return FALSE;
    g_ptr_array_add(ld->schemas, ld->current);
    ld->items = 0;
    return TRUE;
}

static gboolean
set_series_max(Loader *ld, const char *value, GError **error)
{
    char *end = NULL;
    guint64 n = g_ascii_strtoull(value, &end, 10);
    if (end == value || *end != '\0' || n == 0 || n > RONDO_SERIES_MAX)
        return tool_set_error(error, _("series_max “%s” is not a number from 1 to 65536"), value);
    if (ld->items > 0)
        return tool_set_error(error, _("%s must come before the first tier and match"),
                              "series_max");
    RondoSchema *s = rondo_schema_new(rondo_schema_get_name(ld->current), (guint32)n, error);
    if (s == NULL)
        return FALSE;
    ld->schemas->pdata[ld->schemas->len - 1] = s;
    rondo_schema_free(ld->current);
    ld->current = s;
    return TRUE;
}

static gboolean
set_key(Loader *ld, const char *key, const char *value, GError **error)
{
    if (ld->current == NULL)
        return tool_set_error(error, _("“%s” comes before the first [schema NAME]"), key);
    if (g_str_equal(key, "series_max"))
        return set_series_max(ld, value, error);
    if (g_str_equal(key, "tier") || g_str_equal(key, "match"))
        ld->items++;
    if (g_str_equal(key, "tier")) {
        guint64 interval;
        guint32 slots, fns;
        if (!tool_tier_spec_parse(value, &interval, &slots, &fns, error))
            return FALSE;
        return rondo_schema_add_tier(ld->current, interval, slots,
                                     fns ? fns : RONDO_CF_BIT(RONDO_CF_AVERAGE), error);
    }
    if (g_str_equal(key, "match")) {
        g_autofree char *label = NULL, *mvalue = NULL;
        RondoMatchOp op;
        return tool_match_spec_parse(value, &label, &op, &mvalue, error) &&
               rondo_schema_add_matcher(ld->current, label, op, mvalue, error);
    }
    return tool_set_error(error, _("unknown key “%s”"), key);
}

static gboolean
load_line(Loader *ld, char *line, GError **error)
{
    g_strstrip(line);
    if (line[0] == '\0' || line[0] == '#')
        return TRUE;
    if (line[0] == '[')
        return start_group(ld, line, error);
    char *eq = strchr(line, '=');
    if (eq == NULL)
        return tool_set_error(error, _("“%s” is not KEY = VALUE"), line);
    *eq = '\0';
    return set_key(ld, g_strstrip(line), g_strstrip(eq + 1), error);
}

/* Every schema needs a tier 0; catch it here with the file's name. */
static gboolean
check_schemas(Loader *ld, GError **error)
{
    if (ld->schemas->len == 0)
        return tool_set_error(error, _("%s: no [schema NAME] group"), ld->path);
    for (guint i = 0; i < ld->schemas->len; i++) {
        const RondoSchema *s = g_ptr_array_index(ld->schemas, i);
        if (rondo_schema_get_n_tiers(s) == 0) {
            g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                        _("%s: schema “%s” has no tier"), ld->path, rondo_schema_get_name(s));
            return FALSE;
        }
    }
    return TRUE;
}

GPtrArray *
tool_schema_file_load(const char *path, GError **error)
{
    g_autofree char *text = NULL;
    g_autoptr(GError) local = NULL;
    if (!g_file_get_contents(path, &text, NULL, error))
        return NULL;
    g_autoptr(GPtrArray) schemas =
        g_ptr_array_new_with_free_func((GDestroyNotify)rondo_schema_free);
    Loader ld = {schemas, NULL, 0, path, 0};
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (ld.line = 0; lines[ld.line]; ld.line++) {
        if (!load_line(&ld, lines[ld.line], &local)) {
            g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s:%u: %s", path,
                        ld.line + 1, local->message);
            return NULL;
        }
    }
    if (!check_schemas(&ld, error))
        return NULL;
    return g_steal_pointer(&schemas);
}
