/* cmd_send: 'outreach send' — show what is about to happen, ask, send what is due, and say
 * when the rest will go. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "cmd.h"
#include "config.h"
#include "err.h"
#include "log.h"
#include "sender.h"
#include "tz.h"
#include "util.h"
#include "ws.h"

static volatile int stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

struct ui {
	bool tty;         /* a progress bar on stderr */
	bool bar_shown;
	double started;
	const char *zone;
};

static void clear_bar(struct ui *u)
{
	if (u->bar_shown) {
		fputs("\r\033[K", stderr);
		u->bar_shown = false;
	}
}

static void when(const char *zone, time_t t, char *buf, size_t n)
{
	if (tz_format(zone, t, buf, n, NULL) < 0)
		fmt_utc(t, buf, n);
}

static void progress(void *ud, const struct send_event *ev)
{
	struct ui *u = ud;
	char t[64];
	switch (ev->outcome) {
	case SEND_SKIPPED:
		clear_bar(u);
		log_warn("%s: not sent: %s", ev->email, ev->detail);
		return;
	case SEND_POSTPONED:
		return;
	case SEND_WOULD_SEND:
		printf("would send step %d to %s: %s\n", ev->step + 1, ev->email, ev->detail);
		return;
	default:
		break;
	}
	if (u->tty && log_level() >= LOG_NORMAL && ev->total) {
		/* [=======>      ] 5/12  3.1/min  ETA 2m  jose.martinez@... */
		double el = clock_mono() - u->started;
		double rate = el > 0 ? (double)ev->done / el * 60.0 : 0;
		long left = ev->total - ev->done;
		int width = 24, fill = (int)(width * ev->done / (ev->total ? ev->total : 1));
		char bar[32];
		for (int i = 0; i < width; i++)
			bar[i] = i < fill ? '=' : i == fill ? '>' : ' ';
		bar[width] = '\0';
		long eta = rate > 0 ? (long)((double)left / rate * 60.0) : 0;
		clear_bar(u);
		if (ev->outcome != SEND_SENT && ev->outcome != SEND_TEST)
			log_info("%s: %s: %s", ev->email, send_outcome_name(ev->outcome), ev->detail);
		fprintf(stderr, "[%s] %ld/%ld  %.1f/min  ETA %ldm%02lds  %s", bar, ev->done, ev->total, rate, eta / 60,
			eta % 60, ev->email);
		fflush(stderr);
		u->bar_shown = true;
		return;
	}
	when(u->zone, ev->at, t, sizeof t);
	log_info("%s  %-11s %s (step %d): %s", t, send_outcome_name(ev->outcome), ev->email, ev->step + 1, ev->detail);
}

