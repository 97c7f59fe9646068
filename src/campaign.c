/* campaign: one campaign's letters, ready to turn a contact and a step into the exact bytes
 * of a message — or into the list of reasons it must not be sent. */
#include "campaign.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "addr.h"
#include "clock.h"
#include "compose.h"
#include "config.h"
#include "contact.h"
#include "err.h"
#include "html.h"
#include "letter.h"
#include "markdown.h"
#include "mval.h"
#include "store.h"
#include "tmpl.h"
#include "tz.h"
#include "util.h"
#include "vars.h"
#include "xalloc.h"

/* ------------------------------------------------------------------ diagnostics */

void diags_init(struct diags *d)
{
	memset(d, 0, sizeof *d);
}

void diags_release(struct diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		struct diag *g = &d->v[i];
		free(g->where), free(g->what), free(g->hint);
		for (size_t k = 0; k < g->ncontacts; k++)
			free(g->contacts[k]);
		free(g->contacts);
	}
	free(d->v);
	diags_init(d);
}

void diags_add(struct diags *d, enum diag_sev sev, const char *where, const char *contact, const char *hint,
	       const char *fmt, ...)
{
	if (!d)
		return;
	char what[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	where = where ? where : "";
	struct diag *g = NULL;
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].sev == sev && !strcmp(d->v[i].where, where) && !strcmp(d->v[i].what, what)) {
			g = &d->v[i];
			break;
		}
	if (!g) {
		d->v = xgrow(d->v, &d->cap, d->n + 1, sizeof *d->v);
		g = &d->v[d->n++];
		memset(g, 0, sizeof *g);
		g->sev = sev;
		g->where = xstrdup(where);
		g->what = xstrdup(what);
		g->hint = hint ? xstrdup(hint) : NULL;
		if (sev == DIAG_ERROR)
			d->errors++;
		else
			d->warnings++;
	}
	if (contact) {
		for (size_t k = 0; k < g->ncontacts; k++)
			if (!strcmp(g->contacts[k], contact))
				return;
		g->contacts = xgrow(g->contacts, &g->capcontacts, g->ncontacts + 1, sizeof *g->contacts);
		g->contacts[g->ncontacts++] = xstrdup(contact);
	}
}

/* ------------------------------------------------------------------ attachments */

struct attach_cache {
	struct cached {
		char *path;
		char *data;
		size_t len;
	} *v;
	size_t n, cap;
	size_t bytes;
};

#define ATTACH_CACHE_MAX (64L * 1024 * 1024)

/* Read a file once per run (a CV goes with every first message). */
static const struct cached *attach_get(struct campaign *c, const char *real, struct err *e)
{
	struct attach_cache *ac = c->cache;
	for (size_t i = 0; i < ac->n; i++)
		if (!strcmp(ac->v[i].path, real))
			return &ac->v[i];
	struct stat st;
	if (stat(real, &st) == 0 && st.st_size > CAMPAIGN_ATTACH_LIMIT)
		return err_set(e, ERR_LIMIT, 0, "it is %.1f MB; providers accept at most 25 MB of attachments",
			       (double)st.st_size / 1048576.0), NULL;
	struct buf b = BUF_INIT(CAMPAIGN_ATTACH_LIMIT + 1);
	if (read_file(real, CAMPAIGN_ATTACH_LIMIT + 1, &b, e) < 0) {
		buf_release(&b);
		return NULL;
	}
	if (ac->bytes + b.len > ATTACH_CACHE_MAX) {
		/* a run with many different per-recipient files: forget the oldest */
		for (size_t i = 0; i < ac->n; i++)
			free(ac->v[i].path), free(ac->v[i].data);
		ac->n = 0;
		ac->bytes = 0;
	}
	ac->v = xgrow(ac->v, &ac->cap, ac->n + 1, sizeof *ac->v);
	struct cached *k = &ac->v[ac->n++];
	k->path = xstrdup(real);
	k->len = b.len;
	k->data = buf_detach(&b, NULL);
	ac->bytes += k->len;
	return k;
}

