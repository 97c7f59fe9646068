/* sender: the send loop — plan each step once, pace it, hand it to the transport, and record
 * every outcome so that no message ever goes out twice. */
#include "sender.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "cal.h"
#include "campaign.h"
#include "clock.h"
#include "config.h"
#include "contact.h"
#include "err.h"
#include "hooks.h"
#include "imap.h"
#include "log.h"
#include "secret.h"
#include "smtp.h"
#include "store.h"
#include "store_msg.h"
#include "tz.h"
#include "util.h"
#include "ws.h"
#include "xalloc.h"

#define QUEUE_BATCH 1000
#define BACKOFF_FIRST 300      /* 5 minutes after the first temporary failure */
#define BACKOFF_MAX (6 * 3600)
#define OAUTH_TOKEN_REUSE (45 * 60) /* Google's and Microsoft's access tokens live an hour */

struct sender {
	struct ws *w;
	const struct send_opts *o;
	struct campaign *c;
	int64_t campaign_id;
	struct cal_window window;
	bool has_window;
	struct pace_limits lim;
	bool paced;
	struct cal_duration delay[CAMPAIGN_MAX_STEPS];

	/* transports, opened on first use */
	struct smtp *smtp;
	struct imap *imap;
	char *sent_folder;
	bool save_sent;
	bool imap_failed;
	struct secret secret;
	bool have_secret;
	double secret_at;  /* clock_mono() when it was fetched */

	/* messages this run will not touch again (lint problems), and their random draws */
	int64_t *skip;
	size_t nskip, capskip;
	struct draw {
		int64_t id;
		double u;
	} *draws;
	size_t ndraws, capdraws;
	long tests_sent;
	long due_total;   /* messages due when the run was prepared: the progress bar's total */
};

const char *send_outcome_name(enum send_outcome o)
{
	static const char *const n[] = {
		[SEND_SENT] = "sent", [SEND_TEST] = "test", [SEND_DRAFT] = "draft", [SEND_RETRY] = "retry later",
		[SEND_FAILED] = "failed", [SEND_UNKNOWN] = "unknown", [SEND_CANCELLED] = "cancelled",
		[SEND_SKIPPED] = "skipped", [SEND_POSTPONED] = "postponed", [SEND_WOULD_SEND] = "would send",
	};
	return n[o];
}

static void emit(void (*progress)(void *, const struct send_event *), void *ud, enum send_outcome oc,
		 const char *email, int step, const char *detail, long done, long total, time_t at)
{
	if (!progress)
		return;
	struct send_event ev = { oc, email, step, detail, done, total, at };
	progress(ud, &ev);
}

static bool skipped(struct sender *s, int64_t id)
{
	for (size_t i = 0; i < s->nskip; i++)
		if (s->skip[i] == id)
			return true;
	return false;
}

static void skip_add(struct sender *s, int64_t id)
{
	s->skip = xgrow(s->skip, &s->capskip, s->nskip + 1, sizeof *s->skip);
	s->skip[s->nskip++] = id;
}

/* One uniform draw per message, kept until it goes (pace.h: re-drawing would favour short
 * gaps). */
static double draw_for(struct sender *s, int64_t id)
{
	for (size_t i = 0; i < s->ndraws; i++)
		if (s->draws[i].id == id)
			return s->draws[i].u;
	uint32_t r;
	random_bytes(&r, sizeof r);
	double u = (double)r / 4294967296.0;
	s->draws = xgrow(s->draws, &s->capdraws, s->ndraws + 1, sizeof *s->draws);
	s->draws[s->ndraws++] = (struct draw){ id, u };
	return u;
}

/* ------------------------------------------------------------------ open */

int sender_open(struct ws *w, const struct send_opts *o, struct sender **out, struct err *e)
{
	struct sender *s = xcalloc(1, sizeof *s);
	s->w = w;
	s->o = o;
	const struct config *cfg = w->cfg;
	const struct config_account *a = &cfg->account;
	if (campaign_open(cfg, w->root, o->campaign, &s->c, e) < 0)
		goto fail;
	const struct config_campaign *k = s->c->k;
	const char *window = k->window ? k->window : a->window;
	if (window) {
		if (cal_window_parse(window, &s->window, e) < 0)
			goto fail;
		s->has_window = true;
		s->lim.window = &s->window;
	}
	if (a->rate && cal_rate_parse(a->rate, &s->lim.rate, e) < 0)
		goto fail;
	if (a->gap && cal_gap_parse(a->gap, &s->lim.gap, e) < 0)
		goto fail;
	s->lim.daily_limit = a->daily_limit;
	if (k->daily_limit && (!s->lim.daily_limit || k->daily_limit < s->lim.daily_limit))
		s->lim.daily_limit = k->daily_limit;
	s->lim.domain_daily_limit = a->per_domain_daily_limit;
	s->lim.account_zone = a->timezone;
	s->lim.cal_flags = (k->skip_holidays || a->skip_holidays) ? CAL_SKIP_HOLIDAYS : 0;
	s->paced = s->has_window || s->lim.rate.count || s->lim.gap.max || s->lim.daily_limit ||
		   s->lim.domain_daily_limit;
	for (size_t i = 0; i < k->nfollowups; i++)
		if (cal_duration_parse(k->followups[i].delay, &s->delay[i + 1], e) < 0)
			goto fail;
	if (!a->smtp_url && !str_starts_with(a->transport, "maildir:") && !o->dry_run) {
		err_set(e, ERR_CONFIG, 0, "%s: [account] needs smtp_url to send (or transport = maildir:PATH)", cfg->path);
		goto fail;
	}
	*out = s;
	return 0;
fail:
	sender_close(s);
	return -1;
}

void sender_close(struct sender *s)
{
	if (!s)
		return;
	if (s->o->dry_run)
		store_rollback(s->w->st); /* the dry run's plan (sender_prepare) */
	smtp_close(s->smtp);
	imap_close(s->imap);
	secret_release(&s->secret);
	campaign_close(s->c);
	free(s->sent_folder);
	free(s->skip);
	free(s->draws);
	free(s);
}

