/* cmd_poll: 'outreach poll', 'outreach ingest' and 'outreach classify' — incoming mail from
 * the server, from files, or judged on its own. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "addr.h"
#include "buf.h"
#include "clock.h"
#include "cmd.h"
#include "config.h"
#include "err.h"
#include "intake.h"
#include "json.h"
#include "log.h"
#include "message.h"
#include "poller.h"
#include "store.h"
#include "store_msg.h"
#include "util.h"
#include "ws.h"
#include "xalloc.h"

#define FILE_MAX (64L * 1024 * 1024) /* one mbox read at a time is bounded too */

static volatile int stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void print_reply(void *ud, const struct intake_result *r)
{
	(void)ud;
	log_info("%-12s %s (%s)%s%s", r->label, r->contact, r->match_rule, r->return_date[0] ? ", back on " : "",
		 r->return_date);
}

static void print_stats(const struct poll_stats *st)
{
	log_info("poll: %ld new message%s in %ld folder%s: %ld recorded (%ld offers, %ld declines, %ld information "
		 "requests, %ld auto-replies, %ld bounces, %ld other), %ld already known, %ld not about any contact",
		 st->seen, st->seen == 1 ? "" : "s", st->folders, st->folders == 1 ? "" : "s", st->recorded, st->by_label[0],
		 st->by_label[1], st->by_label[2], st->by_label[3], st->by_label[4], st->by_label[5], st->duplicates,
		 st->unmatched);
}

int cmd_poll(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option longopts[] = {
		{ "once", no_argument, NULL, 'o' }, { "watch", no_argument, NULL, 'w' }, { NULL, 0, NULL, 0 },
	};
	bool watch = false;
	int opt;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o': watch = false; break;
		case 'w': watch = true; break;
		default: return cmd_opt_error("poll", argc, argv, "");
		}
	}
	if (optind < argc)
		return cmd_usage_error("poll", "unexpected argument '%s'", argv[optind]);
	struct err e = { 0 };
	struct ws *w;
	if (ws_open(ctx, WS_NEED_CONFIG | WS_NEED_STORE, &w, &e) < 0)
		return cmd_fail(&e);
	if (w->cfg->account.insecure)
		log_warn("insecure = yes in %s: server certificates are not verified", w->cfg->path);
	if (w->cfg->account.allow_plaintext)
		log_warn("allow_plaintext = yes in %s: mail and password may cross the network unencrypted", w->cfg->path);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	/* a server that hangs up is an error to report (EPIPE), not a reason to die: libetpan
	 * writes with send() and no MSG_NOSIGNAL */
	signal(SIGPIPE, SIG_IGN);
	struct poller *p = NULL;
	int rc = 0;
	long backoff = 5;
	for (;;) {
		if (!p && poller_open(w, ctx->verbosity, &stop_flag, &p, &e) < 0) {
			/* a watcher survives network loss; a single poll reports it */
			if (!watch || e.cls == ERR_SESSION || e.cls == ERR_CONFIG) {
				rc = cmd_fail(&e);
				break;
			}
			log_warn("%s; trying again in %ld s", e.msg, backoff);
			clock_sleep((double)backoff, &stop_flag);
			backoff = backoff < 300 ? backoff * 2 : 300;
			if (stop_flag)
				break;
			continue;
		}
		struct poll_stats st = { 0 };
		int r = poller_poll(p, &st, print_reply, NULL, &e);
		if (r == 0 && (!watch || st.seen))
			print_stats(&st);
		if (r == 0 && watch) {
			backoff = 5;
			/* IDLE is re-issued well within the 29 minutes of RFC 2177 */
			r = poller_wait(p, (int)(w->cfg->account.poll_interval < 1500 ? w->cfg->account.poll_interval : 1500), &e);
			if (r >= 0) {
				if (stop_flag)
					break;
				continue;
			}
		}
		if (r < 0) {
			if (!watch || e.cls == ERR_SESSION || e.cls == ERR_CONFIG || e.cls == ERR_IO) {
				rc = cmd_fail(&e);
				break;
			}
			log_warn("%s; reconnecting in %ld s", e.msg, backoff);
			poller_close(p);
			p = NULL;
			clock_sleep((double)backoff, &stop_flag);
			backoff = backoff < 300 ? backoff * 2 : 300;
			if (stop_flag)
				break;
			continue;
		}
		break;
	}
	poller_close(p);
	ws_close(w);
	return rc;
}