static bool inside(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return !strncmp(path, dir, n) && (path[n] == '/' || path[n] == '\0');
}

/*
 * Where an attachment may come from: a literal absolute path the user typed in the
 * template or config is taken as it is; a relative path must stay inside the workspace
 * after symlinks are resolved; a path built from contact data must stay inside
 * attachments/ — a CSV cell must not be able to mail out ~/.ssh/id_rsa.
 */
static char *attach_resolve(struct campaign *c, const char *src, const char *rendered, char *why, size_t whysz)
{
	bool from_data = strstr(src, "{{") != NULL;
	bool literal_abs = !from_data && (rendered[0] == '/' || (rendered[0] == '~' && rendered[1] == '/'));
	char *full = literal_abs ? config_path(c->cfg, rendered) : path_join(c->root, rendered);
	char *real = realpath(full, NULL);
	if (!real) {
		snprintf(why, whysz, "attachment '%s' cannot be read: %s", rendered, strerror(errno));
		free(full);
		return NULL;
	}
	free(full);
	if (!literal_abs) {
		const char *limit = from_data ? c->attach_root : c->root;
		if (!inside(real, limit)) {
			snprintf(why, whysz, "attachment '%s' is outside %s; %s", rendered,
				 from_data ? "the attachments folder" : "the workspace",
				 from_data ? "a path made from contact data must name a file in attachments/"
					   : "give an absolute path to use a file elsewhere");
			free(real);
			return NULL;
		}
	}
	struct stat st;
	if (stat(real, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, whysz, "attachment '%s' is not a regular file", rendered);
		free(real);
		return NULL;
	}
	return real;
}

/* ------------------------------------------------------------------ open / close */

int campaign_open(const struct config *cfg, const char *root, const char *name, struct campaign **out,
		  struct err *e)
{
	const struct config_campaign *k = config_campaign(cfg, name, e);
	if (!k)
		return -1;
	if (k->nfollowups + 1 > CAMPAIGN_MAX_STEPS)
		return err_set(e, ERR_CONFIG, 0, "%s: [campaign %s] has more than %d follow-ups", cfg->path, k->name,
			       CAMPAIGN_MAX_STEPS - 1);
	struct campaign *c = xcalloc(1, sizeof *c);
	c->cfg = cfg;
	c->k = k;
	c->root = realpath(root, NULL);
	if (!c->root)
		c->root = xstrdup(root);
	char *ar = path_join(c->root, "attachments");
	c->attach_root = realpath(ar, NULL);
	if (!c->attach_root)
		c->attach_root = ar;
	else
		free(ar);
	c->cache = xcalloc(1, sizeof *c->cache);
	c->nsteps = 1 + k->nfollowups;
	for (size_t i = 0; i < c->nsteps; i++) {
		const char *shown = i == 0 ? k->template : k->followups[i - 1].template;
		char *disk = config_path(cfg, shown);
		int r = letter_load(disk, shown, &c->step[i], e);
		free(disk);
		if (r < 0) {
			campaign_close(c);
			return -1;
		}
	}
	c->globals = vars_globals(cfg, k);
	*out = c;
	return 0;
}

void campaign_close(struct campaign *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nsteps; i++)
		letter_free(c->step[i]);
	mval_free(c->globals);
	if (c->cache) {
		for (size_t i = 0; i < c->cache->n; i++)
			free(c->cache->v[i].path), free(c->cache->v[i].data);
		free(c->cache->v);
		free(c->cache);
	}
	free(c->root);
	free(c->attach_root);
	free(c);
}

/* ------------------------------------------------------------------ building */

void outgoing_init(struct outgoing *o)
{
	memset(o, 0, sizeof *o);
	buf_init(&o->bytes, COMPOSE_MAX_SIZE);
}

void outgoing_release(struct outgoing *o)
{
	buf_release(&o->bytes);
	free(o->subject);
	free(o->text);
	for (size_t i = 0; i < o->nrcpt; i++)
		free(o->rcpt[i]);
	free(o->rcpt);
	memset(o, 0, sizeof *o);
}

