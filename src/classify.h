/* classify: the verdict on one parsed message — bounce, auto-reply, offer, decline, info request or other. */
#ifndef OUTREACH_CLASSIFY_H
#define OUTREACH_CLASSIFY_H
#include <stdbool.h>
#include <stddef.h>

#include "bounce.h"

struct err;
struct message;
struct rules;

enum verdict_label {
	VERDICT_OTHER = 0,
	VERDICT_OFFER,
	VERDICT_DECLINE,
	VERDICT_INFO_REQUEST,
	VERDICT_AUTO_REPLY,
	VERDICT_BOUNCE,
};

enum verdict_flag {
	VERDICT_UNSUBSCRIBE = 1 << 0,  /* "please remove me", or a spam complaint: stop writing */
	VERDICT_AUTOMATED = 1 << 1,    /* machine-sent text judged as decline/info ("our department
					* does not offer observerships", sent by a responder) */
	VERDICT_COMPLAINT = 1 << 2,    /* ARF feedback report: label other, reason complaint */
	VERDICT_REFERRAL = 1 << 3,     /* info_request that points to a coordinator / office */
	VERDICT_CHALLENGE = 1 << 4,    /* challenge-response: auto_reply asking to confirm the sender */
	VERDICT_MAILING_LIST = 1 << 5, /* came through a mailing list */
	VERDICT_DELAYED = 1 << 6,      /* bounce that is only a delay warning (never hard) */
	VERDICT_DELIVERED = 1 << 7,    /* a success delivery report (label other) */
	VERDICT_FALLBACK = 1 << 8,     /* the MIME structure could not be parsed */
	VERDICT_NO_TEXT = 1 << 9,      /* nothing new to read after quote stripping */
	VERDICT_OOO = 1 << 10,         /* auto_reply that is an out-of-office */
};

#define VERDICT_REASON_MAX 256
#define CLASSIFY_NEW_TEXT_MAX 8192 /* bytes of new text judged and kept */

struct verdict {
	enum verdict_label label;
	unsigned flags;                  /* enum verdict_flag */
	char reason[VERDICT_REASON_MAX]; /* what decided, one line */
	struct bounce_report bounce;     /* kind BOUNCE_NONE unless a bounce or complaint:
					  * failed recipients, status, hard, original Message-ID */
	char return_date[11];            /* "YYYY-MM-DD" (sender's calendar) or "" */
	char *new_text;                  /* quote- and signature-stripped, <= CLASSIFY_NEW_TEXT_MAX */
	size_t new_text_len;
	char **conditions;               /* offer conditions, e.g. "fee", "TB test" */
	size_t n_conditions;
	int score[4];                    /* offer, decline, info, ooo (rules) */
};

/*
 * Judge one parsed message with the given rules. Order: bounce (DSN or MTA report,
 * complaint), then auto-reply (headers, subject, challenge, body wording), then the
 * human labels on the new text only. Fills *v (caller frees with verdict_release).
 * Returns 0; -1 with ERR_INTERNAL only for NULL arguments. Pure: no I/O.
 */
int classify_message(const struct message *m, const struct rules *r, struct verdict *v, struct err *e);
void verdict_release(struct verdict *v);

const char *verdict_label_name(enum verdict_label l);
/* "offer (conditions: fee, TB test)" style summary for reports; caller frees. */
char *verdict_summary(const struct verdict *v);

#endif
