/* test-vmm-metrics.c - VmMetrics without KVM: which schema takes which
 * series, counters that drop their values, and the one-thread-per-schema
 * assertions (vm_metrics_enter_thread(), RONDO_VMM_DEBUG). */
#include "config.h"

#include <stdlib.h>

#include <glib.h>

#include "metrics.h"
#include "rondo.h"

static const VmCounterDesc device_desc = {"testdev_requests_total", NULL, "Requests", NULL};
static const VmCounterDesc blk_desc = {"blk_requests_total", NULL, "Requests", "op"};
static const char *const blk_ops[] = {"read", "write"};

typedef struct {
    char *dir;
    char *store;
} TempStore;

static void
temp_store_init(TempStore *t)
{
    g_autoptr(GError) error = NULL;
    t->dir = g_dir_make_tmp("rondo-vmm-metrics-XXXXXX", &error);
    g_assert_no_error(error);
    t->store = g_build_filename(t->dir, "store", NULL);
}

static void
temp_store_clear(TempStore *t)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", t->dir);
    g_assert_cmpint(system(cmd), ==, 0);
    g_free(t->dir);
    g_free(t->store);
}

/* The name of the schema @series is in. */
static char *
schema_of(RondoSeries *series, const VmMetrics *m)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(RondoStore) store =
        rondo_store_open(vm_metrics_get_path(m), RONDO_OPEN_READ_ONLY, &error);
    g_assert_no_error(error);
    return g_strdup(
        rondo_schema_get_name(rondo_store_get_schema(store, rondo_series_get_schema(series))));
}

/* Metrics on a new temporary store, with one device counter @c. */
static VmMetrics *
open_with_device(TempStore *t, VmCounter *c)
{
    g_autoptr(GError) error = NULL;
    temp_store_init(t);
    g_autoptr(VmMetrics) m = vm_metrics_open(t->store, &error);
    g_assert_no_error(error);
    g_assert_true(vm_metrics_add_counters(m, c, 1, &device_desc, NULL, &error));
    return g_steal_pointer(&m);
}

/* A new store: a device's counter, whatever its name, goes to the vCPU
 * thread's schema; the process series to the maintenance thread's. */
static void
test_schemas(void)
{
    TempStore t;
    VmCounter c;
    g_autoptr(GError) error = NULL;
    g_autoptr(VmMetrics) m = open_with_device(&t, &c);
    g_assert_nonnull(c.series);
    g_autofree char *dev_schema = schema_of(c.series, m);
    g_assert_cmpstr(dev_schema, ==, "vcpu");
    g_autoptr(RondoStore) store = rondo_store_open(t.store, RONDO_OPEN_READ_ONLY, &error);
    g_assert_no_error(error);
    RondoSeries *rss = rondo_store_lookup(store, "vmm_rss_bytes", NULL);
    g_assert_nonnull(rss);
    g_autofree char *rss_schema = schema_of(rss, m);
    g_assert_cmpstr(rss_schema, ==, "vmm");
    vm_metrics_enter_thread(m, VM_THREAD_VCPU);
    vm_counter_add(&c, 3, 1700000000ull * RONDO_NS_PER_S);
    g_assert_cmpuint(c.total, ==, 3);
    g_clear_pointer(&m, vm_metrics_close);
    temp_store_clear(&t);
}

/* A run that ended without consolidating (killed): the next run's open
 * consolidates its minutes before anything moves tier 0's window, and the
 * vCPU schema's 10 s tier keeps each bucket's last value (the counter
 * preset). */
