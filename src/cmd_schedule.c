/* cmd_schedule: 'outreach schedule' — every upcoming send, when it goes in your time and in
 * the recipient's, and why. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "buf.h"
#include "cal.h"
#include "clock.h"
#include "cmd.h"
#include "config.h"
#include "contact.h"
#include "err.h"
#include "log.h"
#include "sender.h"
#include "store.h"
#include "store_msg.h"
#include "tz.h"
#include "util.h"
#include "ws.h"

struct sched {
	struct ws *w;
	const struct config_campaign *k;
	struct cal_window window;
	bool has_window;
	unsigned flags;
	time_t now;
	long n, held;
	struct err *e;
};

static void fmt_in(const char *zone, time_t t, char *buf, size_t n)
{
	if (tz_format(zone, t, buf, n, NULL) < 0)
		fmt_utc(t, buf, n);
}

static int one(void *ud, const struct sched_row *r)
{
	struct sched *s = ud;
	const struct config_account *a = &s->w->cfg->account;
	struct contact ct;
	if (store_contact_load(s->w->st, r->m.contact_id, NULL, &ct, s->e) < 0)
		return -1;
	struct tz_choice zc;
	struct err ze;
	if (tz_resolve(ct.field[CF_TIMEZONE], ct.field[CF_STATE], ct.field[CF_COUNTRY], a->timezone, &zc, &ze) < 0)
		snprintf(zc.why, sizeof zc.why, "account (%.150s)", ze.msg), snprintf(zc.zone, sizeof zc.zone, "%s", a->timezone);
	time_t at = r->m.due_at > s->now ? r->m.due_at : s->now;
	char why[300];
	if (r->m.state == MSG_FAILED_TEMP)
		snprintf(why, sizeof why, "retry %d after: %s", r->m.attempts + 1, r->m.last_error ? r->m.last_error : "");
	else if (r->m.step == 0)
		snprintf(why, sizeof why, "first message");
	else
		snprintf(why, sizeof why, "follow-up %d (%s after step %d)", r->m.step,
			 (size_t)r->m.step <= s->k->nfollowups ? s->k->followups[r->m.step - 1].delay : "?", r->m.step);
	/* an out-of-office note delays follow-ups to the business day after the return */
	struct contact_standing sd;
	if (r->m.step > 0 && store_standing(s->w->st, r->m.campaign_id, r->m.contact_id, &sd, &ze) == 0 &&
	    sd.return_date[0])
		snprintf(why + strlen(why), sizeof why - strlen(why), "; out of office until %s", sd.return_date);
	bool held = strcmp(r->enrollment, "active") != 0 || strcmp(r->campaign_state, "active") != 0;
	if (!held && s->has_window) {
		bool open = true;
		time_t next;
		if (cal_window_is_open(&s->window, zc.zone, s->flags, at, &open, &ze) == 0 && !open &&
		    cal_window_next_open(&s->window, zc.zone, s->flags, at, &next, &ze) == 0) {
			at = next;
			snprintf(why + strlen(why), sizeof why - strlen(why), "; window opens");
		}
	}
	char mine[64], theirs[64];
	fmt_in(a->timezone, at, mine, sizeof mine);
	fmt_in(zc.zone, at, theirs, sizeof theirs);
	struct buf b = BUF_INIT(4096);
	buf_add_cell(&b, r->m.email, 36);
	buf_printf(&b, "  %-4d ", r->m.step + 1);
	if (held) {
		buf_printf(&b, "%-22s %-22s ", "(paused)", "");
		snprintf(why, sizeof why, "%s", strcmp(r->campaign_state, "active") ? "campaign paused"
						 : r->enroll_reason ? r->enroll_reason : r->enrollment);
		s->held++;
	} else {
		buf_printf(&b, "%-22s %-22s ", mine, theirs);
	}
	buf_printf(&b, "%s  [zone: %s]\n", why, zc.why);
	fwrite(b.data, 1, b.len, stdout);
	buf_release(&b);
	contact_release(&ct);
	s->n++;
	return 0;
}

int cmd_schedule(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option longopts[] = { { "campaign", required_argument, NULL, 'c' }, { NULL, 0, NULL, 0 } };
	const char *campaign = NULL;
	int opt;
	while ((opt = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		if (opt != 'c')
			return cmd_opt_error("schedule", argc, argv, "c:");
		campaign = optarg;
	}
	if (optind < argc)
		return cmd_usage_error("schedule", "unexpected argument '%s'", argv[optind]);
	struct err e = { 0 };
	struct ws *w;
	if (ws_open(ctx, WS_NEED_CONFIG | WS_NEED_STORE, &w, &e) < 0)
		return cmd_fail(&e);
	struct sched s = { .w = w, .now = clock_now(), .e = &e };
	int64_t cid = 0;
	int rc = 0;
	if (!(s.k = config_campaign(w->cfg, campaign, &e)) || store_campaign_lookup(w->st, s.k->name, &cid, &e) < 0) {
		rc = cmd_fail(&e);
		goto out;
	}
	/* the times 'send' would use now: the current delays, the return dates recorded since */
	struct send_opts so = { .campaign = s.k->name, .dry_run = true };
	struct sender *snd = NULL;
	if (sender_open(w, &so, &snd, &e) < 0 || sender_replan(snd, &e) < 0) {
		sender_close(snd);
		rc = cmd_fail(&e);
		goto out;
	}
	sender_close(snd);
	if (store_campaign_lookup(w->st, s.k->name, &cid, &e) < 0) {
		rc = cmd_fail(&e);
		goto out;
	}
	const char *window = s.k->window ? s.k->window : w->cfg->account.window;
	if (window && cal_window_parse(window, &s.window, &e) == 0)
		s.has_window = true;
	s.flags = (s.k->skip_holidays || w->cfg->account.skip_holidays) ? CAL_SKIP_HOLIDAYS : 0;
	printf("%-36s  %-4s %-22s %-22s %s\n", "CONTACT", "STEP", "YOUR TIME", "THEIR TIME", "WHY");
	if (cid && store_schedule_each(w->st, cid, one, &s, &e) != 0) {
		rc = cmd_fail(&e);
		goto out;
	}
	log_info("%ld upcoming message%s%s%s%s", s.n, s.n == 1 ? "" : "s", s.held ? " (" : "", "",
		 s.held ? "some paused; 'outreach resume' lets them go)" : "");
	if (s.has_window)
		log_info("times respect the sending window '%s' in each recipient's zone; the daily limits and gaps may "
			 "spread them further", window);
out:
	ws_close(w);
	return rc;
}
