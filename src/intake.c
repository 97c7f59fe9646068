/* intake: one incoming message, from wherever it came (IMAP, a file, a Maildir, an mbox) —
 * parsed, tied to what was sent, judged, recorded once, and its effects applied. */
#include "intake.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "buf.h"
#include "classify.h"
#include "config.h"
#include "err.h"
#include "json.h"
#include "message.h"
#include "rules.h"
#include "store.h"
#include "store_reply.h"
#include "util.h"
#include "xalloc.h"

#define SNIPPET_MAX 240

struct intake {
	struct store *st;
	const struct config *cfg;
	struct rules *rules;
	bool dry;
};

void intake_result_release(struct intake_result *r)
{
	for (size_t i = 0; i < r->n_in_reply_to; i++)
		free(r->in_reply_to[i]);
	free(r->in_reply_to);
	memset(r, 0, sizeof *r);
}

int intake_open(struct store *st, const struct config *cfg, struct intake **out, struct err *e)
{
	struct intake *ix = xcalloc(1, sizeof *ix);
	ix->st = st;
	ix->cfg = cfg;
	if (cfg && cfg->account.rules) {
		char *path = config_path(cfg, cfg->account.rules);
		ix->rules = rules_load_file(path, e);
		free(path);
		if (!ix->rules) {
			free(ix);
			return -1;
		}
	} else {
		ix->rules = rules_default();
	}
	*out = ix;
	return 0;
}

void intake_close(struct intake *ix)
{
	if (!ix)
		return;
	rules_free(ix->rules);
	free(ix);
}

void intake_set_dry(struct intake *ix, bool dry)
{
	ix->dry = dry;
}

/* "Re: RE: Aw: Fwd: [EXTERNAL] Observership request" -> "Observership request" */
static const char *strip_reply_prefixes(const char *s)
{
	static const char *const pre[] = { "re:", "aw:", "sv:", "vs:", "antw:", "rv:", "réf.:", "ref:", "fwd:", "fw:",
					   "tr:", "wg:", "[external]", "external:", "[ext]", "(external)" };
	for (bool again = true; again;) {
		again = false;
		while (*s == ' ' || *s == '\t')
			s++;
		for (size_t i = 0; i < ARRAY_SIZE(pre); i++)
			if (str_istarts_with(s, pre[i])) {
				s += strlen(pre[i]);
				again = true;
			}
	}
	return s;
}

static bool is_reply_subject(const char *s)
{
	return s && strip_reply_prefixes(s) != s;
}

static bool own_address(const struct intake *ix, const char *addr)
{
	return ix->cfg && addr && addr_equal(addr, ix->cfg->account.from_addr);
}

static bool looks_like_bounce(const struct message *m)
{
	if (m->return_path && !strcmp(m->return_path, "<>"))
		return true;
	if (m->report_type && (!strcmp(m->report_type, "delivery-status") || !strcmp(m->report_type, "feedback-report")))
		return true;
	const char *f = m->from.addr ? m->from.addr : "";
	return str_istarts_with(f, "mailer-daemon@") || str_istarts_with(f, "postmaster@") ||
	       str_istarts_with(f, "mail-daemon@") || mem_icase_find(f, strlen(f), "mailer-daemon") != NULL;
}

/* Rule 4: a reply to our subject from the contact's organisation (a coordinator or an
 * assistant answering for the attending). */
static int match_subject(struct intake *ix, const struct message *m, struct sent_ref *ref, struct err *e)
{
	if (!m->subject || !m->from.addr || !is_reply_subject(m->subject))
		return 0;
	char *org = addr_org_domain(addr_domain(m->from.addr));
	int r = store_find_sent_subject_org(ix->st, strip_reply_prefixes(m->subject), org, ref, e);
	free(org);
	return r;
}

