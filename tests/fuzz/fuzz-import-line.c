/* fuzz-import-line.c - `rondo import` lines (tools/import-line.c).
 *
 * Input: one line, cut at its first NUL and at RONDO_IMPORT_LINE_MAX bytes
 * as `rondo import` cuts it. Oracles beyond the sanitizers: an accepted
 * line has a name, name-value label pairs and a timestamp in the range a
 * store keeps; a refusal always says why. (What the store refuses beyond
 * the syntax, such as a label value that is not UTF-8, is refused when the
 * series is registered, line by line, and is not this parser's job.)
 */
#include "config.h"
#include "fuzz.h"
#include "import-line.h"
#include "rondo.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    g_autofree char *text = g_strndup((const char *)data, MIN(size, RONDO_IMPORT_LINE_MAX));
    RondoImportLine line = {0};
    g_autoptr(GError) error = NULL;
    guint64 ns;

    (void)rondo_import_timestamp_parse(text, &ns);
    if (!rondo_import_line_parse(text, &line, &error)) {
        if (error == NULL || error->message[0] == '\0')
            fuzz_fail("a line refused without a message");
        return 0;
    }
    if (line.t_ns < RONDO_TIME_MIN_NS || line.t_ns >= RONDO_TIME_MAX_NS)
        fuzz_fail("timestamp %" G_GUINT64_FORMAT " accepted out of range", line.t_ns);
    if (line.name == NULL || line.labels == NULL || g_strv_length(line.labels) % 2 != 0)
        fuzz_fail("an accepted line without a name or with odd labels");
    rondo_import_line_clear(&line);
    return 0;
}