static void add_rcpt(struct outgoing *o, const char *addr)
{
	for (size_t i = 0; i < o->nrcpt; i++)
		if (!strcasecmp(o->rcpt[i], addr))
			return;
	size_t cap = o->nrcpt;
	o->rcpt = xgrow(o->rcpt, &cap, o->nrcpt + 1, sizeof *o->rcpt);
	o->rcpt[o->nrcpt++] = xstrdup(addr);
}

/* "a@x.org, Dr. B <b@y.org>" -> addresses (names dropped for Bcc, kept for headers). */
struct addrlist {
	struct compose_addr v[16];
	char *owned[32];
	size_t n, nowned;
};

static void addrlist_release(struct addrlist *l)
{
	for (size_t i = 0; i < l->nowned; i++)
		free(l->owned[i]);
	memset(l, 0, sizeof *l);
}

static int parse_addrs(const char *s, struct addrlist *l, char *why, size_t whysz)
{
	char *copy = xstrdup(s);
	char *save = NULL;
	int rc = 0;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		str_trim(tok);
		if (!*tok)
			continue;
		if (l->n >= ARRAY_SIZE(l->v)) {
			snprintf(why, whysz, "more than %zu addresses", ARRAY_SIZE(l->v));
			rc = -1;
			break;
		}
		char *name, *addr;
		struct err e2;
		if (config_parse_mailbox(tok, &name, &addr, &e2) < 0) {
			snprintf(why, whysz, "'%s': %.300s", tok, e2.msg);
			rc = -1;
			break;
		}
		l->owned[l->nowned++] = name;
		l->owned[l->nowned++] = addr;
		l->v[l->n].name = name;
		l->v[l->n].addr = addr;
		l->n++;
	}
	free(copy);
	return rc;
}

static void md_escape_line(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x80 && strchr("\\`*_{}[]()#+-.!|<>&~\"'=:;,?@$%^/", ch) && ch)
			buf_addch(b, '\\');
		buf_addch(b, (char)ch);
	}
}

static void html_escape(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '<': buf_addstr(b, "&lt;"); break;
		case '>': buf_addstr(b, "&gt;"); break;
		case '&': buf_addstr(b, "&amp;"); break;
		case '"': buf_addstr(b, "&quot;"); break;
		default: buf_addch(b, s[i]);
		}
	}
}

/* "On Wed, Nov 25, 2026, Amina Rahman wrote:" and the previous text quoted, in the
 * letter's own kind, so a follow-up reads as a reply in the same thread. */
