/* cmd_replies: 'outreach replies', 'outreach mark' and 'outreach resolve' — what came back,
 * and the decisions only a person can make. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "buf.h"
#include "clock.h"
#include "cmd.h"
#include "config.h"
#include "err.h"
#include "log.h"
#include "outcome.h"
#include "store.h"
#include "store_msg.h"
#include "store_reply.h"
#include "util.h"
#include "ws.h"
#include "xalloc.h"

struct list {
	long n;
	struct buf line;
};

static int print_reply(void *ud, const struct reply_row *r)
{
	struct list *l = ud;
	char t[64];
	struct buf *b = &l->line;
	buf_reset(b);
	fmt_utc(r->date, t, sizeof t);
	buf_add(b, t, 10);
	buf_addstr(b, "  ");
	buf_add_cell(b, r->email, 36);
	buf_addstr(b, "  ");
	char label[40];
	/* by hand: a corrected verdict, or an answer recorded with 'mark' (by phone...) */
	bool by_hand = strcmp(r->label, r->auto_label) || (r->match_rule && !strcmp(r->match_rule, "manual"));
	snprintf(label, sizeof label, "%s%s", r->label, by_hand ? "*" : "");
	buf_add_cell(b, label, 13);
	buf_addstr(b, "  ");
	/* one line of the new text: replies are untrusted, keep control characters out */
	const char *snip = r->snippet ? r->snippet : r->subject ? r->subject : "";
	char *one = xstrdup(snip);
	for (char *p = one; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	buf_add_cell(b, one, 60);
	free(one);
	while (b->len && b->data[b->len - 1] == ' ')
		buf_truncate(b, b->len - 1);
	buf_addch(b, '\n');
	if (r->return_date)
		buf_printf(b, "%12s back on %s\n", "", r->return_date);
	if (r->note)
		buf_printf(b, "%12s note: %s\n", "", r->note);
	fwrite(b->data, 1, b->len, stdout);
	l->n++;
	return 0;
}

int cmd_replies(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option longopts[] = { { "label", required_argument, NULL, 'l' }, { NULL, 0, NULL, 0 } };
	const char *label = NULL;
	int opt;
	while ((opt = getopt_long(argc, argv, "l:", longopts, NULL)) != -1) {
		if (opt != 'l')
			return cmd_opt_error("replies", argc, argv, "l:");
		label = optarg;
	}
	if (optind < argc)
		return cmd_usage_error("replies", "unexpected argument '%s'", argv[optind]);
	if (label && !outcome_label_valid(label))
		return cmd_usage_error("replies", "--label is one of offer, decline, info_request, auto_reply, bounce, other");
	struct err e = { 0 };
	struct ws *w;
	if (ws_open(ctx, WS_NEED_STORE, &w, &e) < 0)
		return cmd_fail(&e);
	struct list l = { 0, BUF_INIT(1 << 16) };
	int r = store_replies_each(w->st, label, print_reply, &l, &e);
	buf_release(&l.line);
	ws_close(w);
	if (r < 0)
		return cmd_fail(&e);
	log_info("%ld repl%s%s%s (* = decided by hand)", l.n, l.n == 1 ? "y" : "ies", label ? " labelled " : "",
		 label ? label : "");
	return 0;
}

