/* Unit tests for json: strict parsing with positioned errors, limits, and the writers. */
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
#include "json.h"
#include "mval.h"
#include "util.h"
#include "xalloc.h"

/* Valid documents, written back compactly: parse and write must round-trip to `out`. */
static void test_parse_valid(void **state)
{
	(void)state;
	static const struct { const char *in, *out; } t[] = {
		{ "null", "null" }, { " true ", "true" }, { "\t\r\nfalse\n", "false" },
		{ "0", "0" }, { "-0", "0" }, { "1.210", "1.21" }, { "85", "85" }, { "-12.5e2", "-1250" },
		{ "1E-2", "0.01" }, { "1e+2", "100" }, { "1e-400", "0" },
		{ "\"\"", "\"\"" }, { "\"a\\\"b\\\\c\\/d\"", "\"a\\\"b\\\\c/d\"" },
		{ "\"\\b\\f\\n\\r\\t\"", "\"\\b\\f\\n\\r\\t\"" },
		{ "\"\\u0041\\u00e9\\u20AC\"", "\"A\xc3\xa9\xe2\x82\xac\"" },
		{ "\"\\ud83d\\ude00\"", "\"\xf0\x9f\x98\x80\"" },          /* surrogate pair */
		{ "\"Jos\xc3\xa9\"", "\"Jos\xc3\xa9\"" },
		{ "\"\\u0000\"", "\"\\u0000\"" },
		{ "\"\\u2028\"", "\"\\u2028\"" },
		{ "[]", "[]" }, { "{}", "{}" }, { "[1,[2,[3]],{}]", "[1,[2,[3]],{}]" },
		{ "{ \"b\" : 1 , \"a\" : [ true , null ] }", "{\"b\":1,\"a\":[true,null]}" }, /* order kept */
		{ "\xef\xbb\xbf{\"bom\":1}", "{\"bom\":1}" },
		{ "{\"a\":{\"a\":{\"a\":1}}}", "{\"a\":{\"a\":{\"a\":1}}}" },
	};
	struct buf b = BUF_INIT(4096);
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct err e;
		err_clear(&e);
		struct mval *v = json_parse(NULL, t[i].in, strlen(t[i].in), NULL, &e);
		if (!v)
			fail_msg("case %zu %s: %s", i, t[i].in, e.msg);
		buf_reset(&b);
		assert_int_equal(json_write_mval(&b, v, 0), 0);
		if (strcmp(buf_str(&b), t[i].out))
			fail_msg("case %zu %s: wrote %s, want %s", i, t[i].in, buf_str(&b), t[i].out);
		mval_free(v);
	}
	/* a NUL inside a string is kept */
	struct err e;
	struct mval *v = json_parse(NULL, "\"a\\u0000b\"", 10, NULL, &e);
	assert_non_null(v);
	assert_int_equal(v->u.str.len, 3);
	assert_memory_equal(v->u.str.s, "a\0b", 3);
	mval_free(v);
	buf_release(&b);
}

