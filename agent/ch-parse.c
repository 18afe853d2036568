/* ch-parse.c - Cloud Hypervisor vm.counters to samples (mapping in ch-parse.h). */
#include "config.h"

#include "ch-parse.h"

#include <string.h>

#define CH_NAME_MAX 200

static void
ch_add(SampleSet *set, const char *device, const char *counter, double value, guint *skipped)
{
    gboolean latency = strstr(counter, "latency") != NULL;
    g_autoptr(GString) name = g_string_new("cloudhypervisor_");
    g_string_append(name, counter);
    g_string_append(name, latency ? "_seconds" : "_total");
    if (name->len > CH_NAME_MAX) {
        (*skipped)++;
        return;
    }
    sample_name_sanitize(name);
    sample_set_add(set, name->str, device, latency ? SAMPLE_GAUGE : SAMPLE_TOTAL,
                   latency ? value / 1e6 : value);
}

static void
ch_parse_device(SampleSet *set, const char *device, JsonObject *obj, guint *skipped)
{
    JsonObjectIter it;
    const char *counter;
    JsonNode *node;
    json_object_iter_init(&it, obj);
    while (json_object_iter_next(&it, &counter, &node)) {
        double v;
        if (sample_json_number(node, &v))
            ch_add(set, device, counter, v, skipped);
        else
            (*skipped)++;
    }
}

SampleSet *
ch_parse_counters(const char *text, gsize len, guint64 timestamp_ns, guint *ret_skipped,
                  GError **error)
{
    g_return_val_if_fail(text != NULL || len == 0, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    g_autoptr(JsonNode) root = sample_json_parse_object(text, len, error);
    if (root == NULL)
        return NULL;
    g_autoptr(SampleSet) set = sample_set_new(timestamp_ns);
    guint skipped = 0;
    JsonObjectIter it;
    const char *device;
    JsonNode *node;
    json_object_iter_init(&it, json_node_get_object(root));
    while (json_object_iter_next(&it, &device, &node)) {
        if (JSON_NODE_HOLDS_OBJECT(node))
            ch_parse_device(set, device, json_node_get_object(node), &skipped);
        else
            skipped++;
    }
    if (ret_skipped != NULL)
        *ret_skipped = skipped;
    return g_steal_pointer(&set);
}
