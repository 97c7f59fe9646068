/* Unit tests for classify: the reply fixtures (Gmail, Outlook, Apple Mail, Exchange, Spanish...) against expected.tsv. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "classify.h"
#include "corpus.h"
#include "err.h"
#include "message.h"
#include "rules.h"
#include "util.h"
#include "xalloc.h"

#define FIXTURES "tests/fixtures/replies/"
#define SENT_ID "cm-20261110-0001@example.com"

static struct rules *R;

static int setup(void **state)
{
	(void)state;
	R = rules_default();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rules_free(R);
	return 0;
}

static void classify_buf(const char *raw, size_t n, struct message *m, struct verdict *v)
{
	struct err e;
	assert_int_equal(message_parse(raw, n, NULL, m, &e), 0);
	assert_int_equal(classify_message(m, R, v, &e), 0);
}

static void classify_file(const char *name, struct message *m, struct verdict *v)
{
	char path[512];
	snprintf(path, sizeof path, FIXTURES "%s", name);
	struct buf raw;
	corpus_read(path, &raw);
	classify_buf(raw.data, raw.len, m, v);
	buf_release(&raw);
}

static bool has_flag(const struct verdict *v, const char *f)
{
	static const struct { const char *name; unsigned bit; } names[] = {
		{ "unsubscribe", VERDICT_UNSUBSCRIBE }, { "automated", VERDICT_AUTOMATED },
		{ "complaint", VERDICT_COMPLAINT },     { "referral", VERDICT_REFERRAL },
		{ "challenge", VERDICT_CHALLENGE },     { "list", VERDICT_MAILING_LIST },
		{ "delayed", VERDICT_DELAYED },
	};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(names[i].name, f) == 0)
			return (v->flags & names[i].bit) != 0;
	fail_msg("unknown flag %s in expected.tsv", f);
	return false;
}

static bool has_condition(const struct verdict *v, const char *c)
{
	for (size_t i = 0; i < v->n_conditions; i++)
		if (strcmp(v->conditions[i], c) == 0)
			return true;
	return false;
}

/* Every fixture: label, return date, bounce recipient and hardness, flags, conditions. */
static void test_fixtures(void **state)
{
	(void)state;
	struct tsv t;
	tsv_load(FIXTURES "expected.tsv", &t);
	int bad = 0;
	for (size_t i = 0; i < t.n; i++) {
		const char *file = t.rows[i].f[0], *label = t.rows[i].f[1], *date = t.rows[i].f[2];
		const char *rcpt = t.rows[i].f[3], *hard = t.rows[i].f[4];
		struct message m;
		struct verdict v;
		classify_file(file, &m, &v);
		struct buf why = BUF_INIT(4096);
		if (strcmp(verdict_label_name(v.label), label) != 0)
			buf_printf(&why, " label %s", verdict_label_name(v.label));
		if (strcmp(v.return_date, date) != 0)
			buf_printf(&why, " return_date '%s'", v.return_date);
		if (*rcpt) {
			bool found = false;
			for (size_t k = 0; k < v.bounce.n_rcpts; k++) {
				if (strcmp(v.bounce.rcpts[k].addr, rcpt) == 0) {
					found = true;
					if (*hard && v.bounce.rcpts[k].hard != (hard[0] == '1'))
						buf_printf(&why, " hard=%d", v.bounce.rcpts[k].hard);
				}
			}
			if (!found)
				buf_printf(&why, " recipient %s missing", rcpt);
			if (v.label == VERDICT_BOUNCE && !str_eq(v.bounce.orig_message_id, SENT_ID))
				buf_printf(&why, " original id '%s'", v.bounce.orig_message_id ? v.bounce.orig_message_id : "");
		}
		char *list = xstrdup(t.rows[i].f[5]);
		for (char *f = list, *next; f && *f; f = next) {
			next = strchr(f, ',');
			if (next)
				*next++ = '\0';
			if (!has_flag(&v, f))
				buf_printf(&why, " flag %s missing", f);
		}
		free(list);
		list = xstrdup(t.rows[i].f[6]);
		for (char *c = list, *next; c && *c; c = next) {
			next = strchr(c, ',');
			if (next)
				*next++ = '\0';
			if (!has_condition(&v, c))
				buf_printf(&why, " condition '%s' missing", c);
		}
		free(list);
		if (why.len) {
			printf("MISS %s: want %s %s %s;%s\n      reason: %s\n", file, label, date, rcpt, buf_str(&why), v.reason);
			bad++;
		}
		assert_true(utf8_valid(v.reason, strlen(v.reason)));
		assert_true(v.new_text_len <= CLASSIFY_NEW_TEXT_MAX);
		buf_release(&why);
		verdict_release(&v);
		message_release(&m);
	}
	printf("reply fixtures: %zu/%zu\n", t.n - (size_t)bad, t.n);
	assert_true(t.n >= 40);
	assert_int_equal(bad, 0);
	tsv_free(&t);
}

