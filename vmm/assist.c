/* assist.c - instruction assists for software hypervisors.
 *
 * Why: where /dev/kvm is a software hypervisor (kvm-pvm here), guest code
 * runs through an emulator that lacks some instructions Linux executes
 * during boot; it reports each as an emulation-failure exit carrying the
 * instruction bytes. The VMM finishes the ones it knows and resumes the
 * guest:
 *
 *   CC              INT3: advance RIP and inject #BP (a trap), as the CPU
 *                   would (Linux's int3 self-test and text_poke_bp())
 *   9B              FWAIT: a no-op (no unmasked x87 exception is pending)
 *   0F 01 CA / CB   CLAC / STAC: clear / set RFLAGS.AC
 *   0F AE /0 /1     FXSAVE / FXRSTOR (m512), through KVM_GET/SET_FPU
 *   0F AE /2 /3     LDMXCSR / STMXCSR (m32)
 *   0F AE /7        CLFLUSH (memory operand): a no-op for us
 *   0F AE E8 F0 F8  LFENCE / MFENCE / SFENCE: no-ops (one vCPU)
 *
 * Memory operands are decoded (ModRM, SIB, displacement, RIP-relative,
 * FS/GS overrides) and translated with KVM_TRANSLATE page by page. Anything
 * else still ends the run, with the bytes in the error. Every assist moves
 * RIP forward, so it cannot spin by itself; a guest that loops over an
 * assisted instruction is still stopped by signals and --timeout, since each
 * assist returns to the run loop.
 */
#include "config.h"

#include "assist.h"

#include <errno.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>

#include <gio/gio.h>

#define RFLAGS_AC           (1ull << 18)
#define VECTOR_BP           3
#define ASSIST_FXSAVE_BYTES 512
#define MXCSR_MASK          0xffffu

/* Everything the handlers read or write. */
typedef struct {
    Vcpu *vcpu;
    struct kvm_regs regs;
    struct kvm_sregs sregs;
} AssistCtx;

/* What the decoder reads. */
typedef struct {
    struct kvm_regs regs;
    struct kvm_sregs sregs;
} DecodeCtx;

static gboolean
assist_ioctl(int fd, unsigned long request, void *arg, const char *what, GError **error)
{
    if (ioctl(fd, request, arg) == 0)
        return TRUE;
    int saved = errno;
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "%s: %s", what, g_strerror(saved));
    return FALSE;
}

/* --------------------------------------------------------------- decoding */

/* General-purpose register by its encoding number (0 = rax ... 15 = r15). */
static guint64
gpr(const struct kvm_regs *r, guint n)
{
    const guint64 v[16] = {r->rax, r->rcx, r->rdx, r->rbx, r->rsp, r->rbp, r->rsi, r->rdi,
                           r->r8,  r->r9,  r->r10, r->r11, r->r12, r->r13, r->r14, r->r15};
    return v[n & 15];
}

typedef struct {
    const guint8 *p;
    guint left;
    guint used;
} Cursor;

/* @n little-endian bytes; sign-extended when @sign (displacements). */
static gboolean
take(Cursor *c, guint n, gboolean sign, guint64 *ret)
{
    if (c->left < n)
        return FALSE;
    guint64 v = 0;
    for (guint i = 0; i < n; i++)
        v |= (guint64)c->p[i] << (8 * i);
    if (sign && n < 8 && ((v >> (8 * n - 1)) & 1))
        v |= ~0ull << (8 * n);
    c->p += n;
    c->left -= n;
    c->used += n;
    *ret = v;
    return TRUE;
}

/* ModRM (+ SIB + displacement) memory operand in 64-bit mode. @rex is the REX
 * prefix or 0; @seg_base the FS/GS base of an override, else 0. A
 * RIP-relative operand is returned as the bare displacement, flagged. */
static gboolean
decode_mem(const DecodeCtx *ctx, Cursor *c, guint8 modrm, guint8 rex, guint64 seg_base,
           guint64 *ret_gva, gboolean *ret_rip_relative)
{
    guint mod = modrm >> 6, rm = modrm & 7;
    guint disp_bytes = mod == 1 ? 1 : mod == 2 ? 4 : 0;
    guint64 addr = 0, disp = 0, sib;
    *ret_rip_relative = FALSE;
    if (rm == 4) {
        if (!take(c, 1, FALSE, &sib))
            return FALSE;
        guint index = ((sib >> 3) & 7) | ((rex & 2) ? 8 : 0);
        if (index != 4)
            addr += gpr(&ctx->regs, index) << (sib >> 6);
        if ((sib & 7) == 5 && mod == 0)
            disp_bytes = 4; /* no base register */
        else
            addr += gpr(&ctx->regs, (sib & 7) | ((rex & 1) ? 8 : 0));
    } else if (rm == 5 && mod == 0) {
        *ret_rip_relative = TRUE;
        disp_bytes = 4;
    } else {
        addr += gpr(&ctx->regs, rm | ((rex & 1) ? 8 : 0));
    }
    if (disp_bytes > 0 && !take(c, disp_bytes, TRUE, &disp))
        return FALSE;
    *ret_gva = (*ret_rip_relative ? 0 : seg_base + addr) + disp;
    return TRUE;
}

