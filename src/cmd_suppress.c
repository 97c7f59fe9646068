/* cmd_suppress: the do-not-contact list — list, add, remove (bounces and "please remove me"
 * replies add to it automatically; this is where a person corrects it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "clock.h"
#include "cmd.h"
#include "err.h"
#include "log.h"
#include "store.h"
#include "util.h"
#include "ws.h"
#include "xalloc.h"

static int print_one(void *ud, const struct suppression *sp)
{
	char t[64];
	long *n = ud;
	printf("%-40s %-12s %-10s %s%s%s\n", sp->email, sp->campaign ? sp->campaign : "everywhere", sp->source,
	       fmt_utc(sp->created_at, t, sizeof t), *sp->reason ? "  " : "", sp->reason);
	(*n)++;
	return 0;
}

/* Suppression takes any address someone typed, so only trim and lower-case the domain;
 * it must match how import normalised it. */
static char *normalize(const char *in)
{
	char *out = NULL;
	struct err e;
	if (addr_normalize(in, &out, NULL, &e) == 0)
		return out;
	out = str_trim(xstrdup(in));
	char *at = strrchr(out, '@');
	if (at)
		str_lower(at + 1);
	return out;
}

int cmd_suppress(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option longopts[] = {
		{ "reason", required_argument, NULL, 'r' }, { "campaign", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *shortopts = "r:c:";
	const char *reason = NULL, *campaign = NULL;
	int opt;
	while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (opt) {
		case 'r': reason = optarg; break;
		case 'c': campaign = optarg; break;
		default: return cmd_opt_error("suppress", argc, argv, shortopts);
		}
	}
	const char *sub = optind < argc ? argv[optind++] : "list";
	int nargs = argc - optind;
	bool list = !strcmp(sub, "list"), add = !strcmp(sub, "add"), del = !strcmp(sub, "remove");
	if (!list && !add && !del)
		return cmd_usage_error("suppress", "unknown subcommand '%s' (list, add or remove)", sub);
	if (list && nargs)
		return cmd_usage_error("suppress", "'list' takes no arguments");
	if (!list && nargs < 1)
		return cmd_usage_error("suppress", "'%s' needs at least one address", sub);
	if (reason && mem_has_crlf_nul(reason, strlen(reason)))
		return cmd_usage_error("suppress", "--reason must be one line");

	struct err e = { 0 };
	struct ws *w;
	if (ws_open(ctx, WS_NEED_STORE, &w, &e) < 0)
		return cmd_fail(&e);
	int rc = 0;
	if (list) {
		long n = 0;
		if (store_suppress_each(w->st, print_one, &n, &e) < 0)
			rc = cmd_fail(&e);
		else
			log_info("%ld address%s on the do-not-contact list", n, n == 1 ? "" : "es");
		ws_close(w);
		return rc;
	}
	int64_t cid = 0;
	time_t now = clock_now();
	if (store_begin(w->st, &e) < 0)
		goto fail;
	if (campaign && store_campaign_lookup(w->st, campaign, &cid, &e) <= 0) {
		if (e.cls == ERR_NONE)
			err_set(&e, ERR_USAGE, 0, "no campaign '%s' in the database yet", campaign);
		goto fail;
	}
	for (int i = optind; i < argc; i++) {
		char *addr = normalize(argv[i]);
		if (!*addr || !strchr(addr, '@')) {
			err_set(&e, ERR_USAGE, 0, "'%s' is not an email address", argv[i]);
			free(addr);
			goto fail;
		}
		int64_t contact = 0;
		if (store_contact_lookup(w->st, addr, &contact, &e) < 0) {
			free(addr);
			goto fail;
		}
		char detail[512];
		if (add) {
			if (store_suppress_add(w->st, addr, cid, reason ? reason : "added by hand", "manual", now, &e) < 0) {
				free(addr);
				goto fail;
			}
			snprintf(detail, sizeof detail, "email=%s reason=\"%s\"", addr, reason ? reason : "added by hand");
			log_info("%s: will not be written to%s%s", addr, campaign ? " in campaign " : "", campaign ? campaign : "");
		} else {
			int n = store_suppress_remove(w->st, addr, cid, &e);
			if (n < 0) {
				free(addr);
				goto fail;
			}
			if (n == 0)
				log_warn("%s was not on the do-not-contact list%s%s", addr, campaign ? " of campaign " : "",
					 campaign ? campaign : "");
			else
				log_info("%s: removed from the do-not-contact list", addr);
			snprintf(detail, sizeof detail, "email=%s removed=%d", addr, n);
		}
		struct event ev = { .kind = add ? "suppress.add" : "suppress.remove", .campaign_id = cid,
				    .contact_id = contact, .detail = detail };
		free(addr);
		if (store_event(w->st, &ev, now, &e) < 0)
			goto fail;
	}
	if (store_commit(w->st, &e) < 0)
		goto fail;
	ws_close(w);
	return 0;
fail:
	store_rollback(w->st);
	ws_close(w);
	return cmd_fail(&e);
}
