/* report_html: the campaign as one self-contained HTML page — summary, offers, charts, tracker —
 * something to keep, print, or forward to a mentor. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cal.h"
#include "err.h"
#include "report.h"
#include "svg.h"
#include "tz.h"
#include "util.h"
#include "xalloc.h"

#ifndef OUTREACH_VERSION
#define OUTREACH_VERSION "dev"
#endif

/*
 * Safety: every piece of data goes through h() (svg_escape: & < > " ' as entities, invalid
 * UTF-8 replaced, controls dropped), inside element content or double-quoted attributes
 * only — never into a tag name, a URL scheme, CSS or a script. The page has no script at
 * all, and its Content-Security-Policy forbids any (defence in depth should an escape ever
 * be missed) and any network fetch, so opening it offline is exactly like opening it online.
 */

static const char css[] =
	":root{--ink:#1f2933;--muted:#5f6b7a;--line:#dde3ea;--soft:#f6f8fa;--accent:#1d4e89;"
	"--offer:#1f6f4a;--offer-bg:#e4f3ea;--offer-line:#b9dcc6;--info:#245f86;--info-bg:#e3eff7;"
	"--decl:#6f4b4b;--decl-bg:#f3ebea;--ooo:#7c5300;--ooo-bg:#fbf1d9;--bad:#9b2226;--bad-bg:#f9e5e4;"
	"--none:#4f5b69;--none-bg:#eef1f4}\n"
	"*{box-sizing:border-box}\n"
	"html{-webkit-text-size-adjust:100%}\n"
	"body{margin:0;color:var(--ink);background:#fff;font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,"
	"'Noto Sans','Helvetica Neue',Arial,sans-serif}\n"
	"main{max-width:1080px;margin:0 auto;padding:36px 28px 48px}\n"
	".kicker{margin:0;color:var(--muted);font-size:12.5px;letter-spacing:.08em;text-transform:uppercase}\n"
	"h1{margin:4px 0 4px;font-size:28px;line-height:1.25;font-weight:650}\n"
	"h1 .pre{color:var(--muted);font-weight:500}\n"
	".meta{margin:0;color:var(--muted)}\n"
	"h2{margin:40px 0 14px;padding-bottom:6px;border-bottom:1px solid var(--line);font-size:19px;font-weight:650}\n"
	"h2 .count{color:var(--muted);font-weight:500}\n"
	".lede{margin:22px 0 0;font-size:16.5px;max-width:62em}\n"
	".figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(132px,1fr));gap:10px;margin:18px 0 0;"
	"padding:0;list-style:none}\n"
	".figures li{border:1px solid var(--line);border-radius:6px;padding:10px 12px;background:var(--soft)}\n"
	".figures b{display:block;font-size:25px;line-height:1.2;font-weight:650;font-variant-numeric:tabular-nums}\n"
	".figures span{color:var(--muted);font-size:13px}\n"
	".figures .f-offer{background:var(--offer-bg);border-color:var(--offer-line)}\n"
	".figures .f-offer b{color:var(--offer)}\n"
	".empty{color:var(--muted);font-style:italic}\n"
	"article{border:1px solid var(--line);border-left:4px solid var(--info);border-radius:6px;padding:14px 18px;"
	"margin:0 0 14px;background:#fff}\n"
	"article.offer{border-color:var(--offer-line);border-left-color:var(--offer);background:#fbfdfb}\n"
	"article h3{margin:0;font-size:17px;font-weight:650}\n"
	"article h3 .title{color:var(--muted);font-weight:500}\n"
	".where{margin:2px 0 8px;color:var(--muted)}\n"
	".facts{display:flex;flex-wrap:wrap;gap:2px 22px;margin:0 0 10px;font-size:14px}\n"
	".facts div{display:flex;gap:6px}.facts dt{color:var(--muted)}.facts dd{margin:0}\n"
	".tags{display:flex;flex-wrap:wrap;gap:6px;margin:2px 0 10px;padding:0;list-style:none}\n"
	".tags li{padding:1px 10px;border:1px solid var(--offer-line);border-radius:999px;background:#fff;font-size:13px}\n"
	".label{margin:0 0 4px;color:var(--muted);font-size:13px}\n"
	"blockquote{margin:0;padding:10px 14px;background:var(--soft);border-left:3px solid var(--line);"
	"white-space:pre-wrap;overflow-wrap:anywhere;font-size:14px}\n"
	".note{margin:10px 0 0;font-size:14px}\n"
	".charts{display:grid;grid-template-columns:1fr 1fr;gap:18px}\n"
	"figure{margin:0;padding:12px 14px 10px;border:1px solid var(--line);border-radius:6px;break-inside:avoid}\n"
	"figcaption{margin-bottom:6px;font-weight:600}\n"
	"figcaption small{display:block;color:var(--muted);font-weight:400;font-size:12.5px}\n"
	"figure svg{display:block;width:100%;height:auto}\n"
	"table{width:100%;border-collapse:collapse;table-layout:fixed;font-size:13.5px}\n"
	"col.c-who{width:20%}col.c-spec{width:12%}col.c-hosp{width:18%}col.c-sent{width:10%}col.c-status{width:14%}"
	"col.c-said{width:26%}\n"
	"th{padding:6px 8px;border-bottom:2px solid var(--line);color:var(--muted);font-weight:600;text-align:left;"
	"white-space:nowrap}\n"
	"td{padding:8px;border-bottom:1px solid var(--line);vertical-align:top;overflow-wrap:break-word}\n"
	"td .sub{display:block;color:var(--muted);font-size:12.5px}\n"
	"td.n{white-space:nowrap;font-variant-numeric:tabular-nums}\n"
	"a{color:var(--accent)}\n"
	".badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12.5px;font-weight:600;"
	"background:var(--none-bg);color:var(--none)}\n"
	".st-offer .badge{background:var(--offer-bg);color:var(--offer)}\n"
	".st-info_request .badge{background:var(--info-bg);color:var(--info)}\n"
	".st-declined .badge,.st-stopped .badge,.st-do_not_contact .badge{background:var(--decl-bg);color:var(--decl)}\n"
	".st-out_of_office .badge{background:var(--ooo-bg);color:var(--ooo)}\n"
	".st-bounced .badge,.st-failed .badge,.st-unknown .badge{background:var(--bad-bg);color:var(--bad)}\n"
	"tr.st-offer td:first-child{box-shadow:inset 3px 0 0 var(--offer)}\n"
	"footer{margin-top:44px;padding-top:12px;border-top:1px solid var(--line);color:var(--muted);font-size:13px}\n"
	"footer p{margin:4px 0}\n"
	"@media (max-width:820px){.charts{grid-template-columns:1fr}main{padding:24px 16px}}\n"
	"@page{margin:14mm 12mm}\n"
	"@media print{body{font-size:10pt}main{max-width:none;padding:0}"
	"*{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
	"h2{break-after:avoid;margin-top:24px}article,figure,.figures li,tr{break-inside:avoid}"
	"a{color:inherit;text-decoration:none}table{font-size:8.5pt}td{padding:5px 6px}"
	".figures{grid-template-columns:repeat(6,1fr)}.charts{grid-template-columns:1fr;gap:10px}"
	"figure svg{max-width:150mm}.lede{font-size:11pt}}\n";

