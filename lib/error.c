/* error.c - the RONDO_ERROR domain.
 *
 * Written out rather than with G_DEFINE_QUARK(rondo-error-quark, ...):
 * clang-format spaces the macro's first argument as a subtraction, and the
 * macro stringifies it, so the domain became "rondo - error - quark".
 * tests/test-schema checks the names.
 */
#include "config.h"
#include "internal.h"

GQuark
rondo_error_quark(void)
{
    return g_quark_from_static_string("rondo-error-quark");
}
