/* test-delivery.c - the exporter's delivery guarantees against a fake
 * receiver that fails on request: down, 5xx, 429 with Retry-After, slow,
 * 400, 401, a consumer that falls behind, cancellation, metadata, and the exporting
 * process killed with SIGKILL mid-export then restarted.
 *
 * The invariant checked after every scenario: every point of a complete
 * slot that the receiver accepted (2xx) is there with its exact value and
 * timestamp, nothing else is, and duplicates stay within one batch.
 */
#include "config.h"
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <gio/gio.h>
#include "fake-receiver.h"
#include "../testutil.h"
#include "rondo-export.h"

#define CONSUMER "test"

typedef struct {
    TestDir *dir;
    RondoStore *store;
    FakeReceiver *rx;
    guint n_series;
} Fixture;

static double
point_value(guint series, guint64 t)
{
    return series * 1000.0 + (double)((t - TEST_T0) / RONDO_NS_PER_S) + 0.25;
}

/* Records @seconds seconds from @from for every series; the last slot stays
 * the head, incomplete, so it is not drained. */
static void
write_points(Fixture *f, guint64 from, guint seconds)
{
    for (guint k = 0; k < seconds; k++) {
        guint64 t = from + k * RONDO_NS_PER_S;
        for (guint i = 0; i < f->n_series; i++)
            rondo_series_record(rondo_store_get_series(f->store, i), point_value(i, t), t);
    }
}

static void
fixture_setup(Fixture *f, guint n_series)
{
    f->dir = test_tmp_dir();
    f->store = test_store_new_preset(f->dir, 64);
    f->n_series = n_series;
    for (guint i = 0; i < n_series; i++)
        test_series(f->store, "rondo_test_metric", i);
    f->rx = fake_receiver_new();
}

static void
fixture_setup_n(Fixture *f, gconstpointer n_series)
{
    fixture_setup(f, GPOINTER_TO_UINT(n_series));
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
    fake_receiver_free(f->rx);
    rondo_store_close(f->store);
    test_tmp_free(f->dir);
}

static RondoExporter *
exporter_new(Fixture *f, guint batch)
{
    g_autoptr(GError) error = NULL;
    RondoExporter *e = rondo_exporter_new(fake_receiver_url(f->rx), &error);
    g_assert_no_error(error);
    g_assert_true(rondo_exporter_set_batch(e, batch, 4 << 20, &error));
    g_assert_true(rondo_exporter_set_timeouts(e, 1000, 2000, &error));
    g_assert_true(rondo_exporter_set_retry(e, 4, 10, 50, 5000, &error));
    return e;
}

/* Every point of a complete tier-0 slot: "key@ms" -> value. */
static GHashTable *
expected_points(Fixture *f)
{
    GHashTable *want = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    guint64 head = rondo_store_get_head_ns(f->store, 0, 0);
    for (guint i = 0; i < f->n_series; i++) {
        RondoSeries *s = rondo_store_get_series(f->store, i);
        RondoQueryIter it;
        guint64 t;
        double v;
        g_assert_true(
            rondo_query_iter_init(&it, f->store, s, 0, RONDO_CF_AVERAGE, 0, head - 1, NULL));
        while (rondo_query_iter_next(&it, &t, &v)) {
            char *key =
                g_strdup_printf("rondo_test_metric{id=%u}@%" G_GUINT64_FORMAT, i, t / 1000000);
            g_hash_table_insert(want, key, g_memdup2(&v, sizeof v));
        }
    }
    return want;
}

/* Asserts the receiver holds exactly the store's complete points; returns
 * how many duplicates it received. */
static guint
check_received(Fixture *f)
{
    g_autoptr(GHashTable) want = expected_points(f);
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    GArray *got = fake_receiver_samples(f->rx);
    guint dups = 0;
    for (guint i = 0; i < got->len; i++) {
        FakeSample *s = &g_array_index(got, FakeSample, i);
        char *key = g_strdup_printf("%s@%" G_GINT64_FORMAT, s->key, s->timestamp_ms);
        const double *v = g_hash_table_lookup(want, key);
        if (v == NULL)
            g_error("received %s which the store does not hold", key);
        g_assert_cmpfloat(*v, ==, s->value);
        if (!g_hash_table_add(seen, key))
            dups++;
    }
    g_assert_cmpuint(g_hash_table_size(seen), ==, g_hash_table_size(want));
    g_autofree char *violations = fake_receiver_violations(f->rx);
    g_assert_cmpstr(violations, ==, "");
    fake_samples_free(got);
    return dups;
}

static guint64
committed_cursor(Fixture *f)
{
    g_autoptr(RondoDrain) d = rondo_drain_new(f->store, CONSUMER, 0, NULL);
    return rondo_drain_get_cursor_ns(d, 0);
}

static void
push_ok(RondoExporter *e, Fixture *f, RondoExportStats *st)
{
    g_autoptr(GError) error = NULL;
    gboolean ok = rondo_exporter_push(e, f->store, CONSUMER, 0, st, &error);
    g_assert_no_error(error);
    g_assert_true(ok);
}

static void
test_basic(Fixture *f, gconstpointer data)
{
    g_autoptr(RondoExporter) e = exporter_new(f, 2000);
    RondoExportStats st;

    write_points(f, TEST_T0, 100);
    push_ok(e, f, &st);
    g_assert_cmpuint(st.samples_sent, ==, 99 * f->n_series);
    g_assert_cmpuint(st.batches_sent, ==, 1);
    g_assert_cmpuint(st.retries + st.samples_dropped + st.slots_missed, ==, 0);
    g_assert_cmpuint(st.last_timestamp_ns, ==, TEST_T0 + 98 * RONDO_NS_PER_S);
    g_assert_cmpuint(st.last_status, ==, 200);
    g_assert_cmpuint(check_received(f), ==, 0);

    /* The cursor persisted: nothing again; then the new points only. */
    push_ok(e, f, &st);
    g_assert_cmpuint(st.samples_sent, ==, 0);
    write_points(f, TEST_T0 + 100 * RONDO_NS_PER_S, 50);
    push_ok(e, f, &st);
    g_assert_cmpuint(st.samples_sent, ==, 50 * f->n_series);
    g_assert_cmpuint(check_received(f), ==, 0);
    g_assert_cmpuint(fake_receiver_n_requests(f->rx), ==, 2);
    g_autofree char *auth = fake_receiver_last_authorization(f->rx);
    g_assert_null(auth);
    /* the fixture's series are not described: no metadata */
    g_autofree char *md = fake_receiver_metadata(f->rx);
    g_assert_cmpstr(md, ==, "");
}

