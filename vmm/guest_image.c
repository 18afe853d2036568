/* guest_image.c - embeds vmm/guest/rondo-guest.bin in the VMM.
 *
 * Why embed: the VMM then runs the same from the build tree, after
 * `make install`, and inside `make distcheck`, with no search path. The
 * build compiles the guest first (see vmm/Makefile.inc) and passes its
 * absolute path in VMM_GUEST_IMAGE_PATH; the assembler's .incbin copies the
 * bytes into .rodata.
 */
#include "config.h"

#include "guest_image.h"

#ifndef VMM_GUEST_IMAGE_PATH
#error "VMM_GUEST_IMAGE_PATH must name the built guest image"
#endif

__asm__(".section .rodata\n"
        ".balign 16\n"
        ".globl rondo_guest_image_start\n"
        "rondo_guest_image_start:\n"
        ".incbin \"" VMM_GUEST_IMAGE_PATH "\"\n"
        ".globl rondo_guest_image_end\n"
        "rondo_guest_image_end:\n"
        ".previous\n");

extern const guint8 rondo_guest_image_start[];
extern const guint8 rondo_guest_image_end[];

GBytes *
guest_image_builtin(void)
{
    gsize size = (gsize)(rondo_guest_image_end - rondo_guest_image_start);
    g_assert(size > 0);
    return g_bytes_new_static(rondo_guest_image_start, size);
}
