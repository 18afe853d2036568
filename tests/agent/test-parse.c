/* test-parse.c - the agent's parsers: Firecracker lines (fc-parse.c) and
 * Cloud Hypervisor counters (ch-parse.c), against the committed fixtures,
 * damaged input and a seeded random fuzz. */
#include "config.h"

#include <string.h>

#include "ch-parse.h"
#include "fc-parse.h"

static char *
fixture(const char *name, gsize *ret_len)
{
    /* make check exports top_srcdir; G_TEST_SRCDIR works when run by hand */
    const char *top = g_getenv("top_srcdir");
    g_autofree char *path = top != NULL && g_getenv("G_TEST_SRCDIR") == NULL
                                ? g_build_filename(top, "tests", "agent", "fixtures", name, NULL)
                                : g_test_build_filename(G_TEST_DIST, "fixtures", name, NULL);
    char *text = NULL;
    g_assert_true(g_file_get_contents(path, &text, ret_len, NULL));
    return text;
}

/* The sample named @name with @device (nullable); fails the test if absent. */
static const Sample *
find(const SampleSet *set, const char *name, const char *device)
{
    for (guint i = 0; i < set->samples->len; i++) {
        const Sample *s = sample_set_get(set, i);
        if (strcmp(s->name, name) == 0 && g_strcmp0(s->device, device) == 0)
            return s;
    }
    g_error("no sample %s{device=%s}", name, device ? device : "");
}

static void
assert_sample(const SampleSet *set, const char *name, const char *device, SampleKind kind,
              double value)
{
    const Sample *s = find(set, name, device);
    g_assert_cmpint(s->kind, ==, kind);
    g_assert_cmpfloat_with_epsilon(s->value, value, 1e-12);
}

