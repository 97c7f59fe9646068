/* json: a strict RFC 8259 parser into mval, and JSON writers shared by the report module. */
#include "json.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "mval.h"
#include "util.h"
#include "xalloc.h"

struct jp {
	const char *s;
	size_t n, i;
	const char *name;
	int max_depth;
	struct err *e;
	struct buf sb;   /* scratch for the string being decoded */
};

/* 1-based line and column of offset off; columns count code points (continuation bytes of
 * UTF-8 are skipped), which is what an editor shows for UTF-8 text. */
static void jp_linecol(const struct jp *p, size_t off, int *line, int *col)
{
	int l = 1, c = 1;
	for (size_t k = 0; k < off && k < p->n; k++) {
		unsigned char ch = (unsigned char)p->s[k];
		if (ch == '\n') {
			l++;
			c = 1;
		} else if ((ch & 0xc0) != 0x80) {
			c++;
		}
	}
	*line = l;
	*col = c;
}

static int jp_fail_at(struct jp *p, size_t off, enum err_class cls, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int jp_fail_at(struct jp *p, size_t off, enum err_class cls, const char *fmt, ...)
{
	char what[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	int line, col;
	jp_linecol(p, off, &line, &col);
	if (p->name)
		return err_set(p->e, cls, 0, "%s:%d:%d: %s", p->name, line, col, what);
	return err_set(p->e, cls, 0, "%d:%d: %s", line, col, what);
}

/* What sits at offset i, for "unexpected X" messages. */
static void jp_describe(const struct jp *p, size_t i, char *out, size_t outsz)
{
	if (i >= p->n) {
		snprintf(out, outsz, "end of input");
		return;
	}
	unsigned char c = (unsigned char)p->s[i];
	if (c >= 0x21 && c < 0x7f)
		snprintf(out, outsz, "'%c'", c);
	else if (c == ' ')
		snprintf(out, outsz, "space");
	else
		snprintf(out, outsz, "byte 0x%02X", c);
}

static int jp_unexpected(struct jp *p, const char *expected)
{
	char d[32];
	jp_describe(p, p->i, d, sizeof d);
	return jp_fail_at(p, p->i, ERR_DATA, "unexpected %s, expected %s", d, expected);
}

static void jp_ws(struct jp *p)
{
	while (p->i < p->n) {
		char c = p->s[p->i];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->i++;
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Four hex digits at p->i (after "\u"); -1 on error. */
static long jp_hex4(struct jp *p)
{
	long v = 0;
	for (int k = 0; k < 4; k++) {
		int h = p->i < p->n ? hexval(p->s[p->i]) : -1;
		if (h < 0) {
			jp_unexpected(p, "a hexadecimal digit in a \\u escape");
			return -1;
		}
		v = v * 16 + h;
		p->i++;
	}
	return v;
}

/* Decode the string starting at the opening quote into p->sb. */
static int jp_string(struct jp *p)
{
	buf_reset(&p->sb);
	size_t start = p->i;
	p->i++; /* the opening quote */
	for (;;) {
		size_t run = p->i;
		while (p->i < p->n) {
			unsigned char c = (unsigned char)p->s[p->i];
			if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80)
				break;
			p->i++;
		}
		if (p->i > run && buf_add(&p->sb, p->s + run, p->i - run) < 0)
			return jp_fail_at(p, start, ERR_LIMIT, "string too long");
		if (p->i >= p->n) {
			int sl, sc;
			jp_linecol(p, start, &sl, &sc);
			return jp_fail_at(p, p->i, ERR_DATA,
					  "unexpected end of input in the string opened at %d:%d, expected '\"'", sl, sc);
		}
		unsigned char c = (unsigned char)p->s[p->i];
		if (c == '"') {
			p->i++;
			return 0;
		}
		if (c < 0x20)
			return jp_fail_at(p, p->i, ERR_DATA,
					  "control character 0x%02X in a string, expected it escaped (\\n, \\t, \\u00XX)", c);
		if (c >= 0x80) {
			uint32_t cp;
			int k = utf8_decode(p->s + p->i, p->n - p->i, &cp);
			if (k < 0)
				return jp_fail_at(p, p->i, ERR_DATA, "invalid UTF-8 byte 0x%02X in a string, expected UTF-8 text", c);
			if (buf_add(&p->sb, p->s + p->i, (size_t)k) < 0)
				return jp_fail_at(p, start, ERR_LIMIT, "string too long");
			p->i += (size_t)k;
			continue;
		}
		/* A backslash escape (RFC 8259 §7). */
		size_t esc = p->i;
		p->i++;
		if (p->i >= p->n)
			return jp_unexpected(p, "an escape character after '\\'");
		char x = p->s[p->i++];
		char out;
		switch (x) {
		case '"': out = '"'; break;
		case '\\': out = '\\'; break;
		case '/': out = '/'; break;
		case 'b': out = '\b'; break;
		case 'f': out = '\f'; break;
		case 'n': out = '\n'; break;
		case 'r': out = '\r'; break;
		case 't': out = '\t'; break;
		case 'u': {
			long u = jp_hex4(p);
			if (u < 0)
				return -1;
			uint32_t cp = (uint32_t)u;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return jp_fail_at(p, esc, ERR_DATA,
						  "lone low surrogate \\u%04lX, expected a high surrogate \\uD800-\\uDBFF before it", u);
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (p->i + 2 > p->n || p->s[p->i] != '\\' || p->s[p->i + 1] != 'u')
					return jp_fail_at(p, esc, ERR_DATA,
							  "lone high surrogate \\u%04lX, expected a low surrogate \\uDC00-\\uDFFF after it", u);
				p->i += 2;
				long lo = jp_hex4(p);
				if (lo < 0)
					return -1;
				if (lo < 0xdc00 || lo > 0xdfff)
					return jp_fail_at(p, esc, ERR_DATA,
							  "high surrogate \\u%04lX followed by \\u%04lX, expected a low surrogate \\uDC00-\\uDFFF",
							  u, lo);
				cp = 0x10000 + ((cp - 0xd800) << 10) + ((uint32_t)lo - 0xdc00);
			}
			if (utf8_encode(&p->sb, cp) < 0)
				return jp_fail_at(p, start, ERR_LIMIT, "string too long");
			continue;
		}
		default:
			p->i = esc + 1;
			return jp_unexpected(p, "one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX");
		}
		if (buf_addch(&p->sb, out) < 0)
			return jp_fail_at(p, start, ERR_LIMIT, "string too long");
	}
}

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_init(void)
{
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

static int is_digit(const struct jp *p, size_t i)
{
	return i < p->n && p->s[i] >= '0' && p->s[i] <= '9';
}

static struct mval *jp_number(struct jp *p)
{
	size_t start = p->i;
	if (p->s[p->i] == '-')
		p->i++;
	if (!is_digit(p, p->i)) {
		jp_unexpected(p, "a digit");
		return NULL;
	}
	if (p->s[p->i] == '0') {
		p->i++;
		if (is_digit(p, p->i)) {
			jp_fail_at(p, p->i, ERR_DATA, "leading zero in a number, expected '.', 'e' or the end of the number");
			return NULL;
		}
	} else {
		while (is_digit(p, p->i))
			p->i++;
	}
	if (p->i < p->n && p->s[p->i] == '.') {
		p->i++;
		if (!is_digit(p, p->i)) {
			jp_unexpected(p, "a digit after '.'");
			return NULL;
		}
		while (is_digit(p, p->i))
			p->i++;
	}
	if (p->i < p->n && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
		p->i++;
		if (p->i < p->n && (p->s[p->i] == '+' || p->s[p->i] == '-'))
			p->i++;
		if (!is_digit(p, p->i)) {
			jp_unexpected(p, "a digit in the exponent");
			return NULL;
		}
		while (is_digit(p, p->i))
			p->i++;
	}
	/* The input is not NUL-terminated, and strtod needs a string. */
	size_t len = p->i - start;
	char small[64];
	char *tmp = len < sizeof small ? small : xmalloc(len + 1);
	memcpy(tmp, p->s + start, len);
	tmp[len] = '\0';
	pthread_once(&c_locale_once, c_locale_init);
	double d = c_locale ? strtod_l(tmp, NULL, c_locale) : strtod(tmp, NULL);
	if (tmp != small)
		free(tmp);
	if (isinf(d)) {
		jp_fail_at(p, start, ERR_DATA, "number out of range, expected a magnitude below 1.8e308");
		return NULL;
	}
	return mval_new_number(d);
}

static struct mval *jp_value(struct jp *p, int depth);

static int jp_enter(struct jp *p, int depth)
{
	if (depth >= p->max_depth)
		return jp_fail_at(p, p->i, ERR_LIMIT, "nested deeper than %d levels", p->max_depth);
	return 0;
}

static struct mval *jp_array(struct jp *p, int depth)
{
	if (jp_enter(p, depth) < 0)
		return NULL;
	struct mval *a = mval_new_list();
	p->i++;
	jp_ws(p);
	if (p->i < p->n && p->s[p->i] == ']') {
		p->i++;
		return a;
	}
	for (;;) {
		if (p->i < p->n && p->s[p->i] == ']') {
			jp_fail_at(p, p->i, ERR_DATA, "trailing comma before ']', expected a value");
			goto fail;
		}
		struct mval *v = jp_value(p, depth + 1);
		if (!v)
			goto fail;
		mval_list_push(a, v);
		jp_ws(p);
		if (p->i < p->n && p->s[p->i] == ',') {
			p->i++;
			jp_ws(p);
			continue;
		}
		if (p->i < p->n && p->s[p->i] == ']') {
			p->i++;
			return a;
		}
		jp_unexpected(p, "',' or ']'");
		goto fail;
	}
fail:
	mval_free(a);
	return NULL;
}

static struct mval *jp_object(struct jp *p, int depth)
{
	if (jp_enter(p, depth) < 0)
		return NULL;
	struct mval *o = mval_new_map();
	char *key = NULL;
	p->i++;
	jp_ws(p);
	if (p->i < p->n && p->s[p->i] == '}') {
		p->i++;
		return o;
	}
	for (;;) {
		if (p->i < p->n && p->s[p->i] == '}') {
			jp_fail_at(p, p->i, ERR_DATA, "trailing comma before '}', expected a string (object key)");
			goto fail;
		}
		if (p->i >= p->n || p->s[p->i] != '"') {
			jp_unexpected(p, "a string (object key)");
			goto fail;
		}
		size_t kpos = p->i;
		if (jp_string(p) < 0)
			goto fail;
		size_t klen;
		key = buf_detach(&p->sb, &klen);
		if (mval_map_get(o, key, klen)) {
			jp_fail_at(p, kpos, ERR_DATA, "duplicate key \"%.*s\", expected each key once per object",
				   (int)(klen > 60 ? 60 : klen), key);
			goto fail;
		}
		jp_ws(p);
		if (p->i >= p->n || p->s[p->i] != ':') {
			jp_unexpected(p, "':' after the key");
			goto fail;
		}
		p->i++;
		jp_ws(p);
		struct mval *v = jp_value(p, depth + 1);
		if (!v)
			goto fail;
		mval_map_set(o, key, klen, v);
		free(key);
		key = NULL;
		jp_ws(p);
		if (p->i < p->n && p->s[p->i] == ',') {
			p->i++;
			jp_ws(p);
			continue;
		}
		if (p->i < p->n && p->s[p->i] == '}') {
			p->i++;
			return o;
		}
		jp_unexpected(p, "',' or '}'");
		goto fail;
	}
fail:
	free(key);
	mval_free(o);
	return NULL;
}

static int jp_literal(struct jp *p, const char *word)
{
	size_t k = strlen(word);
	if (p->n - p->i >= k && !memcmp(p->s + p->i, word, k)) {
		p->i += k;
		return 0;
	}
	return -1;
}

static struct mval *jp_value(struct jp *p, int depth)
{
	static const char any[] = "a value (object, array, string, number, true, false or null)";
	if (p->i >= p->n) {
		jp_unexpected(p, any);
		return NULL;
	}
	switch (p->s[p->i]) {
	case '{':
		return jp_object(p, depth);
	case '[':
		return jp_array(p, depth);
	case '"':
		if (jp_string(p) < 0)
			return NULL;
		size_t len;
		char *s = buf_detach(&p->sb, &len);
		return mval_new_string_take(s, len);
	case 't':
		if (!jp_literal(p, "true"))
			return mval_new_bool(true);
		break;
	case 'f':
		if (!jp_literal(p, "false"))
			return mval_new_bool(false);
		break;
	case 'n':
		if (!jp_literal(p, "null"))
			return mval_new_null();
		break;
	case '-':
	case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return jp_number(p);
	default:
		break;
	}
	jp_unexpected(p, any);
	return NULL;
}

struct mval *json_parse(const char *name, const char *s, size_t n, const struct json_limits *lim,
			struct err *e)
{
	size_t max_bytes = lim && lim->max_bytes ? lim->max_bytes : JSON_MAX_BYTES;
	struct jp p = {
		.s = s, .n = n, .i = 0, .name = name,
		.max_depth = lim && lim->max_depth > 0 ? lim->max_depth : JSON_MAX_DEPTH,
		.e = e,
	};
	if (n > max_bytes) {
		if (name)
			err_set(e, ERR_LIMIT, 0, "%s: document is %zu bytes, more than the limit of %zu", name, n, max_bytes);
		else
			err_set(e, ERR_LIMIT, 0, "document is %zu bytes, more than the limit of %zu", n, max_bytes);
		return NULL;
	}
	buf_init(&p.sb, max_bytes);
	if (n >= 3 && !memcmp(s, "\xef\xbb\xbf", 3))
		p.i = 3;
	jp_ws(&p);
	struct mval *v = jp_value(&p, 0);
	if (v) {
		jp_ws(&p);
		if (p.i < p.n) {
			jp_unexpected(&p, "end of input after the value");
			mval_free(v);
			v = NULL;
		}
	}
	buf_release(&p.sb);
	return v;
}

/* ------------------------------------------------------------------ writers */

static int jw_string(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	if (buf_addch(b, '"') < 0)
		return -1;
	size_t i = 0;
	while (i < n) {
		size_t run = i;
		while (i < n) {
			unsigned char c = (unsigned char)s[i];
			if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80)
				break;
			i++;
		}
		if (i > run && buf_add(b, s + run, i - run) < 0)
			return -1;
		if (i >= n)
			break;
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x80) {
			uint32_t cp;
			int k = utf8_decode(s + i, n - i, &cp);
			if (k < 0) {
				if (buf_add(b, "\xef\xbf\xbd", 3) < 0) /* U+FFFD */
					return -1;
				i++;
			} else if (cp == 0x2028 || cp == 0x2029) {
				if (buf_addstr(b, cp == 0x2028 ? "\\u2028" : "\\u2029") < 0)
					return -1;
				i += (size_t)k;
			} else {
				if (buf_add(b, s + i, (size_t)k) < 0)
					return -1;
				i += (size_t)k;
			}
			continue;
		}
		char esc[7] = { '\\', 0 };
		size_t elen = 2;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		default:
			esc[1] = 'u', esc[2] = '0', esc[3] = '0';
			esc[4] = hex[c >> 4], esc[5] = hex[c & 15];
			elen = 6;
			break;
		}
		if (buf_add(b, esc, elen) < 0)
			return -1;
		i++;
	}
	return buf_addch(b, '"');
}

