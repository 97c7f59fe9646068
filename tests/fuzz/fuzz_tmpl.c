/* Fuzz target: compile and render arbitrary template bytes in every escape mode. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "json.h"
#include "mval.h"
#include "tmpl.h"

/* Input: the template, then optionally a NUL byte and the source of partial "p". Partial
 * "r" recurses through data, "loop" without end; both are fixed. */
struct parts {
	const char *p;
	size_t plen;
};

static const char *resolve(void *ud, const char *name, size_t *len, struct err *e)
{
	const struct parts *ps = ud;
	if (!strcmp(name, "p") && ps->p) {
		*len = ps->plen;
		return ps->p;
	}
	if (!strcmp(name, "r")) {
		static const char r[] = "{{name}}<\n  {{#kids}}\n  {{>r}}\n  {{/kids}}\n>";
		*len = sizeof r - 1;
		return r;
	}
	if (!strcmp(name, "loop")) {
		*len = 9;
		return "{{>loop}}";
	}
	if (!strcmp(name, "fail")) {
		err_set(e, ERR_IO, 0, "cannot read");
		return NULL;
	}
	return NULL;
}

static const char CTX[] =
	"{\"first_name\":\"Jos\\u00e9\",\"last_name\":\"O'Neil <&> *_`#\",\"blank\":\" \\u00a0\","
	"\"empty\":\"\",\"zero\":0,\"pi\":3.14159,\"t\":true,\"f\":false,\"n\":null,"
	"\"list\":[1,\"two\",{\"name\":\"x\"},[3,4],null,false,\"\"],\"empty_list\":[],"
	"\"a\":{\"b\":{\"c\":\"deep\"}},\"name\":\"root\","
	"\"kids\":[{\"name\":\"k1\",\"kids\":[{\"name\":\"k11\",\"kids\":[]}]},{\"name\":\"k2\"}],"
	"\"multi\":\"line1\\nline2\\r\\n    code\"}";

static struct mval *ctx;

static int count_var(void *ud, const struct tmpl_var *v)
{
	size_t *n = ud;
	if (!v->name || !v->source || v->line < 1 || v->col < 1)
		abort();
	(*n)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ctx) {
		struct err e;
		ctx = json_parse("ctx", CTX, sizeof CTX - 1, NULL, &e);
		if (!ctx)
			abort();
	}
	const char *src = (const char *)data;
	const char *nul = memchr(src, '\0', size);
	struct parts ps = { NULL, 0 };
	size_t tlen = size;
	if (nul) {
		tlen = (size_t)(nul - src);
		ps.p = nul + 1;
		ps.plen = size - tlen - 1;
	}
	struct err e;
	err_clear(&e);
	struct tmpl *t = tmpl_compile("fuzz.md", src, tlen, resolve, &ps, &e);
	if (!t) {
		if (e.cls == ERR_NONE || !e.msg[0])
			abort(); /* a failure must say why */
		return 0;
	}
	size_t nvars = 0;
	tmpl_foreach_var(t, count_var, &nvars);
	struct tmpl_misses m = TMPL_MISSES_INIT;
	for (int esc = TMPL_ESC_NONE; esc <= TMPL_ESC_MARKDOWN; esc++) {
		struct buf out = BUF_INIT(1 << 16);
		buf_addstr(&out, "pre");
		tmpl_misses_reset(&m);
		err_clear(&e);
		if (tmpl_render(t, ctx, (enum tmpl_esc)esc, &out, &m, &e) < 0) {
			if (e.cls != ERR_LIMIT || out.len != 3)
				abort(); /* only limits may stop a render, and out is restored */
		}
		for (size_t i = 0; i < m.n; i++)
			if (!m.v[i].name || m.v[i].line < 1 || m.v[i].col < 1)
				abort();
		buf_release(&out);
	}
	tmpl_misses_release(&m);
	tmpl_free(t);
	return 0;
}