static int h(struct buf *b, const char *s)
{
	return s ? svg_escape(b, s, strlen(s)) : 0;
}

/* "Sarah Whitfield" or, for a shared mailbox with no name, its address. */
static const char *display_name(const struct report_row *w)
{
	return *w->name ? w->name : w->email;
}

static void percent(double v, char *out, size_t n)
{
	if (!isfinite(v))
		snprintf(out, n, "—");
	else
		snprintf(out, n, "%.0f%%", v * 100);
}

static void long_date(const struct report *r, time_t t, char *out, size_t n)
{
	static const char *const mon[] = { "January", "February", "March",     "April",   "May",      "June",
					   "July",    "August",   "September", "October", "November", "December" };
	struct cal_date d;
	struct err e;
	if (cal_local_date(t, r->zone, &d, &e) < 0 || d.month < 1 || d.month > 12)
		snprintf(out, n, "?");
	else
		snprintf(out, n, "%d %s %d", d.day, mon[d.month - 1], d.year);
}

/* "Internal Medicine · Department of Medicine · Boston General Hospital · Boston, MA" */
static int where(struct buf *b, const struct report_row *w)
{
	const char *parts[] = { w->specialty, w->department, w->hospital };
	int rc = 0, k = 0;
	for (size_t i = 0; i < 3; i++) {
		if (!*parts[i])
			continue;
		rc |= buf_addstr(b, k++ ? " · " : "");
		rc |= h(b, parts[i]);
	}
	if (*w->city || *w->state) {
		rc |= buf_addstr(b, k++ ? " · " : "");
		rc |= h(b, w->city);
		rc |= buf_addstr(b, *w->city && *w->state ? ", " : "");
		rc |= h(b, w->state);
	}
	return rc;
}

