/* start.S - entry and interrupt stubs of the built-in guest.
 *
 * The VMM starts us in 64-bit long mode at the image's first byte with flat
 * segments (BOOT_CODE_SELECTOR, BOOT_DATA_SELECTOR: layout.h) and an
 * identity map; interrupts are off.
 * Everything else is C (guest.c).
 */
#include "layout.h"

    .section .text.start, "ax"
    .code64
    .globl _start
_start:
    cli
    lea guest_stack_top(%rip), %rsp
    call guest_main
    /* guest_main() returned: reset through the keyboard controller. */
1:  call guest_reset
    hlt
    jmp 1b

    .text
    /* Hardware interrupts (vectors 0x20 and up): save what C may clobber. */
    .globl guest_irq_stub
guest_irq_stub:
    push %rax
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %r8
    push %r9
    push %r10
    push %r11
    cld
    call guest_irq
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rax
    iretq

    /* CPU exceptions: report and stop; we never return from one. */
    .globl guest_fault_stub
guest_fault_stub:
    cld
    mov %rsp, %rdi
    call guest_fault
2:  hlt
    jmp 2b

    .bss
    .balign 16
guest_stack:
    .skip 16384
    .globl guest_stack_top
guest_stack_top:

    .section .note.GNU-stack, "", @progbits
