/* fuzz_message: arbitrary bytes as a fetched message, through the parser and the whole classifier. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "err.h"
#include "message.h"
#include "rules.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct rules *rules;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!rules)
		rules = rules_default(); /* kept for the process: parsing it per input would dominate */
	struct message m;
	struct err e;
	/* small limits too, so the bounds themselves are exercised */
	static const struct message_limits small = { 4096, 8, 256, 4, 3, 512, 3, 3, 3 };
	const struct message_limits *lim = size % 3 == 0 ? &small : NULL;
	if (message_parse((const char *)data, size, lim, &m, &e) != 0)
		abort();
	struct verdict v;
	if (classify_message(&m, rules, &v, &e) != 0)
		abort();
	if (v.new_text_len > CLASSIFY_NEW_TEXT_MAX || strlen(v.reason) >= VERDICT_REASON_MAX ||
	    !utf8_valid(v.reason, strlen(v.reason)))
		abort();
	if (m.subject && !utf8_valid(m.subject, strlen(m.subject)))
		abort();
	if (m.text && !utf8_valid(m.text, m.text_len))
		abort();
	char *s = verdict_summary(&v);
	free(s);
	verdict_release(&v);
	message_release(&m);
	return 0;
}
