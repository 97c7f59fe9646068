/* Unit tests for rules: the rules-file format, its errors, pattern semantics, negation, and the default file. */
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
#include "err.h"
#include "rules.h"
#include "util.h"
#include "xalloc.h"

static struct rules *parse_ok(const char *text)
{
	struct err e;
	struct rules *r = rules_parse(text, strlen(text), "t.rules", &e);
	if (!r)
		fail_msg("unexpected error: %s", e.msg);
	return r;
}

static int score(const struct rules *r, enum rules_label l, const char *text)
{
	struct rules_result res;
	rules_eval(r, NULL, text, strlen(text), &res);
	return res.score[l];
}

static void test_default(void **state)
{
	(void)state;
	size_t n;
	const char *t = rules_default_text(&n);
	assert_true(n > 1000);
	assert_int_equal(strlen(t), n); /* NUL-terminated, no NUL inside */
	assert_non_null(strstr(t, "set threshold"));
	struct rules *r = rules_default();
	assert_true(rules_count(r) > 80);
	assert_int_equal(rules_threshold(r), 2);
	assert_int_equal(rules_tiebreak(r)[0], RULES_INFO);
	rules_free(r);
	rules_free(NULL);
}

static void test_errors(void **state)
{
	(void)state;
	static const struct { const char *text, *msg; } t[] = {
		{ "offer 3 happy", "t.rules:1: the pattern must be in double quotes" },
		{ "# c\n\noffer \"x\"", "t.rules:3: 'offer' needs a weight and a quoted pattern" },
		{ "decline 0 \"x\"", "t.rules:1: weight '0' is not a whole number from 1 to 20" },
		{ "decline 21 \"x\"", "t.rules:1: weight '21' is not a whole number from 1 to 20" },
		{ "decline x \"x\"", "t.rules:1: weight 'x' is not a whole number from 1 to 20" },
		{ "frob 3 \"x\"", "t.rules:1: unknown directive 'frob'" },
		{ "offer 3 \"x", "t.rules:1: unterminated quoted string" },
		{ "offer 3 \"(a|b\"", "t.rules:1: pattern \"(a|b\": missing ')'" },
		{ "offer 3 \"a)\"", "t.rules:1: pattern \"a)\": unexpected ')'" },
		{ "offer 3 \"[a]\"", "t.rules:1: pattern \"[a]\": pattern can match nothing" },
		{ "offer 3 \"a ~9 b\"", "t.rules:1: pattern \"a ~9 b\": a gap is ~0 to ~8" },
		{ "offer 3 \"~2 b\"", "t.rules:1: pattern \"~2 b\": pattern starts with a gap" },
		{ "offer 3 \"a ~1 b ~1 c ~1 d ~1 e\"", "more than 3 gaps" },
		{ "offer 3 \"(a||b)\"", "empty alternative" },
		{ "offer 3 \"*a\"", "'*' must follow a word" },
		{ "offer 3 \"((((((a))))))\"", "groups nested more than 4 deep" },
		{ "offer 3 \"<>\"", "has no letters, digits or punctuation" },
		{ "offer 3 \"x\" sideways", "unknown option 'sideways'" },
		{ "offer 3 \"x\" neg=ooo", "neg= names a label" },
		{ "condition \"fee\"", "condition needs a quoted name and a quoted pattern" },
		{ "condition \"\" \"x\"", "a condition name has 1 to 40 characters" },
		{ "negator not", "negator needs one quoted pattern" },
		{ "ignore", "ignore needs one quoted pattern" },
		{ "set threshold 0", "threshold must be a whole number from 1 to 100" },
		{ "set negation_window 9", "negation_window must be a whole number from 0 to 8" },
		{ "set colour blue", "unknown setting 'colour'" },
		{ "set tiebreak offer offer info", "set tiebreak needs offer, decline and info" },
		{ "offer 3 \"a\" \"b\" c d e f g h i j k l", "too many fields" },
		{ "offer 3 \"caf\xe9\"", "t.rules:1: not UTF-8 text" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct err e;
		err_clear(&e);
		struct rules *r = rules_parse(t[i].text, strlen(t[i].text), "t.rules", &e);
		if (r)
			fail_msg("row %zu [%s]: accepted", i, t[i].text);
		assert_int_equal(e.cls, ERR_DATA);
		if (!strstr(e.msg, t[i].msg))
			fail_msg("row %zu [%s]: message [%s] lacks [%s]", i, t[i].text, e.msg, t[i].msg);
		assert_true(str_starts_with(e.msg, "t.rules:"));
	}
	/* a long line */
	struct buf b = BUF_INIT(10000);
	buf_addstr(&b, "offer 1 \"");
	for (int i = 0; i < 3000; i++)
		buf_addch(&b, 'a');
	buf_addstr(&b, "\"");
	struct err e;
	assert_null(rules_parse(b.data, b.len, "t.rules", &e));
	assert_non_null(strstr(e.msg, "t.rules:1: line longer than"));
	buf_release(&b);
}

static void test_load_file(void **state)
{
	(void)state;
	char path[] = "/tmp/outreach-rules-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *text = "# mine\noffer 5 \"banana\"\n";
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	struct err e;
	struct rules *r = rules_load_file(path, &e);
	assert_non_null(r);
	assert_int_equal(rules_count(r), 1);
	assert_int_equal(score(r, RULES_OFFER, "A banana, please."), 5);
	rules_free(r);
	/* errors name the file */
	FILE *f = fopen(path, "w");
	fputs("offer 5 \"banana\"\ndecline five \"x\"\n", f);
	fclose(f);
	assert_null(rules_load_file(path, &e));
	char want[600];
	snprintf(want, sizeof want, "%s:2: weight 'five'", path);
	assert_non_null(strstr(e.msg, want));
	unlink(path);
	assert_null(rules_load_file("/nonexistent/outreach.rules", &e));
	assert_int_equal(e.cls, ERR_IO);
	/* size bound */
	char *big = xmalloc(RULES_MAX_FILE + 2);
	memset(big, '#', RULES_MAX_FILE + 1);
	big[RULES_MAX_FILE + 1] = '\0';
	assert_null(rules_parse(big, RULES_MAX_FILE + 1, "big", &e));
	assert_int_equal(e.cls, ERR_LIMIT);
	free(big);
}

static void test_patterns(void **state)
{
	(void)state;
	static const struct { const char *pat, *text; bool match; } t[] = {
		{ "happy to have you", "I'd be HAPPY to have you here", true },
		{ "happy to have you", "happy to have youngsters", false },     /* whole words */
		{ "observer*", "We host observers.", true },
		{ "observer*", "We host an observation.", false },
		{ "(can|could) host", "We could host you", true },
		{ "can|could host", "we can", true },                             /* top-level |: alternatives */
		{ "send [me] your cv", "send your CV", true },
		{ "send [me] your cv", "Send me your CV", true },
		{ "come ~2 monday", "come in on Monday", true },
		{ "come ~2 monday", "come to the clinic Monday", false },
		{ "come ~3 monday", "come. Monday", false },                       /* not across a sentence */
		{ "respuesta automatica", "Respuesta automática", true },          /* accents */
		{ "grusse", "Viele Grüße", true },
		{ "can't", "I can’t make it", true },                              /* curly apostrophe */
		{ "e mail", "by e-mail", true },                                   /* hyphen splits words */
		{ "$ fee", "a $ fee", true },
		{ "fee", "fees", false },
		{ "(do not|don't) (offer|host) ~2 (observers|observerships)", "we don't host international observers", true },
		{ "a b|c d", "x c d y", true },
		{ "[the] office", "out of office", true },
		{ "tb", "TB test", true },
		{ "ñandú", "un nandu", true },
		{ "b1/b2", "a B1/B2 visa", true },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		char *text = xasprintf("set negation_window 0\noffer 1 \"%s\"\n", t[i].pat);
		struct rules *r = parse_ok(text);
		int s = score(r, RULES_OFFER, t[i].text);
		if ((s == 1) != t[i].match)
			fail_msg("row %zu: \"%s\" on [%s]: %s", i, t[i].pat, t[i].text, s ? "matched" : "no match");
		rules_free(r);
		free(text);
	}
}

static void test_negation(void **state)
{
	(void)state;
	struct rules *r = parse_ok("negator \"not|never|can't|unable\"\nclause \"but\"\n"
				   "offer 4 \"able to host you\" neg=decline\n"
				   "offer 2 \"sure\"\n"
				   "decline 3 \"unfortunately\" noneg\n");
	assert_int_equal(score(r, RULES_OFFER, "We are able to host you."), 4);
	assert_int_equal(score(r, RULES_DECLINE, "We are able to host you."), 0);
	assert_int_equal(score(r, RULES_OFFER, "We are not able to host you."), 0);
	assert_int_equal(score(r, RULES_DECLINE, "We are not able to host you."), 4);  /* neg=decline */
	assert_int_equal(score(r, RULES_OFFER, "I'm not sure."), 0);                  /* dropped */
	assert_int_equal(score(r, RULES_DECLINE, "I'm not sure."), 0);
	/* the window is 3 words and stops at a clause end */
	assert_int_equal(score(r, RULES_OFFER, "not that we would ever be able to host you"), 4);
	assert_int_equal(score(r, RULES_OFFER, "I can't come, but sure."), 2);
	assert_int_equal(score(r, RULES_OFFER, "I can't come; sure."), 2);
	/* the first occurrence that is not negated counts */
	assert_int_equal(score(r, RULES_OFFER, "Not sure about May. Sure for June."), 2);
	assert_int_equal(score(r, RULES_DECLINE, "not unfortunately"), 3);            /* noneg */
	rules_free(r);
}

static void test_overlaps(void **state)
{
	(void)state;
	struct rules *r = parse_ok("offer 3 \"able to offer\"\n"
				   "decline 5 \"not able to offer\" noneg\n"
				   "offer 4 \"happy to have you\"\n"
				   "offer 2 \"have you\"\n"
				   "offer 2 \"sure\"\n"
				   "ignore \"make sure\"\n"
				   "condition \"fee\" \"fee|$\"\n"
				   "ignore \"no fee|free of charge\"\n"
				   "negator \"no\"\n"
				   "condition \"TB test\" \"tb test\"\n"
				   "unsubscribe 6 \"remove me\"\n"
				   "info 3 \"contact our coordinator\" tag=referral\n"
				   "set negation_window 2\n");
	struct rules_result res;
	const char *t1 = "We are not able to offer observerships.";
	rules_eval(r, NULL, t1, strlen(t1), &res);
	assert_int_equal(res.score[RULES_DECLINE], 5); /* the contained "able to offer" is part of it */
	assert_int_equal(res.score[RULES_OFFER], 0);
	assert_int_equal(res.n_hits, 1);
	assert_string_equal(res.hits[0].text, "not able to offer");
	assert_int_equal(res.hits[0].line, 2);
	const char *t2 = "Happy to have you! Make sure to bring an ID. There is no fee; free of charge parking.";
	rules_eval(r, NULL, t2, strlen(t2), &res);
	assert_int_equal(res.score[RULES_OFFER], 4);   /* overlapping "have you" counts once, "make sure" is ignored */
	assert_int_equal(res.n_conditions, 0);         /* "no fee" and "free of charge" are not fees */
	const char *t3 = "We need a TB test and a $100 fee. Please remove me. Contact our coordinator.";
	rules_eval(r, NULL, t3, strlen(t3), &res);
	assert_int_equal(res.n_conditions, 2);
	assert_string_equal(res.conditions[0], "fee");
	assert_string_equal(res.conditions[1], "TB test");
	assert_true(res.unsubscribe);
	assert_int_equal(res.score[RULES_UNSUBSCRIBE], 6);
	assert_int_equal(res.score[RULES_DECLINE], 6); /* unsubscribe weight counts as decline */
	assert_int_equal(res.n_tags, 1);
	assert_string_equal(res.tags[0], "referral");
	rules_free(r);
}

static void test_contrast(void **state)
{
	(void)state;
	struct rules *r = parse_ok("contrast \"but|however\"\nset contrast_bonus 3\n"
				   "offer 5 \"you could come\"\ndecline 6 \"can't host\"\n");
	assert_int_equal(score(r, RULES_OFFER, "I can't host you in December, but you could come in January."), 8);
	assert_int_equal(score(r, RULES_DECLINE, "I can't host you in December, but you could come in January."), 6);
	assert_int_equal(score(r, RULES_DECLINE, "You could come, but I can't host you."), 9);
	/* only within the sentence */
	assert_int_equal(score(r, RULES_OFFER, "But no. You could come in May."), 5);
	rules_free(r);
	struct err e;
	assert_null(rules_parse("set contrast_bonus 9", 20, "t.rules", &e));
	assert_non_null(strstr(e.msg, "contrast_bonus must be a whole number from 0 to 8"));
}

static void test_subject_scope(void **state)
{
	(void)state;
	struct rules *r = parse_ok("ooo 5 \"automatic reply\" in=subject\nooo 1 \"vacation\" in=any\noffer 2 \"yes\"\n");
	struct rules_result res;
	rules_eval(r, "Automatic reply: hello", "yes, on vacation", 16, &res);
	assert_int_equal(res.score[RULES_OOO], 6);
	assert_int_equal(res.score[RULES_OFFER], 2);
	rules_eval(r, "Re: hello", "automatic reply", 15, &res);
	assert_int_equal(res.score[RULES_OOO], 0); /* body does not count for in=subject */
	rules_eval(r, NULL, NULL, 0, &res);
	assert_int_equal(res.n_hits, 0);
	rules_free(r);
}

static void test_default_phrases(void **state)
{
	(void)state;
	struct rules *r = rules_default();
	static const struct { const char *text; enum rules_label l; int min; } t[] = {
		{ "Sure, come Monday.", RULES_OFFER, 4 },
		{ "You're welcome to shadow me in clinic on Tuesdays.", RULES_OFFER, 5 },
		{ "We are not able to offer observerships at this time.", RULES_DECLINE, 6 },
		{ "I'd love to help but we unfortunately cannot host observers.", RULES_DECLINE, 8 },
		{ "Our department does not offer observerships.", RULES_DECLINE, 7 },
		{ "Please send me your CV and the dates.", RULES_INFO, 4 },
		{ "Please contact our GME office.", RULES_INFO, 4 },
		{ "Lamentablemente no ofrecemos rotaciones.", RULES_DECLINE, 8 },
		{ "Con gusto te recibimos en febrero.", RULES_OFFER, 4 },
		{ "Please remove me from your list.", RULES_UNSUBSCRIBE, 6 },
		{ "I am out of the office with limited access to email.", RULES_OOO, 8 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		int s = score(r, t[i].l, t[i].text);
		if (s < t[i].min)
			fail_msg("[%s]: %s score %d < %d", t[i].text, rules_label_name(t[i].l), s, t[i].min);
	}
	rules_free(r);
}

/* Hostile text and patterns stay bounded (the fuzzer checks crashes, this checks time). */
static void test_bounded(void **state)
{
	(void)state;
	struct rules *r = parse_ok("offer 1 \"(a|a a|a a a) ~8 (a|a a) ~8 (a|a a a) ~8 b\"\n");
	struct buf b = BUF_INIT(1 << 22);
	for (int i = 0; i < 200000; i++)
		buf_addstr(&b, "a ");
	struct rules_result res;
	rules_eval(r, NULL, b.data, b.len, &res); /* RULES_MAX_TOKENS and the step budget bound it */
	assert_int_equal(res.score[RULES_OFFER], 0);
	buf_release(&b);
	rules_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_negation),
		cmocka_unit_test(test_overlaps),
		cmocka_unit_test(test_contrast),
		cmocka_unit_test(test_subject_scope),
		cmocka_unit_test(test_default_phrases),
		cmocka_unit_test(test_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
