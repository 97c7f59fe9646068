/* store_reply: queries for incoming mail — matching it to what was sent, recording replies
 * without duplicates, mailbox checkpoints, and the effects of an outcome. */
#ifndef OUTREACH_STORE_REPLY_H
#define OUTREACH_STORE_REPLY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store.h"

struct err;

/* A message we sent, found by its Message-ID. */
struct sent_ref {
	int64_t message_row, campaign_id, contact_id;
	int step;
	char email[320];
	char subject[512];
	char message_id[256];    /* of that message, "" when none was sent */
};

/* 1 and *out when id is one of ours (any state that may have gone out), 0 when not. */
int store_find_sent_id(struct store *s, const char *message_id, struct sent_ref *out, struct err *e);
/* 1 when the address is a contact (case-insensitive): its id, and its latest sent message
 * (message_row 0 when none was sent). */
int store_find_contact_ref(struct store *s, const char *email, struct sent_ref *out, struct err *e);
/* Messages sent with exactly this subject, to contacts whose address ends in "@" + a domain
 * within org (e.g. "stateu.edu" matches "med.stateu.edu"); the latest first. */
int store_find_sent_subject_org(struct store *s, const char *subject, const char *org, struct sent_ref *out,
				struct err *e);
/* Is there any contact whose domain is within org? (cheap pre-filter for rule 4) */
int store_org_known(struct store *s, const char *org, struct err *e);

struct reply_rec {
	int64_t contact_id, message_row, campaign_id;  /* 0: none */
	const char *source, *folder;
	uint32_t uidvalidity, uid;
	const char *rfc_message_id, *fingerprint;
	const char *from_addr, *from_name, *subject;
	time_t date;
	const char *label, *reason, *match_rule, *snippet, *new_text, *conditions;
	const char *return_date, *bounce_recipient, *bounce_status;
	int bounce_hard;    /* -1: not a bounce */
	bool unsubscribe;
};
/* Insert; 1 recorded (*id set), 0 when the fingerprint was already there. */
int store_reply_add(struct store *s, const struct reply_rec *r, time_t now, int64_t *id, struct err *e);

/* Mailbox checkpoints. 1 and the values when known, 0 when the folder is new. */
int store_checkpoint_get(struct store *s, const char *folder, uint32_t *uidvalidity, uint32_t *last_uid,
			 struct err *e);
int store_checkpoint_set(struct store *s, const char *folder, uint32_t uidvalidity, uint32_t last_uid,
			 long unmatched_add, time_t now, struct err *e);

/* ---- effects */
/* Cancel every queued or failed_temp message of a contact (campaign 0: all campaigns). */
int store_cancel_pending(struct store *s, int64_t contact_id, int64_t campaign_id, const char *reason, time_t now,
			 long *n, struct err *e);
/* Set an enrolment's state (active, paused, stopped, done) with a reason. */
int store_enrollment_set(struct store *s, int64_t campaign_id, int64_t contact_id, const char *state,
			 const char *reason, time_t now, struct err *e);
/* Contacts of a campaign in the same hospital (and department when given), other than
 * contact_id, with an active enrolment: fn per contact. Compared case-insensitively. */
int store_peers_each(struct store *s, int64_t campaign_id, int64_t contact_id, const char *hospital,
		     const char *department, int (*fn)(void *ud, int64_t contact_id, const char *email), void *ud,
		     struct err *e);

/* ---- replies for people: listing and manual decisions */
struct reply_row {
	int64_t id, contact_id;
	const char *email, *name, *label, *auto_label, *reason, *match_rule, *snippet, *subject, *from_addr;
	const char *return_date, *bounce_status, *note, *campaign;
	time_t date;
};
int store_replies_each(struct store *s, const char *label, int (*fn)(void *ud, const struct reply_row *r), void *ud,
		       struct err *e);
/* The latest reply of a contact (0 when none): its id. */
int store_latest_reply(struct store *s, int64_t contact_id, int64_t *reply_id, int64_t *campaign_id, struct err *e);
struct reply_info {
	int64_t contact_id, campaign_id;
	char email[320];
	char label[16];           /* the automatic label */
	char effective[16];       /* the override when there is one, else label */
	bool unsubscribe;
};
int store_reply_info(struct store *s, int64_t reply_id, struct reply_info *out, struct err *e);
/* Remove the suppressions of an address that came from `source` (campaign_id as in
 * suppressions: 0 everywhere). */
int store_suppress_remove_source(struct store *s, const char *email, int64_t campaign_id, const char *source,
				 struct err *e);
/* Put back to 'queued' the messages an outcome cancelled (reason starting "outcome:"). */
int store_uncancel(struct store *s, int64_t contact_id, int64_t campaign_id, time_t now, long *n, struct err *e);
/* The campaigns a contact is enrolled in (at most max ids). */
int store_contact_campaigns(struct store *s, int64_t contact_id, int64_t *ids, size_t max, size_t *n,
			    struct err *e);
/* A campaign's name by id ("" when unknown). */
int store_campaign_name(struct store *s, int64_t id, char *name, size_t n, struct err *e);
int store_reply_override(struct store *s, int64_t reply_id, const char *label, const char *note, time_t now,
			 struct err *e);

#endif
