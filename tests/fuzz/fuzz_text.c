/* fuzz_text: arbitrary bytes through the pure text functions: HTML, quote stripping, rules, return dates. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "autoreply.h"
#include "buf.h"
#include "html.h"
#include "quote.h"
#include "rules.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct rules *rules;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!rules)
		rules = rules_default();
	const char *s = (const char *)data;
	struct buf h = BUF_INIT(4 * size + 64);
	html_to_text(s, size, &h);
	struct buf q = BUF_INIT(8192);
	quote_extract(s, size, 4096, &q);
	if (q.len > 4096)
		abort();
	quote_extract(buf_str(&h), h.len, 4096, &q);
	struct rules_result res;
	char *subject = malloc(size + 1); /* the subject is a C string */
	if (!subject)
		return 0;
	memcpy(subject, s, size);
	subject[size] = '\0';
	rules_eval(rules, subject, s, size, &res);
	free(subject);
	char out[11];
	uint32_t seed = size >= 4 ? (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3] : 0;
	if (autoreply_return_date(s, size, (time_t)seed, (int)(seed % 1500) - 750, size % 2, out) == 0 &&
	    (strlen(out) != 10 || out[4] != '-' || out[7] != '-'))
		abort();
	buf_release(&h);
	buf_release(&q);
	return 0;
}
