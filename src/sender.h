/* sender: the send loop — plan each step once, pace it, hand it to the transport, and record
 * every outcome so that no message ever goes out twice. */
#ifndef OUTREACH_SENDER_H
#define OUTREACH_SENDER_H
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "pace.h"

struct err;
struct ws;

struct send_opts {
	const char *campaign;   /* NULL: the only campaign */
	long limit;             /* at most this many messages in this run (0: no limit) */
	bool dry_run;           /* everything but the server: nothing is written either */
	bool wait;              /* stay until the queue is empty, waiting for windows and caps */
	bool to_self;           /* send rendered messages to the sender's own address as tests */
	bool drafts;            /* append to the Drafts folder instead of sending */
	volatile int *stop;     /* set by a signal handler: finish the current message, then stop */
	int trace;              /* protocol traces (-vv) */
};

/* What happened to one message (for progress output). */
enum send_outcome {
	SEND_SENT, SEND_TEST, SEND_DRAFT, SEND_RETRY, SEND_FAILED, SEND_UNKNOWN, SEND_CANCELLED, SEND_SKIPPED,
	SEND_POSTPONED, SEND_WOULD_SEND,
};

struct send_event {
	enum send_outcome outcome;
	const char *email;
	int step;               /* 0-based */
	const char *detail;     /* server reply, error, or reason */
	long done, total;       /* progress */
	time_t at;
};

struct send_plan {
	long planned;           /* new rows created now (first messages) */
	long recovered;         /* 'sending' rows found after a crash, now 'unknown' */
	long skipped_suppressed, skipped_overlap, skipped_lint;
	long queued;            /* messages waiting (any due time) */
	long due;               /* due now by their schedule */
	struct pace_summary pace;  /* of the due ones */
	char first_recipient[256];
	long unknown;           /* messages whose delivery is uncertain */
};

struct send_stats {
	long sent, tests, drafts, retry, failed, unknown, cancelled, skipped, postponed;
	long later;             /* left for a later run */
	time_t next_at;         /* when the next one may go (0: nothing left) */
	enum pace_reason next_reason;
	bool stopped;           /* stopped early (signal or session failure) */
};

struct sender;

/* Open the campaign for sending (templates compiled, limits parsed). */
int sender_open(struct ws *w, const struct send_opts *o, struct sender **out, struct err *e);
void sender_close(struct sender *s);
/* Crash recovery, then plan the first message of every enrolled contact not yet planned
 * (skipping suppressed, written-to-elsewhere and failing-lint contacts, reported through
 * progress) and reschedule follow-ups from the current config; summarise what is due.
 * In a dry run nothing is written. */
int sender_prepare(struct sender *s, struct send_plan *plan,
		   void (*progress)(void *ud, const struct send_event *ev), void *ud, struct err *e);
/*
 * Re-derive the due time of every queued follow-up (and plan the next step of messages sent
 * without one) from the current config and the replies recorded since: an edited delay,
 * an out-of-office return date. What 'send' does before sending, without sending or
 * recovering anything, for 'schedule'. Commits; no network.
 */
int sender_replan(struct sender *s, struct err *e);
/*
 * Send what is due, in order, under the pacing limits. Returns 0 when the run ended
 * normally (queue empty, or the rest must wait: stats say until when), -1 when it had to
 * stop: e->cls ERR_SESSION/ERR_CONFIG (fix something), ERR_TEMP (server or network; try
 * later), ERR_IO. No message is marked failed because of a session problem.
 */
int sender_run(struct sender *s, struct send_stats *st, void (*progress)(void *ud, const struct send_event *ev),
	       void *ud, struct err *e);
/* 'send --resolve': look for every 'unknown' message's Message-ID in the Sent folder over
 * IMAP; found ones become 'sent'. *found / *missing counted. */
int sender_resolve(struct ws *w, int trace, long *found, long *missing,
		   void (*progress)(void *ud, const struct send_event *ev), void *ud, struct err *e);

const char *send_outcome_name(enum send_outcome o);

#endif
