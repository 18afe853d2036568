/* fc-parse.c - Firecracker metrics lines to samples (the mapping is in fc-parse.h).
 *
 * Why a table of gauges: a line says nothing about a value's kind, and
 * Firecracker resets only its SharedIncMetric counters on a flush. A
 * counter taken for a gauge would show per-second deltas; a gauge taken
 * for a counter would be summed into nonsense. So the gauges of the
 * release we read (v1.16.1, src/vmm/src/logger/metrics.rs and the device
 * metrics modules) are listed; everything else counts.
 */
#include "config.h"

#include "fc-parse.h"

#include <string.h>

#include <rondo.h>

#define FC_RESYNC_MARK "{\"utc_timestamp_ms\""

/* SharedStoreMetric fields; a group ending in '*' is a prefix, a NULL field every field. */
static const struct {
    const char *group;
    const char *field;
} fc_gauges[] = {
    {"api_server", NULL},
    {"latencies_us", NULL},
    {"seccomp", "num_faults"},
    {"vmm", "panic_count"},
    {"signals", "sigbus"},
    {"signals", "sigsegv"},
    {"signals", "sigxfsz"},
    {"signals", "sigxcpu"},
    {"signals", "sighup"},
    {"signals", "sigill"},
    {"vhost_user*", "init_time_us"},
    {"vhost_user*", "activate_time_us"},
    {"vhost_user*", "config_change_time_us"},
};

/* Per-device groups: "<prefix><id>" is the group "<prefix>" less its '_'. */
static const char *const fc_device_prefixes[] = {"block_", "net_", "pmem_"};

typedef struct {
    SampleSet *set;
    FcParseInfo *info;
    const char *group;  /* as in the line, without a device id */
    const char *device; /* NULL for a group that is not per device */
} FcGroup;

static gboolean
fc_group_matches(const char *pattern, const char *group)
{
    gsize n = strlen(pattern);
    if (n > 0 && pattern[n - 1] == '*')
        return strncmp(pattern, group, n - 1) == 0;
    return strcmp(pattern, group) == 0;
}

static gboolean
fc_is_gauge(const char *group, const char *field)
{
    for (gsize i = 0; i < G_N_ELEMENTS(fc_gauges); i++)
        if (fc_group_matches(fc_gauges[i].group, group) &&
            (fc_gauges[i].field == NULL || strcmp(fc_gauges[i].field, field) == 0))
            return TRUE;
    return FALSE;
}

/* Adds "firecracker_<group>_<stem><suffix>"; skips a name too long. */
static void
fc_add(FcGroup *g, const char *stem, const char *suffix, SampleKind kind, double value)
{
    g_autoptr(GString) name = g_string_new("firecracker_");
    const char *group = g->group;
    if (strcmp(group, "latencies_us") == 0)
        group = "latencies";
    g_string_append_printf(name, "%s_%s%s", group, stem, suffix);
    if (name->len > FC_NAME_MAX) {
        g->info->skipped++;
        return;
    }
    sample_name_sanitize(name);
    sample_set_add(g->set, name->str, g->device, kind, value);
    g->info->fields++;
}

/* One plain value: microseconds become seconds, counters get "_total". */
static void
fc_add_field(FcGroup *g, const char *field, double value)
{
    gboolean gauge = fc_is_gauge(g->group, field);
    gboolean micro = g_str_has_suffix(field, "_us") || strcmp(g->group, "latencies_us") == 0;
    g_autofree char *stem = g_strdup(field);
    if (g_str_has_suffix(stem, "_us"))
        stem[strlen(stem) - 3] = '\0';
    g_autofree char *suffix = g_strconcat(micro ? "_seconds" : "", gauge ? "" : "_total", NULL);
    fc_add(g, stem, suffix, gauge ? SAMPLE_GAUGE : SAMPLE_DELTA, micro ? value / 1e6 : value);
}

static gboolean
fc_is_latency(JsonObject *obj)
{
    return json_object_has_member(obj, "min_us") && json_object_has_member(obj, "max_us") &&
           json_object_has_member(obj, "sum_us");
}

/* {min_us, max_us, sum_us}: min and max are kept by Firecracker (gauges),
 * the sum is reset on each flush (a counter). */
static void
fc_add_latency(FcGroup *g, const char *field, JsonObject *obj)
{
    static const struct {
        const char *key, *suffix;
        SampleKind kind;
    } parts[] = {
        {"min_us", "_latency_min_seconds", SAMPLE_GAUGE},
        {"max_us", "_latency_max_seconds", SAMPLE_GAUGE},
        {"sum_us", "_latency_seconds_total", SAMPLE_DELTA},
    };
    g_autofree char *stem = g_strdup(field);
    if (g_str_has_suffix(stem, "_agg"))
        stem[strlen(stem) - 4] = '\0';
    for (gsize i = 0; i < G_N_ELEMENTS(parts); i++) {
        double v;
        if (sample_json_number(json_object_get_member(obj, parts[i].key), &v))
            fc_add(g, stem, parts[i].suffix, parts[i].kind, v / 1e6);
        else
            g->info->skipped++;
    }
    g->info->skipped += json_object_get_size(obj) - G_N_ELEMENTS(parts);
}