int intake_relevant(struct intake *ix, const char *hdr, size_t n, bool *relevant, struct err *e)
{
	*relevant = false;
	struct message m;
	struct message_limits lim = MESSAGE_LIMITS_DEFAULT;
	lim.max_input = 64 * 1024;
	message_parse(hdr, n, &lim, &m, e);
	int rc = 0;
	struct sent_ref ref;
	if (m.message_id && ix->st && store_find_sent_id(ix->st, m.message_id, &ref, e) > 0)
		goto out; /* our own message (a Sent copy, or Bcc to self) */
	if (looks_like_bounce(&m) || (m.from.addr && own_address(ix, m.from.addr))) {
		*relevant = !own_address(ix, m.from.addr) || looks_like_bounce(&m);
		goto out;
	}
	for (size_t i = 0; i < m.n_in_reply_to && !*relevant; i++)
		if ((rc = store_find_sent_id(ix->st, m.in_reply_to[i], &ref, e)) != 0)
			*relevant = rc > 0;
	for (size_t i = 0; i < m.n_references && !*relevant && rc >= 0; i++)
		if ((rc = store_find_sent_id(ix->st, m.references[i], &ref, e)) != 0)
			*relevant = rc > 0;
	if (!*relevant && rc >= 0 && m.from.addr && (rc = store_find_contact_ref(ix->st, m.from.addr, &ref, e)) > 0)
		*relevant = true;
	if (!*relevant && rc >= 0 && m.from.addr && is_reply_subject(m.subject)) {
		char *org = addr_org_domain(addr_domain(m.from.addr));
		rc = store_org_known(ix->st, org, e);
		*relevant = rc > 0;
		free(org);
	}
out:
	message_release(&m);
	return rc < 0 ? -1 : 0;
}

static void fingerprint(const struct message *m, const char *raw, size_t n, char *out, size_t sz)
{
	if (m->message_id && *m->message_id) {
		snprintf(out, sz, "mid:%.240s", m->message_id);
		return;
	}
	/* no Message-ID: what identifies the message is its sender, date, subject and start */
	uint64_t h = 1469598103934665603ULL;
	const char *parts[] = { m->from.addr, m->date_raw, m->subject };
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++)
		for (const char *p = parts[i] ? parts[i] : ""; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	for (size_t i = 0; i < n && i < 4096; i++)
		if (raw[i] != '\r')
			h = (h ^ (unsigned char)raw[i]) * 1099511628211ULL;
	snprintf(out, sz, "hash:%016llx", (unsigned long long)h);
}

static void snippet_of(const char *text, char *out, size_t n)
{
	size_t o = 0;
	bool space = false;
	for (const char *p = text ? text : ""; *p && o + 4 < n; p++) {
		unsigned char c = (unsigned char)*p;
		if (isspace(c) || c < 0x20 || c == 0x7f) {
			space = o > 0;
			continue;
		}
		if (space && o + 1 < n)
			out[o++] = ' ';
		space = false;
		out[o++] = (char)c;
	}
	/* do not end inside a UTF-8 sequence */
	while (o > 0 && ((unsigned char)out[o - 1] & 0xc0) == 0x80)
		o--;
	if (o > 0 && ((unsigned char)out[o - 1] & 0xc0) == 0xc0)
		o--;
	out[o] = '\0';
}

static void add_id(struct intake_result *r, const char *id)
{
	for (size_t i = 0; i < r->n_in_reply_to; i++)
		if (!strcmp(r->in_reply_to[i], id))
			return; /* References usually repeats In-Reply-To */
	size_t cap = r->n_in_reply_to;
	r->in_reply_to = xgrow(r->in_reply_to, &cap, r->n_in_reply_to + 1, sizeof *r->in_reply_to);
	r->in_reply_to[r->n_in_reply_to++] = xstrdup(id);
}

/* The rules, in order: our Message-ID in In-Reply-To/References; a bounce naming our
 * message or a contact; the sender is a contact; a reply to our subject from the
 * contact's organisation. */
