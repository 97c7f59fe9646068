/* quote: the new text of a reply — quoted history, signatures and disclaimers removed. */
#ifndef OUTREACH_QUOTE_H
#define OUTREACH_QUOTE_H
#include <stddef.h>

struct buf;

enum quote_flag {
	QUOTE_QUOTED = 1 << 0,     /* quoted history was removed */
	QUOTE_SIGNATURE = 1 << 1,  /* a signature ("-- ", "Sent from my iPhone", closing block) */
	QUOTE_DISCLAIMER = 1 << 2, /* a confidentiality notice or an external-mail banner */
	QUOTE_TRUNCATED = 1 << 3,  /* the new text was longer than max */
};

/*
 * Append to out the new text of the reply body text[0..n) (UTF-8, LF or CRLF): at most
 * max bytes, cut at a character boundary. Removed:
 *   - history: "> " lines; "On ... wrote:" and its Spanish, French, German, Portuguese,
 *     Italian, Dutch and Polish forms (also wrapped over up to three lines); "-----Original
 *     Message-----" and "Forwarded message" rulers in several languages; Outlook header
 *     blocks (From:/Sent:/To:/Subject:, De:/Enviado:/Para:/Asunto:, Von:/Gesendet:/An:/
 *     Betreff:...), with or without a "____" line above; "Begin forwarded message:".
 *     Top-posted history is cut at its first line; bottom-posted and interleaved replies
 *     keep every unquoted line.
 *   - signatures: everything after a "-- " line; "Sent from my iPhone"-style lines; a
 *     block of at most 8 short lines after the last closing ("Best,", "Regards,",
 *     "Saludos,"...), keeping the closing line itself.
 *   - disclaimers: paragraphs that start like a confidentiality notice or an external-
 *     sender banner and speak of confidential/privileged/intended recipients/outside.
 * Conservative by design: a line is kept unless one of these rules names it. Returns
 * enum quote_flag bits. Pure.
 */
unsigned quote_extract(const char *text, size_t n, size_t max, struct buf *out);

#endif
