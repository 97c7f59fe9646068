/* Unit tests for mime: quoted-printable, base64, RFC 2231 parameters, media types, 7bit check. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "mime.h"
#include "rfc2047.h"
#include "util.h"

/* CRLF-normalise: what a text body becomes after encoding and decoding */
static char *crlf(const char *s, size_t n, size_t *outn)
{
	struct buf b = BUF_INIT(4 * n + 16);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r' || s[i] == '\n') {
			if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
				i++;
			buf_add(&b, "\r\n", 2);
		} else {
			buf_addch(&b, s[i]);
		}
	}
	return buf_detach(&b, outn);
}

static void check_lines(const char *s, size_t n, size_t max)
{
	size_t col = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r') {
			assert_true(i + 1 < n && s[i + 1] == '\n');
			i++;
			col = 0;
			continue;
		}
		assert_true(s[i] != '\n');
		if (++col > max)
			fail_msg("line longer than %zu: %.*s", max, (int)(n > 200 ? 200 : n), s);
	}
}

static void qp_roundtrip(const char *in, size_t n)
{
	struct buf enc = BUF_INIT(1 << 22), dec = BUF_INIT(1 << 22);
	assert_int_equal(mime_qp_encode(in, n, &enc, NULL), 0);
	check_lines(enc.data ? enc.data : "", enc.len, MIME_LINE);
	/* encoded text is 7-bit, and no encoded line starts with "." or "From " */
	for (size_t i = 0; i < enc.len; i++) {
		assert_true((unsigned char)enc.data[i] < 0x80 && enc.data[i] != 0);
		if (i == 0 || enc.data[i - 1] == '\n') {
			assert_true(enc.data[i] != '.');
			assert_false(enc.len - i >= 5 && memcmp(enc.data + i, "From ", 5) == 0);
		}
		/* no whitespace at the end of an encoded line */
		if (enc.data[i] == '\r')
			assert_true(i == 0 || (enc.data[i - 1] != ' ' && enc.data[i - 1] != '\t'));
	}
	if (enc.len)
		assert_true(enc.data[enc.len - 1] != ' ' && enc.data[enc.len - 1] != '\t');
	assert_int_equal(mime_qp_decode(buf_str(&enc), enc.len, &dec, NULL), 0);
	size_t wn;
	char *want = crlf(in, n, &wn);
	assert_int_equal(dec.len, wn);
	assert_memory_equal(buf_str(&dec), want, wn);
	free(want);
	buf_release(&enc);
	buf_release(&dec);
}

