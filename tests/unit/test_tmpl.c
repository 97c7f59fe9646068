/* Unit tests for tmpl: fallbacks, escape modes, strict misses, lint walk, errors, limits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "err.h"
#include "json.h"
#include "mval.h"
#include "tmpl.h"
#include "util.h"
#include "xalloc.h"

/* Partials for the tables: "name=source" pairs, NULL-terminated. */
struct parts {
	const char *const *kv;
	int calls;
	const char *fail;   /* this name makes the resolver report ERR_IO */
};

static const char *parts_fn(void *ud, const char *name, size_t *len, struct err *e)
{
	struct parts *p = ud;
	p->calls++;
	if (p->fail && !strcmp(name, p->fail)) {
		err_set(e, ERR_IO, 2, "cannot read 'partials/%s.md': no such file", name);
		return NULL;
	}
	for (const char *const *kv = p->kv; kv && *kv; kv += 2) {
		if (!strcmp(kv[0], name)) {
			*len = strlen(kv[1]);
			return kv[1];
		}
	}
	return NULL;
}

static struct mval *ctx_json(const char *json)
{
	struct err e;
	err_clear(&e);
	struct mval *v = json_parse("ctx", json, strlen(json), NULL, &e);
	if (!v)
		fail_msg("bad test context %s: %s", json, e.msg);
	return v;
}

/* "name@line:col(why)" for each miss, comma-separated. */
static void misses_str(const struct tmpl_misses *m, struct buf *b)
{
	for (size_t i = 0; i < m->n; i++)
		buf_printf(b, "%s%s@%s:%d:%d(%s)", i ? "," : "", m->v[i].name, m->v[i].source,
			   m->v[i].line, m->v[i].col, tmpl_miss_why_name(m->v[i].why));
}

static const char *const P_STD[] = {
	"sig", "--\n{{my_name}}\n",
	"outer", "a\n  {{>inner}}\nb\n",
	"inner", "x\ny\n",
	"inl", "a {{>lines}}\n",
	"lines", "x\ny",
	"who", "{{first_name}}",
	NULL,
};