/* The metadata of a store's described series rides with its first batch,
 * once per family name, and not again within the minute. */
static void
test_metadata(Fixture *f, gconstpointer data)
{
    g_autoptr(RondoExporter) e = exporter_new(f, 2000);
    g_autoptr(GError) error = NULL;
    const char *a[] = {"vm", "a", NULL}, *b[] = {"vm", "b", NULL};
    const RondoSeriesSpec specs[] = {
        {"exits_total", a, RONDO_SERIES_COUNTER, NULL, "VM exits"},
        {"exits_total", b, RONDO_SERIES_COUNTER, NULL, "VM exits"},
        {"rss_bytes", a, RONDO_SERIES_GAUGE, "bytes", "Resident set"},
    };
    RondoSeries *s[3];
    g_assert_true(rondo_store_register_specs(f->store, 3, specs, s, &error));
    g_assert_no_error(error);
    RondoExportStats st;
    for (guint k = 0; k < 10; k++)
        for (guint i = 0; i < 3; i++)
            rondo_series_record(s[i], k, TEST_T0 + k * RONDO_NS_PER_S);
    push_ok(e, f, &st);
    g_assert_cmpuint(st.samples_sent, ==, 27);
    rondo_series_record(s[0], 11, TEST_T0 + 11 * RONDO_NS_PER_S);
    push_ok(e, f, &st);
    g_assert_cmpuint(fake_receiver_n_requests(f->rx), ==, 2);
    g_autofree char *md = fake_receiver_metadata(f->rx);
    g_assert_cmpstr(md, ==, "exits_total 1  VM exits\nrss_bytes 2 bytes Resident set\n");
}

static void
test_batching(Fixture *f, gconstpointer data)
{
    g_autoptr(RondoExporter) e = exporter_new(f, 100);
    RondoExportStats st;

    write_points(f, TEST_T0, 301); /* 300 complete slots of 30 points */
    push_ok(e, f, &st);
    g_assert_cmpuint(st.samples_sent, ==, 9000);
    /* slot-aligned: 3 slots (90 points) per batch of at most 100 */
    g_autoptr(GArray) sizes = fake_receiver_request_sizes(f->rx);
    g_assert_cmpuint(sizes->len, ==, 100);
    for (guint i = 0; i < sizes->len; i++)
        g_assert_cmpuint(g_array_index(sizes, guint, i), ==, 90);
    g_assert_cmpuint(st.batches_sent, ==, 100);
    g_assert_cmpuint(check_received(f), ==, 0);

    /* the byte limit: 4 KiB uncompressed per request */
    g_autoptr(GError) error = NULL;
    g_assert_true(rondo_exporter_set_batch(e, 100000, 4096, &error));
    write_points(f, TEST_T0 + 301 * RONDO_NS_PER_S, 100);
    push_ok(e, f, &st);
    g_assert_cmpuint(st.batches_sent, >, 1);
    g_assert_cmpuint(fake_receiver_max_request_bytes(f->rx), <=, 4096);
    g_assert_cmpuint(check_received(f), ==, 0);
}

static void
test_down(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    /* a port nothing listens on: bound, then closed */
    g_autoptr(GSocket) sock =
        g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
    g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
    g_assert_true(g_socket_bind(sock, any, FALSE, NULL));
    g_autoptr(GSocketAddress) bound = g_socket_get_local_address(sock, NULL);
    guint16 port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
    g_socket_close(sock, NULL);
    g_autofree char *url = g_strdup_printf("http://127.0.0.1:%u/api/v1/write", port);
    g_autoptr(RondoExporter) down = rondo_exporter_new(url, &error);
    g_assert_true(rondo_exporter_set_retry(down, 3, 10, 20, 1000, &error));
    RondoExportStats st;

    write_points(f, TEST_T0, 20);
    guint64 cursor = committed_cursor(f);
    g_assert_false(rondo_exporter_push(down, f->store, CONSUMER, 0, &st, &error));
    g_assert_error(error, RONDO_EXPORT_ERROR, RONDO_EXPORT_ERROR_UNAVAILABLE);
    g_assert_cmpuint(st.retries, ==, 2);
    g_assert_cmpuint(st.samples_sent, ==, 0);
    g_assert_nonnull(rondo_exporter_get_last_message(down));
    g_assert_cmpuint(committed_cursor(f), ==, cursor);

    /* the receiver is back: everything arrives */
    g_autoptr(RondoExporter) e = exporter_new(f, 2000);
    push_ok(e, f, &st);
    g_assert_cmpuint(st.samples_sent, ==, 19 * f->n_series);
    g_assert_cmpuint(check_received(f), ==, 0);
}

