/* Fuzz target: the strict JSON parser, and the writers' round trip. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "json.h"
#include "mval.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct err e;
	err_clear(&e);
	struct json_limits lim = { .max_bytes = 1 << 16, .max_depth = 32 };
	struct mval *v = json_parse("fuzz.json", s, size, &lim, &e);
	if (!v) {
		if ((e.cls != ERR_DATA && e.cls != ERR_LIMIT) || !e.msg[0])
			abort();
	} else {
		/* written back, it parses to the same text */
		struct buf a = BUF_INIT(1 << 22), b = BUF_INIT(1 << 22);
		if (json_write_mval(&a, v, 0) < 0 || json_write_mval(&b, v, 2) < 0)
			abort();
		struct mval *w = json_parse(NULL, a.data, a.len, NULL, &e);
		if (!w)
			abort();
		struct buf c = BUF_INIT(1 << 22);
		if (json_write_mval(&c, w, 0) < 0 || c.len != a.len || memcmp(a.data, c.data, a.len))
			abort();
		mval_free(w);
		w = json_parse(NULL, b.data, b.len, NULL, &e);
		if (!w)
			abort();
		mval_free(w);
		buf_release(&a);
		buf_release(&b);
		buf_release(&c);
		mval_free(v);
	}
	/* any bytes written as a JSON string parse back to valid UTF-8 */
	struct buf q = BUF_INIT(1 << 22);
	if (json_write_string(&q, s, size) < 0)
		abort();
	struct mval *str = json_parse(NULL, q.data, q.len, NULL, &e);
	if (!str || str->type != MVAL_STRING || !utf8_valid(str->u.str.s, str->u.str.len))
		abort();
	if (utf8_valid(s, size) && (str->u.str.len != size || memcmp(str->u.str.s, s, size)))
		abort(); /* valid input survives unchanged */
	mval_free(str);
	buf_release(&q);
	return 0;
}
