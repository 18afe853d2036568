/* fault-ops.h - librondo's file operations failing at the k-th rename or
 * allocation, for the crash-safety tests of upgrade and resize (file.h's
 * table of operations; link lib/librondo-internal.la). Header-only: each
 * test program gets its own counters. */
#ifndef RONDO_TEST_FAULT_OPS_H
#define RONDO_TEST_FAULT_OPS_H

#include <errno.h>
#include <string.h>
#include "file.h"

static struct {
    guint renames, fail_rename_at, fallocates, fail_fallocate_at;
} test_faults;

static int
test_fault_rename(const char *from, const char *to)
{
    if (++test_faults.renames == test_faults.fail_rename_at) {
        errno = EIO;
        return -1;
    }
    return rondo_file_ops_default()->rename(from, to);
}

static int
test_fault_fallocate(int fd, off_t off, off_t len)
{
    if (++test_faults.fallocates == test_faults.fail_fallocate_at)
        return ENOSPC;
    return rondo_file_ops_default()->fallocate(fd, off, len);
}

/* From now on the @k-th rename (@kind 0) or allocation (@kind 1) fails. */
static inline void
test_faults_arm(guint kind, guint k)
{
    static RondoFileOps ops;
    ops = *rondo_file_ops_default();
    ops.rename = test_fault_rename;
    ops.fallocate = test_fault_fallocate;
    memset(&test_faults, 0, sizeof test_faults);
    test_faults.fail_rename_at = kind == 0 ? k : 0;
    test_faults.fail_fallocate_at = kind == 1 ? k : 0;
    rondo_file_set_ops(&ops);
}

static inline void
test_faults_disarm(void)
{
    rondo_file_set_ops(NULL);
}

#endif
