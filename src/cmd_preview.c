/* cmd_preview: 'outreach preview' — the exact bytes that would be sent, on stdout or as
 * .eml files any mail client opens. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "addr.h"
#include "campaign.h"
#include "clock.h"
#include "cmd.h"
#include "config.h"
#include "contact.h"
#include "err.h"
#include "log.h"
#include "store.h"
#include "util.h"
#include "ws.h"
#include "xalloc.h"

struct pv {
	struct campaign *c;
	struct store *st;
	const char *only;    /* --contact */
	long limit, shown, blocked;
	size_t step;
	const char *outdir;
	struct diags d;
	struct err *e;
};

static int preview_one(void *ud, const struct contact *ct)
{
	struct pv *p = ud;
	if (p->only && !addr_equal(p->only, ct->email))
		return 0;
	if (p->limit && p->shown >= p->limit)
		return 1;
	char why[256];
	int sup = store_is_suppressed(p->st, ct->email, 0, why, sizeof why, p->e);
	if (sup < 0)
		return -1;
	if (sup) {
		log_info("%s: on the do-not-contact list (%s): nothing would be sent", ct->email, why);
		return 0;
	}
	struct outgoing o;
	outgoing_init(&o);
	char *first_subject = NULL, *last_text = NULL;
	const char *ids[CAMPAIGN_MAX_STEPS];
	char *idbuf[CAMPAIGN_MAX_STEPS] = { 0 };
	time_t now = clock_now();
	int rc = 0;
	/* earlier steps are built too, so a follow-up shows its real threading and quote */
	for (size_t s = 0; s <= p->step; s++) {
		idbuf[s] = campaign_message_id(p->c->cfg);
		ids[s] = idbuf[s];
		struct thread th = { first_subject, ids, s, last_text, now };
		int r = campaign_build(p->c, s, ct, &th, idbuf[s], now, &o, s == p->step ? &p->d : NULL, p->e);
		if (r < 0) {
			rc = -1;
			goto out;
		}
		if (r > 0) {
			p->blocked++;
			if (s < p->step)
				diags_add(&p->d, DIAG_ERROR, "", ct->email, NULL, "an earlier step of this contact cannot be built");
			goto out;
		}
		if (s == 0)
			first_subject = xstrdup(o.subject);
		free(last_text);
		last_text = xstrdup(o.text);
	}
	p->shown++;
	if (p->outdir) {
		char *name = xasprintf("%s/%03ld-%s.eml", p->outdir, p->shown, ct->email);
		struct err we;
		/* one sync for all the files at the end, not one per file (0.2 ms each on ext4) */
		if (write_file_replace(name, o.bytes.data, o.bytes.len, 0600, &we) < 0) {
			*p->e = we;
			rc = -1;
		} else {
			log_verbose("wrote %s", name);
		}
		free(name);
	} else {
		if (p->shown > 1)
			fputs("\r\n", stdout);
		fwrite(o.bytes.data, 1, o.bytes.len, stdout);
	}
out:
	for (size_t s = 0; s < CAMPAIGN_MAX_STEPS; s++)
		free(idbuf[s]);
	free(first_subject), free(last_text);
	outgoing_release(&o);
	return rc;
}

int cmd_preview(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option longopts[] = {
		{ "campaign", required_argument, NULL, 'c' }, { "contact", required_argument, NULL, 'C' },
		{ "limit", required_argument, NULL, 'n' },    { "out", required_argument, NULL, 'o' },
		{ "step", required_argument, NULL, 's' },     { NULL, 0, NULL, 0 },
	};
	const char *shortopts = "c:n:o:s:";
	struct pv p = { 0 };
	const char *campaign = NULL;
	long step = 1;
	int opt;
	while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': campaign = optarg; break;
		case 'C': p.only = optarg; break;
		case 'n':
			if (parse_long(optarg, 1, 1000000, &p.limit) < 0)
				return cmd_usage_error("preview", "--limit takes a number from 1, not '%s'", optarg);
			break;
		case 'o': p.outdir = optarg; break;
		case 's':
			if (parse_long(optarg, 1, CAMPAIGN_MAX_STEPS, &step) < 0)
				return cmd_usage_error("preview", "--step takes 1 (the first message) to %d, not '%s'",
						       CAMPAIGN_MAX_STEPS, optarg);
			break;
		default: return cmd_opt_error("preview", argc, argv, shortopts);
		}
	}
	if (optind < argc)
		return cmd_usage_error("preview", "unexpected argument '%s'", argv[optind]);
	if (p.only && p.limit)
		return cmd_usage_error("preview", "--contact and --limit do not go together");
	if (!p.only && !p.limit && !p.outdir)
		p.limit = 1; /* on the terminal, one message unless asked for more */
	struct err e = { 0 };
	p.e = &e;
	struct ws *w;
	if (ws_open(ctx, WS_NEED_CONFIG | WS_NEED_STORE, &w, &e) < 0)
		return cmd_fail(&e);
	int rc = 0;
	if (campaign_open(w->cfg, w->root, campaign, &p.c, &e) < 0) {
		ws_close(w);
		return cmd_fail(&e);
	}
	if ((size_t)step > p.c->nsteps) {
		rc = cmd_usage_error("preview", "campaign '%s' has %zu step%s", p.c->k->name, p.c->nsteps,
				     p.c->nsteps == 1 ? "" : "s");
		goto out;
	}
	p.step = (size_t)step - 1;
	if (p.outdir && mkdir(p.outdir, 0700) < 0 && errno != EEXIST) {
		err_set(&e, ERR_IO, errno, "cannot create '%s': %s", p.outdir, strerror(errno));
		rc = cmd_fail(&e);
		goto out;
	}
	diags_init(&p.d);
	p.st = w->st;
	if (store_contacts_each(w->st, p.c->k->name, preview_one, &p, &e) < 0) {
		rc = cmd_fail(&e);
		diags_release(&p.d);
		goto out;
	}
	diags_print(&p.d, stderr, 5);
	if (p.outdir && p.shown && sync_dir_fs(p.outdir, &e) < 0) {
		rc = cmd_fail(&e);
		diags_release(&p.d);
		goto out;
	}
	if (p.only && !p.shown && !p.blocked) {
		log_error("'%s' is not a contact of campaign '%s'", p.only, p.c->k->name);
		rc = EX_DATAERR;
	} else if (p.outdir) {
		log_info("wrote %ld message%s to %s/", p.shown, p.shown == 1 ? "" : "s", p.outdir);
	}
	if (p.blocked) {
		log_info("%ld contact%s cannot be sent as things stand (see above; 'outreach lint' lists everything)",
			 p.blocked, p.blocked == 1 ? "" : "s");
		rc = EX_DATAERR;
	}
	diags_release(&p.d);
out:
	campaign_close(p.c);
	ws_close(w);
	return rc;
}
