/* campaign: one campaign's letters, ready to turn a contact and a step into the exact bytes
 * of a message — or into the list of reasons it must not be sent. */
#ifndef OUTREACH_CAMPAIGN_H
#define OUTREACH_CAMPAIGN_H
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <stdio.h>

#include "buf.h"

struct config;
struct config_campaign;
struct contact;
struct err;
struct letter;
struct mval;

/* ---- diagnostics: what lint and send report, with file:line:col and the contact */
enum diag_sev { DIAG_WARNING, DIAG_ERROR };

struct diag {
	enum diag_sev sev;
	char *where;     /* "templates/observership.md:12:5", or a file, or "" */
	char *what;      /* the problem, without the contact */
	char *hint;      /* what to do, or NULL */
	char **contacts; /* the contacts it concerns (grouped), may be empty */
	size_t ncontacts, capcontacts;
};

struct diags {
	struct diag *v;
	size_t n, cap;
	size_t errors, warnings;
};

void diags_init(struct diags *d);
void diags_release(struct diags *d);
/* Add a problem; identical where+what are merged and the contact appended to the group. */
void diags_add(struct diags *d, enum diag_sev sev, const char *where, const char *contact, const char *hint,
	       const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* ---- campaigns */

#define CAMPAIGN_MAX_STEPS 10
#define CAMPAIGN_ATTACH_LIMIT (25L * 1024 * 1024) /* Gmail's limit for all attachments */
#define CAMPAIGN_ATTACH_WARN (10L * 1024 * 1024)

struct campaign {
	const struct config *cfg;
	const struct config_campaign *k;
	char *root;                            /* workspace root (real path) */
	char *attach_root;                     /* root/attachments (real path, may not exist) */
	struct letter *step[CAMPAIGN_MAX_STEPS];
	size_t nsteps;                         /* 1 + follow-ups */
	struct mval *globals;
	struct attach_cache *cache;            /* attachment bytes read once per run */
	const char *test_prefix;               /* put before the subject of test copies, or NULL */
};

/* Load the campaign `name` (NULL: the only one) of the workspace at root: every step's
 * template is read and compiled. ERR_DATA with file:line:col for template errors. */
int campaign_open(const struct config *cfg, const char *root, const char *name, struct campaign **out,
		  struct err *e);
void campaign_close(struct campaign *c);

/* The earlier messages of a contact's thread, for a follow-up. */
struct thread {
	const char *first_subject;   /* the first message's subject as sent */
	const char *const *ids;      /* Message-IDs of earlier steps, oldest first, no brackets */
	size_t nids;
	const char *last_text;       /* the previous message's text, quoted below a follow-up */
	time_t last_date;
};

/* A message ready for the wire. */
struct outgoing {
	struct buf bytes;            /* the complete message, CRLF */
	char *subject;               /* as sent, UTF-8 */
	char *text;                  /* the text/plain rendering, kept to quote in follow-ups */
	char **rcpt;                 /* envelope recipients: To first, then Cc and Bcc */
	size_t nrcpt;
};

void outgoing_init(struct outgoing *o);
void outgoing_release(struct outgoing *o);

/*
 * Build the message of `step` for contact `ct`. Every reason it must not be sent goes to
 * d (when given) with the contact named: an empty placeholder without a fallback, CR/LF in
 * a header value, a bad Reply-To/Cc/Bcc address, a missing, unreadable or escaping
 * attachment, attachments over the provider's limit. Returns 0 when o holds a message,
 * 1 when it must not be sent (reasons in d), -1 on an error unrelated to this contact.
 * With o NULL, only the checks run (no composition): the cheap test planning uses.
 */
int campaign_build(struct campaign *c, size_t step, const struct contact *ct, const struct thread *th,
		   const char *message_id, time_t date, struct outgoing *o, struct diags *d, struct err *e);

/* Lint the templates themselves against the campaign's contacts: variables no contact
 * column, sender or campaign field defines (with "did you mean"), sections over unknown
 * names. `has_column(name)` says whether any contact has a non-empty value for a name. */
void campaign_lint_vars(struct campaign *c, bool (*has_column)(void *ud, const char *name), void *ud,
			struct diags *d);

#endif

struct store;

/* A new Message-ID for the sender's domain, without brackets: "<24 random>@domain". */
char *campaign_message_id(const struct config *cfg);

/*
 * Lint: check the templates' variables, then build every step for every contact enrolled
 * in the campaign (suppressed ones excepted), collecting every problem in d. *ncontacts
 * is the number checked, *nblocked those with at least one error.
 */
int campaign_check_all(struct campaign *c, struct store *st, struct diags *d, long *ncontacts, long *nblocked,
		       struct err *e);
/* Print diagnostics compiler-style on f: "FILE:LINE:COL: error: what" + hint + contacts. */
void diags_print(const struct diags *d, FILE *f, size_t max_contacts);