static int fact(struct buf *b, const char *dt, const char *dd)
{
	int rc = buf_addstr(b, "<div><dt>");
	rc |= h(b, dt);
	rc |= buf_addstr(b, "</dt><dd>");
	rc |= h(b, dd);
	rc |= buf_addstr(b, "</dd></div>");
	return rc;
}

static int mailto(struct buf *b, const char *email)
{
	int rc = buf_addstr(b, "<a href=\"mailto:");
	rc |= h(b, email);
	rc |= buf_addstr(b, "\">");
	rc |= h(b, email);
	rc |= buf_addstr(b, "</a>");
	return rc;
}

/* One card of the Offers or the information-request section. */
static int card(struct buf *b, const struct report *r, const struct report_row *w, bool offer)
{
	char date[16], t[64];
	int rc = buf_printf(b, "<article class=\"%s\" id=\"%s-%lld\"><h3>", offer ? "offer" : "info",
			    offer ? "offer" : "info", (long long)w->contact_id);
	/* <bdi>: a right-to-left name (Arabic, Hebrew) must not pull ", MD" to its other side */
	rc |= buf_addstr(b, "<bdi>");
	rc |= h(b, display_name(w));
	rc |= buf_addstr(b, "</bdi>");
	if (*w->title) {
		rc |= buf_addstr(b, "<span class=\"title\">, ");
		rc |= h(b, w->title);
		rc |= buf_addstr(b, "</span>");
	}
	rc |= buf_addstr(b, "</h3><p class=\"where\">");
	rc |= where(b, w);
	rc |= buf_addstr(b, "</p><dl class=\"facts\">");
	report_local_date(r, w->reply_date, date);
	rc |= fact(b, offer ? "Offer received" : "Asked on", date);
	if (w->days_to_reply >= 0) {
		if (w->days_to_reply == 0)
			snprintf(t, sizeof t, "the day of the first message");
		else
			snprintf(t, sizeof t, "%ld day%s after the first message", w->days_to_reply,
				 w->days_to_reply == 1 ? "" : "s");
		rc |= fact(b, "Replied", t);
	}
	if (w->reply_from)
		rc |= fact(b, "Answered by", w->reply_from);
	rc |= buf_addstr(b, "<div><dt>Email</dt><dd>");
	rc |= mailto(b, w->email);
	rc |= buf_addstr(b, "</dd></div></dl>");
	if (offer) {
		if (w->nconditions) {
			rc |= buf_addstr(b, "<p class=\"label\">Conditions</p><ul class=\"tags\">");
			for (size_t i = 0; i < w->nconditions; i++) {
				rc |= buf_addstr(b, "<li>");
				rc |= h(b, w->conditions[i]);
				rc |= buf_addstr(b, "</li>");
			}
			rc |= buf_addstr(b, "</ul>");
		} else {
			rc |= buf_addstr(b, "<p class=\"label\">No conditions were detected; read the reply.</p>");
		}
	}
	if (w->reply_text) {
		rc |= buf_addstr(b, "<p class=\"label\">Their reply</p><blockquote class=\"reply\">");
		rc |= h(b, w->reply_text);
		rc |= buf_addstr(b, "</blockquote>");
	}
	if (w->note) {
		rc |= buf_addstr(b, "<p class=\"note\"><b>Note:</b> ");
		rc |= h(b, w->note);
		rc |= buf_addstr(b, "</p>");
	}
	rc |= buf_addstr(b, "</article>\n");
	return rc;
}