/* ------------------------------------------------------------------ planning */

struct plan_ctx {
	struct sender *s;
	struct send_plan *plan;
	void (*progress)(void *, const struct send_event *);
	void *ud;
	time_t now;
	struct err *e;
};

static int plan_one(void *ud, int64_t contact_id, const char *email)
{
	struct plan_ctx *x = ud;
	struct sender *s = x->s;
	struct store *st = s->w->st;
	char reason[256];
	int sup = store_is_suppressed(st, email, s->campaign_id, reason, sizeof reason, x->e);
	if (sup < 0)
		return -1;
	if (sup) {
		x->plan->skipped_suppressed++;
		emit(x->progress, x->ud, SEND_SKIPPED, email, 0, reason, 0, 0, x->now);
		return 0;
	}
	if (!s->c->k->allow_overlap) {
		int el = store_written_elsewhere(st, contact_id, s->campaign_id, x->e);
		if (el < 0)
			return -1;
		if (el) {
			x->plan->skipped_overlap++;
			emit(x->progress, x->ud, SEND_SKIPPED, email, 0,
			     "already written to by another campaign (allow_overlap = yes to write again)", 0, 0, x->now);
			return 0;
		}
	}
	/* a contact whose message cannot be built is reported now and not planned */
	struct contact ct;
	if (store_contact_load(st, contact_id, NULL, &ct, x->e) < 0)
		return -1;
	struct diags d;
	diags_init(&d);
	char *id = campaign_message_id(s->w->cfg);
	/* the checks only: the message itself is composed when it goes */
	int r = campaign_build(s->c, 0, &ct, NULL, id, x->now, NULL, &d, x->e);
	contact_release(&ct);
	if (r == 0)
		r = store_plan(st, s->campaign_id, contact_id, 0, id, x->now, x->now, x->e) < 0 ? -1 : 0;
	else if (r > 0) {
		x->plan->skipped_lint++;
		char why[600];
		snprintf(why, sizeof why, "%s%s%s (see 'outreach lint')", d.n ? d.v[0].where : "",
			 d.n && *d.v[0].where ? ": " : "", d.n ? d.v[0].what : "cannot be built");
		emit(x->progress, x->ud, SEND_SKIPPED, email, 0, why, 0, 0, x->now);
		r = 0;
	}
	if (r == 0 && !x->plan->first_recipient[0])
		snprintf(x->plan->first_recipient, sizeof x->plan->first_recipient, "%s", email);
	free(id);
	diags_release(&d);
	return r;
}

/* The due time of step k (k >= 1) after the previous step went out at t, in the recipient's
 * zone, and no earlier than the business day after an out-of-office return date. */
static time_t followup_due(struct sender *s, int step, time_t prev_sent, const char *zone, const char *return_date)
{
	time_t due = prev_sent;
	struct err e2;
	if (cal_duration_apply(&s->delay[step], prev_sent, zone, s->lim.cal_flags, &due, &e2) < 0)
		due = prev_sent + 7 * 86400;
	if (return_date && *return_date) {
		struct cal_date rd;
		if (cal_date_parse(return_date, &rd, &e2) == 0) {
			struct cal_date next = cal_next_business_day(rd, s->lim.cal_flags);
			time_t start;
			if (cal_day_start(next, zone, &start, &e2) == 0 && start > due)
				due = start;
		}
	}
	return due;
}

static const char *recipient_zone(struct sender *s, const struct contact *ct, char *buf, size_t n)
{
	struct tz_choice ch;
	struct err e2;
	if (tz_resolve(ct->field[CF_TIMEZONE], ct->field[CF_STATE], ct->field[CF_COUNTRY], s->w->cfg->account.timezone,
		       &ch, &e2) < 0)
		snprintf(buf, n, "%s", s->w->cfg->account.timezone);
	else
		snprintf(buf, n, "%s", ch.zone);
	return buf;
}

/* A step removed from the config after launch: its messages not yet sent are cancelled
 * (they could never be built, and would stop every run). */
static int cancel_removed_steps(struct sender *s, time_t now, struct err *e)
{
	return store_cancel_steps_from(s->w->st, s->campaign_id, (int)s->c->nsteps, now, NULL, e);
}

/* Follow-ups: plan the next step of every contact whose previous step was sent, and
 * re-derive the due time of queued follow-ups from the current config (an edited delay
 * applies to what is not yet sent). */
static int plan_followups(struct sender *s, time_t now, struct err *e)
{
	struct store *st = s->w->st;
	struct msg *sent = NULL;
	size_t n = 0;
	if (s->c->nsteps < 2)
		return 0;
	if (store_messages_in_state(st, s->campaign_id, MSG_SENT, &sent, &n, e) < 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct msg *m = &sent[i];
		int next = m->step + 1;
		if ((size_t)next >= s->c->nsteps)
			continue;
		struct contact ct;
		if (store_contact_load(st, m->contact_id, NULL, &ct, e) < 0) {
			rc = -1;
			break;
		}
		char zone[TZ_NAME_MAX];
		recipient_zone(s, &ct, zone, sizeof zone);
		struct contact_standing sd;
		if (store_standing(st, s->campaign_id, m->contact_id, &sd, e) < 0) {
			contact_release(&ct);
			rc = -1;
			break;
		}
		time_t due = followup_due(s, next, m->sent_at, zone, sd.return_date);
		struct msg fu;
		int have = store_message_get(st, s->campaign_id, m->contact_id, next, &fu, e);
		if (have < 0) {
			rc = -1;
		} else if (have == 0) {
			char *id = campaign_message_id(s->w->cfg);
			if (store_plan(st, s->campaign_id, m->contact_id, next, id, due, now, e) < 0)
				rc = -1;
			free(id);
		} else {
			if (fu.state == MSG_QUEUED && fu.due_at != due &&
			    store_mark_retry(st, fu.id, MSG_QUEUED, false, due, 0, NULL, now, e) < 0)
				rc = -1;
			msg_release(&fu);
		}
		contact_release(&ct);
	}
	for (size_t i = 0; i < n; i++)
		msg_release(&sent[i]);
	free(sent);
	return rc;
}

