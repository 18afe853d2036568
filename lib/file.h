/* file.h - how librondo creates, replaces and opens the files of a store.
 *
 * One place for the rules every file of a store follows:
 *   - new files and directories get the caller's umask (mode 0666 / 0777
 *     before the umask), as every well-behaved Unix program does;
 *   - in a group-shared directory (one with the set-group-ID bit, such as
 *     /var/lib/rondo, mode 2770) they also get group read and write
 *     whatever the umask, so that another member of the group (rondod
 *     adopting a store a VMM wrote) can take over; the kernel gives them
 *     the directory's group;
 *   - small metadata files are replaced atomically: a temporary file in the
 *     same directory, written, fsync'ed, renamed over the old one, and the
 *     directory fsync'ed;
 *   - every file is opened with O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC and must
 *     be a regular file (fstat): a symbolic link, FIFO, device or directory
 *     in a store is refused with RONDO_ERROR_CORRUPT naming it, so that no
 *     open blocks and nothing is written through a link into another file;
 *   - a file is read whole only after fstat shows it under the caller's
 *     size limit.
 *
 * Fault injection: the system calls that change files (open, write,
 * pwrite, fsync, rename, posix_fallocate, ftruncate) go through a table of
 * function pointers, SQLite's os_unix style. Only the tests replace it
 * (rondo_file_set_ops()); it is the library's one mutable static, read
 * without a lock, so it must not change while another thread uses a store.
 */
#ifndef RONDO_FILE_H
#define RONDO_FILE_H

#include <glib.h>
#include <sys/stat.h>
#include <sys/types.h>

typedef struct {
    int (*open)(const char *path, int flags, mode_t mode);
    ssize_t (*write)(int fd, const void *buf, size_t n);
    ssize_t (*pwrite)(int fd, const void *buf, size_t n, off_t offset);
    int (*fsync)(int fd);
    int (*rename)(const char *from, const char *to);
    int (*fallocate)(int fd, off_t offset, off_t len); /* 0 or an errno, as posix_fallocate */
    int (*ftruncate)(int fd, off_t len);
} RondoFileOps;

/* The system calls themselves. */
const RondoFileOps *rondo_file_ops_default(void);
/* Tests only: @ops replaces the table until the next call; NULL restores the default. */
void rondo_file_set_ops(const RondoFileOps *ops);

/* TRUE when @dir has the set-group-ID bit: files made in it are group-writable. */
gboolean rondo_file_dir_is_shared(const char *dir);

/* Creates the directory @path (and missing parents) with the umask's mode,
 * plus group rwx and set-group-ID when its parent is shared. @ret_created
 * (optional) says whether @path itself was made by this call. */
gboolean rondo_file_mkdir(const char *path, gboolean *ret_created, GError **error);

/* Opens @path with open(2) @flags | O_CREAT plus the rules above, mode 0666
 * less the umask, plus group read/write when @dir_shared. Returns the fd
 * or -1 with RONDO_ERROR_IO (or _CORRUPT for a link or special file). */
int rondo_file_create(const char *path, int flags, gboolean dir_shared, GError **error);

/* Opens the existing regular file @path with @flags (O_RDONLY or O_RDWR)
 * plus the rules above; @ret_st (optional) gets its fstat. Returns the fd
 * or -1 with RONDO_ERROR_IO (or _CORRUPT for a link or special file). */
int rondo_file_open(const char *path, int flags, struct stat *ret_st, GError **error);

/* Reads the regular file @path whole, NUL-terminated, if it has at most
 * @bytes_max bytes. RONDO_ERROR_NOT_FOUND when it does not exist,
 * RONDO_ERROR_CORRUPT when it is too large, a link or a special file. */
char *rondo_file_read(const char *path, gsize bytes_max, gsize *ret_len, GError **error);

/* Replaces @path atomically with @len bytes of @data (see the top comment). */
gboolean rondo_file_replace(const char *path, const char *data, gsize len, GError **error);

/* Replaces the whole content of the open file @fd (named @path) by @data. */
gboolean rondo_file_rewrite(int fd, const char *path, const char *data, gsize len, GError **error);

/* Renames @from to @to (a file or a directory) and fsyncs the directories
 * of both, so that the rename survives a crash. */
gboolean rondo_file_rename(const char *from, const char *to, GError **error);

/* Gives @fd (named @path) @bytes of disk (posix_fallocate). */
gboolean rondo_file_allocate(int fd, const char *path, guint64 bytes, GError **error);

#endif /* RONDO_FILE_H */