static void add_quote(struct campaign *c, enum letter_kind kind, const struct thread *th, struct buf *body)
{
	if (!th || !th->last_text || !*th->last_text)
		return;
	static const char *const wd[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const mo[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tz_tm tm;
	char when[64] = "earlier";
	if (tz_local(c->cfg->account.timezone, th->last_date, &tm, NULL) == 0)
		snprintf(when, sizeof when, "On %s, %s %d, %d", wd[tm.wday % 7], mo[(tm.month + 11) % 12], tm.day, tm.year);
	const char *who = *c->cfg->account.from_name ? c->cfg->account.from_name : c->cfg->account.from_addr;
	while (body->len && body->data[body->len - 1] == '\n')
		buf_truncate(body, body->len - 1);
	const char *t = th->last_text;
	if (kind == LETTER_HTML) {
		buf_printf(body, "\n<p>%s, ", when);
		html_escape(body, who, strlen(who));
		buf_addstr(body, " wrote:</p>\n<blockquote style=\"margin:0 0 0 .8ex;border-left:1px solid #ccc;padding-left:1ex\">\n");
		for (const char *p = t; *p;) {
			size_t n = strcspn(p, "\n");
			html_escape(body, p, n);
			buf_addstr(body, "<br>\n");
			p += n + (p[n] == '\n');
		}
		buf_addstr(body, "</blockquote>\n");
		return;
	}
	buf_printf(body, "\n\n%s, ", when);
	if (kind == LETTER_MARKDOWN)
		md_escape_line(body, who, strlen(who));
	else
		buf_addstr(body, who);
	buf_addstr(body, " wrote:\n\n");
	for (const char *p = t; *p;) {
		size_t n = strcspn(p, "\n");
		buf_addstr(body, n ? "> " : ">");
		if (kind == LETTER_MARKDOWN)
			md_escape_line(body, p, n);
		else
			buf_add(body, p, n);
		p += n + (p[n] == '\n');
		/* a Markdown hard break keeps the quoted lines as they were; not at the end of a
		 * paragraph, where CommonMark shows the backslash itself */
		bool more = *p && *p != '\n';
		buf_addstr(body, kind == LETTER_MARKDOWN && n && more ? "\\\n" : "\n");
	}
}


static const char *miss_text(enum tmpl_miss_why why)
{
	switch (why) {
	case TMPL_MISS_MISSING: return "is not defined for this contact";
	case TMPL_MISS_CONTAINER: return "is a group of values, not text";
	default: return "is empty";
	}
}

int campaign_build(struct campaign *c, size_t step, const struct contact *ct, const struct thread *th,
		   const char *message_id, time_t date, struct outgoing *o, struct diags *d, struct err *e)
{
	if (step >= c->nsteps)
		return err_set(e, ERR_INTERNAL, 0, "campaign %s has no step %zu", c->k->name, step + 1);
	const struct letter *l = c->step[step];
	const char *who = ct->email;
	struct mval *cm = vars_contact(ct);
	const struct mval *stack[] = { cm, c->globals };
	struct rendered r;
	rendered_init(&r);
	struct addrlist lists[LH_COUNT];
	memset(lists, 0, sizeof lists);
	struct compose_attachment att[LETTER_MAX_ATTACH + 16];
	size_t natt = 0;
	char *reals[LETTER_MAX_ATTACH + 16];
	size_t nreal = 0;
	struct buf body = BUF_INIT(LETTER_MAX_RENDERED * 2), text = BUF_INIT(LETTER_MAX_RENDERED * 2);
	char *subject = NULL;
	int rc = -1;
	size_t errors_before = d ? d->errors : 0;
	bool blocked = false;
	char why[512];

	if (letter_render(l, stack, 2, &r, e) < 0) {
		if (e->cls == ERR_LIMIT) {
			diags_add(d, DIAG_ERROR, l->path, who, NULL, "%s", e->msg);
			blocked = true;
			goto verdict;
		}
		goto out;
	}
	/* 1. no "Dear ," — ever */
	for (size_t i = 0; i < r.misses.n; i++) {
		const struct tmpl_miss *m = &r.misses.v[i];
		char where[600], hint[300];
		snprintf(where, sizeof where, "%s:%d:%d", m->source, m->line, m->col);
		snprintf(hint, sizeof hint, "fill the '%s' column, or give a fallback: {{%s|...}}", m->name, m->name);
		diags_add(d, DIAG_ERROR, where, who, hint, "{{%s}} %s and has no fallback", m->name, miss_text(m->why));
		blocked = true;
	}
	if (r.misses.dropped) {
		diags_add(d, DIAG_ERROR, l->path, who, NULL, "%zu more empty placeholders", r.misses.dropped);
		blocked = true;
	}
	/* 2. header values: one line each, and addresses that are addresses */
	for (int i = 0; i < LH_COUNT; i++) {
		const struct buf *v = &r.field[i];
		if (!l->field[i].t)
			continue;
		char where[600];
		snprintf(where, sizeof where, "%s:%d", l->path, l->field[i].line);
		if (mem_has_crlf_nul(v->data ? v->data : "", v->len)) {
			diags_add(d, DIAG_ERROR, where, who, "remove line breaks from the contact's data",
				  "%s would contain a line break or NUL byte", letter_header_names[i]);
			blocked = true;
			continue;
		}
		if (i != LH_SUBJECT && v->len && parse_addrs(buf_str(v), &lists[i], why, sizeof why) < 0) {
			diags_add(d, DIAG_ERROR, where, who, NULL, "%s: %s", letter_header_names[i], why);
			blocked = true;
		}
	}
	if (l->field[LH_SUBJECT].t) {
		subject = str_trim(xstrdup(buf_str(&r.field[LH_SUBJECT])));
	} else if (step > 0 && th && th->first_subject) {
		subject = str_istarts_with(th->first_subject, "Re:") ? xstrdup(th->first_subject)
								     : xasprintf("Re: %s", th->first_subject);
	}
	if (subject && *subject && c->test_prefix) {
		char *t = xasprintf("%s%s", c->test_prefix, subject);
		free(subject);
		subject = t;
	}
	if (!subject || !*subject) {
		diags_add(d, DIAG_ERROR, l->path, who, "add a 'Subject:' line at the top of the template",
			  "the message has no subject");
		blocked = true;
	} else if (utf8_length(subject, strlen(subject)) > 78) {
		char where[600];
		snprintf(where, sizeof where, "%s:%d", l->path, l->field[LH_SUBJECT].line ? l->field[LH_SUBJECT].line : 1);
		diags_add(d, DIAG_WARNING, where, who, "mail clients cut long subjects; keep it under 78 characters",
			  "the subject is %zu characters long", utf8_length(subject, strlen(subject)));
	}
	/* 3. attachments: the template's, and the campaign's on the first message */
	long total = 0;
	for (size_t i = 0; i < r.nattach + (step == 0 ? c->k->nattachments : 0); i++) {
		bool from_tmpl = i < r.nattach;
		const char *src = from_tmpl ? l->attach[i].src : c->k->attachments[i - r.nattach];
		const char *path = from_tmpl ? buf_str(&r.attach[i]) : src;
		char where[600];
		if (from_tmpl)
			snprintf(where, sizeof where, "%s:%d", l->path, l->attach[i].line);
		else
			snprintf(where, sizeof where, "%s: [campaign %s] attachment", c->cfg->path, c->k->name);
		if (!*path) {
			diags_add(d, DIAG_ERROR, where, who, NULL, "the attachment path is empty");
			blocked = true;
			continue;
		}
		char *real = attach_resolve(c, src, path, why, sizeof why);
		if (!real) {
			diags_add(d, DIAG_ERROR, where, who, NULL, "%s", why);
			blocked = true;
			continue;
		}
		struct err ae;
		const struct cached *k = attach_get(c, real, &ae);
		if (!k) {
			diags_add(d, DIAG_ERROR, where, who, NULL, "attachment '%s': %s", path, ae.msg);
			blocked = true;
			free(real);
			continue;
		}
		reals[nreal++] = real;
		total += (long)k->len;
		att[natt++] = (struct compose_attachment){ .data = k->data, .len = k->len, .filename = path_basename(path) };
	}
	if (total > CAMPAIGN_ATTACH_LIMIT) {
		diags_add(d, DIAG_ERROR, l->path, who, "providers refuse messages this large; link to the file instead",
			  "attachments total %.1f MB, more than 25 MB", (double)total / 1048576.0);
		blocked = true;
	} else if (total > CAMPAIGN_ATTACH_WARN) {
		diags_add(d, DIAG_WARNING, l->path, who, "large messages are often filtered; keep your CV small",
			  "attachments total %.1f MB", (double)total / 1048576.0);
	}
verdict:
	if (blocked || (d && d->errors > errors_before)) {
		rc = 1;
		goto out;
	}
	if (!o) {
		rc = 0; /* a check only: everything that depends on the contact has passed */
		goto out;
	}
	/* 4. the body, with the earlier message quoted below a follow-up */
	buf_add(&body, r.body.data ? r.body.data : "", r.body.len);
	if (step > 0)
		add_quote(c, l->kind, th, &body);
	struct compose_msg m = { 0 };
	m.from.name = c->cfg->account.from_name;
	m.from.addr = c->cfg->account.from_addr;
	char *to_name = contact_full_name(ct);
	m.to.name = to_name;
	m.to.addr = ct->email;
	m.cc = lists[LH_CC].v;
	m.ncc = lists[LH_CC].n;
	m.reply_to = lists[LH_REPLY_TO].v;
	m.nreply_to = lists[LH_REPLY_TO].n;
	m.subject = subject;
	m.message_id = message_id;
	if (step > 0 && th && th->nids) {
		m.in_reply_to = th->ids[th->nids - 1];
		m.references = th->ids;
		m.nreferences = th->nids;
	}
	m.date = date;
	long off = 0;
	tz_offset(c->cfg->account.timezone, date, &off, NULL);
	m.utc_offset_min = (int)(off / 60);
	switch (l->kind) {
	case LETTER_MARKDOWN:
		m.markdown = buf_str(&body);
		if (markdown_to_text(body.data ? body.data : "", body.len, &text, e) < 0) {
			free(to_name);
			goto out;
		}
		break;
	case LETTER_HTML:
		m.html = buf_str(&body);
		html_to_text(body.data ? body.data : "", body.len, &text);
		m.text = buf_str(&text);
		break;
	case LETTER_TEXT:
		m.text = buf_str(&body);
		buf_add(&text, body.data ? body.data : "", body.len);
		break;
	}
	m.att = att;
	m.natt = natt;
	buf_reset(&o->bytes);
	struct err ce;
	if (compose_message(&m, &o->bytes, &ce) < 0) {
		free(to_name);
		if (ce.cls == ERR_IO) {
			*e = ce;
			goto out;
		}
		diags_add(d, DIAG_ERROR, l->path, who, NULL, "%s", ce.msg);
		rc = 1;
		goto out;
	}
	free(to_name);
	free(o->subject);
	o->subject = subject;
	subject = NULL;
	free(o->text);
	o->text = buf_detach(&text, NULL);
	for (size_t i = 0; i < o->nrcpt; i++)
		free(o->rcpt[i]);
	o->nrcpt = 0;
	add_rcpt(o, ct->email);
	for (size_t i = 0; i < lists[LH_CC].n; i++)
		add_rcpt(o, lists[LH_CC].v[i].addr);
	for (size_t i = 0; i < lists[LH_BCC].n; i++)
		add_rcpt(o, lists[LH_BCC].v[i].addr);
	rc = 0;
out:
	for (int i = 0; i < LH_COUNT; i++)
		addrlist_release(&lists[i]);
	for (size_t i = 0; i < nreal; i++)
		free(reals[i]);
	free(subject);
	buf_release(&body);
	buf_release(&text);
	rendered_release(&r);
	mval_free(cm);
	return rc;
}

/* ------------------------------------------------------------------ template lint */

static size_t edit_distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	if (n > 40 || m > 40)
		return 99;
	size_t prev[41], cur[41];
	for (size_t j = 0; j <= m; j++)
		prev[j] = j;
	for (size_t i = 1; i <= n; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= m; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, sizeof prev);
	}
	return prev[m];
}