int sender_replan(struct sender *s, struct err *e)
{
	struct store *st = s->w->st;
	time_t now = clock_now();
	if (store_begin(st, e) < 0)
		return -1;
	if (store_campaign_ensure(st, s->c->k->name, now, &s->campaign_id, e) < 0 || cancel_removed_steps(s, now, e) < 0 ||
	    plan_followups(s, now, e) < 0 ||
	    store_commit(st, e) < 0) {
		store_rollback(st);
		return -1;
	}
	return 0;
}

static int history(struct sender *s, time_t now, struct pace_history *h, time_t **times, time_t *day_start,
		   struct err *e)
{
	struct cal_date today;
	*day_start = now - 86400;
	if (cal_local_date(now, s->lim.account_zone, &today, e) < 0 || cal_day_start(today, s->lim.account_zone, day_start, e) < 0)
		return -1;
	time_t since = now - (s->lim.rate.count ? s->lim.rate.per : 0) - 1;
	size_t n = 0;
	long sent_today = 0;
	if (store_send_history(s->w->st, since, *day_start, times, &n, &sent_today, e) < 0)
		return -1;
	h->sends = *times;
	h->nsends = n;
	h->sent_today = sent_today;
	return 0;
}

int sender_prepare(struct sender *s, struct send_plan *plan,
		   void (*progress)(void *ud, const struct send_event *ev), void *ud, struct err *e)
{
	memset(plan, 0, sizeof *plan);
	struct store *st = s->w->st;
	time_t now = clock_now();
	if (store_begin(st, e) < 0)
		return -1;
	if (store_recover_sending(st, now, &plan->recovered, e) < 0 ||
	    store_campaign_ensure(st, s->c->k->name, now, &s->campaign_id, e) < 0)
		goto fail;
	struct plan_ctx x = { s, plan, progress, ud, now, e };
	long before = 0, after = 0;
	long counts[MSG_STATE_COUNT];
	if (store_state_counts(st, s->campaign_id, counts, e) < 0)
		goto fail;
	before = counts[MSG_QUEUED];
	if (store_unplanned_each(st, s->campaign_id, plan_one, &x, e) != 0)
		goto fail;
	if (cancel_removed_steps(s, now, e) < 0 || plan_followups(s, now, e) < 0)
		goto fail;
	if (store_state_counts(st, s->campaign_id, counts, e) < 0)
		goto fail;
	after = counts[MSG_QUEUED];
	plan->planned = after - before;
	plan->unknown = counts[MSG_UNKNOWN];
	/* A dry run keeps its plan in this open transaction, so that sender_run() finds and
	 * builds every message a real run would send; sender_close() rolls it back. (Rolled
	 * back here, a new campaign's dry run had an empty queue and built nothing.) */
	if (!s->o->dry_run && store_commit(st, e) < 0)
		goto fail;
	/* what is due now, and what the limits allow today */
	if (!s->paced) {
		/* No limit applies, so every due message can go now, in queue order: counting them
		 * is all pace_summarize() would conclude, and the paced path below holds the whole
		 * queue, a contact load and a domain count per message (memory and time in
		 * proportion to the campaign: 2.8x the peak RSS for 100k messages as for 1k). */
		char first[sizeof plan->first_recipient];
		long queued = 0, due_now = 0;
		if (store_queue_summary(st, s->campaign_id, now, &queued, &due_now, first, sizeof first, e) < 0)
			return -1;
		plan->queued = queued;
		plan->due = due_now;
		if (!plan->first_recipient[0])
			snprintf(plan->first_recipient, sizeof plan->first_recipient, "%s", first);
		plan->pace.now = (size_t)(s->o->limit && due_now > s->o->limit ? s->o->limit : due_now);
		plan->pace.last_now_at = now;
		if (s->o->limit && due_now > s->o->limit)
			plan->pace.later = (size_t)(due_now - s->o->limit);
		s->due_total = due_now;
		return 0;
	}
	struct msg *q = NULL;
	size_t nq = 0;
	if (store_queue(st, s->campaign_id, &q, &nq, 0, e) < 0)
		return -1;
	plan->queued = (long)nq;
	struct pace_item *items = xcalloc(nq ? nq : 1, sizeof *items);
	char (*zones)[TZ_NAME_MAX] = xcalloc(nq ? nq : 1, sizeof *zones);
	time_t *times = NULL, day_start;
	struct pace_history h;
	int rc = 0;
	size_t due = 0;
	if (history(s, now, &h, &times, &day_start, e) < 0)
		rc = -1;
	for (size_t i = 0; rc == 0 && i < nq; i++) {
		if (q[i].due_at > now)
			continue;
		if (!plan->first_recipient[0])
			snprintf(plan->first_recipient, sizeof plan->first_recipient, "%s", q[i].email);
		struct contact ct;
		if (store_contact_load(st, q[i].contact_id, NULL, &ct, e) < 0) {
			rc = -1;
			break;
		}
		recipient_zone(s, &ct, zones[due], sizeof zones[due]);
		contact_release(&ct);
		items[due].domain = addr_domain(q[i].email);
		items[due].zone = zones[due];
		if (store_sent_to_domain_since(st, items[due].domain, day_start, &items[due].domain_sent_today, e) < 0)
			rc = -1;
		due++;
	}
	plan->due = (long)due;
	if (rc == 0 && due) {
		if (s->o->limit && (long)due > s->o->limit)
			due = (size_t)s->o->limit;
		if (pace_summarize(now, &s->lim, &h, items, due, 0.5, &plan->pace, e) < 0)
			rc = -1;
		if (s->o->limit && plan->due > s->o->limit)
			plan->pace.later += (size_t)(plan->due - s->o->limit);
	}
	free(times);
	free(zones);
	free(items);
	for (size_t i = 0; i < nq; i++)
		msg_release(&q[i]);
	free(q);
	s->due_total = plan->due;
	return rc;
fail:
	store_rollback(st);
	return -1;
}

