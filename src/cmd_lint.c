/* cmd_lint: 'outreach lint' — every reason a message of the campaign would be wrong, before
 * anything is sent: template errors, unknown variables, empty placeholders, bad headers,
 * attachments. */
#include <stdio.h>
#include <stdlib.h>

#include "campaign.h"
#include "cmd.h"
#include "config.h"
#include "err.h"
#include "log.h"
#include "ws.h"

int cmd_lint(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option longopts[] = {
		{ "campaign", required_argument, NULL, 'c' }, { "all", no_argument, NULL, 'a' }, { NULL, 0, NULL, 0 },
	};
	const char *shortopts = "c:a";
	const char *campaign = NULL;
	bool all = false;
	int opt;
	while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': campaign = optarg; break;
		case 'a': all = true; break;
		default: return cmd_opt_error("lint", argc, argv, shortopts);
		}
	}
	if (optind < argc)
		return cmd_usage_error("lint", "unexpected argument '%s'", argv[optind]);
	struct err e = { 0 };
	struct ws *w;
	if (ws_open(ctx, WS_NEED_CONFIG | WS_NEED_STORE, &w, &e) < 0)
		return cmd_fail(&e);
	struct campaign *c;
	if (campaign_open(w->cfg, w->root, campaign, &c, &e) < 0) {
		ws_close(w);
		if (e.cls == ERR_DATA) {
			/* a template that does not compile: compiler-style, like every other finding */
			fprintf(stderr, "%s\n", e.msg);
			log_info("lint: the templates have errors; nothing can be sent until they are fixed");
			return EX_DATAERR;
		}
		return cmd_fail(&e);
	}
	struct diags d;
	diags_init(&d);
	long n = 0, blocked = 0;
	int rc = campaign_check_all(c, w->st, &d, &n, &blocked, &e);
	if (rc < 0) {
		diags_release(&d);
		campaign_close(c);
		ws_close(w);
		return cmd_fail(&e);
	}
	diags_print(&d, stdout, all ? (size_t)-1 : 5);
	if (n == 0)
		log_warn("campaign '%s' has no contacts yet; run 'outreach import FILE.csv --campaign %s'", c->k->name,
			 c->k->name);
	log_info("lint: %ld contact%s, %zu step%s: %zu error%s, %zu warning%s%s", n, n == 1 ? "" : "s", c->nsteps,
		 c->nsteps == 1 ? "" : "s", d.errors, d.errors == 1 ? "" : "s", d.warnings, d.warnings == 1 ? "" : "s",
		 d.errors ? "" : " — ready to send");
	if (blocked)
		log_info("lint: %ld contact%s would not be sent until this is fixed", blocked, blocked == 1 ? "" : "s");
	rc = d.errors ? EX_DATAERR : 0;
	diags_release(&d);
	campaign_close(c);
	ws_close(w);
	return rc;
}
