/* assist.h - finishing instructions that KVM's emulator gave up on. */
#pragma once

#include <linux/kvm.h>

#include <glib.h>

#include "vcpu.h"

#define ASSIST_FXSAVE_BYTES 512

typedef enum {
    ASSIST_OP_UNKNOWN,
    ASSIST_OP_INT3,
    ASSIST_OP_NOP,
    ASSIST_OP_CLAC,
    ASSIST_OP_STAC,
    ASSIST_OP_FXSAVE,
    ASSIST_OP_FXRSTOR,
    ASSIST_OP_LDMXCSR,
    ASSIST_OP_STMXCSR,
} AssistOp;

/* One decoded instruction. */
typedef struct {
    AssistOp op;
    guint len;
    gboolean rex_w;
    gboolean has_mem;
    guint64 gva; /* the memory operand's linear address */
} AssistInsn;

/* Decodes one instruction we can finish; FALSE for anything else. A memory
 * operand's linear address is computed from @regs and @sregs. */
gboolean assist_decode(const struct kvm_regs *regs, const struct kvm_sregs *sregs,
                       const guint8 *bytes, guint len, AssistInsn *ret_insn);

/* The FXSAVE memory image (64-bit layout when @rex_w) of KVM's FPU state, and back. */
void assist_fxsave_image(const struct kvm_fpu *fpu, guint8 *img, gboolean rex_w);
void assist_fxrstor_image(struct kvm_fpu *fpu, const guint8 *img, gboolean rex_w);

/* Completes the instruction in @insn (@len bytes, from the emulation
 * failure exit) if it is one we know. Returns FALSE, leaving the vCPU
 * untouched, when the instruction is unknown (or its memory operand is not
 * mapped); @error is set only when a KVM call failed. */
gboolean assist_emulation_failure(Vcpu *vcpu, const guint8 *insn, guint len, GError **error);
