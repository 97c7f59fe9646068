/* Unit tests for svg: escaping, text width, tick steps, bar and column charts on empty,
 * single, many, hostile, non-ASCII and all-zero data. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "svg.h"
#include "util.h"

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0, k = strlen(needle);
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += k)
		n++;
	return n;
}

/* The structure every chart must have, whatever the data: one svg element, balanced groups
 * and texts, no raw '<' from data (every '<' starts a known tag), and no number that is not
 * finite (a division by zero would print "nan" or "inf"). */
static void assert_well_formed(const char *s)
{
	assert_true(str_starts_with(s, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
	assert_true(str_ends_with(s, "</svg>"));
	assert_int_equal(count(s, "<svg"), 1);
	assert_int_equal(count(s, "<g>"), count(s, "</g>"));
	assert_int_equal(count(s, "<text"), count(s, "</text>"));
	assert_int_equal(count(s, "<title>"), count(s, "</title>"));
	static const char *const tags[] = { "svg", "/svg", "g>", "/g>", "text", "/text", "title", "/title",
					    "desc", "/desc", "rect", "line" };
	for (const char *p = s; (p = strchr(p, '<')) != NULL; p++) {
		bool known = false;
		for (size_t i = 0; i < ARRAY_SIZE(tags); i++)
			known |= str_starts_with(p + 1, tags[i]);
		if (!known)
			fail_msg("unexpected markup at: %.40s", p);
	}
	static const char *const nonfinite[] = { "\"nan", "\"-nan", "\"inf", "\"-inf", ">nan", ">-nan", ">inf",
						 ">-inf", "NaN" };
	for (size_t i = 0; i < ARRAY_SIZE(nonfinite); i++)
		if (strstr(s, nonfinite[i]))
			fail_msg("a number that is not finite: %s", strstr(s, nonfinite[i]));
}

static void test_escape(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		size_t n; /* 0: strlen */
		const char *out;
	} t[] = {
		{ "plain", 0, "plain" },
		{ "<script>alert(1)</script>", 0, "&lt;script&gt;alert(1)&lt;/script&gt;" },
		{ "a & b", 0, "a &amp; b" },
		{ "\"quoted\" 'single'", 0, "&quot;quoted&quot; &#39;single&#39;" },
		{ "line\nbreak\ttab", 0, "line\nbreak\ttab" },
		{ "esc\x1b[31mred\x7f\x01", 0, "esc[31mred" },            /* controls dropped */
		{ "Jos\xc3\xa9 M\xc3\xbcller", 0, "Jos\xc3\xa9 M\xc3\xbcller" }, /* kept */
		{ "\xe4\xb8\xad\xe6\x9d\x91", 0, "\xe4\xb8\xad\xe6\x9d\x91" },   /* 中村 */
		{ "bad\xff\xfe", 0, "bad\xef\xbf\xbd\xef\xbf\xbd" },          /* invalid → U+FFFD */
		{ "\xc2\x85next", 0, "next" },                                  /* C1 control NEL */
		{ "trunc\xe2\x82", 0, "trunc\xef\xbf\xbd\xef\xbf\xbd" },
		{ "nul\0after", 9, "nulafter" },
		{ "", 0, "" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct buf b = BUF_INIT(1024);
		assert_int_equal(svg_escape(&b, t[i].in, t[i].n ? t[i].n : strlen(t[i].in)), 0);
		if (strcmp(buf_str(&b), t[i].out) != 0)
			fail_msg("case %zu: got '%s', want '%s'", i, buf_str(&b), t[i].out);
		assert_true(utf8_valid(b.data ? b.data : "", b.len));
		buf_release(&b);
	}
	struct buf small = BUF_INIT(8);
	assert_int_equal(svg_escape(&small, "<<<<<<", 6), -1);
	buf_release(&small);
}

static void test_text_width(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		size_t w;
	} t[] = {
		{ "", 0 },
		{ "Cardiology", 10 },
		{ "Jos\xc3\xa9", 4 },
		{ "e\xcc\x81", 1 },                                   /* e + combining acute */
		{ "\xe4\xb8\xad\xe6\x9d\x91 \xe6\xad\xa6", 7 },       /* 中村 武 */
		{ "\xd8\xa3\xd8\xad\xd9\x85\xd8\xaf", 4 },            /* أحمد */
		{ "\xff\xfe", 2 },
		{ "\xf0\x9f\x98\x80", 2 },                            /* emoji */
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		assert_int_equal(svg_text_width(t[i].s), t[i].w);
	assert_int_equal(svg_text_width(NULL), 0);
}

static void test_nice_step(void **state)
{
	(void)state;
	static const struct {
		double in, out;
	} t[] = {
		{ -3, 1 }, { 0, 1 }, { 0.3, 1 }, { 1, 1 }, { 1.2, 2 }, { 2, 2 }, { 2.1, 5 }, { 4.9, 5 },
		{ 5.1, 10 }, { 11, 20 }, { 26, 50 }, { 99, 100 }, { 101, 200 }, { 1e6, 1e6 },
		{ NAN, 1 }, { INFINITY, 1 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		if (svg_nice_step(t[i].in) != t[i].out)
			fail_msg("case %zu: nice_step(%g) = %g, want %g", i, t[i].in, svg_nice_step(t[i].in), t[i].out);
}

static char *hbars(const struct svg_bar *bars, size_t n, double max)
{
	struct buf b = BUF_INIT(1 << 20);
	struct svg_hbars c = { .title = "Replies <by> state", .desc = "d & d", .bars = bars, .nbars = n, .max = max };
	assert_int_equal(svg_hbars(&b, &c), 0);
	assert_well_formed(buf_str(&b));
	return buf_detach(&b, NULL);
}

/* The width attribute of the n-th (0-based) <rect class="CLS"...>, or -1 when absent. */
static double rect_width(const char *s, const char *cls, size_t nth)
{
	char key[48];
	snprintf(key, sizeof key, "<rect class=\"%s\"", cls);
	const char *p = s;
	for (size_t i = 0; (p = strstr(p, key)) != NULL; i++, p++)
		if (i == nth) {
			const char *w = strstr(p, "width=\"");
			return w ? strtod(w + 7, NULL) : -1;
		}
	return -1;
}

static void test_hbars_cases(void **state)
{
	(void)state;
	/* empty: a chart that says so */
	char *s = hbars(NULL, 0, 0);
	assert_non_null(strstr(s, ">No data yet</text>"));
	assert_non_null(strstr(s, "<title>Replies &lt;by&gt; state</title>"));
	assert_non_null(strstr(s, "<desc>d &amp; d</desc>"));
	free(s);

	/* one bar at the maximum fills the track; its inner half fills half */
	struct svg_bar one[] = { { "Cardiology", 10, 5, "10 of 10", NULL } };
	s = hbars(one, 1, 10);
	assert_int_equal(count(s, "<rect class=\"bar\""), 1);
	double full = rect_width(s, "bar", 0), half = rect_width(s, "inner", 0);
	assert_true(full > 100);
	assert_true(fabs(half - full / 2) < 0.2);
	assert_non_null(strstr(s, ">10 of 10</text>"));
	free(s);

	/* all zero with no scale: tracks only, no division by zero */
	struct svg_bar zero[] = { { "A", 0, 0, "0 of 0", NULL }, { "B", 0, 0, NULL, NULL } };
	s = hbars(zero, 2, 0);
	assert_int_equal(count(s, "<rect class=\"bar\""), 0);
	assert_int_equal(count(s, "<rect class=\"inner\""), 0);
	free(s);

	/* hostile and broken values: NaN, negative, infinite count as 0, never printed */
	struct svg_bar bad[] = { { "<script>x</script>", NAN, -1, "\"q\" & <b>", "tip <i>" },
				 { "ok", INFINITY, 2, NULL, NULL },
				 { "neg", -5, 0, NULL, NULL } };
	s = hbars(bad, 3, 0);
	assert_null(strstr(s, "<script"));
	assert_null(strstr(s, "<b>"));
	assert_null(strstr(s, "<i>"));
	assert_non_null(strstr(s, "&lt;script&gt;x&lt;/script&gt;"));
	assert_non_null(strstr(s, "&quot;q&quot; &amp; &lt;b&gt;"));
	assert_non_null(strstr(s, "<title>tip &lt;i&gt;</title>"));
	assert_int_equal(count(s, "<rect class=\"bar\""), 0);
	assert_int_equal(count(s, "<rect class=\"inner\""), 1);
	free(s);

	/* a tiny value next to a huge one stays visible */
	struct svg_bar tiny[] = { { "big", 1000000, 0, NULL, NULL }, { "small", 1, 0, NULL, NULL } };
	s = hbars(tiny, 2, 0);
	assert_true(rect_width(s, "bar", 1) >= 2);
	free(s);

	/* a value beyond the scale is clipped to the track */
	struct svg_bar over[] = { { "over", 300, 0, NULL, NULL }, { "half", 50, 0, NULL, NULL } };
	s = hbars(over, 2, 100);
	assert_true(fabs(rect_width(s, "bar", 0) - 2 * rect_width(s, "bar", 1)) < 0.2);
	free(s);
}

static void test_hbars_labels(void **state)
{
	(void)state;
	/* many categories: every one drawn, each in its own row */
	struct svg_bar many[60];
	char names[60][16];
	for (int i = 0; i < 60; i++) {
		snprintf(names[i], sizeof names[i], "cat-%02d", i);
		many[i] = (struct svg_bar){ names[i], i, 0, NULL, NULL };
	}
	char *s = hbars(many, 60, 0);
	for (int i = 0; i < 60; i++) {
		char want[64];
		snprintf(want, sizeof want, ">%.16s</text>", names[i]);
		assert_non_null(strstr(s, want));
	}
	assert_int_equal(count(s, "<rect class=\"bar\""), 59); /* cat-00 is 0 */
	free(s);

	/* non-ASCII labels are kept; a long one is shortened with an ellipsis but its row
	 * tooltip keeps the whole text */
	const char *longname = "Division of Pulmonary, Critical Care and Sleep Medicine \xe2\x80\x94 \xe4\xb8\xad\xe6\x9d\x91";
	struct svg_bar intl[] = { { "\xd8\xa3\xd8\xad\xd9\x85\xd8\xaf \xd8\xa7\xd9\x84\xd9\x81\xd8\xa7\xd8\xb1\xd8\xb3\xd9\x8a", 1, 0, NULL, NULL },
				  { "Z\xc3\xbcrich", 2, 0, NULL, NULL },
				  { longname, 3, 0, NULL, NULL } };
	s = hbars(intl, 3, 0);
	assert_non_null(strstr(s, ">\xd8\xa3\xd8\xad\xd9\x85\xd8\xaf \xd8\xa7\xd9\x84\xd9\x81\xd8\xa7\xd8\xb1\xd8\xb3\xd9\x8a</text>"));
	assert_non_null(strstr(s, ">Z\xc3\xbcrich</text>"));
	assert_non_null(strstr(s, "\xe2\x80\xa6</text>"));
	char tip[160];
	snprintf(tip, sizeof tip, "<title>%s</title>", longname);
	assert_non_null(strstr(s, tip));
	assert_true(utf8_valid(s, strlen(s)));
	free(s);

	/* legend entries appear when asked for */
	struct buf b = BUF_INIT(1 << 16);
	struct svg_hbars c = { .title = "t", .bars = intl, .nbars = 1, .legend_value = "reply rate",
			       .legend_inner = "offer rate" };
	assert_int_equal(svg_hbars(&b, &c), 0);
	assert_non_null(strstr(buf_str(&b), ">reply rate</text>"));
	assert_non_null(strstr(buf_str(&b), ">offer rate</text>"));
	assert_well_formed(buf_str(&b));
	buf_release(&b);
}

static char *columns(const struct svg_column *cols, size_t n)
{
	struct buf b = BUF_INIT(1 << 20);
	struct svg_columns c = { .title = "Per week", .name_a = "sent", .name_b = "replies <b>", .cols = cols,
				 .ncols = n };
	assert_int_equal(svg_columns(&b, &c), 0);
	assert_well_formed(buf_str(&b));
	return buf_detach(&b, NULL);
}

static void test_columns(void **state)
{
	(void)state;
	char *s = columns(NULL, 0);
	assert_non_null(strstr(s, ">No data yet</text>"));
	free(s);

	/* one week: both bars, ticks 0..7 in whole steps of 2 */
	struct svg_column one[] = { { "11 Jan", 7, 3 } };
	s = columns(one, 1);
	assert_int_equal(count(s, "<rect class=\"col-a\""), 1);
	assert_int_equal(count(s, "<rect class=\"col-b\""), 1);
	assert_non_null(strstr(s, ">8</text>"));
	assert_null(strstr(s, ".5</text>"));
	assert_non_null(strstr(s, ">11 Jan</text>"));
	assert_non_null(strstr(s, "replies &lt;b&gt;"));
	free(s);

	/* all zero: an axis from 0 to 1, no bars, nothing divided by zero */
	struct svg_column zero[] = { { "a", 0, 0 }, { "b", 0, 0 } };
	s = columns(zero, 2);
	assert_int_equal(count(s, "<rect class=\"col-"), 0);
	assert_non_null(strstr(s, ">1</text>"));
	free(s);

	/* many weeks: every group drawn, labels thinned out so they never overlap */
	struct svg_column many[104];
	char labels[104][16];
	for (int i = 0; i < 104; i++) {
		snprintf(labels[i], sizeof labels[i], "w%d", i);
		many[i] = (struct svg_column){ labels[i], i % 7, i % 3 };
	}
	s = columns(many, 104);
	assert_int_equal(count(s, "<g><title>"), 104);
	size_t shown = 0;
	for (int i = 0; i < 104; i++) {
		char want[32];
		snprintf(want, sizeof want, ">w%d</text>", i);
		shown += strstr(s, want) != NULL;
	}
	assert_true(shown >= 5 && shown <= 15);
	free(s);

	/* hostile labels and broken values */
	struct svg_column bad[] = { { "<script>", NAN, -3 }, { NULL, INFINITY, 1 } };
	s = columns(bad, 2);
	assert_null(strstr(s, "<script"));
	assert_int_equal(count(s, "<rect class=\"col-a\""), 0);
	assert_int_equal(count(s, "<rect class=\"col-b\""), 1);
	free(s);

	/* a full buffer is reported, not silently cut */
	struct buf b = BUF_INIT(200);
	struct svg_columns c = { .title = "x", .cols = one, .ncols = 1 };
	assert_int_equal(svg_columns(&b, &c), -1);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_text_width),
		cmocka_unit_test(test_nice_step),
		cmocka_unit_test(test_hbars_cases),
		cmocka_unit_test(test_hbars_labels),
		cmocka_unit_test(test_columns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