/* ------------------------------------------------------------------ reading files */

/* Call fn for every message in path: one .eml file, a Maildir (cur/ and new/), a directory of
 * files, or an mbox ("From " lines, mboxrd ">From " unquoted). */
typedef int (*msg_fn)(void *ud, const char *name, const char *data, size_t n);

/* A message starts with a header field ("Name: value"), possibly after a BOM or blank
 * lines from a careless export. A LICENSE or README in the same folder does not. */
static bool looks_like_mail(const char *s, size_t n)
{
	size_t i = 0;
	if (n >= 3 && !memcmp(s, "\xef\xbb\xbf", 3))
		i = 3;
	while (i < n && (s[i] == '\r' || s[i] == '\n'))
		i++;
	size_t k = i;
	while (k < n && k - i < 80 && s[k] > ' ' && s[k] != ':' && (unsigned char)s[k] < 0x7f)
		k++;
	return k > i && k < n && s[k] == ':';
}

static int each_in_file(const char *path, msg_fn fn, void *ud, struct err *e)
{
	struct buf b = BUF_INIT(FILE_MAX);
	if (read_file(path, FILE_MAX, &b, e) < 0) {
		buf_release(&b);
		return -1;
	}
	const char *s = buf_str(&b);
	int rc = 0;
	if (b.len > 5 && !strncmp(s, "From ", 5)) {
		/* mbox: split on "From " at the start of a line */
		size_t start = 0, i = 0, k = 0;
		struct buf one = BUF_INIT(FILE_MAX);
		while (rc == 0 && start < b.len) {
			const char *body = memchr(s + start, '\n', b.len - start);
			if (!body)
				break;
			size_t from = (size_t)(body + 1 - s);
			for (i = from; i < b.len; i++)
				if (s[i] == '\n' && i + 6 <= b.len && !strncmp(s + i + 1, "From ", 5))
					break;
			size_t end = i < b.len ? i + 1 : b.len;
			buf_reset(&one);
			for (size_t p = from; p < end;) {
				const char *nl = memchr(s + p, '\n', end - p);
				size_t len = nl ? (size_t)(nl - (s + p)) + 1 : end - p;
				/* mboxrd: ">From " and ">>From " lose one '>' */
				size_t q = 0;
				while (q < len && s[p + q] == '>')
					q++;
				if (q && len - q >= 5 && !strncmp(s + p + q, "From ", 5))
					buf_add(&one, s + p + 1, len - 1);
				else
					buf_add(&one, s + p, len);
				p += len;
			}
			char name[600];
			snprintf(name, sizeof name, "%s#%zu", path, ++k);
			rc = fn(ud, name, buf_str(&one), one.len);
			start = end;
		}
		buf_release(&one);
	} else if (looks_like_mail(s, b.len)) {
		rc = fn(ud, path, s, b.len);
	} else {
		log_warn("%s: not an email message (no header at the top); skipped", path);
	}
	buf_release(&b);
	return rc;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int each_message(const char *path, msg_fn fn, void *ud, int depth, struct err *e)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return err_set(e, ERR_IO, errno, "cannot read '%s': %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return each_in_file(path, fn, ud, e);
	if (depth > 3)
		return 0;
	DIR *d = opendir(path);
	if (!d)
		return err_set(e, ERR_IO, errno, "cannot read '%s': %s", path, strerror(errno));
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "tmp"))
			continue; /* tmp/ holds half-delivered Maildir files */
		names = xgrow(names, &cap, n + 1, sizeof *names);
		names[n++] = path_join(path, de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof *names, name_cmp);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		if (rc == 0)
			rc = each_message(names[i], fn, ud, depth + 1, e);
		free(names[i]);
	}
	free(names);
	return rc;
}

/* ------------------------------------------------------------------ ingest */

struct ingest {
	struct ws *w;
	struct intake *ix;
	bool sent;
	int64_t campaign_id;
	long n, recorded, duplicates, unmatched, adopted, already, not_own;
	struct err *e;
};

