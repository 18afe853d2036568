/* file.c - creating, opening, reading and replacing the files of a store;
 * the rules are in file.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "internal.h"

#define GROUP_RW   (S_IRGRP | S_IWGRP)
#define GROUP_RWX  (S_IRWXG)
#define OPEN_RULES (O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)

static int
sys_open(const char *path, int flags, mode_t mode)
{
    return open(path, flags, mode);
}

static int
sys_fallocate(int fd, off_t offset, off_t len)
{
    return posix_fallocate(fd, offset, len);
}

static const RondoFileOps ops_default = {
    sys_open, write, pwrite, fsync, rename, sys_fallocate, ftruncate,
};

/* The library's one mutable static: see "Fault injection" in file.h. */
static const RondoFileOps *ops = &ops_default;

const RondoFileOps *
rondo_file_ops_default(void)
{
    return &ops_default;
}

void
rondo_file_set_ops(const RondoFileOps *new_ops)
{
    ops = new_ops != NULL ? new_ops : &ops_default;
}

static gboolean
io_error(GError **error, const char *path, const char *what, int e)
{
    g_set_error(error, RONDO_ERROR, RONDO_ERROR_IO, "%s: %s: %s", path, what, g_strerror(e));
    return FALSE;
}

static gboolean
not_regular(GError **error, const char *path)
{
    g_set_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT,
                "%s: not a regular file (a symbolic link, FIFO, device or directory): refused",
                path);
    return FALSE;
}

/* The open(2) error @e for @path: a link (O_NOFOLLOW) is damage, not I/O. */
static int
open_error(GError **error, const char *path, const char *what, int e)
{
    if (e == ELOOP || e == ENXIO || e == EISDIR)
        not_regular(error, path);
    else
        io_error(error, path, what, e);
    return -1;
}

/* @fd is a regular file, or it is closed and -1 returned with an error. */
static int
fd_check_regular(int fd, const char *path, struct stat *ret_st, GError **error)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return open_error(error, path, "cannot stat", e);
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        not_regular(error, path);
        return -1;
    }
    if (ret_st != NULL)
        *ret_st = st;
    return fd;
}

gboolean
rondo_file_dir_is_shared(const char *dir)
{
    struct stat st;
    return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & S_ISGID) != 0;
}

gboolean
rondo_file_mkdir(const char *path, gboolean *ret_created, GError **error)
{
    struct stat st;
    gboolean existed = stat(path, &st) == 0;
    if (g_mkdir_with_parents(path, 0777) < 0)
        return io_error(error, path, "cannot create", errno);
    if (ret_created != NULL)
        *ret_created = !existed;
    if (existed)
        return TRUE;
    g_autofree char *parent = g_path_get_dirname(path);
    if (!rondo_file_dir_is_shared(parent))
        return TRUE;
    /* The kernel gave it the parent's group and set-group-ID bit; the umask
     * may have taken the group's write bit. chmod() only when a bit is
     * missing: a mode with S_ISGID is refused (EPERM) under systemd's
     * RestrictSUIDSGID=, even when the bit is set already, and a unit
     * with UMask=0007 has nothing to change. */
    if (stat(path, &st) != 0)
        return io_error(error, path, "cannot share with the group", errno);
    mode_t want = (st.st_mode & 07777) | GROUP_RWX | S_ISGID;
    if (want != (st.st_mode & 07777) && chmod(path, want) != 0)
        return io_error(error, path, "cannot share with the group", errno);
    return TRUE;
}

int
rondo_file_create(const char *path, int flags, gboolean dir_shared, GError **error)
{
    int fd = ops->open(path, flags | O_CREAT | OPEN_RULES, 0666);
    if (fd < 0)
        return open_error(error, path, "cannot create", errno);
    struct stat st;
    if (fd_check_regular(fd, path, &st, error) < 0)
        return -1;
    if (dir_shared && (st.st_mode & GROUP_RW) != GROUP_RW && st.st_uid == geteuid() &&
        fchmod(fd, (st.st_mode & 07777) | GROUP_RW) != 0) {
        int e = errno;
        close(fd);
        io_error(error, path, "cannot share with the group", e);
        return -1;
    }
    return fd;
}

int
rondo_file_open(const char *path, int flags, struct stat *ret_st, GError **error)
{
    int fd = ops->open(path, flags | OPEN_RULES, 0);
    if (fd < 0)
        return open_error(error, path, "cannot open", errno);
    return fd_check_regular(fd, path, ret_st, error);
}

static gboolean
read_all(int fd, char *buf, gsize len)
{
    while (len > 0) {
        ssize_t n = read(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO; /* shrank since fstat */
            return FALSE;
        }
        buf += n;
        len -= (gsize)n;
    }
    return TRUE;
}

