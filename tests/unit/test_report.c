/* Unit tests for report: how each contact is judged (table), days to reply across zones, the
 * summary, conditions, groups, weeks, and the CSV, JSON and HTML writers on hostile data. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "clock.h"
#include "err.h"
#include "json.h"
#include "mval.h"
#include "report.h"
#include "util.h"

#define NOW "2027-02-15 10:00:00" /* 15:00 in Asia/Karachi */

static time_t at(const char *s)
{
	if (!s)
		return 0;
	time_t t = clock_parse_utc(s);
	if (t < 0)
		fail_msg("bad time in test: %s", s);
	return t;
}

/* ------------------------------------------------------------------ fixtures as tables */

struct fx_msg {
	int step;
	const char *state;
	const char *due, *sent;
	const char *error;
};

struct fx_reply {
	const char *label, *override;
	const char *date;
	const char *ret;      /* return date */
	int hard;             /* bounce_hard: 1, 0, -1 */
	const char *from;
	const char *text;
	const char *conditions;
	const char *note;
	const char *status;   /* bounce status */
	const char *reason;
};

struct fx_contact {
	int64_t id;
	const char *first, *last, *specialty, *state;
	const char *enrollment, *enrollment_reason;
	bool suppressed;
	struct fx_msg msgs[4];
	struct fx_reply replies[4];
};

static const char *const EMAIL_FMT = "dr%lld@hospital.example.org";

static void add_fx(struct report *r, const struct fx_contact *c)
{
	char email[64];
	snprintf(email, sizeof email, EMAIL_FMT, (long long)c->id);
	struct report_contact_in in = {
		.id = c->id, .email = email, .first_name = c->first ? c->first : "Ann",
		.last_name = c->last ? c->last : "Lee", .title = "MD", .specialty = c->specialty ? c->specialty : "Cardiology",
		.department = "Department of Medicine", .hospital = "General Hospital", .city = "Boston",
		.state = c->state ? c->state : "MA", .country = "", .enrollment = c->enrollment ? c->enrollment : "active",
		.enrollment_reason = c->enrollment_reason, .suppressed = c->suppressed,
	};
	report_add_contact(r, &in);
	for (size_t i = 0; i < 4 && c->msgs[i].state; i++) {
		const struct fx_msg *m = &c->msgs[i];
		struct report_message_in mi = { c->id, m->step, m->state, at(m->due ? m->due : m->sent), at(m->sent),
						m->error, 0 };
		assert_int_equal(report_add_message(r, &mi), 0);
	}
	for (size_t i = 0; i < 4 && c->replies[i].label; i++) {
		const struct fx_reply *p = &c->replies[i];
		struct report_reply_in ri = {
			.id = c->id * 10 + (int64_t)i, .contact_id = c->id, .label = p->label, .override_label = p->override,
			.override_note = p->note, .date = at(p->date), .from_addr = p->from ? p->from : email,
			.from_name = "", .subject = "Re: Observership", .reason = p->reason ? p->reason : "",
			.snippet = "", .new_text = p->text ? p->text : "", .conditions = p->conditions,
			.return_date = p->ret, .bounce_recipient = "", .bounce_status = p->status ? p->status : "",
			.bounce_hard = p->hard, .unsubscribe = false,
		};
		assert_int_equal(report_add_reply(r, &ri), 0);
	}
}

static struct report *build(const char *zone, bool paused, const struct fx_contact *cs, size_t n)
{
	struct report_opts o = { "observership", zone, "Amina Rahman", at(NOW), 3, paused };
	struct report *r = report_new(&o);
	for (size_t i = 0; i < n; i++)
		add_fx(r, &cs[i]);
	struct err e = { 0 };
	if (report_finish(r, &e) < 0)
		fail_msg("report_finish: %s", e.msg);
	return r;
}

#define SENT(step, when) { step, "sent", NULL, when, NULL }

/* ------------------------------------------------------------------ the verdict table */

