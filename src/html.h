/* html: reduce an HTML mail body to plain text, marking quoted history so it is not read as new text. */
#ifndef OUTREACH_HTML_H
#define OUTREACH_HTML_H
#include <stddef.h>

struct buf;

/*
 * Append a plain-text rendering of html[0..n) (UTF-8 expected; other bytes pass through)
 * to out: script/style/title/head-xml content dropped, block elements become line
 * breaks, whitespace collapsed outside <pre>, character entities decoded to UTF-8.
 *
 * Quote containers are marked the way a plain-text mailer would quote them, so the
 * quote stripper (quote.c) treats HTML and text replies alike:
 *   - <blockquote>, Gmail div.gmail_quote, Yahoo div.yahoo_quoted, Thunderbird
 *     div.moz-cite-prefix, ProtonMail div.protonmail_quote, Zimbra data-marker
 *     "__QUOTED_TEXT__": every line inside starts with "> ";
 *   - Outlook div#divRplyFwdMsg / #appendonsend / .OutlookMessageHeader, Zimbra
 *     hr#zwchr: a "-----Original Message-----" line is written and everything after it
 *     is "> "-quoted (Outlook puts the history after that header block, not inside it).
 * Returns 0, or -1 when out reached its maximum (what fit is kept). Pure; never fails
 * on malformed markup.
 */
int html_to_text(const char *html, size_t n, struct buf *out);

#endif
