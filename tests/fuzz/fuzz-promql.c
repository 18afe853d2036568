/* fuzz-promql.c - rondod's PromQL parser (src/promql.c).
 *
 * Input: one expression, cut at its first NUL and at twice PROMQL_EXPR_MAX
 * bytes (rondod refuses longer ones before parsing). Oracles beyond the
 * sanitizers: a refusal has a message; an accepted tree is no deeper than
 * the expression is long and its matchers can be applied.
 */
#include "config.h"
#include <string.h>
#include "fuzz.h"
#include "promql.h"

/* The tree's depth, checking every node on the way. */
static guint
node_walk(const Node *node)
{
    if (node == NULL)
        return 0;
    if (node->kind == NODE_SELECTOR) {
        if (node->matchers == NULL)
            fuzz_fail("a selector without matchers");
        for (guint i = 0; i < node->matchers->len; i++) {
            const Matcher *m = g_ptr_array_index(node->matchers, i);
            (void)matcher_matches(m, "");
            (void)matcher_matches(m, m->value);
        }
    }
    if (node->kind == NODE_FUNC)
        (void)promql_func_name(node->func);
    (void)promql_node_is_scalar(node);
    guint lhs = node_walk(node->lhs), rhs = node_walk(node->rhs); /* not in MAX(): twice */
    return 1 + MAX(lhs, rhs);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    g_autofree char *expr = g_strndup((const char *)data, MIN(size, 2 * PROMQL_EXPR_MAX));
    g_autoptr(GError) error = NULL;
    g_autoptr(Node) node = promql_parse(expr, &error);
    if (node == NULL) {
        if (error == NULL || error->message[0] == '\0')
            fuzz_fail("an expression refused without a message");
        return 0;
    }
    /* PROMQL_DEPTH_MAX bounds nesting; a chain (1+1+...) is as deep as it is
     * long, each level taking at least one character. */
    guint depth = node_walk(node);
    if (depth > strlen(expr))
        fuzz_fail("a tree %u deep from %zu characters", depth, strlen(expr));
    return 0;
}