static int figure_item(struct buf *b, long n, const char *what, const char *cls)
{
	int rc = buf_printf(b, "<li%s%s%s><b>%ld</b><span>", cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "", n);
	rc |= h(b, what);
	rc |= buf_addstr(b, "</span></li>");
	return rc;
}

static int summary(struct buf *b, const struct report *r)
{
	const struct report_summary *s = &r->sum;
	char rate[16], med[64] = "";
	percent(s->reply_rate, rate, sizeof rate);
	int rc = buf_addstr(b, "<section id=\"summary\"><p class=\"lede\">");
	if (!s->contacts) {
		rc |= buf_addstr(b, "No attendings are in this campaign yet: import a contact list with "
				    "<code>outreach import FILE.csv --campaign ");
		rc |= h(b, r->campaign);
		rc |= buf_addstr(b, "</code>.");
	} else if (!s->written_to) {
		rc |= buf_printf(b, "%ld attending%s planned; nothing has been sent yet.", s->contacts,
				 s->contacts == 1 ? " is" : "s are");
	} else {
		rc |= buf_printf(b, "You wrote to <b>%ld</b> of %ld attending%s", s->written_to, s->contacts,
				 s->contacts == 1 ? "" : "s");
		if (s->follow_ups_sent)
			rc |= buf_printf(b, " (%ld message%s, %ld of them follow-ups)", s->messages_sent,
					 s->messages_sent == 1 ? "" : "s", s->follow_ups_sent);
		rc |= buf_printf(b, ". <b>%ld</b> answered personally", s->replied);
		if (s->reached)
			rc |= buf_printf(b, " (%s of the %ld reached)", rate, s->reached);
		long offers = s->by_status[REPORT_OFFER];
		if (offers)
			rc |= buf_printf(b, ", <b>%ld</b> with an offer", offers);
		rc |= buf_addstr(b, ".");
		if (isfinite(s->median_days_to_reply)) {
			snprintf(med, sizeof med, " Half of the replies came within %.0f day%s of the first message.",
				 ceil(s->median_days_to_reply), ceil(s->median_days_to_reply) == 1 ? "" : "s");
			rc |= buf_addstr(b, med);
		}
	}
	rc |= buf_addstr(b, "</p><ul class=\"figures\">");
	rc |= figure_item(b, s->contacts, "attendings planned", NULL);
	rc |= figure_item(b, s->written_to, "written to", NULL);
	rc |= figure_item(b, s->replied, "replied personally", NULL);
	rc |= figure_item(b, s->by_status[REPORT_OFFER], s->by_status[REPORT_OFFER] == 1 ? "offer" : "offers",
			  "f-offer");
	rc |= figure_item(b, s->by_status[REPORT_INFO_REQUEST], "asked for more information", NULL);
	rc |= figure_item(b, s->by_status[REPORT_DECLINED], "declined", NULL);
	rc |= figure_item(b, s->by_status[REPORT_OUT_OF_OFFICE], "out of office", NULL);
	rc |= figure_item(b, s->by_status[REPORT_BOUNCED], "bounced", NULL);
	rc |= figure_item(b, s->by_status[REPORT_NO_ANSWER], "no answer yet", NULL);
	if (s->by_status[REPORT_NOT_SENT])
		rc |= figure_item(b, s->by_status[REPORT_NOT_SENT], "not sent yet", NULL);
	if (s->by_status[REPORT_FAILED] + s->by_status[REPORT_UNKNOWN])
		rc |= figure_item(b, s->by_status[REPORT_FAILED] + s->by_status[REPORT_UNKNOWN],
				  "failed or in doubt", NULL);
	rc |= buf_addstr(b, "</ul></section>\n");
	return rc;
}

