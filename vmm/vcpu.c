/* vcpu.c - a vCPU: setup and the KVM_RUN loop.
 *
 * Why: this is the VMM's hot loop. Each iteration enters the guest, decodes
 * the exit, hands port I/O and MMIO to the buses and records one metrics
 * event (three clock reads and a few rondo records, no locks, no syscalls
 * beyond KVM_RUN). Stopping from another thread uses the documented KVM
 * pattern: set kvm_run.immediate_exit, then signal the thread so a KVM_RUN
 * already in progress returns EINTR.
 *
 * Invariants: only the vCPU thread touches kvm_run except immediate_exit;
 * `stop` goes from NONE to one reason exactly once.
 */
#include "config.h"

#include "vcpu.h"

#include <errno.h>
#include <linux/kvm.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gi18n.h>

#include "assist.h"

#define VCPU_KICK_SIGNAL  SIGUSR1
#define CPUID_ENTRIES_MAX 128

static gboolean
set_errno_error(GError **error, int saved_errno, const char *what)
{
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved_errno), "%s: %s", what,
                g_strerror(saved_errno));
    return FALSE;
}

Vcpu *
vcpu_new(Vm *vm, guint index, Bus *pio, Bus *mmio, GError **error)
{
    g_autoptr(Vcpu) vcpu = g_new0(Vcpu, 1);
    vcpu->vm = vm;
    vcpu->index = index;
    vcpu->pio = pio;
    vcpu->mmio = mmio;
    vcpu->run = MAP_FAILED;
    vm_counter_init(&vcpu->run_seconds);
    vm_counter_init(&vcpu->exit_seconds);
    for (guint i = 0; i < VM_EXIT_N_KINDS; i++)
        vm_counter_init(&vcpu->exits[i]);
    vcpu->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)index);
    if (vcpu->fd < 0) {
        set_errno_error(error, errno, "KVM_CREATE_VCPU");
        return NULL;
    }
    vcpu->run = mmap(NULL, vm->run_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
    if (vcpu->run == MAP_FAILED) {
        set_errno_error(error, errno, "mmap kvm_run");
        return NULL;
    }
    return g_steal_pointer(&vcpu);
}

void
vcpu_free(Vcpu *vcpu)
{
    if (vcpu == NULL)
        return;
    if (vcpu->run != MAP_FAILED)
        munmap(vcpu->run, vcpu->vm->run_bytes);
    if (vcpu->fd >= 0)
        close(vcpu->fd);
    g_free(vcpu);
}

static const char *const vcpu_exit_reasons[VM_EXIT_N_KINDS] = {
    "io", "mmio", "hlt", "intr", "shutdown", "assist", "other",
};

static const VmCounterDesc vcpu_exits_desc = {"vcpu_exits_total", NULL,
                                              "VM exits handled by the VMM, by reason", "reason"};
static const VmCounterDesc vcpu_run_desc = {"vcpu_run_seconds_total", "seconds",
                                            "Time the vCPU spent in KVM_RUN", NULL};
static const VmCounterDesc vcpu_exit_handling_desc = {"vcpu_exit_handling_seconds_total", "seconds",
                                                      "Time the VMM spent handling exits", NULL};

gboolean
vcpu_attach_metrics(Vcpu *vcpu, VmMetrics *metrics, GError **error)
{
    vcpu->metrics = metrics;
    return vm_metrics_add_counters(metrics, vcpu->exits, VM_EXIT_N_KINDS, &vcpu_exits_desc,
                                   vcpu_exit_reasons, error) &&
           vm_metrics_add_counters(metrics, &vcpu->run_seconds, 1, &vcpu_run_desc, NULL, error) &&
           vm_metrics_add_counters(metrics, &vcpu->exit_seconds, 1, &vcpu_exit_handling_desc, NULL,
                                   error);
}

/* Features whose instructions a software hypervisor's emulator may lack;
 * a guest that sees them clear takes its fallback paths. */