struct lint_ctx {
	struct campaign *c;
	bool (*has)(void *ud, const char *name);
	void *ud;
	struct diags *d;
	const char *section_stack[64];
};

static const char *suggest(const char *name)
{
	static const char *const known[] = {
		"email", "first_name", "last_name", "title", "specialty", "department", "hospital", "city",
		"state", "country", "timezone", "phone", "notes", "full_name", "salutation", "hospital_short",
		"sender.name", "sender.email", "sender.first_name", "campaign.name",
	};
	const char *best = NULL;
	size_t bd = 3;
	for (size_t i = 0; i < ARRAY_SIZE(known); i++) {
		size_t dd = edit_distance(name, known[i]);
		if (dd < bd)
			bd = dd, best = known[i];
	}
	return best;
}

static int lint_var(void *ud, const struct tmpl_var *v)
{
	struct lint_ctx *x = ud;
	if (v->kind == TMPL_VAR_PARTIAL || !strcmp(v->name, "."))
		return 0;
	/* names used inside a section over something else may be that thing's fields */
	if (v->section && strcmp(v->section, v->name) != 0 && !vars_is_global(v->name) && x->has(x->ud, v->section))
		return 0;
	bool ok;
	if (vars_is_global(v->name)) {
		ok = mval_map_getz(x->c->globals, "sender") && strchr(v->name, '.') == NULL;
		const char *dot = strchr(v->name, '.');
		if (dot) {
			char *top = xstrndup(v->name, (size_t)(dot - v->name));
			const struct mval *g = mval_map_getz(x->c->globals, top);
			ok = g && mval_map_getz(g, dot + 1);
			free(top);
		}
	} else {
		ok = x->has(x->ud, v->name);
		for (size_t i = 0; !ok && vars_derived[i]; i++)
			ok = !strcmp(v->name, vars_derived[i]);
	}
	if (ok)
		return 0;
	char where[600], hint[300];
	snprintf(where, sizeof where, "%s:%d:%d", v->source, v->line, v->col);
	const char *s = suggest(v->name);
	if (s && !strcmp(s, v->name)) /* a known column, empty for every contact */
		snprintf(hint, sizeof hint, "no contact has a value in the '%s' column; fill it, or give a fallback: {{%s|...}}",
			 v->name, v->name);
	else if (s)
		snprintf(hint, sizeof hint, "did you mean {{%s}}?", s);
	else if (str_starts_with(v->name, "campaign."))
		snprintf(hint, sizeof hint, "add 'var.%s = ...' to [campaign %s]", v->name + 9, x->c->k->name);
	else
		snprintf(hint, sizeof hint, "add a '%s' column to the contacts, or fix the name", v->name);
	/* a section, or a value only shown inside its own section ({{#x}}{{x}}{{/x}}), can
	 * never print a blank: at worst it never shows */
	bool section = v->kind == TMPL_VAR_SECTION || v->kind == TMPL_VAR_INVERTED ||
		       (v->section && !strcmp(v->section, v->name));
	if (section || v->has_fallback)
		diags_add(x->d, DIAG_WARNING, where, NULL, hint, "'%s' is not a column of any contact, a sender or campaign field%s",
			  v->name, section ? " (this section never shows)" : " (the fallback is always used)");
	else
		diags_add(x->d, DIAG_ERROR, where, NULL, hint, "'{{%s}}' is not a column of any contact, a sender or campaign field",
			  v->name);
	return 0;
}

