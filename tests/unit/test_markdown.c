/* Unit tests for markdown: safe HTML, the plain-text rendering, the document wrapper. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "markdown.h"
#include "util.h"

static void test_text(void **state)
{
	(void)state;
	static const struct { const char *md, *text; } t[] = {
		{ "Hello *world*, **bold** and `code`.", "Hello world, bold and code.\n" },
		{ "Para one\ncontinues.\n\nPara two.", "Para one\ncontinues.\n\nPara two.\n" },
		{ "hard  \nbreak\\\nagain", "hard\nbreak\nagain\n" },
		{ "See [my CV](https://example.org/cv.pdf).", "See my CV <https://example.org/cv.pdf>.\n" },
		{ "<https://example.org> and <jane@example.org>", "https://example.org and jane@example.org\n" },
		{ "[jane@example.org](mailto:jane@example.org)", "jane@example.org\n" },
		{ "[click](javascript:alert(1))", "click\n" },
		{ "![photo](https://example.org/p.png)", "photo <https://example.org/p.png>\n" },
		{ "# Heading\nText under it.", "Heading\n\nText under it.\n" },
		{ "- one\n- two\n  - nested\n  - again\n- three", "- one\n- two\n  - nested\n  - again\n- three\n" },
		{ "1. first\n2. second\n\n   more of second\n3. third",
		  "1. first\n\n2. second\n\n   more of second\n\n3. third\n" },
		{ "3) three\n4) four", "3) three\n4) four\n" },
		{ "9. nine\n10. ten\n    line two", "9. nine\n10. ten\n    line two\n" },
		{ "> quoted\n> line\n>\n> second para", "> quoted\n> line\n>\n> second para\n" },
		{ "> outer\n>\n> > inner", "> outer\n>\n> > inner\n" },
		{ "```\ncode  here\n    indented *not emph*\n```", "code  here\n    indented *not emph*\n" },
		{ "    indented code", "indented code\n" },
		{ "a\n\n---\n\nb", "a\n\n---\n\nb\n" },
		{ "<div>raw html</div>\n\nkept <b>text</b>", "kept text\n" },
		{ "Dear Dr. Mart\xc3\xadnez,\n\n\xd9\x85\xd8\xad\xd9\x85\xd8\xaf",
		  "Dear Dr. Mart\xc3\xadnez,\n\n\xd9\x85\xd8\xad\xd9\x85\xd8\xaf\n" },
		{ "", "\n" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct buf b = BUF_INIT(1 << 16);
		struct err e = { 0 };
		assert_int_equal(markdown_to_text(t[i].md, strlen(t[i].md), &b, &e), 0);
		if (!str_eq(buf_str(&b), t[i].text))
			fail_msg("case %zu:\n--- got\n%s--- want\n%s---", i, buf_str(&b), t[i].text);
		buf_release(&b);
	}
}

static void test_html(void **state)
{
	(void)state;
	static const struct { const char *md, *must, *mustnot; } t[] = {
		{ "Hello *world*", "<p>Hello <em>world</em></p>", NULL },
		{ "<script>alert(1)</script>", "raw HTML omitted", "<script" },
		{ "x <b onclick=\"evil()\">y</b>", "<p>x ", "onclick" },
		{ "[a](javascript:alert(1))", "href=\"\"", "javascript" },
		{ "[cv](https://example.org/cv.pdf)", "<a href=\"https://example.org/cv.pdf\">cv</a>", NULL },
		{ "5 < 6 & \"q\"", "5 &lt; 6 &amp; &quot;q&quot;", NULL },
		{ "\"quotes\" -- stay", "&quot;quotes&quot; -- stay", NULL }, /* no smart punctuation */
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct buf b = BUF_INIT(1 << 16);
		assert_int_equal(markdown_to_html(t[i].md, strlen(t[i].md), &b, NULL), 0);
		if (!strstr(buf_str(&b), t[i].must))
			fail_msg("case %zu: '%s' lacks '%s'", i, buf_str(&b), t[i].must);
		if (t[i].mustnot && strstr(buf_str(&b), t[i].mustnot))
			fail_msg("case %zu: '%s' has '%s'", i, buf_str(&b), t[i].mustnot);
		buf_release(&b);
	}
}

static void test_errors_and_limits(void **state)
{
	(void)state;
	struct buf b = BUF_INIT(1 << 20);
	struct err e = { 0 };
	assert_int_equal(markdown_to_html("caf\xe9", 4, &b, &e), -1);
	assert_int_equal(e.cls, ERR_DATA);
	assert_int_equal(markdown_to_text("caf\xe9", 4, &b, &e), -1);
	assert_int_equal(e.cls, ERR_DATA);
	char *big = calloc(MARKDOWN_MAX + 2, 1);
	memset(big, 'a', MARKDOWN_MAX + 1);
	assert_int_equal(markdown_to_text(big, MARKDOWN_MAX + 1, &b, &e), -1);
	assert_int_equal(e.cls, ERR_LIMIT);
	/* deep nesting: no stack overflow, the words survive */
	size_t depth = 20000;
	memset(big, '>', depth);
	memcpy(big + depth, " deep", 6);
	buf_reset(&b);
	assert_int_equal(markdown_to_text(big, depth + 5, &b, &e), 0);
	assert_non_null(strstr(buf_str(&b), "deep"));
	for (size_t i = 0; i < depth; i++)
		big[i] = (i % 2) ? ' ' : '-';
	memcpy(big + depth, "x", 2);
	buf_reset(&b);
	assert_int_equal(markdown_to_text(big, depth + 1, &b, &e), 0);
	assert_non_null(strstr(buf_str(&b), "x"));
	memset(big, '*', depth);
	memcpy(big + depth, "e", 2);
	memset(big + depth + 1, '*', depth);
	buf_reset(&b);
	assert_int_equal(markdown_to_text(big, 2 * depth + 1, &b, &e), 0);
	free(big);
	/* a full output buffer */
	struct buf small = BUF_INIT(4);
	assert_int_equal(markdown_to_text("hello world", 11, &small, &e), -1);
	assert_int_equal(e.cls, ERR_LIMIT);
	buf_release(&small);
	buf_release(&b);
}

static void test_document(void **state)
{
	(void)state;
	struct buf b = BUF_INIT(1 << 16);
	const char *frag = "<p>Hi</p>\n";
	assert_int_equal(markdown_html_document(frag, strlen(frag), &b, NULL), 0);
	assert_true(str_starts_with(buf_str(&b), "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">"));
	assert_non_null(strstr(buf_str(&b), "<p>Hi</p>\n</div>\n</body>\n</html>\n"));
	assert_null(strstr(buf_str(&b), "<table"));
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_errors_and_limits),
		cmocka_unit_test(test_document),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