/* ------------------------------------------------------------------ transports */

static bool provider_saves_sent(const char *url)
{
	static const char *const hosts[] = { "gmail.com", "googlemail.com", "office365.com", "outlook.com",
					     "hotmail.com", "live.com" };
	char *host = secret_url_host(url);
	bool yes = false;
	for (size_t i = 0; i < ARRAY_SIZE(hosts); i++)
		if (str_ends_with(str_lower(host), hosts[i]))
			yes = true;
	free(host);
	return yes;
}

static int get_secret(struct sender *s, const char *url, struct err *e)
{
	/* a password is asked for once; an OAuth2 token (an hour's life at Google and
	 * Microsoft) again for every connection, so that a long run never offers a stale one */
	if (s->have_secret && !s->secret.oauth)
		return 0;
	if (s->have_secret) {
		secret_release(&s->secret);
		s->have_secret = false;
	}
	s->secret_at = clock_mono();
	char *host = secret_url_host(url);
	int r = secret_get(s->w->cfg, host, &s->secret, e);
	free(host);
	if (r == 0)
		s->have_secret = true;
	return r;
}

static int open_smtp(struct sender *s, struct err *e)
{
	if (s->smtp)
		return 0;
	const struct config_account *a = &s->w->cfg->account;
	if (get_secret(s, a->smtp_url, e) < 0)
		return -1;
	char *cafile = a->cafile ? config_path(s->w->cfg, a->cafile) : NULL;
	struct smtp_opts so = {
		.url = a->smtp_url, .ehlo = addr_domain(a->from_addr), .user = a->user,
		.password = s->secret.oauth ? NULL : s->secret.value,
		.oauth2_token = s->secret.oauth ? s->secret.value : NULL, .cafile = cafile,
		.insecure = a->insecure, .allow_plaintext = a->allow_plaintext, .timeout = a->timeout,
		.trace = s->o->trace,
	};
	int r = smtp_open(&so, &s->smtp, e);
	free(cafile);
	return r;
}

static int open_imap(struct sender *s, struct err *e)
{
	if (s->imap)
		return 0;
	const struct config_account *a = &s->w->cfg->account;
	if (!a->imap_url)
		return err_set(e, ERR_CONFIG, 0, "%s: [account] needs imap_url", s->w->cfg->path);
	if (get_secret(s, a->imap_url, e) < 0)
		return -1;
	char *cafile = a->cafile ? config_path(s->w->cfg, a->cafile) : NULL;
	struct imap_opts io = {
		.url = a->imap_url, .user = a->user, .password = s->secret.oauth ? NULL : s->secret.value,
		.oauth2_token = s->secret.oauth ? s->secret.value : NULL, .cafile = cafile, .insecure = a->insecure,
		.allow_plaintext = a->allow_plaintext, .timeout = a->timeout, .trace = s->o->trace,
	};
	int r = imap_connect(&io, &s->imap, e);
	free(cafile);
	return r;
}

/* Write into a Maildir the way every MUA expects: tmp/ first, then a rename into new/. */
static int maildir_deliver(const char *dir, const struct buf *bytes, char *name, size_t namesz, struct err *e)
{
	const char *subs[] = { "tmp", "new", "cur" };
	for (size_t i = 0; i < 3; i++) {
		char *p = xasprintf("%s/%s", dir, subs[i]);
		int r = mkdir_p(p, 0700, e);
		free(p);
		if (r < 0)
			return -1;
	}
	char *tok = random_token(12);
	char host[64] = "localhost";
	gethostname(host, sizeof host - 1);
	snprintf(name, namesz, "%lld.%ld_%s.%s", (long long)clock_now(), (long)getpid(), tok, host);
	free(tok);
	char *tmp = xasprintf("%s/tmp/%s", dir, name), *dst = xasprintf("%s/new/%s", dir, name);
	int rc = write_file_atomic(tmp, bytes->data, bytes->len, 0600, e);
	if (rc == 0 && rename(tmp, dst) < 0)
		rc = err_set(e, ERR_IO, errno, "cannot move '%s' into %s/new: %s", tmp, dir, strerror(errno));
	free(tmp), free(dst);
	return rc;
}

/* The user's copy in Sent: after the message is recorded, never before; a failure here is
 * a warning (the message went out). */
static void save_copy(struct sender *s, const struct outgoing *og, time_t now)
{
	if (!s->save_sent || s->imap_failed)
		return;
	struct err e = { 0 };
	if (!s->imap && open_imap(s, &e) < 0) {
		s->imap_failed = true;
		log_warn("cannot keep copies in the Sent folder: %s", e.msg);
		return;
	}
	if (!s->sent_folder) {
		const char *conf = s->w->cfg->account.sent_folder;
		if (conf)
			s->sent_folder = xstrdup(conf);
		else if (imap_special_folder(s->imap, "\\Sent", &s->sent_folder, &e) < 0 || !s->sent_folder) {
			s->imap_failed = true;
			log_warn("cannot keep copies in the Sent folder: %s",
				 e.msg[0] ? e.msg : "no folder marked \\Sent; set sent_folder in outreach.conf");
			return;
		}
	}
	if (imap_append(s->imap, s->sent_folder, og->bytes.data, og->bytes.len, "\\Seen", now, &e) < 0) {
		log_warn("could not save a copy in '%s': %s", s->sent_folder, e.msg);
		imap_close(s->imap);
		s->imap = NULL;
	}
}

/* ------------------------------------------------------------------ one message */

static long backoff(int attempts)
{
	long d = BACKOFF_FIRST;
	for (int i = 1; i < attempts && d < BACKOFF_MAX; i++)
		d *= 2;
	return d < BACKOFF_MAX ? d : BACKOFF_MAX;
}

static bool bad_address(int code, const char *text)
{
	/* 5.1.x: the mailbox or domain does not exist — as final as a hard bounce */
	const char *p = strstr(text, " 5.1.");
	return code >= 500 && code < 600 && p != NULL;
}

