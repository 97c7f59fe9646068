/* compose: one complete RFC 5322 / MIME message, the exact bytes handed to the SMTP server. */
#ifndef OUTREACH_COMPOSE_H
#define OUTREACH_COMPOSE_H
#include <stddef.h>
#include <time.h>

struct buf;
struct err;

#define COMPOSE_MAX_SIZE (35u * 1024 * 1024) /* default wire-size cap (Gmail takes 25 MB of attachments) */

struct compose_addr {
	const char *name; /* display name, UTF-8, may be NULL or ""; trimmed, blanks squeezed */
	const char *addr; /* addr-spec, ASCII; never encoded */
};

struct compose_attachment {
	const char *path;         /* read from disk when data is NULL */
	const void *data;         /* in-memory bytes (len octets), or NULL */
	size_t len;
	const char *filename;     /* name shown to the reader, UTF-8; default: basename of path */
	const char *content_type; /* "type/subtype"; default: by the file name's extension */
};

struct compose_header {
	const char *name;  /* e.g. "X-Mailer", "List-Unsubscribe" */
	const char *value; /* UTF-8; ASCII is written as is (folded), other text RFC 2047-encoded */
};

struct compose_msg {
	struct compose_addr from;
	struct compose_addr to;
	const struct compose_addr *cc;       /* optional */
	size_t ncc;
	const struct compose_addr *reply_to; /* optional */
	size_t nreply_to;
	const char *subject;                 /* UTF-8, may be "" */
	const char *message_id;              /* "token@domain", without angle brackets */
	const char *in_reply_to;             /* optional, without brackets */
	const char *const *references;       /* optional, without brackets, oldest first */
	size_t nreferences;
	time_t date;
	int utc_offset_min;                  /* sender's offset from UTC in minutes, e.g. -300 */
	/*
	 * The body: either `markdown` (then text and html are rendered from it), or `text` with
	 * an optional `html` (a fragment is wrapped in a minimal document; a string starting
	 * with "<!DOCTYPE" or "<html" is used as it is). UTF-8; LF, CRLF or CR line ends.
	 */
	const char *markdown;
	const char *text;
	const char *html;
	const struct compose_attachment *att;
	size_t natt;
	const struct compose_header *headers; /* extra headers, after the standard ones */
	size_t nheaders;
	size_t max_size;                      /* 0: COMPOSE_MAX_SIZE */
};

/*
 * Append the whole message for m to out: CRLF line ends only, no line over 998 octets,
 * headers RFC 2047-encoded and folded, Date in RFC 5322 form (no locale), MIME-Version,
 * Message-ID, In-Reply-To/References when given. text/plain alone when there is no html and
 * no attachment; multipart/alternative for text + html; multipart/mixed around that with
 * base64 attachments. Text parts are 7bit when they can be, else quoted-printable.
 * Bcc never appears (the envelope is the sender's business).
 * Errors: ERR_DATA naming the field for any CR, LF or NUL in a header input, an invalid
 * address or message-id, invalid UTF-8, a missing required field or a bad extra header;
 * ERR_IO when an attachment cannot be read; ERR_LIMIT when the message would exceed
 * m->max_size or out's maximum. On error out is left as it was. Reads attachment files;
 * no network.
 */
int compose_message(const struct compose_msg *m, struct buf *out, struct err *e);

/* Minimal addr-spec check for a header: one "@" with text on both sides, printable ASCII,
 * no spaces, no <>()[],;:"\ , at most 254 octets. ERR_DATA. */
int compose_check_addr(const char *addr, struct err *e);
/* A msg-id without brackets: "left@right", printable ASCII without spaces, <>, quotes,
 * parentheses, backslash or a second "@", at most 250 octets. ERR_DATA. */
int compose_check_msgid(const char *id, struct err *e);
/* Append an RFC 5322 date ("Wed, 25 Nov 2026 09:00:00 -0500") for t at the given UTC
 * offset in minutes (|offset| < 24h: ERR_DATA otherwise). Locale-independent. */
int compose_date(time_t t, int utc_offset_min, struct buf *out, struct err *e);

#endif
