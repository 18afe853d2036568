/* memory.h - guest physical memory: one anonymous mapping, bounds-checked access. */
#pragma once

#include <glib.h>

#include "layout.h"

/* Guest RAM starts at guest-physical 0 and must end below the MMIO hole. */
#define GUEST_MEMORY_MIN_BYTES (16ull << 20)
#define GUEST_MEMORY_MAX_BYTES ((guint64)LAYOUT_MMIO_HOLE_ADDR)

typedef struct {
    guint8 *host; /* the mapping; guest-physical 0 is host[0] */
    guint64 size_bytes;
} GuestMemory;

GuestMemory *guest_memory_new(guint64 size_bytes, GError **error);
void guest_memory_free(GuestMemory *mem);

/* A host pointer to [gpa, gpa + len), or NULL if any byte lies outside RAM.
 * Valid until guest_memory_free(). */
void *guest_memory_ptr(const GuestMemory *mem, guint64 gpa, guint64 len);

/* Copies @len bytes into guest memory; FALSE with @error if out of range. */
gboolean guest_memory_write(GuestMemory *mem, guint64 gpa, const void *src, guint64 len,
                            GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GuestMemory, guest_memory_free)
