/* Unit tests for csvio: encodings, delimiters, line numbers, malformed records, writing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "csvio.h"
#include "json.h"
#include "mval.h"
#include "err.h"
#include "util.h"
#include "xalloc.h"

static char *tmpfile_with(const char *data, size_t n)
{
	char *path = xstrdup("/tmp/outreach-csvio.XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	close(fd);
	return path;
}

/* Parse data; render records as "f1|f2|...@first-last" joined by "\n", and errors as "E:msg". */
static char *parse(const char *data, size_t n, const struct csvio_opts *o, char *enc, char *delim)
{
	char *path = tmpfile_with(data, n);
	struct csvio *r;
	struct err e = { 0 };
	struct buf out = BUF_INIT(1 << 20);
	if (csvio_open(path, o, &r, &e) < 0)
		fail_msg("open: %s", e.msg);
	for (;;) {
		struct csvio_row *row;
		int k = csvio_next(r, &row, &e);
		if (k == 0)
			break;
		if (k < 0) {
			if (e.cls != ERR_DATA)
				fail_msg("fatal: %s", e.msg);
			/* drop the path prefix: "PATH:LINE: msg" -> "E:LINE:first words" */
			const char *p = strchr(e.msg, ':');
			buf_printf(&out, "E%.*s\n", 40, p);
			continue;
		}
		for (size_t i = 0; i < row->n; i++)
			buf_printf(&out, "%s%s", i ? "|" : "", row->field[i]);
		buf_printf(&out, "@%ld-%ld\n", row->first_line, row->last_line);
	}
	if (enc)
		snprintf(enc, 64, "%s", csvio_encoding(r));
	if (delim)
		*delim = csvio_delimiter(r);
	csvio_close(r);
	unlink(path);
	free(path);
	return buf_detach(&out, NULL);
}

static void test_table(void **state)
{
	(void)state;
	static const struct {
		const char *name, *in;
		size_t len; /* 0: strlen */
		const char *out, *enc;
		char delim;
	} t[] = {
		{ "plain", "email,name\na@x.org,Ann\n", 0, "email|name@1-1\na@x.org|Ann@2-2\n", "UTF-8", ',' },
		{ "bom", "\xef\xbb\xbf" "email,name\r\na@x.org,Ann\r\n", 0, "email|name@1-1\na@x.org|Ann@2-2\n", "UTF-8", ',' },
		{ "semicolon", "email;name\na@x.org;Smith, Ann\n", 0, "email|name@1-1\na@x.org|Smith, Ann@2-2\n", "UTF-8", ';' },
		{ "tab", "email\tname\na@x.org\t\n", 0, "email|name@1-1\na@x.org|@2-2\n", "UTF-8", '\t' },
		{ "cp1252", "email,name\na@x.org,Jos\xe9 Mart\xednez \x96 MD\n", 0,
		  "email|name@1-1\na@x.org|Jos\xc3\xa9 Mart\xc3\xadnez \xe2\x80\x93 MD@2-2\n", "WINDOWS-1252", ',' },
		{ "utf16le", "\xff\xfe" "e\0,\0n\0\n\0\xe9\0,\0x\0\n\0", 18, "e|n@1-1\n\xc3\xa9|x@2-2\n", "UTF-16LE", ',' },
		{ "newline in quotes", "email,notes\na@x.org,\"line one\nline two\"\nb@x.org,x\n", 0,
		  "email|notes@1-1\na@x.org|line one\nline two@2-3\nb@x.org|x@4-4\n", "UTF-8", ',' },
		{ "blank lines", "email\n\n  \na@x.org\n\n", 0, "email@1-1\na@x.org@4-4\n", "UTF-8", ',' },
		{ "no final newline", "email\na@x.org", 0, "email@1-1\na@x.org@2-2\n", "UTF-8", ',' },
		{ "stray quote", "email,n\na@x.org,ab\"c\nb@x.org,d\n", 0, "email|n@1-1\nE:2: a stray quote: quote the whole field\nb@x.org|d@3-3\n", "UTF-8", ',' },
		{ "text after quote", "email,n\na@x.org,\"ab\"c\nb@x.org,d\n", 0, "email|n@1-1\nE:2: a stray quote: quote the whole field\nb@x.org|d@3-3\n", "UTF-8", ',' },
		{ "unterminated at eof", "email,n\na@x.org,\"abc\nb@x.org,d\n", 0, "email|n@1-1\nE:2: a quoted field is never closed (it r\n", "UTF-8", ',' },
		{ "cr only (old Mac)", "email,n\ra@x.org,A\rb@x.org,B\r", 0, "email|n@1-1\na@x.org|A@2-2\nb@x.org|B@3-3\n", "UTF-8", ',' },
		{ "spaces trimmed", "email , name\n  a@x.org  ,  Ann  \n", 0, "email|name@1-1\na@x.org|Ann@2-2\n", "UTF-8", ',' },
		{ "quoted keeps spaces", "a\n\"  x  \"\n", 0, "a@1-1\n  x  @2-2\n", "UTF-8", ',' },
		{ "escaped quotes", "a,b\n\"He said \"\"hi\"\"\",c\n", 0, "a|b@1-1\nHe said \"hi\"|c@2-2\n", "UTF-8", ',' },
		{ "ragged kept as is", "a,b,c\n1,2\n1,2,3,4\n", 0, "a|b|c@1-1\n1|2@2-2\n1|2|3|4@3-3\n", "UTF-8", ',' },
		{ "bom but not utf-8", "\xef\xbb\xbf" "a\nJos\xe9\n", 0, "a@1-1\nJos\xef\xbf\xbd@2-2\n", "UTF-8 (invalid bytes replaced)", ',' },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		char enc[64], delim;
		size_t n = t[i].len ? t[i].len : strlen(t[i].in);
		char *got = parse(t[i].in, n, NULL, enc, &delim);
		if (strcmp(got, t[i].out))
			fail_msg("%s:\n got: %s\nwant: %s", t[i].name, got, t[i].out);
		if (strcmp(enc, t[i].enc))
			fail_msg("%s: encoding %s, want %s", t[i].name, enc, t[i].enc);
		assert_int_equal(delim, t[i].delim);
		free(got);
	}
}