static void test_status_table(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		bool campaign_paused;
		struct fx_contact c;
		const char *status, *text, *label;
		long days;
		const char *bounce_reason, *return_date, *note;
	} t[] = {
		{ "nothing planned", false, { .id = 1 }, "not_sent", "not sent yet", NULL, -1, NULL, NULL, NULL },
		{ "queued only", false, { .id = 1, .msgs = { { 0, "queued", "2027-02-16 14:00:00", NULL, NULL } } },
		  "not_sent", "not sent yet", NULL, -1, NULL, NULL, NULL },
		{ "sent, silence", false, { .id = 1, .msgs = { SENT(0, "2027-01-11 14:05:00") } },
		  "no_answer", "no answer yet", NULL, -1, NULL, NULL, NULL },
		{ "offer", false,
		  { .id = 1, .msgs = { SENT(0, "2027-01-11 14:05:00") },
		    .replies = { { "offer", NULL, "2027-01-14 21:30:00", NULL, -1, NULL, "Happy to host you.", "[\"fees\"]" } } },
		  "offer", "offer", "offer", 4, NULL, NULL, NULL },
		{ "info then offer: the offer", false,
		  { .id = 1, .msgs = { SENT(0, "2027-01-11 14:05:00") },
		    .replies = { { "info_request", NULL, "2027-01-12 10:00:00" }, { "offer", NULL, "2027-01-20 10:00:00" } } },
		  "offer", "offer", "offer", 1, NULL, NULL, NULL },
		{ "offer then info: still the offer", false,
		  { .id = 1, .msgs = { SENT(0, "2027-01-11 14:05:00") },
		    .replies = { { "offer", NULL, "2027-01-12 10:00:00" }, { "info_request", NULL, "2027-01-20 10:00:00" } } },
		  "offer", "offer", "offer", 1, NULL, NULL, NULL },
		{ "offer then decline: withdrawn", false,
		  { .id = 1, .msgs = { SENT(0, "2027-01-11 14:05:00") },
		    .replies = { { "offer", NULL, "2027-01-12 10:00:00" }, { "decline", NULL, "2027-01-20 10:00:00" } } },
		  "declined", "declined", "decline", 1, NULL, NULL, NULL },
		{ "decline then offer: changed their mind", false,
		  { .id = 1, .msgs = { SENT(0, "2027-01-11 14:05:00") },
		    .replies = { { "decline", NULL, "2027-01-12 10:00:00" }, { "offer", NULL, "2027-01-20 10:00:00" } } },
		  "offer", "offer", "offer", 1, NULL, NULL, NULL },
		{ "other, marked an offer by hand", false,
		  { .id = 1, .msgs = { SENT(0, "2027-01-11 14:05:00") },
		    .replies = { { "other", "offer", "2027-01-13 10:00:00", .note = "call the coordinator" } } },
		  "offer", "offer", "offer", 2, NULL, NULL, "call the coordinator" },
		{ "offer, marked a decline by hand without a note", false,
		  { .id = 1, .msgs = { SENT(0, "2027-01-11 14:05:00") },
		    .replies = { { "offer", "decline", "2027-01-13 10:00:00" } } },
		  "declined", "declined", "decline", 2, NULL, NULL, "label set by hand" },
		{ "an unknown label reads as other; an unknown override is ignored", false,
		  { .id = 1, .msgs = { SENT(0, "2027-01-11 14:05:00") },
		    .replies = { { "maybe", "yes!", "2027-01-13 10:00:00" } } },
		  "replied", "replied", "other", 2, NULL, NULL, NULL },
		{ "information request", false,
		  { .id = 1, .msgs = { SENT(0, "2027-01-11 14:05:00") },
		    .replies = { { "info_request", NULL, "2027-01-11 20:00:00" } } },
		  "info_request", "asked for more information", "info_request", 1, NULL, NULL, NULL },
		{ "out of office, back later", false,
		  { .id = 1, .msgs = { SENT(0, "2027-01-11 14:05:00") },
		    .replies = { { "auto_reply", NULL, "2027-01-11 14:06:00", "2027-03-01" } } },
		  "out_of_office", "out of office until 2027-03-01", "auto_reply", -1, NULL, "2027-03-01", NULL },
		{ "out of office, back today", false,
		  { .id = 1, .msgs = { SENT(0, "2027-01-11 14:05:00") },
		    .replies = { { "auto_reply", NULL, "2027-01-11 14:06:00", "2027-02-15" } } },
		  "out_of_office", "out of office until 2027-02-15", "auto_reply", -1, NULL, "2027-02-15", NULL },
		{ "out of office, back since", false,
		  { .id = 1, .msgs = { SENT(0, "2027-01-11 14:05:00") },
		    .replies = { { "auto_reply", NULL, "2027-01-11 14:06:00", "2027-01-25" } } },
		  "no_answer", "no answer yet (was out of office until 2027-01-25)", "auto_reply", -1, NULL, "2027-01-25",
		  NULL },
		{ "auto-reply without a date", false,
		  { .id = 1, .msgs = { SENT(0, "2027-01-11 14:05:00") },
		    .replies = { { "auto_reply", NULL, "2027-01-11 14:06:00" } } },
		  "out_of_office", "auto-reply (no return date)", "auto_reply", -1, NULL, NULL, NULL },
		{ "an invalid return date is no date", false,
		  { .id = 1, .msgs = { SENT(0, "2027-01-11 14:05:00") },
		    .replies = { { "auto_reply", NULL, "2027-01-11 14:06:00", "2027-02-30" } } },
		  "out_of_office", "auto-reply (no return date)", "auto_reply", -1, NULL, NULL, NULL },
		{ "hard bounce", false,
		  { .id = 1, .msgs = { SENT(0, "2027-01-11 14:05:00") },
		    .replies = { { "bounce", NULL, "2027-01-11 14:06:00", .hard = 1, .status = "5.1.1", .reason = "user unknown" } } },
		  "bounced", "bounced", "bounce", -1, "5.1.1 user unknown", NULL, NULL },
		{ "bounce, hardness not said", false,
		  { .id = 1, .msgs = { SENT(0, "2027-01-11 14:05:00") },
		    .replies = { { "bounce", NULL, "2027-01-11 14:06:00", .hard = -1, .status = "5.2.1",
				   .reason = "5.2.1 mailbox disabled" } } },
		  "bounced", "bounced", "bounce", -1, "5.2.1 mailbox disabled", NULL, NULL },
		{ "soft bounce explains, does not decide", false,
		  { .id = 1, .msgs = { SENT(0, "2027-01-11 14:05:00") },
		    .replies = { { "bounce", NULL, "2027-01-12 14:06:00", .hard = 0, .status = "4.2.2", .reason = "mailbox full" } } },
		  "no_answer", "no answer yet", NULL, -1, "temporary: 4.2.2 mailbox full", NULL, NULL },
		{ "a person's reply wins over a bounce", false,
		  { .id = 1, .msgs = { SENT(0, "2027-01-11 14:05:00"), SENT(1, "2027-01-20 14:05:00") },
		    .replies = { { "decline", NULL, "2027-01-12 10:00:00" },
				 { "bounce", NULL, "2027-01-20 14:06:00", .hard = 1, .status = "5.1.1" } } },
		  "declined", "declined", "decline", 1, "5.1.1", NULL, NULL },
		{ "refused by the server", false,
		  { .id = 1, .msgs = { { 0, "failed_perm", "2027-01-11 14:00:00", NULL, "550 5.7.1 rejected" } } },
		  "failed", "failed", NULL, -1, "550 5.7.1 rejected", NULL, NULL },
		{ "in doubt", false,
		  { .id = 1, .msgs = { { 0, "unknown", "2027-01-11 14:00:00", NULL, "interrupted" } } },
		  "unknown", "unknown (may have been delivered)", NULL, -1, NULL, NULL, NULL },
		{ "a send in flight counts as in doubt", false,
		  { .id = 1, .msgs = { { 0, "sending", "2027-01-11 14:00:00", NULL, NULL } } },
		  "unknown", "unknown (may have been delivered)", NULL, -1, NULL, NULL, NULL },
		{ "sent, then a follow-up in doubt: no answer yet", false,
		  { .id = 1, .msgs = { SENT(0, "2027-01-11 14:05:00"), { 1, "unknown", "2027-01-20 14:00:00", NULL, NULL } } },
		  "no_answer", "no answer yet", NULL, -1, NULL, NULL, NULL },
		{ "sent, then a follow-up refused: no answer yet, with the reason", false,
		  { .id = 1, .msgs = { SENT(0, "2027-01-11 14:05:00"), { 1, "failed_perm", "2027-01-20 14:00:00", NULL, NULL } } },
		  "no_answer", "no answer yet", NULL, -1, "refused by the server", NULL, NULL },
		{ "do not contact", false, { .id = 1, .suppressed = true }, "do_not_contact", "do not contact", NULL, -1,
		  NULL, NULL, NULL },
		{ "paused contact", false,
		  { .id = 1, .enrollment = "paused", .enrollment_reason = "colleague answered",
		    .msgs = { SENT(0, "2027-01-11 14:05:00") } },
		  "paused", "paused (colleague answered)", NULL, -1, NULL, NULL, NULL },
		{ "paused campaign", true, { .id = 1, .msgs = { SENT(0, "2027-01-11 14:05:00") } }, "paused",
		  "paused (the whole campaign)", NULL, -1, NULL, NULL, NULL },
		{ "stopped", false, { .id = 1, .enrollment = "stopped" }, "stopped", "stopped", NULL, -1, NULL, NULL, NULL },
		{ "a reply wins over a pause", true,
		  { .id = 1, .enrollment = "paused", .msgs = { SENT(0, "2027-01-11 14:05:00") },
		    .replies = { { "offer", NULL, "2027-01-12 10:00:00" } } },
		  "offer", "offer", "offer", 1, NULL, NULL, NULL },
		{ "a reply before anything was sent: no day count", false,
		  { .id = 1, .replies = { { "info_request", NULL, "2027-01-12 10:00:00" } } },
		  "info_request", "asked for more information", "info_request", -1, NULL, NULL, NULL },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct report *r = build("Asia/Karachi", t[i].campaign_paused, &t[i].c, 1);
		const struct report_row *w = &r->rows[0];
		const char *why = t[i].name;
		if (strcmp(report_status_code(w->status), t[i].status) != 0)
			fail_msg("%s: status %s, want %s", why, report_status_code(w->status), t[i].status);
		if (strcmp(w->status_text, t[i].text) != 0)
			fail_msg("%s: status text '%s', want '%s'", why, w->status_text, t[i].text);
		if (!str_eq(w->reply_label, t[i].label))
			fail_msg("%s: label %s, want %s", why, w->reply_label ? w->reply_label : "(none)",
				 t[i].label ? t[i].label : "(none)");
		if (w->days_to_reply != t[i].days)
			fail_msg("%s: days %ld, want %ld", why, w->days_to_reply, t[i].days);
		if (!str_eq(w->bounce_reason, t[i].bounce_reason))
			fail_msg("%s: bounce reason '%s', want '%s'", why, w->bounce_reason ? w->bounce_reason : "(none)",
				 t[i].bounce_reason ? t[i].bounce_reason : "(none)");
		if (!str_eq(w->return_date, t[i].return_date))
			fail_msg("%s: return date %s", why, w->return_date ? w->return_date : "(none)");
		if (!str_eq(w->note, t[i].note))
			fail_msg("%s: note '%s'", why, w->note ? w->note : "(none)");
		/* every contact is counted exactly once */
		long total = 0;
		for (int k = 0; k < REPORT_NSTATUS; k++)
			total += r->sum.by_status[k];
		assert_int_equal(total, 1);
		report_free(r);
	}
}

