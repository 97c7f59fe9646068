/* store_msg: queries over planned messages — planning, the send queue, state changes,
 * pacing history and threads. Part of the store (only store_*.c touch SQLite). */
#ifndef OUTREACH_STORE_MSG_H
#define OUTREACH_STORE_MSG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store.h"

struct err;

/* One row of the messages table, with what the sender needs of its contact. */
struct msg {
	int64_t id, campaign_id, contact_id;
	int step;
	char *message_id;
	enum msg_state state;
	time_t due_at;
	int attempts;
	char *email;
	char *last_error;
	char *subject;
	time_t sent_at;
};

void msg_release(struct msg *m);

/* Crash recovery: every 'sending' row (a send that never finished) becomes 'unknown' — it
 * may have been delivered. *n: how many. Records an event for each. */
int store_recover_sending(struct store *s, time_t now, long *n, struct err *e);

/* Enrolled, active contacts of a campaign that have no row for step 0 yet. */
int store_unplanned_each(struct store *s, int64_t campaign_id,
			 int (*fn)(void *ud, int64_t contact_id, const char *email), void *ud, struct err *e);
/* Has the contact been written to (sent, sending or unknown) by another campaign? */
int store_written_elsewhere(struct store *s, int64_t contact_id, int64_t campaign_id, struct err *e);
/* Create the queued row of a step. 1: created, 0: it already existed (nothing changed). */
int store_plan(struct store *s, int64_t campaign_id, int64_t contact_id, int step, const char *message_id,
	       time_t due_at, time_t now, struct err *e);

/* Messages of the campaign waiting to go (queued or failed_temp, active enrolment, active
 * campaign), earliest due first, at most limit (0: all). Caller releases each msg and
 * frees the array. */
int store_queue(struct store *s, int64_t campaign_id, struct msg **out, size_t *n, size_t limit, struct err *e);
/* The same rows counted, without reading them: *queued in all, *due of them with due_at <=
 * now, and (when first is given) the email of the first due one in queue order ("" when
 * none), cut to firstsz. */
int store_queue_summary(struct store *s, int64_t campaign_id, time_t now, long *queued, long *due, char *first,
			size_t firstsz, struct err *e);
/* The rows in state st (any campaign when campaign_id is 0). */
int store_messages_in_state(struct store *s, int64_t campaign_id, enum msg_state st, struct msg **out, size_t *n,
			    struct err *e);
/* One contact's message of a step; 1 found, 0 none. */
int store_message_get(struct store *s, int64_t campaign_id, int64_t contact_id, int step, struct msg *out,
		      struct err *e);

/* State changes. Each is one statement; callers wrap them with the event in a transaction. */
int store_mark_sending(struct store *s, int64_t id, time_t now, struct err *e);
int store_mark_sent(struct store *s, int64_t id, const char *subject, const char *body, const char *queue_id,
		    int code, const char *reply, long size, time_t now, struct err *e);
/* Back to queued (nothing was handed over), or failed_temp with a new due time. */
int store_mark_retry(struct store *s, int64_t id, enum msg_state st, bool count_attempt, time_t due,
		     int code, const char *error, time_t now, struct err *e);
/* Cancel a message that is still waiting (queued or failed_temp) for `why`: 1 done, 0 when it
 * is no longer waiting (sent, sending, or cancelled already by someone else), -1 on error. */
int store_cancel_waiting(struct store *s, int64_t id, const char *why, time_t now, struct err *e);
/* failed_perm, unknown or cancelled, with the reason. */
int store_mark_final(struct store *s, int64_t id, enum msg_state st, int code, const char *error, time_t now,
		     struct err *e);

/* Pacing history: sends at or after `since`, ascending (for the rate window), the latest
 * send ever (when older), sends since `day_start` in total and to `domain`. */
int store_send_history(struct store *s, time_t since, time_t day_start, time_t **times, size_t *n, long *today,
		       struct err *e);
int store_sent_to_domain_since(struct store *s, const char *domain, time_t since, long *n, struct err *e);

/* The thread of a contact in a campaign: Message-IDs of sent steps (oldest first), the
 * first subject, the last text and its date. Strings are the caller's. */
struct thread_rows {
	char **ids;
	size_t nids;
	char *first_subject;
	char *last_text;
	time_t last_date;
};
int store_thread(struct store *s, int64_t campaign_id, int64_t contact_id, struct thread_rows *t, struct err *e);
void thread_rows_release(struct thread_rows *t);

/* How the contact stands for a follow-up: any human reply, a bounce, a decline... as
 * recorded in replies; the latest out-of-office return date (YYYY-MM-DD) or "". */
struct contact_standing {
	bool replied;          /* a reply that is not an auto-reply */
	bool bounced;          /* a final bounce: hard, or marked by hand (not a delay or a full mailbox) */
	char return_date[16];
	char enrollment[16];   /* active, paused, stopped, done, or "" */
	char campaign[16];     /* the campaign's state: active, paused, or "" */
};
int store_standing(struct store *s, int64_t campaign_id, int64_t contact_id, struct contact_standing *out,
		   struct err *e);

/* Upcoming sends of a campaign (queued, failed_temp), with the enrolment's and campaign's
 * state: everything 'outreach schedule' shows, due order. */
struct sched_row {
	struct msg m;
	const char *enrollment, *enroll_reason, *campaign_state;
};
int store_schedule_each(struct store *s, int64_t campaign_id, int (*fn)(void *ud, const struct sched_row *r),
			void *ud, struct err *e);
/* Campaign state: active or paused. */
int store_campaign_set_state(struct store *s, int64_t campaign_id, const char *state, time_t now, struct err *e);

/* 'ingest --sent': record a message the user sent by hand as the contact's step 0, already
 * sent. 1 adopted, 0 when the contact already has a step 0 (nothing changed). */
int store_adopt_sent(struct store *s, int64_t campaign_id, int64_t contact_id, const char *message_id,
		     const char *subject, const char *body, time_t sent_at, time_t now, struct err *e);

/* Cancel the messages not yet sent of steps >= nsteps (a follow-up removed from the
 * config), each with an event; *n how many. In SQL, so memory does not grow with them. */
int store_cancel_steps_from(struct store *s, int64_t campaign_id, int nsteps, time_t now, long *n, struct err *e);

/* Counts per state for a campaign (0: all). */
int store_state_counts(struct store *s, int64_t campaign_id, long counts[MSG_STATE_COUNT], struct err *e);

#endif