static void
test_5xx(Fixture *f, gconstpointer data)
{
    g_autoptr(RondoExporter) e = exporter_new(f, 5);
    RondoExportStats st;

    write_points(f, TEST_T0, 6);
    fake_receiver_script(f->rx, "500,503,200,502");
    push_ok(e, f, &st);
    g_assert_cmpuint(st.retries, ==, 3);
    g_assert_cmpuint(st.batches_sent, ==, 5);
    g_assert_cmpuint(check_received(f), ==, 0);

    /* 5xx until the attempts run out: the cursor stays */
    guint64 cursor = committed_cursor(f);
    write_points(f, TEST_T0 + 6 * RONDO_NS_PER_S, 3);
    fake_receiver_script(f->rx, "500,500,500,500");
    g_autoptr(GError) error = NULL;
    g_assert_false(rondo_exporter_push(e, f->store, CONSUMER, 0, &st, &error));
    g_assert_error(error, RONDO_EXPORT_ERROR, RONDO_EXPORT_ERROR_UNAVAILABLE);
    g_assert_cmpuint(st.retries, ==, 3);
    g_assert_cmpuint(committed_cursor(f), ==, cursor);
    g_assert_nonnull(g_strstr_len(rondo_exporter_get_last_message(e), -1, "500"));
    push_ok(e, f, &st);
    g_assert_cmpuint(check_received(f), ==, 0);
}

/* Records 5 s from @from and pushes them past the first answer of
 * @script, which asks to wait at least a second (backoff: 10 to 50 ms). */
static void
push_after_retry_after(RondoExporter *e, Fixture *f, guint64 from, const char *script)
{
    RondoExportStats st;
    write_points(f, from, 5);
    fake_receiver_script(f->rx, script);
    gint64 start = g_get_monotonic_time();
    push_ok(e, f, &st);
    g_assert_cmpint(g_get_monotonic_time() - start, >=, G_TIME_SPAN_SECOND);
    g_assert_cmpuint(st.retries, ==, 1);
    g_assert_cmpuint(check_received(f), ==, 0);
}

static void
test_429(Fixture *f, gconstpointer data)
{
    g_autoptr(RondoExporter) e = exporter_new(f, 2000);
    RondoExportStats st;

    push_after_retry_after(e, f, TEST_T0, "429:1");
    /* an HTTP-date of whole seconds: 2 s from now is more than 1 s away */
    push_after_retry_after(e, f, TEST_T0 + 5 * RONDO_NS_PER_S, "503@2");

    /* a Retry-After beyond the budget ends the push at once */
    g_autoptr(GError) error = NULL;
    g_assert_true(rondo_exporter_set_retry(e, 5, 10, 50, 500, &error));
    write_points(f, TEST_T0 + 10 * RONDO_NS_PER_S, 5);
    fake_receiver_script(f->rx, "429:30");
    gint64 start = g_get_monotonic_time();
    g_assert_false(rondo_exporter_push(e, f->store, CONSUMER, 0, &st, &error));
    g_assert_error(error, RONDO_EXPORT_ERROR, RONDO_EXPORT_ERROR_UNAVAILABLE);
    g_assert_cmpint(g_get_monotonic_time() - start, <, G_TIME_SPAN_SECOND);
    g_assert_cmpuint(st.last_status, ==, 429);
}

static void
test_slow(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(RondoExporter) e = exporter_new(f, 2000);
    g_assert_true(rondo_exporter_set_timeouts(e, 1000, 200, &error));
    RondoExportStats st;

    write_points(f, TEST_T0, 10);
    fake_receiver_script(f->rx, "slow:1500");
    push_ok(e, f, &st);
    g_assert_cmpuint(st.retries, ==, 1);
    g_usleep(1500 * 1000); /* let the slow answer land: a duplicate, accepted */
    g_assert_cmpuint(check_received(f), <=, 2000);
}

/* A receiver that takes the request and never answers: the request
 * timeout covers the whole request, each attempt ends in it. */
static void
test_hang(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(RondoExporter) e = exporter_new(f, 2000);
    g_assert_true(rondo_exporter_set_timeouts(e, 1000, 300, &error));
    g_assert_true(rondo_exporter_set_retry(e, 2, 10, 20, 1000, &error));
    RondoExportStats st;

    write_points(f, TEST_T0, 5);
    guint64 cursor = committed_cursor(f);
    fake_receiver_script(f->rx, "hang,hang");
    gint64 start = g_get_monotonic_time();
    g_assert_false(rondo_exporter_push(e, f->store, CONSUMER, 0, &st, &error));
    gint64 took = g_get_monotonic_time() - start;
    g_assert_error(error, RONDO_EXPORT_ERROR, RONDO_EXPORT_ERROR_UNAVAILABLE);
    g_assert_cmpint(took, >=, 2 * 300 * G_TIME_SPAN_MILLISECOND);
    g_assert_cmpint(took, <, 3 * G_TIME_SPAN_SECOND);
    g_assert_cmpuint(st.retries, ==, 1);
    g_assert_cmpuint(st.last_status, ==, 0);
    g_assert_cmpstr(rondo_exporter_get_last_message(e), ==, "request timed out after 300 ms");
    g_assert_cmpuint(committed_cursor(f), ==, cursor);
    g_assert_cmpuint(fake_receiver_n_requests(f->rx), ==, 2);

    g_clear_error(&error);
    push_ok(e, f, &st);
    g_assert_cmpuint(check_received(f), ==, 0);
}

/* A port whose accept queue is full: a new connection is never
 * established (the SYN is dropped), so only the connect timeout ends it. */
static GSocket *
listen_full(guint16 *ret_port, GSocket **ret_queued)
{
    g_autoptr(GError) error = NULL;
    GSocket *l =
        g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
    g_assert_no_error(error);
    g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
    g_assert_true(g_socket_bind(l, any, FALSE, &error));
    g_socket_set_listen_backlog(l, 0);
    g_assert_true(g_socket_listen(l, &error));
    g_autoptr(GSocketAddress) bound = g_socket_get_local_address(l, &error);
    *ret_port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
    for (guint i = 0; i < 2; i++) { /* a backlog of 0 still queues one */
        ret_queued[i] =
            g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
        g_socket_set_blocking(ret_queued[i], FALSE);
        g_socket_connect(ret_queued[i], bound, NULL, NULL); /* in progress, or done */
    }
    g_usleep(100 * 1000);
    return l;
}