static void test_render(void **state)
{
	(void)state;
	static const struct {
		const char *tpl, *ctx;
		enum tmpl_esc esc;
		const char *out, *misses;
	} t[] = {
		/* fallbacks: missing, null, false, empty, blank; a present value wins */
		{ "Dear {{first_name|Doctor}},", "{}", TMPL_ESC_NONE, "Dear Doctor,", "" },
		{ "Dear {{first_name|Doctor}},", "{\"first_name\":null}", TMPL_ESC_NONE, "Dear Doctor,", "" },
		{ "Dear {{first_name|Doctor}},", "{\"first_name\":false}", TMPL_ESC_NONE, "Dear Doctor,", "" },
		{ "Dear {{first_name|Doctor}},", "{\"first_name\":\"\"}", TMPL_ESC_NONE, "Dear Doctor,", "" },
		{ "Dear {{first_name|Doctor}},", "{\"first_name\":\" \\t\\n\"}", TMPL_ESC_NONE, "Dear Doctor,", "" },
		{ "Dear {{first_name|Doctor}},", "{\"first_name\":\"\\u00a0\\u200b\\u3000\"}", TMPL_ESC_NONE, "Dear Doctor,", "" },
		{ "Dear {{first_name|Doctor}},", "{\"first_name\":\"Ana\"}", TMPL_ESC_NONE, "Dear Ana,", "" },
		{ "Dear {{first_name|Doctor}},", "{\"first_name\":0}", TMPL_ESC_NONE, "Dear 0,", "" },
		/* names trimmed, fallbacks trimmed at the ends only, text after the first '|' */
		{ "{{  last_name  |  Dr. Smith Jones  }}", "{}", TMPL_ESC_NONE, "Dr. Smith Jones", "" },
		{ "{{x|a|b}}", "{}", TMPL_ESC_NONE, "a|b", "" },
		/* empty fallback: empty is fine, nothing reported */
		{ "A{{middle|}}B", "{}", TMPL_ESC_NONE, "AB", "" },
		/* raw tags take fallbacks too; the fallback is escaped like the value */
		{ "{{{x|<b>}}} {{&x|<b>}} {{x|<b>}}", "{}", TMPL_ESC_HTML, "<b> <b> &lt;b&gt;", "" },
		{ "{{x|Dr. O'Neil}}", "{}", TMPL_ESC_MARKDOWN, "Dr\\. O\\'Neil", "" },
		/* fallbacks respect the current delimiters */
		{ "{{=<% %>=}}<%x|none%> <%{x|raw}%>", "{}", TMPL_ESC_NONE, "none raw", "" },
		{ "{{x.y|none}}", "{\"x\":{\"y\":\"\"}}", TMPL_ESC_NONE, "none", "" },

		/* strict: every empty interpolation without a fallback is reported, render goes on */
		{ "Dear {{first_name}},\n{{hospital}} / {{{x}}}", "{\"first_name\":\"\"}", TMPL_ESC_NONE,
		  "Dear ,\n / ", "first_name@t:1:6(blank),hospital@t:2:1(missing),x@t:2:16(missing)" },
		{ "{{a}}{{b}}{{c}}{{d}}{{e}}", "{\"a\":null,\"b\":false,\"c\":[1],\"d\":{},\"e\":\"  \"}", TMPL_ESC_NONE,
		  "  ", "a@t:1:1(null),b@t:1:6(false),c@t:1:11(list or map),d@t:1:16(list or map),e@t:1:21(blank)" },
		/* columns count characters, not bytes */
		{ "Jos\xc3\xa9 {{x}}", "{}", TMPL_ESC_NONE, "Jos\xc3\xa9 ", "x@t:1:6(missing)" },
		/* guarded by a section on the same value: never rendered, never reported */
		{ "{{#title}}{{title}} {{/title}}{{last}}", "{\"title\":\"\",\"last\":\"Li\"}", TMPL_ESC_NONE, "Li", "" },
		{ "{{#title}}{{title}} {{/title}}{{last}}", "{\"title\":\"  \",\"last\":\"Li\"}", TMPL_ESC_NONE, "Li", "" },
		{ "{{#title}}{{title}} {{/title}}{{last}}", "{\"title\":\"Dr.\",\"last\":\"Li\"}", TMPL_ESC_NONE, "Dr. Li", "" },
		{ "{{^title}}Dear colleague{{/title}}", "{\"title\":\"\"}", TMPL_ESC_NONE, "Dear colleague", "" },
		/* 0 is data, so truthy; true interpolates as "true" */
		{ "{{#n}}[{{n}}]{{/n}}{{#b}}{{b}}{{/b}}", "{\"n\":0,\"b\":true}", TMPL_ESC_NONE, "[0]true", "" },
		/* misses in a loop are reported per element */
		{ "{{#l}}<{{name}}>{{/l}}", "{\"l\":[{\"name\":\"a\"},{},{\"name\":\"c\"}]}", TMPL_ESC_NONE,
		  "<a><><c>", "name@t:1:8(missing)" },
		/* misses inside partials carry the partial's name and position */
		{ "Hi {{>who}}!\n{{>sig}}", "{}", TMPL_ESC_NONE, "Hi !\n--\n\n",
		  "first_name@who:1:1(missing),my_name@sig:2:1(missing)" },

		/* escape modes */
		{ "{{v}}|{{{v}}}|{{&v}}", "{\"v\":\"<a href='x'>&\\\"</a>\"}", TMPL_ESC_HTML,
		  "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;|<a href='x'>&\"</a>|<a href='x'>&\"</a>", "" },
		{ "{{v}}|{{{v}}}", "{\"v\":\"<b>&amp; 'q'\"}", TMPL_ESC_NONE, "<b>&amp; 'q'|<b>&amp; 'q'", "" },
		{ "{{v}}", "{\"v\":\"*Hi* <b>&amp;</b> [x](y) _z_ `c` # 1. \\\\ ~!\"}", TMPL_ESC_MARKDOWN,
		  "\\*Hi\\* \\<b\\>\\&amp\\;\\<\\/b\\> \\[x\\]\\(y\\) \\_z\\_ \\`c\\` \\# 1\\. \\\\ \\~\\!", "" },
		{ "{{v}}", "{\"v\":\"a\\n\\n    b\\r\\nc\\rd\"}", TMPL_ESC_MARKDOWN, "a      b c d", "" },
		{ "{{v}}", "{\"v\":\"  \\tcode\"}", TMPL_ESC_MARKDOWN, "&#32;&#32;&#9;code", "" },
		{ "{{{v}}}", "{\"v\":\"**bold** <i>x</i>\"}", TMPL_ESC_MARKDOWN, "**bold** <i>x</i>", "" },
		{ "{{v}}", "{\"v\":\"Jos\xc3\xa9 Mar\xc3\xad" "a\"}", TMPL_ESC_MARKDOWN, "Jos\xc3\xa9 Mar\xc3\xad" "a", "" },
		{ "{{n}} {{m}}", "{\"n\":1.5,\"m\":-2}", TMPL_ESC_MARKDOWN, "1\\.5 \\-2", "" },

		/* numbers: shortest round-trip form */
		{ "{{a}} {{b}} {{c}} {{d}} {{e}}", "{\"a\":1.210,\"b\":85,\"c\":1e21,\"d\":0.1,\"e\":-0}", TMPL_ESC_HTML,
		  "1.21 85 1e+21 0.1 0", "" },

		/* dotted names and the context stack */
		{ "{{#a}}{{b.c|none}}{{/a}}", "{\"a\":{\"b\":{}},\"b\":{\"c\":\"ERROR\"}}", TMPL_ESC_NONE, "none", "" },
		{ "{{#hospital}}{{name}}, {{city}}{{/hospital}}", "{\"city\":\"Boston\",\"hospital\":{\"name\":\"MGH\"}}",
		  TMPL_ESC_NONE, "MGH, Boston", "" },

		/* partial indentation: nested standalone partials add up, inline ones are not indented */
		{ "  {{>outer}}\n", "{}", TMPL_ESC_NONE, "  a\n    x\n    y\n  b\n", "" },
		{ "  {{>inl}}\n", "{}", TMPL_ESC_NONE, "  a x\ny\n", "" },
		{ "[{{>nope}}]", "{}", TMPL_ESC_NONE, "[]", "" },

		/* standalone lines: two tags on a line are not standalone */
		{ "{{#a}}{{/a}}\nx", "{\"a\":true}", TMPL_ESC_NONE, "\nx", "" },
		{ "a\n  {{#s}}  \n  b\n  {{/s}}\t\r\nc", "{\"s\":[1,2]}", TMPL_ESC_NONE, "a\n  b\n  b\nc", "" },
		{ "", "{}", TMPL_ESC_HTML, "", "" },
		{ "{{x}}", "null", TMPL_ESC_HTML, "", "x@t:1:1(missing)" },
	};
	struct parts parts = { P_STD, 0, NULL };
	struct buf out = BUF_INIT(1 << 16), ms = BUF_INIT(1 << 16);
	struct tmpl_misses m = TMPL_MISSES_INIT;
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct err e;
		err_clear(&e);
		struct tmpl *c = tmpl_compile("t", t[i].tpl, strlen(t[i].tpl), parts_fn, &parts, &e);
		if (!c)
			fail_msg("case %zu %s: %s", i, t[i].tpl, e.msg);
		struct mval *ctx = ctx_json(t[i].ctx);
		buf_reset(&out);
		buf_reset(&ms);
		tmpl_misses_reset(&m);
		if (tmpl_render(c, ctx, t[i].esc, &out, &m, &e) < 0)
			fail_msg("case %zu %s: %s", i, t[i].tpl, e.msg);
		misses_str(&m, &ms);
		if (strcmp(buf_str(&out), t[i].out) || strcmp(buf_str(&ms), t[i].misses))
			fail_msg("case %zu %s:\n  out    [%s]\n  want   [%s]\n  misses [%s]\n  want   [%s]", i, t[i].tpl,
				 buf_str(&out), t[i].out, buf_str(&ms), t[i].misses);
		/* misses may be NULL: same output */
		size_t len = out.len;
		buf_reset(&out);
		assert_int_equal(tmpl_render(c, ctx, t[i].esc, &out, NULL, &e), 0);
		assert_int_equal(out.len, len);
		mval_free(ctx);
		tmpl_free(c);
	}
	tmpl_misses_release(&m);
	buf_release(&out);
	buf_release(&ms);
}

