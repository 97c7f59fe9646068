/* cmd_status: 'outreach status' — one screen: how far the campaign got, what is due next,
 * today's use of the daily limit, and the offers by name. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cal.h"
#include "clock.h"
#include "cmd.h"
#include "config.h"
#include "err.h"
#include "report.h"
#include "store_report.h"
#include "tz.h"
#include "util.h"
#include "ws.h"

#define STATUS_MAX_OFFERS 8

/* SGR sequences, or "" when colour is off (not a terminal, NO_COLOR set, TERM=dumb). */
struct paint {
	const char *bold, *dim, *green, *red, *yellow, *off;
};

static struct paint paint_for(FILE *f)
{
	static const struct paint none = { "", "", "", "", "", "" };
	static const struct paint ansi = { "\033[1m", "\033[2m", "\033[32m", "\033[31m", "\033[33m", "\033[0m" };
	/* https://no-color.org: present and not empty disables colour */
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
	if ((nc && *nc) || !isatty(fileno(f)) || !term || !strcmp(term, "dumb"))
		return none;
	return ansi;
}

static void when(const char *zone, time_t t, char *buf, size_t n)
{
	if (tz_format(zone, t, buf, n, NULL) < 0)
		fmt_utc(t, buf, n);
}

/* "Label          N  note" — label padded to a fixed column; colour around the number. */
static void line(const struct paint *p, const char *label, long n, const char *color, const char *note)
{
	printf("%-16s%s%4ld%s%s%s\n", label, n && color ? color : "", n, n && color ? p->off : "", note && *note ? "  " : "",
	       note ? note : "");
}

static const struct report_row *row_by_id(const struct report *r, int64_t id)
{
	for (size_t i = 0; i < r->nrows; i++)
		if (r->rows[i].contact_id == id)
			return &r->rows[i];
	return NULL;
}

static void show_next(const struct report *r, const struct paint *p, const char *zone)
{
	const struct report_summary *s = &r->sum;
	char t[64], who[256];
	long due_now = 0, waiting = 0;
	for (size_t i = 0; i < r->nrows; i++) {
		const struct report_row *w = &r->rows[i];
		/* what 'send' would consider: active contacts not on the do-not-contact list */
		if (!w->queued || strcmp(w->enrollment, "active") != 0 || w->suppressed)
			continue;
		waiting += w->queued;
		if (w->next_due <= r->now)
			due_now++;
	}
	printf("%sNext%s    ", p->bold, p->off);
	if (r->campaign_paused) {
		printf("the campaign is paused: nothing goes out until 'outreach resume'\n");
		return;
	}
	if (!s->next_due) {
		if (s->queued)
			printf("%ld message%s waiting, all for paused or stopped contacts\n", s->queued,
			       s->queued == 1 ? "" : "s");
		else if (s->by_status[REPORT_NOT_SENT])
			printf("nothing planned yet: 'outreach send' plans and sends the first messages\n");
		else
			printf("nothing is waiting\n");
		return;
	}
	const struct report_row *w = row_by_id(r, s->next_contact);
	snprintf(who, sizeof who, "%s", w ? (*w->name ? w->name : w->email) : "?");
	if (due_now) {
		printf("%ld attending%s due now (%ld message%s waiting): run 'outreach send'\n", due_now,
		       due_now == 1 ? " is" : "s are", waiting, waiting == 1 ? "" : "s");
		return;
	}
	when(zone, s->next_due, t, sizeof t);
	char step[32];
	if (s->next_step == 0)
		snprintf(step, sizeof step, "the first message");
	else
		snprintf(step, sizeof step, "follow-up %d", s->next_step);
	printf("%ld message%s waiting; the next is due %s (%s to %s)\n", waiting, waiting == 1 ? "" : "s", t, step, who);
	if (waiting < s->queued)
		printf("        %ld more for paused or stopped contacts\n", s->queued - waiting);
}

static int show_today(const struct ws *w, const struct report *r, const struct paint *p, long limit, struct err *e)
{
	const char *zone = w->cfg->account.timezone;
	struct cal_date d;
	time_t start;
	long n = 0;
	if (cal_local_date(r->now, zone, &d, e) < 0 || cal_day_start(d, zone, &start, e) < 0 ||
	    store_report_sent_since(w->st, start, &n, e) < 0)
		return -1;
	printf("%sToday%s   ", p->bold, p->off);
	if (limit > 0) {
		const char *c = n >= limit ? p->yellow : "";
		printf("%s%ld of %ld%s sent (daily limit, all campaigns, since midnight %s)%s\n", c, n, limit,
		       *c ? p->off : "", zone, n >= limit ? ": the rest waits for tomorrow" : "");
	} else {
		printf("%ld sent since midnight %s (no daily limit set)\n", n, zone);
	}
	return 0;
}

