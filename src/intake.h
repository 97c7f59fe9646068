/* intake: one incoming message, from wherever it came (IMAP, a file, a Maildir, an mbox) —
 * parsed, tied to what was sent, judged, recorded once, and its effects applied. */
#ifndef OUTREACH_INTAKE_H
#define OUTREACH_INTAKE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "outcome.h"

struct config;
struct err;
struct store;

struct intake;

struct intake_src {
	const char *source;      /* "imap:INBOX", "file:path", "maildir:path"... */
	const char *folder;      /* IMAP folder, or NULL */
	uint32_t uidvalidity, uid;
};

struct intake_result {
	bool relevant;           /* it concerns a contact (matched) */
	bool recorded;           /* newly recorded now */
	bool duplicate;          /* recorded before (same fingerprint) */
	bool own;                /* our own outgoing mail (a Sent copy): ignored */
	char label[16];
	char reason[256];
	char match_rule[32];     /* in-reply-to, references, bounce-message-id, bounce-recipient,
				  * sender, coordinator; "" when unmatched */
	char contact[320];
	char matched_message_id[256];
	char return_date[11];
	char bounce_recipient[320];
	char bounce_status[16];
	int bounce_hard;         /* -1 when not a bounce */
	char **in_reply_to;      /* ids the message names (In-Reply-To then References) */
	size_t n_in_reply_to;
	struct outcome_effects fx;
};

void intake_result_release(struct intake_result *r);

/* Load the classification rules (the workspace's rules file when configured, else the
 * built-in ones). st may be NULL (classify a file outside any workspace: no matching). */
int intake_open(struct store *st, const struct config *cfg, struct intake **out, struct err *e);
void intake_close(struct intake *ix);
/* Record nothing, apply nothing: judge and match only ('outreach classify'). */
void intake_set_dry(struct intake *ix, bool dry);

/*
 * Could this header block concern us? (a Message-ID of ours in In-Reply-To/References, a
 * contact as sender, a bounce, or a reply to our subject from a contact's organisation) —
 * so bodies are fetched only for those.
 */
int intake_relevant(struct intake *ix, const char *hdr, size_t n, bool *relevant, struct err *e);
/*
 * The whole pipeline for one message (raw bytes, LF or CRLF). Records it (once: a second
 * time is a duplicate) and applies the outcome, inside the caller's transaction — unless
 * dry. A message that matches no contact is not recorded (counted by the caller).
 */
int intake_message(struct intake *ix, const char *raw, size_t n, const struct intake_src *src, time_t now,
		   struct intake_result *r, struct err *e);

#endif
