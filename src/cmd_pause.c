/* cmd_pause: 'outreach pause' and 'outreach resume' — hold a whole campaign or one contact,
 * and let them go again (also after a stop rule paused colleagues). */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "cmd.h"
#include "config.h"
#include "err.h"
#include "log.h"
#include "store.h"
#include "store_msg.h"
#include "store_reply.h"
#include "util.h"
#include "ws.h"

/* --contact without --campaign in a workspace with several campaigns: every campaign the
 * contact is in (a stop rule paused them there; the user thinks of the person, not of
 * the campaign). Only paused enrolments are resumed, only active ones paused. */
static int contact_everywhere(struct ws *w, const char *contact, bool pause, struct err *e)
{
	time_t now = clock_now();
	int64_t pid = 0, ids[64];
	size_t n = 0;
	long changed = 0;
	int f = store_contact_lookup(w->st, contact, &pid, e);
	if (f <= 0)
		return f == 0 ? err_set(e, ERR_DATA, 0, "no contact '%s'", contact) : -1;
	if (store_begin(w->st, e) < 0)
		return -1;
	if (store_contact_campaigns(w->st, pid, ids, ARRAY_SIZE(ids), &n, e) < 0)
		goto rollback;
	for (size_t i = 0; i < n; i++) {
		struct contact_standing sd;
		char name[128], detail[400];
		if (store_standing(w->st, ids[i], pid, &sd, e) < 0 || store_campaign_name(w->st, ids[i], name, sizeof name, e) < 0)
			goto rollback;
		if (strcmp(sd.enrollment, pause ? "active" : "paused") != 0)
			continue;
		snprintf(detail, sizeof detail, "contact=%s", contact);
		struct event ev = { .kind = pause ? "pause" : "resume", .campaign_id = ids[i], .contact_id = pid, .detail = detail };
		if (store_enrollment_set(w->st, ids[i], pid, pause ? "paused" : "active", pause ? "paused by hand" : "resumed by hand",
					 now, e) < 0 ||
		    store_event(w->st, &ev, now, e) < 0)
			goto rollback;
		log_info("%s: %s in campaign %s", contact, pause ? "paused" : "resumed", name);
		changed++;
	}
	if (store_commit(w->st, e) < 0)
		goto rollback;
	if (!changed)
		log_info("%s: not %s in any campaign; nothing changed", contact, pause ? "active" : "paused");
	return 0;
rollback:
	store_rollback(w->st);
	return -1;
}

static int pause_resume(int argc, char **argv, struct cmd_ctx *ctx, bool pause)
{
	const char *name = pause ? "pause" : "resume";
	static const struct option longopts[] = {
		{ "campaign", required_argument, NULL, 'c' }, { "contact", required_argument, NULL, 'C' }, { NULL, 0, NULL, 0 },
	};
	const char *campaign = NULL, *contact = NULL;
	int opt;
	while ((opt = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': campaign = optarg; break;
		case 'C': contact = optarg; break;
		default: return cmd_opt_error(name, argc, argv, "c:");
		}
	}
	if (optind < argc)
		return cmd_usage_error(name, "unexpected argument '%s'", argv[optind]);
	struct err e = { 0 };
	struct ws *w;
	if (ws_open(ctx, WS_NEED_CONFIG | WS_NEED_STORE, &w, &e) < 0)
		return cmd_fail(&e);
	if (contact && !campaign && w->cfg->ncampaigns > 1) {
		int r = contact_everywhere(w, contact, pause, &e);
		ws_close(w);
		return r < 0 ? cmd_fail(&e) : 0;
	}
	const struct config_campaign *k = config_campaign(w->cfg, campaign, &e);
	int64_t cid = 0, pid = 0;
	time_t now = clock_now();
	if (!k || store_begin(w->st, &e) < 0)
		goto fail;
	if (store_campaign_ensure(w->st, k->name, now, &cid, &e) < 0)
		goto rollback;
	char detail[400];
	if (contact) {
		int f = store_contact_lookup(w->st, contact, &pid, &e);
		if (f <= 0) {
			if (f == 0)
				err_set(&e, ERR_DATA, 0, "no contact '%s'", contact);
			goto rollback;
		}
		if (store_enrollment_set(w->st, cid, pid, pause ? "paused" : "active",
					 pause ? "paused by hand" : "resumed by hand", now, &e) < 0)
			goto rollback;
		snprintf(detail, sizeof detail, "contact=%s", contact);
	} else {
		if (store_campaign_set_state(w->st, cid, pause ? "paused" : "active", now, &e) < 0)
			goto rollback;
		snprintf(detail, sizeof detail, "campaign=%s", k->name);
	}
	struct event ev = { .kind = pause ? "pause" : "resume", .campaign_id = cid, .contact_id = pid, .detail = detail };
	if (store_event(w->st, &ev, now, &e) < 0 || store_commit(w->st, &e) < 0)
		goto rollback;
	if (contact)
		log_info("%s: %s in campaign %s", contact, pause ? "paused" : "resumed", k->name);
	else
		log_info("campaign %s: %s", k->name, pause ? "paused: nothing will be sent until 'outreach resume'" : "resumed");
	ws_close(w);
	return 0;
rollback:
	store_rollback(w->st);
fail:
	ws_close(w);
	return cmd_fail(&e);
}

int cmd_pause(int argc, char **argv, struct cmd_ctx *ctx) { return pause_resume(argc, argv, ctx, true); }
int cmd_resume(int argc, char **argv, struct cmd_ctx *ctx) { return pause_resume(argc, argv, ctx, false); }
