/* replay.c - main() for the fuzz targets in builds without libFuzzer.
 *
 *   fuzz-TARGET [--tap] [FILE|DIR...]
 *
 * Runs LLVMFuzzerTestOneInput() once on each file given, or on each file of
 * $top_srcdir/tests/fuzz/corpus/TARGET (TARGET from the program's name)
 * when none is, and prints one TAP line per input: `make check` replays
 * every committed corpus, so an input that once crashed stays fixed in
 * builds that are not fuzzing. A crash is the sanitizers' or abort()'s.
 */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "fuzz.h"

static int
path_compare(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
collect(GPtrArray *files, const char *path)
{
    GDir *dir = g_dir_open(path, 0, NULL);
    if (dir == NULL) {
        g_ptr_array_add(files, g_strdup(path));
        return;
    }
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    while ((name = g_dir_read_name(dir)) != NULL)
        g_ptr_array_add(names, g_build_filename(path, name, NULL));
    g_dir_close(dir);
    g_ptr_array_sort(names, path_compare); /* a stable order */
    for (guint i = 0; i < names->len; i++)
        g_ptr_array_add(files, g_strdup(g_ptr_array_index(names, i)));
}

static char *
default_corpus(const char *argv0)
{
    g_autofree char *base = g_path_get_basename(argv0);
    const char *target = base;
    if (g_str_has_prefix(target, "lt-"))
        target += 3;
    if (g_str_has_prefix(target, "fuzz-"))
        target += 5;
    const char *top = g_getenv("top_srcdir");
    return g_build_filename(top ? top : ".", "tests", "fuzz", "corpus", target, NULL);
}

int
main(int argc, char **argv)
{
    g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--tap") != 0)
            collect(files, argv[i]);
    }
    if (files->len == 0) {
        g_autofree char *corpus = default_corpus(argv[0]);
        collect(files, corpus);
    }
    printf("1..%u\n", files->len);
    for (guint i = 0; i < files->len; i++) {
        const char *path = g_ptr_array_index(files, i);
        g_autofree char *data = NULL;
        gsize n = 0;
        g_autoptr(GError) error = NULL;
        if (!g_file_get_contents(path, &data, &n, &error)) {
            printf("not ok %u - %s\n", i + 1, error->message);
            return 1;
        }
        LLVMFuzzerTestOneInput((const uint8_t *)data, n);
        printf("ok %u - %s\n", i + 1, path);
        fflush(stdout);
    }
    return 0;
}
