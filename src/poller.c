/* poller: read new mail in the watched folders, incrementally and read-only, through intake;
 * and watch INBOX with IDLE between polls. */
#include "poller.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "err.h"
#include "imap.h"
#include "intake.h"
#include "log.h"
#include "secret.h"
#include "store.h"
#include "store_reply.h"
#include "util.h"
#include "ws.h"
#include "xalloc.h"

struct poller {
	struct ws *w;
	struct imap *imap;
	struct intake *ix;
	volatile int *stop;
};

int poller_open(struct ws *w, int trace, volatile int *stop, struct poller **out, struct err *e)
{
	const struct config *cfg = w->cfg;
	const struct config_account *a = &cfg->account;
	if (!a->imap_url)
		return err_set(e, ERR_CONFIG, 0, "%s: [account] needs imap_url to read replies", cfg->path);
	struct poller *p = xcalloc(1, sizeof *p);
	p->w = w;
	p->stop = stop;
	if (intake_open(w->st, cfg, &p->ix, e) < 0) {
		free(p);
		return -1;
	}
	char *host = secret_url_host(a->imap_url);
	struct secret sec;
	int r = secret_get(cfg, host, &sec, e);
	free(host);
	if (r < 0) {
		poller_close(p);
		return -1;
	}
	char *cafile = a->cafile ? config_path(cfg, a->cafile) : NULL;
	struct imap_opts io = {
		.url = a->imap_url, .user = a->user, .password = sec.oauth ? NULL : sec.value,
		.oauth2_token = sec.oauth ? sec.value : NULL, .cafile = cafile, .insecure = a->insecure,
		.allow_plaintext = a->allow_plaintext, .timeout = a->timeout, .trace = trace,
	};
	r = imap_connect(&io, &p->imap, e);
	secret_release(&sec);
	free(cafile);
	if (r < 0) {
		poller_close(p);
		return -1;
	}
	*out = p;
	return 0;
}

void poller_close(struct poller *p)
{
	if (!p)
		return;
	imap_close(p->imap);
	intake_close(p->ix);
	free(p);
}

static int label_index(const char *label)
{
	static const char *const names[] = { "offer", "decline", "info_request", "auto_reply", "bounce", "other" };
	for (int i = 0; i < 6; i++)
		if (!strcmp(label, names[i]))
			return i;
	return 5;
}

struct folder_run {
	struct poller *p;
	const char *folder;
	uint32_t uidvalidity;
	uint32_t last;            /* highest UID handled (committed or about to be) */
	long unmatched_pending;   /* not yet written with the checkpoint */
	struct poll_stats *st;
	void (*on_reply)(void *, const struct intake_result *);
	void *ud;
	struct buf body;
	char source[300];
	struct err *e;
};

static int flush_checkpoint(struct folder_run *f, struct err *e)
{
	struct store *s = f->p->w->st;
	if (store_begin(s, e) < 0)
		return -1;
	if (store_checkpoint_set(s, f->folder, f->uidvalidity, f->last, f->unmatched_pending, clock_now(), e) < 0 ||
	    store_commit(s, e) < 0) {
		store_rollback(s);
		return -1;
	}
	f->unmatched_pending = 0;
	return 0;
}

/* One new message: its headers decide whether the body is worth fetching. The reply and
 * the checkpoint past it are committed together, so a dropped connection or a crash
 * loses nothing and records nothing twice. */
