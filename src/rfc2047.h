/* rfc2047: header values on the wire — encoded-words and folding for what we write, a tolerant decoder for what we read. */
#ifndef OUTREACH_RFC2047_H
#define OUTREACH_RFC2047_H
#include <stddef.h>

struct buf;
struct err;

#define RFC2047_LINE_SOFT 78  /* RFC 5322 §2.1.1: SHOULD */
#define RFC2047_LINE_HARD 998 /* RFC 5322 §2.1.1: MUST */
#define RFC2047_WORD_MAX 75   /* RFC 2047 §2 */
/* Longest header value (UTF-8 octets) the encoder accepts: a subject or a name is never this long. */
#define RFC2047_VALUE_MAX 16384

/*
 * One header field being written. Begin with rfc2047_begin(), add tokens, text or phrases
 * (each is preceded by one space, or by CRLF SP when the line would pass column 78),
 * finish with rfc2047_end(). Nothing here produces CR, LF or NUL except the folds.
 */
struct rfc2047_line {
	struct buf *out;
	size_t col;   /* octets on the current physical line */
	size_t start; /* length of "Name:"; bounds how long a literal word may be */
	int tokens;   /* tokens on the current physical line (0: only "Name:" so far) */
};

/*
 * Write "Name:" to out. The name must be an RFC 5322 field name (printable ASCII without
 * ':'), 1..76 octets: ERR_DATA otherwise. ERR_LIMIT when out is full.
 */
int rfc2047_begin(struct rfc2047_line *l, struct buf *out, const char *name, struct err *e);
/* Terminate the field with CRLF. ERR_LIMIT when out is full. */
int rfc2047_end(struct rfc2047_line *l, struct err *e);
/*
 * Append an unbreakable ASCII token (an <addr-spec>, a msg-id, a MIME parameter...). glue != 0
 * attaches it to the previous token without a space and without a fold (a "," after an
 * address). The token must be printable ASCII (inner spaces allowed) and fit in 998 octets
 * after the header name: ERR_DATA otherwise; ERR_LIMIT.
 */
int rfc2047_add_token(struct rfc2047_line *l, const char *tok, size_t n, int glue, struct err *e);
/*
 * Append unstructured text (Subject, Comments, X-*): s[0..n) is UTF-8 without CR, LF or
 * NUL (ERR_DATA otherwise, or when longer than RFC2047_VALUE_MAX). Words that are plain
 * ASCII stay as they are; runs of words with non-ASCII or control characters (or that look
 * like an encoded-word, or that are too long for one line) become UTF-8 encoded-words of at
 * most 75 characters, never split inside a character and, where the word has room, not
 * inside a grapheme cluster. An RFC 2047 decoder returns exactly s. ERR_LIMIT.
 */
int rfc2047_add_text(struct rfc2047_line *l, const char *s, size_t n, struct err *e);
/*
 * Append a display name (RFC 5322 phrase) with the same input rules. Atoms stay as they
 * are, other ASCII names become a quoted-string (\" and \\ escaped), names with non-ASCII or
 * control characters or irregular spaces become encoded-words as a whole. n == 0 appends
 * nothing.
 */
int rfc2047_add_phrase(struct rfc2047_line *l, const char *s, size_t n, struct err *e);
/*
 * Append printable ASCII as it is (a structured value such as List-Unsubscribe that must not
 * be encoded), folded only at single spaces between words. ERR_DATA for other octets or a
 * word too long for a 998-octet line; ERR_LIMIT.
 */
int rfc2047_add_ascii(struct rfc2047_line *l, const char *s, size_t n, struct err *e);
/* "Name: text\r\n" in one call (rfc2047_begin + add_text + end). */
int rfc2047_header_text(struct buf *out, const char *name, const char *value, struct err *e);

/*
 * Decode an unstructured header value (the bytes after "Name:", folded or not) to UTF-8,
 * appended to out. Tolerant of real mail: stops at a line break that is not a fold, trims,
 * turns each folded whitespace run into one space, decodes =?charset[*lang]?B|Q?...?= words
 * (charsets through charset.h; unknown ones read as UTF-8, else Windows-1252), drops the
 * whitespace between adjacent encoded-words (RFC 2047 §6.2), joins adjacent words in one
 * charset before converting (so a character split across words survives), inserts a space
 * between an encoded-word and text glued to it (what spam-tagging gateways produce), and
 * leaves malformed words as literal text. Raw 8-bit text is kept when it is UTF-8, else
 * read as Windows-1252. Decoded NUL becomes U+FFFD and decoded CR/LF a space.
 * Only error: ERR_LIMIT when out would exceed its maximum.
 */
int rfc2047_decode(const char *s, size_t n, struct buf *out, struct err *e);
/*
 * Decode a display name: like rfc2047_decode, after removing the quotes and quoted-pair
 * backslashes of quoted-strings (encoded-words inside quotes are decoded too, as every
 * mail client does).
 */
int rfc2047_decode_phrase(const char *s, size_t n, struct buf *out, struct err *e);

#endif