static void test_render_stack(void **state)
{
	(void)state;
	struct mval *campaign = ctx_json("{\"my_name\":\"Dr. Amal Haddad\",\"first_name\":\"WRONG\"}");
	struct mval *contact = ctx_json("{\"first_name\":\"Ana\"}");
	const struct mval *stack[] = { campaign, contact };
	struct err e;
	struct tmpl *c = tmpl_compile("t", "{{first_name}}/{{my_name}}", 26, NULL, NULL, &e);
	assert_non_null(c);
	struct buf out = BUF_INIT(256);
	assert_int_equal(tmpl_render_stack(c, stack, 2, TMPL_ESC_NONE, &out, NULL, &e), 0);
	assert_string_equal(buf_str(&out), "Ana/Dr. Amal Haddad");
	/* render appends */
	assert_int_equal(tmpl_render(c, contact, TMPL_ESC_NONE, &out, NULL, &e), 0);
	assert_string_equal(buf_str(&out), "Ana/Dr. Amal HaddadAna/");
	assert_string_equal(tmpl_name(c), "t");
	buf_release(&out);
	tmpl_free(c);
	mval_free(campaign);
	mval_free(contact);
}

static void test_compile_errors(void **state)
{
	(void)state;
	static const struct {
		const char *tpl;
		enum err_class cls;
		const char *msg;
	} t[] = {
		{ "Dear {{name}},\n\n{{#department}}\nx\n", ERR_DATA,
		  "observership.md:5:1: section 'department' opened at 3:1 is never closed; expected '{{/department}}'" },
		{ "{{=<% %>=}}\n<%#a%>\n", ERR_DATA,
		  "observership.md:3:1: section 'a' opened at 2:1 is never closed; expected '<%/a%>'" },
		{ "x\n  {{name}", ERR_DATA, "observership.md:2:3: unclosed tag, expected '}}'" },
		{ "{{{name}}", ERR_DATA, "observership.md:1:1: unclosed tag, expected '}}}'" },
		{ "{{", ERR_DATA, "observership.md:1:1: unclosed tag, expected '}}'" },
		{ "Dear {{first_name}, see {{x}}", ERR_DATA,
		  "observership.md:1:6: unclosed tag, expected '}}' before the next '{{'" },
		{ "{{#y}}\n\n{{/x}}", ERR_DATA,
		  "observership.md:3:1: closing tag '{{/x}}' does not match open section 'y' (opened at 1:1), expected '{{/y}}'" },
		{ "a {{/x}}", ERR_DATA,
		  "observership.md:1:3: closing tag '{{/x}}' without an open section, expected '{{#x}}' before it" },
		{ "{{}}", ERR_DATA, "observership.md:1:1: empty tag name, expected a name between '{{' and '}}'" },
		{ "{{ | Doctor }}", ERR_DATA, "observership.md:1:1: empty tag name, expected a name between '{{' and '}}'" },
		{ "{{{ }}}", ERR_DATA, "observership.md:1:1: empty tag name, expected a name between '{{' and '}}'" },
		{ "{{# }}{{/ }}", ERR_DATA, "observership.md:1:1: empty tag name, expected a name between '{{' and '}}'" },
		{ "{{> }}", ERR_DATA, "observership.md:1:1: empty tag name, expected a name between '{{' and '}}'" },
		{ "{{=<%>=}}", ERR_DATA, "observership.md:1:1: invalid set-delimiter tag, expected '{{=<% %>=}}'" },
		{ "{{=a b c=}}", ERR_DATA, "observership.md:1:1: invalid set-delimiter tag, expected '{{=<% %>=}}'" },
		{ "{{=a= b=}}", ERR_DATA, "observership.md:1:1: invalid set-delimiter tag, expected '{{=<% %>=}}'" },
		{ "{{==}}", ERR_DATA, "observership.md:1:1: invalid set-delimiter tag, expected '{{=<% %>=}}'" },
		{ "{{#name|x}}{{/name}}", ERR_DATA,
		  "observership.md:1:1: '|' in a section tag: fallbacks are only for variables, expected '{{#name}}'" },
		{ "{{^name | x}}{{/name}}", ERR_DATA,
		  "observership.md:1:1: '|' in an inverted section tag: fallbacks are only for variables, expected '{{^name}}'" },
		{ "{{#a}}{{/a|x}}", ERR_DATA,
		  "observership.md:1:7: '|' in a closing tag: fallbacks are only for variables, expected '{{/a}}'" },
		{ "{{> sig|x }}", ERR_DATA,
		  "observership.md:1:1: '|' in a partial tag: fallbacks are only for variables, expected '{{>sig}}'" },
		{ "{{a..b}}", ERR_DATA, "observership.md:1:1: invalid name 'a..b', expected names separated by single dots" },
		{ "{{.a}}", ERR_DATA, "observership.md:1:1: invalid name '.a', expected names separated by single dots" },
		{ "{{#a.}}{{/a.}}", ERR_DATA, "observership.md:1:1: invalid name 'a.', expected names separated by single dots" },
		{ "ok\nJos\xe9 {{x}}", ERR_DATA,
		  "observership.md:2:4: invalid UTF-8 byte 0xE9, expected UTF-8 text (save the file as UTF-8)" },
		{ "a\0b", ERR_DATA, "observership.md:1:2: NUL byte, expected text" },
		/* errors inside a partial name the partial */
		{ "x {{>bad}}", ERR_DATA, "bad:1:7: section 's' opened at 1:1 is never closed; expected '{{/s}}'" },
		/* a resolver error fails the compile, with the tag's position */
		{ "\n {{>io}}", ERR_IO,
		  "observership.md:2:2: partial 'io': cannot read 'partials/io.md': no such file" },
	};
	static const char *const P[] = { "bad", "{{#s}}", NULL };
	struct parts parts = { P, 0, "io" };
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct err e;
		err_clear(&e);
		size_t len = strlen(t[i].tpl);
		if (!strcmp(t[i].tpl, "a"))
			len = 3; /* "a\0b" */
		struct tmpl *c = tmpl_compile("observership.md", t[i].tpl, len, parts_fn, &parts, &e);
		if (c)
			fail_msg("case %zu %s: compiled, expected %s", i, t[i].tpl, t[i].msg);
		if (e.cls != t[i].cls || strcmp(e.msg, t[i].msg))
			fail_msg("case %zu:\n  got  %s (%s)\n  want %s (%s)", i, e.msg, err_class_name(e.cls), t[i].msg,
				 err_class_name(t[i].cls));
	}
}

