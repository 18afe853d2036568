/* guest.ld.S - the built-in guest is one flat image loaded at BOOT_IMAGE_ADDR.
 * cpp makes guest.ld of it in the build tree, so the address is layout.h's. */
#include "layout.h"
OUTPUT_FORMAT("elf64-x86-64")
ENTRY(_start)
SECTIONS
{
    . = BOOT_IMAGE_ADDR;
    .text : { *(.text.start) *(.text .text.*) }
    .rodata : { *(.rodata .rodata.*) }
    .data : { *(.data .data.*) }
    /* .bss is not in the flat image: it lies past the image's end, in guest
     * RAM that the VMM hands over zeroed. */
    .bss : { *(.bss .bss.*) *(COMMON) }
    /DISCARD/ : { *(.comment) *(.note.*) *(.eh_frame*) }
}
