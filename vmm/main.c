/* main.c - rondo-demo-vmm: boot a KVM guest and record the VMM's own metrics.
 *
 * Read top to bottom, demo_boot() is the boot script: create the VM, open
 * the metrics store, attach the devices, describe them in ACPI, load the
 * guest, create the vCPU, start the maintenance thread, run until the
 * guest resets (or a signal or --timeout stops it), then close everything
 * in reverse order.
 *
 * Threads: main (GMainLoop: signals, timeout), the vCPU thread (KVM_RUN and
 * every device, hence the "vcpu" schema), the maintenance thread (metrics.c,
 * the "vmm" schema).
 */
#include "config.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gi18n.h>

#include "acpi.h"
#include "boot.h"
#include "bus.h"
#include "guest_image.h"
#include "guestctl.h"
#include "i8042.h"
#include "linux_boot.h"
#include "metrics.h"
#include "serial.h"
#include "vcpu.h"
#include "virtio_blk.h"
#include "virtio_rng.h"
#include "virtio_window.h"
#include "vm.h"

#define EXIT_USAGE               2
#define DEFAULT_MEMORY_MIB       256
#define DEFAULT_WORKLOAD_SECONDS 45
#define DEFAULT_VM_ID            "demo"
#define DEFAULT_STORE_ROOT       "/var/lib/rondo"
#define SCRATCH_DISK_BYTES       (4u << 20)

typedef struct {
    char *kernel;
    char *initrd;
    char *cmdline;
    char *guest;
    char *guest_image;
    char *disk;
    char *store;
    char *vm_id;
    char *kvm_device;
    gint memory_mib;
    gint timeout_seconds;
    gint workload_seconds;
    gboolean version;
} Options;

typedef struct {
    Options opt;
    gboolean linux_guest;
    VmMetrics *metrics;
    Vm *vm;
    Bus *pio;
    Bus *mmio;
    Serial *serial;
    I8042 kbc;
    GuestCtl ctl;
    VirtioWindow window; /* the virtio devices: where they sit, what ACPI says */
    VirtioBlk *blk;
    VirtioRng *rng;
    Vcpu *vcpu;
    GMainLoop *loop;
    GThread *vcpu_thread;
    VcpuStop stop;
    GError *vcpu_error;
    const char *stop_cause;
    guint timeout_source;
    gint64 start_us;
} Demo;

/* ------------------------------------------------------------- options */

