/* Unit tests for the shared base: buf, util (strings, UTF-8, keys), clock parsing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "err.h"
#include "util.h"

static void test_buf_max(void **state)
{
	(void)state;
	struct buf b = BUF_INIT(8);
	assert_int_equal(buf_addstr(&b, "12345"), 0);
	assert_int_equal(buf_addstr(&b, "678"), 0);
	assert_int_equal(buf_addstr(&b, "9"), -1); /* over the maximum: unchanged */
	assert_string_equal(buf_str(&b), "12345678");
	assert_int_equal(buf_printf(&b, "%d", 1), -1);
	assert_string_equal(buf_str(&b), "12345678"); /* a refused printf leaves no trace */
	buf_truncate(&b, 2);
	assert_int_equal(buf_printf(&b, "%s-%d", "x", 42), 0);
	assert_string_equal(buf_str(&b), "12x-42");
	buf_release(&b);
	assert_string_equal(buf_str(&b), "");
}

static void test_buf_printf_growth(void **state)
{
	(void)state;
	/* formatted text that fits in the room there is, and text that does not */
	struct buf b = BUF_INIT(1 << 20);
	static char want[32768];
	size_t wlen = 0;
	for (int i = 0; i < 300; i++) {
		char piece[64];
		snprintf(piece, sizeof piece, "%d:%.*s;", i, i % 40, "abcdefghijklmnopqrstuvwxyzabcdefghijklmn");
		assert_int_equal(buf_printf(&b, "%s", piece), 0);
		size_t plen = strlen(piece);
		assert_true(wlen + plen < sizeof want);
		memcpy(want + wlen, piece, plen);
		wlen += plen;
		assert_int_equal(b.len, strlen(b.data));
	}
	assert_int_equal(b.len, wlen);
	assert_memory_equal(b.data, want, b.len);
	buf_release(&b);
	struct buf small = BUF_INIT(10);
	assert_int_equal(buf_printf(&small, "%s", "12345"), 0);
	assert_int_equal(buf_printf(&small, "%s", "abcdefgh"), -1); /* partly written, then refused */
	assert_string_equal(buf_str(&small), "12345");
	assert_int_equal(buf_printf(&small, "%s", "abcde"), 0);
	assert_string_equal(buf_str(&small), "12345abcde");
	buf_release(&small);
}

static void test_parse_long(void **state)
{
	(void)state;
	static const struct { const char *in; long min, max; int rc; long out; } t[] = {
		{ "42", 0, 100, 0, 42 }, { "-1", 0, 100, -1, 0 }, { "101", 0, 100, -1, 0 },
		{ "", 0, 100, -1, 0 }, { "4x", 0, 100, -1, 0 }, { "99999999999999999999", 0, 100, -1, 0 },
		{ " 7", 0, 100, 0, 7 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		long v = 0;
		assert_int_equal(parse_long(t[i].in, t[i].min, t[i].max, &v), t[i].rc);
		if (!t[i].rc)
			assert_int_equal(v, t[i].out);
	}
}

static void test_utf8(void **state)
{
	(void)state;
	static const struct { const char *s; int valid; size_t cps; } t[] = {
		{ "plain", 1, 5 },
		{ "Jos\xc3\xa9", 1, 4 },                  /* José */
		{ "\xe2\x82\xac", 1, 1 },                 /* € */
		{ "\xf0\x9f\x98\x80", 1, 1 },             /* emoji */
		{ "\xc0\xaf", 0, 0 },                     /* overlong */
		{ "\xed\xa0\x80", 0, 0 },                 /* surrogate */
		{ "\xe9t\xe9", 0, 0 },                    /* Latin-1 été */
		{ "\xf4\x90\x80\x80", 0, 0 },             /* > U+10FFFF */
		{ "\xe2\x82", 0, 0 },                     /* truncated */
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		assert_int_equal(utf8_valid(t[i].s, strlen(t[i].s)), t[i].valid);
		if (t[i].valid)
			assert_int_equal(utf8_length(t[i].s, strlen(t[i].s)), t[i].cps);
	}
	/* every case again after 0 to 19 ASCII octets and before 0 to 19 more, so each lands at
	 * every position of the eight-octet ASCII scan */
	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		for (size_t pre = 0; pre < 20; pre++)
			for (size_t post = 0; post < 20; post += 3) {
				char s[64];
				memset(s, 'a', pre);
				size_t n = strlen(t[i].s);
				memcpy(s + pre, t[i].s, n);
				memset(s + pre + n, 'z', post);
				assert_int_equal(utf8_valid(s, pre + n + post), t[i].valid);
			}
	/* the length given is the end: a bad octet just past it does not count */
	assert_true(utf8_valid("abcdefghijklmnop\xff", 16));
	assert_false(utf8_valid("abcdefghijklmnop\xff", 17));
	struct buf b = BUF_INIT(64);
	utf8_encode(&b, 0xe9);
	utf8_encode(&b, 0x1f600);
	assert_string_equal(buf_str(&b), "\xc3\xa9\xf0\x9f\x98\x80");
	buf_release(&b);
}

static void test_normalize_key(void **state)
{
	(void)state;
	static const struct { const char *in, *out; } t[] = {
		{ "First Name", "first_name" }, { "  E-Mail Address ", "e_mail_address" },
		{ "EMAIL", "email" }, { "last_name", "last_name" }, { "Hospital / Program", "hospital_program" },
		{ "Ciudad", "ciudad" }, { "", "" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		char *k = normalize_key(t[i].in);
		assert_string_equal(k, t[i].out);
		free(k);
	}
}

static void test_trim_and_misc(void **state)
{
	(void)state;
	char s[] = " \t hello world \r\n";
	assert_string_equal(str_trim(s), "hello world");
	assert_true(mem_has_crlf_nul("a\rb", 3));
	assert_true(mem_has_crlf_nul("a\0b", 3));
	assert_false(mem_has_crlf_nul("a b", 3));
	assert_non_null(mem_icase_find("Out of OFFICE", 13, "office"));
	assert_null(mem_icase_find("abc", 3, "abcd"));
	char *p = path_join("ws", "contacts/a.csv");
	assert_string_equal(p, "ws/contacts/a.csv");
	free(p);
	p = path_join("ws", "/abs");
	assert_string_equal(p, "/abs");
	free(p);
	char *tok = random_token(20);
	assert_int_equal(strlen(tok), 20);
	assert_int_equal(strspn(tok, "abcdefghijklmnopqrstuvwxyz0123456789"), 20);
	free(tok);
}

static void test_clock_parse(void **state)
{
	(void)state;
	assert_int_equal(clock_parse_utc("2026-11-25T09:00:00Z"), 1795597200);
	assert_int_equal(clock_parse_utc("1795597200"), 1795597200);
	assert_int_equal(clock_parse_utc("2026-11-25"), 1795564800);
	assert_int_equal(clock_parse_utc("yesterday"), -1);
	setenv("OUTREACH_NOW", "2026-11-25T09:00:00Z", 1);
	clock_reset();
	assert_int_equal(clock_now(), 1795597200);
	clock_sleep(90, NULL);
	assert_int_equal(clock_now(), 1795597290);
	unsetenv("OUTREACH_NOW");
	clock_reset();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_max),
		cmocka_unit_test(test_buf_printf_growth),
		cmocka_unit_test(test_parse_long),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_normalize_key),
		cmocka_unit_test(test_trim_and_misc),
		cmocka_unit_test(test_clock_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
