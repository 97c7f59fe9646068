/* Unit tests for letter (template files) and vars (the rendering context). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "contact.h"
#include "err.h"
#include "letter.h"
#include "mval.h"
#include "util.h"
#include "vars.h"
#include "xalloc.h"

static char dir[] = "/tmp/outreach-letter.XXXXXX";

static char *put(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void contact_fixture(struct contact *c)
{
	contact_init(c);
	c->email = xstrdup("jose@stmarys.example.org");
	for (int i = 0; i < CF_COUNT; i++)
		c->field[i] = xstrdup("");
	free(c->field[CF_FIRST_NAME]), c->field[CF_FIRST_NAME] = xstrdup("José");
	free(c->field[CF_LAST_NAME]), c->field[CF_LAST_NAME] = xstrdup("Martínez");
	free(c->field[CF_HOSPITAL]), c->field[CF_HOSPITAL] = xstrdup("The St. Mary's Medical Center, San Antonio");
	contact_set_extra(c, "personal_note", "I read your paper.");
}

static void test_load_and_render(void **state)
{
	(void)state;
	char *sig = put("signature.md", "Best,\\\n{{sender.name}}\n");
	char *p = put("letter.md", "Subject: Observership at {{hospital_short}}\n"
				  "Attachment: cv.pdf\n"
				  "Attachment: {{email}}.pdf\n"
				  "Reply-To: {{sender.email}}\n"
				  "\n"
				  "Dear {{salutation|Doctor}},\n"
				  "{{#personal_note}}{{personal_note}}{{/personal_note}}\n"
				  "In {{specialty}} at {{department|your department}}.\n"
				  "{{> signature}}\n");
	struct letter *l;
	struct err e = { 0 };
	if (letter_load(p, "templates/letter.md", &l, &e) < 0)
		fail_msg("%s", e.msg);
	assert_int_equal(l->kind, LETTER_MARKDOWN);
	assert_int_equal(l->body_line, 6);
	assert_int_equal(l->nattach, 2);
	assert_non_null(l->field[LH_SUBJECT].t);
	assert_null(l->field[LH_CC].t);

	struct contact c;
	contact_fixture(&c);
	struct config cfg = { 0 };
	char name[] = "Amina Rahman", addr[] = "amina@example.com";
	cfg.account.from_name = name;
	cfg.account.from_addr = addr;
	struct mval *cm = vars_contact(&c), *g = vars_globals(&cfg, NULL);
	const struct mval *stack[] = { cm, g };
	struct rendered r;
	rendered_init(&r);
	if (letter_render(l, stack, 2, &r, &e) < 0)
		fail_msg("%s", e.msg);
	assert_string_equal(buf_str(&r.field[LH_SUBJECT]), "Observership at St. Mary's Medical Center");
	assert_string_equal(buf_str(&r.field[LH_REPLY_TO]), "amina@example.com");
	assert_string_equal(buf_str(&r.attach[1]), "jose@stmarys.example.org.pdf");
	/* Markdown mode escapes punctuation in values */
	assert_non_null(strstr(buf_str(&r.body), "Dear Dr\\. Martínez,"));
	assert_non_null(strstr(buf_str(&r.body), "Best,\\\nAmina Rahman"));
	/* {{specialty}} is empty and has no fallback: reported with the file's line */
	assert_int_equal(r.misses.n, 1);
	assert_string_equal(r.misses.v[0].name, "specialty");
	assert_int_equal(r.misses.v[0].line, 8);
	rendered_release(&r);
	mval_free(cm), mval_free(g);
	contact_release(&c);
	letter_free(l);
	unlink(p), unlink(sig);
	free(p), free(sig);
}

static void test_errors(void **state)
{
	(void)state;
	static const struct { const char *text, *msg; } t[] = {
		{ "Subject: x\nFrom: me\n\nbody", "t.txt:2:1: unknown header 'From'" },
		{ "Subject: x\nSubject: y\n\nbody", "t.txt:2:1: 'Subject' given twice (first on line 1)" },
		{ "Subject: x\nContent-Type: text/rtf\n\nbody", "t.txt:2:15: Content-Type 'text/rtf'" },
		{ "Subject: {{#x}}\n\nbody", "t.txt:1:" },
		{ "Subject: x\n\nline\n{{/y}}\n", "t.txt:4:1: closing tag" },
		{ "Subject: x\n\n{{> missing}}\n", "no file 'missing'" },
		{ "Subject: x\n\n{{> ../etc/passwd}}\n", "partial names are plain file names" },
		{ "Subject: x\nAttachment:\n\nb", "t.txt:2:12: Attachment: expected a file path" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		char *p = put("t.txt", t[i].text);
		struct letter *l = NULL;
		struct err e = { 0 };
		if (letter_load(p, "t.txt", &l, &e) == 0)
			fail_msg("case %zu accepted", i);
		if (!strstr(e.msg, t[i].msg))
			fail_msg("case %zu: '%s' lacks '%s'", i, e.msg, t[i].msg);
		unlink(p);
		free(p);
	}
}

static void test_body_only(void **state)
{
	(void)state;
	/* a follow-up may be all body: "Dear Dr. X:" is not a header */
	char *p = put("f.txt", "Dear {{salutation}}:\nfollowing up.\n");
	struct letter *l;
	struct err e = { 0 };
	assert_int_equal(letter_load(p, "f.txt", &l, &e), 0);
	assert_int_equal(l->body_line, 1);
	assert_int_equal(l->kind, LETTER_TEXT);
	assert_null(l->field[LH_SUBJECT].t);
	letter_free(l);
	unlink(p);
	free(p);
}

static void test_vars(void **state)
{
	(void)state;
	struct contact c;
	contact_fixture(&c);
	struct mval *m = vars_contact(&c);
	assert_string_equal(mval_map_getz(m, "full_name")->u.str.s, "José Martínez");
	assert_string_equal(mval_map_getz(m, "salutation")->u.str.s, "Dr. Martínez");
	assert_string_equal(mval_map_getz(m, "hospital_short")->u.str.s, "St. Mary's Medical Center");
	assert_string_equal(mval_map_getz(m, "personal_note")->u.str.s, "I read your paper.");
	assert_string_equal(mval_map_getz(m, "specialty")->u.str.s, "");
	mval_free(m);
	free(c.field[CF_TITLE]);
	c.field[CF_TITLE] = xstrdup("Prof.");
	m = vars_contact(&c);
	assert_string_equal(mval_map_getz(m, "salutation")->u.str.s, "Professor Martínez");
	mval_free(m);
	contact_release(&c);
	assert_true(vars_is_global("sender.name"));
	assert_true(vars_is_global("campaign"));
	assert_false(vars_is_global("senders"));
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_and_render),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_body_only),
		cmocka_unit_test(test_vars),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