static int cards(struct buf *b, const struct report *r, enum report_status which)
{
	bool offer = which == REPORT_OFFER;
	long n = r->sum.by_status[which];
	if (!offer && !n)
		return 0;
	int rc = buf_printf(b, "<section id=\"%s\"><h2>%s <span class=\"count\">%ld</span></h2>\n",
			    offer ? "offers" : "information-requests", offer ? "Offers" : "Asked for more information", n);
	if (!n)
		rc |= buf_addstr(b, "<p class=\"empty\">No offers yet.</p>\n");
	for (size_t i = 0; i < r->nrows; i++)
		if (r->rows[i].status == which)
			rc |= card(b, r, &r->rows[i], offer);
	rc |= buf_addstr(b, "</section>\n");
	return rc;
}

static int rate_chart(struct buf *b, const struct report *r, enum report_group_by by)
{
	struct report_group *g;
	size_t n = report_groups(r, by, 12, &g);
	struct svg_bar *bars = xcalloc(n + 1, sizeof *bars);
	char **notes = xcalloc(n + 1, sizeof *notes);
	for (size_t i = 0; i < n; i++) {
		if (g[i].offers)
			notes[i] = xasprintf("%ld of %ld replied · %ld offer%s", g[i].replied, g[i].reached, g[i].offers,
					     g[i].offers == 1 ? "" : "s");
		else
			notes[i] = xasprintf("%ld of %ld replied", g[i].replied, g[i].reached);
		bars[i] = (struct svg_bar){ g[i].name, 100.0 * (double)g[i].replied / (double)g[i].reached,
					    100.0 * (double)g[i].offers / (double)g[i].reached, notes[i], NULL };
	}
	const char *what = by == REPORT_BY_SPECIALTY ? "specialty" : "state";
	char *title = xasprintf("Reply and offer rates by %s", what);
	struct svg_hbars c = {
		.title = title,
		.desc = "Bar length: share of the attendings reached who replied personally; dark part: share who "
			"made an offer.",
		.bars = bars,
		.nbars = n,
		.max = 100,
		.legend_value = "reply rate",
		.legend_inner = "offer rate",
		.width = 520,
	};
	int rc = buf_printf(b, "<figure><figcaption>Reply and offer rates by %s<small>of the attendings reached "
			       "(written to, not bounced)</small></figcaption>", what);
	rc |= svg_hbars(b, &c);
	rc |= buf_addstr(b, "</figure>\n");
	for (size_t i = 0; i < n; i++)
		free(notes[i]);
	free(notes);
	free(bars);
	free(title);
	report_groups_free(g, n);
	return rc;
}