static gboolean
options_parse(Options *o, int *argc, char ***argv, GError **error)
{
    *o = (Options){.memory_mib = DEFAULT_MEMORY_MIB, .workload_seconds = DEFAULT_WORKLOAD_SECONDS};
    const GOptionEntry entries[] = {
        {"kernel", 'k', 0, G_OPTION_ARG_FILENAME, &o->kernel,
         N_("Boot this Linux kernel (ELF vmlinux or bzImage)"), N_("FILE")},
        {"initrd", 'i', 0, G_OPTION_ARG_FILENAME, &o->initrd, N_("Initial ramdisk for --kernel"),
         N_("FILE")},
        {"cmdline", 'c', 0, G_OPTION_ARG_STRING, &o->cmdline, N_("Kernel command line"),
         N_("TEXT")},
        {"guest", 'g', 0, G_OPTION_ARG_STRING, &o->guest,
         N_("Guest to boot: builtin (default) or linux (implied by --kernel)"), N_("NAME")},
        {"guest-image", 0, 0, G_OPTION_ARG_FILENAME, &o->guest_image,
         N_("Use this flat image instead of the embedded built-in guest"), N_("FILE")},
        {"workload-seconds", 'w', 0, G_OPTION_ARG_INT, &o->workload_seconds,
         N_("How long the built-in guest runs its workload (default 45)"), N_("SECONDS")},
        {"disk", 'd', 0, G_OPTION_ARG_FILENAME, &o->disk,
         N_("Back the virtio-blk disk with FILE (default: a 4 MiB scratch disk in memory)"),
         N_("FILE")},
        {"memory", 'm', 0, G_OPTION_ARG_INT, &o->memory_mib, N_("Guest RAM in MiB (default 256)"),
         N_("MIB")},
        {"store", 's', 0, G_OPTION_ARG_FILENAME, &o->store,
         N_("Metrics store directory (default /var/lib/rondo/VM-ID)"), N_("DIR")},
        {"vm-id", 0, 0, G_OPTION_ARG_STRING, &o->vm_id, N_("Name of this VM (default demo)"),
         N_("ID")},
        {"timeout", 't', 0, G_OPTION_ARG_INT, &o->timeout_seconds,
         N_("Stop the VM after this many seconds (default: no limit)"), N_("SECONDS")},
        {"version", 0, 0, G_OPTION_ARG_NONE, &o->version, N_("Print the version and exit"), NULL},
        {"kvm-device", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &o->kvm_device, NULL, NULL},
        {NULL},
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
    g_option_context_set_summary(ctx, _("Boot a KVM guest and record the VMM's own metrics "
                                        "in a rondo store."));
    g_option_context_add_main_entries(ctx, entries, GETTEXT_PACKAGE);
    return g_option_context_parse(ctx, argc, argv, error);
}

static gboolean
options_check(Options *o, gboolean *ret_linux, GError **error)
{
    const char *guest = o->guest != NULL ? o->guest : (o->kernel != NULL ? "linux" : "builtin");
    gboolean linux_guest = g_str_equal(guest, "linux");
    const char *problem = NULL;
    if (!linux_guest && !g_str_equal(guest, "builtin"))
        problem = _("--guest must be builtin or linux");
    else if (linux_guest && o->kernel == NULL)
        problem = _("--guest linux needs --kernel");
    else if (!linux_guest && (o->kernel != NULL || o->initrd != NULL))
        problem = _("--kernel and --initrd need --guest linux");
    else if (o->memory_mib < (gint)(GUEST_MEMORY_MIN_BYTES >> 20) ||
             o->memory_mib > (gint)(GUEST_MEMORY_MAX_BYTES >> 20))
        problem = _("--memory must be between 16 and 3072 MiB");
    else if (o->timeout_seconds < 0 || o->workload_seconds < 1)
        problem = _("--timeout must be >= 0 and --workload-seconds >= 1");
    else if (o->vm_id != NULL && (strpbrk(o->vm_id, "/") != NULL || o->vm_id[0] == '.'))
        problem = _("--vm-id must not contain '/' or start with '.'");
    if (problem != NULL) {
        g_set_error_literal(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, problem);
        return FALSE;
    }
    if (o->vm_id == NULL)
        o->vm_id = g_strdup(DEFAULT_VM_ID);
    if (o->store == NULL)
        o->store = g_build_filename(DEFAULT_STORE_ROOT, o->vm_id, NULL);
    if (o->kvm_device == NULL)
        o->kvm_device = g_strdup("/dev/kvm");
    *ret_linux = linux_guest;
    return TRUE;
}

static void
options_clear(Options *o)
{
    g_free(o->kernel);
    g_free(o->initrd);
    g_free(o->cmdline);
    g_free(o->guest);
    g_free(o->guest_image);
    g_free(o->disk);
    g_free(o->store);
    g_free(o->vm_id);
    g_free(o->kvm_device);
}

/* -------------------------------------------------------------- devices */

static void
console_output(void *opaque, guint8 byte)
{
    fputc(byte, stdout);
    if (byte == '\n')
        fflush(stdout);
}

static void
on_guest_reset(void *opaque)
{
    Demo *d = opaque;
    vcpu_request_stop(d->vcpu, VCPU_STOP_RESET);
}

/* The window's next slot for a virtio device, and the line of its GSI. */
static const AcpiDevice *
demo_take_slot(Demo *d, IrqLine *ret_irq)
{
    const AcpiDevice *slot = virtio_window_take(&d->window);
    *ret_irq = (IrqLine){vm_set_irq_level, d->vm, slot->gsi};
    return slot;
}

/* A virtio device's transport on the MMIO bus, at its slot. */
static gboolean
demo_plug_virtio(Demo *d, const AcpiDevice *slot, VirtioMmio *transport, GError **error)
{
    return bus_register(d->mmio, slot->mmio_base, slot->mmio_size, &virtio_mmio_bus_ops, transport,
                        error);
}

static gboolean
demo_attach_blk(Demo *d, GError **error)
{
    IrqLine irq;
    const AcpiDevice *slot = demo_take_slot(d, &irq);
    d->blk = d->opt.disk != NULL
                 ? virtio_blk_open(d->opt.disk, FALSE, d->vm->mem, &irq, error)
                 : virtio_blk_new_scratch(SCRATCH_DISK_BYTES, d->vm->mem, &irq, error);
    return d->blk != NULL && virtio_blk_attach_metrics(d->blk, d->metrics, error) &&
           demo_plug_virtio(d, slot, virtio_blk_get_transport(d->blk), error);
}

static gboolean
demo_attach_rng(Demo *d, GError **error)
{
    IrqLine irq;
    const AcpiDevice *slot = demo_take_slot(d, &irq);
    d->rng = virtio_rng_new(d->vm->mem, &irq);
    return virtio_rng_attach_metrics(d->rng, d->metrics, error) &&
           demo_plug_virtio(d, slot, virtio_rng_get_transport(d->rng), error);
}

/* The device list: legacy ports first, then the virtio devices in the
 * order of their slots. */
static gboolean
demo_attach_devices(Demo *d, GError **error)
{
    const IrqLine serial_irq = {vm_set_irq_level, d->vm, SERIAL_COM1_GSI};
    d->pio = bus_new("pio");
    d->mmio = bus_new("mmio");
    d->serial = serial_new(&serial_irq, console_output, d);
    i8042_init(&d->kbc, on_guest_reset, d);
    guestctl_init(&d->ctl, (guint32)d->opt.workload_seconds);
    virtio_window_init(&d->window);
    return bus_register(d->pio, SERIAL_COM1_BASE, SERIAL_PORTS, &serial_bus_ops, d->serial,
                        error) &&
           bus_register(d->pio, I8042_DATA_PORT, 1, &i8042_data_ops, &d->kbc, error) &&
           bus_register(d->pio, I8042_COMMAND_PORT, 1, &i8042_command_ops, &d->kbc, error) &&
           bus_register(d->pio, GUESTCTL_PORT, GUESTCTL_PORTS, &guestctl_bus_ops, &d->ctl, error) &&
           demo_attach_blk(d, error) && demo_attach_rng(d, error);
}

/* The ACPI tables describe the devices attached (both guests get them;
 * the built-in guest probes the window instead). */
static gboolean
demo_describe_devices(Demo *d, GError **error)
{
    return acpi_write_tables(d->vm->mem, BOOT_ACPI_ADDR, BOOT_ACPI_MAX, d->window.slots,
                             d->window.n_slots, error);
}

/* ---------------------------------------------------------------- guest */

static GBytes *
demo_builtin_image(const Demo *d, GError **error)
{
    if (d->opt.guest_image == NULL)
        return guest_image_builtin();
    g_autofree char *contents = NULL;
    gsize length = 0;
    if (!g_file_get_contents(d->opt.guest_image, &contents, &length, error))
        return NULL;
    return g_bytes_new_take(g_steal_pointer(&contents), length);
}

static gboolean
demo_load_guest(Demo *d, VcpuBootState *ret_boot, GError **error)
{
    if (!boot_write_long_mode_tables(d->vm->mem, ret_boot, error))
        return FALSE;
    if (d->linux_guest) {
        const char *cmdline = d->opt.cmdline;
        if (cmdline == NULL)
            cmdline = vm_host_has_hardware_virt()
                          ? LINUX_DEFAULT_CMDLINE
                          : LINUX_DEFAULT_CMDLINE LINUX_SOFTWARE_VIRT_CMDLINE;
        const LinuxBootConfig cfg = {
            .kernel_path = d->opt.kernel,
            .initrd_path = d->opt.initrd,
            .cmdline = cmdline,
        };
        ret_boot->rsi = BOOT_PARAMS_ADDR;
        return linux_boot_load(d->vm->mem, &cfg, &ret_boot->rip, error);
    }
    g_autoptr(GBytes) image = demo_builtin_image(d, error);
    return image != NULL && boot_load_flat_image(d->vm->mem, image, &ret_boot->rip, error);
}

static gboolean
demo_create_vcpu(Demo *d, const VcpuBootState *boot, GError **error)
{
    d->vcpu = vcpu_new(d->vm, 0, d->pio, d->mmio, error);
    if (d->vcpu == NULL || !vcpu_attach_metrics(d->vcpu, d->metrics, error))
        return FALSE;
    return vcpu_init_cpuid(d->vcpu, d->linux_guest, error) &&
           vcpu_init_long_mode(d->vcpu, boot, error);
}

static gboolean
demo_start_metrics(Demo *d, GError **error)
{
    g_autoptr(GError) stats_error = NULL;
    int stats_fd = vcpu_open_stats_fd(d->vcpu, &stats_error);
    if (stats_fd < 0)
        g_printerr("rondo-demo-vmm: %s: %s\n", _("no in-kernel KVM statistics"),
                   stats_error->message);
    return vm_metrics_start(d->metrics, stats_fd, error);
}

/* ------------------------------------------------------------ running */

static gboolean
on_vcpu_stopped(gpointer data)
{
    Demo *d = data;
    g_main_loop_quit(d->loop);
    return G_SOURCE_REMOVE;
}

static gpointer
vcpu_thread_main(gpointer data)
{
    Demo *d = data;
    d->stop = vcpu_run(d->vcpu, &d->vcpu_error);
    g_main_context_invoke(NULL, on_vcpu_stopped, d);
    return NULL;
}

static gboolean
on_stop_signal(gpointer data)
{
    Demo *d = data;
    /* TRANSLATORS: what stopped the VM, in "stopped by %s after %.1f s". */
    d->stop_cause = N_("signal");
    vcpu_request_stop(d->vcpu, VCPU_STOP_REQUESTED);
    return G_SOURCE_CONTINUE;
}

static gboolean
on_timeout(gpointer data)
{
    Demo *d = data;
    /* TRANSLATORS: what stopped the VM, in "stopped by %s after %.1f s". */
    d->stop_cause = N_("timeout");
    d->timeout_source = 0;
    vcpu_request_stop(d->vcpu, VCPU_STOP_REQUESTED);
    return G_SOURCE_REMOVE;
}

static gboolean
demo_run_until_stopped(Demo *d, GError **error)
{
    d->loop = g_main_loop_new(NULL, FALSE);
    guint sigint = g_unix_signal_add(SIGINT, on_stop_signal, d);
    guint sigterm = g_unix_signal_add(SIGTERM, on_stop_signal, d);
    if (d->opt.timeout_seconds > 0)
        d->timeout_source = g_timeout_add_seconds((guint)d->opt.timeout_seconds, on_timeout, d);
    vcpu_install_kick_signal();
    d->start_us = g_get_monotonic_time();
    d->vcpu_thread = g_thread_try_new("rondo-vcpu0", vcpu_thread_main, d, error);
    gboolean started = d->vcpu_thread != NULL;
    if (started) {
        g_main_loop_run(d->loop);
        g_thread_join(g_steal_pointer(&d->vcpu_thread));
    }
    g_source_remove(sigint);
    g_source_remove(sigterm);
    if (d->timeout_source != 0)
        g_source_remove(d->timeout_source);
    return started;
}

static int
demo_report(Demo *d, GError **error)
{
    double seconds = (double)(g_get_monotonic_time() - d->start_us) / G_USEC_PER_SEC;
    const char *store = vm_metrics_get_path(d->metrics);
    switch (d->stop) {
    case VCPU_STOP_RESET:
        g_printerr(_("rondo-demo-vmm: guest reset after %.1f s; metrics in %s\n"), seconds, store);
        return EXIT_SUCCESS;
    case VCPU_STOP_REQUESTED:
        /* TRANSLATORS: %s is "signal", "timeout" or "request", translated. */
        g_printerr(_("rondo-demo-vmm: stopped by %s after %.1f s; metrics in %s\n"),
                   _(d->stop_cause != NULL ? d->stop_cause : N_("request")), seconds, store);
        return EXIT_SUCCESS;
    case VCPU_STOP_SHUTDOWN:
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                    _("guest shut down unexpectedly (triple fault) after %.1f s"), seconds);
        return EXIT_FAILURE;
    default:
        g_propagate_error(error, g_steal_pointer(&d->vcpu_error));
        return EXIT_FAILURE;
    }
}

