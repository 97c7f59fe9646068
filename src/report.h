/* report: where each physician of a campaign stands — one row per contact shaped like the
 * tracker IMGs keep — and its writers: CSV (spreadsheets), JSON (scripts), HTML (people). */
#ifndef OUTREACH_REPORT_H
#define OUTREACH_REPORT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store_report.h"

struct buf;
struct err;
struct store;

/*
 * Where a contact stands, most important first (the HTML tracker sorts by it). Exactly one
 * per contact, decided in this order:
 *   1. a personal reply (a manual label wins over the automatic one): the latest offer or
 *      decline if there is one (an offer after "no" is an offer; a "no" after an offer
 *      withdraws it), else the latest request for information, else the latest other reply;
 *   2. a bounce (hard, or not said; a soft bounce only fills bounce_reason);
 *   3. failed: refused by the server, nothing delivered; unknown: nothing surely delivered
 *      and a message in doubt;
 *   4. an out-of-office reply whose return date is today or later, or has none (after the
 *      return date the contact counts as "no answer yet" again);
 *   5. do not contact (suppressed), paused (contact or campaign), stopped;
 *   6. no answer yet (something was sent), not sent yet.
 */
enum report_status {
	REPORT_OFFER,
	REPORT_INFO_REQUEST,
	REPORT_DECLINED,
	REPORT_REPLIED,
	REPORT_OUT_OF_OFFICE,
	REPORT_BOUNCED,
	REPORT_FAILED,
	REPORT_UNKNOWN,
	REPORT_NO_ANSWER,
	REPORT_PAUSED,
	REPORT_STOPPED,
	REPORT_DO_NOT_CONTACT,
	REPORT_NOT_SENT,
	REPORT_NSTATUS
};

/* Stable machine name ("offer", "info_request", "declined", "replied", "out_of_office",
 * "bounced", "failed", "unknown", "no_answer", "paused", "stopped", "do_not_contact",
 * "not_sent") and the words a person reads ("asked for more information"...). */
const char *report_status_code(enum report_status s);
const char *report_status_words(enum report_status s);

#define REPORT_SNIPPET_MAX 200      /* code points of the one-line snippet */
#define REPORT_TEXT_MAX (16 * 1024) /* bytes of a reply's new text kept for the Offers section */
#define REPORT_CONDITIONS_MAX 32

/* One contact in the campaign. Strings are owned by the report, never NULL unless said. */
struct report_row {
	int64_t contact_id;
	char *email, *first_name, *last_name, *name, *title, *specialty, *department, *hospital, *city, *state,
		*country;
	char *enrollment;          /* active, paused, stopped, done */
	char *enrollment_reason;   /* NULL when none */
	bool suppressed;

	/* what was sent */
	int steps_planned;         /* message rows, any state */
	int steps_sent;            /* state sent */
	int queued, failed, unknown, cancelled;
	time_t first_sent, last_sent;  /* 0: never */
	time_t next_due;           /* earliest queued message, 0: none */
	int next_step;             /* its step (0 = first message) */
	char *send_error;          /* why a message failed; NULL when none */

	/* what came back */
	int nreplies;              /* every recorded message: replies, auto-replies, bounces */
	time_t first_reply;        /* first personal reply, 0: none */

	/* the verdict */
	enum report_status status;
	char *status_text;         /* "out of office until 2027-03-02", "no answer yet"... */
	const char *reply_label;   /* of the deciding reply (static); NULL when none */
	bool label_manual;         /* set by 'outreach mark' */
	time_t reply_date;         /* of the deciding reply, 0: none */
	long days_to_reply;        /* first message to first personal reply, in calendar days of
				    * the report's zone; -1 when there is none */
	char *snippet;             /* deciding reply's new text on one line, shortened; NULL: none */
	char *reply_text;          /* its new text in full (capped); NULL: none */
	char *reply_from;          /* "Name <addr>" when someone else answered (a coordinator);
				    * NULL when the contact did */
	char **conditions;         /* of an offer: "fees", "TB test"...; may be empty */
	size_t nconditions;
	char *bounce_reason;       /* bounce status and reason, or the server's refusal; NULL */
	char *return_date;         /* YYYY-MM-DD of the latest out-of-office reply; NULL */
	char *note;                /* the latest manual note; NULL */
};

struct report_summary {
	long contacts;             /* enrolled */
	long planned_messages;     /* contacts x steps of the campaign (0 when steps unknown) */
	long written_to;           /* contacts with a message sent or in doubt, or a reply */
	long messages_sent;
	long follow_ups_sent;
	long queued;               /* messages waiting (queued or to retry), any contact */
	long by_status[REPORT_NSTATUS];
	long replied;              /* offer + info_request + declined + replied */
	long reached;              /* written_to - bounced */
	double reply_rate;         /* replied / reached; NAN when reached is 0 */
	double offer_rate;         /* offers / reached; NAN when reached is 0 */
	double median_days_to_reply; /* NAN when nobody replied */
	time_t first_sent, last_sent;
	time_t next_due;           /* earliest due among active contacts' waiting messages, 0 */
	int64_t next_contact;      /* whose, 0 */
	int next_step;
};

