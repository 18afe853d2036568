/* vcpu.h - one virtual CPU: its registers at boot and its run loop. */
#pragma once

#include <pthread.h>

#include <glib.h>

#include "bus.h"
#include "metrics.h"
#include "vm.h"

/* Why the run loop returned. */
typedef enum {
    VCPU_STOP_NONE = 0,
    VCPU_STOP_RESET,     /* the guest asked for a reset (i8042 0xFE): a clean end */
    VCPU_STOP_REQUESTED, /* vcpu_kick(): signal, timeout */
    VCPU_STOP_SHUTDOWN,  /* triple fault or a KVM shutdown/system event */
    VCPU_STOP_ERROR,     /* an internal error; see the GError */
} VcpuStop;

/* What brought the vCPU back to user space, as counted in
 * vcpu_exits_total{reason}. */
typedef enum {
    VM_EXIT_IO,
    VM_EXIT_MMIO,
    VM_EXIT_HLT,
    VM_EXIT_INTR,
    VM_EXIT_SHUTDOWN,
    VM_EXIT_ASSIST, /* an instruction finished by assist.c */
    VM_EXIT_OTHER,
    VM_EXIT_N_KINDS,
} VmExitKind;

/* The register state to start in 64-bit long mode, as the Linux 64-bit boot
 * protocol describes it (flat segments BOOT_CODE_SELECTOR, BOOT_DATA_SELECTOR
 * of layout.h). */
typedef struct {
    guint64 rip;
    guint64 rsp;
    guint64 rsi; /* Linux: the boot_params address */
    guint64 cr3; /* the PML4 */
    guint64 gdt_base;
    guint16 gdt_limit;
} VcpuBootState;

typedef struct {
    Vm *vm;
    guint index;
    int fd;
    struct kvm_run *run;
    Bus *pio;
    Bus *mmio;
    VmMetrics *metrics;               /* nullable: vcpu_attach_metrics() */
    VmCounter exits[VM_EXIT_N_KINDS]; /* vcpu_exits_total{reason} */
    VmCounter run_seconds;            /* in KVM_RUN */
    VmCounter exit_seconds;           /* handling exits */
    gint stop;                        /* VcpuStop, atomic */
    pthread_t thread;
    gint thread_set; /* atomic: `thread` is valid */
    guint64 assists; /* instructions finished by assist.c */
} Vcpu;

Vcpu *vcpu_new(Vm *vm, guint index, Bus *pio, Bus *mmio, GError **error);
void vcpu_free(Vcpu *vcpu);

/* Registers the vCPU's counters in @metrics, which publishes every
 * counter when the run loop starts. Without it the vCPU counts nothing. */
gboolean vcpu_attach_metrics(Vcpu *vcpu, VmMetrics *metrics, GError **error);

/* Sets CPUID to what KVM supports, minus features a software hypervisor
 * may not emulate when @conservative. */
gboolean vcpu_init_cpuid(Vcpu *vcpu, gboolean conservative, GError **error);
gboolean vcpu_init_long_mode(Vcpu *vcpu, const VcpuBootState *boot, GError **error);

/* The vCPU's KVM binary statistics fd, or -1 with @error. */
int vcpu_open_stats_fd(Vcpu *vcpu, GError **error);

/* Runs the guest on the calling thread until something stops it. */
VcpuStop vcpu_run(Vcpu *vcpu, GError **error);

/* Asks the vCPU to stop with @why; callable from any thread, including the
 * vCPU's own (device callbacks). The first reason wins. */
void vcpu_request_stop(Vcpu *vcpu, VcpuStop why);

/* Installs the no-op SIGUSR1 handler used to interrupt KVM_RUN. Call once,
 * before any vCPU thread starts. */
void vcpu_install_kick_signal(void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Vcpu, vcpu_free)