/* What the lead needs for matching is exposed. */
static void test_matching_fields(void **state)
{
	(void)state;
	struct message m;
	struct verdict v;
	classify_file("gmail-toppost-offer.eml", &m, &v);
	assert_int_equal(m.n_in_reply_to, 1);
	assert_string_equal(m.in_reply_to[0], SENT_ID);
	assert_string_equal(m.references[0], SENT_ID);
	assert_string_equal(m.from.addr, "anil.mehta@cardio.example.org");
	assert_string_equal(m.from.name, "Anil Mehta");
	assert_string_equal(m.subject, "Re: Observership request - Priya Raman, MBBS");
	/* quoted history and the closing block are not new text */
	assert_null(strstr(v.new_text, "Chennai"));
	assert_non_null(strstr(v.new_text, "Happy to have you"));
	verdict_release(&v);
	message_release(&m);

	classify_file("cc-assistant-referral.eml", &m, &v);
	assert_int_equal(m.n_cc, 1);
	assert_string_equal(m.cc[0].addr, "adiaz@endo.example.org");
	assert_string_equal(m.cc[0].name, "Ana Diaz");
	verdict_release(&v);
	message_release(&m);

	classify_file("bounce-policy-forwarded.eml", &m, &v);
	assert_int_equal(v.label, VERDICT_BOUNCE);
	assert_string_equal(v.bounce.rcpts[0].addr, "r.lee@hospital.example");      /* what we wrote to */
	assert_string_equal(v.bounce.rcpts[0].alt_addr, "rlee@mail.partner.example.net"); /* where it went */
	assert_string_equal(v.bounce.rcpts[0].status, "5.7.1");
	assert_int_equal(v.bounce.rcpts[0].smtp_code, 550);
	assert_false(v.bounce.rcpts[0].hard);
	assert_string_equal(v.bounce.orig_message_id, SENT_ID);
	verdict_release(&v);
	message_release(&m);

	/* a bounce that carries Auto-Submitted is still a bounce */
	classify_file("bounce-exim-text.eml", &m, &v);
	assert_non_null(m.auto_submitted);
	assert_int_equal(v.label, VERDICT_BOUNCE);
	assert_string_equal(v.bounce.orig_message_id, SENT_ID);
	verdict_release(&v);
	message_release(&m);
}

