/* mime: transfer encodings (quoted-printable, base64), RFC 2231 parameters and media types by file name. */
#include "mime.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "err.h"
#include "rfc2047.h"
#include "util.h"
#include "xalloc.h"

static const char hexdig[] = "0123456789ABCDEF";

/* A small staging area so encoders do not call buf_add once per octet. */
struct stage {
	struct buf *out;
	char b[4096];
	size_t n;
	int fail;
};

static void st_flush(struct stage *st)
{
	if (st->n && buf_add(st->out, st->b, st->n) < 0)
		st->fail = 1;
	st->n = 0;
}

static void st_put(struct stage *st, const char *p, size_t n)
{
	if (st->n + n > sizeof st->b)
		st_flush(st);
	memcpy(st->b + st->n, p, n);
	st->n += n;
}

/* The one-octet case, inlined: quoted-printable emits most octets as themselves. */
static inline void st_putc(struct stage *st, char c)
{
	if (st->n == sizeof st->b)
		st_flush(st);
	st->b[st->n++] = c;
}

static int st_end(struct stage *st, size_t mark, struct err *e)
{
	st_flush(st);
	if (st->fail) {
		buf_truncate(st->out, mark);
		return err_set(e, ERR_LIMIT, 0, "encoded data too large");
	}
	return 0;
}

/* octets quoted-printable may carry as themselves inside a line (RFC 2045 §6.7 (2), (3)) */
static inline int qp_literal(unsigned char c)
{
	return (c >= 33 && c <= 126 && c != '=') || c == ' ' || c == '\t';
}

int mime_qp_encode(const void *in, size_t n, struct buf *out, struct err *e)
{
	const unsigned char *s = in;
	struct stage st = { .out = out };
	size_t mark = out->len, col = 0, i = 0;
	while (i < n && !st.fail) {
		if (s[i] == '\r' || s[i] == '\n') {
			i += (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') ? 2 : 1;
			st_put(&st, "\r\n", 2);
			col = 0;
			continue;
		}
		/* the common case in one copy: a run of octets that stand for themselves, within the
		 * line's room for a soft break, not at a line's start ('.' and "From " are decided
		 * one octet at a time below), without a space or tab that ends the line */
		if (col > 0 || (s[i] != '.' && s[i] != 'F')) {
			size_t room = col < MIME_LINE - 1 ? MIME_LINE - 1 - col : 0;
			size_t lim = n - i < room ? n : i + room, q = i;
			while (q < lim && qp_literal(s[q]))
				q++;
			if (q > i && (q == n || s[q] == '\r' || s[q] == '\n') && (s[q - 1] == ' ' || s[q - 1] == '\t'))
				q--;
			if (q > i) {
				st_put(&st, (const char *)s + i, q - i);
				col += q - i;
				i = q;
				continue;
			}
		}
		unsigned char c = s[i];
		int eol = i + 1 == n || s[i + 1] == '\r' || s[i + 1] == '\n';
		for (;;) {
			int lit = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !eol);
			if (col == 0 && c == '.')
				lit = 0;
			if (col == 0 && c == 'F' && n - i >= 5 && memcmp(s + i, "From ", 5) == 0)
				lit = 0;
			size_t tl = lit ? 1 : 3;
			/* the last token of a line may use column 76; others leave room for the soft "=" */
			if (col + tl > (eol ? MIME_LINE : MIME_LINE - 1)) {
				st_put(&st, "=\r\n", 3);
				col = 0;
				continue; /* re-decide: the start-of-line rules may now apply */
			}
			if (lit) {
				st_putc(&st, (char)c);
			} else {
				char t[3] = { '=', hexdig[c >> 4], hexdig[c & 15] };
				st_put(&st, t, 3);
			}
			col += tl;
			break;
		}
		i++;
	}
	return st_end(&st, mark, e);
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int mime_qp_decode(const char *in, size_t n, struct buf *out, struct err *e)
{
	struct stage st = { .out = out };
	size_t mark = out->len, i = 0;
	while (i < n && !st.fail) {
		size_t j = i;
		while (j < n && in[j] != '\r' && in[j] != '\n')
			j++;
		size_t bl = j < n ? ((in[j] == '\r' && j + 1 < n && in[j + 1] == '\n') ? 2 : 1) : 0;
		size_t k = j;
		while (k > i && (in[k - 1] == ' ' || in[k - 1] == '\t'))
			k--; /* added by transport: RFC 2045 §6.7 (3) */
		int soft = k > i && in[k - 1] == '=';
		size_t end = soft ? k - 1 : k;
		for (size_t p = i; p < end; p++) {
			int hi, lo;
			if (in[p] == '=' && p + 2 < end && (hi = hexval((unsigned char)in[p + 1])) >= 0 &&
			    (lo = hexval((unsigned char)in[p + 2])) >= 0) {
				char c = (char)(hi << 4 | lo);
				st_put(&st, &c, 1);
				p += 2;
			} else {
				st_put(&st, in + p, 1);
			}
		}
		if (!soft)
			st_put(&st, in + j, bl);
		i = j + bl;
	}
	return st_end(&st, mark, e);
}

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int mime_b64_encode(const void *in, size_t n, struct buf *out, struct err *e)
{
	const unsigned char *s = in;
	struct stage st = { .out = out };
	size_t mark = out->len, col = 0;
	for (size_t i = 0; i < n && !st.fail; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		char q[4] = { b64chars[v >> 18], b64chars[(v >> 12) & 63],
		              i + 1 < n ? b64chars[(v >> 6) & 63] : '=', i + 2 < n ? b64chars[v & 63] : '=' };
		st_put(&st, q, 4);
		col += 4;
		if (col == MIME_LINE || i + 3 >= n) {
			st_put(&st, "\r\n", 2);
			col = 0;
		}
	}
	return st_end(&st, mark, e);
}

int mime_b64_decode(const char *in, size_t n, struct buf *out, struct err *e)
{
	static signed char val[256];
	static int ready;
	if (!ready) {
		memset(val, -1, sizeof val);
		for (int i = 0; i < 64; i++)
			val[(unsigned char)b64chars[i]] = (signed char)i;
		ready = 1;
	}
	struct stage st = { .out = out };
	size_t mark = out->len;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n && !st.fail; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == '=') { /* end of a quantum: a following encoding starts afresh */
			acc = 0;
			bits = 0;
			continue;
		}
		if (val[c] < 0)
			continue;
		acc = (acc << 6 | (uint32_t)val[c]) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			char o = (char)((acc >> bits) & 0xff);
			st_put(&st, &o, 1);
		}
	}
	return st_end(&st, mark, e);
}

