/* error.c - the RONDO_ERROR domain. */
#include "config.h"
#include "internal.h"

G_DEFINE_QUARK(rondo - error - quark, rondo_error)
