/* imap: read the user's mailbox through libetpan — owns the mailimap session, verifies the
 * server certificate with GnuTLS before any credential is sent, and only ever reads
 * (EXAMINE, BODY.PEEK), except for APPEND of the user's own sent messages. */
#ifndef OUTREACH_IMAP_H
#define OUTREACH_IMAP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct buf;
struct err;

struct imap_opts {
	const char *url;          /* imaps://host[:port] or imap://host[:port] (STARTTLS required) */
	const char *user;
	const char *password;     /* or oauth2_token */
	const char *oauth2_token;
	const char *cafile;       /* extra trust anchors, added to the system's */
	bool insecure;            /* skip certificate verification (warned about by callers) */
	bool allow_plaintext;     /* imap:// without STARTTLS (local test servers only) */
	long timeout;             /* seconds, for connect and every read */
	int trace;                /* >= 2: protocol trace on stderr, credentials redacted */
};

struct imap_folder {
	uint32_t uidvalidity;
	uint32_t uidnext;
	uint32_t exists;
};

struct imap;

/*
 * Connect, secure the channel (implicit TLS, or STARTTLS which is then mandatory), verify
 * the certificate chain and host name against the system trust store plus cafile, and
 * only then log in (LOGIN or XOAUTH2). Errors: ERR_TEMP (cannot connect, timeout),
 * ERR_SESSION (certificate refused, STARTTLS missing, login refused), ERR_CONFIG.
 */
int imap_connect(const struct imap_opts *o, struct imap **out, struct err *e);
/* LOGOUT if possible, then free. NULL is fine. */
void imap_close(struct imap *m);
bool imap_has_idle(struct imap *m);

/* Open a folder read-only (EXAMINE): nothing about it changes, not even \Recent. */
int imap_examine(struct imap *m, const char *folder, struct imap_folder *info, struct err *e);
/* Whether `folder` is the one the last successful EXAMINE opened. */
bool imap_is_examined(const struct imap *m, const char *folder);

/* One message's header block as fetched with BODY.PEEK[HEADER]. */
struct imap_header {
	uint32_t uid;
	uint32_t size;      /* RFC822.SIZE */
	const char *data;   /* valid during the callback only */
	size_t len;
};
/*
 * For every message of the examined folder with UID > after (in UID order), call fn with
 * its headers. `UID n:*` returns the last message even when n is past it (notes §2.5): such
 * UIDs are filtered out here. fn returns 0 to go on, non-zero to stop.
 */
int imap_fetch_headers(struct imap *m, uint32_t after, int (*fn)(void *ud, const struct imap_header *h), void *ud,
		       struct err *e);
/* The first max bytes of one message (BODY.PEEK[]<0.max>). *truncated when it is longer. */
int imap_fetch_message(struct imap *m, uint32_t uid, size_t max, struct buf *out, bool *truncated, struct err *e);
/*
 * Wait for news in the examined folder: IDLE for at most `seconds` (re-issued by the caller
 * well within 29 minutes, RFC 2177). Returns 1 when the server reported a change in the
 * mailbox, 0 on timeout or when *stop became non-zero — status lines such as Dovecot's
 * "* OK Still here" keepalive do not end the wait; -1 on error (the connection is then
 * unusable).
 */
int imap_idle(struct imap *m, int seconds, volatile int *stop, struct err *e);

/* The name of the folder with a SPECIAL-USE attribute such as "\\Sent" or "\\Drafts"
 * (RFC 6154), falling back to common names. *name is the caller's; NULL when none. */
int imap_special_folder(struct imap *m, const char *use, char **name, struct err *e);
/* APPEND a message (the user's own sent copy or a draft) with the given flags (e.g.
 * "\\Seen", "\\Draft"; NULL for none) and internal date. */
int imap_append(struct imap *m, const char *folder, const char *data, size_t len, const char *flag, time_t date,
		struct err *e);
/* Does the folder hold a message with this Message-ID (without brackets)? Uses EXAMINE. */
int imap_has_message_id(struct imap *m, const char *folder, const char *message_id, bool *found, struct err *e);

#endif
