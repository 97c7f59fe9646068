/* outcome: what a reply means for the campaign — suppress, cancel, stop the sequence, pause
 * colleagues at the same hospital — applied the same way for polled, ingested and manual
 * verdicts. */
#include "outcome.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "contact.h"
#include "err.h"
#include "store.h"
#include "store_reply.h"
#include "util.h"

static const char *const labels[] = { "offer", "decline", "info_request", "auto_reply", "bounce", "other" };

bool outcome_label_valid(const char *label)
{
	for (size_t i = 0; i < ARRAY_SIZE(labels); i++)
		if (!strcmp(label, labels[i]))
			return true;
	return false;
}

bool outcome_is_human(const char *label)
{
	return strcmp(label, "auto_reply") != 0 && strcmp(label, "bounce") != 0;
}

static int event(struct store *s, const char *kind, const struct outcome *o, int64_t campaign_id, int64_t contact_id,
		 const char *detail, time_t now, struct err *e)
{
	struct event ev = { .kind = kind, .campaign_id = campaign_id, .contact_id = contact_id, .reply_id = o->reply_id,
			    .detail = detail };
	return store_event(s, &ev, now, e);
}

struct peers {
	struct store *s;
	const struct outcome *o;
	int64_t campaign_id;
	const char *why;
	time_t now;
	long paused;
	struct err *e;
};

static int pause_peer(void *ud, int64_t contact_id, const char *email)
{
	struct peers *p = ud;
	(void)email;
	if (store_enrollment_set(p->s, p->campaign_id, contact_id, "paused", p->why, p->now, p->e) < 0 ||
	    event(p->s, "stop-rule.paused", p->o, p->campaign_id, contact_id, p->why, p->now, p->e) < 0)
		return -1;
	p->paused++;
	return 0;
}

/* One campaign's share of the effects. */
static int apply_campaign(struct store *s, const struct config *cfg, const struct outcome *o, int64_t cid,
			  const struct contact *ct, time_t now, struct outcome_effects *fx, struct err *e)
{
	char detail[600];
	long n = 0;
	const char *label = o->label;
	if (!strcmp(label, "bounce") && o->hard_bounce) {
		if (store_cancel_pending(s, o->contact_id, cid, "outcome: the address bounced", now, &n, e) < 0 ||
		    store_enrollment_set(s, cid, o->contact_id, "stopped", "bounced", now, e) < 0)
			return -1;
		fx->cancelled += n;
		return 0;
	}
	if (!outcome_is_human(label))
		return 0;
	snprintf(detail, sizeof detail, "outcome: the contact replied (%s)", label);
	if (store_cancel_pending(s, o->contact_id, cid, detail, now, &n, e) < 0 ||
	    store_enrollment_set(s, cid, o->contact_id, "done", detail + 9, now, e) < 0)
		return -1;
	fx->cancelled += n;
	if (!strcmp(label, "decline")) {
		if (store_suppress_add(s, o->email, cid, "declined", "reply", now, e) < 0)
			return -1;
		fx->suppressed = true;
	}
	/* stop rules: one yes, no or "please stop" from a hospital pauses the others there */
	bool stops = !strcmp(label, "offer") || !strcmp(label, "decline") || o->unsubscribe;
	char name[128];
	if (!stops || !ct || !*ct->field[CF_HOSPITAL] || store_campaign_name(s, cid, name, sizeof name, e) < 0)
		return 0;
	const struct config_campaign *k = NULL;
	for (size_t i = 0; cfg && i < cfg->ncampaigns; i++)
		if (!strcmp(cfg->campaigns[i].name, name))
			k = &cfg->campaigns[i];
	if (!k || k->stop_scope == STOP_CONTACT)
		return 0;
	bool dept = k->stop_scope == STOP_DEPARTMENT;
	if (dept && !*ct->field[CF_DEPARTMENT])
		return 0;
	char why[400];
	snprintf(why, sizeof why, "stop rule: %s from %s at %s%s%s", o->unsubscribe ? "a request to stop" : label,
		 o->email, ct->field[CF_HOSPITAL], dept ? ", " : "", dept ? ct->field[CF_DEPARTMENT] : "");
	struct peers p = { s, o, cid, why, now, 0, e };
	if (store_peers_each(s, cid, o->contact_id, ct->field[CF_HOSPITAL], dept ? ct->field[CF_DEPARTMENT] : NULL,
			     pause_peer, &p, e) != 0)
		return -1;
	fx->paused += p.paused;
	return 0;
}

