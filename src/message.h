/* message: parse one fetched RFC 5322 message (libetpan MIME) into the plain fields classification needs. */
#ifndef OUTREACH_MESSAGE_H
#define OUTREACH_MESSAGE_H
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct buf;
struct err;

/*
 * Bounds on untrusted input. Everything past a bound is dropped and a MESSAGE_* flag
 * says so; parsing never fails because of size.
 */
struct message_limits {
	size_t max_input;      /* raw bytes looked at (the IMAP fetch is partial too) */
	size_t max_headers;    /* header fields kept per header block */
	size_t max_header_len; /* bytes of one unfolded header value */
	size_t max_parts;      /* MIME parts visited */
	size_t max_depth;      /* MIME nesting levels visited */
	size_t max_text;       /* bytes of decoded body text */
	size_t max_ids;        /* In-Reply-To / References ids kept */
	size_t max_addrs;      /* To and Cc addresses kept (each) */
	size_t max_rcpts;      /* delivery-status recipient records kept */
};

#define MESSAGE_MAX_INPUT (256u * 1024u)
#define MESSAGE_LIMITS_DEFAULT { MESSAGE_MAX_INPUT, 500, 16384, 100, 12, 128u * 1024u, 100, 100, 100 }

enum message_flag {
	MESSAGE_FALLBACK = 1 << 0,          /* libetpan could not parse: own header/body split */
	MESSAGE_INPUT_TRUNCATED = 1 << 1,   /* input longer than max_input */
	MESSAGE_HEADERS_TRUNCATED = 1 << 2, /* a header count or length bound was hit */
	MESSAGE_PARTS_LIMIT = 1 << 3,       /* max_parts or max_depth reached */
	MESSAGE_TEXT_TRUNCATED = 1 << 4,    /* body text longer than max_text */
	MESSAGE_NO_HEADER_END = 1 << 5,     /* no blank line: the whole input was headers */
};

enum message_text_source { MESSAGE_TEXT_NONE, MESSAGE_TEXT_PLAIN, MESSAGE_TEXT_HTML, MESSAGE_TEXT_MIXED };

struct message_header {
	char *name;  /* as written */
	char *value; /* unfolded (CRLF before white space removed), trimmed, not decoded */
};

struct message_addr {
	char *addr; /* "local@domain" as written (no angle brackets); never NULL in a list */
	char *name; /* display name, RFC 2047-decoded UTF-8, or NULL */
};

/* One per-recipient block of a message/delivery-status part (RFC 3464 §2.3). */
struct message_dsn_rcpt {
	char *final_recipient;    /* address, "rfc822;" and brackets removed; NULL if absent */
	char *original_recipient; /* likewise */
	char *action;             /* lower case: failed, delayed, delivered, relayed, expanded */
	char *status;             /* "5.1.1" as found (only the d.d.d part), or NULL */
	char *diagnostic;         /* Diagnostic-Code text, "smtp;" removed, white space collapsed */
	char *remote_mta;         /* "dns;" removed */
};

struct message {
	/* identity and threading: ids have no angle brackets */
	char *message_id;
	char **in_reply_to;
	size_t n_in_reply_to;
	char **references;
	size_t n_references;

	struct message_addr from;   /* addr NULL when there is no usable From */
	struct message_addr *to;
	size_t n_to;
	struct message_addr *cc;    /* a coordinator may answer with the attending in Cc */
	size_t n_cc;
	char *subject;              /* RFC 2047-decoded UTF-8, or NULL */
	char *date_raw;
	time_t date;                /* UTC seconds; valid when has_date */
	int date_tz;                /* sender's zone offset in minutes east of UTC */
	bool has_date;

	/* auto-reply and list signals (raw unfolded values, NULL when absent) */
	char *auto_submitted;
	char *x_autoreply;
	char *x_autorespond;
	char *precedence;
	char *x_auto_response_suppress;
	char *list_id;
	char *list_unsubscribe;
	char *return_path;          /* "<>" for the null sender */
	char *content_type;         /* raw */
	char *mime_type;            /* top-level "type/subtype", lower case ("text/plain" default) */
	char *report_type;          /* report-type parameter of multipart/report, lower case */

	struct message_header *headers; /* every top-level field kept, in order */
	size_t n_headers;

	/* best body text, UTF-8: text/plain preferred, HTML converted, inline parts joined,
	 * embedded messages (message/rfc822) excluded */
	char *text;
	size_t text_len;
	enum message_text_source text_source;

	/* reports */
	bool has_dsn;               /* a message/delivery-status part was found */
	bool dsn_in_text;           /* ...or its fields were found in the text (broken MIME) */
	char *dsn_reporting_mta;
	struct message_dsn_rcpt *dsn;
	size_t n_dsn;
	bool has_feedback;          /* a message/feedback-report part (ARF, RFC 5965) */
	char *feedback_type;        /* "abuse", "opt-out"... */
	char *feedback_rcpt;        /* Original-Rcpt-To */
	bool has_original;          /* headers of the returned message were found */
	char *orig_message_id;      /* without brackets */
	char *orig_to;              /* first address */
	char *orig_from;            /* first address */
	char *orig_subject;         /* decoded */

	unsigned flags;             /* enum message_flag */
	size_t n_parts;             /* MIME parts visited */
};

/*
 * Parse raw[0..n) (LF or CRLF line ends, any bytes) into *m, which the caller provides
 * and frees with message_release(). lim NULL means MESSAGE_LIMITS_DEFAULT. Never fails on
 * malformed or hostile input: when libetpan rejects the MIME structure a minimal
 * header/body split is used and MESSAGE_FALLBACK is set. Returns 0; -1 (ERR_INTERNAL) only
 * for a NULL argument. Pure: no I/O, no network.
 */
int message_parse(const char *raw, size_t n, const struct message_limits *lim, struct message *m, struct err *e);
void message_release(struct message *m);

/* First top-level header named `name` (case-insensitive), unfolded raw value, or NULL. */
const char *message_header(const struct message *m, const char *name);

/*
 * Decode an unstructured header value: RFC 2047 encoded-words (B and Q, any charset
 * iconv knows, white space between adjacent words dropped) and raw 8-bit bytes (UTF-8
 * when valid, else Windows-1252). Appends UTF-8 to out; -1 when out is full.
 */
int message_decode_header(const char *v, size_t n, struct buf *out);

/*
 * Split one header block in p[0..n) (LF or CRLF): fills *out and *nout (caller frees each
 * name/value and the array with message_headers_free) and returns the offset where the
 * body starts (after the blank line; n when there is none). Lines that are neither a
 * field nor a continuation end the block. Used for embedded and delivery-status blocks.
 */
size_t message_scan_headers(const char *p, size_t n, size_t max_headers, size_t max_len,
			    struct message_header **out, size_t *nout, unsigned *flags);
void message_headers_free(struct message_header *h, size_t n);

/* Parse a list of message ids ("<a@b> <c@d>", comments and junk tolerated): appends up to
 * max ids without brackets to *ids (caller frees each and the array). */
void message_parse_ids(const char *v, size_t max, char ***ids, size_t *n);

/* Parse an address list; appends up to max entries. Display names are decoded. */
void message_parse_addrs(const char *v, size_t max, struct message_addr **addrs, size_t *n);

#endif
