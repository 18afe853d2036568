/* test-encode.c - the remote-write encoder against a committed golden file.
 *
 * The golden file holds the exact bytes rondo_remote_write_encode() gives
 * for a fixed input; any change of the wire format shows up as a diff of a
 * binary file, deliberately. The bytes are also decoded with protobuf-c and
 * every field checked, so the golden file cannot silently be wrong.
 * RONDO_UPDATE_GOLDEN=1 rewrites it (then review the decoded checks).
 */
#include "config.h"
#include <math.h>
#include <string.h>
#include "remote-write.pb-c.h"
#include "rondo-export.h"

#define T0_NS G_GUINT64_CONSTANT(1700000400000000000)
#define S     G_GUINT64_CONSTANT(1000000000)

static const guint64 cpu_ts[] = {T0_NS, T0_NS + S, T0_NS + 2 * S + 500000};
static const double cpu_values[] = {0.0, 1.5, -1e300};
static const guint64 net_ts[] = {T0_NS + 999999}; /* 0.999999 ms: truncated */
static const double net_values[] = {12345.678};
/* "Zone" sorts before "__name__" (byte order); "vm" shadows the extra one;
 * "empty" has no value and is left out. */
static const char *const cpu_labels[] = {"vm", "vm-7", "Zone", "a", "empty", "", NULL};
static const char *const net_labels[] = {"dev", "eth0", NULL};
static const char *const extra[] = {"instance", "host1", "vm", "default", NULL};

static const RondoExportSeries fixed_input[] = {
    {"vcpu_exits_total", cpu_labels, cpu_ts, cpu_values, G_N_ELEMENTS(cpu_ts)},
    {"net_rx_bytes", net_labels, net_ts, net_values, G_N_ELEMENTS(net_ts)},
};

static void
check_labels(const Prometheus__TimeSeries *ts, const char *const *want)
{
    gsize n = g_strv_length((char **)want) / 2;
    g_assert_cmpuint(ts->n_labels, ==, n);
    for (gsize i = 0; i < n; i++) {
        g_assert_cmpstr(ts->labels[i]->name, ==, want[2 * i]);
        g_assert_cmpstr(ts->labels[i]->value, ==, want[2 * i + 1]);
    }
}

static void
check_decoded(const guint8 *data, gsize n)
{
    static const char *const cpu_want[] = {
        "Zone", "a", "__name__", "vcpu_exits_total", "instance", "host1", "vm", "vm-7", NULL};
    static const char *const net_want[] = {
        "__name__", "net_rx_bytes", "dev", "eth0", "instance", "host1", "vm", "default", NULL};
    Prometheus__WriteRequest *req = prometheus__write_request__unpack(NULL, n, data);
    g_assert_nonnull(req);
    g_assert_cmpuint(req->n_timeseries, ==, 2);
    check_labels(req->timeseries[0], cpu_want);
    check_labels(req->timeseries[1], net_want);
    const Prometheus__TimeSeries *cpu = req->timeseries[0], *net = req->timeseries[1];
    g_assert_cmpuint(cpu->n_samples, ==, 3);
    for (gsize i = 0; i < 3; i++) {
        g_assert_cmpint(cpu->samples[i]->timestamp, ==, (gint64)(cpu_ts[i] / 1000000));
        g_assert_true(memcmp(&cpu->samples[i]->value, &cpu_values[i], sizeof(double)) == 0);
    }
    g_assert_cmpint(cpu->samples[2]->timestamp, ==, 1700000402000);
    g_assert_cmpuint(net->n_samples, ==, 1);
    g_assert_cmpint(net->samples[0]->timestamp, ==, 1700000400000);
    g_assert_cmpfloat(net->samples[0]->value, ==, 12345.678);
    prometheus__write_request__free_unpacked(req, NULL);
}

static void
test_golden(void)
{
    g_autoptr(GError) error = NULL;
    /* make check exports top_srcdir; G_TEST_SRCDIR works when run by hand */
    const char *top = g_getenv("top_srcdir");
    g_autofree char *path =
        top && !g_getenv("G_TEST_SRCDIR")
            ? g_build_filename(top, "tests", "export", "write-request.golden", NULL)
            : g_test_build_filename(G_TEST_DIST, "write-request.golden", NULL);
    g_autoptr(GBytes) got =
        rondo_remote_write_encode(fixed_input, G_N_ELEMENTS(fixed_input), extra, &error);
    g_assert_no_error(error);
    gsize n = 0;
    const guint8 *data = g_bytes_get_data(got, &n);
    check_decoded(data, n);

    if (g_getenv("RONDO_UPDATE_GOLDEN")) {
        g_file_set_contents(path, (const char *)data, (gssize)n, &error);
        g_assert_no_error(error);
    }
    g_autofree char *want = NULL;
    gsize want_n = 0;
    g_file_get_contents(path, &want, &want_n, &error);
    g_assert_no_error(error);
    g_assert_cmpmem(data, n, want, want_n);
    /* The first bytes by hand: field 1 (timeseries), wire type 2, a length,
     * then field 1 (labels), wire type 2. */
    g_assert_cmphex(data[0], ==, 0x0a);
    g_assert_cmphex(data[2], ==, 0x0a);
}