struct one {
	struct sender *s;
	void (*progress)(void *, const struct send_event *);
	void *ud;
	long done, total;
};

/* Why m must not go now: in *why, never (suppressed, the address bounced, the contact
 * replied), or NULL; in *hold, not yet (the contact or the campaign was paused or stopped
 * since the queue was read: the message stays as it is). reason holds a suppression's words. */
static int why_not(struct sender *s, const struct msg *m, char *reason, size_t size, const char **why, bool *hold,
		   struct err *e)
{
	*why = NULL;
	*hold = false;
	int sup = store_is_suppressed(s->w->st, m->email, s->campaign_id, reason, size, e);
	if (sup < 0)
		return -1;
	struct contact_standing sd = { 0 };
	if (store_standing(s->w->st, s->campaign_id, m->contact_id, &sd, e) < 0)
		return -1;
	if (sup)
		*why = reason;
	else if (m->step > 0 && sd.bounced)
		*why = "the address bounced";
	else if (m->step > 0 && sd.replied)
		*why = "the contact replied";
	else
		*hold = strcmp(sd.enrollment, "active") != 0 || strcmp(sd.campaign, "active") != 0;
	return 0;
}

/* A message held back by a pause that came after the queue was read: left queued, and not
 * tried again in this run. */
static int hold_one(struct sender *s, const struct msg *m)
{
	skip_add(s, m->id);
	log_verbose("%s (step %d): paused or stopped since the queue was read; left queued", m->email, m->step + 1);
	return 0;
}

enum cancel_mode {
	CANCEL_REPORT,  /* a dry run: say so, record nothing */
	CANCEL_OWN_TXN, /* record it in a transaction of its own */
	CANCEL_IN_TXN,  /* record it in the caller's transaction, and commit that */
};

static int cancel_one(struct one *x, const struct msg *m, struct send_stats *stats, const char *why, time_t now,
		      enum cancel_mode mode, struct err *e)
{
	struct store *st = x->s->w->st;
	if (mode != CANCEL_REPORT) {
		int c;
		if ((mode == CANCEL_OWN_TXN && store_begin(st, e) < 0) ||
		    (c = store_cancel_waiting(st, m->id, why, now, e)) < 0) {
			store_rollback(st);
			return -1;
		}
		if (c == 0) {
			/* cancelled (or taken) meanwhile by whoever recorded the reason: their words
			 * and their event stand; this run just leaves it */
			store_rollback(st);
			skip_add(x->s, m->id);
			return 0;
		}
		if (store_event(st, &(struct event){ .kind = "send.cancelled", .campaign_id = m->campaign_id,
						     .contact_id = m->contact_id, .message_row = m->id, .detail = why },
				now, e) < 0 ||
		    store_commit(st, e) < 0) {
			store_rollback(st);
			return -1;
		}
	}
	stats->cancelled++;
	emit(x->progress, x->ud, SEND_CANCELLED, m->email, m->step, why, x->done, x->total, now);
	return 0;
}

