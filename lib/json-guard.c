/* json-guard.c - a nesting-depth scan for JSON from outside; see json-guard.h. */
#include "config.h"
#include "json-guard.h"

gboolean
rondo_json_depth_ok(const char *text, gsize len, guint depth_max, gsize *ret_offset)
{
    g_assert(text != NULL || len == 0);
    guint depth = 0;
    gboolean in_string = FALSE;

    for (gsize i = 0; i < len; i++) {
        char c = text[i];
        if (in_string) {
            if (c == '\\')
                i++; /* the escaped character cannot end the string */
            else if (c == '"')
                in_string = FALSE;
        } else if (c == '"') {
            in_string = TRUE;
        } else if (c == '[' || c == '{') {
            if (++depth > depth_max) {
                if (ret_offset != NULL)
                    *ret_offset = i;
                return FALSE;
            }
        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        }
    }
    return TRUE;
}