static AssistOp
op_0f_ae(guint reg, gboolean mem)
{
    static const AssistOp with_mem[8] = {ASSIST_OP_FXSAVE,  ASSIST_OP_FXRSTOR, ASSIST_OP_LDMXCSR,
                                         ASSIST_OP_STMXCSR, ASSIST_OP_UNKNOWN, ASSIST_OP_UNKNOWN,
                                         ASSIST_OP_UNKNOWN, ASSIST_OP_NOP};
    if (mem)
        return with_mem[reg];
    return reg >= 5 ? ASSIST_OP_NOP : ASSIST_OP_UNKNOWN; /* LFENCE, MFENCE, SFENCE */
}

static gboolean
decode_0f_ae(const DecodeCtx *ctx, Cursor *c, guint8 rex, guint64 seg_base, AssistInsn *insn)
{
    guint64 modrm;
    gboolean rip_relative;
    if (!take(c, 1, FALSE, &modrm))
        return FALSE;
    insn->has_mem = (modrm >> 6) != 3;
    insn->op = op_0f_ae((modrm >> 3) & 7, insn->has_mem);
    insn->len = c->used;
    if (!insn->has_mem)
        return insn->op != ASSIST_OP_UNKNOWN;
    if (!decode_mem(ctx, c, (guint8)modrm, rex, seg_base, &insn->gva, &rip_relative))
        return FALSE;
    insn->len = c->used;
    if (rip_relative)
        insn->gva += ctx->regs.rip + insn->len;
    return insn->op != ASSIST_OP_UNKNOWN;
}

gboolean
assist_decode(const struct kvm_regs *regs, const struct kvm_sregs *sregs, const guint8 *bytes,
              guint len, AssistInsn *insn)
{
    const DecodeCtx ctx_copy = {*regs, *sregs}, *ctx = &ctx_copy;
    Cursor c = {bytes, len, 0};
    guint8 rex = 0;
    guint64 seg_base = 0, b = 0;
    memset(insn, 0, sizeof *insn);
    for (;;) { /* prefixes: operand size, FS/GS overrides, then REX last */
        if (!take(&c, 1, FALSE, &b))
            return FALSE;
        if (b == 0x66)
            continue;
        if (b == 0x64 || b == 0x65) {
            seg_base = b == 0x64 ? ctx->sregs.fs.base : ctx->sregs.gs.base;
            continue;
        }
        if ((b & 0xf0) == 0x40) {
            rex = (guint8)b;
            if (!take(&c, 1, FALSE, &b))
                return FALSE;
        }
        break;
    }
    insn->rex_w = (rex & 8) != 0;
    if (b == 0xcc || b == 0x9b) {
        insn->op = b == 0xcc ? ASSIST_OP_INT3 : ASSIST_OP_NOP;
        insn->len = c.used;
        return TRUE;
    }
    guint64 b1, b2;
    if (b != 0x0f || !take(&c, 1, FALSE, &b1))
        return FALSE;
    if (b1 == 0xae)
        return decode_0f_ae(ctx, &c, rex, seg_base, insn);
    if (b1 != 0x01 || !take(&c, 1, FALSE, &b2) || (b2 != 0xca && b2 != 0xcb))
        return FALSE;
    insn->op = b2 == 0xca ? ASSIST_OP_CLAC : ASSIST_OP_STAC;
    insn->len = c.used;
    return TRUE;
}

/* ---------------------------------------------------------- guest memory */

/* Copies between @buf and guest-linear [gva, gva + len), page by page. */
static gboolean
guest_copy(Vcpu *vcpu, guint64 gva, void *buf, gsize len, gboolean to_guest)
{
    guint8 *p = buf;
    while (len > 0) {
        struct kvm_translation tr = {.linear_address = gva};
        if (ioctl(vcpu->fd, KVM_TRANSLATE, &tr) < 0 || !tr.valid)
            return FALSE;
        gsize chunk = MIN(len, 4096 - (gva & 4095));
        guint8 *host = guest_memory_ptr(vcpu->vm->mem, tr.physical_address, chunk);
        if (host == NULL)
            return FALSE;
        if (to_guest)
            memcpy(host, p, chunk);
        else
            memcpy(p, host, chunk);
        gva += chunk, p += chunk, len -= chunk;
    }
    return TRUE;
}

/* ----------------------------------------------------------- the x87/SSE */

void
assist_fxsave_image(const struct kvm_fpu *f, guint8 *img, gboolean rex_w)
{
    guint32 mxcsr_mask = MXCSR_MASK;
    memset(img, 0, ASSIST_FXSAVE_BYTES);
    memcpy(img + 0, &f->fcw, 2);
    memcpy(img + 2, &f->fsw, 2);
    img[4] = f->ftwx;
    memcpy(img + 6, &f->last_opcode, 2);
    memcpy(img + 8, &f->last_ip, rex_w ? 8 : 4);
    memcpy(img + 16, &f->last_dp, rex_w ? 8 : 4);
    memcpy(img + 24, &f->mxcsr, 4);
    memcpy(img + 28, &mxcsr_mask, 4);
    for (guint i = 0; i < 8; i++)
        memcpy(img + 32 + 16 * i, f->fpr[i], 10);
    memcpy(img + 160, f->xmm, sizeof f->xmm);
}