static int charts(struct buf *b, const struct report *r)
{
	const struct report_summary *s = &r->sum;
	char n0[64], n1[64], n2[64], n3[64], pct[16];
	snprintf(n0, sizeof n0, "%ld attending%s", s->contacts, s->contacts == 1 ? "" : "s");
	percent(s->contacts ? (double)s->written_to / (double)s->contacts : NAN, pct, sizeof pct);
	snprintf(n1, sizeof n1, "%ld (%s)", s->written_to, pct);
	percent(s->reply_rate, pct, sizeof pct);
	snprintf(n2, sizeof n2, "%ld (%s of reached)", s->replied, pct);
	percent(s->offer_rate, pct, sizeof pct);
	snprintf(n3, sizeof n3, "%ld (%s of reached)", s->by_status[REPORT_OFFER], pct);
	struct svg_bar funnel[] = {
		{ "Planned", (double)s->contacts, 0, n0, NULL },
		{ "Written to", (double)s->written_to, 0, n1, NULL },
		{ "Replied", (double)s->replied, 0, n2, NULL },
		{ "Offers", (double)s->by_status[REPORT_OFFER], (double)s->by_status[REPORT_OFFER], n3, NULL },
	};
	struct svg_hbars fc = {
		.title = "From planned to offers",
		.desc = "Attendings planned, written to, who replied personally, and who made an offer.",
		.bars = funnel,
		.nbars = s->contacts ? ARRAY_SIZE(funnel) : 0,
		.max = (double)s->contacts,
		.width = 520,
	};
	int rc = buf_addstr(b, "<section id=\"charts\"><h2>How the campaign went</h2><div class=\"charts\">\n");
	rc |= buf_addstr(b, "<figure><figcaption>From planned to offers<small>attendings at each stage"
			    "</small></figcaption>");
	rc |= svg_hbars(b, &fc);
	rc |= buf_addstr(b, "</figure>\n");

	struct report_week *wk;
	size_t nw = report_weeks(r, 26, &wk);
	struct svg_column *cols = xcalloc(nw + 1, sizeof *cols);
	for (size_t i = 0; i < nw; i++)
		cols[i] = (struct svg_column){ wk[i].label, (double)wk[i].sent, (double)wk[i].replies };
	struct svg_columns cc = {
		.title = "Messages sent and personal replies per week",
		.desc = "Weeks start on Monday; auto-replies and bounces are not counted as replies.",
		.name_a = "messages sent",
		.name_b = "personal replies",
		.cols = cols,
		.ncols = nw,
		.width = 520,
	};
	rc |= buf_addstr(b, "<figure><figcaption>Replies over time<small>messages sent and personal replies, "
			    "week by week (weeks start on Monday)</small></figcaption>");
	rc |= svg_columns(b, &cc);
	rc |= buf_addstr(b, "</figure>\n");
	free(cols);
	free(wk);
	rc |= rate_chart(b, r, REPORT_BY_SPECIALTY);
	rc |= rate_chart(b, r, REPORT_BY_STATE);
	rc |= buf_addstr(b, "</div></section>\n");
	return rc;
}

static int cmp_row_order(const void *a, const void *b)
{
	const struct report_row *x = *(const struct report_row *const *)a, *y = *(const struct report_row *const *)b;
	if (x->status != y->status)
		return x->status < y->status ? -1 : 1;
	if (x->reply_date != y->reply_date)
		return x->reply_date > y->reply_date ? -1 : 1;
	return x->contact_id < y->contact_id ? -1 : x->contact_id > y->contact_id;
}