static void
test_deterministic(void)
{
    g_autoptr(GBytes) a = rondo_remote_write_encode(fixed_input, 2, extra, NULL);
    g_autoptr(GBytes) b = rondo_remote_write_encode(fixed_input, 2, extra, NULL);
    g_assert_true(g_bytes_equal(a, b));
    g_autoptr(GBytes) empty = rondo_remote_write_encode(NULL, 0, NULL, NULL);
    g_assert_cmpuint(g_bytes_get_size(empty), ==, 0);
}

/* A series without samples (found by fuzz-remote-write: it pointed into an
 * empty sample array, undefined behaviour) encodes as a series of none. */
static void
test_no_samples(void)
{
    static const RondoExportSeries series[] = {
        {.name = "idle"},
        {.name = "busy", .timestamps_ns = cpu_ts, .values = cpu_values, .n_samples = 1},
    };
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) b = rondo_remote_write_encode(series, 2, NULL, &error);
    g_assert_no_error(error);
    gsize n = 0;
    const guint8 *data = g_bytes_get_data(b, &n);
    Prometheus__WriteRequest *req = prometheus__write_request__unpack(NULL, n, data);
    g_assert_nonnull(req);
    g_assert_cmpuint(req->n_timeseries, ==, 2);
    g_assert_cmpuint(req->timeseries[0]->n_samples, ==, 0);
    g_assert_cmpuint(req->timeseries[1]->n_samples, ==, 1);
    prometheus__write_request__free_unpacked(req, NULL);
}

/* Metadata: one MetricMetadata per entry with prompb's type numbers; an
 * unnamed family is refused. */
static void
test_metadata(void)
{
    static const RondoExportSeries series[] = {
        {.name = "busy", .timestamps_ns = cpu_ts, .values = cpu_values, .n_samples = 1},
    };
    static const RondoExportMetadata md[] = {
        {"busy_seconds_total", RONDO_SERIES_COUNTER, "seconds", "CPU time"},
        {"mem_bytes", RONDO_SERIES_GAUGE, NULL, NULL},
        {"plain", RONDO_SERIES_UNKNOWN, "", "said"},
    };
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) b = rondo_remote_write_encode_full(series, 1, md, 3, NULL, &error);
    g_assert_no_error(error);
    gsize n = 0;
    const guint8 *data = g_bytes_get_data(b, &n);
    Prometheus__WriteRequest *req = prometheus__write_request__unpack(NULL, n, data);
    g_assert_nonnull(req);
    g_assert_cmpuint(req->n_timeseries, ==, 1);
    g_assert_cmpuint(req->n_metadata, ==, 3);
    g_assert_cmpint(req->metadata[0]->type, ==, 1); /* COUNTER in prompb */
    g_assert_cmpstr(req->metadata[0]->metric_family_name, ==, "busy_seconds_total");
    g_assert_cmpstr(req->metadata[0]->unit, ==, "seconds");
    g_assert_cmpstr(req->metadata[0]->help, ==, "CPU time");
    g_assert_cmpint(req->metadata[1]->type, ==, 2); /* GAUGE */
    g_assert_cmpstr(req->metadata[1]->unit, ==, "");
    g_assert_cmpint(req->metadata[2]->type, ==, 0);
    prometheus__write_request__free_unpacked(req, NULL);

    const RondoExportMetadata unnamed = {"", RONDO_SERIES_GAUGE, NULL, NULL};
    g_assert_null(rondo_remote_write_encode_full(series, 1, &unnamed, 1, NULL, &error));
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_INVALID);
}

static void
expect_invalid(const RondoExportSeries *s, const char *const *extra_labels)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) b = rondo_remote_write_encode(s, 1, extra_labels, &error);
    g_assert_null(b);
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_INVALID);
}

