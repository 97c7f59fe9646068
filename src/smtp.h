/* smtp: send one message at a time through the user's own server with libcurl — owns the
 * CURL handle, keeps one connection across messages, and classifies every outcome. */
#ifndef OUTREACH_SMTP_H
#define OUTREACH_SMTP_H
#include <stdbool.h>
#include <stddef.h>

struct err;

struct smtp_opts {
	const char *url;          /* smtp://host[:port] (STARTTLS required) or smtps://host[:port] */
	const char *ehlo;         /* name for EHLO: the sender's domain */
	const char *user;
	const char *password;     /* or NULL with oauth2_token */
	const char *oauth2_token; /* XOAUTH2 bearer token */
	const char *cafile;       /* extra trust anchors (private CA), or NULL */
	bool insecure;            /* do not verify certificates (never by default) */
	bool allow_plaintext;     /* smtp:// without TLS (local test servers only) */
	long timeout;             /* seconds: connect, and each server response */
	int trace;                /* >= 2: protocol trace on stderr, credentials redacted */
};

/* The server's last word on a message. */
struct smtp_reply {
	int code;             /* 250, 451, 550...; 0 when the server said nothing */
	char text[512];       /* the reply line(s), CR/LF removed */
	char queue_id[64];    /* from "250 ... queued as ID", when the server says so */
	enum smtp_phase {     /* how far the transaction got */
		SMTP_CONNECT, SMTP_GREETING, SMTP_TLS, SMTP_AUTH, SMTP_MAIL, SMTP_RCPT, SMTP_DATA,
		SMTP_BODY, SMTP_DONE
	} phase;
	bool stop;            /* the batch cannot go on (session or server-wide problem) */
};

const char *smtp_phase_name(enum smtp_phase p);

struct smtp;

/* Prepare a sender; no network until the first smtp_send. Refuses plain smtp:// unless
 * allow_plaintext (ERR_CONFIG). *out is the caller's (smtp_close). */
int smtp_open(const struct smtp_opts *o, struct smtp **out, struct err *e);
/*
 * Send one message (complete RFC 5322 bytes with CRLF line ends) from `from` to one
 * recipient. Blocks on the network. Returns 0 when the server accepted it (reply filled),
 * or -1 with e->cls:
 *   ERR_TEMP     4xx or a network failure before the body: retry this message later
 *   ERR_PERM     5xx for this recipient or message: do not retry
 *   ERR_UNKNOWN  the connection failed after the body was handed over: it may have been
 *                delivered; never resend automatically
 *   ERR_SESSION  authentication, TLS, STARTTLS or configuration: nothing can be sent
 * and reply->stop set when the remaining messages should wait too (session failures,
 * connection refused, 421). A stale reused connection is retried once internally.
 */
int smtp_send(struct smtp *s, const char *from, const char *rcpt, const char *data, size_t len,
	      struct smtp_reply *reply, struct err *e);
/* Sends QUIT if connected, frees everything, zeroes the stored secret. */
void smtp_close(struct smtp *s);

/* Parse "250 2.0.0 Ok: queued as 4Xyz12" style text for the queue id; "" when none. */
void smtp_queue_id(const char *text, char *out, size_t n);

#endif