struct collect {
	struct buf b;
	int stop_after;
	int seen;
};

static int collect_fn(void *ud, const struct tmpl_var *v)
{
	struct collect *c = ud;
	buf_printf(&c->b, "%s %s %s:%d:%d", tmpl_var_kind_name(v->kind), v->name, v->source, v->line, v->col);
	if (v->has_fallback)
		buf_printf(&c->b, " fb='%s'", v->fallback);
	if (v->section)
		buf_printf(&c->b, " in=%s/%d", v->section, v->depth);
	if (v->kind == TMPL_VAR_PARTIAL)
		buf_printf(&c->b, " %s", v->partial_found ? "found" : "missing");
	buf_addstr(&c->b, "\n");
	if (++c->seen == c->stop_after)
		return 42;
	return 0;
}

static void test_foreach_var(void **state)
{
	(void)state;
	const char *src =
		"Dear {{title|Dr.}} {{last_name}},\n"
		"{{! a comment }}{{=<% %>=}}\n"
		"<%#hospital%>\n"
		"  I admire <%{hospital.name}%> and <%.%>.\n"
		"  <%^departments%>general<%/departments%>\n"
		"<%/hospital%>\n"
		"<%> sig%> <%&hosptal|%> <%>missing%> <%>sig%>\n";
	static const char *const P[] = { "sig", "{{#x}}{{my_name}}{{/x}}{{>sig}}", NULL };
	struct parts parts = { P, 0, NULL };
	struct err e;
	struct tmpl *t = tmpl_compile("observership.md", src, strlen(src), parts_fn, &parts, &e);
	if (!t)
		fail_msg("%s", e.msg);
	/* each partial is resolved once however often it is used, even recursively */
	assert_int_equal(parts.calls, 2);
	struct collect c = { BUF_INIT(4096), 0, 0 };
	assert_int_equal(tmpl_foreach_var(t, collect_fn, &c), 0);
	assert_string_equal(buf_str(&c.b),
		"variable title observership.md:1:6 fb='Dr.'\n"
		"variable last_name observership.md:1:20\n"
		"section hospital observership.md:3:1\n"
		"raw variable hospital.name observership.md:4:12 in=hospital/1\n"
		"variable . observership.md:4:36 in=hospital/1\n"
		"inverted section departments observership.md:5:3 in=hospital/1\n"
		"partial sig observership.md:7:1 found\n"
		"raw variable hosptal observership.md:7:11 fb=''\n"
		"partial missing observership.md:7:25 missing\n"
		"partial sig observership.md:7:38 found\n"
		"section x sig:1:1\n"
		"variable my_name sig:1:7 in=x/1\n"
		"partial sig sig:1:24 found\n");
	buf_release(&c.b);
	/* the callback can stop the walk */
	struct collect c2 = { BUF_INIT(4096), 3, 0 };
	assert_int_equal(tmpl_foreach_var(t, collect_fn, &c2), 42);
	assert_int_equal(c2.seen, 3);
	buf_release(&c2.b);
	tmpl_free(t);
}

