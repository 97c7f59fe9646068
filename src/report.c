/* report: judge where each contact of a campaign stands, sum it up, and write the tracker as
 * CSV and JSON (the HTML page is in report_html.c). */
#include "report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "cal.h"
#include "config.h"
#include "csvio.h"
#include "err.h"
#include "json.h"
#include "mval.h"
#include "store.h"
#include "tz.h"
#include "util.h"
#include "xalloc.h"

/* ------------------------------------------------------------------ names */

static const struct {
	const char *code, *words;
} status_names[REPORT_NSTATUS] = {
	[REPORT_OFFER] = { "offer", "offer" },
	[REPORT_INFO_REQUEST] = { "info_request", "asked for more information" },
	[REPORT_DECLINED] = { "declined", "declined" },
	[REPORT_REPLIED] = { "replied", "replied" },
	[REPORT_OUT_OF_OFFICE] = { "out_of_office", "out of office" },
	[REPORT_BOUNCED] = { "bounced", "bounced" },
	[REPORT_FAILED] = { "failed", "failed" },
	[REPORT_UNKNOWN] = { "unknown", "unknown" },
	[REPORT_NO_ANSWER] = { "no_answer", "no answer yet" },
	[REPORT_PAUSED] = { "paused", "paused" },
	[REPORT_STOPPED] = { "stopped", "stopped" },
	[REPORT_DO_NOT_CONTACT] = { "do_not_contact", "do not contact" },
	[REPORT_NOT_SENT] = { "not_sent", "not sent yet" },
};

const char *report_status_code(enum report_status s)
{
	return (unsigned)s < REPORT_NSTATUS ? status_names[s].code : "?";
}

const char *report_status_words(enum report_status s)
{
	return (unsigned)s < REPORT_NSTATUS ? status_names[s].words : "?";
}

/* The labels of the replies table (its CHECK constraint), as static strings. */
static const char *const labels[] = { "offer", "decline", "info_request", "auto_reply", "bounce", "other" };

static const char *canon_label(const char *s)
{
	for (size_t i = 0; s && i < ARRAY_SIZE(labels); i++)
		if (!strcmp(s, labels[i]))
			return labels[i];
	return NULL;
}

static bool is_personal(const char *label)
{
	return label == labels[0] || label == labels[1] || label == labels[2] || label == labels[5];
}

/* ------------------------------------------------------------------ text hygiene */

/* A copy of untrusted text that is valid UTF-8 (invalid bytes → U+FFFD) without control
 * characters: with one_line, every run of whitespace becomes one space and the ends are
 * trimmed; otherwise CRLF and CR become LF and tabs stay. At most max bytes of input are
 * read (0: all), cut on a character boundary with an ellipsis. */
static char *clean_text(const char *s, bool one_line, size_t max)
{
	if (!s)
		return NULL;
	size_t n = strlen(s);
	bool cut = false;
	if (max && n > max) {
		n = max;
		/* back to the start of a character */
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		cut = true;
	}
	struct buf b = BUF_INIT(n * 3 + 8);
	bool space = false;
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80) {
			i++;
			if (c == '\r') {
				if (i < n && s[i] == '\n')
					i++;
				c = '\n';
			}
			bool ws = c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f';
			if (one_line && ws) {
				space = b.len > 0;
				continue;
			}
			if (c < 0x20 && c != '\n' && c != '\t')
				continue;
			if (c == 0x7f)
				continue;
			if (space)
				buf_addch(&b, ' ');
			space = false;
			buf_addch(&b, (char)c);
			continue;
		}
		uint32_t cp;
		int k = utf8_decode(s + i, n - i, &cp);
		if (space)
			buf_addch(&b, ' ');
		space = false;
		if (k < 0) {
			buf_addstr(&b, "\xef\xbf\xbd");
			i++;
			continue;
		}
		if (cp >= 0x80 && cp < 0xa0) { /* C1 controls */
			i += (size_t)k;
			continue;
		}
		if (one_line && (cp == 0x2028 || cp == 0x2029 || cp == 0xa0)) {
			space = b.len > 0;
			i += (size_t)k;
			continue;
		}
		buf_add(&b, s + i, (size_t)k);
		i += (size_t)k;
	}
	if (!one_line)
		while (b.len && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == ' ' || b.data[b.len - 1] == '\t'))
			buf_truncate(&b, b.len - 1);
	if (cut)
		buf_addstr(&b, "\xe2\x80\xa6");
	return buf_detach(&b, NULL);
}