static void
test_fc_fixture(void)
{
    gsize len;
    g_autofree char *text = fixture("firecracker-v1.16.1.json", &len);
    FcParseInfo info;
    g_autoptr(GError) error = NULL;
    g_autoptr(SampleSet) set = fc_parse_line(text, len, &info, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(set->samples->len, ==, 316);
    g_assert_cmpuint(info.fields, ==, 316);
    g_assert_cmpuint(info.skipped, ==, 0);
    g_assert_false(info.resynced);
    g_assert_cmpuint(set->timestamp_ns, ==, G_GUINT64_CONSTANT(1767225600123000000));

    g_autoptr(JsonParser) p = json_parser_new();
    g_assert_true(json_parser_load_from_data(p, text, (gssize)len, NULL));
    JsonObject *root = json_node_get_object(json_parser_get_root(p));
#define FIELD(group, field)                                                                        \
    ((double)json_object_get_int_member(json_object_get_object_member(root, group), field))
    assert_sample(set, "firecracker_block_read_bytes_total", "rootfs", SAMPLE_DELTA,
                  FIELD("block_rootfs", "read_bytes"));
    assert_sample(set, "firecracker_block_read_bytes_total", NULL, SAMPLE_DELTA,
                  FIELD("block", "read_bytes"));
    assert_sample(set, "firecracker_net_tx_bytes_count_total", "eth0", SAMPLE_DELTA,
                  FIELD("net_eth0", "tx_bytes_count"));
    assert_sample(set, "firecracker_api_server_process_startup_time_seconds", NULL, SAMPLE_GAUGE,
                  FIELD("api_server", "process_startup_time_us") / 1e6);
    assert_sample(set, "firecracker_latencies_load_snapshot_seconds", NULL, SAMPLE_GAUGE,
                  FIELD("latencies_us", "load_snapshot") / 1e6);
    assert_sample(set, "firecracker_signals_sigbus", NULL, SAMPLE_GAUGE,
                  FIELD("signals", "sigbus"));
    assert_sample(set, "firecracker_signals_sigpipe_total", NULL, SAMPLE_DELTA,
                  FIELD("signals", "sigpipe"));
    assert_sample(set, "firecracker_logger_missed_metrics_count_total", NULL, SAMPLE_DELTA,
                  FIELD("logger", "missed_metrics_count"));
    assert_sample(set, "firecracker_vmm_panic_count", NULL, SAMPLE_GAUGE,
                  FIELD("vmm", "panic_count"));
    JsonObject *agg = json_object_get_object_member(json_object_get_object_member(root, "vcpu"),
                                                    "exit_io_in_agg");
    assert_sample(set, "firecracker_vcpu_exit_io_in_latency_min_seconds", NULL, SAMPLE_GAUGE,
                  (double)json_object_get_int_member(agg, "min_us") / 1e6);
    assert_sample(set, "firecracker_vcpu_exit_io_in_latency_max_seconds", NULL, SAMPLE_GAUGE,
                  (double)json_object_get_int_member(agg, "max_us") / 1e6);
    assert_sample(set, "firecracker_vcpu_exit_io_in_latency_seconds_total", NULL, SAMPLE_DELTA,
                  (double)json_object_get_int_member(agg, "sum_us") / 1e6);
#undef FIELD
}

/* What a later Firecracker may add: recorded generically, never an error. */
static void
test_fc_unknown(void)
{
    const char *line =
        "{\"utc_timestamp_ms\":1767225600000,"
        "\"new_group\":{\"a_count\":3,\"flag\":true,\"name\":\"x\",\"inner\":{\"d\":2,"
        "\"deeper\":{\"e\":1}},\"lat_agg\":{\"min_us\":1,\"max_us\":9,\"sum_us\":20}},"
        "\"vhost_user_block_disk-1\":{\"init_time_us\":500000,\"cfg_fails\":1},"
        "\"pmem_p0\":{\"event_fails\":4},\"odd key!\":{\"v\":7},\"top\":5}";
    FcParseInfo info;
    g_autoptr(GError) error = NULL;
    g_autoptr(SampleSet) set = fc_parse_line(line, strlen(line), &info, &error);
    g_assert_no_error(error);
    assert_sample(set, "firecracker_new_group_a_count_total", NULL, SAMPLE_DELTA, 3);
    assert_sample(set, "firecracker_new_group_inner_d_total", NULL, SAMPLE_DELTA, 2);
    assert_sample(set, "firecracker_new_group_lat_latency_max_seconds", NULL, SAMPLE_GAUGE, 9e-6);
    assert_sample(set, "firecracker_vhost_user_block_init_time_seconds", "disk-1", SAMPLE_GAUGE,
                  0.5);
    assert_sample(set, "firecracker_vhost_user_block_cfg_fails_total", "disk-1", SAMPLE_DELTA, 1);
    assert_sample(set, "firecracker_pmem_event_fails_total", "p0", SAMPLE_DELTA, 4);
    assert_sample(set, "firecracker_odd_key__v_total", NULL, SAMPLE_DELTA, 7);
    /* flag, name, deeper, and the top-level number */
    g_assert_cmpuint(info.skipped, ==, 4);
    g_assert_cmpuint(info.fields, ==, set->samples->len);
}

static void
test_fc_bad(void)
{
    const struct {
        const char *line;
        int code;
    } cases[] = {
        {"", AGENT_PARSE_ERROR_INVALID},
        {"this is not JSON {{{", AGENT_PARSE_ERROR_INVALID},
        {"[1,2,3]", AGENT_PARSE_ERROR_INVALID},
        {"{\"utc_timestamp_ms\":17672256", AGENT_PARSE_ERROR_INVALID},
        {"{\"vcpu\":{\"exit_io_in\":1}}", AGENT_PARSE_ERROR_NO_TIMESTAMP},
        {"{\"utc_timestamp_ms\":1767225600}", AGENT_PARSE_ERROR_NO_TIMESTAMP}, /* seconds */
        {"{\"utc_timestamp_ms\":\"1767225600000\"}", AGENT_PARSE_ERROR_NO_TIMESTAMP},
        {"{\"utc_timestamp_ms\":-5}", AGENT_PARSE_ERROR_NO_TIMESTAMP},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        SampleSet *set = fc_parse_line(cases[i].line, strlen(cases[i].line), NULL, &error);
        g_assert_null(set);
        g_assert_error(error, AGENT_PARSE_ERROR, cases[i].code);
    }
    g_autoptr(GString) deep = g_string_new("{\"utc_timestamp_ms\":1767225600000,\"a\":");
    for (int i = 0; i < 100000; i++)
        g_string_append_c(deep, '[');
    g_autoptr(GError) error = NULL;
    g_assert_null(fc_parse_line(deep->str, deep->len, NULL, &error));
    g_assert_error(error, AGENT_PARSE_ERROR, AGENT_PARSE_ERROR_INVALID);
}

/* A line cut by a full pipe runs into the next: the next one is kept. */
static void
test_fc_resync(void)
{
    gsize len;
    g_autofree char *text = fixture("firecracker-v1.16.1.json", &len);
    while (len > 0 && text[len - 1] == '\n')
        len--;
    g_autoptr(GString) line = g_string_new_len(text, 2000);
    g_string_append_len(line, text, (gssize)len);
    FcParseInfo info;
    g_autoptr(GError) error = NULL;
    g_autoptr(SampleSet) set = fc_parse_line(line->str, line->len, &info, &error);
    g_assert_no_error(error);
    g_assert_true(info.resynced);
    g_assert_cmpuint(set->samples->len, ==, 316);
}

static void
test_ch_fixture(void)
{
    gsize len;
    g_autofree char *text = fixture("cloud-hypervisor-v53.0-counters.json", &len);
    guint skipped = 0;
    g_autoptr(GError) error = NULL;
    g_autoptr(SampleSet) set = ch_parse_counters(text, len, 42, &skipped, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(set->timestamp_ns, ==, 42);
    g_assert_cmpuint(set->samples->len, ==, 13);
    g_assert_cmpuint(skipped, ==, 1); /* write_latency_min: u64::MAX */
    assert_sample(set, "cloudhypervisor_read_bytes_total", "_disk0", SAMPLE_TOTAL, 1048576);
    assert_sample(set, "cloudhypervisor_tx_frames_total", "_net1", SAMPLE_TOTAL, 12);
    assert_sample(set, "cloudhypervisor_read_latency_max_seconds", "_disk0", SAMPLE_GAUGE, 2200e-6);
    g_autoptr(GError) bad = NULL;
    g_assert_null(ch_parse_counters("[]", 2, 42, NULL, &bad));
    g_assert_error(bad, AGENT_PARSE_ERROR, AGENT_PARSE_ERROR_INVALID);
}

/* Seeded random damage to a real line: any outcome but a crash or a leak. */
static void
test_fuzz(void)
{
    gsize len;
    g_autofree char *text = fixture("firecracker-v1.16.1.json", &len);
    GRand *rand = g_rand_new_with_seed(g_test_rand_int());
    for (int round = 0; round < 300; round++) {
        g_autofree char *copy = g_memdup2(text, len);
        gsize n = (gsize)g_rand_int_range(rand, 1, (gint32)len);
        for (int k = g_rand_int_range(rand, 1, 8); k > 0; k--)
            copy[g_rand_int_range(rand, 0, (gint32)n)] = (char)g_rand_int_range(rand, 0, 256);
        g_autoptr(SampleSet) fc = fc_parse_line(copy, n, NULL, NULL);
        g_autoptr(SampleSet) ch = ch_parse_counters(copy, n, 1, NULL, NULL);
        g_assert_true(fc == NULL || fc->samples->len <= 400);
    }
    g_rand_free(rand);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/fc-parse/fixture", test_fc_fixture);
    g_test_add_func("/fc-parse/unknown", test_fc_unknown);
    g_test_add_func("/fc-parse/bad", test_fc_bad);
    g_test_add_func("/fc-parse/resync", test_fc_resync);
    g_test_add_func("/ch-parse/fixture", test_ch_fixture);
    g_test_add_func("/parse/fuzz", test_fuzz);
    return g_test_run();
}