/* Returns 0 (go on), 1 (stop the run: e filled), -1 (error: e filled). */
static int send_one(struct one *x, struct msg *m, struct send_stats *stats, struct err *e)
{
	struct sender *s = x->s;
	struct store *st = s->w->st;
	const struct config_account *a = &s->w->cfg->account;
	time_t now = clock_now();
	char detail[600];

	/* decided at the last moment: suppressed, replied, bounced, paused since planning? */
	char reason[256];
	const char *cancel;
	bool hold;
	if (why_not(s, m, reason, sizeof reason, &cancel, &hold, e) < 0)
		return -1;
	if (cancel && !s->o->to_self)
		return cancel_one(x, m, stats, cancel, now, s->o->dry_run ? CANCEL_REPORT : CANCEL_OWN_TXN, e);
	if (hold && !s->o->to_self && !s->o->dry_run)
		return hold_one(s, m);

	struct contact ct;
	if (store_contact_load(st, m->contact_id, NULL, &ct, e) < 0)
		return -1;
	struct thread_rows tr = { 0 };
	if (m->step > 0 && store_thread(st, m->campaign_id, m->contact_id, &tr, e) < 0) {
		contact_release(&ct);
		return -1;
	}
	struct thread th = { tr.first_subject, (const char *const *)tr.ids, tr.nids, tr.last_text, tr.last_date };
	struct outgoing og;
	outgoing_init(&og);
	struct diags d;
	diags_init(&d);
	int rc = 0;
	const char *msgid = m->message_id;
	char *test_id = NULL;
	if (s->o->to_self) {
		/* a test copy: the sender's own address, a fresh Message-ID, never recorded as sent */
		test_id = campaign_message_id(s->w->cfg);
		msgid = test_id;
		free(ct.email);
		ct.email = xstrdup(a->from_addr);
		s->c->test_prefix = "[outreach test] ";
	}
	int b = campaign_build(s->c, (size_t)m->step, &ct, &th, msgid, now, &og, &d, e);
	s->c->test_prefix = NULL;
	if (b < 0) {
		rc = -1;
		goto out;
	}
	if (b > 0) {
		skip_add(s, m->id);
		stats->skipped++;
		snprintf(detail, sizeof detail, "%s%s%s (see 'outreach lint')", d.n ? d.v[0].where : "",
			 d.n && *d.v[0].where ? ": " : "", d.n ? d.v[0].what : "cannot be built");
		emit(x->progress, x->ud, SEND_SKIPPED, m->email, m->step, detail, x->done, x->total, now);
		goto out;
	}
	if (s->o->dry_run) {
		emit(x->progress, x->ud, SEND_WOULD_SEND, m->email, m->step, og.subject, x->done, x->total, now);
		skip_add(s, m->id);
		goto out;
	}
	bool maildir = str_starts_with(a->transport, "maildir:");
	/* libcurl reconnects by itself with the token it was given: past its likely life,
	 * a new connection with a new token */
	if (s->smtp && s->have_secret && s->secret.oauth && clock_mono() - s->secret_at > OAUTH_TOKEN_REUSE) {
		log_verbose("the OAuth2 token is %.0f minutes old: reconnecting with a fresh one",
			    (clock_mono() - s->secret_at) / 60);
		smtp_close(s->smtp);
		s->smtp = NULL;
	}
	if (!maildir && !s->o->drafts && open_smtp(s, e) < 0) {
		rc = 1;
		goto out;
	}
	if (s->o->to_self) {
		struct smtp_reply r;
		if (smtp_send(s->smtp, a->from_addr, a->from_addr, og.bytes.data, og.bytes.len, &r, e) < 0) {
			rc = 1;
			goto out;
		}
		stats->tests++;
		s->tests_sent++;
		skip_add(s, m->id);
		if (store_event(st, &(struct event){ .kind = "send.test", .campaign_id = m->campaign_id,
						     .contact_id = m->contact_id, .message_row = m->id, .detail = r.text },
				now, e) < 0) {
			rc = -1;
			goto out;
		}
		emit(x->progress, x->ud, SEND_TEST, m->email, m->step, r.text, x->done, x->total, now);
		goto out;
	}

	/* exactly once: 'sending' is durable before the first byte leaves */
	hook_crash("before-sending");
	hook_run("before-sending");
	if (store_durable(st, true, e) < 0 || store_begin(st, e) < 0) {
		store_rollback(st);
		rc = e->cls == ERR_TEMP ? 0 : -1;
		goto out;
	}
	/* the decisive look, under the write lock: a reply, a bounce or a "please stop" that
	 * another process (poll --watch beside this send) recorded since the first look
	 * cancels the message here, atomically with the decision */
	if (why_not(s, m, reason, sizeof reason, &cancel, &hold, e) < 0) {
		store_rollback(st);
		rc = -1;
		goto out;
	}
	if (cancel) {
		rc = cancel_one(x, m, stats, cancel, now, CANCEL_IN_TXN, e);
		goto out;
	}
	if (hold) {
		store_rollback(st);
		rc = hold_one(s, m);
		goto out;
	}
	if (store_mark_sending(st, m->id, now, e) < 0 ||
	    store_event(st, &(struct event){ .kind = "send.attempt", .campaign_id = m->campaign_id,
					     .contact_id = m->contact_id, .message_row = m->id, .detail = m->message_id },
			now, e) < 0 ||
	    store_commit(st, e) < 0) {
		store_rollback(st);
		rc = e->cls == ERR_TEMP ? 0 : -1; /* taken by another process: leave it */
		goto out;
	}
	struct smtp_reply r;
	memset(&r, 0, sizeof r);
	struct err se = { 0 };
	int sr;
	char qid[256] = "";
	if (maildir) {
		sr = maildir_deliver(a->transport + 8, &og.bytes, qid, sizeof qid, &se);
		snprintf(r.text, sizeof r.text, "delivered to %s", a->transport + 8);
		if (sr < 0)
			se.cls = ERR_TEMP; /* nothing was delivered: the file was never renamed into new/ */
	} else if (s->o->drafts) {
		sr = open_imap(s, &se);
		char *drafts = NULL;
		if (sr == 0 && !(drafts = a->drafts_folder ? xstrdup(a->drafts_folder) : NULL) &&
		    (imap_special_folder(s->imap, "\\Drafts", &drafts, &se) < 0 || !drafts))
			sr = err_set(&se, ERR_CONFIG, 0, "no Drafts folder found; set drafts_folder in outreach.conf");
		if (sr == 0)
			sr = imap_append(s->imap, drafts, og.bytes.data, og.bytes.len, "\\Draft", now, &se);
		if (sr == 0)
			snprintf(r.text, sizeof r.text, "saved in %s", drafts);
		else if (se.cls != ERR_SESSION && se.cls != ERR_CONFIG)
			se.cls = ERR_UNKNOWN; /* an APPEND cut short may still have been stored */
		free(drafts);
	} else {
		sr = smtp_send(s->smtp, a->from_addr, og.rcpt[0], og.bytes.data, og.bytes.len, &r, &se);
		snprintf(qid, sizeof qid, "%s", r.queue_id);
		/* Cc and Bcc: the same bytes, one transaction each, so that the physician's own
		 * outcome is never mixed with a copy's */
		for (size_t i = 1; sr == 0 && i < og.nrcpt; i++) {
			struct smtp_reply cr;
			struct err ce;
			if (smtp_send(s->smtp, a->from_addr, og.rcpt[i], og.bytes.data, og.bytes.len, &cr, &ce) < 0)
				log_warn("%s: the copy to %s was not sent: %s", m->email, og.rcpt[i], ce.msg);
		}
	}
	now = clock_now();
	if (sr == 0)
		hook_crash("after-accept");

	/* A 421, a timeout or a dropped connection once the recipient was named counts against
	 * this message (failed_temp with backoff, attempts capped), although the run stops:
	 * left untouched it would go first again on every run, and a recipient whose RCPT
	 * always ends the session would block the whole queue for good. Before RCPT the
	 * server or the network is at fault, and the message is untouched. */
	bool charged = se.cls == ERR_TEMP && (!r.stop || r.phase >= SMTP_RCPT);
	/* the outcome may be committed lazily (store_durable): lost to a power cut, the row is
	 * 'sending' again, which recovery turns into 'unknown' — never into a second send —
	 * and the next message's durable 'sending' commit flushes it anyway */
	if (store_durable(st, false, e) < 0 || store_begin(st, e) < 0)
		goto fatal;
	struct event ev = { .campaign_id = m->campaign_id, .contact_id = m->contact_id, .message_row = m->id };
	enum send_outcome oc;
	if (sr == 0 && s->o->drafts) {
		if (store_mark_final(st, m->id, MSG_UNKNOWN, 0,
				     "saved as a draft: send it from your mail client, then 'outreach send --resolve'", now, e) < 0)
			goto fatal;
		ev.kind = "send.draft";
		oc = SEND_DRAFT;
		stats->drafts++;
	} else if (sr == 0) {
		if (store_mark_sent(st, m->id, og.subject, og.text, qid, r.code, r.text, (long)og.bytes.len, now, e) < 0)
			goto fatal;
		/* the next step is planned in the same transaction as this one's 'sent' */
		if ((size_t)m->step + 1 < s->c->nsteps) {
			char zone[TZ_NAME_MAX];
			recipient_zone(s, &ct, zone, sizeof zone);
			char *id = campaign_message_id(s->w->cfg);
			int pr = store_plan(st, m->campaign_id, m->contact_id, m->step + 1, id,
					    followup_due(s, m->step + 1, now, zone, NULL), now, e);
			free(id);
			if (pr < 0)
				goto fatal;
		}
		ev.kind = "send.sent";
		oc = SEND_SENT;
		stats->sent++;
	} else if (se.cls == ERR_PERM) {
		if (store_mark_final(st, m->id, MSG_FAILED_PERM, r.code, se.msg, now, e) < 0)
			goto fatal;
		if (bad_address(r.code, r.text) &&
		    store_suppress_add(st, m->email, 0, r.text, "smtp", now, e) < 0)
			goto fatal;
		ev.kind = "send.failed";
		oc = SEND_FAILED;
		stats->failed++;
	} else if (se.cls == ERR_UNKNOWN) {
		if (store_mark_final(st, m->id, MSG_UNKNOWN, r.code, se.msg, now, e) < 0)
			goto fatal;
		ev.kind = "send.unknown";
		oc = SEND_UNKNOWN;
		stats->unknown++;
	} else if (charged && m->attempts + 1 < a->max_attempts) {
		if (store_mark_retry(st, m->id, MSG_FAILED_TEMP, true, now + backoff(m->attempts + 1), r.code, se.msg, now,
				     e) < 0)
			goto fatal;
		ev.kind = "send.retry";
		oc = SEND_RETRY;
		stats->retry++;
	} else if (charged) {
		char gave_up[700];
		snprintf(gave_up, sizeof gave_up, "gave up after %d attempts: %s", m->attempts + 1, se.msg);
		if (store_mark_final(st, m->id, MSG_FAILED_PERM, r.code, gave_up, now, e) < 0)
			goto fatal;
		ev.kind = "send.failed";
		oc = SEND_FAILED;
		stats->failed++;
	} else {
		/* the session failed before the message was handed over: it is untouched */
		if (store_mark_retry(st, m->id, m->state == MSG_FAILED_TEMP ? MSG_FAILED_TEMP : MSG_QUEUED, false,
				     m->due_at, 0, m->last_error, now, e) < 0)
			goto fatal;
		ev.kind = "send.stopped";
		oc = SEND_POSTPONED; /* the run stops and says why once, in its final error */
	}
	snprintf(detail, sizeof detail, "code=%d %s", r.code, sr == 0 ? r.text : se.msg);
	ev.detail = detail;
	if (store_event(st, &ev, now, e) < 0 || store_commit(st, e) < 0)
		goto fatal;
	x->done++;
	{
		const char *kv[] = { "email", m->email, "step", NULL, "state", ev.kind + 5, "reply", sr == 0 ? r.text : se.msg,
				     "queue_id", qid[0] ? qid : NULL, NULL };
		char stepbuf[16];
		snprintf(stepbuf, sizeof stepbuf, "%d", m->step + 1);
		kv[3] = stepbuf;
		log_event("send", kv);
	}
	emit(x->progress, x->ud, oc, m->email, m->step, sr == 0 ? r.text : se.msg, x->done, x->total, now);
	if (sr == 0 && !s->o->drafts && !maildir)
		save_copy(s, &og, now);
	hook_crash("between");
	if (sr < 0 && (r.stop || se.cls == ERR_SESSION || se.cls == ERR_CONFIG)) {
		*e = se;
		stats->stopped = true;
		rc = 1;
	}
	goto out;
fatal:
	store_rollback(st);
	rc = -1;
out:
	free(test_id);
	diags_release(&d);
	outgoing_release(&og);
	thread_rows_release(&tr);
	contact_release(&ct);
	return rc;
}

