/* vm.c - the VM-wide KVM objects.
 *
 * Why: everything that exists once per VM lives here, created in the order
 * KVM requires (TSS and identity map before the first vCPU runs, irqchip
 * before any vCPU exists, PIT after the irqchip). Invariant: a Vm is either
 * fully built or not returned at all; vm_free() releases any partial state.
 */
#include "config.h"

#include "vm.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gi18n.h>

#define KVM_API_VERSION_EXPECTED 12

static gboolean
set_errno_error(GError **error, int saved_errno, const char *what)
{
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved_errno), "%s: %s", what,
                g_strerror(saved_errno));
    return FALSE;
}

/* Refused /dev/kvm: name the group to join (Debian's udev gives the
 * device to the group kvm, mode 0660). */
static gboolean
kvm_denied(const char *kvm_path, int err, GError **error)
{
    struct stat st;
    const struct group *gr = NULL;
    if (stat(kvm_path, &st) == 0 && (st.st_mode & (S_IRGRP | S_IWGRP)) == (S_IRGRP | S_IWGRP) &&
        st.st_gid != 0)
        gr = getgrgid(st.st_gid);
    if (gr != NULL)
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                    _("%s: %s; join the group “%s” that owns it (sudo adduser %s %s) and log "
                      "in again"),
                    kvm_path, g_strerror(err), gr->gr_name, g_get_user_name(), gr->gr_name);
    else
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                    _("%s: %s; it is shared with no group (Debian's udev rules give it to the "
                      "group kvm, mode 0660)"),
                    kvm_path, g_strerror(err));
    return FALSE;
}

gboolean
vm_kvm_usable(const char *kvm_path, GError **error)
{
    int fd = open(kvm_path, O_RDWR | O_CLOEXEC);
    if (fd < 0 && (errno == EACCES || errno == EPERM))
        return kvm_denied(kvm_path, errno, error);
    if (fd < 0)
        return set_errno_error(error, errno, kvm_path);
    int version = ioctl(fd, KVM_GET_API_VERSION, 0);
    close(fd);
    if (version != KVM_API_VERSION_EXPECTED) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                    _("%s: KVM API version %d, expected %d"), kvm_path, version,
                    KVM_API_VERSION_EXPECTED);
        return FALSE;
    }
    return TRUE;
}

static gboolean
vm_open_kvm(Vm *vm, const char *kvm_path, GError **error)
{
    if (!vm_kvm_usable(kvm_path, error))
        return FALSE;
    vm->kvm_fd = open(kvm_path, O_RDWR | O_CLOEXEC);
    if (vm->kvm_fd < 0)
        return set_errno_error(error, errno, kvm_path);
    int run_bytes = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (run_bytes <= 0)
        return set_errno_error(error, errno, "KVM_GET_VCPU_MMAP_SIZE");
    vm->run_bytes = (gsize)run_bytes;
    vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
    if (vm->vm_fd < 0)
        return set_errno_error(error, errno, "KVM_CREATE_VM");
    return TRUE;
}

static gboolean
vm_create_chips(Vm *vm, GError **error)
{
    if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)VM_TSS_ADDR) < 0)
        return set_errno_error(error, errno, "KVM_SET_TSS_ADDR");
    guint64 identity = VM_IDENTITY_MAP_ADDR;
    if (ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &identity) < 0)
        return set_errno_error(error, errno, "KVM_SET_IDENTITY_MAP_ADDR");
    if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
        return set_errno_error(error, errno, "KVM_CREATE_IRQCHIP");
    struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};
    if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0)
        return set_errno_error(error, errno, "KVM_CREATE_PIT2");
    return TRUE;
}

static gboolean
vm_add_memory(Vm *vm, guint64 memory_bytes, GError **error)
{
    vm->mem = guest_memory_new(memory_bytes, error);
    if (vm->mem == NULL)
        return FALSE;
    struct kvm_userspace_memory_region region = {
        .slot = 0,
        .guest_phys_addr = 0,
        .memory_size = vm->mem->size_bytes,
        .userspace_addr = (guint64)(guintptr)vm->mem->host,
    };
    if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
        return set_errno_error(error, errno, "KVM_SET_USER_MEMORY_REGION");
    return TRUE;
}

Vm *
vm_new(const char *kvm_path, guint64 memory_bytes, GError **error)
{
    g_autoptr(Vm) vm = g_new0(Vm, 1);
    vm->kvm_fd = -1;
    vm->vm_fd = -1;
    if (!vm_open_kvm(vm, kvm_path, error) || !vm_create_chips(vm, error) ||
        !vm_add_memory(vm, memory_bytes, error))
        return NULL;
    return g_steal_pointer(&vm);
}

void
vm_free(Vm *vm)
{
    if (vm == NULL)
        return;
    if (vm->vm_fd >= 0)
        close(vm->vm_fd);
    if (vm->kvm_fd >= 0)
        close(vm->kvm_fd);
    guest_memory_free(vm->mem); /* after the VM fd: KVM no longer maps it */
    g_free(vm);
}

void
vm_set_irq_level(void *opaque, guint32 gsi, gboolean level)
{
    Vm *vm = opaque;
    struct kvm_irq_level irq = {.irq = gsi, .level = level ? 1 : 0};
    if (ioctl(vm->vm_fd, KVM_IRQ_LINE, &irq) < 0)
        g_printerr("rondo-demo-vmm: KVM_IRQ_LINE %u: %s\n", gsi, g_strerror(errno));
}

int
vm_open_stats_fd(Vm *vm, GError **error)
{
    int fd = ioctl(vm->vm_fd, KVM_GET_STATS_FD, NULL);
    if (fd < 0)
        set_errno_error(error, errno, "KVM_GET_STATS_FD");
    return fd;
}

gboolean
vm_host_has_hardware_virt(void)
{
    g_autofree char *cpuinfo = NULL;
    if (!g_file_get_contents("/proc/cpuinfo", &cpuinfo, NULL, NULL))
        return FALSE;
    g_auto(GStrv) lines = g_strsplit(cpuinfo, "\n", -1);
    for (guint i = 0; lines[i] != NULL; i++) {
        const char *l = lines[i];
        if (g_str_has_prefix(l, "flags") &&
            (strstr(l, " vmx") != NULL || strstr(l, " svm") != NULL))
            return TRUE;
    }
    return FALSE;
}