void campaign_lint_vars(struct campaign *c, bool (*has_column)(void *ud, const char *name), void *ud,
			struct diags *d)
{
	struct lint_ctx x = { c, has_column, ud, d, { 0 } };
	for (size_t i = 0; i < c->nsteps; i++) {
		const struct letter *l = c->step[i];
		for (int h = 0; h < LH_COUNT; h++)
			if (l->field[h].t)
				tmpl_foreach_var(l->field[h].t, lint_var, &x);
		for (size_t a = 0; a < l->nattach; a++)
			tmpl_foreach_var(l->attach[a].t, lint_var, &x);
		tmpl_foreach_var(l->body, lint_var, &x);
	}
}

/* ------------------------------------------------------------------ whole-campaign check */

char *campaign_message_id(const struct config *cfg)
{
	char *tok = random_token(24);
	char *id = xasprintf("%s@%s", tok, addr_domain(cfg->account.from_addr));
	free(tok);
	return id;
}

struct names {
	char **v;
	size_t n, cap;
};

static bool names_has(void *ud, const char *name)
{
	struct names *s = ud;
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], name))
			return true;
	return false;
}

static void names_add(struct names *s, const char *name)
{
	if (names_has(s, name))
		return;
	s->v = xgrow(s->v, &s->cap, s->n + 1, sizeof *s->v);
	s->v[s->n++] = xstrdup(name);
}