int json_write_string(struct buf *b, const char *s, size_t n)
{
	size_t mark = b->len;
	if (jw_string(b, s, n) < 0) {
		buf_truncate(b, mark);
		return -1;
	}
	return 0;
}

static int jw_newline(struct buf *b, int indent, int level)
{
	if (!indent)
		return 0;
	if (buf_addch(b, '\n') < 0)
		return -1;
	for (int k = 0; k < indent * level; k++)
		if (buf_addch(b, ' ') < 0)
			return -1;
	return 0;
}

static int jw_value(struct buf *b, const struct mval *v, int indent, int level)
{
	if (!v)
		return buf_addstr(b, "null");
	switch (v->type) {
	case MVAL_NULL:
		return buf_addstr(b, "null");
	case MVAL_BOOL:
		return buf_addstr(b, v->u.b ? "true" : "false");
	case MVAL_NUMBER: {
		if (!isfinite(v->u.num))
			return buf_addstr(b, "null");
		char num[MVAL_NUMBER_BUFSZ];
		size_t k = mval_number_format(v->u.num, num);
		return buf_add(b, num, k);
	}
	case MVAL_STRING:
		return jw_string(b, v->u.str.s, v->u.str.len);
	case MVAL_LIST:
		if (!v->u.list.n)
			return buf_addstr(b, "[]");
		if (buf_addch(b, '[') < 0)
			return -1;
		for (size_t i = 0; i < v->u.list.n; i++) {
			if ((i && buf_addch(b, ',') < 0) || jw_newline(b, indent, level + 1) < 0 ||
			    jw_value(b, v->u.list.v[i], indent, level + 1) < 0)
				return -1;
		}
		if (jw_newline(b, indent, level) < 0)
			return -1;
		return buf_addch(b, ']');
	case MVAL_MAP:
		if (!v->u.map.n)
			return buf_addstr(b, "{}");
		if (buf_addch(b, '{') < 0)
			return -1;
		for (size_t i = 0; i < v->u.map.n; i++) {
			const struct mval_entry *en = &v->u.map.e[i];
			if ((i && buf_addch(b, ',') < 0) || jw_newline(b, indent, level + 1) < 0 ||
			    jw_string(b, en->key, en->klen) < 0 || buf_addstr(b, indent ? ": " : ":") < 0 ||
			    jw_value(b, en->val, indent, level + 1) < 0)
				return -1;
		}
		if (jw_newline(b, indent, level) < 0)
			return -1;
		return buf_addch(b, '}');
	}
	return -1;
}

int json_write_mval(struct buf *b, const struct mval *v, int indent)
{
	size_t mark = b->len;
	if (jw_value(b, v, indent < 0 ? 0 : indent, 0) < 0) {
		buf_truncate(b, mark);
		return -1;
	}
	return 0;
}
