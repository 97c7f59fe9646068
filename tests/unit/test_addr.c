/* Unit tests for addr: normalisation, rejection reasons, role flags, organisation domains. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "err.h"
#include "util.h"

static void test_normalize(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out; /* out NULL: rejected */
		unsigned flags;
		const char *why;      /* substring of the error */
	} t[] = {
		{ "jsmith@Hospital.EXAMPLE.org", "jsmith@hospital.example.org", 0, NULL },
		{ "  J.Smith@med.example.edu  ", "J.Smith@med.example.edu", 0, NULL },
		{ "mailto:a.b@x.example.com", "a.b@x.example.com", ADDR_CLEANED, NULL },
		{ "<a.b@x.example.com>", "a.b@x.example.com", ADDR_CLEANED, NULL },
		{ "first.o'brien+obs@x.example.com", "first.o'brien+obs@x.example.com", 0, NULL },
		{ "info@bayview.example.org", "info@bayview.example.org", ADDR_ROLE, NULL },
		{ "Office@bayview.example.org", "Office@bayview.example.org", ADDR_ROLE, NULL },
		{ "a@xn--bcher-kva.example", "a@xn--bcher-kva.example", 0, NULL },
		{ "jsmith@", NULL, 0, "no domain" },
		{ "@hospital.org", NULL, 0, "nothing before" },
		{ "jsmith", NULL, 0, "no '@'" },
		{ "j smith@x.org", NULL, 0, "space" },
		{ "j..smith@x.org", NULL, 0, "two dots" },
		{ ".j@x.org", NULL, 0, "start or end" },
		{ "j@localhost", NULL, 0, "needs a dot" },
		{ "j@x", NULL, 0, "needs a dot" },
		{ "j@x.c", NULL, 0, "too short" },
		{ "j@x.123", NULL, 0, "letters" },
		{ "j@-x.org", NULL, 0, "start or end with '-'" },
		{ "j@x..org", NULL, 0, "empty part" },
		{ "j@[10.0.0.1]", NULL, 0, "IP address" },
		{ "josé@x.org", NULL, 0, "non-ASCII" },
		{ "j@bücher.example", NULL, 0, "xn--" },
		{ "a@b@c.org", NULL, 0, "several" },
		{ "\"john smith\"@x.org", NULL, 0, "space" },
		{ "noreply@x.org", NULL, 0, "never reads" },
		{ "No-Reply+abc@x.org", NULL, 0, "never reads" },
		{ "postmaster@x.org", NULL, 0, "never reads" },
		{ "j@x.invalid", NULL, 0, "reserved" },
		{ "j@x.org\r\nBcc: y@z.org", NULL, 0, "line break" },
		{ "", NULL, 0, "missing" },
		{ "j(comment)@x.org", NULL, 0, "not allowed" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		char *out = NULL;
		unsigned flags = 0;
		struct err e = { 0 };
		int rc = addr_normalize(t[i].in, &out, &flags, &e);
		if (t[i].out) {
			if (rc != 0)
				fail_msg("'%s' rejected: %s", t[i].in, e.msg);
			assert_string_equal(out, t[i].out);
			assert_int_equal(flags, t[i].flags);
		} else {
			if (rc == 0)
				fail_msg("'%s' accepted as '%s'", t[i].in, out);
			if (!strstr(e.msg, t[i].why))
				fail_msg("'%s': message '%s' lacks '%s'", t[i].in, e.msg, t[i].why);
			assert_int_equal(e.cls, ERR_DATA);
		}
		free(out);
	}
}

static void test_org_domain(void **state)
{
	(void)state;
	static const struct { const char *in, *out; } t[] = {
		{ "hospital.example", "hospital.example" },
		{ "med.stateu.edu", "stateu.edu" },
		{ "cardio.med.Example.EDU", "med.example.edu" }, /* example.edu stands in for a TLD */
		{ "nhs.example.ac.uk", "example.ac.uk" },
		{ "example.ac.uk", "example.ac.uk" },
		{ "clinic.example.com.au", "example.com.au" },
		{ "localhost", "localhost" },
		{ "med.stmarys.example.org", "stmarys.example.org" },
		{ "example.org", "example.org" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		char *o = addr_org_domain(t[i].in);
		if (strcmp(o, t[i].out))
			fail_msg("%s -> %s, expected %s", t[i].in, o, t[i].out);
		free(o);
	}
	assert_true(addr_equal("A@x.org", "a@X.ORG"));
	assert_false(addr_equal("a@x.org", "b@x.org"));
	assert_string_equal(addr_domain("a@b.org"), "b.org");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_org_domain),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