static void test_offer_details(void **state)
{
	(void)state;
	struct fx_contact c = {
		.id = 7, .msgs = { SENT(0, "2027-01-12 14:06:00") },
		.replies = { { "other", "offer", "2027-01-19 13:00:00", .from = "Jane.Park@riverside.example.org",
			       .text = "Dr. Greene asked me to reply.\r\n\r\nPlease fill out the application.\r\n\r\n",
			       .conditions = "application form; proof of immunizations\n\n", .note = "coordinator" } },
	};
	struct report *r = build("Asia/Karachi", false, &c, 1);
	const struct report_row *w = &r->rows[0];
	assert_string_equal(report_status_code(w->status), "offer");
	assert_true(w->label_manual);
	assert_string_equal(w->reply_from, "Jane.Park@riverside.example.org");
	/* CRLF becomes LF, trailing blank lines go; the snippet is one line */
	assert_string_equal(w->reply_text, "Dr. Greene asked me to reply.\n\nPlease fill out the application.");
	assert_string_equal(w->snippet, "Dr. Greene asked me to reply. Please fill out the application.");
	assert_int_equal(w->nconditions, 2);
	assert_string_equal(w->conditions[1], "proof of immunizations");
	assert_int_equal(w->nreplies, 1);
	report_free(r);

	/* the contact answering from their own address, in another case, is not "someone else" */
	struct fx_contact self = { .id = 3, .msgs = { SENT(0, "2027-01-12 14:06:00") },
				   .replies = { { "offer", NULL, "2027-01-13 13:00:00", .from = "DR3@Hospital.Example.org" } } };
	r = build("Asia/Karachi", false, &self, 1);
	assert_null(r->rows[0].reply_from);
	report_free(r);

	/* conditions are read only for offers */
	struct fx_contact decl = { .id = 4, .msgs = { SENT(0, "2027-01-12 14:06:00") },
				   .replies = { { "decline", NULL, "2027-01-13 13:00:00", .conditions = "[\"fees\"]" } } };
	r = build("Asia/Karachi", false, &decl, 1);
	assert_int_equal(r->rows[0].nconditions, 0);
	report_free(r);
}

