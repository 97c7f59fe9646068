/* markdown: the template body as CommonMark, rendered to safe HTML and to readable plain text. */
#ifndef OUTREACH_MARKDOWN_H
#define OUTREACH_MARKDOWN_H
#include <stddef.h>

struct buf;
struct err;

#define MARKDOWN_MAX (1024 * 1024) /* a cold email is a few KB; anything near this is a mistake */

/*
 * Append the HTML fragment for md[0..n) (UTF-8 CommonMark, via cmark) to out. Safe mode:
 * raw HTML in the source is not passed through and javascript:/vbscript:/file:/data: (other
 * than images) links are dropped. ERR_DATA for invalid UTF-8, ERR_LIMIT when md is longer
 * than MARKDOWN_MAX or out is full.
 */
int markdown_to_html(const char *md, size_t n, struct buf *out, struct err *e);
/*
 * Append a plain-text rendering of md[0..n) for the text/plain part: paragraphs separated by
 * a blank line, emphasis markers dropped, links as "text <url>", lists as "- item" / "1. item"
 * indented under their marker, headings as their text, block quotes with "> ", code verbatim,
 * hard and soft line breaks as newlines (the author's own line breaks are kept, nothing is
 * wrapped), raw HTML dropped as in the HTML part. Lines end with LF; the text ends with one
 * LF. Errors as markdown_to_html.
 */
int markdown_to_text(const char *md, size_t n, struct buf *out, struct err *e);
/*
 * Append a complete HTML document around an HTML fragment: doctype, UTF-8 meta, and a
 * restrained inline style (system sans-serif, 15px, dark grey text, no width or colour
 * blocks) so the message looks written by hand, not like a newsletter. ERR_LIMIT.
 */
int markdown_html_document(const char *fragment, size_t n, struct buf *out, struct err *e);

#endif