static void test_parse_errors(void **state)
{
	(void)state;
	static const struct { const char *in; const char *msg; } t[] = {
		{ "", "1:1: unexpected end of input, expected a value (object, array, string, number, true, false or null)" },
		{ "   ", "1:4: unexpected end of input, expected a value (object, array, string, number, true, false or null)" },
		{ "[1,]", "1:4: trailing comma before ']', expected a value" },
		{ "{\"a\":1,}", "1:8: trailing comma before '}', expected a string (object key)" },
		{ "{\n  \"a\": 1,\n  \"b\" 2\n}", "3:7: unexpected '2', expected ':' after the key" },
		{ "[1 2]", "1:4: unexpected '2', expected ',' or ']'" },
		{ "{\"a\":1 \"b\":2}", "1:8: unexpected '\"', expected ',' or '}'" },
		{ "{a:1}", "1:2: unexpected 'a', expected a string (object key)" },
		{ "{\"a\":1,\"a\":2}", "1:8: duplicate key \"a\", expected each key once per object" },
		{ "\"a\tb\"", "1:3: control character 0x09 in a string, expected it escaped (\\n, \\t, \\u00XX)" },
		{ "\"a\nb\"", "1:3: control character 0x0A in a string, expected it escaped (\\n, \\t, \\u00XX)" },
		{ "\"Jos\xe9\"", "1:5: invalid UTF-8 byte 0xE9 in a string, expected UTF-8 text" },
		{ "\"\xed\xa0\x80\"", "1:2: invalid UTF-8 byte 0xED in a string, expected UTF-8 text" }, /* encoded surrogate */
		{ "\"\xc0\xaf\"", "1:2: invalid UTF-8 byte 0xC0 in a string, expected UTF-8 text" },      /* overlong */
		{ "\"\\ud83d\"", "1:2: lone high surrogate \\uD83D, expected a low surrogate \\uDC00-\\uDFFF after it" },
		{ "\"\\ud83dx\"", "1:2: lone high surrogate \\uD83D, expected a low surrogate \\uDC00-\\uDFFF after it" },
		{ "\"\\ud83d\\u0041\"", "1:2: high surrogate \\uD83D followed by \\u0041, expected a low surrogate \\uDC00-\\uDFFF" },
		{ "\"\\ude00\"", "1:2: lone low surrogate \\uDE00, expected a high surrogate \\uD800-\\uDBFF before it" },
		{ "\"\\u12G4\"", "1:6: unexpected 'G', expected a hexadecimal digit in a \\u escape" },
		{ "\"\\x\"", "1:3: unexpected 'x', expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX" },
		{ "\"abc", "1:5: unexpected end of input in the string opened at 1:1, expected '\"'" },
		{ "01", "1:2: leading zero in a number, expected '.', 'e' or the end of the number" },
		{ "-", "1:2: unexpected end of input, expected a digit" },
		{ "+1", "1:1: unexpected '+', expected a value (object, array, string, number, true, false or null)" },
		{ "1.", "1:3: unexpected end of input, expected a digit after '.'" },
		{ ".5", "1:1: unexpected '.', expected a value (object, array, string, number, true, false or null)" },
		{ "1e", "1:3: unexpected end of input, expected a digit in the exponent" },
		{ "1e999", "1:1: number out of range, expected a magnitude below 1.8e308" },
		{ "NaN", "1:1: unexpected 'N', expected a value (object, array, string, number, true, false or null)" },
		{ "tru", "1:1: unexpected 't', expected a value (object, array, string, number, true, false or null)" },
		{ "nulls", "1:5: unexpected 's', expected end of input after the value" },
		{ "{} {}", "1:4: unexpected '{', expected end of input after the value" },
		{ "[1] // c", "1:5: unexpected '/', expected end of input after the value" },
		{ "'a'", "1:1: unexpected ''', expected a value (object, array, string, number, true, false or null)" },
		{ "[\"\xc3\xa9\xc3\xa9\", x]", "1:8: unexpected 'x', expected a value (object, array, string, number, true, false or null)" },
		{ "\xc2\xa0" "1", "1:1: unexpected byte 0xC2, expected a value (object, array, string, number, true, false or null)" },
		{ "[1,\n\n  ]", "3:3: trailing comma before ']', expected a value" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct err e;
		err_clear(&e);
		struct mval *v = json_parse(NULL, t[i].in, strlen(t[i].in), NULL, &e);
		if (v)
			fail_msg("case %zu %s: parsed, expected %s", i, t[i].in, t[i].msg);
		if (e.cls != ERR_DATA || strcmp(e.msg, t[i].msg))
			fail_msg("case %zu %s:\n  got  %s (%s)\n  want %s", i, t[i].in, e.msg, err_class_name(e.cls), t[i].msg);
	}
	/* with a name, messages are file:line:col */
	struct err e;
	assert_null(json_parse("contacts.json", "[1,]", 4, NULL, &e));
	assert_string_equal(e.msg, "contacts.json:1:4: trailing comma before ']', expected a value");
	/* a raw NUL byte is not whitespace */
	assert_null(json_parse(NULL, "1\0", 2, NULL, &e));
	assert_string_equal(e.msg, "1:2: unexpected byte 0x00, expected end of input after the value");
}

static void test_limits(void **state)
{
	(void)state;
	struct err e;
	struct buf b = BUF_INIT(1 << 20);
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		buf_addch(&b, '[');
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		buf_addch(&b, ']');
	struct mval *v = json_parse(NULL, b.data, b.len, NULL, &e);
	assert_non_null(v); /* exactly the default depth */
	mval_free(v);
	buf_reset(&b);
	for (int i = 0; i <= JSON_MAX_DEPTH; i++)
		buf_addstr(&b, "{\"a\":");
	assert_null(json_parse(NULL, b.data, b.len, NULL, &e));
	assert_int_equal(e.cls, ERR_LIMIT);
	assert_string_equal(e.msg, "1:321: nested deeper than 64 levels");
	struct json_limits lim = { .max_depth = 2 };
	assert_null(json_parse(NULL, "[[[]]]", 6, &lim, &e));
	assert_int_equal(e.cls, ERR_LIMIT);
	assert_non_null(v = json_parse(NULL, "[[]]", 4, &lim, &e));
	mval_free(v);
	/* size */
	struct json_limits small = { .max_bytes = 8 };
	assert_null(json_parse("c.json", "\"123456789\"", 11, &small, &e));
	assert_int_equal(e.cls, ERR_LIMIT);
	assert_string_equal(e.msg, "c.json: document is 11 bytes, more than the limit of 8");
	assert_non_null(v = json_parse("c.json", "\"123456\"", 8, &small, &e));
	mval_free(v);
	/* a deep document is freed without trouble (valgrind) and a long string is fine */
	buf_reset(&b);
	buf_addch(&b, '"');
	for (int i = 0; i < 20000; i++)
		assert_int_equal(buf_addstr(&b, "\\u00e9"), 0);
	buf_addch(&b, '"');
	assert_non_null(v = json_parse(NULL, b.data, b.len, NULL, &e));
	assert_int_equal(v->u.str.len, 40000);
	mval_free(v);
	buf_release(&b);
}

static void test_write_string(void **state)
{
	(void)state;
	static const struct { const char *in; size_t n; const char *out; } t[] = {
		{ "plain", 5, "\"plain\"" },
		{ "q\"b\\", 4, "\"q\\\"b\\\\\"" },
		{ "\n\r\t\b\f\x01\x1f\x7f", 8, "\"\\n\\r\\t\\b\\f\\u0001\\u001f\x7f\"" },
		{ "a\0b", 3, "\"a\\u0000b\"" },
		{ "Jos\xc3\xa9 \xf0\x9f\x98\x80", 10, "\"Jos\xc3\xa9 \xf0\x9f\x98\x80\"" },
		{ "\xe2\x80\xa8\xe2\x80\xa9", 6, "\"\\u2028\\u2029\"" },
		/* invalid UTF-8 becomes U+FFFD, one per bad byte */
		{ "Jos\xe9", 4, "\"Jos\xef\xbf\xbd\"" },
		{ "\xc0\xaf", 2, "\"\xef\xbf\xbd\xef\xbf\xbd\"" },
		{ "\xed\xa0\x80", 3, "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
		{ "\xe2\x82", 2, "\"\xef\xbf\xbd\xef\xbf\xbd\"" },
		{ "", 0, "\"\"" },
	};
	struct buf b = BUF_INIT(256);
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		buf_reset(&b);
		assert_int_equal(json_write_string(&b, t[i].in, t[i].n), 0);
		if (strcmp(buf_str(&b), t[i].out))
			fail_msg("case %zu: wrote %s, want %s", i, buf_str(&b), t[i].out);
		/* whatever went in, what comes out parses back */
		struct err e;
		struct mval *v = json_parse(NULL, b.data, b.len, NULL, &e);
		if (!v)
			fail_msg("case %zu: output does not parse: %s", i, e.msg);
		assert_true(utf8_valid(v->u.str.s, v->u.str.len));
		mval_free(v);
	}
	/* over the maximum: -1 and the buffer unchanged */
	struct buf small = BUF_INIT(10);
	buf_addstr(&small, "x=");
	assert_int_equal(json_write_string(&small, "123456789", 9), -1);
	assert_string_equal(buf_str(&small), "x=");
	buf_release(&small);
	buf_release(&b);
}

static void test_write_mval(void **state)
{
	(void)state;
	const char *in = "{\"name\":\"Ana\",\"n\":[1,2.5,{}],\"ok\":true,\"none\":null,\"e\":[]}";
	struct err e;
	struct mval *v = json_parse(NULL, in, strlen(in), NULL, &e);
	assert_non_null(v);
	struct buf b = BUF_INIT(1024);
	assert_int_equal(json_write_mval(&b, v, 2), 0);
	assert_string_equal(buf_str(&b),
		"{\n"
		"  \"name\": \"Ana\",\n"
		"  \"n\": [\n"
		"    1,\n"
		"    2.5,\n"
		"    {}\n"
		"  ],\n"
		"  \"ok\": true,\n"
		"  \"none\": null,\n"
		"  \"e\": []\n"
		"}");
	/* pretty output parses back to the same compact text */
	struct mval *w = json_parse(NULL, b.data, b.len, NULL, &e);
	assert_non_null(w);
	buf_reset(&b);
	json_write_mval(&b, w, 0);
	assert_string_equal(buf_str(&b), in);
	/* non-finite numbers are not JSON: null */
	struct mval *l = mval_new_list();
	mval_list_push(l, mval_new_number(1.0 / 0.0));
	buf_reset(&b);
	json_write_mval(&b, l, 0);
	assert_string_equal(buf_str(&b), "[null]");
	buf_reset(&b);
	json_write_mval(&b, NULL, 0);
	assert_string_equal(buf_str(&b), "null");
	/* over the maximum: unchanged */
	struct buf small = BUF_INIT(20);
	buf_addstr(&small, "keep");
	assert_int_equal(json_write_mval(&small, v, 0), -1);
	assert_string_equal(buf_str(&small), "keep");
	buf_release(&small);
	mval_free(l);
	mval_free(w);
	mval_free(v);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_valid),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_write_string),
		cmocka_unit_test(test_write_mval),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
