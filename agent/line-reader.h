/* line-reader.h - cuts a byte stream (a FIFO) into bounded lines.
 *
 * Firecracker writes one JSON object and a newline per flush, with a
 * non-blocking write that a full pipe can cut short: the stream may hold
 * a partial line, run-on garbage, or a line far larger than any real one.
 * The reader keeps at most @line_max bytes of an unfinished line; a longer
 * line is dropped up to its newline and counted, never buffered.
 */
#ifndef AGENT_LINE_READER_H
#define AGENT_LINE_READER_H

#include <glib.h>

/* Called for every complete line, without its newline; @line is valid
 * during the call only. */
typedef void (*LineFunc)(const char *line, gsize len, gpointer user_data);

typedef struct {
    GByteArray *buf;     /* the unfinished line */
    gsize line_max;      /* bytes a line may have */
    gboolean discarding; /* inside an oversized line, until its newline */
    guint64 oversized;   /* lines dropped for their size */
} LineReader;

void line_reader_init(LineReader *lr, gsize line_max);
void line_reader_clear(LineReader *lr);

/* Feeds @len bytes; calls @func for each line they complete. */
void line_reader_feed(LineReader *lr, const char *data, gsize len, LineFunc func,
                      gpointer user_data);

/* Bytes of an unfinished line (an oversized one counts as 1): at EOF,
 * non-zero means the writer stopped in the middle of a line. */
gsize line_reader_pending(const LineReader *lr);

#endif
