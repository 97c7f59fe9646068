/* classify: the verdict on one parsed message — bounce, auto-reply, offer, decline, info request or other. */
#include "classify.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autoreply.h"
#include "buf.h"
#include "err.h"
#include "message.h"
#include "quote.h"
#include "rules.h"
#include "util.h"
#include "xalloc.h"

const char *verdict_label_name(enum verdict_label l)
{
	static const char *const names[] = { "other", "offer", "decline", "info_request", "auto_reply", "bounce" };
	return (unsigned)l < ARRAY_SIZE(names) ? names[l] : "?";
}

void verdict_release(struct verdict *v)
{
	if (!v)
		return;
	bounce_release(&v->bounce);
	free(v->new_text);
	for (size_t i = 0; i < v->n_conditions; i++)
		free(v->conditions[i]);
	free(v->conditions);
	memset(v, 0, sizeof *v);
}

/* printf into the reason, keeping it one printable line */
static void reason(struct verdict *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void reason(struct verdict *v, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v->reason, sizeof v->reason, fmt, ap);
	va_end(ap);
	for (char *p = v->reason; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	/* a cut in the middle of a UTF-8 sequence would make the reason invalid text */
	size_t n = strlen(v->reason);
	while (n && !utf8_valid(v->reason, n))
		v->reason[--n] = '\0';
}

static const enum verdict_label from_rules[] = { VERDICT_OFFER, VERDICT_DECLINE, VERDICT_INFO_REQUEST };

static const char *rules_word(enum rules_label l)
{
	return l == RULES_INFO ? "info" : rules_label_name(l);
}

/* "'unfortunately' +4, 'cannot host' +6" for the hits that counted for label l */
static void hits_of(const struct rules_result *rr, enum rules_label l, struct buf *b)
{
	int shown = 0;
	for (size_t i = 0; i < rr->n_hits && shown < 3; i++) {
		const struct rules_hit *h = &rr->hits[i];
		bool counts = h->label == l || (l == RULES_DECLINE && h->label == RULES_UNSUBSCRIBE);
		if (!counts)
			continue;
		buf_printf(b, "%s'%s' +%d%s", shown ? ", " : "", h->text, h->weight, h->negated ? " (negated)" : "");
		shown++;
	}
}

static void others(const struct rules_result *rr, enum rules_label winner, struct buf *b)
{
	bool first = true;
	for (int i = RULES_OFFER; i <= RULES_INFO; i++) {
		if ((enum rules_label)i == winner)
			continue;
		buf_printf(b, "%s%s %d", first ? " vs " : ", ", rules_word((enum rules_label)i), rr->score[i]);
		first = false;
	}
}

static void copy_conditions(struct verdict *v, const struct rules_result *rr)
{
	if (!rr->n_conditions)
		return;
	v->conditions = xcalloc(rr->n_conditions, sizeof *v->conditions);
	for (size_t i = 0; i < rr->n_conditions; i++)
		v->conditions[i] = xstrdup(rr->conditions[i]);
	v->n_conditions = rr->n_conditions;
}

static bool has_tag(const struct rules_result *rr, const char *tag)
{
	for (size_t i = 0; i < rr->n_tags; i++)
		if (strcmp(rr->tags[i], tag) == 0)
			return true;
	return false;
}

/* The winning human label, or -1 when nothing reaches the threshold. */
static int human_label(const struct rules *r, const struct rules_result *rr)
{
	const enum rules_label *tb = rules_tiebreak(r);
	int accept = rules_acceptance(r);
	if (accept && rr->score[RULES_OFFER] >= accept && rr->score[RULES_OFFER] > rr->score[RULES_DECLINE])
		return RULES_OFFER;
	int best = -1, best_score = 0;
	for (int k = 0; k < 3; k++) {
		enum rules_label l = tb[k];
		if (rr->score[l] > best_score) {
			best = (int)l;
			best_score = rr->score[l];
		}
	}
	return best_score >= rules_threshold(r) ? best : -1;
}

static void bounce_verdict(struct verdict *v)
{
	const struct bounce_report *b = &v->bounce;
	v->label = VERDICT_BOUNCE;
	if (b->kind == BOUNCE_DELAYED)
		v->flags |= VERDICT_DELAYED;
	if (!b->n_rcpts) {
		reason(v, "bounce: %s report (%s) naming no recipient", bounce_kind_name(b->kind), b->format);
		return;
	}
	const struct bounce_rcpt *r = &b->rcpts[0];
	char more[32] = "", code[16] = "";
	if (b->n_rcpts > 1)
		snprintf(more, sizeof more, " (+%zu more)", b->n_rcpts - 1);
	if (r->smtp_code)
		snprintf(code, sizeof code, " smtp %d", r->smtp_code);
	reason(v, "bounce: %s status %s%s for %s%s, %s, %s%s%s", b->format, r->status, code, r->addr, more,
	       bounce_reason_name(r->reason),
	       b->kind == BOUNCE_DELAYED ? "delayed (soft)" : r->hard ? "hard" : "soft",
	       r->diagnostic ? ": " : "", r->diagnostic ? r->diagnostic : "");
}

static void auto_reply(struct verdict *v, const struct message *m, const char *signal, bool ooo)
{
	v->label = VERDICT_AUTO_REPLY;
	if (ooo)
		v->flags |= VERDICT_OOO;
	if (autoreply_return_date(v->new_text, v->new_text_len, m->date, m->date_tz, m->has_date, v->return_date) < 0 &&
	    autoreply_return_date(m->text, m->text_len, m->date, m->date_tz, m->has_date, v->return_date) < 0)
		v->return_date[0] = '\0';
	if (v->return_date[0])
		reason(v, "auto_reply: %s; back %s", signal, v->return_date);
	else
		reason(v, "auto_reply: %s", signal);
}

int classify_message(const struct message *m, const struct rules *r, struct verdict *v, struct err *e)
{
	if (!m || !r || !v)
		return err_set(e, ERR_INTERNAL, 0, "classify_message: NULL argument");
	memset(v, 0, sizeof *v);
	if (m->flags & MESSAGE_FALLBACK)
		v->flags |= VERDICT_FALLBACK;

	struct buf nt = BUF_INIT(CLASSIFY_NEW_TEXT_MAX + 1);
	quote_extract(m->text ? m->text : "", m->text ? m->text_len : 0, CLASSIFY_NEW_TEXT_MAX, &nt);
	v->new_text = buf_detach(&nt, &v->new_text_len);
	if (!v->new_text_len && m->text_len)
		v->flags |= VERDICT_NO_TEXT;

	/* 1. delivery reports: a failure report often carries Auto-Submitted too, and is
	 * still a bounce */
	switch (bounce_detect(m, &v->bounce)) {
	case BOUNCE_COMPLAINT: {
		v->label = VERDICT_OTHER;
		v->flags |= VERDICT_COMPLAINT | VERDICT_UNSUBSCRIBE;
		const char *who = v->bounce.n_rcpts ? v->bounce.rcpts[0].addr : "an unnamed recipient";
		reason(v, "complaint: %s feedback report (%s) for %s; do not write again", v->bounce.format,
		       v->bounce.feedback_type ? v->bounce.feedback_type : "abuse", who);
		return 0;
	}
	case BOUNCE_FAILED:
	case BOUNCE_DELAYED: {
		/* "confirm you are a sender" systems answer with DSN-shaped mail */
		struct buf diag = BUF_INIT(16384);
		for (size_t i = 0; i < v->bounce.n_rcpts; i++)
			if (v->bounce.rcpts[i].diagnostic)
				buf_printf(&diag, "%s\n", v->bounce.rcpts[i].diagnostic);
		bool challenge = autoreply_challenge(buf_str(&diag), diag.len) ||
				 autoreply_challenge(m->text, m->text_len) || message_header(m, "X-Boxbe-Notice");
		buf_release(&diag);
		if (challenge) {
			bounce_release(&v->bounce);
			v->flags |= VERDICT_CHALLENGE;
			auto_reply(v, m, "challenge-response request (sender confirmation), not a bounce", false);
			return 0;
		}
		bounce_verdict(v);
		return 0;
	}
	case BOUNCE_DELIVERED:
		v->label = VERDICT_OTHER;
		v->flags |= VERDICT_DELIVERED;
		bounce_release(&v->bounce);
		reason(v, "delivery report: delivered or relayed, not a bounce");
		return 0;
	case BOUNCE_NONE:
		bounce_release(&v->bounce);
		break;
	}

	/* 2. auto-replies, 3. people: both need the rules' view of the new text */
	struct autoreply_info ai;
	autoreply_detect(m, &ai);
	struct rules_result rr;
	rules_eval(r, m->subject, v->new_text, v->new_text_len, &rr);
	v->score[0] = rr.score[RULES_OFFER];
	v->score[1] = rr.score[RULES_DECLINE];
	v->score[2] = rr.score[RULES_INFO];
	v->score[3] = rr.score[RULES_OOO];
	if (rr.unsubscribe)
		v->flags |= VERDICT_UNSUBSCRIBE;
	bool ooo_words = rr.score[RULES_OOO] >= rules_ooo_threshold(r);
	int human = human_label(r, &rr);
	struct buf why = BUF_INIT(VERDICT_REASON_MAX * 2);

	if (ai.kind == AUTOREPLY_CHALLENGE) {
		v->flags |= VERDICT_CHALLENGE;
		auto_reply(v, m, "challenge-response request (sender confirmation)", false);
		buf_release(&why);
		return 0;
	}
	if (ai.kind == AUTOREPLY_REPLY || ai.kind == AUTOREPLY_GENERATED) {
		bool ooo = ai.ooo_subject || ooo_words;
		/* a responder that answers for a department ("we do not offer observerships")
		 * has given the answer the user tracks: an automated decline, not a vacation */
		if (!ooo && human >= 0 && human != RULES_OFFER && rr.score[human] >= rules_automated_threshold(r)) {
			v->label = from_rules[human];
			v->flags |= VERDICT_AUTOMATED;
			if (human == RULES_INFO && has_tag(&rr, "referral"))
				v->flags |= VERDICT_REFERRAL;
			copy_conditions(v, &rr);
			hits_of(&rr, (enum rules_label)human, &why);
			reason(v, "%s (automated, %s): %s", verdict_label_name(v->label), ai.signal, buf_str(&why));
			buf_release(&why);
			return 0;
		}
		auto_reply(v, m, ai.signal, ooo);
		buf_release(&why);
		return 0;
	}
	/* an out-of-office that carries no header says so in words */
	int human_max = rr.score[RULES_OFFER];
	if (rr.score[RULES_DECLINE] > human_max)
		human_max = rr.score[RULES_DECLINE];
	if (rr.score[RULES_INFO] > human_max)
		human_max = rr.score[RULES_INFO];
	if (ooo_words && rr.score[RULES_OOO] >= human_max) {
		hits_of(&rr, RULES_OOO, &why);
		char sig[200];
		snprintf(sig, sizeof sig, "out-of-office wording %s", buf_str(&why));
		auto_reply(v, m, sig, true);
		buf_release(&why);
		return 0;
	}
	if (ai.kind == AUTOREPLY_LIST)
		v->flags |= VERDICT_MAILING_LIST;
	if (human < 0) {
		v->label = VERDICT_OTHER;
		if (!v->new_text_len)
			reason(v, "other: no new text to judge%s", ai.kind == AUTOREPLY_LIST ? " (mailing list)" : "");
		else
			reason(v, "other: no rule reached %d (offer %d, decline %d, info %d)%s", rules_threshold(r),
			       rr.score[RULES_OFFER], rr.score[RULES_DECLINE], rr.score[RULES_INFO],
			       ai.kind == AUTOREPLY_LIST ? "; mailing list" : "");
		buf_release(&why);
		return 0;
	}
	v->label = from_rules[human];
	if (human == RULES_INFO && has_tag(&rr, "referral"))
		v->flags |= VERDICT_REFERRAL;
	copy_conditions(v, &rr);
	hits_of(&rr, (enum rules_label)human, &why);
	others(&rr, (enum rules_label)human, &why);
	reason(v, "%s%s: %s", verdict_label_name(v->label), (v->flags & VERDICT_REFERRAL) ? " (referral)" : "",
	       buf_str(&why));
	buf_release(&why);
	return 0;
}

char *verdict_summary(const struct verdict *v)
{
	struct buf b = BUF_INIT(1024);
	buf_addstr(&b, verdict_label_name(v->label));
	if (v->label == VERDICT_OFFER && v->n_conditions) {
		buf_addstr(&b, " (conditions: ");
		for (size_t i = 0; i < v->n_conditions; i++)
			buf_printf(&b, "%s%s", i ? ", " : "", v->conditions[i]);
		buf_addch(&b, ')');
	} else if (v->label == VERDICT_BOUNCE && v->bounce.n_rcpts) {
		buf_printf(&b, " (%s, %s %s)", (v->flags & VERDICT_DELAYED) ? "delayed" : v->bounce.rcpts[0].hard ? "hard" : "soft",
			   v->bounce.rcpts[0].status, v->bounce.rcpts[0].addr);
	} else if (v->label == VERDICT_AUTO_REPLY && v->return_date[0]) {
		buf_printf(&b, " (back %s)", v->return_date);
	} else if (v->flags & VERDICT_REFERRAL) {
		buf_addstr(&b, " (referral)");
	} else if (v->flags & VERDICT_COMPLAINT) {
		buf_addstr(&b, " (complaint)");
	}
	if (v->flags & VERDICT_AUTOMATED)
		buf_addstr(&b, " [automated]");
	if (v->flags & VERDICT_UNSUBSCRIBE)
		buf_addstr(&b, " [do not contact]");
	return buf_detach(&b, NULL);
}
