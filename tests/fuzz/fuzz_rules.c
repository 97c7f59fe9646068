/* fuzz_rules: arbitrary bytes as a rules file; when it parses, it also judges a fixed text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e;
	err_clear(&e);
	struct rules *r = rules_parse((const char *)data, size, "fuzz.rules", &e);
	if (!r) {
		if (e.cls != ERR_DATA && e.cls != ERR_LIMIT)
			abort();
		if (strncmp(e.msg, "fuzz.rules", 10) != 0)
			abort();
		return 0;
	}
	static const char text[] = "Sure, come Monday! We are not able to host observers; unfortunately\n\n"
				   "please send your CV. Lamentablemente no ofrecemos rotaciones. $500 fee, TB test.";
	struct rules_result res;
	rules_eval(r, "Automatic reply: Re: observership", text, sizeof text - 1, &res);
	if (res.n_hits > RULES_MAX_HITS || res.n_conditions > RULES_MAX_CONDITIONS)
		abort();
	/* and the rules file as the text */
	rules_eval(r, NULL, (const char *)data, size, &res);
	rules_free(r);
	return 0;
}