static void test_limits(void **state)
{
	(void)state;
	struct err e;
	/* template size */
	size_t big = TMPL_MAX_SOURCE + 1;
	char *src = xmalloc(big + 1);
	memset(src, 'x', big);
	src[big] = '\0';
	assert_null(tmpl_compile("big.md", src, big, NULL, NULL, &e));
	assert_int_equal(e.cls, ERR_LIMIT);
	assert_string_equal(e.msg, "big.md: template is 1048577 bytes, more than the limit of 1048576");
	struct tmpl *t = tmpl_compile("big.md", src, big - 1, NULL, NULL, &e);
	assert_non_null(t);
	tmpl_free(t);
	/* a partial that is too large */
	static const char *pk[] = { "huge", NULL, NULL };
	pk[1] = src; /* strlen = limit + 1 */
	struct parts pbig = { pk, 0, NULL };
	assert_null(tmpl_compile("t", "{{>huge}}", 9, parts_fn, &pbig, &e));
	assert_int_equal(e.cls, ERR_LIMIT);
	free(src);

	/* nesting: 64 sections are fine, 65 are not */
	struct buf b = BUF_INIT(1 << 16);
	for (int depth = TMPL_MAX_NESTING; depth <= TMPL_MAX_NESTING + 1; depth++) {
		buf_reset(&b);
		for (int i = 0; i < depth; i++)
			buf_printf(&b, "{{#s%d}}", i);
		for (int i = depth - 1; i >= 0; i--)
			buf_printf(&b, "{{/s%d}}", i);
		t = tmpl_compile("deep.md", b.data, b.len, NULL, NULL, &e);
		if (depth == TMPL_MAX_NESTING) {
			assert_non_null(t);
			tmpl_free(t);
		} else {
			assert_null(t);
			assert_int_equal(e.cls, ERR_LIMIT);
			assert_string_equal(e.msg, "deep.md:1:503: sections nested deeper than 64");
		}
	}

	/* distinct partials */
	buf_reset(&b);
	for (int i = 0; i <= TMPL_MAX_PARTIALS; i++)
		buf_printf(&b, "{{>p%d}}", i);
	assert_null(tmpl_compile("many.md", b.data, b.len, NULL, NULL, &e));
	assert_int_equal(e.cls, ERR_LIMIT);
	assert_string_equal(e.msg, "many.md:1:503: more than 64 distinct partials");
	buf_truncate(&b, b.len - 8); /* drop "{{>p64}}" */
	assert_int_equal(b.data[b.len - 1], '}');
	t = tmpl_compile("many.md", b.data, b.len, NULL, NULL, &e);
	assert_non_null(t);
	tmpl_free(t);

	/* partial recursion depth at render, with no data to stop it */
	static const char *const PR[] = { "loop", "x{{>loop}}", "fork", "{{>fork}}{{>fork}}", NULL };
	struct parts pr = { PR, 0, NULL };
	struct buf out = BUF_INIT(1 << 20);
	t = tmpl_compile("rec.md", "{{>loop}}", 9, parts_fn, &pr, &e);
	assert_non_null(t);
	err_clear(&e);
	assert_int_equal(tmpl_render(t, NULL, TMPL_ESC_HTML, &out, NULL, &e), -1);
	assert_int_equal(e.cls, ERR_LIMIT);
	assert_string_equal(e.msg, "loop:1:2: partial 'loop' nested deeper than 32 levels (recursive partial?)");
	assert_int_equal(out.len, 0); /* restored */
	tmpl_free(t);

	/* 64 nested sections in a recursive partial: the render depth limit, not the stack */
	static char deep[1024];
	size_t dl = 0;
	for (int i = 0; i < TMPL_MAX_NESTING; i++)
		dl += (size_t)snprintf(deep + dl, sizeof deep - dl, "{{#t}}");
	dl += (size_t)snprintf(deep + dl, sizeof deep - dl, "{{>deep}}");
	for (int i = 0; i < TMPL_MAX_NESTING; i++)
		dl += (size_t)snprintf(deep + dl, sizeof deep - dl, "{{/t}}");
	static const char *PD[] = { "deep", deep, NULL };
	struct parts pd = { PD, 0, NULL };
	struct mval *tctx = ctx_json("{\"t\":true}");
	t = tmpl_compile("rec.md", "{{>deep}}", 9, parts_fn, &pd, &e);
	assert_non_null(t);
	assert_int_equal(tmpl_render(t, tctx, TMPL_ESC_HTML, &out, NULL, &e), -1);
	assert_int_equal(e.cls, ERR_LIMIT);
	assert_string_equal(e.msg, "deep:1:355: sections and partials nested deeper than 256 while rendering");
	mval_free(tctx);
	tmpl_free(t);

	/* a doubling partial is stopped by the depth limit before 2^32 calls */
	t = tmpl_compile("rec.md", "{{>fork}}", 9, parts_fn, &pr, &e);
	assert_non_null(t);
	assert_int_equal(tmpl_render(t, NULL, TMPL_ESC_HTML, &out, NULL, &e), -1);
	assert_int_equal(e.cls, ERR_LIMIT);
	tmpl_free(t);

	/* nested loops over one list (100^4 iterations) are cut by the step budget */
	buf_reset(&b);
	buf_addstr(&b, "{\"l\":[");
	for (int i = 0; i < 100; i++)
		buf_printf(&b, "%s%d", i ? "," : "", i);
	buf_addstr(&b, "]}");
	struct mval *lctx = ctx_json(b.data);
	const char *loops = "{{#l}}{{#l}}{{#l}}{{#l}}x{{/l}}{{/l}}{{/l}}{{/l}}";
	t = tmpl_compile("loops.md", loops, strlen(loops), NULL, NULL, &e);
	assert_non_null(t);
	struct buf sink = BUF_INIT(1u << 30);
	assert_int_equal(tmpl_render(t, lctx, TMPL_ESC_NONE, &sink, NULL, &e), -1);
	assert_int_equal(e.cls, ERR_LIMIT);
	assert_string_equal(e.msg, "loops.md:1:25: template expansion exceeds 16777216 steps (recursive partials or nested loops?)");
	assert_int_equal(sink.len, 0);
	buf_release(&sink);
	tmpl_free(t);
	mval_free(lctx);

	/* output size: the caller's buffer maximum; the buffer keeps what it had */
	struct mval *ctx = ctx_json("{\"v\":\"<<<<\"}");
	t = tmpl_compile("t", "{{v}}{{v}}", 10, NULL, NULL, &e);
	struct buf small = BUF_INIT(36);
	buf_addstr(&small, "head:");
	assert_int_equal(tmpl_render(t, ctx, TMPL_ESC_HTML, &small, NULL, &e), -1);
	assert_int_equal(e.cls, ERR_LIMIT);
	assert_string_equal(e.msg, "rendered output exceeds the limit of 36 bytes");
	assert_string_equal(buf_str(&small), "head:");
	buf_reset(&small);
	assert_int_equal(tmpl_render(t, ctx, TMPL_ESC_HTML, &small, NULL, &e), 0);
	assert_int_equal(small.len, 32);
	buf_release(&small);
	tmpl_free(t);
	mval_free(ctx);

	/* misses beyond TMPL_MAX_MISSES are counted, not stored */
	buf_reset(&b);
	buf_addstr(&b, "{\"l\":[");
	for (int i = 0; i < TMPL_MAX_MISSES + 5; i++)
		buf_printf(&b, "%s{}", i ? "," : "");
	buf_addstr(&b, "]}");
	ctx = ctx_json(b.data);
	t = tmpl_compile("t", "{{#l}}{{x}}{{/l}}", 17, NULL, NULL, &e);
	struct tmpl_misses m = TMPL_MISSES_INIT;
	assert_int_equal(tmpl_render(t, ctx, TMPL_ESC_HTML, &out, &m, &e), 0);
	assert_int_equal(m.n, TMPL_MAX_MISSES);
	assert_int_equal(m.dropped, 5);
	tmpl_misses_reset(&m);
	assert_int_equal(m.n + m.dropped, 0);
	tmpl_misses_release(&m);
	tmpl_free(t);
	mval_free(ctx);
	buf_release(&out);
	buf_release(&b);
}