/* Calendar days in the report's zone: the same two instants are 4 days apart in Karachi,
 * 3 in UTC and 3 in Los Angeles. */
static void test_days_by_zone(void **state)
{
	(void)state;
	static const struct {
		const char *zone;
		long days;
		const char *first, *reply;
	} t[] = {
		{ "Asia/Karachi", 4, "2027-01-11", "2027-01-15" },
		{ "UTC", 3, "2027-01-11", "2027-01-14" },
		{ "America/Los_Angeles", 3, "2027-01-11", "2027-01-14" },
	};
	struct fx_contact c = { .id = 1, .msgs = { SENT(0, "2027-01-11 14:05:00") },
				.replies = { { "offer", NULL, "2027-01-14 21:30:00" } } };
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct report *r = build(t[i].zone, false, &c, 1);
		assert_int_equal(r->rows[0].days_to_reply, t[i].days);
		char d[16];
		report_local_date(r, r->rows[0].first_sent, d);
		assert_string_equal(d, t[i].first);
		report_local_date(r, r->rows[0].reply_date, d);
		assert_string_equal(d, t[i].reply);
		report_local_date(r, 0, d);
		assert_string_equal(d, "");
		report_free(r);
	}
	struct report_opts o = { "x", "Not/AZone", NULL, at(NOW), 1, false };
	struct report *r = report_new(&o);
	struct err e = { 0 };
	assert_int_equal(report_finish(r, &e), -1);
	assert_int_equal(e.cls, ERR_CONFIG);
	report_free(r);
	char s[24];
	report_utc_stamp(at("2027-01-14 21:30:05"), s);
	assert_string_equal(s, "2027-01-14T21:30:05Z");
}

static const struct fx_contact campaign[] = {
	{ .id = 1, .first = "Sarah", .specialty = "Internal Medicine", .state = "MA",
	  .msgs = { SENT(0, "2027-01-11 14:05:00") }, .replies = { { "offer", NULL, "2027-01-14 21:30:00" } } },
	{ .id = 2, .first = "José", .last = "Martínez", .specialty = "internal medicine", .state = "TX",
	  .msgs = { SENT(0, "2027-01-11 14:07:00") }, .replies = { { "decline", NULL, "2027-01-12 16:00:00" } } },
	{ .id = 3, .specialty = "Cardiology", .state = "IL",
	  .msgs = { SENT(0, "2027-01-11 14:10:00"), SENT(1, "2027-01-21 14:10:00") } },
	{ .id = 4, .specialty = "Cardiology", .state = "IL",
	  .msgs = { SENT(0, "2027-01-11 14:12:00") },
	  .replies = { { "bounce", NULL, "2027-01-11 14:13:00", .hard = 1, .status = "5.1.1" } } },
	{ .id = 5, .specialty = "", .state = "", .msgs = { SENT(0, "2027-01-18 14:00:00") },
	  .replies = { { "info_request", NULL, "2027-01-25 14:00:00" } } },
	{ .id = 6, .specialty = "Nephrology", .state = "NY",
	  .msgs = { { 0, "queued", "2027-02-16 14:00:00", NULL, NULL } } },
	{ .id = 7, .specialty = "Nephrology", .state = "NY", .enrollment = "paused",
	  .msgs = { { 0, "queued", "2027-02-10 14:00:00", NULL, NULL } } },
};