static void
test_connect_timeout(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    GSocket *queued[2];
    guint16 port = 0;
    GSocket *l = listen_full(&port, queued);
    g_autofree char *url = g_strdup_printf("http://127.0.0.1:%u/api/v1/write", port);
    g_autoptr(RondoExporter) e = rondo_exporter_new(url, &error);
    g_assert_true(rondo_exporter_set_timeouts(e, 300, 20000, &error));
    g_assert_true(rondo_exporter_set_retry(e, 1, 10, 20, 1000, &error));
    RondoExportStats st;

    write_points(f, TEST_T0, 5);
    gint64 start = g_get_monotonic_time();
    g_assert_false(rondo_exporter_push(e, f->store, CONSUMER, 0, &st, &error));
    g_assert_error(error, RONDO_EXPORT_ERROR, RONDO_EXPORT_ERROR_UNAVAILABLE);
    g_assert_cmpint(g_get_monotonic_time() - start, <, 3 * G_TIME_SPAN_SECOND);
    g_assert_cmpstr(rondo_exporter_get_last_message(e), ==, "connection timed out after 300 ms");
    for (guint i = 0; i < 2; i++)
        g_object_unref(queued[i]);
    g_object_unref(l); /* listening until here: the queue stays full */
}

static void
test_400(Fixture *f, gconstpointer data)
{
    g_autoptr(RondoExporter) e = exporter_new(f, 30);
    RondoExportStats st;

    write_points(f, TEST_T0, 4); /* 3 batches of one slot */
    fake_receiver_script(f->rx, "200,400");
    push_ok(e, f, &st);
    g_assert_cmpuint(st.batches_sent, ==, 2);
    g_assert_cmpuint(st.batches_dropped, ==, 1);
    g_assert_cmpuint(st.samples_dropped, ==, f->n_series);
    g_assert_cmpuint(st.retries, ==, 0);
    g_assert_cmpstr(rondo_exporter_get_last_message(e), ==, "HTTP 400: fake receiver says 400");
    /* the cursor moved past the dropped batch: nothing is sent again */
    push_ok(e, f, &st);
    g_assert_cmpuint(st.samples_sent + st.samples_dropped, ==, 0);
    g_assert_cmpuint(fake_receiver_n_requests(f->rx), ==, 3);
    GArray *got = fake_receiver_samples(f->rx);
    g_assert_cmpuint(got->len, ==, 2 * f->n_series);
    fake_samples_free(got);
}

static void
test_401(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(RondoExporter) e = exporter_new(f, 2000);
    RondoExportStats st;

    write_points(f, TEST_T0, 4);
    guint64 cursor = committed_cursor(f);
    rondo_exporter_set_bearer_token(e, "s3cret");
    fake_receiver_script(f->rx, "401");
    g_assert_false(rondo_exporter_push(e, f->store, CONSUMER, 0, &st, &error));
    g_assert_error(error, RONDO_EXPORT_ERROR, RONDO_EXPORT_ERROR_REFUSED);
    g_assert_cmpuint(committed_cursor(f), ==, cursor);
    g_autofree char *bearer = fake_receiver_last_authorization(f->rx);
    g_assert_cmpstr(bearer, ==, "Bearer s3cret");

    rondo_exporter_set_basic_auth(e, "user", "pass");
    push_ok(e, f, &st);
    g_autofree char *basic = fake_receiver_last_authorization(f->rx);
    g_assert_cmpstr(basic, ==, "Basic dXNlcjpwYXNz");
    g_assert_cmpuint(check_received(f), ==, 0);
}

/* Records one more second and pushes it: the Authorization header received. */
static char *
auth_received(RondoExporter *e, Fixture *f, guint second)
{
    RondoExportStats st;
    write_points(f, TEST_T0 + second * RONDO_NS_PER_S, 1);
    push_ok(e, f, &st);
    g_assert_cmpuint(st.samples_sent, >, 0);
    return fake_receiver_last_authorization(f->rx);
}

/* Bearer and basic replace each other, and NULL removes either. */
static void
test_auth(Fixture *f, gconstpointer data)
{
    g_autoptr(RondoExporter) e = exporter_new(f, 2000);
    guint t = 1;
    write_points(f, TEST_T0, 1);

    rondo_exporter_set_basic_auth(e, "user", "pass");
    rondo_exporter_set_bearer_token(e, "t0k.en");
    g_autofree char *bearer = auth_received(e, f, t++);
    g_assert_cmpstr(bearer, ==, "Bearer t0k.en");
    rondo_exporter_set_basic_auth(e, "user", "pass");
    g_autofree char *basic = auth_received(e, f, t++);
    g_assert_cmpstr(basic, ==, "Basic dXNlcjpwYXNz");
    rondo_exporter_set_basic_auth(e, "user", NULL);
    g_autofree char *no_password = auth_received(e, f, t++);
    g_assert_cmpstr(no_password, ==, "Basic dXNlcjo="); /* "user:" */
    rondo_exporter_set_basic_auth(e, NULL, "pass");
    g_autofree char *cleared_basic = auth_received(e, f, t++);
    g_assert_null(cleared_basic);
    rondo_exporter_set_bearer_token(e, "t0k.en");
    rondo_exporter_set_bearer_token(e, NULL);
    g_autofree char *cleared_bearer = auth_received(e, f, t++);
    g_assert_null(cleared_bearer);

    /* credentials in the URL are basic auth, from the first request on */
    g_autoptr(GError) error = NULL;
    g_autofree char *url = g_strdup(fake_receiver_url(f->rx));
    g_autofree char *with_user = g_strdup_printf("http://us%%65r:p%%40ss@%s", url + 7);
    g_autoptr(RondoExporter) in_url = rondo_exporter_new(with_user, &error);
    g_assert_no_error(error);
    g_autofree char *from_url = auth_received(in_url, f, t++);
    g_assert_cmpstr(from_url, ==, "Basic dXNlcjpwQHNz"); /* "user:p@ss" */
    g_assert_cmpuint(check_received(f), ==, 0);
}

