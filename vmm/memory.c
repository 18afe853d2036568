/* memory.c - guest RAM.
 *
 * Why: every device and loader touches guest memory through addresses the guest
 * chose, so every access goes through one bounds check here instead of pointer
 * arithmetic scattered over the devices. Invariant: a pointer handed out covers
 * its whole range inside the mapping (checked without overflow).
 */
#include "config.h"

#include "memory.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include <gio/gio.h>
#include <glib/gi18n.h>

GuestMemory *
guest_memory_new(guint64 size_bytes, GError **error)
{
    if (size_bytes < GUEST_MEMORY_MIN_BYTES || size_bytes > GUEST_MEMORY_MAX_BYTES ||
        size_bytes % 4096 != 0) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    _("guest memory must be a multiple of 4 KiB between %llu MiB and %llu MiB"),
                    (unsigned long long)(GUEST_MEMORY_MIN_BYTES >> 20),
                    (unsigned long long)(GUEST_MEMORY_MAX_BYTES >> 20));
        return NULL;
    }
    void *host = mmap(NULL, size_bytes, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (host == MAP_FAILED) {
        int saved = errno;
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved),
                    _("cannot map %llu bytes of guest memory: %s"), (unsigned long long)size_bytes,
                    g_strerror(saved));
        return NULL;
    }
    GuestMemory *mem = g_new0(GuestMemory, 1);
    mem->host = host;
    mem->size_bytes = size_bytes;
    return mem;
}

void
guest_memory_free(GuestMemory *mem)
{
    if (mem == NULL)
        return;
    munmap(mem->host, mem->size_bytes);
    g_free(mem);
}

void *
guest_memory_ptr(const GuestMemory *mem, guint64 gpa, guint64 len)
{
    g_assert(mem != NULL);
    if (gpa > mem->size_bytes || len > mem->size_bytes - gpa)
        return NULL;
    return mem->host + gpa;
}

gboolean
guest_memory_write(GuestMemory *mem, guint64 gpa, const void *src, guint64 len, GError **error)
{
    void *dst = guest_memory_ptr(mem, gpa, len);
    if (dst == NULL) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    _("%llu bytes at guest address 0x%llx do not fit in guest memory"),
                    (unsigned long long)len, (unsigned long long)gpa);
        return FALSE;
    }
    memcpy(dst, src, len);
    return TRUE;
}