/* The boot script. */
static int
demo_boot(Demo *d, GError **error)
{
    VcpuBootState boot;
    d->vm = vm_new(d->opt.kvm_device, (guint64)d->opt.memory_mib << 20, error);
    if (d->vm == NULL)
        return EXIT_FAILURE;
    d->metrics = vm_metrics_open(d->opt.store, error);
    if (d->metrics == NULL || !demo_attach_devices(d, error) || !demo_describe_devices(d, error) ||
        !demo_load_guest(d, &boot, error) || !demo_create_vcpu(d, &boot, error) ||
        !demo_start_metrics(d, error) || !demo_run_until_stopped(d, error))
        return EXIT_FAILURE;
    return demo_report(d, error);
}

static void
demo_clear(Demo *d)
{
    vcpu_free(d->vcpu);
    virtio_rng_free(d->rng);
    virtio_blk_free(d->blk);
    serial_free(d->serial);
    bus_free(d->mmio);
    bus_free(d->pio);
    vm_free(d->vm);
    vm_metrics_close(d->metrics); /* last tick and consolidation happen here */
    if (d->loop != NULL)
        g_main_loop_unref(d->loop);
    g_clear_error(&d->vcpu_error);
    options_clear(&d->opt);
}

int
main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    /* RONDO_LOCALEDIR: catalogues of an uninstalled tree (tests). */
    const char *localedir = g_getenv("RONDO_LOCALEDIR");
    bindtextdomain(GETTEXT_PACKAGE, localedir && *localedir ? localedir : LOCALEDIR);
    bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
    textdomain(GETTEXT_PACKAGE);

    Demo d = {0};
    g_autoptr(GError) error = NULL;
    int status = EXIT_USAGE;
    if (options_parse(&d.opt, &argc, &argv, &error) && argc == 1 && d.opt.version) {
        g_print("rondo-demo-vmm %s\n", PACKAGE_VERSION);
        status = EXIT_SUCCESS;
    } else if (error == NULL && argc == 1 && options_check(&d.opt, &d.linux_guest, &error))
        status = demo_boot(&d, &error);
    else if (error == NULL)
        g_set_error(&error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, _("unexpected argument '%s'"),
                    argv[1]);
    if (error != NULL)
        g_printerr("rondo-demo-vmm: %s\n", error->message);
    demo_clear(&d);
    return status;
}