/* Batches, pushes and a retry after a 503 all go over one connection. */
static void
test_keepalive(Fixture *f, gconstpointer data)
{
    g_autoptr(RondoExporter) e = exporter_new(f, 5); /* a slot per batch */
    RondoExportStats st;

    write_points(f, TEST_T0, 4);
    fake_receiver_script(f->rx, "200,503");
    push_ok(e, f, &st);
    g_assert_cmpuint(st.batches_sent, ==, 3);
    write_points(f, TEST_T0 + 4 * RONDO_NS_PER_S, 2);
    push_ok(e, f, &st);
    g_assert_cmpuint(fake_receiver_n_requests(f->rx), ==, 6);
    g_assert_cmpuint(fake_receiver_n_connections(f->rx), ==, 1);
    g_assert_cmpuint(check_received(f), ==, 0);

    /* another exporter: a connection of its own */
    g_autoptr(RondoExporter) other = exporter_new(f, 5);
    write_points(f, TEST_T0 + 6 * RONDO_NS_PER_S, 1);
    push_ok(other, f, &st);
    g_assert_cmpuint(fake_receiver_n_connections(f->rx), ==, 2);
}

/* http_proxy sends the request through the proxy (the fake receiver
 * answers an absolute URI too); no_proxy names the hosts that bypass it. */
static void
test_proxy(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    const char *rx = fake_receiver_url(f->rx);
    g_autofree char *proxy = g_strndup(rx, strstr(rx, "/api/") - rx);
    const char *url = "http://rondo-proxy-test.invalid/api/v1/write"; /* never resolves */
    RondoExportStats st;
    write_points(f, TEST_T0, 3);

    g_setenv("http_proxy", proxy, TRUE);
    g_setenv("no_proxy", "example.com", TRUE);
    g_autoptr(RondoExporter) e = rondo_exporter_new(url, &error);
    push_ok(e, f, &st);
    g_assert_cmpuint(st.samples_sent, ==, 2 * f->n_series);
    g_assert_cmpuint(check_received(f), ==, 0);

    g_setenv("no_proxy", "localhost, .invalid", TRUE);
    g_autoptr(RondoExporter) direct = rondo_exporter_new(url, &error);
    g_assert_true(rondo_exporter_set_retry(direct, 1, 10, 20, 1000, &error));
    write_points(f, TEST_T0 + 3 * RONDO_NS_PER_S, 1);
    g_assert_false(rondo_exporter_push(direct, f->store, CONSUMER, 0, &st, &error));
    g_assert_error(error, RONDO_EXPORT_ERROR, RONDO_EXPORT_ERROR_UNAVAILABLE);
    g_unsetenv("http_proxy");
    g_unsetenv("no_proxy");
    g_assert_cmpuint(fake_receiver_n_requests(f->rx), ==, 1);
}

static void
test_labels(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(RondoExporter) e = exporter_new(f, 2000);
    RondoExportStats st;

    g_assert_true(rondo_exporter_add_label(e, "vm", "vm-1", &error));
    g_assert_true(rondo_exporter_add_label(e, "instance", "host", &error));
    write_points(f, TEST_T0, 3);
    push_ok(e, f, &st);
    GArray *got = fake_receiver_samples(f->rx);
    g_assert_cmpuint(got->len, ==, 2 * f->n_series);
    for (guint i = 0; i < got->len; i++) {
        const char *key = g_array_index(got, FakeSample, i).key;
        g_assert_true(g_str_has_prefix(key, "rondo_test_metric{id="));
        g_assert_true(g_str_has_suffix(key, ",instance=host,vm=vm-1}"));
    }
    fake_samples_free(got);
}

static void
test_missed(Fixture *f, gconstpointer data)
{
    g_autoptr(RondoExporter) e = exporter_new(f, 2000);
    RondoExportStats st;

    write_points(f, TEST_T0, 10);
    push_ok(e, f, &st);
    g_assert_cmpuint(st.slots_missed, ==, 0);
    /* 1000 s more: tier 0 keeps 600 slots, so ~400 slot times were lost */
    write_points(f, TEST_T0 + 10 * RONDO_NS_PER_S, 1000);
    push_ok(e, f, &st);
    g_assert_cmpuint(st.slots_missed, ==, 1010 - 600 - 9);
    g_assert_cmpuint(st.samples_sent, ==, 599 * f->n_series);
    g_autoptr(RondoDrain) d = rondo_drain_new(f->store, CONSUMER, 0, NULL);
    g_assert_cmpuint(rondo_drain_get_missed_total(d), ==, 1010 - 600 - 9);
}

static gpointer
cancel_later(gpointer data)
{
    g_usleep(200 * 1000);
    rondo_exporter_cancel(data);
    return NULL;
}

/* Pushes 5 s of points against @script while another thread cancels after
 * 200 ms: the push stops within @within_s, after @retries, and keeps the
 * cursor; once reset, the next push delivers. */
static void
push_cancelled(RondoExporter *e, Fixture *f, const char *script, gint64 within_s, guint retries)
{
    g_autoptr(GError) error = NULL;
    RondoExportStats st;

    write_points(f, TEST_T0, 5);
    fake_receiver_script(f->rx, script);
    guint64 cursor = committed_cursor(f);
    GThread *t = g_thread_new("cancel", cancel_later, e);
    gint64 start = g_get_monotonic_time();
    g_assert_false(rondo_exporter_push(e, f->store, CONSUMER, 0, &st, &error));
    g_assert_error(error, RONDO_EXPORT_ERROR, RONDO_EXPORT_ERROR_CANCELLED);
    g_assert_cmpint(g_get_monotonic_time() - start, <, within_s * G_TIME_SPAN_SECOND);
    g_thread_join(t);
    g_assert_cmpuint(fake_receiver_n_requests(f->rx), ==, 1);
    g_assert_cmpuint(st.retries, ==, retries);
    g_assert_cmpuint(committed_cursor(f), ==, cursor);
    rondo_exporter_reset_cancel(e);

    push_ok(e, f, &st);
    g_assert_cmpuint(check_received(f), ==, 0);
}