static void test_limits(void **state)
{
	(void)state;
	/* a field over the cap is reported on its first line, and reading goes on after it */
	struct buf in = BUF_INIT(1 << 20);
	buf_addstr(&in, "email,notes\na@x.org,");
	for (int i = 0; i < 2000; i++)
		buf_addstr(&in, "0123456789");
	buf_addstr(&in, "\nb@x.org,ok\n");
	struct csvio_opts o = { .max_field = 1000 };
	char *got = parse(in.data, in.len, &o, NULL, NULL);
	assert_non_null(strstr(got, "E:2: a field is longer than"));
	assert_non_null(strstr(got, "b@x.org|ok@3-3"));
	free(got);
	/* an unterminated quote early in a long file hits the cap instead of eating the file */
	buf_reset(&in);
	buf_addstr(&in, "email,notes\na@x.org,\"oops\n");
	for (int i = 0; i < 500; i++)
		buf_addstr(&in, "c@x.org,some text here\n");
	got = parse(in.data, in.len, &o, NULL, NULL);
	assert_non_null(strstr(got, "E:2: a field is longer than"));
	free(got);
	/* too many fields */
	buf_reset(&in);
	buf_addstr(&in, "a\n");
	for (int i = 0; i < 20; i++)
		buf_addstr(&in, "x,");
	buf_addstr(&in, "y\nz\n");
	struct csvio_opts o2 = { .max_fields = 10 };
	got = parse(in.data, in.len, &o2, NULL, NULL);
	assert_non_null(strstr(got, "E:2: more than 10 fields"));
	assert_non_null(strstr(got, "z@3-3"));
	free(got);
	buf_release(&in);
}

static void test_forced_encoding(void **state)
{
	(void)state;
	struct csvio_opts o = { .encoding = "ISO-8859-15" };
	char *got = parse("a\n\xa4\n", 4, &o, NULL, NULL);
	assert_string_equal(got, "a@1-1\n\xe2\x82\xac@2-2\n"); /* 0xA4 is the euro sign in Latin-9 */
	free(got);
	char *path = tmpfile_with("a\n", 2);
	struct csvio *r;
	struct err e = { 0 };
	struct csvio_opts bad = { .encoding = "EBCDIC-NONSENSE" };
	assert_int_equal(csvio_open(path, &bad, &r, &e), -1);
	assert_non_null(strstr(e.msg, "unknown encoding"));
	unlink(path);
	free(path);
}