static int match(struct intake *ix, const struct message *m, const struct verdict *v, struct sent_ref *ref,
		 char *rule, size_t rulesz, struct err *e)
{
	int r = 0;
	if (!ix->st)
		return 0;
	for (size_t i = 0; i < m->n_in_reply_to && r == 0; i++)
		if ((r = store_find_sent_id(ix->st, m->in_reply_to[i], ref, e)) > 0)
			snprintf(rule, rulesz, "in-reply-to");
	for (size_t i = m->n_references; i-- > 0 && r == 0;)
		if ((r = store_find_sent_id(ix->st, m->references[i], ref, e)) > 0)
			snprintf(rule, rulesz, "references");
	if (r == 0 && v->label == VERDICT_BOUNCE) {
		if (v->bounce.orig_message_id && (r = store_find_sent_id(ix->st, v->bounce.orig_message_id, ref, e)) > 0)
			snprintf(rule, rulesz, "bounce-message-id");
		for (size_t i = 0; i < v->bounce.n_rcpts && r == 0; i++) {
			const struct bounce_rcpt *b = &v->bounce.rcpts[i];
			if ((r = store_find_contact_ref(ix->st, b->addr, ref, e)) > 0 ||
			    (r == 0 && b->alt_addr && (r = store_find_contact_ref(ix->st, b->alt_addr, ref, e)) > 0))
				snprintf(rule, rulesz, "bounce-recipient");
		}
		if (r == 0 && v->bounce.orig_to && (r = store_find_contact_ref(ix->st, v->bounce.orig_to, ref, e)) > 0)
			snprintf(rule, rulesz, "bounce-recipient");
		/* a bounce must name one of ours: the sender rule does not apply to it */
		return r;
	}
	if (r == 0 && m->from.addr && (r = store_find_contact_ref(ix->st, m->from.addr, ref, e)) > 0)
		snprintf(rule, rulesz, "sender");
	/* a coordinator who copies the attending: the contact is in To or Cc */
	if (r == 0 && m->from.addr) {
		const char *cc = message_header(m, "Cc");
		struct message_addr *as = NULL;
		size_t na = 0;
		if (cc)
			message_parse_addrs(cc, 50, &as, &na);
		for (size_t i = 0; i < na + m->n_to && r == 0; i++) {
			const char *a = i < na ? as[i].addr : m->to[i - na].addr;
			if (a && !own_address(ix, a) && (r = store_find_contact_ref(ix->st, a, ref, e)) > 0)
				snprintf(rule, rulesz, "cc");
		}
		for (size_t i = 0; i < na; i++)
			free(as[i].addr), free(as[i].name);
		free(as);
	}
	if (r == 0 && (r = match_subject(ix, m, ref, e)) > 0)
		snprintf(rule, rulesz, "coordinator");
	return r;
}

static const struct bounce_rcpt *bounce_for(const struct verdict *v, const char *email)
{
	for (size_t i = 0; i < v->bounce.n_rcpts; i++)
		if (addr_equal(v->bounce.rcpts[i].addr, email) ||
		    (v->bounce.rcpts[i].alt_addr && addr_equal(v->bounce.rcpts[i].alt_addr, email)))
			return &v->bounce.rcpts[i];
	return v->bounce.n_rcpts ? &v->bounce.rcpts[0] : NULL;
}