/* Cancelled in a retry wait of a minute. */
static void
test_cancel(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(RondoExporter) e = exporter_new(f, 2000);
    g_assert_true(rondo_exporter_set_retry(e, 10, 60000, 60000, 600000, &error));
    push_cancelled(e, f, "503", 5, 1);
}

/* Cancelled while the receiver holds the request: the post itself stops. */
static void
test_cancel_in_flight(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(RondoExporter) e = exporter_new(f, 2000);
    g_assert_true(rondo_exporter_set_timeouts(e, 1000, 60000, &error));
    push_cancelled(e, f, "hang", 2, 0);
}

/* ------------------------------------------------------------- SIGKILL */

static GPid
spawn_pusher(Fixture *f, guint batch)
{
    const char *top = g_getenv("top_builddir");
    g_autofree char *fixture =
        g_build_filename(top ? top : ".", "tests", "export", "export-fixture", NULL);
    g_autofree char *batch_arg = g_strdup_printf("--batch=%u", batch);
    const char *argv[] = {
        fixture, "push", f->dir, fake_receiver_url(f->rx), batch_arg, "--consumer=" CONSUMER, NULL};
    g_autoptr(GError) error = NULL;
    GPid pid = 0;
    g_spawn_async(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
                  NULL, NULL, &pid, &error);
    g_assert_no_error(error);
    return pid;
}

static int
wait_pusher(GPid pid)
{
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        g_assert_cmpint(errno, ==, EINTR);
    g_spawn_close_pid(pid);
    return status;
}

/* The receiver accepts a batch and kills the sender before it hears 2xx. */
static void
test_kill_in_answer(Fixture *f, gconstpointer data)
{
    const guint batch = 300;
    write_points(f, TEST_T0, 400);
    GPid pid = spawn_pusher(f, batch);
    fake_receiver_set_kill_pid(f->rx, pid);
    fake_receiver_script(f->rx, "200,200,kill");
    int status = wait_pusher(pid);
    g_assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

    pid = spawn_pusher(f, batch);
    status = wait_pusher(pid);
    g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    guint dups = check_received(f);
    g_assert_cmpuint(dups, ==, 300); /* exactly the batch it never heard of */
}

/* Killed at a random moment while batches flow (seeded: replays). */
static void
test_kill_anytime(Fixture *f, gconstpointer data)
{
    const guint batch = 300;
    write_points(f, TEST_T0, 590);
    fake_receiver_set_latency(f->rx, 20);
    for (guint round = 0; round < 3; round++) {
        GPid pid = spawn_pusher(f, batch);
        g_usleep((gulong)g_test_rand_int_range(50, 600) * 1000);
        kill(pid, SIGKILL);
        wait_pusher(pid);
    }
    GPid pid = spawn_pusher(f, batch);
    int status = wait_pusher(pid);
    g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    guint dups = check_received(f);
    g_test_message("duplicates after 3 kills: %u", dups);
    g_assert_cmpuint(dups, <=, 3 * batch); /* at most one batch per kill */
}

/* ------------------------------------------------------ several sources */

#define N_SOURCES 3

/* Stores beside the fixture's: source 0 is f->store, 1 and 2 are new. */
typedef struct {
    RondoStore *stores[N_SOURCES];
    RondoDrain *drains[N_SOURCES];
    RondoExportSource src[N_SOURCES];
    const char *labels[N_SOURCES][3];
} Sources;

static const char *const source_names[N_SOURCES] = {"a", "b", "c"};

static void
sources_create(Fixture *f, Sources *s)
{
    g_autofree char *base = g_path_get_dirname(f->dir);
    memset(s, 0, sizeof *s);
    s->stores[0] = f->store;
    for (guint k = 1; k < N_SOURCES; k++) {
        g_autofree char *dir = g_strdup_printf("%s/store%u", base, k);
        s->stores[k] = test_store_new_preset(dir, 64);
        for (guint i = 0; i < f->n_series; i++)
            test_series(s->stores[k], "rondo_test_metric", i);
    }
}

/* Fresh drains (the committed cursors) and sources labelled store=a, b, c. */
static void
sources_prepare(Sources *s)
{
    for (guint k = 0; k < N_SOURCES; k++) {
        g_autoptr(GError) error = NULL;
        g_clear_pointer(&s->drains[k], rondo_drain_free);
        g_clear_error(&s->src[k].error);
        g_clear_pointer(&s->src[k].message, g_free);
        s->drains[k] = rondo_drain_new(s->stores[k], CONSUMER, 0, &error);
        g_assert_no_error(error);
        s->labels[k][0] = "store";
        s->labels[k][1] = source_names[k];
        s->src[k] = (RondoExportSource){.drain = s->drains[k], .labels = s->labels[k]};
    }
}

static void
sources_close(Sources *s)
{
    for (guint k = 0; k < N_SOURCES; k++) {
        g_clear_pointer(&s->drains[k], rondo_drain_free);
        g_clear_error(&s->src[k].error);
        g_clear_pointer(&s->src[k].message, g_free);
        if (k > 0)
            rondo_store_close(s->stores[k]);
    }
}

static void
sources_write(Fixture *f, Sources *s, guint64 from, guint seconds)
{
    RondoStore *own = f->store;
    for (guint k = 0; k < N_SOURCES; k++) {
        f->store = s->stores[k];
        write_points(f, from, seconds);
    }
    f->store = own;
}