/* ------------------------------------------------------------------ parameters */

/* RFC 2045 token characters (no tspecials, no space, no controls). */
static int is_tchar(unsigned char c)
{
	return c > 32 && c < 127 && !strchr("()<>@,;:\\\"/[]?=", c);
}

/* RFC 2231 attribute-char: token characters less "*", "'" and "%". */
static int is_attr_char(unsigned char c)
{
	return is_tchar(c) && c != '*' && c != '\'' && c != '%';
}

#define PARAM_VALUE_MAX 1024

int mime_add_param(struct rfc2047_line *l, const char *name, const char *value, struct err *e)
{
	size_t nl = strlen(name), vl = strlen(value);
	if (nl == 0 || nl > 40)
		return err_set(e, ERR_INTERNAL, 0, "invalid parameter name");
	if (vl > PARAM_VALUE_MAX)
		return err_set(e, ERR_DATA, 0, "parameter '%s' longer than %d octets", name, PARAM_VALUE_MAX);
	if (!utf8_valid(value, vl))
		return err_set(e, ERR_DATA, 0, "parameter '%s' is not valid UTF-8", name);
	for (size_t i = 0; i < vl; i++) {
		unsigned char c = (unsigned char)value[i];
		if (c < 32 || c == 127)
			return err_set(e, ERR_DATA, 0, "control character in parameter '%s'", name);
	}
	if (rfc2047_add_token(l, ";", 1, 1, e) < 0)
		return -1;
	struct buf p = BUF_INIT(8 * PARAM_VALUE_MAX);
	int rc = 0;
	bool token = vl > 0, ascii = is_ascii(value, vl);
	for (size_t i = 0; i < vl; i++)
		if (!is_tchar((unsigned char)value[i]))
			token = false;
	if (ascii) {
		buf_printf(&p, "%s=", name);
		if (!token)
			buf_addch(&p, '"');
		for (size_t i = 0; i < vl; i++) {
			if (!token && (value[i] == '"' || value[i] == '\\'))
				buf_addch(&p, '\\');
			buf_addch(&p, value[i]);
		}
		if (!token)
			buf_addch(&p, '"');
		/* short enough for a line of its own: the plain form every reader knows */
		if (1 + p.len <= RFC2047_LINE_SOFT - 1) {
			rc = rfc2047_add_token(l, p.data, p.len, 0, e);
			buf_release(&p);
			return rc;
		}
		buf_reset(&p);
	}
	/* RFC 2231 §4: name*=UTF-8''%XX..., in §3 continuations of whole characters when long */
	struct buf enc = BUF_INIT(4 * PARAM_VALUE_MAX);
	size_t *cuts = NULL; /* offsets in enc where a character starts */
	size_t ncuts = 0, cap = 0;
	for (size_t i = 0; i < vl;) {
		uint32_t cp;
		int k = utf8_decode(value + i, vl - i, &cp);
		cuts = xgrow(cuts, &cap, ncuts + 1, sizeof *cuts);
		cuts[ncuts++] = enc.len;
		for (int m = 0; m < k; m++) {
			unsigned char c = (unsigned char)value[i + (size_t)m];
			if (is_attr_char(c))
				buf_addch(&enc, (char)c);
			else
				buf_printf(&enc, "%%%c%c", hexdig[c >> 4], hexdig[c & 15]);
		}
		i += (size_t)k;
	}
	const char *pfx = "UTF-8''";
	/* " name*=UTF-8''...;" on a line of its own */
	if (1 + nl + 2 + strlen(pfx) + enc.len + 1 <= RFC2047_LINE_SOFT) {
		buf_printf(&p, "%s*=%s%s", name, pfx, buf_str(&enc));
		rc = rfc2047_add_token(l, p.data, p.len, 0, e);
	} else {
		size_t seg = 0, from = 0, c = 0; /* cuts[c] == from */
		while (rc == 0 && from < enc.len) {
			buf_reset(&p);
			buf_printf(&p, "%s*%zu*=%s", name, seg, seg == 0 ? pfx : "");
			size_t room = RFC2047_LINE_SOFT - 2 - p.len; /* leading space, trailing ';' */
			/* whole characters while they fit, at least one */
			size_t to = ++c < ncuts ? cuts[c] : enc.len;
			while (c < ncuts) {
				size_t nxt = c + 1 < ncuts ? cuts[c + 1] : enc.len;
				if (nxt - from > room)
					break;
				to = nxt;
				c++;
			}
			buf_add(&p, enc.data + from, to - from);
			if (seg > 0)
				rc = rfc2047_add_token(l, ";", 1, 1, e);
			if (rc == 0)
				rc = rfc2047_add_token(l, p.data, p.len, 0, e);
			from = to;
			seg++;
		}
	}
	free(cuts);
	buf_release(&enc);
	buf_release(&p);
	return rc;
}

