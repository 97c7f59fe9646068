/* autoreply: recognise automatic replies (RFC 3834 and the real-world headers and subjects) and their return date. */
#ifndef OUTREACH_AUTOREPLY_H
#define OUTREACH_AUTOREPLY_H
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct message;

enum autoreply_kind {
	AUTOREPLY_NONE = 0,
	AUTOREPLY_REPLY,      /* an automatic response to our message: vacation, out of office,
			       * "we received your email" (Auto-Submitted: auto-replied,
			       * X-Autoreply, Precedence: auto_reply, an OOO subject) */
	AUTOREPLY_GENERATED,  /* machine-made but not a response: Auto-Submitted: auto-generated,
			       * Precedence: bulk/junk, null Return-Path */
	AUTOREPLY_CHALLENGE,  /* challenge-response: "confirm you are a sender" (Boxbe...) */
	AUTOREPLY_LIST,       /* a mailing-list copy (Precedence: list, List-Id): not an
			       * auto-reply; a human may still have written it */
};

struct autoreply_info {
	enum autoreply_kind kind;
	bool ooo_subject;     /* the subject says out of office / automatic reply */
	char signal[160];     /* what decided, for reasons: "Auto-Submitted: auto-replied" */
};

/*
 * Look at headers, subject and (for challenges) text. Auto-Submitted: no is a human;
 * X-Auto-Response-Suppress alone proves nothing (Outlook sets it on ordinary mail too)
 * and only supports a subject; Precedence: list alone is a mailing list, not an
 * auto-reply. Bounces are not this module's business: classify asks bounce first,
 * because an MTA's failure report often carries Auto-Submitted too. Pure.
 */
enum autoreply_kind autoreply_detect(const struct message *m, struct autoreply_info *out);

/* True when text[0..n) is a challenge-response request (Boxbe, Bluebottle, "add yourself
 * to my guest list", "confirm this mail server"). */
bool autoreply_challenge(const char *text, size_t n);

/*
 * The return date stated in an out-of-office text, as "YYYY-MM-DD" (the sender's local
 * calendar date; 11 bytes with the NUL) in out. Understands "back on Monday, December 1",
 * "returning 12/01/2026", "out of the office until 1 December 2026", "back on Dec. 1st",
 * "from Nov 24 to Dec 1" (the end), "hasta el 5 de enero", "de regreso el lunes 7 de
 * diciembre", "zurück am 3. Dezember" and the like in English, Spanish, German, French,
 * Portuguese, Italian and Polish. Slash dates are M/D/Y (US) unless the day comes
 * first unambiguously (13/01) or the sentence is not English (D/M). A date without a
 * year takes the year of the message and rolls to the next one when it would fall
 * before the message; a weekday alone is the next such day after the message. Dates
 * in the past or more than 400 days ahead are ignored. msg_date is the message's Date
 * (UTC seconds), tz_min its zone offset; without has_date only dates with a year count.
 * Returns 0 when found, -1 when none.
 */
int autoreply_return_date(const char *text, size_t n, time_t msg_date, int tz_min, bool has_date, char out[11]);

const char *autoreply_kind_name(enum autoreply_kind k);

#endif