static void
cpuid_mask_conservative(struct kvm_cpuid_entry2 *e)
{
    if (e->function == 1) {
        e->ecx &= ~((1u << 13) /* CX16 */ | (1u << 23) /* POPCNT */ | (1u << 26) /* XSAVE */ |
                    (1u << 27) /* OSXSAVE */ | (1u << 28) /* AVX */ | (1u << 12) /* FMA */ |
                    (1u << 29) /* F16C */ | (1u << 30) /* RDRAND */ | (1u << 5) /* VMX */);
    } else if (e->function == 7 && e->index == 0) {
        e->ebx &= ~((1u << 20) /* SMAP */ | (1u << 5) /* AVX2 */ | (1u << 16) /* AVX512F */ |
                    (1u << 18) /* RDSEED */ | (1u << 3) /* BMI1 */ | (1u << 8) /* BMI2 */);
        e->ecx = 0;
        e->edx = 0;
    } else if (e->function == 0xd) {
        e->eax = e->ebx = e->ecx = e->edx = 0;
    } else if (e->function == 0x80000001) {
        e->ecx &= ~((1u << 5) /* ABM/LZCNT */ | (1u << 2) /* SVM */);
    }
}

gboolean
vcpu_init_cpuid(Vcpu *vcpu, gboolean conservative, GError **error)
{
    gsize bytes = sizeof(struct kvm_cpuid2) + CPUID_ENTRIES_MAX * sizeof(struct kvm_cpuid_entry2);
    g_autofree struct kvm_cpuid2 *cpuid = g_malloc0(bytes);
    cpuid->nent = CPUID_ENTRIES_MAX;
    if (ioctl(vcpu->vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) < 0)
        return set_errno_error(error, errno, "KVM_GET_SUPPORTED_CPUID");
    for (guint32 i = 0; i < cpuid->nent; i++) {
        struct kvm_cpuid_entry2 *e = &cpuid->entries[i];
        if (e->function == 1) /* initial APIC id: the vCPU index */
            e->ebx = (e->ebx & 0x00ffffffu) | (vcpu->index << 24);
        if (conservative)
            cpuid_mask_conservative(e);
    }
    if (ioctl(vcpu->fd, KVM_SET_CPUID2, cpuid) < 0)
        return set_errno_error(error, errno, "KVM_SET_CPUID2");
    return TRUE;
}

static void
segment_flat(struct kvm_segment *seg, guint16 selector, gboolean code)
{
    *seg = (struct kvm_segment){
        .base = 0,
        .limit = 0xffffffff,
        .selector = selector,
        .type = code ? 0xb : 0x3, /* execute/read, accessed : read/write, accessed */
        .present = 1,
        .dpl = 0,
        .db = code ? 0 : 1,
        .s = 1,
        .l = code ? 1 : 0,
        .g = 1,
    };
}

gboolean
vcpu_init_long_mode(Vcpu *vcpu, const VcpuBootState *boot, GError **error)
{
    struct kvm_sregs sregs;
    if (ioctl(vcpu->fd, KVM_GET_SREGS, &sregs) < 0)
        return set_errno_error(error, errno, "KVM_GET_SREGS");
    segment_flat(&sregs.cs, BOOT_CODE_SELECTOR, TRUE);
    segment_flat(&sregs.ds, BOOT_DATA_SELECTOR, FALSE);
    sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
    sregs.gdt.base = boot->gdt_base;
    sregs.gdt.limit = boot->gdt_limit;
    sregs.cr3 = boot->cr3;
    sregs.cr4 = 1u << 5; /* PAE */
    sregs.cr0 = (1u << 0) | (1u << 1) | (1u << 4) | (1u << 5) | (1u << 16) | (1u << 31);
    sregs.efer = (1u << 8) | (1u << 10); /* LME | LMA */
    if (ioctl(vcpu->fd, KVM_SET_SREGS, &sregs) < 0)
        return set_errno_error(error, errno, "KVM_SET_SREGS");
    struct kvm_regs regs = {
        .rip = boot->rip,
        .rsp = boot->rsp,
        .rsi = boot->rsi,
        .rflags = 0x2,
    };
    if (ioctl(vcpu->fd, KVM_SET_REGS, &regs) < 0)
        return set_errno_error(error, errno, "KVM_SET_REGS");
    return TRUE;
}