/* ------------------------------------------------------------------ the loop */

struct candidate {
	struct msg *m;
	struct pace_decision dec;
};

int sender_run(struct sender *s, struct send_stats *stats, void (*progress)(void *ud, const struct send_event *ev),
	       void *ud, struct err *e)
{
	memset(stats, 0, sizeof *stats);
	struct store *st = s->w->st;
	const struct config_account *a = &s->w->cfg->account;
	s->save_sent = a->save_sent == SAVE_SENT_YES ||
		       (a->save_sent == SAVE_SENT_AUTO && a->imap_url && a->smtp_url && !provider_saves_sent(a->smtp_url));
	if (s->o->to_self || s->o->drafts || str_starts_with(a->transport, "maildir:"))
		s->save_sent = false;
	struct one x = { s, progress, ud, 0, 0 };
	long budget = s->o->limit ? s->o->limit : (s->o->to_self ? 1 : 0);
	int rc = 0;
	for (;;) {
		if (s->o->stop && *s->o->stop) {
			stats->stopped = true;
			break;
		}
		if (budget && x.done + stats->tests + stats->skipped >= budget && !s->o->dry_run)
			break;
		struct msg *q = NULL;
		size_t nq = 0;
		if (store_queue(st, s->campaign_id, &q, &nq, QUEUE_BATCH, e) < 0)
			return -1;
		time_t now = clock_now();
		if (!x.total)
			x.total = s->due_total > (long)nq ? s->due_total : (long)nq;
		if (budget && x.total > budget)
			x.total = budget;
		time_t *times = NULL, day_start = 0;
		struct pace_history h = { 0 };
		if (s->paced && history(s, now, &h, &times, &day_start, e) < 0) {
			rc = -1;
			goto batch_done;
		}
		/* the message that may go first; ties keep queue order */
		struct candidate best = { NULL, { 0 } };
		long later = 0;
		time_t next_at = 0;
		enum pace_reason next_reason = PACE_NOW;
		for (size_t i = 0; i < nq; i++) {
			struct msg *m = &q[i];
			if (skipped(s, m->id))
				continue;
			struct pace_decision dec = { now > m->due_at ? now : m->due_at, PACE_NOW, 0, 0 };
			if (s->paced) {
				struct contact ct;
				if (store_contact_load(st, m->contact_id, NULL, &ct, e) < 0) {
					rc = -1;
					goto batch_done;
				}
				char zone[TZ_NAME_MAX];
				recipient_zone(s, &ct, zone, sizeof zone);
				contact_release(&ct);
				struct pace_target t = { zone, 0 };
				if (store_sent_to_domain_since(st, addr_domain(m->email), day_start, &t.domain_sent_today, e) < 0 ||
				    pace_next(dec.at, &s->lim, &h, &t, draw_for(s, m->id), &dec, e) < 0) {
					rc = -1;
					goto batch_done;
				}
			}
			if (!best.m || dec.at < best.dec.at) {
				best.m = m;
				best.dec = dec;
			}
			if (!s->paced && dec.at <= now)
				break; /* unpaced: queue order is sending order */
		}
		if (!best.m) {
			stats->next_at = 0;
			goto batch_done_empty;
		}
		for (size_t i = 0; i < nq; i++)
			if (!skipped(s, q[i].id))
				later++;
		next_at = best.dec.at;
		next_reason = best.dec.reason;
		if (best.dec.at > now) {
			bool short_wait = best.dec.reason == PACE_RATE || best.dec.reason == PACE_GAP;
			bool not_due_yet = best.dec.reason == PACE_NOW; /* a follow-up whose day has not come */
			if (!s->o->dry_run && (s->o->wait || (short_wait && !not_due_yet))) {
				if (progress && log_level() >= LOG_VERBOSE) {
					char t[64];
					log_verbose("waiting until %s (%s)", fmt_utc(best.dec.at, t, sizeof t),
						    pace_reason_name(best.dec.reason));
				}
				clock_sleep((double)(best.dec.at - now), s->o->stop);
				goto batch_done;
			}
			stats->later = later;
			stats->next_at = next_at;
			stats->next_reason = next_reason;
			emit(progress, ud, SEND_POSTPONED, best.m->email, best.m->step, pace_reason_name(next_reason), x.done,
			     x.total, next_at);
			goto batch_done_empty;
		}
		int r = send_one(&x, best.m, stats, e);
		if (r < 0)
			rc = -1;
		else if (r > 0)
			rc = -1, stats->stopped = true;
		/* unpaced: send the rest of this batch in order without re-reading the queue */
		for (size_t i = 0; rc == 0 && !s->paced && i < nq; i++) {
			struct msg *m = &q[i];
			if (m == best.m || skipped(s, m->id) || m->due_at > clock_now())
				continue;
			if ((s->o->stop && *s->o->stop) || (budget && x.done + stats->tests + stats->skipped >= budget))
				break;
			r = send_one(&x, m, stats, e);
			if (r != 0) {
				rc = -1;
				if (r > 0)
					stats->stopped = true;
			}
		}
batch_done:
		free(times);
		for (size_t i = 0; i < nq; i++)
			msg_release(&q[i]);
		free(q);
		if (rc < 0)
			return -1;
		continue;
batch_done_empty:
		free(times);
		for (size_t i = 0; i < nq; i++)
			msg_release(&q[i]);
		free(q);
		break;
	}
	return rc;
}

