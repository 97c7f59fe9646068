/* store: the SQLite state database — schema, migrations, transactions, every query. */
#ifndef OUTREACH_STORE_H
#define OUTREACH_STORE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct contact;
struct err;
struct store;

/*
 * The life of a planned message (messages.state). One row per contact per campaign step,
 * created with its Message-ID fixed; the row's UNIQUE (campaign, contact, step) makes a
 * second plan of the same step impossible.
 *
 *   queued ──► sending ──► sent                   (250 after the body: done)
 *     ▲  │        ├──────► failed_temp ──► queued  (4xx, timeout before the body: retried
 *     │  │        │             │                    with backoff until max_attempts)
 *     │  │        │             └────────► failed_perm
 *     │  │        ├──────► failed_perm              (5xx for this recipient)
 *     │  │        └──────► unknown                  (the connection died after the body was
 *     │  │                    │                      handed over, or a crash while sending:
 *     │  │                    │                      it may have been delivered, so it is
 *     │  │                    ├──► sent              never resent automatically; 'send
 *     │  │                    └──► queued            --resolve' or the user settles it)
 *     │  └──► cancelled                              (reply, bounce, decline, suppression,
 *     │                                               stop rule — before it was sent)
 *     └── (resume after a pause re-queues paused enrolments' messages)
 *
 * 'sending' is committed before the first byte goes to the server and 'sent' right after
 * the server's reply, so after a crash a 'sending' row means "maybe delivered": on start it
 * becomes 'unknown' (store_recover).
 */
enum msg_state {
	MSG_QUEUED,
	MSG_SENDING,
	MSG_SENT,
	MSG_FAILED_TEMP,
	MSG_FAILED_PERM,
	MSG_UNKNOWN,
	MSG_CANCELLED,
	MSG_STATE_COUNT
};

const char *store_state_name(enum msg_state s);
int store_state_parse(const char *name);  /* -1 when unknown */

#define STORE_SCHEMA_VERSION 1

/* Open (and with create, create 0600) the database at path: WAL, foreign keys, busy timeout,
 * migrations up to STORE_SCHEMA_VERSION. A database from a newer outreach is refused. */
int store_open(const char *path, bool create, struct store **out, struct err *e);
void store_close(struct store *s);
/* Transactions: BEGIN IMMEDIATE (a writer lock up front, so two processes never deadlock
 * half-way), COMMIT, ROLLBACK. */
int store_begin(struct store *s, struct err *e);
int store_commit(struct store *s, struct err *e);
void store_rollback(struct store *s);
/*
 * How durable the next commits are. true (the default): each commit is on disk before it
 * returns (synchronous=FULL). false: it survives a crash of the process at once, and a
 * power loss only once a later durable commit (or checkpoint) has reached the disk
 * (WAL with synchronous=NORMAL). The sender marks 'sending' durably and 'sent' lazily:
 * if a power loss undoes 'sent', the row is 'sending' again and becomes 'unknown' —
 * never resent — so exactly-once holds with one fsync per message instead of two.
 */
int store_durable(struct store *s, bool durable, struct err *e);
int store_schema_version(struct store *s);

/* ---- contacts */
/* 1 and *id when an address is known (case-insensitive), 0 when not. */
int store_contact_lookup(struct store *s, const char *email, int64_t *id, struct err *e);
int store_contact_insert(struct store *s, struct contact *c, time_t now, struct err *e);
/* Overwrite the recognised columns and extra columns of contact c->id with c's values. */
int store_contact_update(struct store *s, const struct contact *c, time_t now, struct err *e);
/* Load a contact by id (email NULL) or by address. 0, or -1 with ERR_DATA when missing. */
int store_contact_load(struct store *s, int64_t id, const char *email, struct contact *out, struct err *e);
/* Call fn for every contact (in import order), optionally only those enrolled in a campaign.
 * fn returns 0 to go on, non-zero to stop (returned). */
int store_contacts_each(struct store *s, const char *campaign,
			int (*fn)(void *ud, const struct contact *c), void *ud, struct err *e);

/* ---- campaigns and enrolments */
int store_campaign_ensure(struct store *s, const char *name, time_t now, int64_t *id, struct err *e);
/* 1 and *id when the campaign exists in the database, 0 when not. */
int store_campaign_lookup(struct store *s, const char *name, int64_t *id, struct err *e);
/* Enrol (idempotent). Returns 1 when newly enrolled, 0 when it already was. */
int store_enroll(struct store *s, int64_t campaign_id, int64_t contact_id, time_t now, struct err *e);

struct enrollment {
	const char *campaign, *state, *reason;
	time_t created_at, updated_at;
};
int store_enrollments_each(struct store *s, int64_t contact_id,
			   int (*fn)(void *ud, const struct enrollment *en), void *ud, struct err *e);

/* ---- suppressions (do-not-contact); campaign_id 0 = everywhere */
int store_suppress_add(struct store *s, const char *email, int64_t campaign_id, const char *reason,
		       const char *source, time_t now, struct err *e);
/* Number of rows removed (0 when the address was not suppressed there). */
int store_suppress_remove(struct store *s, const char *email, int64_t campaign_id, struct err *e);
/* 1 when suppressed everywhere or for this campaign (campaign_id 0: anywhere global), with
 * the reason copied into reason (may be NULL). */
int store_is_suppressed(struct store *s, const char *email, int64_t campaign_id, char *reason, size_t reasonsz,
			struct err *e);
struct suppression {
	const char *email, *campaign, *reason, *source;
	time_t created_at;
};
int store_suppress_each(struct store *s, int (*fn)(void *ud, const struct suppression *sp), void *ud, struct err *e);

int store_suppression_count(struct store *s, long *n, struct err *e);

/* ---- import bookkeeping: which addresses this import has seen (a temporary table, so
 * memory stays constant however long the file) */
int store_import_start(struct store *s, struct err *e);
/* 1 and *prev_line when email was seen earlier in this import; else records it, 0. */
int store_import_seen(struct store *s, const char *email, long line, long *prev_line, struct err *e);
int store_import_finish(struct store *s, struct err *e);

/* ---- the append-only event log */
struct event {
	const char *kind;       /* e.g. "import", "send.attempt", "send.sent", "reply" */
	int64_t campaign_id, contact_id, message_row, reply_id;  /* 0 = none */
	const char *detail;     /* key=value text */
};
int store_event(struct store *s, const struct event *ev, time_t now, struct err *e);
struct event_row {
	time_t at;
	const char *kind, *campaign, *detail;
};
/* Events of one contact, oldest first. */
int store_events_each(struct store *s, int64_t contact_id,
		      int (*fn)(void *ud, const struct event_row *ev), void *ud, struct err *e);

#endif