static int tracker_row(struct buf *b, const struct report *r, const struct report_row *w)
{
	char first[16], last[16], reply[16];
	report_local_date(r, w->first_sent, first);
	report_local_date(r, w->last_sent, last);
	report_local_date(r, w->reply_date, reply);
	int rc = buf_printf(b, "<tr class=\"st-%s\"><td><b><bdi>", report_status_code(w->status));
	rc |= h(b, display_name(w));
	rc |= buf_addstr(b, "</bdi></b>");
	if (*w->title) {
		rc |= buf_addstr(b, ", ");
		rc |= h(b, w->title);
	}
	rc |= buf_addstr(b, "<span class=\"sub\">");
	rc |= mailto(b, w->email);
	rc |= buf_addstr(b, "</span></td><td>");
	rc |= h(b, w->specialty);
	rc |= buf_addstr(b, "</td><td>");
	rc |= h(b, w->hospital);
	if (*w->department) {
		rc |= buf_addstr(b, "<span class=\"sub\">");
		rc |= h(b, w->department);
		rc |= buf_addstr(b, "</span>");
	}
	rc |= buf_addstr(b, "<span class=\"sub\">");
	rc |= h(b, w->city);
	rc |= buf_addstr(b, *w->city && *w->state ? ", " : "");
	rc |= h(b, w->state);
	rc |= buf_addstr(b, "</span></td><td class=\"n\">");
	if (w->steps_sent) {
		rc |= buf_addstr(b, first);
		if (w->steps_sent > 1)
			rc |= buf_printf(b, "<span class=\"sub\">last %s</span>", last);
		rc |= buf_printf(b, "<span class=\"sub\">%d message%s</span>", w->steps_sent, w->steps_sent == 1 ? "" : "s");
	} else {
		rc |= buf_addstr(b, "—");
	}
	if (w->unknown)
		rc |= buf_printf(b, "<span class=\"sub\">%d in doubt</span>", w->unknown);
	rc |= buf_addstr(b, "</td><td><span class=\"badge\">");
	rc |= h(b, w->status == REPORT_OUT_OF_OFFICE && !w->return_date ? "auto-reply" : report_status_words(w->status));
	rc |= buf_addstr(b, "</span>");
	/* the badge stays short; what status_text adds goes under it */
	char why[64] = "";
	const char *detail = why;
	if (w->status == REPORT_OUT_OF_OFFICE)
		snprintf(why, sizeof why, w->return_date ? "until %s" : "no return date", w->return_date);
	else if (w->status == REPORT_NO_ANSWER && w->return_date)
		snprintf(why, sizeof why, "was out of office until %s", w->return_date);
	else if (w->status == REPORT_UNKNOWN)
		detail = "may have been delivered";
	else if (w->status == REPORT_PAUSED && r->campaign_paused)
		detail = "the whole campaign";
	else if ((w->status == REPORT_PAUSED || w->status == REPORT_STOPPED) && w->enrollment_reason)
		detail = w->enrollment_reason;
	if (*detail) {
		rc |= buf_addstr(b, "<span class=\"sub\">");
		rc |= h(b, detail);
		rc |= buf_addstr(b, "</span>");
	}
	if (w->reply_date) {
		const char *what = w->reply_label && !strcmp(w->reply_label, "auto_reply") ? "auto-reply"
				   : w->reply_label && !strcmp(w->reply_label, "bounce")    ? "bounce notice"
											     : "replied";
		rc |= buf_printf(b, "<span class=\"sub\">%s %s", what, reply);
		if (w->days_to_reply == 0)
			rc |= buf_addstr(b, " · same day");
		else if (w->days_to_reply > 0)
			rc |= buf_printf(b, " · after %ld day%s", w->days_to_reply, w->days_to_reply == 1 ? "" : "s");
		rc |= buf_addstr(b, "</span>");
	}
	if (w->label_manual)
		rc |= buf_addstr(b, "<span class=\"sub\">label set by hand</span>");
	rc |= buf_addstr(b, "</td><td class=\"said\">");
	if (w->snippet)
		rc |= h(b, w->snippet);
	if (w->nconditions) {
		rc |= buf_addstr(b, "<span class=\"sub\">Conditions: ");
		for (size_t i = 0; i < w->nconditions; i++) {
			rc |= buf_addstr(b, i ? "; " : "");
			rc |= h(b, w->conditions[i]);
		}
		rc |= buf_addstr(b, "</span>");
	}
	if (w->reply_from) {
		rc |= buf_addstr(b, "<span class=\"sub\">From ");
		rc |= h(b, w->reply_from);
		rc |= buf_addstr(b, "</span>");
	}
	if (w->bounce_reason) {
		rc |= buf_addstr(b, "<span class=\"sub\">");
		rc |= h(b, w->bounce_reason);
		rc |= buf_addstr(b, "</span>");
	}
	if (w->note) {
		rc |= buf_addstr(b, "<span class=\"sub\">Note: ");
		rc |= h(b, w->note);
		rc |= buf_addstr(b, "</span>");
	}
	rc |= buf_addstr(b, "</td></tr>\n");
	return rc;
}

