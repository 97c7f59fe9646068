/* outcome: what a reply means for the campaign — suppress, cancel, stop the sequence, pause
 * colleagues at the same hospital — applied the same way for polled, ingested and manual
 * verdicts. */
#ifndef OUTREACH_OUTCOME_H
#define OUTREACH_OUTCOME_H
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct config;
struct err;
struct store;

struct outcome {
	int64_t contact_id;
	int64_t campaign_id;     /* 0: the contact's campaigns, all of them */
	int64_t reply_id;
	const char *email;
	const char *label;       /* offer, decline, info_request, auto_reply, bounce, other */
	bool hard_bounce;
	bool unsubscribe;        /* "please remove me", "stop emailing" */
	const char *detail;      /* bounce status and diagnostic, or the reason */
};

struct outcome_effects {
	long cancelled;          /* pending messages cancelled */
	long paused;             /* colleagues paused by a stop rule */
	bool suppressed;
};

/*
 * Apply o inside the caller's transaction:
 *   bounce (hard)  -> suppressed everywhere, every pending step cancelled, enrolment stopped
 *   bounce (soft)  -> recorded only (a delayed or full-mailbox notice is not final)
 *   auto_reply     -> nothing (the return date, kept with the reply, delays follow-ups)
 *   any human reply -> that campaign's pending steps cancelled, enrolment done
 *   decline        -> also suppressed for that campaign
 *   unsubscribe    -> also suppressed everywhere
 *   offer, decline, unsubscribe -> the campaign's stop_scope pauses the other contacts of
 *                     the same hospital (institution) or hospital and department
 * Each effect is an event. cfg gives the stop scopes (NULL: contact scope only).
 */
int outcome_apply(struct store *s, const struct config *cfg, const struct outcome *o, time_t now,
		  struct outcome_effects *fx, struct err *e);
/* A person's correction: the reply's label becomes `label` (and its note); what the old
 * automatic verdict did is undone where the new one does not call for it (a wrong bounce
 * or decline lifts the suppression it caused and re-activates the sequence when the new
 * label is auto_reply), then the new label's effects apply. */
int outcome_override(struct store *s, const struct config *cfg, int64_t reply_id, const char *label,
		     const char *note, time_t now, struct outcome_effects *fx, struct err *e);

bool outcome_label_valid(const char *label);
/* A human answer (not an auto-reply or a bounce)? */
bool outcome_is_human(const char *label);

#endif
