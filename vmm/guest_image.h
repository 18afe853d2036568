/* guest_image.h - the built-in guest, linked into the VMM as bytes. */
#pragma once

#include <glib.h>

/* The flat image built from vmm/guest/ (load at BOOT_IMAGE_ADDR, entry at
 * its first byte). Returns a GBytes over static data. */
GBytes *guest_image_builtin(void);
