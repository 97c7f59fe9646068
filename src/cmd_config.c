/* cmd_config: 'outreach config [check]' — validate outreach.conf and show what is in effect. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "err.h"
#include "log.h"
#include "rules.h"
#include "ws.h"

static const char *yn(bool b) { return b ? "yes" : "no"; }
static const char *or_none(const char *s) { return s ? s : "(none)"; }

int cmd_config(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option longopts[] = { { NULL, 0, NULL, 0 } };
	if (getopt_long(argc, argv, "", longopts, NULL) != -1)
		return cmd_opt_error("config", argc, argv, "");
	bool check_only = false;
	if (optind < argc) {
		if (argc - optind == 1 && !strcmp(argv[optind], "rules")) {
			/* the built-in classification rules, to copy and adapt (rules = FILE) */
			size_t n = 0;
			const char *text = rules_default_text(&n);
			fwrite(text, 1, n, stdout);
			return 0;
		}
		if (strcmp(argv[optind], "check") || argc - optind > 1)
			return cmd_usage_error("config", "expected 'check', 'rules' or nothing");
		check_only = true;
	}
	struct err e = { 0 };
	struct ws *w;
	if (ws_open(ctx, WS_NEED_CONFIG, &w, &e) < 0)
		return cmd_fail(&e);
	const struct config *c = w->cfg;
	const struct config_account *a = &c->account;
	if (a->insecure)
		log_warn("%s: insecure = yes: server certificates are NOT verified; anyone on the network path can read your password",
			 c->path);
	if (check_only) {
		log_info("%s: ok (%zu campaign%s)", c->path, c->ncampaigns, c->ncampaigns == 1 ? "" : "s");
		ws_close(w);
		return 0;
	}
	printf("workspace       %s\n", w->root);
	printf("[account]\n");
	printf("  from          %s%s<%s>\n", a->from_name, *a->from_name ? " " : "", a->from_addr);
	printf("  smtp_url      %s\n", or_none(a->smtp_url));
	printf("  imap_url      %s\n", or_none(a->imap_url));
	printf("  user          %s\n", a->user);
	printf("  secret        %s\n", a->oauth2_token_command ? "oauth2_token_command" :
				   a->password_command ? "password_command" :
				   a->has_password ? "password in this file" :
				   "OUTREACH_PASSWORD or ~/.netrc");
	printf("  cafile        %s\n", or_none(a->cafile));
	printf("  insecure      %s\n", yn(a->insecure));
	printf("  timezone      %s\n", a->timezone);
	printf("  transport     %s\n", a->transport);
	printf("  rate          %s\n", or_none(a->rate));
	printf("  daily_limit   %ld%s\n", a->daily_limit, a->daily_limit ? "" : " (none)");
	printf("  per_domain    %ld%s\n", a->per_domain_daily_limit, a->per_domain_daily_limit ? "" : " (none)");
	printf("  gap           %s\n", or_none(a->gap));
	printf("  window        %s\n", or_none(a->window));
	printf("  folders      ");
	for (size_t i = 0; i < a->nfolders; i++)
		printf(" %s", a->folders[i]);
	printf("\n");
	for (size_t i = 0; i < c->ncampaigns; i++) {
		const struct config_campaign *k = &c->campaigns[i];
		printf("[campaign %s]\n", k->name);
		printf("  contacts      %s\n", or_none(k->contacts));
		printf("  template      %s\n", k->template);
		for (size_t j = 0; j < k->nfollowups; j++)
			printf("  followup %zu    %s: %s\n", j + 1, k->followups[j].delay, k->followups[j].template);
		for (size_t j = 0; j < k->nattachments; j++)
			printf("  attachment    %s\n", k->attachments[j]);
		printf("  stop_scope    %s\n", k->stop_scope == STOP_CONTACT ? "contact" :
					   k->stop_scope == STOP_DEPARTMENT ? "department" : "institution");
		for (size_t j = 0; j < k->nvars; j++)
			printf("  var.%-9s %s\n", k->vars[j].name, k->vars[j].value);
	}
	ws_close(w);
	return 0;
}