/* A group's members; @prefix (nullable) names the object they are in when
 * it is not a group but an object inside one, whose numbers become
 * "<prefix>_<key>" and whose objects are skipped. */
static void
fc_parse_members(FcGroup *g, const char *prefix, JsonObject *obj)
{
    JsonObjectIter it;
    const char *key;
    JsonNode *node;
    json_object_iter_init(&it, obj);
    while (json_object_iter_next(&it, &key, &node)) {
        double v;
        g_autofree char *field = prefix != NULL ? g_strconcat(prefix, "_", key, NULL) : NULL;
        if (sample_json_number(node, &v))
            fc_add_field(g, field != NULL ? field : key, v);
        else if (prefix == NULL && JSON_NODE_HOLDS_OBJECT(node) &&
                 fc_is_latency(json_node_get_object(node)))
            fc_add_latency(g, key, json_node_get_object(node));
        else if (prefix == NULL && JSON_NODE_HOLDS_OBJECT(node))
            fc_parse_members(g, key, json_node_get_object(node));
        else
            g->info->skipped++;
    }
}

/* Splits "block_rootfs" into ("block", "rootfs"), "vhost_user_block_x" into
 * ("vhost_user_block", "x"); other names stay whole. Returns the device or NULL. */
static char *
fc_group_split(const char *member, char **ret_group)
{
    for (gsize i = 0; i < G_N_ELEMENTS(fc_device_prefixes); i++) {
        gsize n = strlen(fc_device_prefixes[i]);
        if (strncmp(member, fc_device_prefixes[i], n) == 0 && member[n] != '\0') {
            *ret_group = g_strndup(member, n - 1);
            return g_strdup(member + n);
        }
    }
    const char *vhost = "vhost_user_";
    const char *kind_end =
        g_str_has_prefix(member, vhost) ? strchr(member + strlen(vhost), '_') : NULL;
    if (kind_end != NULL && kind_end[1] != '\0') {
        *ret_group = g_strndup(member, (gsize)(kind_end - member));
        return g_strdup(kind_end + 1);
    }
    *ret_group = g_strdup(member);
    return NULL;
}

static gboolean
fc_timestamp(JsonObject *root, guint64 *ret_ns, GError **error)
{
    JsonNode *node = json_object_get_member(root, "utc_timestamp_ms");
    double ms;
    if (node == NULL || !sample_json_number(node, &ms) || ms * 1e6 < (double)RONDO_TIME_MIN_NS ||
        ms * 1e6 >= (double)RONDO_TIME_MAX_NS) {
        g_set_error_literal(error, AGENT_PARSE_ERROR, AGENT_PARSE_ERROR_NO_TIMESTAMP,
                            "no usable utc_timestamp_ms");
        return FALSE;
    }
    *ret_ns = (guint64)ms * G_GUINT64_CONSTANT(1000000);
    return TRUE;
}

static SampleSet *
fc_parse_text(const char *text, gsize len, FcParseInfo *info, GError **error)
{
    g_autoptr(JsonNode) root = sample_json_parse_object(text, len, error);
    if (root == NULL)
        return NULL;
    JsonObject *obj = json_node_get_object(root);
    guint64 ts_ns;
    if (!fc_timestamp(obj, &ts_ns, error))
        return NULL;
    g_autoptr(SampleSet) set = sample_set_new(ts_ns);
    JsonObjectIter it;
    const char *member;
    JsonNode *node;
    json_object_iter_init(&it, obj);
    while (json_object_iter_next(&it, &member, &node)) {
        if (strcmp(member, "utc_timestamp_ms") == 0)
            continue;
        if (!JSON_NODE_HOLDS_OBJECT(node)) {
            info->skipped++;
            continue;
        }
        g_autofree char *group = NULL;
        g_autofree char *device = fc_group_split(member, &group);
        FcGroup g = {set, info, group, device};
        fc_parse_members(&g, NULL, json_node_get_object(node));
    }
    return g_steal_pointer(&set);
}

/* The start of the last line that a cut line ran into, or NULL. */
static const char *
fc_resync_point(const char *line, gsize len)
{
    const char *found = NULL;
    gsize mark = strlen(FC_RESYNC_MARK);
    for (const char *p = line + 1; p + mark <= line + len; p++) {
        p = memchr(p, '{', (gsize)(line + len - p));
        if (p == NULL || p + mark > line + len)
            break;
        if (memcmp(p, FC_RESYNC_MARK, mark) == 0)
            found = p;
    }
    return found;
}

SampleSet *
fc_parse_line(const char *line, gsize len, FcParseInfo *ret_info, GError **error)
{
    g_return_val_if_fail(line != NULL || len == 0, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    FcParseInfo info = {0};
    g_autoptr(GError) first = NULL;
    SampleSet *set = fc_parse_text(line, len, &info, &first);
    const char *again = set == NULL ? fc_resync_point(line, len) : NULL;
    if (again != NULL) {
        info = (FcParseInfo){0};
        set = fc_parse_text(again, len - (gsize)(again - line), &info, NULL);
        info.resynced = set != NULL;
    }
    if (set == NULL) {
        g_propagate_error(error, g_steal_pointer(&first));
        return NULL;
    }
    if (ret_info != NULL)
        *ret_info = info;
    return set;
}
