/* fuzz-conf.c - rondod.conf (src/conf.c).
 *
 * Input: the file. It is loaded over the defaults and validated, as
 * rondod starts, then loaded again over the result, as SIGHUP reloads it
 * (LeakSanitizer sees what an overlay would leak). Oracles beyond the
 * sanitizers: a refusal says why, naming the file; a file that loads once
 * loads again with the same verdict of rondod_config_validate().
 */
#include "config.h"
#include <string.h>
#include "conf.h"
#include "fuzz.h"

static void
refusal_check(const GError *error, const char *path)
{
    if (error == NULL || strstr(error->message, path) == NULL)
        fuzz_fail("a configuration refused without naming the file: %s",
                  error ? error->message : "(no error)");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    g_autofree char *path = fuzz_file_write("rondod.conf", data, size);
    g_autoptr(RondodConfig) config = rondod_config_new();
    g_autoptr(GError) error = NULL;
    if (!rondod_config_load(config, path, TRUE, &error)) {
        refusal_check(error, path);
        fuzz_dir_clear();
        return 0;
    }
    gboolean valid = rondod_config_validate(config, NULL);
    if (!rondod_config_load(config, path, TRUE, &error))
        fuzz_fail("loads once, not twice: %s", error->message);
    if (rondod_config_validate(config, NULL) != valid)
        fuzz_fail("a second load changes the verdict of validation");
    fuzz_dir_clear();
    return 0;
}