static void test_summary(void **state)
{
	(void)state;
	struct report *r = build("Asia/Karachi", false, campaign, ARRAY_SIZE(campaign));
	const struct report_summary *s = &r->sum;
	assert_int_equal(s->contacts, 7);
	assert_int_equal(s->planned_messages, 21);
	assert_int_equal(s->written_to, 5);
	assert_int_equal(s->reached, 4);
	assert_int_equal(s->messages_sent, 6);
	assert_int_equal(s->follow_ups_sent, 1);
	assert_int_equal(s->queued, 2);
	assert_int_equal(s->replied, 3);
	assert_int_equal(s->by_status[REPORT_OFFER], 1);
	assert_int_equal(s->by_status[REPORT_NOT_SENT], 1);
	assert_int_equal(s->by_status[REPORT_PAUSED], 1);
	assert_true(fabs(s->reply_rate - 0.75) < 1e-9);
	assert_true(fabs(s->offer_rate - 0.25) < 1e-9);
	/* days 4, 1, 7 → median 4 */
	assert_true(fabs(s->median_days_to_reply - 4) < 1e-9);
	assert_int_equal(s->first_sent, at("2027-01-11 14:05:00"));
	assert_int_equal(s->last_sent, at("2027-01-21 14:10:00"));
	/* the paused contact's earlier message is not "next" */
	assert_int_equal(s->next_due, at("2027-02-16 14:00:00"));
	assert_int_equal(s->next_contact, 6);
	assert_int_equal(r->nsent_times, 6);
	assert_int_equal(r->nreply_times, 3);
	report_free(r);

	/* nobody reached: rates are not numbers, not zero */
	r = build("UTC", false, &campaign[5], 1);
	assert_true(isnan(r->sum.reply_rate));
	assert_true(isnan(r->sum.offer_rate));
	assert_true(isnan(r->sum.median_days_to_reply));
	report_free(r);

	/* an even number of replies: the median is the mean of the middle two */
	r = build("Asia/Karachi", false, campaign, 2);
	assert_true(fabs(r->sum.median_days_to_reply - 2.5) < 1e-9);
	report_free(r);
}

static void test_building_order(void **state)
{
	(void)state;
	struct report_opts o = { "c", "UTC", NULL, at(NOW), 1, false };
	struct report *r = report_new(&o);
	struct report_contact_in b = { .id = 20, .email = "b@x.example", .enrollment = "active" };
	struct report_contact_in a = { .id = 10, .email = "a@x.example", .enrollment = "active" };
	report_add_contact(r, &b);
	/* a reply for contact 20 before contact 10 arrives: it must stay with 20 */
	struct report_reply_in rp = { .id = 1, .contact_id = 20, .label = "offer", .date = at("2027-01-05 10:00:00") };
	report_add_reply(r, &rp);
	report_add_contact(r, &a);
	report_add_contact(r, &a); /* twice: ignored */
	/* facts about contacts the report does not have are ignored */
	struct report_message_in stray = { 99, 0, "sent", 0, at("2027-01-04 10:00:00"), NULL, 0 };
	assert_int_equal(report_add_message(r, &stray), 0);
	struct report_reply_in stray_reply = { .id = 2, .contact_id = 99, .label = "offer" };
	assert_int_equal(report_add_reply(r, &stray_reply), 0);
	struct err e = { 0 };
	assert_int_equal(report_finish(r, &e), 0);
	assert_int_equal(r->nrows, 2);
	assert_int_equal(r->rows[0].contact_id, 10);
	assert_int_equal(r->rows[1].contact_id, 20);
	assert_string_equal(report_status_code(r->rows[0].status), "not_sent");
	assert_string_equal(report_status_code(r->rows[1].status), "offer");
	assert_int_equal(r->nsent_times, 0);
	/* finished: nothing more is taken */
	report_add_contact(r, &(struct report_contact_in){ .id = 30, .email = "c@x.example" });
	assert_int_equal(r->nrows, 2);
	report_free(r);
	report_free(NULL);
}