int
vcpu_open_stats_fd(Vcpu *vcpu, GError **error)
{
    int fd = ioctl(vcpu->fd, KVM_GET_STATS_FD, NULL);
    if (fd < 0)
        set_errno_error(error, errno, "KVM_GET_STATS_FD (vCPU)");
    return fd;
}

static void
vcpu_kick_handler(int signo)
{
    (void)signo; /* only there to make KVM_RUN return EINTR */
}

void
vcpu_install_kick_signal(void)
{
    struct sigaction sa = {.sa_handler = vcpu_kick_handler};
    sigemptyset(&sa.sa_mask);
    sigaction(VCPU_KICK_SIGNAL, &sa, NULL); /* no SA_RESTART */
}

void
vcpu_request_stop(Vcpu *vcpu, VcpuStop why)
{
    g_assert(why != VCPU_STOP_NONE);
    if (!g_atomic_int_compare_and_exchange(&vcpu->stop, VCPU_STOP_NONE, (gint)why))
        return;
    vcpu->run->immediate_exit = 1;
    if (g_atomic_int_get(&vcpu->thread_set) && !pthread_equal(vcpu->thread, pthread_self()))
        pthread_kill(vcpu->thread, VCPU_KICK_SIGNAL);
}

static void
vcpu_handle_io(Vcpu *vcpu)
{
    struct kvm_run *run = vcpu->run;
    guint8 *data = (guint8 *)run + run->io.data_offset;
    for (guint32 i = 0; i < run->io.count; i++, data += run->io.size) {
        if (run->io.direction == KVM_EXIT_IO_OUT)
            bus_write(vcpu->pio, run->io.port, data, run->io.size);
        else
            bus_read(vcpu->pio, run->io.port, data, run->io.size);
    }
}

static void
vcpu_handle_mmio(Vcpu *vcpu)
{
    struct kvm_run *run = vcpu->run;
    guint32 len = MIN(run->mmio.len, (guint32)sizeof run->mmio.data);
    if (len == 0)
        return;
    if (run->mmio.is_write)
        bus_write(vcpu->mmio, run->mmio.phys_addr, run->mmio.data, len);
    else
        bus_read(vcpu->mmio, run->mmio.phys_addr, run->mmio.data, len);
}

static gboolean
vcpu_fail(GError **error, const char *what, guint64 a, guint64 b)
{
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, _("vCPU stopped: %s (0x%llx, 0x%llx)"), what,
                (unsigned long long)a, (unsigned long long)b);
    return FALSE;
}

/* An emulation failure carries the instruction's bytes when KVM has them:
 * assist.c may finish the instruction; otherwise they go into the error. */
static gboolean
vcpu_handle_internal(Vcpu *vcpu, GError **error)
{
    const struct kvm_run *run = vcpu->run;
    g_autoptr(GString) insn = g_string_new(NULL);
    if (run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION &&
        (run->emulation_failure.flags & KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES)) {
        guint n = MIN(run->emulation_failure.insn_size, sizeof run->emulation_failure.insn_bytes);
        if (assist_emulation_failure(vcpu, run->emulation_failure.insn_bytes, n, error))
            return TRUE;
        if (error != NULL && *error != NULL)
            return FALSE;
        for (guint i = 0; i < n; i++)
            g_string_append_printf(insn, " %02x", run->emulation_failure.insn_bytes[i]);
    }
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                _("vCPU stopped: KVM_EXIT_INTERNAL_ERROR (suberror %u)%s%s"),
                run->internal.suberror, insn->len > 0 ? _(", instruction:") : "", insn->str);
    return FALSE;
}

