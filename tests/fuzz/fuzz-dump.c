/* fuzz-dump.c - the JSON the command-line tools read from a pipe or a socket.
 *
 * Input: a selector byte, then the text. Selector % 2: 0 a dump given to
 * `rondo restore` (tools/dump-restore.c, read as a stream by
 * tools/json-stream.c) into a new store, 1 an answer of rondod or
 * Prometheus read by `rondo-query --url` (tools/remote.c). Both are
 * parsed within the tools' bounds (json-input.c).
 *
 * Oracles beyond the sanitizers: no GLib critical (fuzz_init() makes one
 * fatal: a mistyped member is input, not a bug); a failure always says
 * why; a store a dump made reopens and passes rondo_store_check(), and
 * holds no more points than the dump counted.
 */
#include "config.h"
#include "dump-restore.h"
#include "fuzz.h"
#include "json-input.h"
#include "remote.h"

static guint problems;

static void
count_problem(const char *problem, gpointer user_data)
{
    (void)problem;
    (void)user_data;
    problems++;
}

static void
restore_one(const char *text, gsize len)
{
    g_autofree char *dir = g_build_filename(fuzz_dir(), "restored", NULL);
    g_autoptr(GError) error = NULL;
    ToolRestoreTally tally = {0};
    g_autoptr(GInputStream) in = g_memory_input_stream_new_from_data(text, (gssize)len, NULL);
    if (!tool_dump_restore(dir, in, &tally, NULL, NULL, &error)) {
        if (error == NULL || error->message[0] == '\0')
            fuzz_fail("a dump refused without a message");
        fuzz_remove("restored");
        return;
    }
    g_autoptr(RondoStore) store = rondo_store_open(dir, RONDO_OPEN_READ_ONLY, &error);
    if (store == NULL)
        fuzz_fail("a restored store does not reopen: %s", error->message);
    problems = 0;
    if (rondo_store_check(store, 0, count_problem, NULL) != 0 || problems != 0)
        fuzz_fail("a restored store fails its check (%u problems)", problems);
    if (tally.kept > tally.points + tally.out_of_range)
        fuzz_fail("the store holds %llu points of a dump of %llu", (unsigned long long)tally.kept,
                  (unsigned long long)tally.points);
    g_clear_pointer(&store, rondo_store_close);
    fuzz_remove("restored");
}

static void
answer_one(const char *text, gsize len)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(ToolResult) result = tool_remote_parse(text, len, 0, G_MAXUINT64, &error);
    if (result == NULL && (error == NULL || error->message[0] == '\0'))
        fuzz_fail("an answer refused without a message");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    if (size < 1)
        return 0;
    const char *text = (const char *)data + 1;
    gsize len = size - 1;
    if (data[0] % 2 == 1) {
        answer_one(text, len);
        return 0;
    }
    restore_one(text, len);
    return 0;
}