static void test_text_hygiene(void **state)
{
	(void)state;
	char longtext[1200];
	size_t k = 0;
	while (k + 6 < sizeof longtext) {
		memcpy(longtext + k, "word  ", 6);
		k += 6;
	}
	longtext[k] = '\0';
	struct fx_contact c = {
		.id = 1, .first = "Evil\x1b]0;title\x07\x1b[31m", .last = "N\xc2\x9b" "ame\xff",
		.msgs = { SENT(0, "2027-01-11 14:05:00") },
		.replies = { { "info_request", NULL, "2027-01-12 10:00:00", .text = longtext } },
	};
	struct report *r = build("UTC", false, &c, 1);
	const struct report_row *w = &r->rows[0];
	/* ESC, BEL and the C1 CSI are gone: a name cannot drive a terminal */
	assert_null(strchr(w->name, '\x1b'));
	assert_null(strchr(w->name, '\x07'));
	assert_null(strstr(w->name, "\xc2\x9b"));
	assert_string_equal(w->name, "Evil]0;title[31m Name\xef\xbf\xbd");
	/* one line, at most REPORT_SNIPPET_MAX characters, ending on a word and an ellipsis */
	size_t n = strlen(w->snippet);
	assert_true(utf8_length(w->snippet, n) <= REPORT_SNIPPET_MAX);
	assert_true(str_ends_with(w->snippet, "word\xe2\x80\xa6"));
	assert_null(strstr(w->snippet, "  "));
	report_free(r);
}

static void test_conditions(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		size_t n;
		const char *items[4];
	} t[] = {
		{ "[\"fees\", \"TB test\"]", 2, { "fees", "TB test" } },
		{ "  [ \"a\" , 3, null, \" b \", \"a\" ]", 2, { "a", "b" } },
		{ "fees; TB test;; visa", 3, { "fees", "TB test", "visa" } },
		{ "- fees\n* background check\r\n\n", 2, { "fees", "background check" } },
		{ "[not json; still read", 2, { "[not json", "still read" } },
		{ "rotation fee: $1,500\ndates: May 3 \xe2\x80\x93 May 28", 2, { "rotation fee: $1,500", "dates: May 3 \xe2\x80\x93 May 28" } },
		{ "", 0, { NULL } },
		{ "  ;\n ; ", 0, { NULL } },
		{ "[]", 0, { NULL } },
		{ "<b>x</b>\x1b[2J", 1, { "<b>x</b>[2J" } },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		char **v;
		size_t n = report_split_conditions(t[i].in, &v);
		if (n != t[i].n)
			fail_msg("case %zu: %zu items, want %zu", i, n, t[i].n);
		for (size_t j = 0; j < n; j++) {
			if (strcmp(v[j], t[i].items[j]) != 0)
				fail_msg("case %zu item %zu: '%s', want '%s'", i, j, v[j], t[i].items[j]);
			free(v[j]);
		}
		free(v);
	}
	char **v;
	assert_int_equal(report_split_conditions(NULL, &v), 0);
	assert_null(v);
	struct buf many = BUF_INIT(1 << 16);
	for (int i = 0; i < 100; i++)
		buf_printf(&many, "item %d;", i);
	size_t n = report_split_conditions(buf_str(&many), &v);
	assert_int_equal(n, REPORT_CONDITIONS_MAX);
	for (size_t j = 0; j < n; j++)
		free(v[j]);
	free(v);
	buf_release(&many);
}

static void test_groups(void **state)
{
	(void)state;
	struct report *r = build("Asia/Karachi", false, campaign, ARRAY_SIZE(campaign));
	struct report_group *g;
	size_t n = report_groups(r, REPORT_BY_SPECIALTY, 10, &g);
	/* reached only: 1, 2 (one group, case-insensitive), 3 (4 bounced), 5 ("not given") */
	assert_int_equal(n, 3);
	assert_string_equal(g[0].name, "Internal Medicine");
	assert_int_equal(g[0].reached, 2);
	assert_int_equal(g[0].replied, 2);
	assert_int_equal(g[0].offers, 1);
	assert_string_equal(g[1].name, "Cardiology");
	assert_int_equal(g[1].reached, 1);
	assert_int_equal(g[1].replied, 0);
	assert_string_equal(g[2].name, "not given");
	report_groups_free(g, n);

	n = report_groups(r, REPORT_BY_STATE, 2, &g);
	assert_int_equal(n, 2);
	assert_string_equal(g[1].name, "other (3)");
	assert_int_equal(g[0].reached + g[1].reached, 4);
	report_groups_free(g, n);
	report_free(r);

	/* nobody reached: no groups (so no division by zero in a rate) */
	r = build("UTC", false, &campaign[5], 1);
	n = report_groups(r, REPORT_BY_STATE, 10, &g);
	assert_int_equal(n, 0);
	report_groups_free(g, n);
	report_free(r);
}

static void test_weeks(void **state)
{
	(void)state;
	/* Sunday 2027-01-10 20:00 UTC is Monday 01:00 in Karachi: the week of 11 Jan there, the
	 * week of 4 Jan in UTC */
	struct fx_contact c = { .id = 1, .msgs = { SENT(0, "2027-01-10 20:00:00"), SENT(1, "2027-01-20 10:00:00") },
				.replies = { { "decline", NULL, "2027-01-21 10:00:00" } } };
	struct report *r = build("Asia/Karachi", false, &c, 1);
	struct report_week *w;
	size_t n = report_weeks(r, 52, &w);
	/* 11 Jan .. 15 Feb: six weeks */
	assert_int_equal(n, 6);
	assert_string_equal(w[0].label, "11 Jan");
	assert_int_equal(w[0].sent, 1);
	assert_int_equal(w[1].sent, 1);
	assert_int_equal(w[1].replies, 1);
	assert_string_equal(w[5].label, "15 Feb");
	free(w);
	n = report_weeks(r, 2, &w);
	assert_int_equal(n, 2);
	assert_string_equal(w[0].label, "8 Feb");
	free(w);
	report_free(r);

	r = build("UTC", false, &c, 1);
	n = report_weeks(r, 52, &w);
	assert_int_equal(n, 7);
	assert_string_equal(w[0].label, "4 Jan");
	free(w);
	report_free(r);

	r = build("UTC", false, &campaign[5], 1);
	assert_int_equal(report_weeks(r, 52, &w), 0);
	assert_null(w);
	report_free(r);
}