static void test_qp_encode(void **state)
{
	(void)state;
	static const struct { const char *in, *out; } t[] = {
		{ "plain text\n", "plain text\r\n" },
		{ "a=b", "a=3Db" },
		{ "caf\xc3\xa9", "caf=C3=A9" },
		{ "trailing  \nspace\t", "trailing =20\r\nspace=09" },
		{ ".\n.dot\nx.y", "=2E\r\n=2Edot\r\nx.y" },
		{ "From here\nFrom\nFrom: x", "=46rom here\r\nFrom\r\nFrom: x" },
		{ "lf\nonly\r\ncrlf\rcr", "lf\r\nonly\r\ncrlf\r\ncr" },
		{ "\x01\x7f", "=01=7F" },
		/* 76 columns: the 76th character of a last token may stand; otherwise a soft break */
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\naa" },
		/* never inside =XX */
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xc3\xa9",
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n=C3=A9" },
		/* a dot that lands at the start of an encoded line after a soft break */
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.b",
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\r\n=2Eb" },
		{ "", "" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct buf b = BUF_INIT(4096);
		assert_int_equal(mime_qp_encode(t[i].in, strlen(t[i].in), &b, NULL), 0);
		if (!str_eq(buf_str(&b), t[i].out))
			fail_msg("case %zu: got '%s' want '%s'", i, buf_str(&b), t[i].out);
		buf_release(&b);
		qp_roundtrip(t[i].in, strlen(t[i].in));
	}
	/* a 5000-character line, all bytes, spaces everywhere */
	struct buf big = BUF_INIT(1 << 20);
	for (int i = 0; i < 5000; i++)
		buf_addch(&big, (char)('a' + i % 26));
	qp_roundtrip(big.data, big.len);
	buf_reset(&big);
	for (int r = 0; r < 8; r++)
		for (int c = 0; c < 256; c++)
			buf_addch(&big, (char)c);
	qp_roundtrip(big.data, big.len);
	buf_reset(&big);
	for (int i = 0; i < 3000; i++)
		buf_addch(&big, " \t.=F\n"[i % 6]);
	qp_roundtrip(big.data, big.len);
	/* pseudo-random lines of the octets the rules care about: runs that stop at every column,
	 * spaces before line ends, dots and "From " after soft breaks */
	static const char *const bits[] = { "a", "bc", "defgh", " ", "\t", ".", "F", "From ", "=", "\n",
					    "\r\n", "\r", "\xc3\xa9", "\x01", "~", "Fro" };
	unsigned seed = 12345;
	for (int round = 0; round < 5000; round++) {
		buf_reset(&big);
		int parts = (int)((seed = seed * 1103515245 + 12345) >> 16) % 120;
		for (int k = 0; k < parts; k++) {
			seed = seed * 1103515245 + 12345;
			buf_addstr(&big, bits[(seed >> 16) % ARRAY_SIZE(bits)]);
		}
		qp_roundtrip(big.data ? big.data : "", big.len);
	}
	buf_release(&big);
	/* full output: ERR_LIMIT and nothing appended */
	struct buf small = BUF_INIT(8);
	struct err e = { 0 };
	assert_int_equal(mime_qp_encode("0123456789", 10, &small, &e), -1);
	assert_int_equal(e.cls, ERR_LIMIT);
	assert_int_equal(small.len, 0);
	buf_release(&small);
}

static void test_qp_decode(void **state)
{
	(void)state;
	static const struct { const char *in, *out; } t[] = {
		{ "soft=\r\nbreak", "softbreak" },
		{ "soft=\nbreak", "softbreak" },
		{ "soft= \t\r\nbreak", "softbreak" },
		{ "caf=c3=a9", "caf\xc3\xa9" },
		{ "a=3Db", "a=b" },
		{ "bad=ZZ=", "bad=ZZ" },
		{ "=4", "=4" },
		{ "=", "" },
		{ "trailing   \r\nx", "trailing\r\nx" },
		{ "lf\nkept", "lf\nkept" },
		{ "=2E\r\n=46rom", ".\r\nFrom" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct buf b = BUF_INIT(4096);
		assert_int_equal(mime_qp_decode(t[i].in, strlen(t[i].in), &b, NULL), 0);
		if (!str_eq(buf_str(&b), t[i].out))
			fail_msg("case %zu: got '%s' want '%s'", i, buf_str(&b), t[i].out);
		buf_release(&b);
	}
}

static void test_base64(void **state)
{
	(void)state;
	/* RFC 4648 §10 vectors */
	static const struct { const char *in, *out; } t[] = {
		{ "", "" }, { "f", "Zg==\r\n" }, { "fo", "Zm8=\r\n" }, { "foo", "Zm9v\r\n" },
		{ "foob", "Zm9vYg==\r\n" }, { "fooba", "Zm9vYmE=\r\n" }, { "foobar", "Zm9vYmFy\r\n" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct buf b = BUF_INIT(4096), d = BUF_INIT(4096);
		assert_int_equal(mime_b64_encode(t[i].in, strlen(t[i].in), &b, NULL), 0);
		assert_string_equal(buf_str(&b), t[i].out);
		assert_int_equal(mime_b64_decode(buf_str(&b), b.len, &d, NULL), 0);
		assert_string_equal(buf_str(&d), t[i].in);
		buf_release(&b);
		buf_release(&d);
	}
	/* all 256 byte values, several lengths around the 57-octet line */
	unsigned char all[1024];
	for (size_t i = 0; i < sizeof all; i++)
		all[i] = (unsigned char)(i * 7 + i / 256);
	for (size_t n = 0; n <= sizeof all; n += (n < 120 ? 1 : 97)) {
		struct buf b = BUF_INIT(1 << 16), d = BUF_INIT(1 << 16);
		assert_int_equal(mime_b64_encode(all, n, &b, NULL), 0);
		check_lines(buf_str(&b), b.len, MIME_LINE);
		if (n > 57)
			assert_memory_equal(b.data + 76, "\r\n", 2); /* full lines are exactly 76 */
		assert_int_equal(mime_b64_decode(buf_str(&b), b.len, &d, NULL), 0);
		assert_int_equal(d.len, n);
		if (n)
			assert_memory_equal(d.data, all, n);
		buf_release(&b);
		buf_release(&d);
	}
	/* lenient decoding */
	static const struct { const char *in, *out; } l[] = {
		{ "Zm9v\nYmFy", "foobar" }, { " Z m 9 v ", "foo" }, { "Zm9vYg", "foob" },
		{ "Zg==Zg==", "ff" }, { "Zm9v!!!YmFy", "foobar" }, { "Z", "" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(l); i++) {
		struct buf d = BUF_INIT(64);
		assert_int_equal(mime_b64_decode(l[i].in, strlen(l[i].in), &d, NULL), 0);
		assert_string_equal(buf_str(&d), l[i].out);
		buf_release(&d);
	}
}

static char *param(const char *name, const char *value, struct err *e)
{
	struct buf b = BUF_INIT(1 << 16);
	struct rfc2047_line l;
	assert_int_equal(rfc2047_begin(&l, &b, "Content-Disposition", NULL), 0);
	assert_int_equal(rfc2047_add_token(&l, "attachment", 10, 0, NULL), 0);
	if (mime_add_param(&l, name, value, e) < 0) {
		buf_release(&b);
		return NULL;
	}
	rfc2047_end(&l, NULL);
	return buf_detach(&b, NULL);
}

static void test_params(void **state)
{
	(void)state;
	static const struct { const char *value, *out; } t[] = {
		{ "cv.pdf", "Content-Disposition: attachment; filename=cv.pdf\r\n" },
		{ "CV Jane Doe.pdf", "Content-Disposition: attachment; filename=\"CV Jane Doe.pdf\"\r\n" },
		{ "a\"b\\c.txt", "Content-Disposition: attachment; filename=\"a\\\"b\\\\c.txt\"\r\n" },
		{ "CV_Jos\xc3\xa9.pdf", "Content-Disposition: attachment; filename*=UTF-8''CV_Jos%C3%A9.pdf\r\n" },
		{ "\xe7\x8e\x8b\xe4\xbc\x9f \xe7\xae\x80\xe5\x8e\x86.pdf",
		  "Content-Disposition: attachment;\r\n filename*=UTF-8''%E7%8E%8B%E4%BC%9F%20%E7%AE%80%E5%8E%86.pdf\r\n" },
		{ "Curriculum Vitae - Dr. Mar\xc3\xad" "a Jos\xc3\xa9 Fern\xc3\xa1ndez Guti\xc3\xa9rrez (2026).pdf",
		  "Content-Disposition: attachment;\r\n"
		  " filename*0*=UTF-8''Curriculum%20Vitae%20-%20Dr.%20Mar%C3%ADa%20Jos%C3%A9%20F;\r\n"
		  " filename*1*=ern%C3%A1ndez%20Guti%C3%A9rrez%20%282026%29.pdf\r\n" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct err e = { 0 };
		char *h = param("filename", t[i].value, &e);
		assert_non_null(h);
		if (!str_eq(h, t[i].out))
			fail_msg("case %zu: got\n%s\nwant\n%s", i, h, t[i].out);
		check_lines(h, strlen(h), RFC2047_LINE_SOFT);
		free(h);
	}
	/* a long Arabic name: continuations of whole characters, every line ≤ 78 */
	struct buf v = BUF_INIT(4096);
	for (int i = 0; i < 12; i++)
		buf_addstr(&v, "\xd9\x85\xd8\xad\xd9\x85\xd8\xaf ");
	buf_addstr(&v, "cv.pdf");
	struct err e = { 0 };
	char *h = param("filename", buf_str(&v), &e);
	assert_non_null(h);
	check_lines(h, strlen(h), RFC2047_LINE_SOFT);
	assert_non_null(strstr(h, "filename*3*="));
	/* no continuation starts in the middle of a character (a continuation byte %8x-%Bx) */
	for (const char *p = h; (p = strstr(p, "*=")) != NULL; p += 2) {
		const char *val = p + 2;
		if (str_starts_with(val, "UTF-8''"))
			val += 7;
		if (val[0] == '%')
			assert_false(strchr("89AB", val[1]) != NULL);
	}
	free(h);
	buf_release(&v);
	/* refused */
	static const char *const bad[] = { "a\r\nb", "a\tb", "\xe9t\xe9", "x\x7f" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		e.cls = ERR_NONE;
		assert_null(param("filename", bad[i], &e));
		assert_int_equal(e.cls, ERR_DATA);
	}
}

static void test_types(void **state)
{
	(void)state;
	static const struct { const char *name, *type; } t[] = {
		{ "cv.pdf", "application/pdf" }, { "CV.PDF", "application/pdf" },
		{ "letter.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
		{ "letter.doc", "application/msword" }, { "a.odt", "application/vnd.oasis.opendocument.text" },
		{ "a.rtf", "application/rtf" }, { "notes.txt", "text/plain" }, { "p.jpg", "image/jpeg" },
		{ "p.JPEG", "image/jpeg" }, { "p.png", "image/png" }, { "p.gif", "image/gif" },
		{ "all.zip", "application/zip" }, { "noext", "application/octet-stream" },
		{ "weird.xyz", "application/octet-stream" }, { "dir.pdf/file", "application/octet-stream" },
		{ "trailingdot.", "application/octet-stream" }, { "", "application/octet-stream" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		assert_string_equal(mime_type_for(t[i].name), t[i].type);
	assert_string_equal(mime_type_for(NULL), "application/octet-stream");
}

static void test_7bit(void **state)
{
	(void)state;
	static const struct { const char *s; bool ok; } t[] = {
		{ "Hello\r\nworld\r\n", true },
		{ "", true },
		{ "lf only\n", false },
		{ "cr only\r", false },
		{ "caf\xc3\xa9\r\n", false },
		{ ".dot\r\n", false },
		{ "a\r\n.\r\n", false },
		{ "From me\r\n", false },
		{ "Fromage\r\n", true },
		{ "123456789012345678901234567890123456789012345678901234567890123456789012345678\r\n", true },
		{ "1234567890123456789012345678901234567890123456789012345678901234567890123456789\r\n", false },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		if (mime_is_7bit(t[i].s, strlen(t[i].s)) != t[i].ok)
			fail_msg("case %zu: '%s'", i, t[i].s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qp_encode),
		cmocka_unit_test(test_qp_decode),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_7bit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