static void test_write(void **state)
{
	(void)state;
	static const struct { const char *in; bool neutral; const char *out; } t[] = {
		{ "plain", false, "plain" },
		{ "a,b", false, "\"a,b\"" },
		{ "say \"hi\"", false, "\"say \"\"hi\"\"\"" },
		{ "two\nlines", false, "\"two\nlines\"" },
		{ " padded", false, "\" padded\"" },
		{ "=HYPERLINK(\"x\")", true, "\"'=HYPERLINK(\"\"x\"\")\"" },
		{ "+1 555", true, "\"'+1 555\"" },
		{ "-2", true, "\"'-2\"" },
		{ "@SUM(A1)", true, "\"'@SUM(A1)\"" },
		{ "=1+1", false, "=1+1" },
		{ "", true, "" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct buf b = BUF_INIT(1024);
		assert_int_equal(csvio_write_field(&b, t[i].in, strlen(t[i].in), ',', t[i].neutral), 0);
		if (strcmp(buf_str(&b), t[i].out))
			fail_msg("'%s' -> '%s', want '%s'", t[i].in, buf_str(&b), t[i].out);
		buf_release(&b);
	}
}

/* csv-spectrum: every file, field for field, through the same reader import uses. */
static void test_spectrum(void **state)
{
	(void)state;
	static const char *const names[] = {
		"comma_in_quotes", "empty", "empty_crlf", "escaped_quotes", "json", "newlines",
		"newlines_crlf", "quotes_and_newlines", "simple", "simple_crlf", "utf8",
	};
	size_t checked = 0;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char *csv = xasprintf("tests/spec/csv-spectrum/csvs/%s.csv", names[i]);
		char *js = xasprintf("tests/spec/csv-spectrum/json/%s.json", names[i]);
		struct buf jb = BUF_INIT(1 << 20);
		struct err e = { 0 };
		if (read_file(js, 1 << 20, &jb, &e) < 0)
			fail_msg("%s", e.msg);
		struct mval *want = json_parse(js, jb.data, jb.len, NULL, &e);
		if (!want)
			fail_msg("%s", e.msg);
		assert_int_equal(want->type, MVAL_LIST);
		struct csvio *r;
		if (csvio_open(csv, NULL, &r, &e) < 0)
			fail_msg("%s", e.msg);
		struct csvio_row *row;
		assert_int_equal(csvio_next(r, &row, &e), 1);
		size_t ncols = row->n;
		char **header = xcalloc(ncols, sizeof *header);
		for (size_t k = 0; k < ncols; k++)
			header[k] = xstrdup(row->field[k]);
		size_t nrow = 0;
		int k;
		while ((k = csvio_next(r, &row, &e)) == 1) {
			if (nrow >= want->u.list.n)
				fail_msg("%s: more rows than expected", names[i]);
			const struct mval *obj = want->u.list.v[nrow];
			assert_int_equal(obj->u.map.n, ncols);
			assert_int_equal(row->n, ncols);
			for (size_t c = 0; c < ncols; c++) {
				const struct mval *v = mval_map_getz(obj, header[c]);
				if (!v)
					fail_msg("%s: no column '%s' expected", names[i], header[c]);
				if (v->u.str.len != row->len[c] || memcmp(v->u.str.s, row->field[c], row->len[c]))
					fail_msg("%s row %zu column %s: got '%s', want '%s'", names[i], nrow + 1, header[c],
						 row->field[c], v->u.str.s);
				checked++;
			}
			nrow++;
		}
		if (k < 0)
			fail_msg("%s: %s", names[i], e.msg);
		assert_int_equal(nrow, want->u.list.n);
		for (size_t c = 0; c < ncols; c++)
			free(header[c]);
		free(header);
		csvio_close(r);
		mval_free(want);
		buf_release(&jb);
		free(csv), free(js);
	}
	/* every file was compared field by field: a broken reader cannot pass with zero checks */
	assert_int_equal(checked, 57); /* the number of fields in the expected JSON */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_forced_encoding),
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_spectrum),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
