/* mime: transfer encodings (quoted-printable, base64), RFC 2231 parameters and media types by file name. */
#ifndef OUTREACH_MIME_H
#define OUTREACH_MIME_H
#include <stdbool.h>
#include <stddef.h>

struct buf;
struct err;
struct rfc2047_line;

#define MIME_LINE 76 /* RFC 2045 §6.7 (5) and §6.8: encoded lines */

/*
 * Quoted-printable for text (RFC 2045 §6.7): every line break in the input (CRLF, lone LF,
 * lone CR) becomes CRLF; lines are soft-broken at 76 characters, never inside "=XX"; "=",
 * controls, 8-bit octets and whitespace at the end of a line are encoded, and so are a "."
 * and the "F" of "From " at the start of an encoded line (a lost dot-stuffing or an mbox
 * ">From " can then not alter the text). Appends to out; ERR_LIMIT when out is full.
 */
int mime_qp_encode(const void *in, size_t n, struct buf *out, struct err *e);
/*
 * Decode quoted-printable leniently (real mail): soft breaks "=" CRLF or "=" LF, also with
 * blanks after the "=", hex in either case; a malformed "=" is kept as it is; whitespace at
 * the end of a line is removed (RFC 2045 §6.7 (3)). Line breaks are copied as they are.
 * ERR_LIMIT only.
 */
int mime_qp_decode(const char *in, size_t n, struct buf *out, struct err *e);
/* Base64 in lines of 76 characters, each ended by CRLF. ERR_LIMIT. */
int mime_b64_encode(const void *in, size_t n, struct buf *out, struct err *e);
/*
 * Decode base64, ignoring every character outside the alphabet (RFC 2045 §6.8), tolerating
 * missing padding and data after a "=" (concatenated encodings). ERR_LIMIT only.
 */
int mime_b64_decode(const char *in, size_t n, struct buf *out, struct err *e);

/*
 * Append "; name=value" to a header being written: a bare token when the value is one, a
 * quoted-string for other printable ASCII, and RFC 2231 (name*=UTF-8''%XX..., split into
 * name*0*, name*1*... continuations of whole characters when long) for non-ASCII or long
 * values. value is UTF-8 without controls: ERR_DATA otherwise (the message names no field;
 * the caller prefixes one). ERR_LIMIT.
 */
int mime_add_param(struct rfc2047_line *l, const char *name, const char *value, struct err *e);

/* Media type for a file name by its extension (case-insensitive); application/octet-stream
 * when unknown. Never NULL; a static string. */
const char *mime_type_for(const char *filename);

/* True if body[0..n) can go as 7bit text: ASCII without NUL or lone CR/LF (CRLF only),
 * lines of at most 78 octets, none starting with "." or "From ". */
bool mime_is_7bit(const char *body, size_t n);

#endif