static int ingest_one(void *ud, const char *name, const char *data, size_t n)
{
	struct ingest *g = ud;
	struct store *s = g->w->st;
	time_t now = clock_now();
	g->n++;
	if (g->sent) {
		struct message m;
		if (message_parse(data, n, NULL, &m, g->e) < 0)
			return -1;
		int rc = 0;
		/* an export of a whole mailbox holds received mail too: a coordinator writing to
		 * the user and an attending is not something the user sent to the attending */
		if (!m.from.addr || !addr_equal(m.from.addr, g->w->cfg->account.from_addr)) {
			log_verbose("%s: not written by %s; skipped", name, g->w->cfg->account.from_addr);
			g->not_own++;
			message_release(&m);
			return 0;
		}
		if (!m.message_id) {
			log_warn("%s: no Message-ID: replies could not be matched to it; skipped", name);
			message_release(&m);
			return 0;
		}
		if (store_begin(s, g->e) < 0) {
			message_release(&m);
			return -1;
		}
		for (size_t i = 0; rc == 0 && i < m.n_to; i++) {
			int64_t cid = 0;
			int k = store_contact_lookup(s, m.to[i].addr, &cid, g->e);
			if (k <= 0) {
				rc = k;
				continue;
			}
			store_enroll(s, g->campaign_id, cid, now, g->e);
			k = store_adopt_sent(s, g->campaign_id, cid, m.message_id, m.subject, m.text,
					     m.has_date ? m.date : now, now, g->e);
			if (k < 0) {
				rc = -1;
			} else if (k > 0) {
				g->adopted++;
				struct event ev = { .kind = "send.adopted", .campaign_id = g->campaign_id, .contact_id = cid,
						    .detail = name };
				rc = store_event(s, &ev, now, g->e);
			} else {
				g->already++;
			}
		}
		message_release(&m);
		if (rc < 0 || store_commit(s, g->e) < 0) {
			store_rollback(s);
			return -1;
		}
		return 0;
	}
	struct intake_src src = { name, NULL, 0, 0 };
	char source[700];
	snprintf(source, sizeof source, "file:%s", name);
	src.source = source;
	struct intake_result r;
	if (store_begin(s, g->e) < 0)
		return -1;
	if (intake_message(g->ix, data, n < POLL_BODY_MAX ? n : POLL_BODY_MAX, &src, now, &r, g->e) < 0 ||
	    store_commit(s, g->e) < 0) {
		store_rollback(s);
		intake_result_release(&r);
		return -1;
	}
	if (r.recorded) {
		g->recorded++;
		print_reply(NULL, &r);
	} else if (r.duplicate) {
		g->duplicates++;
	} else {
		g->unmatched++;
		log_verbose("%s: not about any contact (%s)", name, r.label);
	}
	intake_result_release(&r);
	return 0;
}