/* Line ends do not change a verdict. */
static void test_line_ends(void **state)
{
	(void)state;
	struct tsv t;
	tsv_load(FIXTURES "expected.tsv", &t);
	for (size_t i = 0; i < t.n; i++) {
		char path[512];
		snprintf(path, sizeof path, FIXTURES "%s", t.rows[i].f[0]);
		struct buf raw;
		corpus_read(path, &raw);
		struct buf alt = BUF_INIT(raw.len * 2 + 1);
		bool crlf = memmem(raw.data, raw.len, "\r\n", 2) != NULL;
		for (size_t k = 0; k < raw.len; k++) {
			if (crlf && raw.data[k] == '\r')
				continue;
			if (!crlf && raw.data[k] == '\n')
				buf_addch(&alt, '\r');
			buf_addch(&alt, raw.data[k]);
		}
		struct message m;
		struct verdict v;
		classify_buf(alt.data, alt.len, &m, &v);
		if (strcmp(verdict_label_name(v.label), t.rows[i].f[1]) != 0)
			fail_msg("%s with %s line ends: %s", t.rows[i].f[0], crlf ? "LF" : "CRLF", v.reason);
		verdict_release(&v);
		message_release(&m);
		buf_release(&alt);
		buf_release(&raw);
	}
	tsv_free(&t);
}

static void classify_str(const char *s, struct message *m, struct verdict *v)
{
	classify_buf(s, strlen(s), m, v);
}