static int on_header(void *ud, const struct imap_header *h)
{
	struct folder_run *f = ud;
	struct poller *p = f->p;
	struct store *s = p->w->st;
	if (p->stop && *p->stop)
		return 1;
	f->st->seen++;
	bool relevant = false;
	if (intake_relevant(p->ix, h->data, h->len, &relevant, f->e) < 0)
		return -1;
	if (!relevant) {
		f->st->unmatched++;
		f->unmatched_pending++;
		f->last = h->uid;
		/* keep the checkpoint moving through long runs of unrelated mail */
		if (f->unmatched_pending >= 200 && flush_checkpoint(f, f->e) < 0)
			return -1;
		return 0;
	}
	bool truncated = false;
	if (imap_fetch_message(p->imap, h->uid, POLL_BODY_MAX, &f->body, &truncated, f->e) < 0) {
		if (f->e->cls == ERR_DATA) { /* expunged meanwhile: nothing to read */
			f->last = h->uid;
			return 0;
		}
		return -1;
	}
	f->st->fetched++;
	struct intake_src src = { f->source, f->folder, f->uidvalidity, h->uid };
	struct intake_result r;
	time_t now = clock_now();
	if (store_begin(s, f->e) < 0)
		return -1;
	if (intake_message(p->ix, f->body.data, f->body.len, &src, now, &r, f->e) < 0)
		goto fail;
	if (!r.relevant)
		f->unmatched_pending++, f->st->unmatched++;
	f->last = h->uid;
	if (store_checkpoint_set(s, f->folder, f->uidvalidity, f->last, f->unmatched_pending, now, f->e) < 0 ||
	    store_commit(s, f->e) < 0)
		goto fail;
	f->unmatched_pending = 0;
	if (r.recorded) {
		f->st->recorded++;
		f->st->by_label[label_index(r.label)]++;
		const char *kv[] = { "folder", f->folder, "email", r.contact, "label", r.label, "rule", r.match_rule,
				     "reason", r.reason, NULL };
		log_event("reply", kv);
		if (f->on_reply)
			f->on_reply(f->ud, &r);
	} else if (r.duplicate) {
		f->st->duplicates++;
	}
	intake_result_release(&r);
	return 0;
fail:
	store_rollback(s);
	intake_result_release(&r);
	return -1;
}

static int poll_folder(struct poller *p, const char *folder, struct poll_stats *st,
		       void (*on_reply)(void *, const struct intake_result *), void *ud, struct err *e)
{
	struct imap_folder info;
	if (imap_examine(p->imap, folder, &info, e) < 0) {
		if (e->cls == ERR_DATA) {
			log_warn("folder '%s' cannot be read (%s); check 'folders' in outreach.conf", folder, e->msg);
			err_clear(e);
			return 0;
		}
		return -1;
	}
	st->folders++;
	uint32_t validity = 0, last = 0;
	int known = store_checkpoint_get(p->w->st, folder, &validity, &last, e);
	if (known < 0)
		return -1;
	if (known && validity != info.uidvalidity) {
		/* the server renumbered the folder: read it all again; fingerprints keep every
		 * message recorded once */
		log_warn("folder '%s' was renumbered by the server (UIDVALIDITY %u -> %u): reading it again", folder, validity,
			 info.uidvalidity);
		st->rescans++;
		last = 0;
	}
	if (known && validity == info.uidvalidity && info.uidnext && last + 1 >= info.uidnext)
		return 0; /* nothing new: one EXAMINE was the whole cost */
	struct folder_run f = { p, folder, info.uidvalidity, last, 0, st, on_reply, ud, BUF_INIT(POLL_BODY_MAX + 1), "", e };
	snprintf(f.source, sizeof f.source, "imap:%s", folder);
	int rc = imap_fetch_headers(p->imap, last, on_header, &f, e);
	/* what was handled is kept even when the connection broke half-way */
	struct err e2;
	if ((f.unmatched_pending || f.last != last || !known) && flush_checkpoint(&f, rc < 0 ? &e2 : e) < 0 && rc == 0)
		rc = -1;
	buf_release(&f.body);
	return rc;
}

int poller_poll(struct poller *p, struct poll_stats *st, void (*on_reply)(void *ud, const struct intake_result *r),
		void *ud, struct err *e)
{
	const struct config_account *a = &p->w->cfg->account;
	for (size_t i = 0; i < a->nfolders; i++) {
		if (p->stop && *p->stop)
			break;
		if (poll_folder(p, a->folders[i], st, on_reply, ud, e) < 0)
			return -1;
	}
	return 0;
}

int poller_wait(struct poller *p, int seconds, struct err *e)
{
	const struct config_account *a = &p->w->cfg->account;
	if (!imap_has_idle(p->imap)) {
		clock_sleep(seconds, p->stop);
		return p->stop && *p->stop ? 0 : 1;
	}
	/* IDLE watches the examined folder; the poll just before has usually opened it */
	struct imap_folder info;
	if (!imap_is_examined(p->imap, a->folders[0]) && imap_examine(p->imap, a->folders[0], &info, e) < 0)
		return -1;
	return imap_idle(p->imap, seconds, p->stop, e);
}