void
assist_fxrstor_image(struct kvm_fpu *f, const guint8 *img, gboolean rex_w)
{
    memcpy(&f->fcw, img + 0, 2);
    memcpy(&f->fsw, img + 2, 2);
    f->ftwx = img[4];
    memcpy(&f->last_opcode, img + 6, 2);
    f->last_ip = f->last_dp = 0;
    memcpy(&f->last_ip, img + 8, rex_w ? 8 : 4);
    memcpy(&f->last_dp, img + 16, rex_w ? 8 : 4);
    memcpy(&f->mxcsr, img + 24, 4);
    for (guint i = 0; i < 8; i++)
        memcpy(f->fpr[i], img + 32 + 16 * i, 10);
    memcpy(f->xmm, img + 160, sizeof f->xmm);
}

/* FXSAVE/FXRSTOR/LDMXCSR/STMXCSR. FALSE if the memory is not there (the
 * CPU would fault; we give up instead). */
static gboolean
assist_fpu(AssistCtx *ctx, const AssistInsn *insn, GError **error)
{
    struct kvm_fpu fpu;
    guint8 img[ASSIST_FXSAVE_BYTES];
    Vcpu *v = ctx->vcpu;
    if (!assist_ioctl(v->fd, KVM_GET_FPU, &fpu, "KVM_GET_FPU", error))
        return FALSE;
    switch (insn->op) {
    case ASSIST_OP_FXSAVE:
        assist_fxsave_image(&fpu, img, insn->rex_w);
        return guest_copy(v, insn->gva, img, ASSIST_FXSAVE_BYTES, TRUE);
    case ASSIST_OP_STMXCSR:
        return guest_copy(v, insn->gva, &fpu.mxcsr, 4, TRUE);
    case ASSIST_OP_FXRSTOR:
        if (!guest_copy(v, insn->gva, img, ASSIST_FXSAVE_BYTES, FALSE))
            return FALSE;
        assist_fxrstor_image(&fpu, img, insn->rex_w);
        break;
    default:
        g_assert(insn->op == ASSIST_OP_LDMXCSR);
        if (!guest_copy(v, insn->gva, &fpu.mxcsr, 4, FALSE))
            return FALSE;
        break;
    }
    return assist_ioctl(v->fd, KVM_SET_FPU, &fpu, "KVM_SET_FPU", error);
}

/* ------------------------------------------------------------ the entry */

static gboolean
assist_inject_breakpoint(Vcpu *vcpu, GError **error)
{
    struct kvm_vcpu_events events;
    if (!assist_ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &events, "KVM_GET_VCPU_EVENTS", error))
        return FALSE;
    events.exception.injected = 1;
    events.exception.nr = VECTOR_BP;
    events.exception.has_error_code = 0;
    events.exception.error_code = 0;
    events.flags = 0;
    return assist_ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &events, "KVM_SET_VCPU_EVENTS", error);
}

static gboolean
assist_execute(AssistCtx *ctx, const AssistInsn *insn, GError **error)
{
    switch (insn->op) {
    case ASSIST_OP_CLAC:
        ctx->regs.rflags &= ~RFLAGS_AC;
        return TRUE;
    case ASSIST_OP_STAC:
        ctx->regs.rflags |= RFLAGS_AC;
        return TRUE;
    case ASSIST_OP_FXSAVE:
    case ASSIST_OP_FXRSTOR:
    case ASSIST_OP_LDMXCSR:
    case ASSIST_OP_STMXCSR:
        return assist_fpu(ctx, insn, error);
    default:
        return TRUE; /* INT3 is injected after RIP moves; NOPs need nothing */
    }
}

gboolean
assist_emulation_failure(Vcpu *vcpu, const guint8 *bytes, guint len, GError **error)
{
    AssistCtx ctx = {.vcpu = vcpu};
    AssistInsn insn;
    if (!assist_ioctl(vcpu->fd, KVM_GET_REGS, &ctx.regs, "KVM_GET_REGS", error) ||
        !assist_ioctl(vcpu->fd, KVM_GET_SREGS, &ctx.sregs, "KVM_GET_SREGS", error))
        return FALSE;
    if (!assist_decode(&ctx.regs, &ctx.sregs, bytes, len, &insn))
        return FALSE;
    if (!assist_execute(&ctx, &insn, error))
        return FALSE;
    ctx.regs.rip += insn.len;
    if (!assist_ioctl(vcpu->fd, KVM_SET_REGS, &ctx.regs, "KVM_SET_REGS", error))
        return FALSE;
    vcpu->assists++;
    return insn.op != ASSIST_OP_INT3 || assist_inject_breakpoint(vcpu, error);
}