static void test_decisions(void **state)
{
	(void)state;
	static const struct { const char *msg; enum verdict_label l; unsigned flags; } t[] = {
		/* terse offers */
		{ "Subject: Re: x\n\nSure, come Monday.\n", VERDICT_OFFER, 0 },
		{ "Subject: Re: x\n\nYes. Tuesdays work for me.\n", VERDICT_OFFER, 0 },
		/* an offer that never says observership */
		{ "Subject: Re: x\n\nYou're welcome to shadow me in clinic on Tuesdays.\n", VERDICT_OFFER, 0 },
		/* a polite refusal full of positive words */
		{ "Subject: Re: x\n\nI'd love to help but we unfortunately cannot host observers.\n", VERDICT_DECLINE, 0 },
		{ "Subject: Re: x\n\nWe do not offer observerships.\n", VERDICT_DECLINE, 0 },
		/* "not able to offer" vs "able to offer" */
		{ "Subject: Re: x\n\nWe are not able to offer you an observership.\n", VERDICT_DECLINE, 0 },
		{ "Subject: Re: x\n\nWe are able to offer you an observership.\n", VERDICT_OFFER, 0 },
		/* documented: a bare yes plus a request for documents is an info request */
		{ "Subject: Re: x\n\nYes, but send me your CV first.\n", VERDICT_INFO_REQUEST, 0 },
		/* an explicit acceptance with a request is an offer */
		{ "Subject: Re: x\n\nHappy to have you. Please send me your CV.\n", VERDICT_OFFER, 0 },
		/* referral */
		{ "Subject: Re: x\n\nPlease contact our GME office; Ms. X, our program coordinator, handles this.\n",
		  VERDICT_INFO_REQUEST, VERDICT_REFERRAL },
		/* a tie goes to info_request, then offer */
		{ "Subject: Re: x\n\nI can't host you in December, but happy to host you in January.\n", VERDICT_OFFER, 0 },
		/* what follows "but" is the answer */
		{ "Subject: Re: x\n\nI can't host you in December, but you could come in January.\n", VERDICT_OFFER, 0 },
		{ "Subject: Re: x\n\nWe cannot host anyone in December, but January works.\n", VERDICT_OFFER, 0 },
		{ "Subject: Re: x\n\nI would love to host you, but unfortunately we cannot.\n", VERDICT_DECLINE, 0 },
		{ "Subject: Re: x\n\nSure, I read it, but we do not offer observerships.\n", VERDICT_DECLINE, 0 },
		{ "Subject: Re: x\n\nWe don't have a formal observership program, but I could let you shadow me for a week in March.\n",
		  VERDICT_OFFER, 0 },
		{ "Subject: Re: x\n\nThank you for your interest. I do not have any openings at this time.\n", VERDICT_DECLINE, 0 },
		{ "Subject: Re: x\n\nAbsolutely! When can you start?\n", VERDICT_OFFER, 0 },
		{ "Subject: Re: x\n\nI am no longer at this hospital.\n", VERDICT_DECLINE, 0 },
		/* the attending has moved on: no for this hospital, whoever says it */
		{ "Subject: Re: x\n\nI no longer work at Boston General.\n", VERDICT_DECLINE, 0 },
		{ "Subject: Re: x\n\nDr. Brooks no longer works here.\n", VERDICT_DECLINE, 0 },
		{ "Subject: Re: x\n\nDr. Whitfield is no longer with our institution.\n", VERDICT_DECLINE, 0 },
		{ "Subject: Re: x\n\nDr. Whitfield has left the hospital.\n", VERDICT_DECLINE, 0 },
		{ "Subject: Re: x\n\nI have moved to Valley University Health last summer.\n", VERDICT_DECLINE, 0 },
		{ "Subject: Re: x\n\nDr. Chen retired last year.\n", VERDICT_DECLINE, 0 },
		/* ... and what only looks like it */
		{ "Subject: Re: x\n\nOur coordinator has left for the day; she will reply tomorrow.\n", VERDICT_OTHER, 0 },
		{ "Subject: Re: x\n\nWe have moved to a new building, but you can come Monday.\n", VERDICT_OFFER, 0 },
		{ "Subject: Re: x\n\nShe has left a voicemail for you.\n", VERDICT_OTHER, 0 },
		{ "Subject: Re: x\n\nHappy to help. My colleague has retired in the spring, so I have more students now, "
		  "but come by on Friday and we can talk.\n", VERDICT_OFFER, 0 },
		{ "Subject: Re: x\n\nLet me check with my program director and get back to you.\n", VERDICT_OTHER, 0 },
		/* stop */
		{ "Subject: Re: x\n\nDo not contact me again.\n", VERDICT_DECLINE, VERDICT_UNSUBSCRIBE },
		{ "Subject: Re: x\n\nPor favor no me escriba más.\n", VERDICT_DECLINE, VERDICT_UNSUBSCRIBE },
		/* nothing decisive */
		{ "Subject: Re: x\n\nReceived, thanks.\n", VERDICT_OTHER, 0 },
		{ "Subject: Re: x\n\n> only quoted\n> text\n", VERDICT_OTHER, VERDICT_NO_TEXT },
		/* OOO from the body alone, and an OOO that mentions offers stays an OOO */
		{ "Subject: Re: x\nDate: Mon, 24 Nov 2026 09:00:00 -0500\n\nI am out of the office until December 1 with limited access to email.\n",
		  VERDICT_AUTO_REPLY, VERDICT_OOO },
		{ "Subject: Automatic reply: x\nAuto-Submitted: auto-replied\n\nI am away. Happy to have you reply later.\n",
		  VERDICT_AUTO_REPLY, VERDICT_OOO },
		/* a person who is travelling but answers */
		{ "Subject: Re: x\n\nI'm traveling this week, but you can start on the 15th.\n", VERDICT_OFFER, 0 },
		/* mailing list, a human answer through a group is still judged */
		{ "Subject: Re: x\nPrecedence: list\nList-Id: <obs.example.org>\n\nYou're welcome to join us in March.\n",
		  VERDICT_OFFER, VERDICT_MAILING_LIST },
		/* a delivery success report is not a bounce */
		{ "Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n--b\nContent-Type: message/delivery-status\n\n"
		  "Reporting-MTA: dns; x\n\nFinal-Recipient: rfc822; a@example.org\nAction: delivered\nStatus: 2.0.0\n--b--\n",
		  VERDICT_OTHER, VERDICT_DELIVERED },
		/* a human who writes "undeliverable" is not a bounce */
		{ "From: Dr X <x@example.org>\nSubject: Re: Undeliverable attachment?\nIn-Reply-To: <a@b>\n\nYour attachment was undeliverable, please resend your CV.\n",
		  VERDICT_INFO_REQUEST, 0 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct message m;
		struct verdict v;
		classify_str(t[i].msg, &m, &v);
		if (v.label != t[i].l || (v.flags & t[i].flags) != t[i].flags)
			fail_msg("row %zu: got %s flags %#x (%s), want %s flags %#x", i, verdict_label_name(v.label), v.flags,
				 v.reason, verdict_label_name(t[i].l), t[i].flags);
		verdict_release(&v);
		message_release(&m);
	}
}

/* The rules file, not the code, decides the human labels. */
static void test_custom_rules(void **state)
{
	(void)state;
	const char *text = "offer 5 \"banana\"\ndecline 5 \"apple\"\nset tiebreak decline offer info\n";
	struct err e;
	struct rules *r = rules_parse(text, strlen(text), "ws.rules", &e);
	assert_non_null(r);
	const char *msg = "Subject: Re: x\n\nA banana for you.\n";
	struct message m;
	assert_int_equal(message_parse(msg, strlen(msg), NULL, &m, &e), 0);
	struct verdict v;
	assert_int_equal(classify_message(&m, r, &v, &e), 0);
	assert_int_equal(v.label, VERDICT_OFFER);
	assert_non_null(strstr(v.reason, "'banana' +5"));
	verdict_release(&v);
	message_release(&m);
	msg = "Subject: Re: x\n\nA banana and an apple.\n";
	assert_int_equal(message_parse(msg, strlen(msg), NULL, &m, &e), 0);
	assert_int_equal(classify_message(&m, r, &v, &e), 0);
	assert_int_equal(v.label, VERDICT_DECLINE); /* tie: this file prefers decline */
	verdict_release(&v);
	message_release(&m);
	rules_free(r);
	assert_int_equal(classify_message(NULL, R, &v, &e), -1);
	assert_int_equal(e.cls, ERR_INTERNAL);
}

static void test_new_text_bound(void **state)
{
	(void)state;
	struct buf b = BUF_INIT(1 << 22);
	buf_addstr(&b, "Subject: Re: x\n\n");
	for (int i = 0; i < 20000; i++)
		buf_addstr(&b, "We would be happy to host you. ");
	struct message m;
	struct verdict v;
	classify_buf(b.data, b.len, &m, &v);
	assert_int_equal(v.new_text_len, CLASSIFY_NEW_TEXT_MAX);
	assert_int_equal(strlen(v.new_text), v.new_text_len);
	assert_int_equal(v.label, VERDICT_OFFER);
	assert_true(strlen(v.reason) < VERDICT_REASON_MAX);
	verdict_release(&v);
	message_release(&m);
	buf_release(&b);
}

static void test_summary(void **state)
{
	(void)state;
	static const struct { const char *file, *want; } t[] = {
		{ "conditional-offer-paperwork.eml",
		  "offer (conditions: fee, visa B1/B2, immunisations, TB test, insurance, paperwork, dates)" },
		{ "bounce-postfix-user-unknown.eml", "bounce (hard, 5.1.1 j.smith@hospital.example)" },
		{ "bounce-delayed-warning.eml", "bounce (delayed, 4.4.1 slow@regional.example.org)" },
		{ "ooo-outlook-headers.eml", "auto_reply (back 2026-12-01)" },
		{ "referral-gme.eml", "info_request (referral)" },
		{ "dept-auto-decline.eml", "decline [automated]" },
		{ "please-remove-me.eml", "decline [do not contact]" },
		{ "complaint-arf.eml", "other (complaint) [do not contact]" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct message m;
		struct verdict v;
		classify_file(t[i].file, &m, &v);
		char *s = verdict_summary(&v);
		if (strcmp(s, t[i].want) != 0)
			fail_msg("%s: [%s] want [%s]", t[i].file, s, t[i].want);
		free(s);
		verdict_release(&v);
		message_release(&m);
	}
	verdict_release(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_matching_fields),
		cmocka_unit_test(test_line_ends),
		cmocka_unit_test(test_decisions),
		cmocka_unit_test(test_custom_rules),
		cmocka_unit_test(test_new_text_bound),
		cmocka_unit_test(test_summary),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
