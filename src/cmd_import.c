/* cmd_import: 'outreach import FILE.csv' — contacts from a spreadsheet into the workspace. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cmd.h"
#include "config.h"
#include "err.h"
#include "import.h"
#include "log.h"
#include "ws.h"

struct report_ctx {
	long shown;
};

static void report(void *ud, enum import_severity sev, const char *msg)
{
	struct report_ctx *r = ud;
	switch (sev) {
	case IMPORT_REJECT:
		fprintf(stderr, "outreach: %s\n", msg);
		r->shown++;
		break;
	case IMPORT_WARNING:
		log_warn("%s", msg);
		break;
	case IMPORT_NOTE:
		log_verbose("%s", msg);
		break;
	}
}

int cmd_import(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option longopts[] = {
		{ "campaign", required_argument, NULL, 'c' }, { "update", no_argument, NULL, 'u' },
		{ "strict", no_argument, NULL, 's' },          { "rejects", required_argument, NULL, 'r' },
		{ "encoding", required_argument, NULL, 'E' },  { "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *shortopts = "c:usr:E:n";
	struct import_opts o = { 0 };
	int opt;
	while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': o.campaign = optarg; break;
		case 'u': o.update = true; break;
		case 's': o.strict = true; break;
		case 'r': o.rejects_path = optarg; break;
		case 'E': o.encoding = optarg; break;
		case 'n': o.dry_run = true; break;
		default: return cmd_opt_error("import", argc, argv, shortopts);
		}
	}
	if (optind >= argc)
		return cmd_usage_error("import", "which file? e.g. 'outreach import contacts/attendings.csv'");
	if (argc - optind > 1)
		return cmd_usage_error("import", "one file at a time");
	const char *path = argv[optind];

	struct err e = { 0 };
	struct ws *w;
	if (ws_open(ctx, WS_NEED_CONFIG | WS_NEED_STORE, &w, &e) < 0)
		return cmd_fail(&e);
	if (o.campaign && !config_campaign(w->cfg, o.campaign, &e)) {
		ws_close(w);
		return cmd_fail(&e);
	}
	struct report_ctx rc = { 0 };
	struct import_stats st;
	int r = import_csv(w->st, path, &o, clock_now(), &st, report, &rc, &e);
	ws_close(w);
	if (r < 0)
		return cmd_fail(&e);

	const char *delim = st.delimiter == '\t' ? "tab" : st.delimiter == ';' ? "semicolon" : "comma";
	log_info("%s: %ld row%s (%s, %s separated)%s", path, st.rows, st.rows == 1 ? "" : "s", st.encoding_used, delim,
		 o.dry_run ? " — dry run, nothing written" : "");
	log_info("  %ld imported, %ld updated, %ld already known, %ld rejected", st.imported, st.updated, st.known,
		 st.rejected);
	if (st.suppressed)
		log_info("  %ld on the do-not-contact list (imported, never written to)", st.suppressed);
	if (st.role)
		log_info("  %ld shared mailboxes (office@, info@...): check them", st.role);
	if (o.campaign)
		log_info("  %ld newly enrolled in campaign '%s'", st.enrolled, o.campaign);
	if (st.rejected) {
		if (o.rejects_path)
			log_info("  the rejected rows, with the reason in an 'error' column, are in %s: fix them there and "
				 "import that file", o.rejects_path);
		else
			log_info("  add --rejects FILE to get the rejected rows back as a spreadsheet to fix and re-import");
		return EX_DATAERR;
	}
	return 0;
}