int cmd_ingest(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option longopts[] = {
		{ "sent", no_argument, NULL, 's' }, { "campaign", required_argument, NULL, 'c' }, { NULL, 0, NULL, 0 },
	};
	bool sent = false;
	const char *campaign = NULL;
	int opt;
	while ((opt = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		switch (opt) {
		case 's': sent = true; break;
		case 'c': campaign = optarg; break;
		default: return cmd_opt_error("ingest", argc, argv, "c:");
		}
	}
	if (optind >= argc)
		return cmd_usage_error("ingest", "which files? .eml files, a Maildir or an mbox");
	struct err e = { 0 };
	struct ws *w;
	if (ws_open(ctx, WS_NEED_CONFIG | WS_NEED_STORE, &w, &e) < 0)
		return cmd_fail(&e);
	struct ingest g = { .w = w, .sent = sent, .e = &e };
	int rc = 0;
	if (sent) {
		const struct config_campaign *k = config_campaign(w->cfg, campaign, &e);
		if (!k || store_campaign_ensure(w->st, k->name, clock_now(), &g.campaign_id, &e) < 0) {
			rc = cmd_fail(&e);
			goto out;
		}
	} else if (intake_open(w->st, w->cfg, &g.ix, &e) < 0) {
		rc = cmd_fail(&e);
		goto out;
	}
	for (int i = optind; i < argc; i++)
		if (each_message(argv[i], ingest_one, &g, 0, &e) < 0) {
			rc = cmd_fail(&e);
			goto out;
		}
	if (sent)
		log_info("ingest --sent: %ld message%s read, %ld adopted as already sent, %ld contacts already had a first "
			 "message, %ld not written by you", g.n, g.n == 1 ? "" : "s", g.adopted, g.already, g.not_own);
	else
		log_info("ingest: %ld message%s read: %ld recorded, %ld already known, %ld not about any contact", g.n,
			 g.n == 1 ? "" : "s", g.recorded, g.duplicates, g.unmatched);
out:
	intake_close(g.ix);
	ws_close(w);
	return rc;
}

/* ------------------------------------------------------------------ classify */

struct cls {
	struct intake *ix;
	bool workspace;
	struct buf out;
	struct err *e;
};

static void json_field_str(struct buf *b, const char *name, const char *v)
{
	buf_printf(b, ",\"%s\":", name);
	if (v && *v)
		json_write_string(b, v, strlen(v));
	else
		buf_addstr(b, "null");
}

static int classify_one(void *ud, const char *name, const char *data, size_t n)
{
	struct cls *c = ud;
	struct intake_result r;
	if (intake_message(c->ix, data, n < POLL_BODY_MAX ? n : POLL_BODY_MAX, NULL, clock_now(), &r, c->e) < 0)
		return -1;
	struct buf *b = &c->out;
	buf_reset(b);
	buf_addstr(b, "{\"file\":");
	json_write_string(b, name, strlen(name));
	json_field_str(b, "label", r.label);
	json_field_str(b, "reason", r.reason);
	buf_addstr(b, ",\"in_reply_to\":[");
	for (size_t i = 0; i < r.n_in_reply_to; i++) {
		if (i)
			buf_addch(b, ',');
		json_write_string(b, r.in_reply_to[i], strlen(r.in_reply_to[i]));
	}
	buf_addstr(b, "],\"bounce\":");
	if (!strcmp(r.label, "bounce")) {
		buf_addstr(b, "{\"recipient\":");
		if (r.bounce_recipient[0])
			json_write_string(b, r.bounce_recipient, strlen(r.bounce_recipient));
		else
			buf_addstr(b, "null");
		json_field_str(b, "status", r.bounce_status);
		buf_printf(b, ",\"hard\":%s}", r.bounce_hard == 1 ? "true" : "false");
	} else {
		buf_addstr(b, "null");
	}
	json_field_str(b, "return_date", r.return_date);
	if (c->workspace) {
		json_field_str(b, "matched_contact", r.contact);
		json_field_str(b, "matched_message_id", r.matched_message_id);
		json_field_str(b, "match_rule", r.match_rule);
	}
	buf_addstr(b, "}\n");
	fwrite(b->data, 1, b->len, stdout);
	intake_result_release(&r);
	return 0;
}

int cmd_classify(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option longopts[] = { { NULL, 0, NULL, 0 } };
	if (getopt_long(argc, argv, "", longopts, NULL) != -1)
		return cmd_opt_error("classify", argc, argv, "");
	if (optind >= argc)
		return cmd_usage_error("classify", "which files?");
	struct err e = { 0 };
	struct ws *w = NULL;
	char *root = NULL;
	/* inside a workspace the verdicts are matched against what was sent; outside, judged alone */
	if (ws_find(ctx->dir, &root, &e) == 0) {
		free(root);
		if (ws_open(ctx, WS_NEED_CONFIG | WS_NEED_STORE, &w, &e) < 0)
			return cmd_fail(&e);
	} else if (ctx->dir) {
		return cmd_fail(&e);
	}
	struct cls c = { NULL, w != NULL, BUF_INIT(1 << 20), &e };
	int rc = 0;
	if (intake_open(w ? w->st : NULL, w ? w->cfg : NULL, &c.ix, &e) < 0) {
		rc = cmd_fail(&e);
		goto out;
	}
	intake_set_dry(c.ix, true);
	for (int i = optind; i < argc; i++)
		if (each_message(argv[i], classify_one, &c, 0, &e) < 0) {
			rc = cmd_fail(&e);
			break;
		}
out:
	buf_release(&c.out);
	intake_close(c.ix);
	ws_close(w);
	return rc;
}