struct check_ctx {
	struct campaign *c;
	struct store *st;
	struct diags *d;
	struct names cols;
	long n, blocked, suppressed;
	int64_t campaign_id; /* in the database, 0 when nobody is enrolled yet */
	struct err *e;
	int pass;  /* 0: collect columns, 1: build */
};

static int check_one(void *ud, const struct contact *ct)
{
	struct check_ctx *x = ud;
	if (x->pass == 0) {
		names_add(&x->cols, "email");
		for (int i = 0; i < CF_COUNT; i++)
			if (ct->field[i] && *ct->field[i])
				names_add(&x->cols, contact_field_names[i]);
		for (size_t i = 0; i < ct->nextra; i++)
			if (*ct->extra[i].value)
				names_add(&x->cols, ct->extra[i].name);
		return 0;
	}
	/* what send skips, lint skips: everywhere and this campaign's do-not-contact lists */
	int sup = store_is_suppressed(x->st, ct->email, x->campaign_id, NULL, 0, x->e);
	if (sup < 0)
		return -1;
	if (sup) {
		x->suppressed++;
		return 0;
	}
	x->n++;
	size_t before = x->d->errors;
	bool blocked = false;
	struct outgoing o;
	outgoing_init(&o);
	char *first_subject = NULL, *first_text = NULL;
	const char *ids[CAMPAIGN_MAX_STEPS];
	char fake[CAMPAIGN_MAX_STEPS][64];
	time_t now = clock_now();
	for (size_t step = 0; step < x->c->nsteps; step++) {
		snprintf(fake[step], sizeof fake[step], "lint-%zu@%s", step, addr_domain(x->c->cfg->account.from_addr));
		ids[step] = fake[step];
		struct thread th = { first_subject ? first_subject : "(subject of the first message)", ids, step,
				     first_text ? first_text : "", now };
		int r = campaign_build(x->c, step, ct, &th, fake[step], now, &o, x->d, x->e);
		if (r < 0) {
			free(first_subject), free(first_text);
			outgoing_release(&o);
			return -1;
		}
		if (r > 0)
			blocked = true;
		if (step == 0 && r == 0) {
			first_subject = xstrdup(o.subject);
			first_text = xstrdup(o.text);
		}
	}
	free(first_subject), free(first_text);
	outgoing_release(&o);
	if (blocked || x->d->errors > before)
		x->blocked++;
	return 0;
}