/* Information only (no assertion on time): render cost of a realistic letter. */
static void test_timing(void **state)
{
	(void)state;
	struct buf src = BUF_INIT(1 << 16);
	buf_addstr(&src, "Dear Dr. {{last_name}},\n\n");
	buf_addstr(&src, "My name is {{my_name}}, an international medical graduate from {{my_school}}. "
			 "I am writing to ask whether {{hospital}} might host me for an observership in "
			 "{{department|your department}} this {{season|spring}}.\n\n");
	while (src.len < 1500)
		buf_addstr(&src, "I have completed USMLE Step 1 and Step 2 CK and I am preparing for residency "
				 "applications; observing your team would help me understand clinical practice in the US.\n");
	buf_addstr(&src, "\nWith gratitude,\n{{my_name}}\n");
	struct buf ctxj = BUF_INIT(1 << 16);
	buf_addstr(&ctxj, "{");
	for (int i = 0; i < 44; i++)
		buf_printf(&ctxj, "\"col_%d\":\"value %d\",", i, i);
	buf_addstr(&ctxj, "\"last_name\":\"Okafor\",\"my_name\":\"Amal Haddad\",\"my_school\":\"University of Jordan\","
			  "\"hospital\":\"Massachusetts General Hospital\",\"department\":\"Cardiology\",\"season\":\"\"}");
	struct mval *ctx = ctx_json(ctxj.data);
	struct err e;
	struct tmpl *t = tmpl_compile("letter.md", src.data, src.len, NULL, NULL, &e);
	assert_non_null(t);
	struct buf out = BUF_INIT(1 << 16);
	struct tmpl_misses m = TMPL_MISSES_INIT;
	enum { N = 50000 };
	static const char *const mode[] = { "none", "html", "markdown" };
	for (int esc = TMPL_ESC_NONE; esc <= TMPL_ESC_MARKDOWN; esc++) {
		struct timespec a, z;
		clock_gettime(CLOCK_MONOTONIC, &a);
		for (int i = 0; i < N; i++) {
			buf_reset(&out);
			tmpl_misses_reset(&m);
			tmpl_render(t, ctx, (enum tmpl_esc)esc, &out, &m, &e);
		}
		clock_gettime(CLOCK_MONOTONIC, &z);
		double ns = ((double)(z.tv_sec - a.tv_sec) * 1e9 + (double)(z.tv_nsec - a.tv_nsec)) / N;
		fprintf(stderr, "timing: %zu-byte template, 6 variables, 50-key map, %s: %.0f ns per render\n",
			src.len, mode[esc], ns);
	}
	assert_int_equal(m.n, 0);
	struct timespec a, z;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < 2000; i++)
		tmpl_free(tmpl_compile("letter.md", src.data, src.len, NULL, NULL, &e));
	clock_gettime(CLOCK_MONOTONIC, &z);
	fprintf(stderr, "timing: compile %.1f us\n",
		((double)(z.tv_sec - a.tv_sec) * 1e9 + (double)(z.tv_nsec - a.tv_nsec)) / 2000 / 1000);
	tmpl_misses_release(&m);
	buf_release(&out);
	buf_release(&src);
	buf_release(&ctxj);
	tmpl_free(t);
	mval_free(ctx);
}

