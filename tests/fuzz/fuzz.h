/* fuzz.h - what rondo's libFuzzer targets share.
 *
 * One target per parser of outside input (tests/fuzz/fuzz-*.c), each with
 * LLVMFuzzerTestOneInput(). Built with libFuzzer (./configure CC=clang
 * --enable-fuzzing; `make fuzz-smoke`), or with replay.c as main() in every
 * other build, where `make check` runs each target over its committed corpus
 * (tests/fuzz/corpus/TARGET). A target must be deterministic, must not log,
 * and must leave nothing behind: files go into fuzz_dir(), which is emptied
 * after each input and removed at exit.
 */
#ifndef RONDO_FUZZ_H
#define RONDO_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <glib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Separates the files of one input (store, json targets); in the dictionaries. */
#define FUZZ_SEP "\n--8<--\n"

/* A warning or critical (g_return_if_fail) is a finding: makes them abort(), and
 * silences other messages. Idempotent. */
void fuzz_init(void);
/* The process' scratch directory, made on first use, removed at exit. */
const char *fuzz_dir(void);
/* Removes everything inside fuzz_dir() (not the directory itself). */
void fuzz_dir_clear(void);
/* Removes fuzz_dir()/@name, a file or a directory tree, if it exists. */
void fuzz_remove(const char *name);
/* Writes @n bytes as fuzz_dir()/@name (no fsync); aborts on failure. Returns the path. */
char *fuzz_file_write(const char *name, const void *data, gsize n);
/* Splits @data at each FUZZ_SEP; always at least one part. (transfer full): GBytes. */
GPtrArray *fuzz_split(const guint8 *data, gsize n);
/* A finding the sanitizers cannot see (a broken invariant): prints and aborts. */
G_NORETURN void fuzz_fail(const char *format, ...) G_GNUC_PRINTF(1, 2);

#endif /* RONDO_FUZZ_H */