static void show_offers(const struct report *r, const struct paint *p)
{
	long n = r->sum.by_status[REPORT_OFFER];
	if (!n)
		return;
	printf("\n%s%sOffers (%ld)%s\n", p->bold, p->green, n, p->off);
	long shown = 0;
	for (size_t i = 0; i < r->nrows; i++) {
		const struct report_row *w = &r->rows[i];
		if (w->status != REPORT_OFFER)
			continue;
		if (shown++ == STATUS_MAX_OFFERS) {
			printf("  ... and %ld more: 'outreach report --format html -o report.html'\n", n - STATUS_MAX_OFFERS);
			break;
		}
		char date[16];
		report_local_date(r, w->reply_date, date);
		/* every string here was cleaned of control characters when the report was built, so
		 * a hostile name cannot drive the terminal */
		printf("  %s%s%s%s%s", p->green, *w->name ? w->name : w->email, *w->title ? ", " : "", w->title, p->off);
		const char *parts[] = { w->specialty, w->hospital };
		for (size_t k = 0; k < 2; k++)
			if (*parts[k])
				printf(" · %s", parts[k]);
		if (*w->city || *w->state)
			printf(" · %s%s%s", w->city, *w->city && *w->state ? ", " : "", w->state);
		printf(" %s· %s%s\n", p->dim, date, p->off);
		if (w->nconditions) {
			printf("    %sconditions:%s ", p->dim, p->off);
			for (size_t k = 0; k < w->nconditions; k++)
				printf("%s%s", k ? "; " : "", w->conditions[k]);
			printf("\n");
		}
		if (w->reply_from)
			printf("    %sanswered by%s %s\n", p->dim, p->off, w->reply_from);
	}
}

int cmd_status(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option longopts[] = {
		{ "campaign", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *shortopts = "c:";
	const char *campaign = NULL;
	int opt;
	while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': campaign = optarg; break;
		default: return cmd_opt_error("status", argc, argv, shortopts);
		}
	}
	if (optind < argc)
		return cmd_usage_error("status", "unexpected argument '%s'", argv[optind]);

	struct err e = { 0 };
	struct ws *w;
	if (ws_open(ctx, WS_NEED_CONFIG | WS_NEED_STORE, &w, &e) < 0)
		return cmd_fail(&e);
	struct report *r = NULL;
	const struct config_campaign *k = config_campaign(w->cfg, campaign, &e);
	if (!k || report_open(w->cfg, w->st, k->name, clock_now(), &r, &e) < 0) {
		ws_close(w);
		return cmd_fail(&e);
	}
	const char *zone = w->cfg->account.timezone;
	const struct report_summary *s = &r->sum;
	struct paint p = paint_for(stdout);
	char t[64], note[160], rate[16];

	when(zone, r->now, t, sizeof t);
	printf("%s%s%s%s%s · %s\n\n", p.bold, r->campaign, p.off, *r->owner ? " · " : "", r->owner, t);
	if (r->steps > 1)
		snprintf(note, sizeof note, "up to %ld messages (first message + %d follow-up%s)", s->planned_messages,
			 r->steps - 1, r->steps == 2 ? "" : "s");
	else
		snprintf(note, sizeof note, "one message each");
	printf("%-16s%4ld  attending%s, %s\n", "Planned", s->contacts, s->contacts == 1 ? "" : "s", note);
	snprintf(note, sizeof note, "attending%s, %ld message%s (%ld follow-up%s)", s->written_to == 1 ? "" : "s",
		 s->messages_sent, s->messages_sent == 1 ? "" : "s", s->follow_ups_sent, s->follow_ups_sent == 1 ? "" : "s");
	line(&p, "Sent", s->written_to, NULL, note);
	line(&p, "Bounced", s->by_status[REPORT_BOUNCED], p.red, NULL);
	if (isfinite(s->reply_rate)) {
		snprintf(rate, sizeof rate, "%.0f%%", s->reply_rate * 100);
		snprintf(note, sizeof note, "%s of the %ld reached", rate, s->reached);
	} else {
		note[0] = '\0';
	}
	line(&p, "Replied", s->replied, p.bold, note);
	line(&p, "  offers", s->by_status[REPORT_OFFER], p.green, NULL);
	line(&p, "  declines", s->by_status[REPORT_DECLINED], NULL, NULL);
	line(&p, "  info requests", s->by_status[REPORT_INFO_REQUEST], NULL,
	     s->by_status[REPORT_INFO_REQUEST] ? "they asked for your CV, dates or more: answer them" : NULL);
	if (s->by_status[REPORT_REPLIED])
		line(&p, "  other replies", s->by_status[REPORT_REPLIED], NULL, "read them: 'outreach replies'");
	line(&p, "Auto-replies", s->by_status[REPORT_OUT_OF_OFFICE], p.yellow,
	     s->by_status[REPORT_OUT_OF_OFFICE] ? "out of office: follow-ups wait for their return" : NULL);
	line(&p, "No answer yet", s->by_status[REPORT_NO_ANSWER], NULL, NULL);
	line(&p, "Unknown", s->by_status[REPORT_UNKNOWN], p.red,
	     s->by_status[REPORT_UNKNOWN] ? "may have been delivered: 'outreach send --resolve'" : NULL);
	if (s->by_status[REPORT_FAILED])
		line(&p, "Failed", s->by_status[REPORT_FAILED], p.red, "refused by the server: see the report");
	if (s->by_status[REPORT_PAUSED])
		line(&p, "Paused", s->by_status[REPORT_PAUSED], NULL, NULL);
	if (s->by_status[REPORT_STOPPED])
		line(&p, "Stopped", s->by_status[REPORT_STOPPED], NULL, NULL);
	if (s->by_status[REPORT_DO_NOT_CONTACT])
		line(&p, "Do not contact", s->by_status[REPORT_DO_NOT_CONTACT], NULL, NULL);
	if (s->by_status[REPORT_NOT_SENT])
		line(&p, "Not sent yet", s->by_status[REPORT_NOT_SENT], NULL, NULL);
	printf("\n");
	show_next(r, &p, zone);
	long limit = w->cfg->account.daily_limit;
	if (k->daily_limit && (!limit || k->daily_limit < limit))
		limit = k->daily_limit;
	int rc = show_today(w, r, &p, limit, &e) < 0 ? cmd_fail(&e) : 0;
	show_offers(r, &p);
	report_free(r);
	ws_close(w);
	return rc;
}