/* Shorten a one-line text to at most max code points, with an ellipsis. */
static char *shorten(char *s, size_t max)
{
	size_t n = strlen(s);
	if (utf8_length(s, n) <= max)
		return s;
	size_t i = 0, seen = 0;
	while (i < n && seen < max - 1) {
		i++;
		while (i < n && ((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
		seen++;
	}
	/* end on a word when one is near, so a snippet does not stop mid-word */
	size_t j = i;
	while (j > i / 2 && s[j] != ' ')
		j--;
	if (j > i / 2)
		i = j;
	char *r = xasprintf("%.*s\xe2\x80\xa6", (int)i, s);
	free(s);
	return r;
}

/* ------------------------------------------------------------------ building */

struct report_pending {
	size_t row;
	int64_t id;
	const char *label;  /* effective, static */
	bool manual;
	char *note;
	time_t date;
	char *from_addr, *from_name, *reason, *snippet, *new_text, *conditions, *return_date, *bounce_status;
	int bounce_hard;
};

static void pending_release(struct report_pending *p)
{
	free(p->note);
	free(p->from_addr);
	free(p->from_name);
	free(p->reason);
	free(p->snippet);
	free(p->new_text);
	free(p->conditions);
	free(p->return_date);
	free(p->bounce_status);
}

struct report *report_new(const struct report_opts *o)
{
	struct report *r = xcalloc(1, sizeof *r);
	r->campaign = xstrdup(o->campaign ? o->campaign : "");
	r->zone = xstrdup(o->zone ? o->zone : "UTC");
	r->owner = xstrdup(o->owner ? o->owner : "");
	r->now = o->now;
	r->steps = o->steps > 0 ? o->steps : 0;
	r->campaign_paused = o->campaign_paused;
	return r;
}

/* Index of the row of contact id, or (size_t)-1; rows are kept in id order. */
static size_t find_row(const struct report *r, int64_t id)
{
	size_t lo = 0, hi = r->nrows;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r->rows[mid].contact_id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < r->nrows && r->rows[lo].contact_id == id ? lo : (size_t)-1;
}

void report_add_contact(struct report *r, const struct report_contact_in *c)
{
	if (r->finished || find_row(r, c->id) != (size_t)-1)
		return;
	r->rows = xgrow(r->rows, &r->rowcap, r->nrows + 1, sizeof *r->rows);
	/* import order is id order; keep it even when fed out of order */
	size_t at = r->nrows;
	while (at > 0 && r->rows[at - 1].contact_id > c->id)
		at--;
	memmove(&r->rows[at + 1], &r->rows[at], (r->nrows - at) * sizeof *r->rows);
	r->nrows++;
	/* pending replies point at rows by index: none exist yet when contacts come first */
	for (size_t i = 0; i < r->npending; i++)
		if (r->pending[i].row >= at)
			r->pending[i].row++;
	struct report_row *w = &r->rows[at];
	memset(w, 0, sizeof *w);
	w->contact_id = c->id;
	w->email = clean_text(c->email ? c->email : "", true, 0);
	w->first_name = clean_text(c->first_name ? c->first_name : "", true, 0);
	w->last_name = clean_text(c->last_name ? c->last_name : "", true, 0);
	w->name = xasprintf("%s%s%s", w->first_name, *w->first_name && *w->last_name ? " " : "", w->last_name);
	w->title = clean_text(c->title ? c->title : "", true, 0);
	w->specialty = clean_text(c->specialty ? c->specialty : "", true, 0);
	w->department = clean_text(c->department ? c->department : "", true, 0);
	w->hospital = clean_text(c->hospital ? c->hospital : "", true, 0);
	w->city = clean_text(c->city ? c->city : "", true, 0);
	w->state = clean_text(c->state ? c->state : "", true, 0);
	w->country = clean_text(c->country ? c->country : "", true, 0);
	w->enrollment = clean_text(c->enrollment ? c->enrollment : "active", true, 0);
	w->enrollment_reason = clean_text(c->enrollment_reason, true, 0);
	w->suppressed = c->suppressed;
	w->days_to_reply = -1;
}

int report_add_message(struct report *r, const struct report_message_in *m)
{
	size_t i = find_row(r, m->contact_id);
	if (r->finished || i == (size_t)-1)
		return 0;
	struct report_row *w = &r->rows[i];
	w->steps_planned++;
	const char *st = m->state ? m->state : "";
	if (!strcmp(st, "sent")) {
		w->steps_sent++;
		if (m->sent_at) {
			if (!w->first_sent || m->sent_at < w->first_sent)
				w->first_sent = m->sent_at;
			if (m->sent_at > w->last_sent)
				w->last_sent = m->sent_at;
			r->sent_times = xgrow(r->sent_times, &r->sentcap, r->nsent_times + 1, sizeof *r->sent_times);
			r->sent_times[r->nsent_times++] = m->sent_at;
		}
		if (m->step > 0)
			r->sum.follow_ups_sent++;
	} else if (!strcmp(st, "queued") || !strcmp(st, "failed_temp")) {
		w->queued++;
		if (!w->next_due || m->due_at < w->next_due) {
			w->next_due = m->due_at;
			w->next_step = m->step;
		}
	} else if (!strcmp(st, "failed_perm")) {
		w->failed++;
		free(w->send_error);
		w->send_error = clean_text(m->last_error && *m->last_error ? m->last_error : "refused by the server",
					   true, 400);
	} else if (!strcmp(st, "cancelled")) {
		w->cancelled++;
	} else {
		/* unknown, and sending: a send in flight counts as in doubt until it settles */
		w->unknown++;
	}
	return 0;
}

int report_add_reply(struct report *r, const struct report_reply_in *rp)
{
	size_t i = find_row(r, rp->contact_id);
	if (r->finished || i == (size_t)-1)
		return 0;
	r->pending = xgrow(r->pending, &r->pendcap, r->npending + 1, sizeof *r->pending);
	struct report_pending *p = &r->pending[r->npending++];
	memset(p, 0, sizeof *p);
	p->row = i;
	p->id = rp->id;
	const char *ov = canon_label(rp->override_label);
	p->label = ov ? ov : canon_label(rp->label);
	if (!p->label)
		p->label = labels[5]; /* other */
	p->manual = ov != NULL;
	p->note = rp->override_note && *rp->override_note ? clean_text(rp->override_note, true, 2000) : NULL;
	p->date = rp->date;
	p->from_addr = clean_text(rp->from_addr ? rp->from_addr : "", true, 400);
	p->from_name = clean_text(rp->from_name ? rp->from_name : "", true, 400);
	p->reason = clean_text(rp->reason ? rp->reason : "", true, 600);
	p->snippet = clean_text(rp->snippet ? rp->snippet : "", true, 4000);
	p->new_text = clean_text(rp->new_text ? rp->new_text : "", false, REPORT_TEXT_MAX);
	p->conditions = rp->conditions ? xstrndup(rp->conditions, 8192) : NULL;
	/* only a real date: it is compared with today and shown as "until ..." */
	struct cal_date d;
	struct err e2;
	if (rp->return_date && cal_date_parse(rp->return_date, &d, &e2) == 0) {
		char iso[11];
		cal_date_format(d, iso);
		p->return_date = xstrdup(iso);
	}
	p->bounce_status = clean_text(rp->bounce_status ? rp->bounce_status : "", true, 64);
	p->bounce_hard = rp->bounce_hard;
	return 0;
}

static int cmp_pending(const void *a, const void *b)
{
	const struct report_pending *x = a, *y = b;
	if (x->row != y->row)
		return x->row < y->row ? -1 : 1;
	if (x->date != y->date)
		return x->date < y->date ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int cmp_time(const void *a, const void *b)
{
	time_t x = *(const time_t *)a, y = *(const time_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return x < y ? -1 : x > y;
}

static void push_condition(char ***v, size_t *n, const char *s, size_t len)
{
	while (len && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n' || *s == '-' || *s == '*'))
		s++, len--;
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' || s[len - 1] == '\n'))
		len--;
	if (!len || *n >= REPORT_CONDITIONS_MAX)
		return;
	char *raw = xstrndup(s, len > 400 ? 400 : len);
	char *c = clean_text(raw, true, 0);
	free(raw);
	if (!*c) {
		free(c);
		return;
	}
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i], c)) {
			free(c);
			return;
		}
	*v = xrealloc(*v, (*n + 1) * sizeof **v);
	(*v)[(*n)++] = c;
}

size_t report_split_conditions(const char *s, char ***out)
{
	char **v = NULL;
	size_t n = 0;
	*out = NULL;
	if (!s)
		return 0;
	const char *p = s;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (*p == '[') {
		struct err e;
		struct mval *j = json_parse(NULL, s, strlen(s), NULL, &e);
		if (j && j->type == MVAL_LIST) {
			for (size_t i = 0; i < j->u.list.n; i++)
				if (j->u.list.v[i]->type == MVAL_STRING)
					push_condition(&v, &n, j->u.list.v[i]->u.str.s, strlen(j->u.list.v[i]->u.str.s));
			mval_free(j);
			*out = v;
			return n;
		}
		mval_free(j);
		/* not JSON after all: read it as text */
	}
	for (const char *q = s;;) {
		size_t len = strcspn(q, ";\n");
		push_condition(&v, &n, q, len);
		if (!q[len])
			break;
		q += len + 1;
	}
	*out = v;
	return n;
}

static bool local_date(const struct report *r, time_t t, struct cal_date *d)
{
	struct err e;
	return cal_local_date(t, r->zone, d, &e) == 0;
}

void report_local_date(const struct report *r, time_t t, char out[static 16])
{
	struct cal_date d;
	out[0] = '\0';
	if (t && local_date(r, t, &d) && cal_date_valid(d))
		cal_date_format(d, out);
}

void report_utc_stamp(time_t t, char out[static 24])
{
	struct tm tm;
	out[0] = '\0';
	if (gmtime_r(&t, &tm) && tm.tm_year + 1900 >= 1 && tm.tm_year + 1900 <= 9999)
		strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static char *bounce_text(const struct report_pending *p)
{
	const char *why = *p->reason ? p->reason : p->snippet;
	bool has_status = *p->bounce_status && !strstr(why, p->bounce_status);
	char *s = xasprintf("%s%s%s%s", p->bounce_hard == 0 ? "temporary: " : "", has_status ? p->bounce_status : "",
			    has_status && *why ? " " : "", why);
	if (!*s) {
		free(s);
		s = xstrdup(p->bounce_hard == 0 ? "temporary delivery problem" : "undeliverable");
	}
	return shorten(s, 300);
}

static void judge(struct report *r, struct report_row *w, struct report_pending *rp, size_t n, const char *today)
{
	struct report_pending *decide = NULL, *info = NULL, *other = NULL, *bounce = NULL, *soft = NULL, *ooo = NULL;
	for (size_t i = 0; i < n; i++) {
		struct report_pending *p = &rp[i];
		w->nreplies++;
		if (p->note) {
			free(w->note);
			w->note = xstrdup(p->note);
		} else if (p->manual && !w->note) {
			w->note = xstrdup("label set by hand");
		}
		if (is_personal(p->label)) {
			if (!w->first_reply || p->date < w->first_reply)
				w->first_reply = p->date;
			r->reply_times = xgrow(r->reply_times, &r->replycap, r->nreply_times + 1, sizeof *r->reply_times);
			r->reply_times[r->nreply_times++] = p->date;
		}
		if (p->label == labels[0] || p->label == labels[1])
			decide = p;
		else if (p->label == labels[2])
			info = p;
		else if (p->label == labels[5])
			other = p;
		else if (p->label == labels[4] && p->bounce_hard != 0)
			bounce = p;
		else if (p->label == labels[4])
			soft = p;
		else if (p->label == labels[3]) {
			if (p->return_date || !ooo || !ooo->return_date)
				ooo = p;
			if (p->return_date) {
				free(w->return_date);
				w->return_date = xstrdup(p->return_date);
			}
		}
	}
	if (!decide)
		decide = info ? info : other;
	bool personal = decide != NULL;
	if (!decide)
		decide = bounce ? bounce : ooo; /* a soft bounce is no answer: it only explains, below */
	if (bounce || soft)
		w->bounce_reason = bounce_text(bounce ? bounce : soft);
	else if (w->send_error)
		w->bounce_reason = xstrdup(w->send_error);

	if (decide) {
		w->reply_label = decide->label;
		w->label_manual = decide->manual;
		w->reply_date = decide->date;
		const char *src = *decide->snippet ? decide->snippet : decide->new_text;
		if (*src)
			w->snippet = shorten(clean_text(src, true, 4000), REPORT_SNIPPET_MAX);
		if (*decide->new_text || *decide->snippet)
			w->reply_text = xstrdup(*decide->new_text ? decide->new_text : decide->snippet);
		/* who answered matters for a person's reply (a coordinator); a bounce comes from a
		 * mailer daemon and an auto-reply from a robot, neither worth naming */
		if (personal && *decide->from_addr && strcasecmp(decide->from_addr, w->email) != 0)
			w->reply_from = *decide->from_name ? xasprintf("%s <%s>", decide->from_name, decide->from_addr)
							   : xstrdup(decide->from_addr);
		if (decide->label == labels[0] && decide->conditions)
			w->nconditions = report_split_conditions(decide->conditions, &w->conditions);
	}
	if (personal && w->first_reply && w->first_sent) {
		struct cal_date a, b;
		if (local_date(r, w->first_sent, &a) && local_date(r, w->first_reply, &b)) {
			long d = cal_days_from_civil(b) - cal_days_from_civil(a);
			w->days_to_reply = d < 0 ? 0 : d;
		}
	}

	bool sent_any = w->steps_sent > 0;
	bool ooo_now = ooo && (!ooo->return_date || strcmp(ooo->return_date, today) >= 0);
	const char *extra = NULL;
	if (personal) {
		w->status = decide->label == labels[0]   ? REPORT_OFFER
			    : decide->label == labels[1] ? REPORT_DECLINED
			    : decide->label == labels[2] ? REPORT_INFO_REQUEST
							 : REPORT_REPLIED;
	} else if (bounce) {
		w->status = REPORT_BOUNCED;
	} else if (w->failed && !sent_any && !w->unknown) {
		w->status = REPORT_FAILED;
	} else if (w->unknown && !sent_any) {
		w->status = REPORT_UNKNOWN;
	} else if (ooo_now) {
		w->status = REPORT_OUT_OF_OFFICE;
	} else if (w->suppressed) {
		w->status = REPORT_DO_NOT_CONTACT;
	} else if (r->campaign_paused || !strcmp(w->enrollment, "paused")) {
		w->status = REPORT_PAUSED;
		extra = r->campaign_paused ? "the whole campaign" : w->enrollment_reason;
	} else if (!strcmp(w->enrollment, "stopped")) {
		w->status = REPORT_STOPPED;
		extra = w->enrollment_reason;
	} else if (sent_any) {
		w->status = REPORT_NO_ANSWER;
	} else {
		w->status = REPORT_NOT_SENT;
	}

	const char *words = report_status_words(w->status);
	if (w->status == REPORT_OUT_OF_OFFICE)
		w->status_text = ooo->return_date ? xasprintf("out of office until %s", ooo->return_date)
						  : xstrdup("auto-reply (no return date)");
	else if (w->status == REPORT_NO_ANSWER && ooo && ooo->return_date)
		w->status_text = xasprintf("no answer yet (was out of office until %s)", ooo->return_date);
	else if (w->status == REPORT_UNKNOWN)
		w->status_text = xstrdup("unknown (may have been delivered)");
	else if (extra && *extra)
		w->status_text = xasprintf("%s (%s)", words, extra);
	else
		w->status_text = xstrdup(words);
}

static bool row_written_to(const struct report_row *w)
{
	return w->steps_sent > 0 || w->unknown > 0 || w->nreplies > 0;
}

static bool row_reached(const struct report_row *w)
{
	return row_written_to(w) && w->status != REPORT_BOUNCED;
}

int report_finish(struct report *r, struct err *e)
{
	if (r->finished)
		return 0;
	if (tz_enter(r->zone, e) < 0)
		return -1;
	char today[16];
	report_local_date(r, r->now, today);
	/* qsort(NULL, 0, ...) is undefined behaviour, hence the guards */
	if (r->npending)
		qsort(r->pending, r->npending, sizeof *r->pending, cmp_pending);
	struct report_summary *s = &r->sum;
	size_t k = 0;
	long *days = xcalloc(r->nrows + 1, sizeof *days);
	size_t ndays = 0;
	for (size_t i = 0; i < r->nrows; i++) {
		struct report_row *w = &r->rows[i];
		size_t start = k;
		while (k < r->npending && r->pending[k].row == i)
			k++;
		judge(r, w, r->pending + start, k - start, today);
		s->by_status[w->status]++;
		s->messages_sent += w->steps_sent;
		s->queued += w->queued;
		if (row_written_to(w))
			s->written_to++;
		if (w->days_to_reply >= 0)
			days[ndays++] = w->days_to_reply;
		if (w->first_sent && (!s->first_sent || w->first_sent < s->first_sent))
			s->first_sent = w->first_sent;
		if (w->last_sent > s->last_sent)
			s->last_sent = w->last_sent;
		if (w->queued && !r->campaign_paused && !strcmp(w->enrollment, "active") && !w->suppressed &&
		    (!s->next_due || w->next_due < s->next_due)) {
			s->next_due = w->next_due;
			s->next_contact = w->contact_id;
			s->next_step = w->next_step;
		}
	}
	tz_leave();
	for (size_t i = 0; i < r->npending; i++)
		pending_release(&r->pending[i]);
	free(r->pending);
	r->pending = NULL;
	r->npending = r->pendcap = 0;

	s->contacts = (long)r->nrows;
	s->planned_messages = (long)r->nrows * r->steps;
	s->replied = s->by_status[REPORT_OFFER] + s->by_status[REPORT_INFO_REQUEST] + s->by_status[REPORT_DECLINED] +
		     s->by_status[REPORT_REPLIED];
	s->reached = s->written_to - s->by_status[REPORT_BOUNCED];
	s->reply_rate = s->reached > 0 ? (double)s->replied / (double)s->reached : NAN;
	s->offer_rate = s->reached > 0 ? (double)s->by_status[REPORT_OFFER] / (double)s->reached : NAN;
	if (ndays) {
		qsort(days, ndays, sizeof *days, cmp_long);
		s->median_days_to_reply = ndays % 2 ? (double)days[ndays / 2]
						    : ((double)days[ndays / 2 - 1] + (double)days[ndays / 2]) / 2;
	} else {
		s->median_days_to_reply = NAN;
	}
	free(days);
	if (r->nsent_times)
		qsort(r->sent_times, r->nsent_times, sizeof *r->sent_times, cmp_time);
	if (r->nreply_times)
		qsort(r->reply_times, r->nreply_times, sizeof *r->reply_times, cmp_time);
	r->finished = true;
	return 0;
}

static void row_release(struct report_row *w)
{
	char **strs[] = { &w->email, &w->first_name, &w->last_name, &w->name, &w->title, &w->specialty,
			  &w->department, &w->hospital, &w->city, &w->state, &w->country, &w->enrollment,
			  &w->enrollment_reason, &w->send_error, &w->status_text, &w->snippet, &w->reply_text,
			  &w->reply_from, &w->bounce_reason, &w->return_date, &w->note };
	for (size_t i = 0; i < ARRAY_SIZE(strs); i++)
		free(*strs[i]);
	for (size_t i = 0; i < w->nconditions; i++)
		free(w->conditions[i]);
	free(w->conditions);
}

void report_free(struct report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nrows; i++)
		row_release(&r->rows[i]);
	free(r->rows);
	for (size_t i = 0; i < r->npending; i++)
		pending_release(&r->pending[i]);
	free(r->pending);
	free(r->sent_times);
	free(r->reply_times);
	free(r->campaign);
	free(r->zone);
	free(r->owner);
	free(r);
}

/* ------------------------------------------------------------------ loading */

static int load_contact(void *ud, const struct report_contact_in *c)
{
	report_add_contact(ud, c);
	return 0;
}

static int load_message(void *ud, const struct report_message_in *m)
{
	return report_add_message(ud, m);
}

static int load_reply(void *ud, const struct report_reply_in *rp)
{
	return report_add_reply(ud, rp);
}

int report_load(struct store *s, int64_t campaign_id, const struct report_opts *o, struct report **out,
		struct err *e)
{
	struct report *r = report_new(o);
	if (store_report_contacts(s, campaign_id, load_contact, r, e) < 0 ||
	    store_report_messages(s, campaign_id, load_message, r, e) < 0 ||
	    store_report_replies(s, campaign_id, load_reply, r, e) < 0 || report_finish(r, e) < 0) {
		report_free(r);
		return -1;
	}
	*out = r;
	return 0;
}

int report_open(const struct config *cfg, struct store *s, const char *name, time_t now, struct report **out,
		struct err *e)
{
	const struct config_campaign *k = config_campaign(cfg, name, e);
	if (!k)
		return -1;
	int64_t id = 0;
	int found = store_campaign_lookup(s, k->name, &id, e);
	if (found < 0)
		return -1;
	int paused = found ? store_report_campaign_paused(s, id, e) : 0;
	if (paused < 0)
		return -1;
	struct report_opts o = {
		.campaign = k->name,
		.zone = cfg->account.timezone,
		.owner = cfg->account.from_name,
		.now = now,
		.steps = 1 + (int)k->nfollowups,
		.campaign_paused = paused > 0,
	};
	/* no campaign row yet (nothing imported into it): id -1 matches nothing */
	return report_load(s, found ? id : -1, &o, out, e);
}

/* ------------------------------------------------------------------ groups and weeks */

static int cmp_group(const void *a, const void *b)
{
	const struct report_group *x = a, *y = b;
	if (x->reached != y->reached)
		return x->reached > y->reached ? -1 : 1;
	return strcmp(x->name, y->name);
}

size_t report_groups(const struct report *r, enum report_group_by by, size_t max_groups, struct report_group **out)
{
	struct report_group *g = NULL;
	size_t n = 0, cap = 0;
	for (size_t i = 0; i < r->nrows; i++) {
		const struct report_row *w = &r->rows[i];
		if (!row_reached(w))
			continue;
		const char *key = by == REPORT_BY_SPECIALTY ? w->specialty : w->state;
		if (!*key)
			key = "not given";
		size_t j = 0;
		/* case-insensitive: "cardiology" and "Cardiology" are one group */
		while (j < n && strcasecmp(g[j].name, key) != 0)
			j++;
		if (j == n) {
			g = xgrow(g, &cap, n + 1, sizeof *g);
			g[n++] = (struct report_group){ xstrdup(key), 0, 0, 0 };
		}
		g[j].reached++;
		if (w->status == REPORT_OFFER || w->status == REPORT_INFO_REQUEST || w->status == REPORT_DECLINED ||
		    w->status == REPORT_REPLIED)
			g[j].replied++;
		if (w->status == REPORT_OFFER)
			g[j].offers++;
	}
	if (n)
		qsort(g, n, sizeof *g, cmp_group);
	if (max_groups >= 2 && n > max_groups) {
		struct report_group rest = { xasprintf("other (%zu)", n - max_groups + 1), 0, 0, 0 };
		for (size_t j = max_groups - 1; j < n; j++) {
			rest.reached += g[j].reached;
			rest.replied += g[j].replied;
			rest.offers += g[j].offers;
			free(g[j].name);
		}
		n = max_groups;
		g[n - 1] = rest;
	}
	*out = g;
	return n;
}

void report_groups_free(struct report_group *g, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(g[i].name);
	free(g);
}

/* Days since 1970-01-01 of the Monday of t's week in the report's zone. */
static bool week_of(const struct report *r, time_t t, long *monday)
{
	struct cal_date d;
	if (!local_date(r, t, &d))
		return false;
	long days = cal_days_from_civil(d);
	*monday = days - (cal_weekday(d) + 6) % 7;
	return true;
}

size_t report_weeks(const struct report *r, size_t max_weeks, struct report_week **out)
{
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	*out = NULL;
	if (!max_weeks || (!r->nsent_times && !r->nreply_times))
		return 0;
	struct err e;
	if (tz_enter(r->zone, &e) < 0)
		return 0;
	time_t first = r->nsent_times ? r->sent_times[0] : r->reply_times[0];
	if (r->nreply_times && r->reply_times[0] < first)
		first = r->reply_times[0];
	time_t last = r->now;
	if (r->nsent_times && r->sent_times[r->nsent_times - 1] > last)
		last = r->sent_times[r->nsent_times - 1];
	if (r->nreply_times && r->reply_times[r->nreply_times - 1] > last)
		last = r->reply_times[r->nreply_times - 1];
	long w0, w1;
	if (!week_of(r, first, &w0) || !week_of(r, last, &w1) || w1 < w0) {
		tz_leave();
		return 0;
	}
	size_t n = (size_t)((w1 - w0) / 7 + 1);
	if (n > max_weeks) {
		w0 = w1 - (long)(max_weeks - 1) * 7;
		n = max_weeks;
	}
	struct report_week *v = xcalloc(n, sizeof *v);
	for (size_t i = 0; i < n; i++) {
		struct cal_date d = cal_civil_from_days(w0 + (long)i * 7);
		snprintf(v[i].label, sizeof v[i].label, "%d %s", d.day, mon[(d.month - 1) % 12]);
	}
	for (int pass = 0; pass < 2; pass++) {
		const time_t *t = pass ? r->reply_times : r->sent_times;
		size_t nt = pass ? r->nreply_times : r->nsent_times;
		for (size_t i = 0; i < nt; i++) {
			long wk;
			if (!week_of(r, t[i], &wk) || wk < w0 || wk > w1)
				continue;
			size_t j = (size_t)((wk - w0) / 7);
			if (pass)
				v[j].replies++;
			else
				v[j].sent++;
		}
	}
	tz_leave();
	*out = v;
	return n;
}

/* ------------------------------------------------------------------ CSV */

static const char *const csv_header[] = {
	"Name", "Title", "Specialty", "Department", "Hospital", "City", "State", "Email", "First sent", "Steps sent",
	"Last sent", "Status", "Reply label", "Reply date", "Days to reply", "Reply snippet", "Conditions",
	"Bounce reason", "Return date", "Manual note",
};

static int csv_cell(struct buf *b, const char *s, bool first)
{
	if (!s)
		s = "";
	return (!first && buf_addch(b, ',') < 0) || csvio_write_field(b, s, strlen(s), ',', true) < 0 ? -1 : 0;
}

static char *joined_conditions(const struct report_row *w, const char *sep)
{
	struct buf b = BUF_INIT(1 << 20);
	for (size_t i = 0; i < w->nconditions; i++) {
		if (i)
			buf_addstr(&b, sep);
		buf_addstr(&b, w->conditions[i]);
	}
	return buf_detach(&b, NULL);
}

int report_write_csv(const struct report *r, struct buf *b, bool bom, struct err *e)
{
	size_t mark = b->len;
	int rc = bom ? buf_addstr(b, "\xef\xbb\xbf") : 0;
	for (size_t i = 0; i < ARRAY_SIZE(csv_header) && !rc; i++)
		rc = csv_cell(b, csv_header[i], i == 0);
	rc |= csvio_write_eol(b);
	/* one zone switch for the whole table, not one per date */
	bool entered = tz_enter(r->zone, e) == 0;
	if (!entered) {
		buf_truncate(b, mark);
		return -1;
	}
	for (size_t i = 0; i < r->nrows && !rc; i++) {
		const struct report_row *w = &r->rows[i];
		char first[16], last[16], reply[16], steps[16], days[24];
		report_local_date(r, w->first_sent, first);
		report_local_date(r, w->last_sent, last);
		report_local_date(r, w->reply_date, reply);
		snprintf(steps, sizeof steps, "%d", w->steps_sent);
		days[0] = '\0';
		if (w->days_to_reply >= 0)
			snprintf(days, sizeof days, "%ld", w->days_to_reply);
		char *conds = joined_conditions(w, "; ");
		const char *cells[] = {
			w->name, w->title, w->specialty, w->department, w->hospital, w->city, w->state, w->email,
			first, steps, last, w->status_text, w->reply_label, reply, days, w->snippet, conds,
			w->bounce_reason, w->return_date, w->note,
		};
		for (size_t k = 0; k < ARRAY_SIZE(cells) && !rc; k++)
			rc = csv_cell(b, cells[k], k == 0);
		rc |= csvio_write_eol(b);
		free(conds);
	}
	tz_leave();
	if (rc) {
		buf_truncate(b, mark);
		return err_set(e, ERR_LIMIT, 0, "the CSV report is larger than %zu bytes", b->max);
	}
	return 0;
}

/* ------------------------------------------------------------------ JSON */

static void set_str(struct mval *m, const char *k, const char *v)
{
	mval_map_setz(m, k, v ? mval_new_stringz(v) : mval_new_null());
}

static void set_num(struct mval *m, const char *k, double v)
{
	mval_map_setz(m, k, mval_new_number(v));
}

static void set_rate(struct mval *m, const char *k, double v)
{
	/* four decimals: a rate of 3/7 reads 0.4286, not 0.42857142857142855 */
	mval_map_setz(m, k, isfinite(v) ? mval_new_number(round(v * 10000) / 10000) : mval_new_null());
}

static void set_time(struct mval *m, const char *k, time_t t)
{
	char s[24];
	report_utc_stamp(t, s);
	mval_map_setz(m, k, t && *s ? mval_new_stringz(s) : mval_new_null());
}

static struct mval *json_summary(const struct report *r)
{
	const struct report_summary *s = &r->sum;
	struct mval *m = mval_new_map();
	set_num(m, "contacts", (double)s->contacts);
	set_num(m, "planned_messages", (double)s->planned_messages);
	set_num(m, "written_to", (double)s->written_to);
	set_num(m, "reached", (double)s->reached);
	set_num(m, "messages_sent", (double)s->messages_sent);
	set_num(m, "follow_ups_sent", (double)s->follow_ups_sent);
	set_num(m, "queued", (double)s->queued);
	set_num(m, "replied", (double)s->replied);
	set_num(m, "offers", (double)s->by_status[REPORT_OFFER]);
	set_num(m, "info_requests", (double)s->by_status[REPORT_INFO_REQUEST]);
	set_num(m, "declines", (double)s->by_status[REPORT_DECLINED]);
	set_num(m, "other_replies", (double)s->by_status[REPORT_REPLIED]);
	set_num(m, "out_of_office", (double)s->by_status[REPORT_OUT_OF_OFFICE]);
	set_num(m, "bounced", (double)s->by_status[REPORT_BOUNCED]);
	set_num(m, "failed", (double)s->by_status[REPORT_FAILED]);
	set_num(m, "unknown", (double)s->by_status[REPORT_UNKNOWN]);
	set_num(m, "no_answer", (double)s->by_status[REPORT_NO_ANSWER]);
	set_num(m, "paused", (double)s->by_status[REPORT_PAUSED]);
	set_num(m, "stopped", (double)s->by_status[REPORT_STOPPED]);
	set_num(m, "do_not_contact", (double)s->by_status[REPORT_DO_NOT_CONTACT]);
	set_num(m, "not_sent", (double)s->by_status[REPORT_NOT_SENT]);
	set_rate(m, "reply_rate", s->reply_rate);
	set_rate(m, "offer_rate", s->offer_rate);
	mval_map_setz(m, "median_days_to_reply",
		      isfinite(s->median_days_to_reply) ? mval_new_number(s->median_days_to_reply) : mval_new_null());
	set_time(m, "first_sent", s->first_sent);
	set_time(m, "last_sent", s->last_sent);
	set_time(m, "next_due", s->next_due);
	return m;
}

static struct mval *json_row(const struct report_row *w)
{
	struct mval *m = mval_new_map();
	set_str(m, "email", w->email);
	set_str(m, "name", w->name);
	set_str(m, "first_name", w->first_name);
	set_str(m, "last_name", w->last_name);
	set_str(m, "title", w->title);
	set_str(m, "specialty", w->specialty);
	set_str(m, "department", w->department);
	set_str(m, "hospital", w->hospital);
	set_str(m, "city", w->city);
	set_str(m, "state", w->state);
	set_str(m, "country", w->country);
	set_str(m, "status", report_status_code(w->status));
	set_str(m, "status_text", w->status_text);
	set_str(m, "enrollment", w->enrollment);
	set_time(m, "first_sent", w->first_sent);
	set_time(m, "last_sent", w->last_sent);
	set_num(m, "steps_sent", w->steps_sent);
	set_time(m, "next_due", w->next_due);
	set_str(m, "reply_label", w->reply_label);
	mval_map_setz(m, "label_manual", mval_new_bool(w->label_manual));
	set_time(m, "reply_date", w->reply_date);
	mval_map_setz(m, "days_to_reply", w->days_to_reply >= 0 ? mval_new_number((double)w->days_to_reply)
								 : mval_new_null());
	set_str(m, "reply_from", w->reply_from);
	set_str(m, "reply_snippet", w->snippet);
	set_str(m, "reply_text", w->reply_text);
	struct mval *c = mval_new_list();
	for (size_t i = 0; i < w->nconditions; i++)
		mval_list_push(c, mval_new_stringz(w->conditions[i]));
	mval_map_setz(m, "conditions", c);
	set_str(m, "bounce_reason", w->bounce_reason);
	set_str(m, "return_date", w->return_date);
	set_str(m, "manual_note", w->note);
	set_num(m, "replies", w->nreplies);
	return m;
}

int report_write_json(const struct report *r, struct buf *b, struct err *e)
{
	struct mval *top = mval_new_map();
	char now[24];
	report_utc_stamp(r->now, now);
	set_num(top, "version", 1);
	set_str(top, "campaign", r->campaign);
	set_str(top, "generated_at", now);
	set_str(top, "timezone", r->zone);
	mval_map_setz(top, "summary", json_summary(r));
	struct mval *list = mval_new_list();
	for (size_t i = 0; i < r->nrows; i++)
		mval_list_push(list, json_row(&r->rows[i]));
	mval_map_setz(top, "contacts", list);
	int rc = json_write_mval(b, top, 2);
	mval_free(top);
	if (rc < 0 || buf_addch(b, '\n') < 0)
		return err_set(e, ERR_LIMIT, 0, "the JSON report is larger than %zu bytes", b->max);
	return 0;
}
