/* store_report: the queries behind 'status' and 'report' — one campaign's contacts with their
 * messages and replies, and today's sends. Part of the store (only store_*.c touch SQLite). */
#ifndef OUTREACH_STORE_REPORT_H
#define OUTREACH_STORE_REPORT_H
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct err;
struct store;

/*
 * The facts as stored, for report.c to judge. Strings are borrowed for the duration of the
 * callback only (copy what you keep); NULL means SQL NULL where the comment says so, else
 * "" for NULL. Times are UTC seconds, 0 when NULL. The callbacks return 0 to go on or
 * non-zero to stop (that value is returned). Errors: ERR_IO (database). Read-only; each
 * function runs its query in one statement, so a sender writing meanwhile (WAL) never
 * blocks it and it sees one consistent snapshot per query.
 */

/* A contact enrolled in the campaign (import order). */
struct report_contact_in {
	int64_t id;
	const char *email, *first_name, *last_name, *title, *specialty, *department, *hospital, *city, *state,
		*country;
	const char *enrollment;        /* active, paused, stopped, done */
	const char *enrollment_reason; /* NULL when none */
	bool suppressed;               /* on the do-not-contact list, everywhere or for this campaign */
};

/* One planned message of the campaign (by contact, then step). */
struct report_message_in {
	int64_t contact_id;
	int step;                      /* 0: the first message */
	const char *state;             /* messages.state */
	time_t due_at, sent_at;
	const char *last_error;        /* NULL when none */
	int last_code;                 /* SMTP code, 0 when none */
};

/* One recorded reply (bounce, auto-reply...) of a contact of the campaign: replies tied to
 * this campaign or to none (by contact, then date). */
struct report_reply_in {
	int64_t id, contact_id;
	const char *label;             /* offer, decline, info_request, auto_reply, bounce, other */
	const char *override_label;    /* NULL: no human decision */
	const char *override_note;     /* NULL when none */
	time_t date;                   /* the message's Date, else when it was recorded */
	const char *from_addr, *from_name, *subject;
	const char *reason;            /* what decided the label */
	const char *snippet, *new_text;
	const char *conditions;        /* NULL when none: see report.h for the accepted forms */
	const char *return_date;       /* YYYY-MM-DD, NULL when none */
	const char *bounce_recipient, *bounce_status;
	int bounce_hard;               /* 1 hard, 0 soft, -1 not said */
	bool unsubscribe;
};

int store_report_contacts(struct store *s, int64_t campaign_id,
			  int (*fn)(void *ud, const struct report_contact_in *c), void *ud, struct err *e);
int store_report_messages(struct store *s, int64_t campaign_id,
			  int (*fn)(void *ud, const struct report_message_in *m), void *ud, struct err *e);
int store_report_replies(struct store *s, int64_t campaign_id,
			 int (*fn)(void *ud, const struct report_reply_in *r), void *ud, struct err *e);

/* Messages sent at or after `since` by this account, every campaign together (the daily
 * limit counts them all). */
int store_report_sent_since(struct store *s, time_t since, long *n, struct err *e);
/* 1 when the campaign is paused as a whole, 0 when active. */
int store_report_campaign_paused(struct store *s, int64_t campaign_id, struct err *e);

#endif
