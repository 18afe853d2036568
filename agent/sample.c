/* sample.c - SampleSet, the parsers' output (see sample.h). */
#include "config.h"

#include "sample.h"

#include <math.h>

#include "json-input.h"

static void
sample_clear(gpointer data)
{
    Sample *s = data;
    g_free(s->name);
    g_free(s->device);
}

SampleSet *
sample_set_new(guint64 timestamp_ns)
{
    SampleSet *set = g_new0(SampleSet, 1);
    set->timestamp_ns = timestamp_ns;
    set->samples = g_array_sized_new(FALSE, FALSE, sizeof(Sample), 64);
    g_array_set_clear_func(set->samples, sample_clear);
    return set;
}

void
sample_set_add(SampleSet *set, const char *name, const char *device, SampleKind kind, double value)
{
    g_assert(set != NULL && name != NULL);
    Sample s = {g_strdup(name), g_strdup(device), kind, value};
    g_array_append_val(set->samples, s);
}

void
sample_set_free(SampleSet *set)
{
    if (set == NULL)
        return;
    g_array_unref(set->samples);
    g_free(set);
}

void
sample_set_add_counts(SampleSet *set, const SampleCount *counts, gsize n)
{
    for (gsize i = n; i-- > 0;) {
        Sample s = {g_strdup(counts[i].name), NULL, SAMPLE_TOTAL, (double)counts[i].value};
        g_array_prepend_val(set->samples, s);
    }
}

char *
sample_key(const Sample *sample)
{
    if (sample->device == NULL)
        return g_strdup(sample->name);
    return g_strconcat(sample->name, "\x1f", sample->device, NULL);
}

/* Not G_DEFINE_QUARK: clang-format would space its argument (lib/error.c). */
GQuark
agent_parse_error_quark(void)
{
    return g_quark_from_static_string("rondo-fc-agent-parse-error-quark");
}

void
sample_name_sanitize(GString *name)
{
    for (gsize i = 0; i < name->len; i++) {
        char c = name->str[i];
        if (!(g_ascii_isalnum(c) || c == '_' || c == ':') || (i == 0 && g_ascii_isdigit(c)))
            name->str[i] = '_';
    }
}

JsonNode *
sample_json_parse_object(const char *text, gsize len, GError **error)
{
    g_autoptr(GError) local = NULL;
    g_autoptr(JsonNode) root = tool_json_input_parse(text, len, &local);
    if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
        g_set_error(error, AGENT_PARSE_ERROR, AGENT_PARSE_ERROR_INVALID, "not a JSON object%s%s",
                    local != NULL ? ": " : "", local != NULL ? local->message : "");
        return NULL;
    }
    return g_steal_pointer(&root);
}

gboolean
sample_json_number(JsonNode *node, double *ret_value)
{
    if (node == NULL || !JSON_NODE_HOLDS_VALUE(node))
        return FALSE;
    GType type = json_node_get_value_type(node);
    double v;
    if (type == G_TYPE_INT64 && json_node_get_int(node) >= 0)
        v = (double)json_node_get_int(node);
    else if (type == G_TYPE_DOUBLE && isfinite(json_node_get_double(node)))
        v = json_node_get_double(node);
    else
        return FALSE;
    *ret_value = v;
    return TRUE;
}