int outcome_apply(struct store *s, const struct config *cfg, const struct outcome *o, time_t now,
		  struct outcome_effects *fx, struct err *e)
{
	struct outcome_effects local = { 0 };
	if (!fx)
		fx = &local;
	if (!o->contact_id)
		return 0;
	char detail[600];
	if (!strcmp(o->label, "bounce") && o->hard_bounce) {
		snprintf(detail, sizeof detail, "bounced: %s", o->detail ? o->detail : "");
		if (store_suppress_add(s, o->email, 0, detail, "bounce", now, e) < 0 ||
		    event(s, "suppress.add", o, o->campaign_id, o->contact_id, detail, now, e) < 0)
			return -1;
		fx->suppressed = true;
	}
	if (o->unsubscribe) {
		long n = 0;
		if (store_suppress_add(s, o->email, 0, "asked not to be contacted", "reply", now, e) < 0 ||
		    store_cancel_pending(s, o->contact_id, 0, "outcome: asked not to be contacted", now, &n, e) < 0 ||
		    event(s, "suppress.add", o, o->campaign_id, o->contact_id, "asked not to be contacted", now, e) < 0)
			return -1;
		fx->suppressed = true;
		fx->cancelled += n;
	}
	struct contact ct;
	bool have_ct = store_contact_load(s, o->contact_id, NULL, &ct, e) == 0;
	int64_t ids[64];
	size_t n = 0;
	if (o->campaign_id) {
		ids[0] = o->campaign_id;
		n = 1;
	} else if (store_contact_campaigns(s, o->contact_id, ids, ARRAY_SIZE(ids), &n, e) < 0) {
		if (have_ct)
			contact_release(&ct);
		return -1;
	}
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = apply_campaign(s, cfg, o, ids[i], have_ct ? &ct : NULL, now, fx, e);
	if (have_ct)
		contact_release(&ct);
	if (rc == 0) {
		snprintf(detail, sizeof detail, "label=%s cancelled=%ld paused=%ld%s", o->label, fx->cancelled, fx->paused,
			 fx->suppressed ? " suppressed" : "");
		rc = event(s, "outcome", o, o->campaign_id, o->contact_id, detail, now, e);
	}
	return rc;
}

int outcome_override(struct store *s, const struct config *cfg, int64_t reply_id, const char *label,
		     const char *note, time_t now, struct outcome_effects *fx, struct err *e)
{
	if (!outcome_label_valid(label))
		return err_set(e, ERR_USAGE, 0, "'%s' is not a label; use offer, decline, info_request, auto_reply, bounce or other",
			       label);
	struct reply_info ri;
	if (store_reply_info(s, reply_id, &ri, e) < 0)
		return -1;
	if (store_reply_override(s, reply_id, label, note, now, e) < 0)
		return -1;
	/* undo what the earlier verdict did that the new one does not call for */
	if (!strcmp(ri.effective, "bounce") && strcmp(label, "bounce") != 0 &&
	    store_suppress_remove_source(s, ri.email, 0, "bounce", e) < 0)
		return -1;
	if (!strcmp(ri.effective, "decline") && strcmp(label, "decline") != 0 &&
	    store_suppress_remove_source(s, ri.email, ri.campaign_id, "reply", e) < 0)
		return -1;
	if (!strcmp(label, "auto_reply") && strcmp(ri.effective, "auto_reply") != 0) {
		/* not an answer after all: the sequence goes on */
		int64_t ids[64];
		size_t n = 0;
		if (ri.campaign_id) {
			ids[0] = ri.campaign_id;
			n = 1;
		} else if (store_contact_campaigns(s, ri.contact_id, ids, ARRAY_SIZE(ids), &n, e) < 0) {
			return -1;
		}
		for (size_t i = 0; i < n; i++) {
			long k = 0;
			if (store_uncancel(s, ri.contact_id, ids[i], now, &k, e) < 0 ||
			    store_enrollment_set(s, ids[i], ri.contact_id, "active", "re-activated by hand", now, e) < 0)
				return -1;
		}
	}
	struct outcome o = { ri.contact_id, ri.campaign_id, reply_id, ri.email, label,
			     !strcmp(label, "bounce"), ri.unsubscribe && strcmp(label, "auto_reply") != 0, "marked by hand" };
	char detail[300];
	snprintf(detail, sizeof detail, "from=%s to=%s%s%s", ri.effective, label, note ? " note=" : "", note ? note : "");
	struct event ev = { .kind = "reply.override", .campaign_id = ri.campaign_id, .contact_id = ri.contact_id,
			    .reply_id = reply_id, .detail = detail };
	if (store_event(s, &ev, now, e) < 0)
		return -1;
	return outcome_apply(s, cfg, &o, now, fx, e);
}