/* Handles one exit. Returns FALSE on an exit that ends the run with an error. */
static gboolean
vcpu_handle_exit(Vcpu *vcpu, VmExitKind *ret_kind, GError **error)
{
    struct kvm_run *run = vcpu->run;
    switch (run->exit_reason) {
    case KVM_EXIT_IO:
        *ret_kind = VM_EXIT_IO;
        vcpu_handle_io(vcpu);
        return TRUE;
    case KVM_EXIT_MMIO:
        *ret_kind = VM_EXIT_MMIO;
        vcpu_handle_mmio(vcpu);
        return TRUE;
    case KVM_EXIT_HLT:
        *ret_kind = VM_EXIT_HLT;
        return TRUE;
    case KVM_EXIT_INTR:
        *ret_kind = VM_EXIT_INTR;
        return TRUE;
    case KVM_EXIT_SHUTDOWN:
    case KVM_EXIT_SYSTEM_EVENT:
        *ret_kind = VM_EXIT_SHUTDOWN;
        vcpu_request_stop(vcpu, VCPU_STOP_SHUTDOWN);
        return TRUE;
    case KVM_EXIT_FAIL_ENTRY:
        *ret_kind = VM_EXIT_OTHER;
        return vcpu_fail(error, "KVM_EXIT_FAIL_ENTRY",
                         run->fail_entry.hardware_entry_failure_reason, 0);
    case KVM_EXIT_INTERNAL_ERROR:
        *ret_kind = VM_EXIT_ASSIST;
        return vcpu_handle_internal(vcpu, error);
    default:
        *ret_kind = VM_EXIT_OTHER;
        return vcpu_fail(error, _("unexpected exit reason"), run->exit_reason, 0);
    }
}

/* Adds where the guest was to @error: the first thing one needs to debug it. */
static void
vcpu_describe_regs(Vcpu *vcpu, GError **error)
{
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    if (error == NULL || *error == NULL || ioctl(vcpu->fd, KVM_GET_REGS, &regs) < 0 ||
        ioctl(vcpu->fd, KVM_GET_SREGS, &sregs) < 0)
        return;
    g_prefix_error(
        error, "rip=0x%llx rsp=0x%llx cr0=0x%llx cr3=0x%llx: ", (unsigned long long)regs.rip,
        (unsigned long long)regs.rsp, (unsigned long long)sregs.cr0, (unsigned long long)sregs.cr3);
}

VcpuStop
vcpu_run(Vcpu *vcpu, GError **error)
{
    vcpu->thread = pthread_self();
    g_atomic_int_set(&vcpu->thread_set, TRUE);
    vm_metrics_enter_thread(vcpu->metrics, VM_THREAD_VCPU);
    vm_metrics_publish_counters(vcpu->metrics, vm_metrics_now_ns());
    for (;;) {
        VcpuStop stop = (VcpuStop)g_atomic_int_get(&vcpu->stop);
        if (stop != VCPU_STOP_NONE)
            return stop;
        guint64 t0 = vm_metrics_now_ns();
        int rc = ioctl(vcpu->fd, KVM_RUN, 0);
        int saved = errno;
        guint64 t1 = vm_metrics_now_ns();
        VmExitKind kind = VM_EXIT_INTR;
        if (rc < 0 && saved != EINTR && saved != EAGAIN) {
            set_errno_error(error, saved, "KVM_RUN");
            return VCPU_STOP_ERROR;
        }
        if (rc == 0 && !vcpu_handle_exit(vcpu, &kind, error)) {
            vcpu_describe_regs(vcpu, error);
            return VCPU_STOP_ERROR;
        }
        guint64 t2 = vm_metrics_now_ns();
        vm_counter_add(&vcpu->exits[kind], 1, t2);
        vm_counter_add(&vcpu->run_seconds, t1 - t0, t2);
        vm_counter_add(&vcpu->exit_seconds, t2 - t1, t2);
    }
}