/* a body compiled at its line in the file reports file lines, in errors and in misses */
static void test_first_line(void **state)
{
	(void)state;
	struct err e = { 0 };
	const char *bad = "Dear {{name}},\n\n{{#x}}never closed\n";
	assert_null(tmpl_compile_at("letter.md", bad, strlen(bad), 5, NULL, NULL, &e));
	assert_non_null(strstr(e.msg, "letter.md:8:1: section 'x' opened at 7:1"));
	const char *good = "a\n{{who}}\n";
	struct tmpl *t = tmpl_compile_at("letter.md", good, strlen(good), 4, NULL, NULL, &e);
	assert_non_null(t);
	struct mval *ctx = mval_new_map();
	struct buf out = BUF_INIT(1024);
	struct tmpl_misses m;
	tmpl_misses_init(&m);
	assert_int_equal(tmpl_render(t, ctx, TMPL_ESC_NONE, &out, &m, &e), 0);
	assert_int_equal(m.n, 1);
	assert_int_equal(m.v[0].line, 5);
	assert_int_equal(m.v[0].col, 1);
	tmpl_misses_release(&m);
	buf_release(&out);
	mval_free(ctx);
	tmpl_free(t);
}

/* a header value compiled at its column: columns on its first line are the file's, later
 * lines start again at 1 */