/* Opens the sources with @seconds recorded from TEST_T0, ready to push. */
static void
sources_open(Fixture *f, Sources *s, guint seconds)
{
    sources_create(f, s);
    sources_write(f, s, TEST_T0, seconds);
    sources_prepare(s);
}

/* How many samples the receiver holds of source @k, checking each value. */
static guint
sources_received(Fixture *f, Sources *s, guint k)
{
    RondoStore *own = f->store;
    f->store = s->stores[k];
    g_autoptr(GHashTable) want = expected_points(f);
    f->store = own;
    g_autofree char *suffix = g_strdup_printf(",store=%s}", source_names[k]);
    GArray *got = fake_receiver_samples(f->rx);
    guint n = 0;
    for (guint i = 0; i < got->len; i++) {
        FakeSample *x = &g_array_index(got, FakeSample, i);
        if (!g_str_has_suffix(x->key, suffix))
            continue;
        g_autofree char *plain = g_strndup(x->key, strlen(x->key) - strlen(suffix));
        g_autofree char *key = g_strdup_printf("%s}@%" G_GINT64_FORMAT, plain, x->timestamp_ms);
        const double *v = g_hash_table_lookup(want, key);
        if (v == NULL)
            g_error("received %s of source %u, which its store does not hold", key, k);
        g_assert_cmpfloat(*v, ==, x->value);
        n++;
    }
    fake_samples_free(got);
    return n;
}

static guint64
source_cursor(Sources *s, guint k)
{
    g_autoptr(RondoDrain) d = rondo_drain_new(s->stores[k], CONSUMER, 0, NULL);
    return rondo_drain_get_cursor_ns(d, 0);
}

/* Three small stores go in one request, each with its own label; each
 * cursor is committed; a source with a bad label fails alone. */
