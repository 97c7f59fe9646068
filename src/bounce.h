/* bounce: recognise delivery failures (RFC 3464 DSNs and MTA-specific text) and complaints in a parsed message. */
#ifndef OUTREACH_BOUNCE_H
#define OUTREACH_BOUNCE_H
#include <stdbool.h>
#include <stddef.h>

struct message;

enum bounce_kind {
	BOUNCE_NONE = 0,   /* not a delivery report */
	BOUNCE_FAILED,     /* at least one recipient failed (permanently or after retries) */
	BOUNCE_DELAYED,    /* only "still trying" warnings: never a hard bounce */
	BOUNCE_DELIVERED,  /* a success/relay DSN: not a bounce */
	BOUNCE_COMPLAINT,  /* ARF feedback report (RFC 5965): the recipient flagged our mail */
};

/*
 * Why delivery failed, coarse. Hard bounces are exactly the reasons saying the address
 * or its domain does not exist (or takes no mail at all) with a 5.x.x status; policy,
 * spam, full mailboxes, quotas, network trouble and unexplained 5xx stay soft, because
 * wrongly suppressing a real contact costs the user more than one more retry.
 */
enum bounce_reason {
	BOUNCE_R_UNKNOWN = 0,
	BOUNCE_R_USER_UNKNOWN,  /* 5.1.1: no such mailbox                       hard */
	BOUNCE_R_HOST_UNKNOWN,  /* 5.1.2: no such domain / no MX                 hard */
	BOUNCE_R_HAS_MOVED,     /* 5.1.6: the person left                        hard */
	BOUNCE_R_NOT_ACCEPT,    /* null MX, "does not accept mail"               hard */
	BOUNCE_R_MAILBOX_FULL,  /* 5.2.2 / 4.2.2 / quota                          soft */
	BOUNCE_R_SUSPENDED,     /* account disabled / inactive                    soft */
	BOUNCE_R_EXPIRED,       /* gave up after retries / still delayed         soft */
	BOUNCE_R_BLOCKED,       /* policy, spam, reputation, authentication      soft */
	BOUNCE_R_CONTENT,       /* size, content, virus                          soft */
	BOUNCE_R_NETWORK,       /* connection, DNS lookup trouble, system errors soft */
};

struct bounce_rcpt {
	char *addr;          /* failed recipient (never NULL): a DSN's Original-Recipient (the
	                      * address we wrote to) when usable, else Final-Recipient */
	char *alt_addr;      /* the other DSN recipient field when it differs, or NULL */
	char status[16];     /* enhanced status "5.1.1", "" when none was given or derivable */
	int smtp_code;       /* 550..., 0 when none */
	bool hard;           /* see enum bounce_reason */
	bool delayed;        /* Action: delayed or a warning text */
	enum bounce_reason reason;
	char *diagnostic;    /* one line, at most BOUNCE_DIAG_MAX bytes, or NULL */
};

#define BOUNCE_DIAG_MAX 300
#define BOUNCE_MAX_RCPTS 50

struct bounce_report {
	enum bounce_kind kind;
	const char *format;    /* static: "dsn", "dsn-text", "exim", "qmail", "text", "arf"... */
	struct bounce_rcpt *rcpts;
	size_t n_rcpts;
	char *orig_message_id; /* Message-ID of the returned message, no brackets, or NULL */
	char *orig_to;         /* its To, or NULL */
	char *feedback_type;   /* complaints: "abuse", "opt-out"... */
};

/*
 * Examine a parsed message. Fills *out (the caller frees with bounce_release) and returns
 * out->kind. DSNs are read from their delivery-status records; other reports need a
 * mailer-daemon style sender or null Return-Path plus a failure subject or body phrase
 * (or X-Failed-Recipients), so human mail that mentions "undeliverable" is not a
 * bounce. Pure; never fails.
 */
enum bounce_kind bounce_detect(const struct message *m, struct bounce_report *out);
void bounce_release(struct bounce_report *b);

const char *bounce_kind_name(enum bounce_kind k);
const char *bounce_reason_name(enum bounce_reason r);

/* Classify one diagnostic text (+ status, may be NULL or "") into a reason; exposed for tests. */
enum bounce_reason bounce_reason_of(const char *diagnostic, const char *status);

#endif
