/* file.c - creating and replacing the files of a store; the rules are in file.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "internal.h"

#define GROUP_RW  (S_IRGRP | S_IWGRP)
#define GROUP_RWX (S_IRWXG)

static gboolean
io_error(GError **error, const char *path, const char *what, int e)
{
    g_set_error(error, RONDO_ERROR, RONDO_ERROR_IO, "%s: %s: %s", path, what, g_strerror(e));
    return FALSE;
}

gboolean
rondo_file_dir_is_shared(const char *dir)
{
    struct stat st;
    return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & S_ISGID) != 0;
}

gboolean
rondo_file_mkdir(const char *path, GError **error)
{
    struct stat st;
    gboolean existed = stat(path, &st) == 0;
    if (g_mkdir_with_parents(path, 0777) < 0)
        return io_error(error, path, "cannot create", errno);
    if (existed)
        return TRUE;
    g_autofree char *parent = g_path_get_dirname(path);
    if (!rondo_file_dir_is_shared(parent))
        return TRUE;
    /* The kernel gave it the parent's group and set-group-ID bit; the umask
     * may have taken the group's write bit. */
    if (stat(path, &st) != 0 || chmod(path, (st.st_mode & 07777) | GROUP_RWX | S_ISGID) != 0)
        return io_error(error, path, "cannot share with the group", errno);
    return TRUE;
}

int
rondo_file_create(const char *path, int flags, gboolean dir_shared, GError **error)
{
    int fd = open(path, flags | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) {
        io_error(error, path, "cannot create", errno);
        return -1;
    }
    struct stat st;
    if (dir_shared && fstat(fd, &st) == 0 && (st.st_mode & GROUP_RW) != GROUP_RW &&
        st.st_uid == geteuid() && fchmod(fd, (st.st_mode & 07777) | GROUP_RW) != 0) {
        int e = errno;
        close(fd);
        io_error(error, path, "cannot share with the group", e);
        return -1;
    }
    return fd;
}

static gboolean
write_all(int fd, const char *data, gsize len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return FALSE;
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
        (void)fsync(fd);
        close(fd);
    }
}

gboolean
rondo_file_replace(const char *path, const char *data, gsize len, GError **error)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *base = g_path_get_basename(path);
    g_autofree char *tmp = g_strdup_printf("%s/.%s.tmp-XXXXXX", dir, base);
    int fd = g_mkstemp_full(tmp, O_RDWR | O_CLOEXEC, 0666);
    if (fd < 0)
        return io_error(error, path, "cannot create a temporary file", errno);
    struct stat st;
    gboolean ok = (!rondo_file_dir_is_shared(dir) ||
                   (fstat(fd, &st) == 0 && fchmod(fd, (st.st_mode & 07777) | GROUP_RW) == 0)) &&
                  write_all(fd, data, len) && fsync(fd) == 0;
    int e = errno;
    if (close(fd) != 0 && ok) {
        ok = FALSE;
        e = errno;
    }
    if (ok && rename(tmp, path) != 0) {
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
