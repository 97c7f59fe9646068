/* charset: convert text in a named character set to UTF-8 (iconv), tolerant of real mail. */
#ifndef OUTREACH_CHARSET_H
#define OUTREACH_CHARSET_H
#include <stddef.h>

struct buf;
struct err;

/*
 * Append the UTF-8 form of in[0..n) in `charset` to out. Names are matched the way mail
 * clients do: case-insensitively, "latin1"/"cp1252"/"windows-1252"/"iso-8859-1"... and
 * ISO-8859-1 or US-ASCII labels are read as Windows-1252 (what senders really mean, per
 * the WHATWG Encoding Standard). Invalid sequences become U+FFFD. Unknown charset:
 * ERR_DATA. An out that would exceed its maximum: ERR_LIMIT.
 */
int charset_to_utf8(const char *charset, const char *in, size_t n, struct buf *out, struct err *e);
/* True if the charset name is one iconv knows (after the aliasing above). */
int charset_known(const char *charset);

#endif