static int tracker(struct buf *b, const struct report *r)
{
	int rc = buf_printf(b, "<section id=\"tracker\"><h2>Tracker <span class=\"count\">%zu</span></h2>\n", r->nrows);
	if (!r->nrows)
		return rc | buf_addstr(b, "<p class=\"empty\">No attendings yet.</p></section>\n");
	const struct report_row **order = xcalloc(r->nrows, sizeof *order);
	for (size_t i = 0; i < r->nrows; i++)
		order[i] = &r->rows[i];
	qsort(order, r->nrows, sizeof *order, cmp_row_order);
	rc |= buf_addstr(b, "<table><colgroup><col class=\"c-who\"><col class=\"c-spec\"><col class=\"c-hosp\">"
			    "<col class=\"c-sent\"><col class=\"c-status\"><col class=\"c-said\"></colgroup>"
			    "<thead><tr><th>Attending</th><th>Specialty</th><th>Hospital</th><th>Sent</th>"
			    "<th>Status</th><th>What they said</th></tr></thead><tbody>\n");
	for (size_t i = 0; i < r->nrows && !rc; i++)
		rc |= tracker_row(b, r, order[i]);
	rc |= buf_addstr(b, "</tbody></table></section>\n");
	free(order);
	return rc;
}

int report_write_html(const struct report *r, struct buf *b, struct err *e)
{
	size_t mark = b->len;
	if (tz_enter(r->zone, e) < 0)
		return -1;
	char when[64], date[48];
	if (tz_format(r->zone, r->now, when, sizeof when, NULL) < 0)
		fmt_utc(r->now, when, sizeof when);
	long_date(r, r->now, date, sizeof date);
	int rc = buf_addstr(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
			       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
			       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
			       "style-src 'unsafe-inline'; img-src data:\">\n"
			       "<meta name=\"generator\" content=\"outreach " OUTREACH_VERSION "\">\n<title>");
	rc |= h(b, r->campaign);
	rc |= buf_addstr(b, " — USCE outreach report");
	if (*r->owner) {
		rc |= buf_addstr(b, " — ");
		rc |= h(b, r->owner);
	}
	rc |= buf_printf(b, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n<header>\n", css);
	rc |= buf_addstr(b, "<p class=\"kicker\">US clinical experience · outreach report</p>\n"
			    "<h1><span class=\"pre\">Campaign</span> ");
	rc |= h(b, r->campaign);
	rc |= buf_addstr(b, "</h1>\n<p class=\"meta\">");
	if (*r->owner) {
		rc |= h(b, r->owner);
		rc |= buf_addstr(b, " · ");
	}
	rc |= h(b, date);
	if (r->campaign_paused)
		rc |= buf_addstr(b, " · <b>the campaign is paused</b>");
	rc |= buf_addstr(b, "</p>\n</header>\n");
	rc |= summary(b, r);
	rc |= cards(b, r, REPORT_OFFER);
	rc |= cards(b, r, REPORT_INFO_REQUEST);
	rc |= charts(b, r);
	rc |= tracker(b, r);
	rc |= buf_addstr(b, "<footer><p>Reached: written to and not bounced. A reply counts when a person answered "
			    "— an offer, a decline, a request for more information or another answer; "
			    "auto-replies and bounces do not. Replies are sorted automatically, and a label set "
			    "by hand ('outreach mark') wins.</p><p>Dates are in ");
	rc |= h(b, r->zone);
	rc |= buf_addstr(b, " time. Generated by outreach " OUTREACH_VERSION " on ");
	rc |= h(b, when);
	rc |= buf_addstr(b, ".</p></footer>\n</main>\n</body>\n</html>\n");
	tz_leave();
	if (rc) {
		buf_truncate(b, mark);
		return err_set(e, ERR_LIMIT, 0, "the HTML report is larger than %zu bytes", b->max);
	}
	return 0;
}