static void
test_catch_up(void)
{
    TempStore t;
    VmCounter c;
    g_autoptr(GError) error = NULL;
    g_autoptr(VmMetrics) m = open_with_device(&t, &c);
    vm_metrics_enter_thread(m, VM_THREAD_VCPU);
    guint64 now_s = vm_metrics_now_ns() / RONDO_NS_PER_S, first_s = now_s - now_s % 10 - 200;
    for (guint64 s = first_s; s < first_s + 100; s++)
        vm_counter_add(&c, 1, s * RONDO_NS_PER_S); /* no maintenance thread: no consolidation */
    g_clear_pointer(&m, vm_metrics_close);

    g_autoptr(RondoStore) store = rondo_store_open(t.store, RONDO_OPEN_READ_ONLY, &error);
    g_assert_no_error(error);
    RondoSeries *series = rondo_store_lookup(store, device_desc.name, NULL);
    guint schema = rondo_series_get_schema(series);
    g_assert_cmpuint(rondo_store_get_consolidated_ns(store, schema, 1), ==, 0);
    g_clear_pointer(&store, rondo_store_close);

    m = vm_metrics_open(t.store, &error); /* the next run */
    g_assert_no_error(error);
    g_clear_pointer(&m, vm_metrics_close);
    store = rondo_store_open(t.store, RONDO_OPEN_READ_ONLY, &error);
    g_assert_no_error(error);
    series = rondo_store_lookup(store, device_desc.name, NULL);
    RondoQueryIter it;
    guint64 bucket = (first_s + 50) * RONDO_NS_PER_S, ts;
    double v;
    g_assert_true(
        rondo_query_iter_init(&it, store, series, 1, RONDO_CF_LAST, bucket, bucket, &error));
    g_assert_true(rondo_query_iter_next(&it, &ts, &v));
    g_assert_cmpfloat(v, ==, 60); /* the 60th second's total: the bucket's last */
    g_clear_pointer(&store, rondo_store_close);
    temp_store_clear(&t);
}

/* A store as an older VMM made it: schema "vcpu" (@vcpu_series_max
 * series) takes the names @vcpu_names matches, "vmm" the rest. */
static void
create_store_by_name(const char *path, guint32 vcpu_series_max, const char *vcpu_names)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(RondoSchema) vcpu = rondo_schema_new_vmm_preset("vcpu", vcpu_series_max, &error);
    g_assert_true(
        rondo_schema_add_matcher(vcpu, "__name__", RONDO_MATCH_REGEX, vcpu_names, &error));
    g_autoptr(RondoSchema) vmm = rondo_schema_new_vmm_preset("vmm", 32, &error);
    RondoSchema *schemas[] = {vcpu, vmm};
    rondo_store_close(rondo_store_create(path, schemas, 2, &error));
    g_assert_no_error(error);
}

/* A store made by an older VMM routes by name ("vcpu_.*|blk_.*"): a new
 * device's counter would land in the maintenance thread's schema, so it is
 * neither registered (it would take a slot there and stay empty) nor
 * recorded, and the blk counter still is. */
static void
test_old_store(void)
{
    TempStore t;
    temp_store_init(&t);
    create_store_by_name(t.store, 32, "vcpu_.*|blk_.*");
    g_autoptr(GError) error = NULL;

    g_autoptr(VmMetrics) m = vm_metrics_open(t.store, &error);
    g_assert_no_error(error);
    VmCounter dev, blk;
    g_assert_true(vm_metrics_add_counters(m, &dev, 1, &device_desc, NULL, &error));
    g_assert_null(dev.series);
    g_assert_true(vm_metrics_add_counters(m, &blk, 1, &blk_desc, blk_ops, &error));
    g_assert_nonnull(blk.series);
    g_autofree char *blk_schema = schema_of(blk.series, m);
    g_assert_cmpstr(blk_schema, ==, "vcpu");
    vm_metrics_enter_thread(m, VM_THREAD_VCPU);
    vm_counter_add(&dev, 1, 1700000000ull * RONDO_NS_PER_S); /* dropped, no crash */
    g_assert_cmpuint(dev.total, ==, 1);
    g_clear_pointer(&m, vm_metrics_close);
    g_autoptr(RondoStore) store = rondo_store_open(t.store, RONDO_OPEN_READ_ONLY, &error);
    g_assert_no_error(error);
    g_assert_null(rondo_store_lookup(store, device_desc.name, NULL));
    g_assert_nonnull(
        rondo_store_lookup(store, "blk_requests_total", (const char *const[]){"op", "read", NULL}));
    g_clear_pointer(&store, rondo_store_close);
    temp_store_clear(&t);
}

/* A store whose vCPU schema is full: the counters it has no room for
 * count and drop, the others record; the warning says how to grow it. */
