/* vm.h - one KVM virtual machine: /dev/kvm, the VM fd, its RAM and in-kernel chips. */
#pragma once

#include <glib.h>

#include "layout.h"
#include "memory.h"

/* Where KVM puts its private pages: VM_IDENTITY_MAP_ADDR, VM_TSS_ADDR (layout.h). */

typedef struct {
    int kvm_fd;
    int vm_fd;
    gsize run_bytes; /* size of each vCPU's kvm_run mapping */
    GuestMemory *mem;
} Vm;

/* Opens /dev/kvm, creates the VM with @memory_bytes of RAM at guest-physical
 * 0, an in-kernel PIC + IOAPIC + LAPIC and an in-kernel PIT. */
Vm *vm_new(const char *kvm_path, guint64 memory_bytes, GError **error);
void vm_free(Vm *vm);

/* IrqLine callback: drives a GSI of the in-kernel interrupt controllers.
 * @opaque is the Vm. Safe from any thread. */
void vm_set_irq_level(void *opaque, guint32 gsi, gboolean level);

/* The VM's binary statistics fd (KVM_GET_STATS_FD); -1 with @error if unsupported. */
int vm_open_stats_fd(Vm *vm, GError **error);

/* TRUE when @kvm_path can be opened and answers KVM_GET_API_VERSION with 12;
 * otherwise FALSE with a reason in @error. For tests that must skip. */
gboolean vm_kvm_usable(const char *kvm_path, GError **error);

/* TRUE when /proc/cpuinfo shows vmx or svm: /dev/kvm is then hardware
 * virtualization, not a software hypervisor. */
gboolean vm_host_has_hardware_virt(void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Vm, vm_free)