/* ------------------------------------------------------------------ writers */

static const struct fx_contact hostile[] = {
	{ .id = 1, .first = "=HYPERLINK(\"http://evil.example\",\"x\")", .last = "\"Quoted\"",
	  .specialty = "Internal Medicine, \"General\"", .state = "-",
	  .msgs = { SENT(0, "2027-01-11 14:05:00") },
	  .replies = { { "offer", NULL, "2027-01-14 21:30:00", .text = "Yes <script>alert(1)</script>\n@SUM(1)",
			 .conditions = "[\"<img src=x onerror=alert(2)>\", \"+fees\"]", .note = "-2+3" } } },
	{ .id = 2, .first = "Zoë", .last = "中村", .specialty = "Cardiology", .state = "IL" },
};

static void test_csv(void **state)
{
	(void)state;
	struct report *r = build("Asia/Karachi", false, hostile, ARRAY_SIZE(hostile));
	struct buf b = BUF_INIT(1 << 20);
	struct err e = { 0 };
	assert_int_equal(report_write_csv(r, &b, false, &e), 0);
	const char *want =
		"Name,Title,Specialty,Department,Hospital,City,State,Email,First sent,Steps sent,Last sent,Status,"
		"Reply label,Reply date,Days to reply,Reply snippet,Conditions,Bounce reason,Return date,Manual note\r\n"
		"\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\") \"\"Quoted\"\"\",MD,\"Internal Medicine, "
		"\"\"General\"\"\",Department of Medicine,General Hospital,Boston,\"'-\",dr1@hospital.example.org,"
		"2027-01-11,1,2027-01-11,offer,offer,2027-01-15,4,Yes <script>alert(1)</script> @SUM(1),"
		"<img src=x onerror=alert(2)>; +fees,,,\"'-2+3\"\r\n"
		"Zoë 中村,MD,Cardiology,Department of Medicine,General Hospital,Boston,IL,dr2@hospital.example.org,,0,,"
		"not sent yet,,,,,,,,\r\n";
	assert_string_equal(buf_str(&b), want);
	buf_reset(&b);
	assert_int_equal(report_write_csv(r, &b, true, &e), 0);
	assert_true(str_starts_with(buf_str(&b), "\xef\xbb\xbfName,Title,"));
	assert_string_equal(buf_str(&b) + 3, want);

	/* too large: an error, and the buffer as it was */
	struct buf small = BUF_INIT(300);
	buf_addstr(&small, "keep");
	assert_int_equal(report_write_csv(r, &small, false, &e), -1);
	assert_int_equal(e.cls, ERR_LIMIT);
	assert_string_equal(buf_str(&small), "keep");
	buf_release(&small);
	buf_release(&b);
	report_free(r);
}

static const struct mval *get(const struct mval *m, const char *k)
{
	const struct mval *v = mval_map_getz(m, k);
	if (!v)
		fail_msg("no key '%s'", k);
	return v;
}

static void test_json(void **state)
{
	(void)state;
	struct report *r = build("Asia/Karachi", false, hostile, ARRAY_SIZE(hostile));
	struct buf b = BUF_INIT(1 << 20);
	struct err e = { 0 };
	assert_int_equal(report_write_json(r, &b, &e), 0);
	struct mval *d = json_parse("report.json", b.data, b.len, NULL, &e);
	if (!d)
		fail_msg("invalid JSON: %s", e.msg);
	assert_string_equal(get(d, "campaign")->u.str.s, "observership");
	assert_string_equal(get(d, "generated_at")->u.str.s, "2027-02-15T10:00:00Z");
	assert_string_equal(get(d, "timezone")->u.str.s, "Asia/Karachi");
	const struct mval *s = get(d, "summary");
	assert_int_equal((long)get(s, "contacts")->u.num, 2);
	assert_true(get(s, "reply_rate")->u.num == 1);
	const struct mval *cs = get(d, "contacts");
	assert_int_equal(cs->u.list.n, 2);
	const struct mval *c0 = cs->u.list.v[0], *c1 = cs->u.list.v[1];
	assert_string_equal(get(c0, "first_name")->u.str.s, "=HYPERLINK(\"http://evil.example\",\"x\")");
	assert_string_equal(get(c0, "reply_text")->u.str.s, "Yes <script>alert(1)</script>\n@SUM(1)");
	assert_string_equal(get(c0, "reply_date")->u.str.s, "2027-01-14T21:30:00Z");
	assert_int_equal((long)get(c0, "days_to_reply")->u.num, 4);
	assert_int_equal(get(c0, "conditions")->u.list.n, 2);
	assert_string_equal(get(c0, "manual_note")->u.str.s, "-2+3");
	assert_int_equal(get(c0, "label_manual")->type, MVAL_BOOL);
	assert_string_equal(get(c1, "name")->u.str.s, "Zoë 中村");
	assert_string_equal(get(c1, "status")->u.str.s, "not_sent");
	assert_int_equal(get(c1, "reply_label")->type, MVAL_NULL);
	assert_int_equal(get(c1, "days_to_reply")->type, MVAL_NULL);
	assert_int_equal(get(c1, "first_sent")->type, MVAL_NULL);
	assert_int_equal(get(c1, "conditions")->u.list.n, 0);
	mval_free(d);
	buf_release(&b);
	report_free(r);

	/* no contact reached: rates and median are null, never NaN (not JSON) */
	r = build("UTC", false, &campaign[5], 1);
	struct buf b2 = BUF_INIT(1 << 20);
	assert_int_equal(report_write_json(r, &b2, &e), 0);
	assert_non_null(strstr(buf_str(&b2), "\"reply_rate\": null"));
	assert_non_null(strstr(buf_str(&b2), "\"median_days_to_reply\": null"));
	assert_null(strstr(buf_str(&b2), "NaN"));
	buf_release(&b2);
	report_free(r);
}