int cmd_mark(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option longopts[] = { { "note", required_argument, NULL, 'n' }, { NULL, 0, NULL, 0 } };
	const char *note = NULL;
	int opt;
	while ((opt = getopt_long(argc, argv, "n:", longopts, NULL)) != -1) {
		if (opt != 'n')
			return cmd_opt_error("mark", argc, argv, "n:");
		note = optarg;
	}
	if (argc - optind != 2)
		return cmd_usage_error("mark", "expected an address and a label");
	const char *email = argv[optind], *label = argv[optind + 1];
	if (!outcome_label_valid(label))
		return cmd_usage_error("mark", "'%s' is not a label; use offer, decline, info_request, auto_reply, bounce or other",
				       label);
	if (note && mem_has_crlf_nul(note, strlen(note)))
		return cmd_usage_error("mark", "--note must be one line");
	struct err e = { 0 };
	struct ws *w;
	if (ws_open(ctx, WS_NEED_CONFIG | WS_NEED_STORE, &w, &e) < 0)
		return cmd_fail(&e);
	time_t now = clock_now();
	int64_t contact = 0, reply = 0, campaign = 0;
	struct outcome_effects fx = { 0 };
	int found = store_contact_lookup(w->st, email, &contact, &e);
	if (found == 0)
		err_set(&e, ERR_DATA, 0, "no contact '%s'", email);
	if (found <= 0 || store_begin(w->st, &e) < 0)
		goto fail;
	int have = store_latest_reply(w->st, contact, &reply, &campaign, &e);
	if (have < 0)
		goto rollback;
	if (have) {
		if (outcome_override(w->st, w->cfg, reply, label, note, now, &fx, &e) < 0)
			goto rollback;
	} else {
		/* no reply on record (an answer by phone, or from a mailbox outreach does not see) */
		struct sent_ref ref;
		if (store_find_contact_ref(w->st, email, &ref, &e) < 0)
			goto rollback;
		char fp[128];
		snprintf(fp, sizeof fp, "manual:%lld:%lld", (long long)contact, (long long)now);
		struct reply_rec rec = { .contact_id = contact, .message_row = ref.message_row, .campaign_id = ref.campaign_id,
					 .source = "manual", .fingerprint = fp, .date = now, .label = label,
					 .reason = "recorded by hand", .match_rule = "manual", .bounce_hard = -1 };
		if (store_reply_add(w->st, &rec, now, &reply, &e) < 0 ||
		    store_reply_override(w->st, reply, label, note, now, &e) < 0)
			goto rollback;
		struct outcome o = { contact, ref.campaign_id, reply, email, label, !strcmp(label, "bounce"), false,
				     "marked by hand" };
		if (outcome_apply(w->st, w->cfg, &o, now, &fx, &e) < 0)
			goto rollback;
	}
	if (store_commit(w->st, &e) < 0)
		goto fail;
	log_info("%s: %s%s%s; %ld pending message%s cancelled%s", email, label, note ? " — " : "", note ? note : "",
		 fx.cancelled, fx.cancelled == 1 ? "" : "s", fx.paused ? ", colleagues at the same hospital paused" : "");
	ws_close(w);
	return 0;
rollback:
	store_rollback(w->st);
fail:
	ws_close(w);
	return cmd_fail(&e);
}

int cmd_resolve(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option longopts[] = { { NULL, 0, NULL, 0 } };
	if (getopt_long(argc, argv, "", longopts, NULL) != -1)
		return cmd_opt_error("resolve", argc, argv, "");
	if (argc - optind != 2 || (strcmp(argv[optind + 1], "sent") && strcmp(argv[optind + 1], "resend")))
		return cmd_usage_error("resolve", "expected an address and 'sent' or 'resend'");
	const char *email = argv[optind];
	bool sent = !strcmp(argv[optind + 1], "sent");
	struct err e = { 0 };
	struct ws *w;
	if (ws_open(ctx, WS_NEED_STORE, &w, &e) < 0)
		return cmd_fail(&e);
	if (ws_lock(w, "resolve", &e) < 0)
		goto fail;
	struct msg *v = NULL;
	size_t n = 0;
	if (store_messages_in_state(w->st, 0, MSG_UNKNOWN, &v, &n, &e) < 0)
		goto fail;
	time_t now = clock_now();
	long done = 0;
	int rc = 0;
	if (store_begin(w->st, &e) < 0)
		rc = -1;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (!addr_equal(v[i].email, email))
			continue;
		const char *why = sent ? "settled by hand: delivered" : "settled by hand: not delivered, send again";
		if ((sent ? store_mark_sent(w->st, v[i].id, v[i].subject, NULL, NULL, 0, why, 0, now, &e)
			  : store_mark_retry(w->st, v[i].id, MSG_QUEUED, false, now, 0, why, now, &e)) < 0 ||
		    store_event(w->st, &(struct event){ .kind = "send.resolved", .campaign_id = v[i].campaign_id,
							.contact_id = v[i].contact_id, .message_row = v[i].id, .detail = why },
				now, &e) < 0)
			rc = -1;
		done++;
	}
	if (rc == 0 && store_commit(w->st, &e) < 0)
		rc = -1;
	for (size_t i = 0; i < n; i++)
		msg_release(&v[i]);
	free(v);
	if (rc < 0) {
		store_rollback(w->st);
		goto fail;
	}
	ws_close(w);
	if (!done) {
		log_error("no message to '%s' is in doubt ('unknown'); nothing changed", email);
		return EX_DATAERR;
	}
	log_info("%s: %ld message%s %s", email, done, done == 1 ? "" : "s",
		 sent ? "recorded as sent" : "queued to be sent again by the next 'outreach send'");
	return 0;
fail:
	ws_close(w);
	return cmd_fail(&e);
}