static void
test_full_schema(void)
{
    if (!g_test_subprocess()) {
        g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
        g_test_trap_assert_passed();
        g_test_trap_assert_stderr("*series blk_requests_total not recorded*rondo resize *"
                                  "--schema vcpu*");
        return;
    }
    TempStore t;
    temp_store_init(&t);
    create_store_by_name(t.store, 1, "blk_.*");
    g_autoptr(GError) error = NULL;
    g_autoptr(VmMetrics) m = vm_metrics_open(t.store, &error);
    g_assert_no_error(error);
    VmCounter blk[2];
    g_assert_true(vm_metrics_add_counters(m, blk, 2, &blk_desc, blk_ops, &error));
    g_assert_nonnull(blk[0].series);
    g_assert_null(blk[1].series);
    vm_metrics_enter_thread(m, VM_THREAD_VCPU);
    vm_metrics_publish_counters(m, 1700000000ull * RONDO_NS_PER_S);
    g_clear_pointer(&m, vm_metrics_close);
    temp_store_clear(&t);
}

/* Without a store (a device in a unit test) a counter counts and drops. */
static void
test_counter_drop(void)
{
    VmCounter c;
    vm_counter_init(&c);
    vm_counter_add(&c, 5, 1);
    vm_counter_add(&c, 2, 2);
    g_assert_cmpuint(c.total, ==, 7);
    g_assert_null(c.series);
}

/* RONDO_VMM_DEBUG: a vCPU counter recorded by the thread that declared
 * itself @data (a VmThread): fine for the vCPU thread, caught for the
 * maintenance thread. */
static void
test_debug_thread(gconstpointer data)
{
    VmThread thread = GPOINTER_TO_UINT(data);
    if (!g_test_subprocess()) {
        g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
        if (thread == VM_THREAD_VCPU) {
            g_test_trap_assert_passed();
        } else {
            g_test_trap_assert_failed();
            g_test_trap_assert_stderr("*rondo_series_get_schema*");
        }
        return;
    }
    TempStore t;
    temp_store_init(&t);
    g_setenv("RONDO_VMM_DEBUG", "1", TRUE);
    g_autoptr(GError) error = NULL;
    VmMetrics *m = vm_metrics_open(t.store, &error);
    g_assert_no_error(error);
    VmCounter c;
    g_assert_true(vm_metrics_add_counters(m, &c, 1, &device_desc, NULL, &error));
    vm_metrics_enter_thread(m, thread);
    vm_counter_add(&c, 1, 1700000000ull * RONDO_NS_PER_S);
    vm_metrics_close(m);
    temp_store_clear(&t);
}

static gpointer
enter_vcpu(gpointer data)
{
    vm_metrics_enter_thread(data, VM_THREAD_VCPU);
    return NULL;
}

/* Two threads that both say they are the vCPU thread: caught. */
static void
test_second_thread(void)
{
    if (g_test_subprocess()) {
        TempStore t;
        temp_store_init(&t);
        g_autoptr(GError) error = NULL;
        VmMetrics *m = vm_metrics_open(t.store, &error);
        g_assert_no_error(error);
        vm_metrics_enter_thread(m, VM_THREAD_VCPU);
        vm_metrics_enter_thread(m, VM_THREAD_VCPU); /* again, same thread: fine */
        g_thread_join(g_thread_new("second", enter_vcpu, m));
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_unsetenv("RONDO_VMM_DEBUG");
    g_test_add_func("/vmm/metrics/schemas", test_schemas);
    g_test_add_func("/vmm/metrics/old-store", test_old_store);
    g_test_add_func("/vmm/metrics/catch-up", test_catch_up);
    g_test_add_func("/vmm/metrics/full-schema", test_full_schema);
    g_test_add_func("/vmm/metrics/counter-drop", test_counter_drop);
    g_test_add_data_func("/vmm/metrics/debug-vcpu-thread", GUINT_TO_POINTER(VM_THREAD_VCPU),
                         test_debug_thread);
    g_test_add_data_func("/vmm/metrics/debug-maintenance-thread",
                         GUINT_TO_POINTER(VM_THREAD_MAINTENANCE), test_debug_thread);
    g_test_add_func("/vmm/metrics/second-thread", test_second_thread);
    return g_test_run();
}