struct report_opts {
	const char *campaign;      /* its name */
	const char *zone;          /* IANA zone whose calendar dates use (the account's) */
	const char *owner;         /* the user's name for the HTML title; NULL or "": none */
	time_t now;                /* generated_at, and "today" */
	int steps;                 /* messages per contact (1 + follow-ups); 0: unknown */
	bool campaign_paused;
};

struct report {
	char *campaign, *zone, *owner;
	time_t now;
	int steps;
	bool campaign_paused;
	struct report_row *rows;   /* import order */
	size_t nrows;
	struct report_summary sum;
	time_t *sent_times;        /* every send, ascending (replies over time) */
	size_t nsent_times;
	time_t *reply_times;       /* every personal reply, ascending */
	size_t nreply_times;
	/* private: replies collected until report_finish() */
	struct report_pending *pending;
	size_t npending, pendcap, rowcap, sentcap, replycap;
	bool finished;
};

/*
 * Build the report of campaign `campaign_id` from the store: contacts, messages, replies,
 * then report_finish(). *out is the caller's (report_free). Errors: ERR_IO (database),
 * ERR_CONFIG (a bad zone). Reads only; does not block beyond SQLite's busy timeout.
 */
int report_load(struct store *s, int64_t campaign_id, const struct report_opts *o, struct report **out,
		struct err *e);

/*
 * The report of campaign `name` of outreach.conf (NULL: the only one; ERR_USAGE when there
 * are several or none by that name) as of `now`: dates in the account's time zone, the
 * account's display name as the owner, the campaign's number of steps. A campaign nobody
 * was enrolled in yet gives an empty report. Errors as report_load().
 */
struct config;
int report_open(const struct config *cfg, struct store *s, const char *name, time_t now, struct report **out,
		struct err *e);

/*
 * The same, piece by piece (what report_load does; tests feed facts directly). Contacts
 * first; messages and replies of contacts the report does not have are ignored (they
 * return 0). report_finish() judges every row and computes the summary; after it nothing
 * may be added. Errors from finish: ERR_CONFIG for an invalid zone.
 */
struct report *report_new(const struct report_opts *o);
void report_add_contact(struct report *r, const struct report_contact_in *c);
int report_add_message(struct report *r, const struct report_message_in *m);
int report_add_reply(struct report *r, const struct report_reply_in *rp);
int report_finish(struct report *r, struct err *e);
void report_free(struct report *r);

/*
 * A reply's conditions as stored by the classifier, split into items: a JSON array of
 * strings (["fees", "TB test"]), or text with one item per line or separated by ';'.
 * Items are trimmed, empty ones dropped, at most REPORT_CONDITIONS_MAX kept. Returns the
 * count; *out (NULL when 0) and its strings are the caller's.
 */
size_t report_split_conditions(const char *s, char ***out);

/* Contacts grouped by specialty or by state, for the rate charts. Only contacts reached
 * count; a group with none reached is left out. Sorted by reached (most first), then name;
 * beyond max_groups the rest are merged into one "other" group. Empty values group as
 * "not given". */
struct report_group {
	char *name;
	long reached, replied, offers;
};
enum report_group_by { REPORT_BY_SPECIALTY, REPORT_BY_STATE };
size_t report_groups(const struct report *r, enum report_group_by by, size_t max_groups, struct report_group **out);
void report_groups_free(struct report_group *g, size_t n);

/* Messages sent and personal replies per week (Monday to Sunday in the report's zone), from
 * the week of the first send to the week of `now` or of the last reply, at most max_weeks
 * (the latest). */
struct report_week {
	char label[16];            /* "12 Jan" — the Monday */
	long sent, replies;
};
size_t report_weeks(const struct report *r, size_t max_weeks, struct report_week **out);

/*
 * Writers. Each appends to b and returns 0, or -1 with ERR_LIMIT when b's maximum is
 * reached. All untrusted text (contact fields, replies) is escaped for its format.
 *
 * CSV (RFC 4180): UTF-8, CRLF, a header row; bom prepends U+FEFF so Excel reads UTF-8;
 * a cell starting with = + - @ tab or CR is neutralised with a leading quote.
 * JSON: one object, two-space indented; field names are documented in README/outreach(1).
 * HTML: one self-contained page (inline CSS and SVG, no scripts, no external resources).
 */
int report_write_csv(const struct report *r, struct buf *b, bool bom, struct err *e);
int report_write_json(const struct report *r, struct buf *b, struct err *e);
int report_write_html(const struct report *r, struct buf *b, struct err *e);

/* Calendar helpers in the report's zone: "2027-01-12" (or "" for 0) and RFC 3339 UTC. */
void report_local_date(const struct report *r, time_t t, char out[static 16]);
void report_utc_stamp(time_t t, char out[static 24]);

#endif