static void test_first_col(void **state)
{
	(void)state;
	struct err e = { 0 };
	const char *bad = "Hello {{name}";
	assert_null(tmpl_compile_at_col("letter.md", bad, strlen(bad), 1, 10, NULL, NULL, &e));
	assert_non_null(strstr(e.msg, "letter.md:1:16: unclosed tag"));
	const char *good = "Dr. {{who}}\n{{x}}";
	struct tmpl *t = tmpl_compile_at_col("letter.md", good, strlen(good), 3, 5, NULL, NULL, &e);
	assert_non_null(t);
	struct mval *ctx = mval_new_map();
	struct buf out = BUF_INIT(1024);
	struct tmpl_misses m;
	tmpl_misses_init(&m);
	assert_int_equal(tmpl_render(t, ctx, TMPL_ESC_NONE, &out, &m, &e), 0);
	assert_int_equal(m.n, 2);
	assert_int_equal(m.v[0].line, 3);
	assert_int_equal(m.v[0].col, 9);
	assert_int_equal(m.v[1].line, 4);
	assert_int_equal(m.v[1].col, 1);
	tmpl_misses_release(&m);
	buf_release(&out);
	mval_free(ctx);
	tmpl_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_first_line),
		cmocka_unit_test(test_first_col),
		cmocka_unit_test(test_render_stack),
		cmocka_unit_test(test_compile_errors),
		cmocka_unit_test(test_foreach_var),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_timing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
