/* The official Mustache spec (non-optional modules), every test byte for byte. */
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
#include "tmpl.h"
#include "util.h"

/* How many tests each file holds (tests/spec/mustache/SOURCE.md): finding fewer means the
 * runner skipped something, which must fail rather than pass quietly. */
static const struct {
	const char *file;
	size_t tests;
} spec_files[] = {
	{ "comments", 12 }, { "delimiters", 14 }, { "interpolation", 42 },
	{ "inverted", 22 }, { "partials", 12 }, { "sections", 34 },
};

struct spec_partials {
	const struct mval *map; /* the test's "partials", or NULL */
};

static const char *spec_partial(void *ud, const char *name, size_t *len, struct err *e)
{
	(void)e;
	const struct spec_partials *sp = ud;
	const struct mval *p = mval_map_getz(sp->map, name);
	if (!p || p->type != MVAL_STRING)
		return NULL;
	*len = p->u.str.len;
	return p->u.str.s;
}

static const struct mval *field(const struct mval *t, const char *key, enum mval_type type)
{
	const struct mval *v = mval_map_getz(t, key);
	assert_non_null(v);
	assert_int_equal(v->type, type);
	return v;
}

/* Show control characters so a whitespace difference is visible. */
static void show(const char *label, const char *s, size_t n)
{
	fprintf(stderr, "  %-9s \"", label);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n')
			fputs("\\n", stderr);
		else if (c == '\r')
			fputs("\\r", stderr);
		else if (c == '\t')
			fputs("\\t", stderr);
		else if (c == '"' || c == '\\')
			fprintf(stderr, "\\%c", c);
		else if (c < 0x20)
			fprintf(stderr, "\\x%02x", c);
		else
			fputc(c, stderr);
	}
	fputs("\"\n", stderr);
}

/* Run one spec file; returns the number of failures, sets *count to the tests found. */
static int run_file(const char *file, size_t *count)
{
	char path[256];
	snprintf(path, sizeof path, "tests/spec/mustache/%s.json", file);
	struct buf raw = BUF_INIT(1 << 20);
	struct err e;
	err_clear(&e);
	if (read_file(path, raw.max, &raw, &e) < 0)
		fail_msg("%s: %s (run from the top of the tree)", path, e.msg);
	struct mval *doc = json_parse(path, raw.data, raw.len, NULL, &e);
	if (!doc)
		fail_msg("%s", e.msg);
	const struct mval *tests = field(doc, "tests", MVAL_LIST);
	int failures = 0;
	struct buf out = BUF_INIT(1 << 20);
	struct tmpl_misses misses = TMPL_MISSES_INIT;
	for (size_t i = 0; i < tests->u.list.n; i++) {
		const struct mval *t = tests->u.list.v[i];
		const char *name = field(t, "name", MVAL_STRING)->u.str.s;
		const struct mval *tpl = field(t, "template", MVAL_STRING);
		const struct mval *exp = field(t, "expected", MVAL_STRING);
		const struct mval *data = mval_map_getz(t, "data");
		struct spec_partials sp = { mval_map_getz(t, "partials") };
		assert_non_null(data);
		err_clear(&e);
		struct tmpl *c = tmpl_compile(name, tpl->u.str.s, tpl->u.str.len, spec_partial, &sp, &e);
		buf_reset(&out);
		tmpl_misses_reset(&misses);
		int rc = c ? tmpl_render(c, data, TMPL_ESC_HTML, &out, &misses, &e) : -1;
		if (rc < 0 || out.len != exp->u.str.len || memcmp(out.data, exp->u.str.s, out.len)) {
			fprintf(stderr, "FAIL %s.json: %s\n", file, name);
			show("template", tpl->u.str.s, tpl->u.str.len);
			show("expected", exp->u.str.s, exp->u.str.len);
			if (rc < 0)
				fprintf(stderr, "  error     %s\n", e.msg);
			else
				show("actual", buf_str(&out), out.len);
			failures++;
		}
		tmpl_free(c);
	}
	*count = tests->u.list.n;
	tmpl_misses_release(&misses);
	buf_release(&out);
	buf_release(&raw);
	mval_free(doc);
	return failures;
}

static void test_spec(void **state)
{
	(void)state;
	int failures = 0;
	size_t total = 0, want = 0;
	for (size_t i = 0; i < ARRAY_SIZE(spec_files); i++) {
		size_t count = 0;
		failures += run_file(spec_files[i].file, &count);
		if (count != spec_files[i].tests) {
			fprintf(stderr, "%s.json: found %zu tests, expected %zu\n", spec_files[i].file, count,
				spec_files[i].tests);
			failures++;
		}
		total += count;
		want += spec_files[i].tests;
	}
	fprintf(stderr, "mustache spec: %zu tests, %d failures\n", total, failures);
	assert_int_equal(want, 136);
	assert_int_equal(total, 136);
	assert_int_equal(failures, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