/* ------------------------------------------------------------------ types */

const char *mime_type_for(const char *filename)
{
	static const struct { const char *ext, *type; } map[] = {
		{ "pdf", "application/pdf" },
		{ "doc", "application/msword" },
		{ "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
		{ "odt", "application/vnd.oasis.opendocument.text" },
		{ "rtf", "application/rtf" },
		{ "txt", "text/plain" },
		{ "md", "text/markdown" },
		{ "csv", "text/csv" },
		{ "htm", "text/html" },
		{ "html", "text/html" },
		{ "ics", "text/calendar" },
		{ "vcf", "text/vcard" },
		{ "xls", "application/vnd.ms-excel" },
		{ "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
		{ "ods", "application/vnd.oasis.opendocument.spreadsheet" },
		{ "ppt", "application/vnd.ms-powerpoint" },
		{ "pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation" },
		{ "odp", "application/vnd.oasis.opendocument.presentation" },
		{ "pages", "application/vnd.apple.pages" },
		{ "jpg", "image/jpeg" },
		{ "jpeg", "image/jpeg" },
		{ "png", "image/png" },
		{ "gif", "image/gif" },
		{ "webp", "image/webp" },
		{ "heic", "image/heic" },
		{ "tif", "image/tiff" },
		{ "tiff", "image/tiff" },
		{ "svg", "image/svg+xml" },
		{ "zip", "application/zip" },
		{ "gz", "application/gzip" },
		{ "7z", "application/x-7z-compressed" },
		{ "json", "application/json" },
		{ "xml", "application/xml" },
		{ "mp3", "audio/mpeg" },
		{ "mp4", "video/mp4" },
	};
	const char *dot = filename ? strrchr(filename, '.') : NULL;
	if (dot && dot[1] && !strchr(dot, '/'))
		for (size_t i = 0; i < ARRAY_SIZE(map); i++)
			if (strcasecmp(dot + 1, map[i].ext) == 0)
				return map[i].type;
	return "application/octet-stream";
}

bool mime_is_7bit(const char *body, size_t n)
{
	size_t col = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)body[i];
		if (c == '\r') {
			if (i + 1 >= n || body[i + 1] != '\n')
				return false;
			i++;
			col = 0;
			continue;
		}
		if (c == '\n' || c == 0 || c >= 0x80)
			return false;
		if (col == 0 && (c == '.' || (c == 'F' && n - i >= 5 && memcmp(body + i, "From ", 5) == 0)))
			return false;
		if (++col > RFC2047_LINE_SOFT)
			return false;
	}
	return true;
}