/* ------------------------------------------------------------------ resolve */

int sender_resolve(struct ws *w, int trace, long *found, long *missing,
		   void (*progress)(void *ud, const struct send_event *ev), void *ud, struct err *e)
{
	*found = *missing = 0;
	struct msg *v = NULL;
	size_t n = 0;
	if (store_messages_in_state(w->st, 0, MSG_UNKNOWN, &v, &n, e) < 0)
		return -1;
	if (n == 0) {
		free(v);
		return 0;
	}
	struct send_opts o = { .trace = trace };
	struct sender s = { .w = w, .o = &o };
	int rc = 0;
	char *folder = NULL;
	if (open_imap(&s, e) < 0) {
		rc = -1;
		goto out;
	}
	folder = w->cfg->account.sent_folder ? xstrdup(w->cfg->account.sent_folder) : NULL;
	if (!folder && (imap_special_folder(s.imap, "\\Sent", &folder, e) < 0 || !folder)) {
		if (!folder)
			err_set(e, ERR_CONFIG, 0, "no folder marked \\Sent on the server; set sent_folder in outreach.conf");
		rc = -1;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		bool in_sent = false;
		if (imap_has_message_id(s.imap, folder, v[i].message_id, &in_sent, e) < 0) {
			rc = -1;
			break;
		}
		time_t now = clock_now();
		if (!in_sent) {
			(*missing)++;
			emit(progress, ud, SEND_UNKNOWN, v[i].email, v[i].step, "not in the Sent folder", 0, 0, now);
			continue;
		}
		char detail[300];
		snprintf(detail, sizeof detail, "found in %s", folder);
		if (store_begin(w->st, e) < 0 ||
		    store_mark_sent(w->st, v[i].id, v[i].subject, NULL, NULL, 0, detail, 0, now, e) < 0 ||
		    store_event(w->st, &(struct event){ .kind = "send.resolved", .campaign_id = v[i].campaign_id,
							.contact_id = v[i].contact_id, .message_row = v[i].id, .detail = detail },
				now, e) < 0 ||
		    store_commit(w->st, e) < 0) {
			store_rollback(w->st);
			rc = -1;
			break;
		}
		(*found)++;
		emit(progress, ud, SEND_SENT, v[i].email, v[i].step, detail, 0, 0, now);
	}
out:
	free(folder);
	imap_close(s.imap);
	secret_release(&s.secret);
	for (size_t i = 0; i < n; i++)
		msg_release(&v[i]);
	free(v);
	return rc;
}