int campaign_check_all(struct campaign *c, struct store *st, struct diags *d, long *ncontacts, long *nblocked,
		       struct err *e)
{
	struct check_ctx x = { .c = c, .st = st, .d = d, .e = e };
	int rc = store_campaign_lookup(st, c->k->name, &x.campaign_id, e) < 0 ? -1 : 0;
	if (rc == 0)
		rc = store_contacts_each(st, c->k->name, check_one, &x, e);
	if (rc == 0) {
		campaign_lint_vars(c, names_has, &x.cols, d);
		x.pass = 1;
		rc = store_contacts_each(st, c->k->name, check_one, &x, e);
	}
	for (size_t i = 0; i < x.cols.n; i++)
		free(x.cols.v[i]);
	free(x.cols.v);
	*ncontacts = x.n;
	*nblocked = x.blocked;
	return rc ? -1 : 0;
}

void diags_print(const struct diags *d, FILE *f, size_t max_contacts)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < d->n; i++) {
			const struct diag *g = &d->v[i];
			if ((pass == 0) != (g->sev == DIAG_ERROR))
				continue;
			fprintf(f, "%s%s%s: %s\n", g->where, *g->where ? ": " : "", g->sev == DIAG_ERROR ? "error" : "warning",
				g->what);
			if (g->ncontacts) {
				fprintf(f, "    %s %zu contact%s: ", g->ncontacts == 1 ? "for" : "for these", g->ncontacts,
					g->ncontacts == 1 ? "" : "s");
				for (size_t k = 0; k < g->ncontacts && k < max_contacts; k++)
					fprintf(f, "%s%s", k ? ", " : "", g->contacts[k]);
				if (g->ncontacts > max_contacts)
					fprintf(f, " and %zu more", g->ncontacts - max_contacts);
				fputc('\n', f);
			}
			if (g->hint)
				fprintf(f, "    hint: %s\n", g->hint);
		}
}
