/* json: a strict RFC 8259 parser into mval, and JSON writers shared by the report module. */
#ifndef OUTREACH_JSON_H
#define OUTREACH_JSON_H
#include <stddef.h>

struct buf;
struct err;
struct mval;

/* Limits on untrusted input; a field left 0 takes the default. */
struct json_limits {
	size_t max_bytes;   /* whole document; default JSON_MAX_BYTES */
	int max_depth;      /* nested arrays/objects; default JSON_MAX_DEPTH */
};
#define JSON_MAX_BYTES (16u << 20)
#define JSON_MAX_DEPTH 64

/*
 * Parse one JSON text (RFC 8259) into a new tree; the result is the caller's (mval_free).
 * Strict: no trailing commas, comments, single quotes, NaN, leading zeros or '+'; no raw
 * control characters in strings; strings must be valid UTF-8 and \u escapes must not leave
 * a lone surrogate (pairs are combined); duplicate object keys are rejected (RFC 8259 §4
 * leaves them unpredictable, and we would rather say so than pick one); numbers that
 * overflow a double are rejected. Whitespace around the value is allowed, and one leading
 * UTF-8 byte-order mark is ignored (RFC 8259 §8.1 permits that).
 *
 * Errors: ERR_DATA with "NAME:LINE:COL: what was found, expected what" (NAME omitted when
 * name is NULL; LINE and COL are 1-based, COL counts characters, i.e. UTF-8 code points,
 * where an invalid byte counts as one), e.g. "contacts.json:3:17: unexpected '}' after ',',
 * expected a string (object key)"; ERR_LIMIT when the document is larger than max_bytes or
 * nested deeper than max_depth. lim may be NULL. Does not block.
 */
struct mval *json_parse(const char *name, const char *s, size_t n, const struct json_limits *lim,
			struct err *e);

/*
 * Append s[0..n) as a quoted JSON string: '"', '\\' and control characters are escaped
 * (\n \r \t \b \f, others as \u00XX), as are U+2028/U+2029 (so the output is also a valid
 * JavaScript literal). Invalid UTF-8 bytes are replaced by U+FFFD (one per byte that cannot
 * start or continue a valid sequence), so the output is always valid JSON and valid UTF-8.
 * Returns 0, or -1 when b's maximum would be exceeded; on -1 b is left as it was.
 */
int json_write_string(struct buf *b, const char *s, size_t n);

/*
 * Append v as JSON: indent 0 writes it on one line (", " and ": " separators omitted — the
 * most compact form); indent > 0 pretty-prints with that many spaces per level. Map keys keep
 * their insertion order. Numbers use mval_number_format(); NaN and infinities (not JSON)
 * are written as null. NULL v writes null. Returns 0, or -1 when b's maximum would be
 * exceeded; on -1 b is left as it was.
 */
int json_write_mval(struct buf *b, const struct mval *v, int indent);

#endif