int intake_message(struct intake *ix, const char *raw, size_t n, const struct intake_src *src, time_t now,
		   struct intake_result *r, struct err *e)
{
	memset(r, 0, sizeof *r);
	r->bounce_hard = -1;
	struct message m;
	if (message_parse(raw, n, NULL, &m, e) < 0)
		return -1;
	for (size_t i = 0; i < m.n_in_reply_to; i++)
		add_id(r, m.in_reply_to[i]);
	for (size_t i = 0; i < m.n_references; i++)
		add_id(r, m.references[i]);
	struct verdict v;
	int rc = classify_message(&m, ix->rules, &v, e);
	if (rc < 0) {
		message_release(&m);
		return -1;
	}
	snprintf(r->label, sizeof r->label, "%s", verdict_label_name(v.label));
	snprintf(r->reason, sizeof r->reason, "%s", v.reason);
	snprintf(r->return_date, sizeof r->return_date, "%s", v.return_date);
	struct sent_ref ref;
	memset(&ref, 0, sizeof ref);
	struct sent_ref own;
	if (ix->st && m.message_id && store_find_sent_id(ix->st, m.message_id, &own, e) > 0) {
		r->own = true; /* our own message seen again (Sent copy, Bcc to self) */
		goto out;
	}
	if (!(v.label == VERDICT_BOUNCE) && own_address(ix, m.from.addr)) {
		r->own = true;
		goto out;
	}
	int found = match(ix, &m, &v, &ref, r->match_rule, sizeof r->match_rule, e);
	if (found < 0) {
		rc = -1;
		goto out;
	}
	if (v.label == VERDICT_BOUNCE) {
		const struct bounce_rcpt *b = bounce_for(&v, found ? ref.email : "");
		if (b) {
			snprintf(r->bounce_recipient, sizeof r->bounce_recipient, "%s", b->addr);
			snprintf(r->bounce_status, sizeof r->bounce_status, "%s", b->status);
			r->bounce_hard = b->hard && !(v.flags & VERDICT_DELAYED);
		} else {
			r->bounce_hard = 0;
		}
	}
	if (!found)
		goto out;
	r->relevant = true;
	snprintf(r->contact, sizeof r->contact, "%s", ref.email);
	snprintf(r->matched_message_id, sizeof r->matched_message_id, "%s", ref.message_id);
	if (ix->dry)
		goto out;
	char fp[300];
	fingerprint(&m, raw, n, fp, sizeof fp);
	char snippet[SNIPPET_MAX + 8];
	snippet_of(v.new_text, snippet, sizeof snippet);
	struct buf cond = BUF_INIT(2048);
	/* a JSON array of strings: the report reads it back item by item */
	for (size_t i = 0; i < v.n_conditions; i++) {
		buf_addstr(&cond, i ? "," : "[");
		json_write_string(&cond, v.conditions[i], strlen(v.conditions[i]));
	}
	if (v.n_conditions)
		buf_addch(&cond, ']');
	char diag[400] = "";
	if (v.label == VERDICT_BOUNCE) {
		const struct bounce_rcpt *b = bounce_for(&v, ref.email);
		snprintf(diag, sizeof diag, "%s%s%s", b ? b->status : "", b && b->diagnostic ? " " : "",
			 b && b->diagnostic ? b->diagnostic : "");
	}
	struct reply_rec rec = {
		.contact_id = ref.contact_id, .message_row = ref.message_row, .campaign_id = ref.campaign_id,
		.source = src ? src->source : "file", .folder = src ? src->folder : NULL,
		.uidvalidity = src ? src->uidvalidity : 0, .uid = src ? src->uid : 0,
		.rfc_message_id = m.message_id, .fingerprint = fp, .from_addr = m.from.addr, .from_name = m.from.name,
		.subject = m.subject, .date = m.has_date ? m.date : now, .label = r->label, .reason = v.reason,
		.match_rule = r->match_rule, .snippet = snippet, .new_text = v.new_text,
		.conditions = cond.len ? buf_str(&cond) : NULL, .return_date = v.return_date,
		.bounce_recipient = r->bounce_recipient[0] ? r->bounce_recipient : NULL,
		.bounce_status = v.label == VERDICT_BOUNCE ? diag : NULL, .bounce_hard = r->bounce_hard,
		.unsubscribe = (v.flags & VERDICT_UNSUBSCRIBE) != 0,
	};
	int64_t reply_id = 0;
	int added = store_reply_add(ix->st, &rec, now, &reply_id, e);
	if (added < 0) {
		rc = -1;
	} else if (added == 0) {
		r->duplicate = true;
	} else {
		r->recorded = true;
		struct outcome o = { ref.contact_id, ref.campaign_id, reply_id, ref.email, r->label,
				     r->bounce_hard == 1, rec.unsubscribe, diag[0] ? diag : v.reason };
		char detail[400];
		snprintf(detail, sizeof detail, "label=%s rule=%s from=%s", r->label, r->match_rule,
			 m.from.addr ? m.from.addr : "");
		struct event ev = { .kind = "reply", .campaign_id = ref.campaign_id, .contact_id = ref.contact_id,
				    .message_row = ref.message_row, .reply_id = reply_id, .detail = detail };
		if (store_event(ix->st, &ev, now, e) < 0 || outcome_apply(ix->st, ix->cfg, &o, now, &r->fx, e) < 0)
			rc = -1;
	}
	buf_release(&cond);
out:
	verdict_release(&v);
	message_release(&m);
	return rc;
}
