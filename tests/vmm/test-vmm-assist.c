/* test-vmm-assist.c - the instruction-assist decoder and the FXSAVE image,
 * on hand-assembled instruction bytes (no KVM needed). */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "assist.h"

typedef struct {
    const char *name;
    guint8 bytes[15];
    guint len;
    AssistOp op;
    guint insn_len;
    gboolean has_mem;
    gboolean rex_w;
    guint64 gva;
} DecodeCase;

#define RIP 0xffffffff81000000ull
#define RSP 0xffffc90000010000ull
#define RAX 0x2000ull
#define R12 0x7000ull
#define GS  0xffff888000000000ull

static const DecodeCase decode_cases[] = {
    {"int3", {0xcc}, 1, ASSIST_OP_INT3, 1, FALSE, FALSE, 0},
    {"fwait", {0x9b}, 1, ASSIST_OP_NOP, 1, FALSE, FALSE, 0},
    {"clac", {0x0f, 0x01, 0xca}, 3, ASSIST_OP_CLAC, 3, FALSE, FALSE, 0},
    {"stac", {0x0f, 0x01, 0xcb}, 3, ASSIST_OP_STAC, 3, FALSE, FALSE, 0},
    {"lfence", {0x0f, 0xae, 0xe8}, 3, ASSIST_OP_NOP, 3, FALSE, FALSE, 0},
    {"ldmxcsr [rsp+4]",
     {0x0f, 0xae, 0x54, 0x24, 0x04, 0x83},
     6,
     ASSIST_OP_LDMXCSR,
     5,
     TRUE,
     FALSE,
     RSP + 4},
    {"fxsaveq [rax]", {0x48, 0x0f, 0xae, 0x00}, 4, ASSIST_OP_FXSAVE, 4, TRUE, TRUE, RAX},
    {"fxrstor [r12-16]",
     {0x41, 0x0f, 0xae, 0x4c, 0x24, 0xf0},
     6,
     ASSIST_OP_FXRSTOR,
     6,
     TRUE,
     FALSE,
     R12 - 16},
    {"stmxcsr [rip+0x10]",
     {0x0f, 0xae, 0x1d, 0x10, 0, 0, 0},
     7,
     ASSIST_OP_STMXCSR,
     7,
     TRUE,
     FALSE,
     RIP + 7 + 0x10},
    {"stmxcsr gs:[0x1000]",
     {0x65, 0x0f, 0xae, 0x1c, 0x25, 0x00, 0x10, 0, 0},
     9,
     ASSIST_OP_STMXCSR,
     9,
     TRUE,
     FALSE,
     GS + 0x1000},
    {"clflush [rax+rax*2+0x100]",
     {0x0f, 0xae, 0xbc, 0x40, 0x00, 0x01, 0, 0},
     8,
     ASSIST_OP_NOP,
     8,
     TRUE,
     FALSE,
     RAX * 3 + 0x100},
};

static void
regs_fixture(struct kvm_regs *regs, struct kvm_sregs *sregs)
{
    memset(regs, 0, sizeof *regs);
    memset(sregs, 0, sizeof *sregs);
    regs->rip = RIP;
    regs->rsp = RSP;
    regs->rax = RAX;
    regs->r12 = R12;
    sregs->gs.base = GS;
}

static void
test_decode_known(void)
{
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    regs_fixture(&regs, &sregs);
    for (guint i = 0; i < G_N_ELEMENTS(decode_cases); i++) {
        const DecodeCase *c = &decode_cases[i];
        AssistInsn insn;
        g_test_message("%s", c->name);
        g_assert_true(assist_decode(&regs, &sregs, c->bytes, c->len, &insn));
        g_assert_cmpint(insn.op, ==, c->op);
        g_assert_cmpuint(insn.len, ==, c->insn_len);
        g_assert_cmpint(insn.has_mem, ==, c->has_mem);
        g_assert_cmpint(insn.rex_w, ==, c->rex_w);
        if (c->has_mem)
            g_assert_cmphex(insn.gva, ==, c->gva);
    }
}

static void
test_decode_unknown(void)
{
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    regs_fixture(&regs, &sregs);
    const guint8 ud2[] = {0x0f, 0x0b};
    const guint8 xsave[] = {0x0f, 0xae, 0x20};
    const guint8 truncated[] = {0x0f, 0xae, 0x54, 0x24};
    const guint8 only_prefixes[] = {0x66, 0x65};
    AssistInsn insn;
    g_assert_false(assist_decode(&regs, &sregs, ud2, sizeof ud2, &insn));
    g_assert_false(assist_decode(&regs, &sregs, xsave, sizeof xsave, &insn));
    g_assert_false(assist_decode(&regs, &sregs, truncated, sizeof truncated, &insn));
    g_assert_false(assist_decode(&regs, &sregs, only_prefixes, sizeof only_prefixes, &insn));
    g_assert_false(assist_decode(&regs, &sregs, ud2, 0, &insn));
}

static void
test_fxsave_image(void)
{
    struct kvm_fpu in, out;
    memset(&in, 0, sizeof in);
    in.fcw = 0x37f;
    in.fsw = 0x1234;
    in.ftwx = 0x81;
    in.last_opcode = 0x7ff;
    in.last_ip = 0xffffffff81234567ull;
    in.last_dp = 0xffff888012345678ull;
    in.mxcsr = 0x1f80;
    for (guint i = 0; i < 8; i++)
        memset(in.fpr[i], 0x10 + i, 10);
    for (guint i = 0; i < 16; i++)
        memset(in.xmm[i], 0x40 + i, 16);
    guint8 img[ASSIST_FXSAVE_BYTES];
    assist_fxsave_image(&in, img, TRUE);
    guint32 mxcsr, mask;
    memcpy(&mxcsr, img + 24, 4);
    memcpy(&mask, img + 28, 4);
    g_assert_cmphex(mxcsr, ==, 0x1f80);
    g_assert_cmphex(mask, !=, 0);
    g_assert_cmpuint(img[32 + 16 * 3], ==, 0x13);   /* ST3 */
    g_assert_cmpuint(img[160 + 16 * 15], ==, 0x4f); /* XMM15 */
    memset(&out, 0, sizeof out);
    assist_fxrstor_image(&out, img, TRUE);
    g_assert_cmpmem(&in, sizeof in, &out, sizeof out);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vmm/assist/decode-known", test_decode_known);
    g_test_add_func("/vmm/assist/decode-unknown", test_decode_unknown);
    g_test_add_func("/vmm/assist/fxsave-image", test_fxsave_image);
    return g_test_run();
}