static void
test_sources(Fixture *f, gconstpointer data)
{
    g_autoptr(RondoExporter) e = exporter_new(f, 2000);
    g_autoptr(GError) error = NULL;
    Sources s;

    sources_open(f, &s, 11); /* 10 complete slots of 5 points each */
    g_assert_true(rondo_exporter_push_sources(e, s.src, N_SOURCES, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(fake_receiver_n_requests(f->rx), ==, 1);
    for (guint k = 0; k < N_SOURCES; k++) {
        const RondoExportStats *st = &s.src[k].stats;
        g_assert_null(s.src[k].error);
        g_assert_cmpuint(st->samples_sent, ==, 10 * f->n_series);
        g_assert_cmpuint(st->batches_sent, ==, 1);
        g_assert_cmpuint(st->last_status, ==, 200);
        g_assert_cmpuint(st->last_timestamp_ns, ==, TEST_T0 + 9 * RONDO_NS_PER_S);
        g_assert_cmpuint(sources_received(f, &s, k), ==, 10 * f->n_series);
        g_assert_cmpuint(source_cursor(&s, k), ==, TEST_T0 + 10 * RONDO_NS_PER_S);
    }
    g_autofree char *violations = fake_receiver_violations(f->rx);
    g_assert_cmpstr(violations, ==, "");

    /* the cursors hold: nothing again; a bad label fails its source only */
    sources_write(f, &s, TEST_T0 + 11 * RONDO_NS_PER_S, 2);
    sources_prepare(&s);
    const char *bad[] = {"__store", "x", NULL};
    s.src[1].labels = bad;
    g_assert_true(rondo_exporter_push_sources(e, s.src, N_SOURCES, &error));
    g_assert_error(s.src[1].error, RONDO_ERROR, RONDO_ERROR_INVALID);
    g_assert_cmpuint(s.src[1].stats.samples_sent, ==, 0);
    g_assert_null(s.src[0].error);
    g_assert_null(s.src[2].error);
    g_assert_cmpuint(s.src[0].stats.samples_sent + s.src[2].stats.samples_sent, ==,
                     2 * 2 * f->n_series);
    g_assert_cmpuint(source_cursor(&s, 1), ==, TEST_T0 + 10 * RONDO_NS_PER_S);
    g_assert_cmpuint(fake_receiver_n_requests(f->rx), ==, 2);
    sources_close(&s);
}

/* Batches keep their limits across sources, and end on slot boundaries. */
static void
test_sources_batching(Fixture *f, gconstpointer data)
{
    g_autoptr(RondoExporter) e = exporter_new(f, 40); /* 8 slots of 5 points */
    g_autoptr(GError) error = NULL;
    Sources s;

    sources_open(f, &s, 21); /* 20 slots, 100 points per source */
    g_assert_true(rondo_exporter_push_sources(e, s.src, N_SOURCES, &error));
    g_assert_no_error(error);
    g_autoptr(GArray) sizes = fake_receiver_request_sizes(f->rx);
    guint total = 0;
    for (guint i = 0; i < sizes->len; i++) {
        guint n = g_array_index(sizes, guint, i);
        g_assert_cmpuint(n, <=, 40);
        g_assert_cmpuint(n % f->n_series, ==, 0);
        total += n;
    }
    g_assert_cmpuint(total, ==, 300);
    g_assert_cmpuint(sizes->len, ==, 8); /* 300 / 40, rounded up: slots fill the gaps */
    guint64 bytes = 0;
    for (guint k = 0; k < N_SOURCES; k++) {
        g_assert_cmpuint(sources_received(f, &s, k), ==, 100);
        bytes += s.src[k].stats.bytes_sent;
    }
    /* a: 40, 40, 20 + b's first 20; b: 40, 40; c: 40, 40, 20 */
    g_assert_cmpuint(s.src[1].stats.batches_sent, ==, 3);
    g_assert_cmpuint(bytes, >, 0);

    /* one slot each, all at the same time: a source's slot is not split to
     * fill a batch that has room for 7 points */
    g_assert_true(rondo_exporter_set_batch(e, 7, 4 << 20, &error));
    sources_write(f, &s, TEST_T0 + 21 * RONDO_NS_PER_S, 1);
    sources_prepare(&s);
    g_assert_true(rondo_exporter_push_sources(e, s.src, N_SOURCES, &error));
    g_assert_no_error(error);
    g_autoptr(GArray) more = fake_receiver_request_sizes(f->rx);
    g_assert_cmpuint(more->len, ==, sizes->len + N_SOURCES);
    for (guint i = sizes->len; i < more->len; i++)
        g_assert_cmpuint(g_array_index(more, guint, i), ==, f->n_series);
    sources_close(&s);
}

/* A 400 for a batch of several sources: each goes again alone, and only
 * the one the receiver rejects again is dropped. */
static void
test_sources_apart(Fixture *f, gconstpointer data)
{
    g_autoptr(RondoExporter) e = exporter_new(f, 2000);
    g_autoptr(GError) error = NULL;
    Sources s;

    sources_open(f, &s, 4);
    /* the first request is the whole batch; then a, b, c alone: b gets the 400 */
    fake_receiver_script(f->rx, "400,200,400");
    g_assert_true(rondo_exporter_push_sources(e, s.src, N_SOURCES, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(fake_receiver_n_requests(f->rx), ==, 1 + N_SOURCES);
    g_assert_cmpuint(s.src[0].stats.samples_sent, ==, 3 * f->n_series);
    g_assert_cmpuint(s.src[1].stats.samples_sent, ==, 0);
    g_assert_cmpuint(s.src[1].stats.samples_dropped, ==, 3 * f->n_series);
    g_assert_cmpuint(s.src[1].stats.batches_dropped, ==, 1);
    g_assert_cmpuint(s.src[2].stats.samples_sent, ==, 3 * f->n_series);
    g_assert_cmpstr(s.src[1].message, ==, "HTTP 400: fake receiver says 400");
    g_assert_null(s.src[0].message);
    g_assert_null(s.src[2].message);
    g_assert_cmpuint(sources_received(f, &s, 0), ==, 3 * f->n_series);
    g_assert_cmpuint(sources_received(f, &s, 1), ==, 0);
    g_assert_cmpuint(sources_received(f, &s, 2), ==, 3 * f->n_series);
    for (guint k = 0; k < N_SOURCES; k++) {
        g_assert_null(s.src[k].error);
        g_assert_cmpuint(source_cursor(&s, k), ==, TEST_T0 + 3 * RONDO_NS_PER_S);
    }
    sources_close(&s);
}

/* The receiver fails mid-push: the sources delivered keep their commits,
 * the others their cursors, and carry the push's error. */
static void
test_sources_down(Fixture *f, gconstpointer data)
{
    g_autoptr(RondoExporter) e = exporter_new(f, 10); /* 2 slots a batch */
    g_autoptr(GError) error = NULL;
    Sources s;

    sources_open(f, &s, 5); /* 4 slots, 2 batches per source */
    guint64 before = source_cursor(&s, 1);
    /* a's two batches, then b's first fails through every attempt */
    fake_receiver_script(f->rx, "200,200,503,503,503,503");
    g_assert_false(rondo_exporter_push_sources(e, s.src, N_SOURCES, &error));
    g_assert_error(error, RONDO_EXPORT_ERROR, RONDO_EXPORT_ERROR_UNAVAILABLE);
    g_assert_null(s.src[0].error);
    g_assert_error(s.src[1].error, RONDO_EXPORT_ERROR, RONDO_EXPORT_ERROR_UNAVAILABLE);
    g_assert_error(s.src[2].error, RONDO_EXPORT_ERROR, RONDO_EXPORT_ERROR_UNAVAILABLE);
    g_assert_cmpuint(s.src[1].stats.retries, ==, 3);
    g_assert_null(s.src[0].message);
    g_assert_true(g_str_has_prefix(s.src[2].message, "HTTP 503"));
    g_assert_cmpuint(s.src[1].stats.last_status, ==, 503);
    g_assert_cmpuint(source_cursor(&s, 0), ==, TEST_T0 + 4 * RONDO_NS_PER_S);
    g_assert_cmpuint(source_cursor(&s, 1), ==, before);
    g_assert_cmpuint(source_cursor(&s, 2), ==, before);

    /* the next push delivers the rest, once */
    g_clear_error(&error);
    sources_prepare(&s);
    g_assert_true(rondo_exporter_push_sources(e, s.src, N_SOURCES, &error));
    g_assert_no_error(error);
    for (guint k = 0; k < N_SOURCES; k++)
        g_assert_cmpuint(sources_received(f, &s, k), ==, 4 * f->n_series);
    sources_close(&s);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn, n)                                                                           \
    g_test_add("/export/delivery/" path, Fixture, GUINT_TO_POINTER(n), fixture_setup_n, fn,        \
               fixture_teardown)
    ADD("basic", test_basic, 5);
    ADD("batching", test_batching, 30);
    ADD("labels", test_labels, 3);
    ADD("metadata", test_metadata, 0);
    ADD("down", test_down, 5);
    ADD("5xx", test_5xx, 5);
    ADD("429", test_429, 5);
    ADD("slow", test_slow, 5);
    ADD("hang", test_hang, 5);
    ADD("connect-timeout", test_connect_timeout, 5);
    ADD("400", test_400, 30);
    ADD("401", test_401, 5);
    ADD("auth", test_auth, 3);
    ADD("keepalive", test_keepalive, 5);
    ADD("proxy", test_proxy, 3);
    ADD("missed", test_missed, 5);
    ADD("cancel", test_cancel, 5);
    ADD("cancel-in-flight", test_cancel_in_flight, 5);
    ADD("kill-in-answer", test_kill_in_answer, 30);
    ADD("kill-anytime", test_kill_anytime, 30);
    ADD("sources", test_sources, 5);
    ADD("sources-batching", test_sources_batching, 5);
    ADD("sources-apart", test_sources_apart, 5);
    ADD("sources-down", test_sources_down, 5);
    return g_test_run();
}