static void
test_invalid(void)
{
    static const guint64 ts[] = {T0_NS, T0_NS + 1000, T0_NS - S};
    static const double v[] = {1, 2, 3};
    static const char *const dup[] = {"__name__", "x", NULL};
    static const char *const bad_name[] = {"0abc", "x", NULL};
    static const char *const no_value[] = {"a", NULL};
    static const char *const bad_extra[] = {"a-b", "x", NULL};

    expect_invalid(&(RondoExportSeries){"m", dup, ts, v, 1}, NULL);
    expect_invalid(&(RondoExportSeries){"m", bad_name, ts, v, 1}, NULL);
    expect_invalid(&(RondoExportSeries){"m", no_value, ts, v, 1}, NULL);
    expect_invalid(&(RondoExportSeries){"m", NULL, ts, v, 1}, bad_extra);
    expect_invalid(&(RondoExportSeries){"", NULL, ts, v, 1}, NULL);
    /* the same millisecond twice, then going back in time */
    expect_invalid(&(RondoExportSeries){"m", NULL, ts, v, 2}, NULL);
    expect_invalid(&(RondoExportSeries){"m", NULL, &ts[1], &v[1], 2}, NULL);
}

static void
test_exporter_settings(void)
{
    g_autoptr(GError) error = NULL;
    /* only http and https, with a host, refused at once with a clear message */
    const char *const not_http[] = {"ftp://x/", "file:///etc/passwd", "gopher://h/",
                                    "unix:/run/x.sock", "h:9090/api/v1/write"};
    for (gsize i = 0; i < G_N_ELEMENTS(not_http); i++) {
        g_assert_null(rondo_exporter_new(not_http[i], &error));
        g_assert_error(error, RONDO_ERROR, RONDO_ERROR_INVALID);
        g_assert_nonnull(strstr(error->message, "is not an http:// or https:// URL"));
        g_clear_error(&error);
    }
    const char *const malformed[] = {"http://",       "https://", "http:///api/v1/write",
                                     "http://[::1/x", "",         NULL};
    for (gsize i = 0; i < G_N_ELEMENTS(malformed); i++) {
        g_assert_null(rondo_exporter_new(malformed[i], &error));
        g_assert_error(error, RONDO_ERROR, RONDO_ERROR_INVALID);
        g_clear_error(&error);
    }
    RondoExporter *tls = rondo_exporter_new("https://h.invalid/api/v1/write", &error);
    g_assert_no_error(error);
    rondo_exporter_free(tls);

    g_autoptr(RondoExporter) e = rondo_exporter_new("http://127.0.0.1:1/api/v1/write", &error);
    g_assert_no_error(error);
    g_assert_true(rondo_exporter_add_label(e, "instance", "h1", &error));
    g_assert_false(rondo_exporter_add_label(e, "instance", "h2", NULL)); /* repeated */
    g_assert_false(rondo_exporter_add_label(e, "__name__", "x", NULL));
    g_assert_false(rondo_exporter_add_label(e, "vm", "", NULL));
    g_assert_false(rondo_exporter_add_label(e, "a.b", "x", NULL));
    g_assert_false(rondo_exporter_set_batch(e, 0, 1 << 20, NULL));
    g_assert_false(rondo_exporter_set_batch(e, 100, 100, NULL));
    g_assert_true(rondo_exporter_set_batch(e, 100, 1 << 20, NULL));
    g_assert_false(rondo_exporter_set_retry(e, 0, 1, 1, 1, NULL));
    g_assert_false(rondo_exporter_set_retry(e, 3, 100, 10, 1, NULL));
    g_assert_true(rondo_exporter_set_timeouts(e, 10, 10, NULL));
    rondo_exporter_set_basic_auth(e, "u", "p");
    rondo_exporter_set_bearer_token(e, "t");
    rondo_exporter_set_bearer_token(e, NULL);
    g_assert_null(rondo_exporter_get_last_message(e));
}

/* The domain's name, as GError users (and logs) see it. */
static void
test_error_domain(void)
{
    g_assert_cmpstr(g_quark_to_string(RONDO_EXPORT_ERROR), ==, "rondo-export-error-quark");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/export/encode/golden", test_golden);
    g_test_add_func("/export/encode/deterministic", test_deterministic);
    g_test_add_func("/export/encode/no-samples", test_no_samples);
    g_test_add_func("/export/encode/invalid", test_invalid);
    g_test_add_func("/export/encode/metadata", test_metadata);
    g_test_add_func("/export/exporter/settings", test_exporter_settings);
    g_test_add_func("/export/error-domain", test_error_domain);
    return g_test_run();
}
