/* fuzz-util.c - the scratch directory, input splitting and findings; see fuzz.h. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib/gstdio.h>
#include "fuzz.h"

static char *scratch;

/* abort(), not GLib's fatal SIGTRAP, which libFuzzer would not catch (no input saved). */
static GLogWriterOutput
log_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
    if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)) {
        g_log_writer_standard_streams(level, fields, n_fields, data);
        abort();
    }
    return G_LOG_WRITER_HANDLED; /* quiet: messages and debug output are not findings */
}

void
fuzz_init(void)
{
    static gsize once;
    if (g_once_init_enter(&once)) {
        g_log_set_writer_func(log_writer, NULL, NULL);
        g_once_init_leave(&once, 1);
    }
}

static void
remove_tree(const char *path, gboolean keep_top)
{
    GDir *dir = g_file_test(path, G_FILE_TEST_IS_SYMLINK) ? NULL : g_dir_open(path, 0, NULL);
    if (dir != NULL) {
        const char *name;
        while ((name = g_dir_read_name(dir)) != NULL) {
            g_autofree char *child = g_build_filename(path, name, NULL);
            remove_tree(child, FALSE);
        }
        g_dir_close(dir);
    }
    if (!keep_top && g_remove(path) != 0)
        fuzz_fail("cannot remove %s", path);
}

static void
scratch_remove(void)
{
    if (scratch != NULL)
        remove_tree(scratch, FALSE);
    g_clear_pointer(&scratch, g_free);
}

const char *
fuzz_dir(void)
{
    if (scratch == NULL) {
        g_autoptr(GError) error = NULL;
        scratch = g_dir_make_tmp("rondo-fuzz-XXXXXX", &error);
        if (scratch == NULL)
            fuzz_fail("%s", error->message);
        atexit(scratch_remove);
    }
    return scratch;
}

void
fuzz_dir_clear(void)
{
    remove_tree(fuzz_dir(), TRUE);
}

void
fuzz_remove(const char *name)
{
    g_autofree char *path = g_build_filename(fuzz_dir(), name, NULL);
    if (g_file_test(path, G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK))
        remove_tree(path, FALSE);
}

char *
fuzz_file_write(const char *name, const void *data, gsize n)
{
    g_autoptr(GError) error = NULL;
    char *path = g_build_filename(fuzz_dir(), name, NULL);
    if (!g_file_set_contents_full(path, n ? data : "", (gssize)n, G_FILE_SET_CONTENTS_NONE, 0600,
                                  &error))
        fuzz_fail("%s", error->message);
    return path;
}

GPtrArray *
fuzz_split(const guint8 *data, gsize n)
{
    GPtrArray *parts = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    const gsize sep_n = strlen(FUZZ_SEP);
    gsize start = 0;
    for (gsize i = 0; i + sep_n <= n; i++) {
        if (memcmp(data + i, FUZZ_SEP, sep_n) == 0) {
            g_ptr_array_add(parts, g_bytes_new(data + start, i - start));
            start = i + sep_n;
            i = start - 1;
        }
    }
    g_ptr_array_add(parts, g_bytes_new(data + start, n - start));
    return parts;
}

void
fuzz_fail(const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    fputs("fuzz: ", stderr);
    vfprintf(stderr, format, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}
