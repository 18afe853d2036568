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
 *     directory fsync'ed.
 */
#ifndef RONDO_FILE_H
#define RONDO_FILE_H

#include <glib.h>

/* TRUE when @dir has the set-group-ID bit: files made in it are group-writable. */
gboolean rondo_file_dir_is_shared(const char *dir);

/* Creates the directory @path (and missing parents) with the umask's mode,
 * plus group rwx and set-group-ID when its parent is shared. */
gboolean rondo_file_mkdir(const char *path, GError **error);

/* Opens @path with open(2) @flags | O_CREAT | O_CLOEXEC, mode 0666 less the
 * umask, plus group read/write when @dir_shared. Returns the fd or -1 with
 * RONDO_ERROR_IO naming @path. */
int rondo_file_create(const char *path, int flags, gboolean dir_shared, GError **error);

/* Replaces @path atomically with @len bytes of @data (see the top comment). */
gboolean rondo_file_replace(const char *path, const char *data, gsize len, GError **error);

#endif /* RONDO_FILE_H */