static void test_html(void **state)
{
	(void)state;
	struct report_opts o = { "obs <x>", "Asia/Karachi", "Amina \"A\" <b>R</b>", at(NOW), 3, false };
	struct report *r = report_new(&o);
	for (size_t i = 0; i < ARRAY_SIZE(hostile); i++)
		add_fx(r, &hostile[i]);
	struct err e = { 0 };
	assert_int_equal(report_finish(r, &e), 0);
	struct buf b = BUF_INIT(4 << 20);
	assert_int_equal(report_write_html(r, &b, &e), 0);
	const char *s = buf_str(&b);
	assert_true(str_starts_with(s, "<!DOCTYPE html>\n<html lang=\"en\">"));
	assert_true(str_ends_with(s, "</html>\n"));
	assert_true(utf8_valid(s, b.len));
	/* no markup from data anywhere: no script, no img, no b from the owner's name */
	assert_null(mem_icase_find(s, b.len, "<script"));
	assert_null(mem_icase_find(s, b.len, "<img"));
	assert_null(strstr(s, "<b>R</b>"));
	assert_non_null(strstr(s, "Yes &lt;script&gt;alert(1)&lt;/script&gt;\n@SUM(1)</blockquote>"));
	assert_non_null(strstr(s, "<li>&lt;img src=x onerror=alert(2)&gt;</li>"));
	assert_non_null(strstr(s, "<title>obs &lt;x&gt; — USCE outreach report — Amina &quot;A&quot; &lt;b&gt;R&lt;/b&gt;</title>"));
	assert_non_null(strstr(s, "Content-Security-Policy\" content=\"default-src 'none'"));
	/* the sections a person looks for */
	assert_non_null(strstr(s, "<section id=\"offers\"><h2>Offers <span class=\"count\">1</span></h2>"));
	assert_non_null(strstr(s, "<section id=\"tracker\">"));
	assert_int_equal((long)(strstr(s, "<tr class=\"st-offer\">") != NULL), 1);
	assert_non_null(strstr(s, "<tr class=\"st-not_sent\">"));
	assert_non_null(strstr(s, "Zoë 中村"));
	/* no external resource */
	assert_null(strstr(s, "src=\"http"));
	assert_null(strstr(s, "href=\"http"));
	assert_null(strstr(s, "url("));
	buf_release(&b);
	report_free(r);

	/* empty campaign */
	r = build("UTC", false, NULL, 0);
	struct buf b2 = BUF_INIT(1 << 20);
	assert_int_equal(report_write_html(r, &b2, &e), 0);
	assert_non_null(strstr(buf_str(&b2), "No offers yet."));
	assert_non_null(strstr(buf_str(&b2), "No attendings yet."));
	assert_non_null(strstr(buf_str(&b2), ">No data yet</text>"));
	buf_release(&b2);

	struct buf small = BUF_INIT(4096);
	assert_int_equal(report_write_html(r, &small, &e), -1);
	assert_int_equal(e.cls, ERR_LIMIT);
	assert_int_equal(small.len, 0);
	buf_release(&small);
	report_free(r);
}

static void test_names(void **state)
{
	(void)state;
	for (int s = 0; s < REPORT_NSTATUS; s++) {
		assert_string_not_equal(report_status_code((enum report_status)s), "?");
		assert_string_not_equal(report_status_words((enum report_status)s), "?");
	}
	assert_string_equal(report_status_code(REPORT_NSTATUS), "?");
	assert_string_equal(report_status_words(REPORT_INFO_REQUEST), "asked for more information");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_table), cmocka_unit_test(test_offer_details),
		cmocka_unit_test(test_days_by_zone), cmocka_unit_test(test_summary),
		cmocka_unit_test(test_building_order), cmocka_unit_test(test_text_hygiene),
		cmocka_unit_test(test_conditions), cmocka_unit_test(test_groups),
		cmocka_unit_test(test_weeks), cmocka_unit_test(test_csv),
		cmocka_unit_test(test_json), cmocka_unit_test(test_html),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
