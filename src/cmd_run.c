/* cmd_run: 'outreach run' — the long-running loop: send what is due within the limits and
 * windows, watch the mailbox, plan follow-ups as time passes and replies arrive. One line
 * per event; one instance per workspace. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cmd.h"
#include "config.h"
#include "err.h"
#include "intake.h"
#include "log.h"
#include "poller.h"
#include "sender.h"
#include "tz.h"
#include "util.h"
#include "ws.h"

#define IDLE_MAX (25 * 60)   /* re-issue IDLE well within RFC 2177's 29 minutes */
#define BACKOFF_MAX 300

static volatile int stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static const char *zone_of_run = "UTC";

static void line(const char *what, const char *email, int step, const char *detail)
{
	char t[64];
	if (tz_format(zone_of_run, clock_now(), t, sizeof t, NULL) < 0)
		fmt_utc(clock_now(), t, sizeof t);
	if (step >= 0)
		printf("%s  %-10s %s (step %d): %s\n", t, what, email, step + 1, detail ? detail : "");
	else
		printf("%s  %-10s %s%s%s\n", t, what, email, detail ? ": " : "", detail ? detail : "");
	fflush(stdout);
}

static void on_send(void *ud, const struct send_event *ev)
{
	(void)ud;
	if (ev->outcome == SEND_POSTPONED)
		return;
	line(send_outcome_name(ev->outcome), ev->email, ev->step, ev->detail);
}

static void on_reply(void *ud, const struct intake_result *r)
{
	(void)ud;
	char detail[400];
	snprintf(detail, sizeof detail, "%s (%s)%s%s%s", r->reason, r->match_rule, r->return_date[0] ? "; back on " : "",
		 r->return_date, r->fx.paused ? "; colleagues at the same hospital paused" : "");
	line(r->label, r->contact, -1, detail);
}

/* One pass over every campaign's queue. Returns 0, or -1 when the run must stop (e set:
 * configuration or authentication), and the earliest time anything is due next. */
static int send_cycle(struct ws *w, int trace, time_t *next, bool *transient, struct err *e)
{
	*next = 0;
	*transient = false;
	for (size_t i = 0; i < w->cfg->ncampaigns && !stop_flag; i++) {
		struct send_opts o = { .campaign = w->cfg->campaigns[i].name, .stop = &stop_flag, .trace = trace };
		struct sender *s;
		if (sender_open(w, &o, &s, e) < 0)
			return -1;
		struct send_plan plan;
		struct send_stats st;
		int r = sender_prepare(s, &plan, on_send, NULL, e);
		if (r == 0 && plan.recovered)
			line("recovered", "", -1, "messages interrupted while sending are now 'unknown' (see 'send --resolve')");
		if (r == 0)
			r = sender_run(s, &st, on_send, NULL, e);
		sender_close(s);
		if (r < 0) {
			if (e->cls == ERR_TEMP) {
				*transient = true;
				line("deferred", "", -1, e->msg);
				continue;
			}
			return -1;
		}
		if (st.next_at && (!*next || st.next_at < *next))
			*next = st.next_at;
	}
	return 0;
}

int cmd_run(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option longopts[] = {
		{ "for", required_argument, NULL, 'f' }, { "no-poll", no_argument, NULL, 'P' }, { NULL, 0, NULL, 0 },
	};
	long duration = 0;
	bool poll = true;
	int opt;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			if (parse_long(optarg, 1, 365L * 86400, &duration) < 0)
				return cmd_usage_error("run", "--for takes a number of seconds, not '%s'", optarg);
			break;
		case 'P': poll = false; break;
		default: return cmd_opt_error("run", argc, argv, "");
		}
	}
	if (optind < argc)
		return cmd_usage_error("run", "unexpected argument '%s'", argv[optind]);
	struct err e = { 0 };
	struct ws *w;
	if (ws_open(ctx, WS_NEED_CONFIG | WS_NEED_STORE, &w, &e) < 0)
		return cmd_fail(&e);
	if (ws_lock(w, "run", &e) < 0) {
		ws_close(w);
		log_error("%s", e.msg);
		return EX_TEMPFAIL;
	}
	/* as 'send' and 'poll' do, once at the start of what may run for weeks */
	if (w->cfg->account.insecure)
		log_warn("insecure = yes in %s: server certificates are not verified", w->cfg->path);
	if (w->cfg->account.allow_plaintext)
		log_warn("allow_plaintext = yes in %s: mail and password may cross the network unencrypted", w->cfg->path);
	zone_of_run = w->cfg->account.timezone;
	if (!w->cfg->account.imap_url)
		poll = false;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	time_t started = clock_now();
	line("started", w->root, -1, poll ? "sending and watching the mailbox" : "sending");
	struct poller *p = NULL;
	long backoff = 5;
	int rc = 0;
	while (!stop_flag) {
		if (duration && clock_now() - started >= duration)
			break;
		time_t next = 0;
		bool transient = false;
		if (send_cycle(w, ctx->verbosity, &next, &transient, &e) < 0) {
			rc = cmd_fail(&e);
			break;
		}
		if (stop_flag)
			break;
		bool poll_failed = false;
		if (poll) {
			if (!p && poller_open(w, ctx->verbosity, &stop_flag, &p, &e) < 0) {
				if (e.cls == ERR_SESSION || e.cls == ERR_CONFIG) {
					rc = cmd_fail(&e);
					break;
				}
				line("offline", "", -1, e.msg);
				poll_failed = true;
			}
			struct poll_stats st = { 0 };
			if (p && poller_poll(p, &st, on_reply, NULL, &e) < 0) {
				if (e.cls == ERR_IO) {
					rc = cmd_fail(&e);
					break;
				}
				line("offline", "", -1, e.msg);
				poller_close(p);
				p = NULL;
				poll_failed = true;
			}
			/* a reply may have cancelled or re-timed steps: plan again at once */
			if (st.recorded)
				continue;
		}
		/* wait for the next due send, for news in the mailbox, or for the network */
		time_t now = clock_now();
		long wait = IDLE_MAX;
		if (next && next > now && next - now < wait)
			wait = (long)(next - now);
		if (next && next <= now)
			wait = 1;
		if (transient || poll_failed) {
			wait = backoff < wait ? backoff : wait;
			backoff = backoff < BACKOFF_MAX ? backoff * 2 : BACKOFF_MAX;
		} else {
			backoff = 5;
		}
		if (duration && started + duration - now < wait)
			wait = (long)(started + duration - now);
		if (wait < 1)
			wait = 1;
		if (p) {
			if (poller_wait(p, (int)wait, &e) < 0) {
				line("offline", "", -1, e.msg);
				poller_close(p);
				p = NULL;
			}
		} else {
			clock_sleep((double)wait, &stop_flag);
		}
	}
	poller_close(p);
	if (rc == 0)
		line("stopped", w->root, -1, stop_flag ? "on request; the current message was finished and recorded" : "time is up");
	ws_close(w);
	return rc;
}