static bool ask(const char *question)
{
	fprintf(stderr, "%s [y/N] ", question);
	fflush(stderr);
	char line[32];
	if (!fgets(line, sizeof line, stdin))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

static int resolve(struct cmd_ctx *ctx, struct ui *u)
{
	struct err e = { 0 };
	struct ws *w;
	if (ws_open(ctx, WS_NEED_CONFIG | WS_NEED_STORE, &w, &e) < 0)
		return cmd_fail(&e);
	if (ws_lock(w, "send --resolve", &e) < 0) {
		ws_close(w);
		return cmd_fail(&e);
	}
	u->zone = w->cfg->account.timezone;
	long found = 0, missing = 0;
	int r = sender_resolve(w, ctx->verbosity, &found, &missing, progress, u, &e);
	ws_close(w);
	if (r < 0)
		return cmd_fail(&e);
	if (!found && !missing)
		log_info("no message is in doubt: nothing to resolve");
	else
		log_info("resolve: %ld found in the Sent folder (now 'sent'), %ld not found%s", found, missing,
			 missing ? "; decide for each: 'outreach resolve EMAIL sent' or 'outreach resolve EMAIL resend'" : "");
	return 0;
}

int cmd_send(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option longopts[] = {
		{ "campaign", required_argument, NULL, 'c' }, { "limit", required_argument, NULL, 'n' },
		{ "dry-run", no_argument, NULL, 'N' },         { "to-self", no_argument, NULL, 'T' },
		{ "wait", no_argument, NULL, 'w' },            { "yes", no_argument, NULL, 'y' },
		{ "drafts", no_argument, NULL, 'D' },          { "resolve", no_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	const char *shortopts = "c:n:wy";
	struct send_opts o = { 0 };
	bool yes = false, do_resolve = false;
	int opt;
	while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': o.campaign = optarg; break;
		case 'n':
			if (parse_long(optarg, 1, 1000000, &o.limit) < 0)
				return cmd_usage_error("send", "--limit takes a number from 1, not '%s'", optarg);
			break;
		case 'N': o.dry_run = true; break;
		case 'T': o.to_self = true; break;
		case 'w': o.wait = true; break;
		case 'y': yes = true; break;
		case 'D': o.drafts = true; break;
		case 'R': do_resolve = true; break;
		default: return cmd_opt_error("send", argc, argv, shortopts);
		}
	}
	if (optind < argc)
		return cmd_usage_error("send", "unexpected argument '%s'", argv[optind]);
	if ((o.to_self + o.drafts + o.dry_run + do_resolve) > 1)
		return cmd_usage_error("send", "--dry-run, --to-self, --drafts and --resolve exclude each other");
	struct ui u = { isatty(STDERR_FILENO) && !getenv("NO_PROGRESS"), false, clock_mono(), "UTC" };
	if (do_resolve)
		return resolve(ctx, &u);
	o.stop = &stop_flag;
	o.trace = ctx->verbosity;

	struct err e = { 0 };
	struct ws *w;
	if (ws_open(ctx, WS_NEED_CONFIG | WS_NEED_STORE, &w, &e) < 0)
		return cmd_fail(&e);
	const struct config_account *a = &w->cfg->account;
	u.zone = a->timezone;
	if (a->insecure)
		log_warn("insecure = yes in %s: server certificates are not verified", w->cfg->path);
	if (a->allow_plaintext)
		log_warn("allow_plaintext = yes in %s: mail and password may cross the network unencrypted", w->cfg->path);
	struct sender *s = NULL;
	int rc = 0;
	if (!o.dry_run && ws_lock(w, "send", &e) < 0) {
		rc = cmd_fail(&e);
		goto out;
	}
	if (sender_open(w, &o, &s, &e) < 0) {
		rc = cmd_fail(&e);
		goto out;
	}
	struct send_plan plan;
	if (sender_prepare(s, &plan, progress, &u, &e) < 0) {
		rc = cmd_fail(&e);
		goto out;
	}
	if (plan.recovered)
		log_warn("%ld message%s %s being sent when outreach last stopped: %s may have been delivered and will not "
			 "be resent; 'outreach send --resolve' checks your Sent folder, 'outreach resolve EMAIL sent|resend' "
			 "decides by hand", plan.recovered, plan.recovered == 1 ? "" : "s", plan.recovered == 1 ? "was" : "were",
			 plan.recovered == 1 ? "it" : "they");
	if (plan.due == 0) {
		log_info("nothing is due%s%s", plan.queued ? "; " : "", plan.queued ? "follow-ups are scheduled ('outreach schedule')" : "");
		goto out;
	}
	char t1[64] = "", t2[64] = "";
	if (o.dry_run) {
		log_info("dry run: %ld message%s due; building each one, nothing is sent or recorded", plan.due,
			 plan.due == 1 ? "" : "s");
	} else if (o.to_self) {
		log_info("sending %ld test message%s to %s (marked as tests, not recorded as sent)", o.limit ? o.limit : 1,
			 (o.limit ? o.limit : 1) == 1 ? "" : "s", a->from_addr);
	} else {
		when(u.zone, plan.pace.last_now_at, t1, sizeof t1);
		if (plan.pace.first_later_at)
			when(u.zone, plan.pace.first_later_at, t2, sizeof t2);
		bool limited = plan.pace.later && !plan.pace.first_later_at; /* only --limit holds them back */
		log_info("%s: %zu message%s can go now%s%s%s, %zu later%s%s%s; first: %s", o.drafts ? "drafts" : "send",
			 plan.pace.now, plan.pace.now == 1 ? "" : "s", plan.pace.now ? " (the last about " : "",
			 plan.pace.now ? t1 : "", plan.pace.now ? ")" : "", plan.pace.later,
			 limited ? " (--limit)" : plan.pace.later ? " (from " : "", limited ? "" : plan.pace.later ? t2 : "",
			 limited ? "" : plan.pace.later ? ")" : "", plan.first_recipient);
		if (plan.pace.later && !limited)
			log_info("  later because of: daily limit %zu, per-domain limit %zu, sending window %zu",
				 plan.pace.later_by[PACE_DAILY], plan.pace.later_by[PACE_DOMAIN], plan.pace.later_by[PACE_WINDOW]);
		if (!yes) {
			if (!isatty(STDIN_FILENO)) {
				log_error("not on a terminal: add --yes to confirm (or --dry-run to look first)");
				rc = EX_USAGE;
				goto out;
			}
			if (!ask(o.wait ? "Send them, waiting for the rest?" : "Send them now?")) {
				log_info("nothing was sent");
				goto out;
			}
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	/* a server that hangs up is an error to report (EPIPE), not a reason to die: libetpan
	 * writes with send() and no MSG_NOSIGNAL */
	signal(SIGPIPE, SIG_IGN);
	u.started = clock_mono();
	struct send_stats st;
	int r = sender_run(s, &st, progress, &u, &e);
	clear_bar(&u);
	if (r < 0)
		rc = cmd_fail(&e);
	if (!o.dry_run) {
		log_info("%s: %ld %s, %ld to retry, %ld failed, %ld unknown, %ld cancelled, %ld skipped",
			 stop_flag ? "stopped" : "done", st.sent + st.drafts + st.tests,
			 st.tests ? "test messages sent" : st.drafts ? "saved as drafts" : "sent", st.retry, st.failed,
			 st.unknown, st.cancelled, st.skipped);
		if (st.next_at) {
			when(u.zone, st.next_at, t1, sizeof t1);
			const char *why = st.next_reason == PACE_NOW ? "scheduled" : pace_reason_name(st.next_reason);
			log_info("%ld waiting; the next can go %s (%s)%s", st.later, t1, why,
				 o.wait ? "" : ": run 'outreach send' again then, or leave 'outreach run' going");
		}
	}
out:
	sender_close(s);
	ws_close(w);
	return rc;
}