char *
rondo_file_read(const char *path, gsize bytes_max, gsize *ret_len, GError **error)
{
    int fd = ops->open(path, O_RDONLY | OPEN_RULES, 0);
    if (fd < 0 && errno == ENOENT) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_NOT_FOUND, "%s: missing", path);
        return NULL;
    }
    struct stat st;
    if (fd < 0 ? open_error(error, path, "cannot open", errno) < 0
               : fd_check_regular(fd, path, &st, error) < 0)
        return NULL;
    if ((guint64)st.st_size > bytes_max) {
        close(fd);
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT,
                    "%s: %" G_GUINT64_FORMAT " bytes, more than the %" G_GSIZE_FORMAT
                    " such a file can have",
                    path, (guint64)st.st_size, bytes_max);
        return NULL;
    }
    gsize len = (gsize)st.st_size;
    g_autofree char *buf = g_malloc(len + 1);
    gboolean ok = read_all(fd, buf, len);
    int e = errno;
    close(fd);
    if (!ok) {
        io_error(error, path, "cannot read", e);
        return NULL;
    }
    buf[len] = '\0';
    if (ret_len != NULL)
        *ret_len = len;
    return g_steal_pointer(&buf);
}

static gboolean
write_all(int fd, const char *data, gsize len)
{
    while (len > 0) {
        ssize_t n = ops->write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = ENOSPC; /* write(2) returns 0 only when nothing fits */
            return FALSE;
        }
        data += n;
        len -= (gsize)n;
    }
    return TRUE;
}

/* fsync the directory holding @path, so that a rename survives a crash. */
static void
sync_parent(const char *path)
{
    g_autofree char *dir = g_path_get_dirname(path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)ops->fsync(fd);
        close(fd);
    }
}

/* A new temporary file .BASE.tmp-XXXXXX beside @path; its name in @ret_tmp. */
static int
tmp_create(const char *path, char **ret_tmp, GError **error)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *base = g_path_get_basename(path);
    gboolean shared = rondo_file_dir_is_shared(dir);
    for (guint attempt = 0; attempt < 100; attempt++) {
        g_autofree char *tmp = g_strdup_printf("%s/.%s" RONDO_TMP_INFIX "%06x", dir, base,
                                               g_random_int_range(0, 0x1000000));
        g_autoptr(GError) local = NULL;
        int fd = rondo_file_create(tmp, O_RDWR | O_EXCL, shared, &local);
        if (fd >= 0) {
            *ret_tmp = g_steal_pointer(&tmp);
            return fd;
        }
        if (!g_file_test(tmp, G_FILE_TEST_EXISTS)) {
            g_propagate_prefixed_error(error, g_steal_pointer(&local), "%s: ", path);
            return -1;
        }
    }
    io_error(error, path, "cannot create a temporary file", EEXIST);
    return -1;
}

gboolean
rondo_file_replace(const char *path, const char *data, gsize len, GError **error)
{
    g_autofree char *tmp = NULL;
    int fd = tmp_create(path, &tmp, error);
    if (fd < 0)
        return FALSE;
    gboolean ok = write_all(fd, data, len) && ops->fsync(fd) == 0;
    int e = errno;
    if (close(fd) != 0 && ok) {
        ok = FALSE;
        e = errno;
    }
    if (ok && ops->rename(tmp, path) != 0) {
        ok = FALSE;
        e = errno;
    }
    if (!ok) {
        g_unlink(tmp);
        return io_error(error, path, "cannot write", e);
    }
    sync_parent(path);
    return TRUE;
}

gboolean
rondo_file_rewrite(int fd, const char *path, const char *data, gsize len, GError **error)
{
    g_assert(fd >= 0);
    if (ops->ftruncate(fd, 0) != 0)
        return io_error(error, path, "cannot write", errno);
    ssize_t n = ops->pwrite(fd, data, len, 0);
    if (n < 0 || (gsize)n != len)
        return io_error(error, path, "cannot write", n < 0 ? errno : ENOSPC);
    return TRUE;
}

gboolean
rondo_file_allocate(int fd, const char *path, guint64 bytes, GError **error)
{
    g_assert(fd >= 0);
    int rc = ops->fallocate(fd, 0, (off_t)bytes);
    if (rc != 0)
        return io_error(error, path, "cannot allocate", rc);
    return TRUE;
}

gboolean
rondo_file_rename(const char *from, const char *to, GError **error)
{
    if (ops->rename(from, to) != 0)
        return io_error(error, to, "cannot rename into place", errno);
    sync_parent(to);
    g_autofree char *from_dir = g_path_get_dirname(from);
    g_autofree char *to_dir = g_path_get_dirname(to);
    if (!g_str_equal(from_dir, to_dir))
        sync_parent(from);
    return TRUE;
}
