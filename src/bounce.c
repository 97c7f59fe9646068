/* bounce: recognise delivery failures (RFC 3464 DSNs and MTA-specific text) and complaints in a parsed message. */
#include "bounce.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "message.h"
#include "util.h"
#include "xalloc.h"

/* ------------------------------------------------------------------ text helpers */

static bool has(const char *s, size_t n, const char *needle)
{
	return s && mem_icase_find(s, n, needle) != NULL;
}

static bool has_any(const char *s, size_t n, const char *const *list)
{
	if (!s)
		return false;
	for (size_t i = 0; list[i]; i++)
		if (mem_icase_find(s, n, list[i]))
			return true;
	return false;
}

static bool sp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* ------------------------------------------------------------------ reasons */

const char *bounce_kind_name(enum bounce_kind k)
{
	static const char *const names[] = { "none", "failed", "delayed", "delivered", "complaint" };
	return (unsigned)k < ARRAY_SIZE(names) ? names[k] : "?";
}

const char *bounce_reason_name(enum bounce_reason r)
{
	static const char *const names[] = { "unknown", "user_unknown", "host_unknown", "has_moved", "not_accept",
					     "mailbox_full", "suspended", "expired", "blocked", "content", "network" };
	return (unsigned)r < ARRAY_SIZE(names) ? names[r] : "?";
}

struct reason_pat {
	enum bounce_reason r;
	const char *pat;
};

/*
 * Phrases MTAs use, most specific first. These are protocol vocabulary (what Postfix,
 * Exim, Exchange, Gmail... write), not tunable judgement, so they live here rather than
 * in the rules file. The specific group is consulted before the status code, the
 * generic group after it: "550 5.1.1 ... rejected" is a user-unknown, "550 5.7.1 ...
 * blocked" is blocked.
 */
static const struct reason_pat specific[] = {
	/* Exchange Online's directory-based edge blocking: the recipient does not exist */
	{ BOUNCE_R_USER_UNKNOWN, "recipient address rejected: access denied" },

	{ BOUNCE_R_MAILBOX_FULL, "mailbox full" }, { BOUNCE_R_MAILBOX_FULL, "mailbox is full" },
	{ BOUNCE_R_MAILBOX_FULL, "mail box full" }, { BOUNCE_R_MAILBOX_FULL, "mailbox has exceeded" },
	{ BOUNCE_R_MAILBOX_FULL, "over quota" }, { BOUNCE_R_MAILBOX_FULL, "overquota" },
	{ BOUNCE_R_MAILBOX_FULL, "quota exceeded" }, { BOUNCE_R_MAILBOX_FULL, "exceeded quota" },
	{ BOUNCE_R_MAILBOX_FULL, "exceeds quota" }, { BOUNCE_R_MAILBOX_FULL, "quota exceed" },
	{ BOUNCE_R_MAILBOX_FULL, "disk quota" }, { BOUNCE_R_MAILBOX_FULL, "exceeded storage" },
	{ BOUNCE_R_MAILBOX_FULL, "insufficient storage" }, { BOUNCE_R_MAILBOX_FULL, "mailbox size limit" },
	{ BOUNCE_R_MAILBOX_FULL, "mailfolder is full" }, { BOUNCE_R_MAILBOX_FULL, "full mailbox" },
	{ BOUNCE_R_MAILBOX_FULL, "is full" }, { BOUNCE_R_MAILBOX_FULL, "storage limit" },
	{ BOUNCE_R_MAILBOX_FULL, "too much mail" }, { BOUNCE_R_MAILBOX_FULL, "user is over" },
	{ BOUNCE_R_MAILBOX_FULL, "mailbox exceeded" }, { BOUNCE_R_MAILBOX_FULL, "exceeded the quota" },
	{ BOUNCE_R_MAILBOX_FULL, "not enough storage" }, { BOUNCE_R_MAILBOX_FULL, "account is full" },

	{ BOUNCE_R_SUSPENDED, "account disabled" }, { BOUNCE_R_SUSPENDED, "account has been disabled" },
	{ BOUNCE_R_SUSPENDED, "account is disabled" }, { BOUNCE_R_SUSPENDED, "mailbox disabled" },
	{ BOUNCE_R_SUSPENDED, "mailbox is disabled" }, { BOUNCE_R_SUSPENDED, "account suspended" },
	{ BOUNCE_R_SUSPENDED, "has been suspended" }, { BOUNCE_R_SUSPENDED, "is suspended" },
	{ BOUNCE_R_SUSPENDED, "account is inactive" }, { BOUNCE_R_SUSPENDED, "mailbox is inactive" },
	{ BOUNCE_R_SUSPENDED, "account is locked" }, { BOUNCE_R_SUSPENDED, "temporarily disabled" },
	{ BOUNCE_R_SUSPENDED, "deactivated" }, { BOUNCE_R_SUSPENDED, "account expired" },
	{ BOUNCE_R_SUSPENDED, "has been disabled" }, { BOUNCE_R_SUSPENDED, "is disabled" },
	{ BOUNCE_R_SUSPENDED, "is inactive" }, { BOUNCE_R_SUSPENDED, "inactive account" },
	{ BOUNCE_R_SUSPENDED, "temporary locked" }, { BOUNCE_R_SUSPENDED, "temporarily locked" },

	{ BOUNCE_R_HAS_MOVED, "has moved" }, { BOUNCE_R_HAS_MOVED, "no longer with" },
	{ BOUNCE_R_HAS_MOVED, "no longer employed" }, { BOUNCE_R_HAS_MOVED, "is no longer at" },
	{ BOUNCE_R_HAS_MOVED, "no longer works" },

	{ BOUNCE_R_NOT_ACCEPT, "does not accept mail" }, { BOUNCE_R_NOT_ACCEPT, "not accept any mail" },
	{ BOUNCE_R_NOT_ACCEPT, "does not accept e-mail" }, { BOUNCE_R_NOT_ACCEPT, "null mx" },
	{ BOUNCE_R_NOT_ACCEPT, "does not receive mail" }, { BOUNCE_R_NOT_ACCEPT, "accepts no mail" },
	{ BOUNCE_R_NOT_ACCEPT, "indicated no smtp service" }, { BOUNCE_R_NOT_ACCEPT, "no smtp service" },

	/* the sender's side is refused, whatever the status code says about the recipient */
	{ BOUNCE_R_BLOCKED, "too many recipients" }, { BOUNCE_R_BLOCKED, "sent to too many" },
	{ BOUNCE_R_BLOCKED, "domain of sender address" }, { BOUNCE_R_BLOCKED, "sender address rejected" },
	{ BOUNCE_R_BLOCKED, "sender verify failed" }, { BOUNCE_R_BLOCKED, "access denied" },
	{ BOUNCE_R_BLOCKED, "recipient preferences" }, { BOUNCE_R_BLOCKED, "banned" },
	{ BOUNCE_R_BLOCKED, "rate limit" }, { BOUNCE_R_BLOCKED, "relay access denied" },
	{ BOUNCE_R_BLOCKED, "relaying denied" }, { BOUNCE_R_BLOCKED, "not permitted to relay" },
	{ BOUNCE_R_BLOCKED, "client host rejected" },

	{ BOUNCE_R_HOST_UNKNOWN, "host unknown" }, { BOUNCE_R_HOST_UNKNOWN, "unknown host" },
	{ BOUNCE_R_HOST_UNKNOWN, "host not found" }, { BOUNCE_R_HOST_UNKNOWN, "domain not found" },
	{ BOUNCE_R_HOST_UNKNOWN, "no such domain" }, { BOUNCE_R_HOST_UNKNOWN, "illegal host" },
	{ BOUNCE_R_HOST_UNKNOWN, "invalid domain" }, { BOUNCE_R_HOST_UNKNOWN, "dns lookup failure" },
	{ BOUNCE_R_HOST_UNKNOWN, "couldn't find a mail exchanger" }, { BOUNCE_R_HOST_UNKNOWN, "no mx found" },
	{ BOUNCE_R_HOST_UNKNOWN, "the domain is not reachable" }, { BOUNCE_R_HOST_UNKNOWN, "domain name is invalid" },
	{ BOUNCE_R_HOST_UNKNOWN, "domain name not found" }, { BOUNCE_R_HOST_UNKNOWN, "unrouteable mail domain" },
	{ BOUNCE_R_HOST_UNKNOWN, "domain does not exist" }, { BOUNCE_R_HOST_UNKNOWN, "nxdomain" },
	{ BOUNCE_R_HOST_UNKNOWN, "unknown domain" }, { BOUNCE_R_HOST_UNKNOWN, "domain is unknown" },
	{ BOUNCE_R_HOST_UNKNOWN, "no mx record" }, { BOUNCE_R_HOST_UNKNOWN, "host or domain name not found" },
	{ BOUNCE_R_HOST_UNKNOWN, "unresolvable" }, { BOUNCE_R_HOST_UNKNOWN, "non-existent domain" },
	{ BOUNCE_R_HOST_UNKNOWN, "nonexistent domain" }, { BOUNCE_R_HOST_UNKNOWN, "bad destination system" },
	{ BOUNCE_R_HOST_UNKNOWN, "no route to domain" }, { BOUNCE_R_HOST_UNKNOWN, "domain lookup failed" },

	{ BOUNCE_R_USER_UNKNOWN, "user unknown" }, { BOUNCE_R_USER_UNKNOWN, "unknown user" },
	{ BOUNCE_R_USER_UNKNOWN, "no such user" }, { BOUNCE_R_USER_UNKNOWN, "no such mailbox" },
	{ BOUNCE_R_USER_UNKNOWN, "no such recipient" }, { BOUNCE_R_USER_UNKNOWN, "no such account" },
	{ BOUNCE_R_USER_UNKNOWN, "no such address" }, { BOUNCE_R_USER_UNKNOWN, "no such person" },
	{ BOUNCE_R_USER_UNKNOWN, "no such local user" }, { BOUNCE_R_USER_UNKNOWN, "user not found" },
	{ BOUNCE_R_USER_UNKNOWN, "recipient not found" }, { BOUNCE_R_USER_UNKNOWN, "recipientnotfound" },
	{ BOUNCE_R_USER_UNKNOWN, "mailbox not found" }, { BOUNCE_R_USER_UNKNOWN, "address not found" },
	{ BOUNCE_R_USER_UNKNOWN, "account not found" }, { BOUNCE_R_USER_UNKNOWN, "unknown recipient" },
	{ BOUNCE_R_USER_UNKNOWN, "recipient unknown" }, { BOUNCE_R_USER_UNKNOWN, "unknown mailbox" },
	{ BOUNCE_R_USER_UNKNOWN, "unknown address" }, { BOUNCE_R_USER_UNKNOWN, "unknown local" },
	{ BOUNCE_R_USER_UNKNOWN, "addressee unknown" }, { BOUNCE_R_USER_UNKNOWN, "invalid recipient" },
	{ BOUNCE_R_USER_UNKNOWN, "invalid mailbox" }, { BOUNCE_R_USER_UNKNOWN, "invalid address" },
	{ BOUNCE_R_USER_UNKNOWN, "invalid user" }, { BOUNCE_R_USER_UNKNOWN, "does not exist" },
	{ BOUNCE_R_USER_UNKNOWN, "doesn't exist" }, { BOUNCE_R_USER_UNKNOWN, "does not exists" },
	{ BOUNCE_R_USER_UNKNOWN, "unrouteable address" }, { BOUNCE_R_USER_UNKNOWN, "not a valid mailbox" },
	{ BOUNCE_R_USER_UNKNOWN, "not a valid user" }, { BOUNCE_R_USER_UNKNOWN, "not a valid recipient" },
	{ BOUNCE_R_USER_UNKNOWN, "no mailbox" }, { BOUNCE_R_USER_UNKNOWN, "user doesn't have a" },
	{ BOUNCE_R_USER_UNKNOWN, "is not a known user" }, { BOUNCE_R_USER_UNKNOWN, "recipient name is not recognized" },
	{ BOUNCE_R_USER_UNKNOWN, "not listed in" }, { BOUNCE_R_USER_UNKNOWN, "not our customer" },
	{ BOUNCE_R_USER_UNKNOWN, "unknown or illegal alias" }, { BOUNCE_R_USER_UNKNOWN, "bad destination mailbox" },
	{ BOUNCE_R_USER_UNKNOWN, "no valid recipients" }, { BOUNCE_R_USER_UNKNOWN, "user does not exist" },
	{ BOUNCE_R_USER_UNKNOWN, "mailbox unavailable" }, { BOUNCE_R_USER_UNKNOWN, "not a registered" },
	{ BOUNCE_R_USER_UNKNOWN, "is not a valid" }, { BOUNCE_R_USER_UNKNOWN, "no account" },
	{ BOUNCE_R_USER_UNKNOWN, "unknown or invalid" }, { BOUNCE_R_USER_UNKNOWN, "address rejected: user" },
	{ BOUNCE_R_USER_UNKNOWN, "invalid-recipient" }, { BOUNCE_R_USER_UNKNOWN, "recipient rejected" },
	{ BOUNCE_R_USER_UNKNOWN, "no such" }, { BOUNCE_R_USER_UNKNOWN, "unknown in relay recipient table" },
	{ BOUNCE_R_USER_UNKNOWN, "unknown in local recipient table" }, { BOUNCE_R_USER_UNKNOWN, "unknown in virtual" },
	{ BOUNCE_R_USER_UNKNOWN, "couldn't be found" }, { BOUNCE_R_USER_UNKNOWN, "could not be found" },
	{ BOUNCE_R_USER_UNKNOWN, "wasn't found" }, { BOUNCE_R_USER_UNKNOWN, "user not exist" },
	{ BOUNCE_R_USER_UNKNOWN, "invalid final delivery" },

	{ BOUNCE_R_EXPIRED, "delivery time expired" }, { BOUNCE_R_EXPIRED, "retry timeout exceeded" },
	{ BOUNCE_R_EXPIRED, "retry time not reached" }, { BOUNCE_R_EXPIRED, "message expired" },
	{ BOUNCE_R_EXPIRED, "could not be delivered within" }, { BOUNCE_R_EXPIRED, "giving up" },
	{ BOUNCE_R_EXPIRED, "gave up" }, { BOUNCE_R_EXPIRED, "queue too long" },
	{ BOUNCE_R_EXPIRED, "delivery attempts will continue" }, { BOUNCE_R_EXPIRED, "still being retried" },
	{ BOUNCE_R_EXPIRED, "not yet been delivered" }, { BOUNCE_R_EXPIRED, "has been delayed" },
	{ BOUNCE_R_EXPIRED, "expired" }, { BOUNCE_R_EXPIRED, "was not delivered for" },
	{ BOUNCE_R_EXPIRED, "retry limit" }, { BOUNCE_R_EXPIRED, "timeout waiting" },
	{ BOUNCE_R_EXPIRED, "too long in the queue" }, { BOUNCE_R_EXPIRED, "will be retried" },
	{ BOUNCE_R_EXPIRED, "will retry" }, { BOUNCE_R_EXPIRED, "delivery is delayed" },
	{ BOUNCE_R_EXPIRED, "delivery delayed" }, { BOUNCE_R_EXPIRED, "delayed mail" },
	{ 0, NULL },
};

static const struct reason_pat generic[] = {
	{ BOUNCE_R_CONTENT, "message too large" }, { BOUNCE_R_CONTENT, "message too big" },
	{ BOUNCE_R_CONTENT, "message size exceeds" }, { BOUNCE_R_CONTENT, "exceeds size" },
	{ BOUNCE_R_CONTENT, "size limit" }, { BOUNCE_R_CONTENT, "too big" },
	{ BOUNCE_R_CONTENT, "message is too large" }, { BOUNCE_R_CONTENT, "virus" },
	{ BOUNCE_R_CONTENT, "content rejected" }, { BOUNCE_R_CONTENT, "message content" },
	{ BOUNCE_R_NETWORK, "connection refused" }, { BOUNCE_R_NETWORK, "connection timed out" },
	{ BOUNCE_R_NETWORK, "timed out" }, { BOUNCE_R_NETWORK, "network is unreachable" },
	{ BOUNCE_R_NETWORK, "connection reset" }, { BOUNCE_R_NETWORK, "no route to host" },
	{ BOUNCE_R_NETWORK, "lost connection" }, { BOUNCE_R_NETWORK, "too many connections" },
	{ BOUNCE_R_NETWORK, "system error" }, { BOUNCE_R_NETWORK, "internal error" },
	{ BOUNCE_R_NETWORK, "i/o error" }, { BOUNCE_R_NETWORK, "mail loop" },
	{ BOUNCE_R_NETWORK, "loops back" }, { BOUNCE_R_NETWORK, "too many hops" },
	{ BOUNCE_R_NETWORK, "protocol error" }, { BOUNCE_R_NETWORK, "service unavailable" },
	{ BOUNCE_R_BLOCKED, "blocked" }, { BOUNCE_R_BLOCKED, "blacklist" },
	{ BOUNCE_R_BLOCKED, "block list" }, { BOUNCE_R_BLOCKED, "blocklist" },
	{ BOUNCE_R_BLOCKED, "spam" }, { BOUNCE_R_BLOCKED, "policy" },
	{ BOUNCE_R_BLOCKED, "not authorized" }, { BOUNCE_R_BLOCKED, "unauthorized" },
	{ BOUNCE_R_BLOCKED, "relay" }, { BOUNCE_R_BLOCKED, "reputation" },
	{ BOUNCE_R_BLOCKED, "dmarc" }, { BOUNCE_R_BLOCKED, "spf" }, { BOUNCE_R_BLOCKED, "dkim" },
	{ BOUNCE_R_BLOCKED, "reverse dns" }, { BOUNCE_R_BLOCKED, "ptr record" },
	{ BOUNCE_R_BLOCKED, "access denied" }, { BOUNCE_R_BLOCKED, "denied" },
	{ BOUNCE_R_BLOCKED, "rejected" }, { BOUNCE_R_BLOCKED, "refused" },
	{ BOUNCE_R_BLOCKED, "not permitted" }, { BOUNCE_R_BLOCKED, "prohibited" },
	{ 0, NULL },
};

static enum bounce_reason match_pats(const struct reason_pat *p, const char *s, size_t n)
{
	for (size_t i = 0; p[i].pat; i++)
		if (mem_icase_find(s, n, p[i].pat))
			return p[i].r;
	return BOUNCE_R_UNKNOWN;
}

static enum bounce_reason reason_of_status(const char *st)
{
	if (!st || strlen(st) < 5)
		return BOUNCE_R_UNKNOWN;
	const char *d = st + 2; /* "X.Y.Z" -> "Y.Z" */
	int subj = d[0] - '0';
	long detail = strtol(d + 2, NULL, 10);
	switch (subj) {
	case 1:
		if (detail == 1 || detail == 10 || detail == 3)
			return BOUNCE_R_USER_UNKNOWN;
		if (detail == 2)
			return BOUNCE_R_HOST_UNKNOWN;
		if (detail == 6)
			return BOUNCE_R_HAS_MOVED;
		if (detail == 7 || detail == 8)
			return BOUNCE_R_BLOCKED; /* bad sender address */
		return BOUNCE_R_UNKNOWN;
	case 2:
		if (detail == 2)
			return BOUNCE_R_MAILBOX_FULL;
		if (detail == 1)
			return BOUNCE_R_SUSPENDED;
		if (detail == 3)
			return BOUNCE_R_CONTENT;
		return BOUNCE_R_UNKNOWN;
	case 3:
		if (detail == 4)
			return BOUNCE_R_CONTENT;
		return BOUNCE_R_NETWORK;
	case 4:
		if (detail == 7)
			return BOUNCE_R_EXPIRED;
		return BOUNCE_R_NETWORK;
	case 6:
		return BOUNCE_R_CONTENT;
	case 7:
		return BOUNCE_R_BLOCKED;
	default:
		return BOUNCE_R_UNKNOWN;
	}
}

enum bounce_reason bounce_reason_of(const char *diag, const char *status)
{
	size_t n = diag ? strlen(diag) : 0;
	/* X.7.Y (security/policy) and X.1.7/X.1.8 (our sender address) are about us, never
	 * about the recipient's mailbox, even when the text says "user unknown" */
	if (status && strlen(status) >= 5 &&
	    (status[2] == '7' || (status[2] == '1' && (strcmp(status + 3, ".7") == 0 || strcmp(status + 3, ".8") == 0))))
		return BOUNCE_R_BLOCKED;
	enum bounce_reason r = diag ? match_pats(specific, diag, n) : BOUNCE_R_UNKNOWN;
	if (r == BOUNCE_R_UNKNOWN)
		r = reason_of_status(status);
	if (r == BOUNCE_R_UNKNOWN && diag)
		r = match_pats(generic, diag, n);
	return r;
}

static bool reason_is_hard(enum bounce_reason r)
{
	return r == BOUNCE_R_USER_UNKNOWN || r == BOUNCE_R_HOST_UNKNOWN || r == BOUNCE_R_HAS_MOVED ||
	       r == BOUNCE_R_NOT_ACCEPT;
}

/* ------------------------------------------------------------------ codes in text */

/* First enhanced status code "d.ddd.ddd" (class 2, 4 or 5) in s, not part of an IP address. */
static bool find_status(const char *s, size_t n, char out[16])
{
	for (size_t i = 0; i + 4 < n; i++) {
		char c = s[i];
		if (c != '2' && c != '4' && c != '5')
			continue;
		if (i > 0 && (isdigit((unsigned char)s[i - 1]) || s[i - 1] == '.'))
			continue;
		if (s[i + 1] != '.')
			continue;
		size_t j = i + 2, a = 0;
		while (j < n && isdigit((unsigned char)s[j]) && a < 4)
			j++, a++;
		if (!a || a > 3 || j >= n || s[j] != '.')
			continue;
		j++;
		size_t b = 0;
		while (j < n && isdigit((unsigned char)s[j]) && b < 4)
			j++, b++;
		if (!b || b > 3)
			continue;
		if (j < n && (s[j] == '.' || isdigit((unsigned char)s[j])))
			continue; /* 5.1.1.1 is an address */
		if (j - i >= 16)
			continue;
		memcpy(out, s + i, j - i);
		out[j - i] = '\0';
		return true;
	}
	return false;
}

/* The enhanced status the remote server itself gave, right after its reply code
 * ("550 5.1.1", "550-5.2.2", "550-'5.7.1"): more precise than a DSN's own Status. */
static bool find_reply_status(const char *s, size_t n, char out[16])
{
	for (size_t i = 0; i + 8 < n; i++) {
		if ((s[i] != '4' && s[i] != '5') || !isdigit((unsigned char)s[i + 1]) || !isdigit((unsigned char)s[i + 2]))
			continue;
		if (i > 0 && (isalnum((unsigned char)s[i - 1]) || s[i - 1] == '.' || s[i - 1] == '-'))
			continue;
		size_t j = i + 3;
		if (s[j] != ' ' && s[j] != '-')
			continue;
		j++;
		while (j < n && (s[j] == ' ' || s[j] == '\'' || s[j] == '"'))
			j++;
		if (j < n && s[j] == s[i] && find_status(s + j, n - j, out) && strncmp(out, s + j, strlen(out)) == 0)
			return true;
	}
	return false;
}

/* First SMTP reply code (4xx/5xx/2xx) standing as its own token. */
static int find_smtp_code(const char *s, size_t n)
{
	for (size_t i = 0; i + 2 < n; i++) {
		char c = s[i];
		if (c != '4' && c != '5')
			continue;
		if (!isdigit((unsigned char)s[i + 1]) || !isdigit((unsigned char)s[i + 2]))
			continue;
		if (i > 0) {
			char p = s[i - 1];
			if (!(sp(p) || p == ':' || p == '(' || p == '[' || p == '"' || p == '<' || p == '=' || p == ';' || p == '\''))
				continue;
		}
		if (i + 3 < n) {
			char q = s[i + 3];
			if (!(sp(q) || q == '-' || q == ')' || q == ']' || q == ',' || q == ':'))
				continue;
			if (q == '-' && i + 4 < n && isdigit((unsigned char)s[i + 4]) && !(i + 5 < n && s[i + 5] == '.'))
				continue; /* "550-12" is not a code, "550-5.1.1" is */
		}
		int v = (c - '0') * 100 + (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
		if (v % 100 > 59)
			continue;
		return v;
	}
	return 0;
}

/* ------------------------------------------------------------------ addresses in text */

static bool local_char(unsigned char c)
{
	return isalnum(c) || strchr("._%+-=/'!#$&*?^`{|}~", c) != NULL;
}

static bool domain_char(unsigned char c)
{
	return isalnum(c) || c == '.' || c == '-' || c >= 0x80;
}

/* Scan s[*pos..n) for the next address; sets [*as, *ae) and advances *pos. */
static bool next_addr(const char *s, size_t n, size_t *pos, size_t *as, size_t *ae)
{
	for (size_t i = *pos; i < n; i++) {
		if (s[i] != '@')
			continue;
		size_t a = i;
		while (a > 0 && local_char((unsigned char)s[a - 1]) && i - a < 128)
			a--;
		while (a < i && (s[a] == '.' || s[a] == '\'' || s[a] == '=' || s[a] == '/'))
			a++; /* leading punctuation is context, not address */
		/* X.400 gateways write "SMTP=a@b" / "RFC-822=a@b" */
		bool x400 = false;
		for (size_t q = i; q > a; q--) {
			if (s[q - 1] != '=')
				continue;
			bool word = true;
			for (size_t k = a; k < q - 1; k++)
				if (!isalpha((unsigned char)s[k]) && s[k] != '-' && !isdigit((unsigned char)s[k]))
					word = false;
			if (word && q - 1 - a >= 3) {
				a = q;
				x400 = true;
			}
			break;
		}
		/* inside a URL or a query string, not a mailbox */
		if (!x400 && a > 0 && (s[a - 1] == '/' || s[a - 1] == '=' || s[a - 1] == '?'))
			continue;
		size_t e = i + 1;
		while (e < n && domain_char((unsigned char)s[e]) && e - i < 255)
			e++;
		while (e > i + 1 && (s[e - 1] == '.' || s[e - 1] == '-'))
			e--;
		if (a == i || e <= i + 1) {
			continue;
		}
		bool dot = memchr(s + i + 1, '.', e - i - 1) != NULL;
		if (!dot)
			continue;
		*as = a;
		*ae = e;
		*pos = e;
		return true;
	}
	*pos = n;
	return false;
}

static bool addr_eq(const char *a, const char *b, size_t bn)
{
	return a && strlen(a) == bn && strncasecmp(a, b, bn) == 0;
}

static bool local_is(const char *a, size_t n, const char *lp)
{
	size_t l = strlen(lp);
	return n > l && a[l] == '@' && strncasecmp(a, lp, l) == 0;
}

/* Addresses that are never the failed recipient: us and the reporting system. Returns 1
 * for those; 2 for daemon mailboxes (postmaster@...) and the returned message's author,
 * which are recipients only when nothing else is named. */
static int excluded_addr(const struct message *m, const char *a, size_t n)
{
	for (size_t i = 0; i < m->n_to; i++)
		if (addr_eq(m->to[i].addr, a, n))
			return 1;
	if (addr_eq(m->from.addr, a, n))
		return 1;
	if (addr_eq(m->orig_from, a, n)) /* usually us; but people test by writing to themselves */
		return 2;
	if (m->return_path) {
		const char *rp = m->return_path;
		const char *lt = strchr(rp, '<');
		if (lt)
			rp = lt + 1;
		size_t rl = strcspn(rp, ">");
		if (rl == n && strncasecmp(rp, a, n) == 0)
			return 1;
	}
	static const char *const daemons[] = { "mailer-daemon", "postmaster", "mailerdaemon", "mail-daemon",
					       "double-bounce", "maildaemon", "nobody", "root", NULL };
	for (size_t i = 0; daemons[i]; i++)
		if (local_is(a, n, daemons[i]))
			return 2;
	return 0;
}

/* Lines that belong to header-like context ("From:", "Message-ID:", "Received:"...). */
static bool header_line(const char *l, size_t n)
{
	while (n && (*l == ' ' || *l == '\t'))
		l++, n--;
	static const char *const names[] = { "from:", "sent:", "date:", "subject:", "message-id:", "received:",
					     "reporting-mta:", "return-path:", "reply-to:", "sender:", "to:", "cc:",
					     "in-reply-to:", "references:", "received-from-mta:", "x-", "dkim-signature:",
					     "authentication-results:", "list-", "errors-to:", "envelope-from",
					     "delivered-to:", "arrival-date:", "remote-mta:", "x-postfix-sender:",
					     "mail from:", "message id:", NULL };
	for (size_t i = 0; names[i]; i++) {
		size_t k = strlen(names[i]);
		if (n >= k && strncasecmp(l, names[i], k) == 0)
			return true;
	}
	return false;
}

/* ------------------------------------------------------------------ the failure region */

/* Where the copy of the returned message starts in the text (n when not found). */
static size_t region_end(const char *t, size_t n)
{
	static const char *const markers[] = {
		"copy of the message", "copy of your message", "original message follows", "unsent message follows",
		"returned message", "original message -", "header of the original message",
		"headers of the original message", "original message header", "rejected message",
		"message headers follow", "included below is a copy", "message text follows",
		"original message is attached", "---- original message", "copy of the original message",
		"your message reads", "message header follows", "below is a copy", "--- original message",
		"bounced e-mail:", "the original message was:", "original mail message", "original message:",
		"message text follows", "original message as", "original message follow", NULL,
	};
	size_t i = 0;
	bool prev_blank = true;
	while (i < n) {
		const char *lf = memchr(t + i, '\n', n - i);
		size_t e = lf ? (size_t)(lf - t) : n;
		size_t len = e - i;
		const char *l = t + i;
		if (has_any(l, len, markers))
			return i;
		/* an unmarked embedded header block: "Received:"/"Return-Path:" at column 0 */
		if (prev_blank && (str_istarts_with(l, "Received: ") || str_istarts_with(l, "Return-Path: ") ||
				   str_istarts_with(l, "DKIM-Signature: ")))
			return i;
		/* ...or a quoted one */
		if (str_istarts_with(l, ">Received: ") || str_istarts_with(l, "> Received: ") ||
		    str_istarts_with(l, ">Return-Path: ") || str_istarts_with(l, "> Return-Path: "))
			return i;
		prev_blank = len == 0 || (len == 1 && l[0] == '\r');
		i = e + 1;
	}
	return n;
}

struct cand {
	char *addr;
	bool strong;
	size_t first; /* offset of first occurrence */
};

/*
 * An occurrence is "strong" when it is written the way MTAs list failed recipients:
 * alone on its line, at the start of the line ("<a@b>:", "a@b on <date>"), after
 * "RCPT TO:", or followed by "..." (Sendmail transcripts).
 */
static bool strong_occurrence(const char *t, size_t ls, size_t le, size_t as, size_t ae)
{
	size_t i = ls;
	while (i < as && (t[i] == ' ' || t[i] == '\t' || t[i] == '<' || t[i] == '"' || t[i] == '\'' || t[i] == '*' ||
			  t[i] == '-'))
		i++;
	if (i == as)
		return true;
	/* "554 <a@b>..." "550 5.1.1 <a@b>:" */
	if (ae + 3 <= le && memcmp(t + ae, ">...", 4 < le - ae ? 4 : le - ae) == 0)
		return true;
	if (ae + 3 <= le && memcmp(t + ae, "...", 3) == 0)
		return true;
	if (as >= ls + 9 && mem_icase_find(t + ls, as - ls, "rcpt to:"))
		return true;
	static const char *const intro[] = { "recipient:", "recipient address:", "recipients:", "address:",
					     "original-recipient:", "final-recipient:", "failed recipient:",
					     "mail address:", "to the following address", NULL };
	if (has_any(t + ls, as - ls, intro))
		return true;
	return false;
}

static void cands_add(struct cand **c, size_t *n, size_t *cap, const char *a, size_t len, bool strong, size_t pos)
{
	for (size_t i = 0; i < *n; i++) {
		if (strlen((*c)[i].addr) == len && strncasecmp((*c)[i].addr, a, len) == 0) {
			(*c)[i].strong |= strong;
			return;
		}
	}
	if (*n >= BOUNCE_MAX_RCPTS)
		return;
	*c = xgrow(*c, cap, *n + 1, sizeof **c);
	(*c)[*n].addr = xstrndup(a, len);
	(*c)[*n].strong = strong;
	(*c)[*n].first = pos;
	(*n)++;
}

/* Collect the text around every occurrence of addr in t[0..n): the line holding it and
 * the indented or non-blank lines that continue it (Postfix, Exim and Exchange indent
 * their diagnostics under the address). */
static void context_of(const char *t, size_t n, const char *addr, struct buf *out)
{
	size_t al = strlen(addr);
	size_t pos = 0;
	while (pos < n) {
		const char *hit = mem_icase_find(t + pos, n - pos, addr);
		if (!hit)
			break;
		size_t h = (size_t)(hit - t);
		size_t ls = h;
		while (ls > 0 && t[ls - 1] != '\n')
			ls--;
		size_t e = h + al;
		const char *lf = memchr(t + e, '\n', n - e);
		size_t le = lf ? (size_t)(lf - t) : n;
		buf_add(out, t + ls, le - ls);
		buf_addch(out, '\n');
		/* continuation lines */
		size_t k = le < n ? le + 1 : n;
		for (int lines = 0; k < n && lines < 8; lines++) {
			const char *lf2 = memchr(t + k, '\n', n - k);
			size_t ke = lf2 ? (size_t)(lf2 - t) : n;
			size_t len = ke - k;
			bool blank = true;
			for (size_t q = k; q < ke; q++)
				if (!sp(t[q]))
					blank = false;
			if (blank)
				break;
			bool indented = t[k] == ' ' || t[k] == '\t';
			/* another recipient line ends this one */
			size_t p2 = k, as, ae;
			if (!indented && next_addr(t, ke, &p2, &as, &ae) && as - k < 4)
				break;
			if (!indented && lines > 0 && len && t[k] == '<')
				break;
			buf_add(out, t + k, len);
			buf_addch(out, '\n');
			k = ke + 1;
		}
		pos = e;
	}
}

static char *one_line(const char *s, size_t n)
{
	struct buf b = BUF_INIT(BOUNCE_DIAG_MAX + 8);
	bool space = false;
	for (size_t i = 0; i < n && b.len < BOUNCE_DIAG_MAX; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == ' ') {
			space = b.len > 0;
			continue;
		}
		if (space)
			buf_addch(&b, ' ');
		space = false;
		buf_addch(&b, (char)c);
	}
	/* do not cut a UTF-8 sequence */
	while (b.len && ((unsigned char)b.data[b.len - 1] & 0xc0) == 0x80 && !utf8_valid(b.data, b.len))
		buf_truncate(&b, b.len - 1);
	if (b.len && !utf8_valid(b.data, b.len)) {
		while (b.len && ((unsigned char)b.data[b.len - 1] & 0x80))
			buf_truncate(&b, b.len - 1);
	}
	return buf_detach(&b, NULL);
}

/* A line worth showing: some letters, not a banner of '#', '*', '-' or '='. */
static bool wordy(const char *l, size_t n)
{
	size_t letters = 0, deco = 0;
	for (size_t i = 0; i < n; i++) {
		if (isalpha((unsigned char)l[i]))
			letters++;
		else if (strchr("#*-=_~", l[i]))
			deco++;
	}
	return letters >= 3 && deco < letters;
}

/* The most informative line of a context: one carrying an SMTP code or status, else
 * one naming a reason, else the first line with words. */
static char *best_diag_line(const char *ctx, size_t n)
{
	for (int pass = 0; pass < 3; pass++) {
		size_t i = 0;
		while (i < n) {
			const char *lf = memchr(ctx + i, '\n', n - i);
			size_t e = lf ? (size_t)(lf - ctx) : n;
			const char *l = ctx + i;
			size_t len = e - i;
			char st[16];
			bool hit = pass == 0 ? (find_smtp_code(l, len) || find_status(l, len, st)) :
				   pass == 1 ? match_pats(specific, l, len) != BOUNCE_R_UNKNOWN :
					       wordy(l, len);
			if (hit && wordy(l, len))
				return one_line(l, len);
			i = e + 1;
		}
	}
	return n ? one_line(ctx, n) : NULL;
}

/* ------------------------------------------------------------------ detection */

static const char *const bounce_subjects[] = {
	"undeliver", "undelivered", "returned mail", "delivery fail", "delivery status notification",
	"failure notice", "mail delivery failed", "delivery problem", "non-deliver", "nondeliver",
	"non deliver", "could not be delivered", "delivery has failed", "mail system error",
	"returned to sender", "unable to deliver", "not delivered", "delivery notification",
	"could not send message", "delayed mail", "delivery delayed", "permanent error", "mail failure",
	"delivery report", "delivery failure", "bounce", "rejected", "message status", "failed delivery",
	"warning: message", "mail could not", "retour de message", "unzustellbar", "no entregado",
	"nicht zustellbar", "echec de distribution", "undeliverable", "delivery error", "returned email",
	"mensaje no entregado", "sending failed", "problem delivering", "message delivery",
	"error sending your mail", "returning to sender", "mail failed", "mail error", "delivery warning",
	"failed mail", NULL,
};

static const char *const bounce_phrases[] = {
	"could not be delivered", "wasn't able to deliver", "was not able to deliver", "was not delivered",
	"unable to deliver", "delivery to the following recipient", "following address(es) failed",
	"following addresses had permanent", "permanent error", "permanent fatal error", "delivery has failed",
	"did not reach the following recipient", "not be delivered to", "undeliverable",
	"transcript of session follows", "failed permanently", "couldn't be delivered", "could not deliver",
	"delivery failure", "returned mail", "not delivered to", "failure reasons", "non-delivery",
	"mail delivery failed", "message delivery failed", "still being retried", "delivery attempts will continue",
	"has not been delivered", "has not yet been delivered", "your message was rejected", "delivery failed",
	"delivery status notification", "message could not be sent", "was rejected", "has been rejected",
	"message rejected", "deferred", "could not reach", "delivery to the following", "bounced",
	"undelivered mail", "temporary error", "giving up", "given up", "is undeliverable",
	"message not delivered", "mail system at host", "your message to", "the following recipients",
	"the following address", "failed to deliver", "delivery problem", "message was not sent",
	"was not accepted", "rejected by the", "recipient address rejected", "trouble delivering",
	"error delivering your mail", "rejected recipient", "user unknown", "unknown user", "no such user",
	"mailbox unavailable", "mailbox is full", "mailbox full", "failed addresses follow",
	"no valid recipients", "invalid user address", "host unknown", "delivery problems", "has been postponed",
	"will continue to try", "did not exactly match", NULL,
};

static bool daemon_sender(const struct message *m)
{
	const char *a = m->from.addr;
	size_t n = a ? strlen(a) : 0;
	static const char *const locals[] = { "mailer-daemon", "postmaster", "mailerdaemon", "mail-daemon",
					      "maildaemon", "mailer_daemon", "mdaemon", "bounce", "bounces",
					      "mail.delivery", "nobody", "post_master", NULL };
	if (a) {
		for (size_t i = 0; locals[i]; i++) {
			size_t l = strlen(locals[i]);
			if (n >= l && strncasecmp(a, locals[i], l) == 0 && (a[l] == '@' || a[l] == '\0'))
				return true;
		}
		if (has(a, n, "mailer-daemon") || has(a, n, "postmaster"))
			return true;
	}
	static const char *const names[] = { "mail delivery", "delivery subsystem", "mailer-daemon", "mailer daemon",
					     "postmaster", "delivery status", "mail administrator", "mail system",
					     "delivery notification", "ndr administrator", NULL };
	if (m->from.name && has_any(m->from.name, strlen(m->from.name), names))
		return true;
	if (m->return_path) {
		const char *rp = m->return_path;
		bool empty = true;
		for (; *rp; rp++)
			if (!sp(*rp) && *rp != '<' && *rp != '>')
				empty = false;
		if (empty)
			return true;
	}
	return false;
}

static void rcpt_free(struct bounce_rcpt *r)
{
	free(r->addr);
	free(r->alt_addr);
	free(r->diagnostic);
}

void bounce_release(struct bounce_report *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n_rcpts; i++)
		rcpt_free(&b->rcpts[i]);
	free(b->rcpts);
	free(b->orig_message_id);
	free(b->orig_to);
	free(b->feedback_type);
	memset(b, 0, sizeof *b);
}

static struct bounce_rcpt *rcpt_new(struct bounce_report *b, size_t *cap, const char *addr)
{
	for (size_t i = 0; i < b->n_rcpts; i++)
		if (strcasecmp(b->rcpts[i].addr, addr) == 0)
			return NULL; /* duplicates count once */
	if (b->n_rcpts >= BOUNCE_MAX_RCPTS)
		return NULL;
	b->rcpts = xgrow(b->rcpts, cap, b->n_rcpts + 1, sizeof *b->rcpts);
	struct bounce_rcpt *r = &b->rcpts[b->n_rcpts++];
	memset(r, 0, sizeof *r);
	r->addr = xstrdup(addr);
	return r;
}

/* Fill status, code, reason and hardness of r from its diagnostic context. */
static void judge(struct bounce_rcpt *r, const char *ctx, size_t n, const char *dsn_status, bool permanent_default)
{
	char st[16] = "";
	if (ctx && find_reply_status(ctx, n, st))
		;
	else if (dsn_status && *dsn_status)
		snprintf(st, sizeof st, "%s", dsn_status);
	else if (ctx)
		find_status(ctx, n, st);
	r->smtp_code = ctx ? find_smtp_code(ctx, n) : 0;
	/* a DSN's generic X.0.0 yields to a specific code in its own diagnostic */
	char st2[16];
	if (st[0] && strcmp(st + 1, ".0.0") == 0 && ctx && find_status(ctx, n, st2) && st2[0] == st[0])
		snprintf(st, sizeof st, "%s", st2);
	char cls = st[0] ? st[0] : r->smtp_code ? (char)('0' + r->smtp_code / 100) : 0;
	if (r->delayed)
		cls = '4';
	if (!cls)
		cls = permanent_default ? '5' : '4';
	if (!st[0])
		snprintf(st, sizeof st, "%c.0.0", cls);
	/* a warning that quotes the last 5xx it met is still a transient state of the
	 * message: the status class says so */
	if (r->delayed && st[0] == '5')
		st[0] = '4';
	snprintf(r->status, sizeof r->status, "%s", st);
	struct buf tmp = BUF_INIT(n + 1);
	buf_add(&tmp, ctx ? ctx : "", ctx ? n : 0);
	r->reason = bounce_reason_of(buf_str(&tmp), st);
	buf_release(&tmp);
	if (cls == '4' && r->reason == BOUNCE_R_UNKNOWN)
		r->reason = BOUNCE_R_EXPIRED;
	/* "user unknown" in reply to DATA: the mailbox was accepted at RCPT TO, so it exists
	 * and a content filter said no. Never suppress a contact on that. */
	static const char *const data_phase[] = { "in reply to end of data", "after end of data",
						  "in reply to data command", "after data", "final data", NULL };
	if (r->reason == BOUNCE_R_USER_UNKNOWN && ctx && has_any(ctx, n, data_phase))
		r->reason = BOUNCE_R_BLOCKED;
	/* refused at HELO or MAIL FROM: the remote objected to us, not to the address */
	static const char *const sender_phase[] = { "my name was rejected", "in reply to mail from", "after mail from",
						    "in reply to helo", "in reply to ehlo", "mail from command",
						    "helo command", "ehlo command", NULL };
	if (reason_is_hard(r->reason) && ctx && has_any(ctx, n, sender_phase))
		r->reason = BOUNCE_R_BLOCKED;
	r->hard = cls == '5' && reason_is_hard(r->reason);
}

/* The Message-ID / To of the returned message when it came as text, not MIME. */
static void original_from_text(const struct message *m, struct bounce_report *b, size_t from)
{
	const char *t = m->text;
	size_t n = m->text_len;
	for (size_t i = from; i < n;) {
		const char *lf = memchr(t + i, '\n', n - i);
		size_t e = lf ? (size_t)(lf - t) : n;
		const char *l = t + i;
		while (l < t + e && (*l == ' ' || *l == '\t'))
			l++;
		size_t len = (size_t)(t + e - l);
		if (!b->orig_message_id && len > 11 && strncasecmp(l, "Message-ID:", 11) == 0) {
			char *v = xstrndup(l + 11, len - 11);
			char **ids = NULL;
			size_t k = 0;
			message_parse_ids(v, 1, &ids, &k);
			if (k)
				b->orig_message_id = ids[0];
			free(ids);
			free(v);
		} else if (!b->orig_to && len > 3 && strncasecmp(l, "To:", 3) == 0 && i > from) {
			char *v = xstrndup(l + 3, len - 3);
			struct message_addr *a = NULL;
			size_t k = 0;
			message_parse_addrs(v, 1, &a, &k);
			if (k && strchr(a[0].addr, '@')) {
				b->orig_to = a[0].addr;
				a[0].addr = NULL;
			}
			for (size_t q = 0; q < k; q++) {
				free(a[q].addr);
				free(a[q].name);
			}
			free(a);
			free(v);
		}
		i = e + 1;
	}
}

static const char *const delay_phrases[] = {
	"still being retried", "will continue trying", "will be retried", "delivery attempts will continue",
	"has not yet been delivered", "not yet been delivered", "delivery delayed", "delayed mail",
	"message is delayed", "delivery is delayed", "still undelivered", "will keep trying",
	"will retry", "this is only a warning", "no action is required", "delivery delay",
	"has been postponed", "will continue to try", "do not resend", NULL,
};
/* only statements of finality: "could not be delivered" is written by warnings too */
static const char *const permanent_phrases[] = {
	"permanent", "given up", "giving up", "gave up", "failed permanently", "fatal",
	"will not be retried", "no further attempts", "has been removed from the mail queue", NULL,
};

/* local@domain.tld, nothing else (no X.400 "/C=..", no pipe, no bare host) */
static bool usable_addr(const char *a)
{
	if (!a)
		return false;
	const char *at = strchr(a, '@');
	if (!at || at == a || !strchr(at, '.') || strchr(at + 1, '@'))
		return false;
	for (const char *p = a; *p; p++)
		if (sp(*p) || *p == '/' || *p == '|' || *p == '<' || *p == '>' || *p == '(' || *p == ',')
			return false;
	return true;
}

static void from_dsn(const struct message *m, struct bounce_report *b)
{
	size_t cap = 0;
	bool any_failed = false, any_delayed = false, any_delivered = false;
	for (size_t i = 0; i < m->n_dsn; i++) {
		const struct message_dsn_rcpt *d = &m->dsn[i];
		/* Original-Recipient is what we wrote to (matching a contact needs it);
		 * Final-Recipient may be a forward, an alias or an X.400 rendering */
		const char *addr = usable_addr(d->original_recipient) ? d->original_recipient :
				   usable_addr(d->final_recipient)    ? d->final_recipient :
				   d->final_recipient && *d->final_recipient ? d->final_recipient :
									       d->original_recipient;
		const char *alt = addr == d->original_recipient ? d->final_recipient : d->original_recipient;
		const char *act = d->action ? d->action : "";
		char cls = d->status ? d->status[0] : 0;
		bool failed = strcmp(act, "failed") == 0 || (!*act && cls == '5');
		bool delayed = strcmp(act, "delayed") == 0 || (!*act && cls == '4');
		bool delivered = strcmp(act, "delivered") == 0 || strcmp(act, "relayed") == 0 ||
				 strcmp(act, "expanded") == 0 || (!*act && cls == '2');
		if (!failed && !delayed && !delivered) {
			/* unknown action word: judge by status, default to failed */
			failed = cls != '2' && cls != '4';
			delayed = cls == '4';
			delivered = cls == '2';
		}
		if (delivered) {
			any_delivered = true;
			continue;
		}
		if (!addr || !*addr)
			continue;
		struct bounce_rcpt *r = rcpt_new(b, &cap, addr);
		if (!r)
			continue;
		if (alt && *alt && strcasecmp(alt, addr) != 0)
			r->alt_addr = xstrdup(alt);
		r->delayed = delayed && !failed;
		any_failed |= failed;
		any_delayed |= r->delayed;
		struct buf ctx = BUF_INIT(8192);
		if (d->diagnostic)
			buf_addstr(&ctx, d->diagnostic);
		/* the human-readable part often says more (Postfix: "<a@b>: host said: 550 ...") */
		if (m->text) {
			buf_addch(&ctx, '\n');
			size_t end = region_end(m->text, m->text_len);
			context_of(m->text, end, addr, &ctx);
		}
		judge(r, buf_str(&ctx), ctx.len, d->status, !r->delayed);
		r->diagnostic = d->diagnostic && *d->diagnostic ? one_line(d->diagnostic, strlen(d->diagnostic))
								: best_diag_line(buf_str(&ctx), ctx.len);
		if (r->diagnostic && !*r->diagnostic) {
			free(r->diagnostic);
			r->diagnostic = NULL;
		}
		buf_release(&ctx);
	}
	if (any_failed)
		b->kind = BOUNCE_FAILED;
	else if (any_delayed)
		b->kind = BOUNCE_DELAYED;
	else if (any_delivered || b->n_rcpts == 0)
		b->kind = any_delivered ? BOUNCE_DELIVERED : BOUNCE_NONE;
}

static void split_list(const char *v, struct cand **c, size_t *n, size_t *cap)
{
	size_t pos = 0, len = strlen(v), as, ae;
	while (next_addr(v, len, &pos, &as, &ae))
		cands_add(c, n, cap, v + as, ae - as, true, 0);
}

static void from_text(const struct message *m, struct bounce_report *b)
{
	const char *t = m->text ? m->text : "";
	size_t n = m->text_len;
	size_t end = region_end(t, n);
	struct cand *c = NULL, *daemon_c = NULL;
	size_t nc = 0, ccap = 0, ndc = 0, dcap = 0;

	const char *xf = message_header(m, "X-Failed-Recipients");
	if (xf) {
		split_list(xf, &c, &nc, &ccap);
		b->format = "exim";
	}
	if (!nc) {
		size_t ls = 0;
		while (ls < end) {
			const char *lf = memchr(t + ls, '\n', end - ls);
			size_t le = lf ? (size_t)(lf - t) : end;
			if (!header_line(t + ls, le - ls)) {
				size_t pos = ls, as, ae;
				while (next_addr(t, le, &pos, &as, &ae)) {
					int ex = excluded_addr(m, t + as, ae - as);
					if (ex == 1)
						continue;
					bool strong = strong_occurrence(t, ls, le, as, ae);
					if (ex == 2) {
						cands_add(&daemon_c, &ndc, &dcap, t + as, ae - as, strong, as);
						continue;
					}
					cands_add(&c, &nc, &ccap, t + as, ae - as, strong, as);
				}
			}
			ls = le + 1;
		}
		if (!nc && ndc) { /* the failed recipient really was a postmaster */
			c = daemon_c;
			nc = ndc;
			ccap = dcap;
			daemon_c = NULL;
			ndc = 0;
		}
		bool any_strong = false;
		for (size_t i = 0; i < nc; i++)
			any_strong |= c[i].strong;
		if (any_strong) { /* weak mentions are then context (e.g. an alias in a diagnostic) */
			size_t k = 0;
			for (size_t i = 0; i < nc; i++) {
				if (c[i].strong)
					c[k++] = c[i];
				else
					free(c[i].addr);
			}
			nc = k;
		}
		b->format = "text";
	}
	for (size_t i = 0; i < ndc; i++)
		free(daemon_c[i].addr);
	free(daemon_c);
	/* nobody named in the report (Sendmail "Deferred: Connection timed out"): the
	 * returned message's recipient is the one that failed */
	if (!nc) {
		struct bounce_report tmp;
		memset(&tmp, 0, sizeof tmp);
		const char *ot = m->orig_to;
		if (!ot) {
			original_from_text(m, &tmp, end);
			ot = tmp.orig_to;
		}
		if (ot && !excluded_addr(m, ot, strlen(ot)))
			cands_add(&c, &nc, &ccap, ot, strlen(ot), true, 0);
		bounce_release(&tmp);
	}
	/* what the whole failure region says, for reports that state the reason once */
	bool delayed = has_any(t, end, delay_phrases) && !has_any(t, end, permanent_phrases);
	size_t cap = 0;
	for (size_t i = 0; i < nc; i++) {
		struct bounce_rcpt *r = rcpt_new(b, &cap, c[i].addr);
		if (!r)
			continue;
		r->delayed = delayed;
		struct buf ctx = BUF_INIT(8192);
		context_of(t, end, c[i].addr, &ctx);
		/* no reason next to the address: use the region (one recipient, or shared) */
		char st[16];
		if (!find_smtp_code(buf_str(&ctx), ctx.len) && !find_status(buf_str(&ctx), ctx.len, st) &&
		    bounce_reason_of(buf_str(&ctx), NULL) == BOUNCE_R_UNKNOWN) {
			buf_addch(&ctx, '\n');
			buf_add(&ctx, t, end < 6000 ? end : 6000);
		}
		judge(r, buf_str(&ctx), ctx.len, NULL, !delayed);
		r->diagnostic = best_diag_line(buf_str(&ctx), ctx.len);
		buf_release(&ctx);
	}
	for (size_t i = 0; i < nc; i++)
		free(c[i].addr);
	free(c);
	b->kind = delayed ? BOUNCE_DELAYED : BOUNCE_FAILED;
}

/* Value of the first "key":"value" pair at or after p (JSON strings without escapes). */
static char *json_str(const char *p, const char *end, const char *key)
{
	char pat[64];
	snprintf(pat, sizeof pat, "\"%s\":\"", key);
	const char *k = mem_icase_find(p, (size_t)(end - p), pat);
	if (!k)
		return NULL;
	k += strlen(pat);
	const char *q = memchr(k, '"', (size_t)(end - k));
	if (!q || q - k > 512)
		return NULL;
	return xstrndup(k, (size_t)(q - k));
}

/*
 * Amazon SES event notifications delivered by mail (SNS): a JSON document with
 * notificationType Bounce, Complaint or Delivery. Returns false when the text is not one.
 */
static bool from_ses_json(const struct message *m, struct bounce_report *b)
{
	const char *t = m->text;
	size_t n = m->text_len;
	if (!t || !mem_icase_find(t, n, "\"notificationType\""))
		return false;
	const char *end = t + n;
	char *type = json_str(t, end, "notificationType");
	if (!type)
		return false;
	const char *list = NULL;
	if (strcasecmp(type, "Complaint") == 0) {
		b->kind = BOUNCE_COMPLAINT;
		b->feedback_type = json_str(t, end, "complaintFeedbackType");
		if (!b->feedback_type)
			b->feedback_type = xstrdup("abuse");
		list = mem_icase_find(t, n, "\"complainedRecipients\"");
	} else if (strcasecmp(type, "Bounce") == 0) {
		char *bt = json_str(t, end, "bounceType");
		b->kind = bt && strcasecmp(bt, "Transient") == 0 ? BOUNCE_DELAYED : BOUNCE_FAILED;
		free(bt);
		list = mem_icase_find(t, n, "\"bouncedRecipients\"");
	} else if (strcasecmp(type, "Delivery") == 0) {
		b->kind = BOUNCE_DELIVERED;
	} else {
		free(type);
		return false;
	}
	free(type);
	b->format = "ses-json";
	if (list) {
		const char *close = memchr(list, ']', (size_t)(end - list));
		const char *lend = close ? close : end;
		const char *p = list;
		size_t cap = 0;
		char *a;
		while (p < lend && (a = json_str(p, lend, "emailAddress")) != NULL) {
			struct bounce_rcpt *r = rcpt_new(b, &cap, a);
			const char *at = mem_icase_find(p, (size_t)(lend - p), "\"emailAddress\"");
			const char *obj_end = at ? memchr(at, '}', (size_t)(lend - at)) : NULL;
			if (r && b->kind != BOUNCE_COMPLAINT) {
				const char *oe = obj_end ? obj_end : lend;
				char *st = json_str(p, oe, "status");
				char *dc = json_str(p, oe, "diagnosticCode");
				r->delayed = b->kind == BOUNCE_DELAYED;
				judge(r, dc, dc ? strlen(dc) : 0, st, !r->delayed);
				r->diagnostic = dc ? one_line(dc, strlen(dc)) : NULL;
				free(st);
				free(dc);
			}
			free(a);
			if (!obj_end)
				break;
			p = obj_end + 1;
		}
	}
	return true;
}

enum bounce_kind bounce_detect(const struct message *m, struct bounce_report *b)
{
	memset(b, 0, sizeof *b);
	if (!m)
		return BOUNCE_NONE;
	const char *subj = m->subject ? m->subject : "";
	size_t sl = strlen(subj);
	const char *text = m->text ? m->text : "";
	size_t tl = m->text_len;

	/* ARF (RFC 5965): a complaint about our mail, not a delivery failure */
	if (m->has_feedback || (m->report_type && strcmp(m->report_type, "feedback-report") == 0)) {
		b->kind = BOUNCE_COMPLAINT;
		b->format = "arf";
		b->feedback_type = xstrdup(m->feedback_type ? m->feedback_type : "abuse");
		const char *who = m->feedback_rcpt ? m->feedback_rcpt : m->orig_to;
		if (who) {
			size_t cap = 0;
			struct bounce_rcpt *r = rcpt_new(b, &cap, who);
			if (r)
				snprintf(r->status, sizeof r->status, "%s", "");
		}
		goto original;
	}

	if (from_ses_json(m, b))
		goto original;

	if (m->has_dsn && m->n_dsn) {
		from_dsn(m, b);
		b->format = m->dsn_in_text ? "dsn-text" : "dsn";
		if (b->kind == BOUNCE_DELIVERED)
			goto original;
		if (b->kind != BOUNCE_NONE && b->n_rcpts)
			goto original;
		/* a report with records but no usable address: read the text instead */
		bounce_release(b);
		memset(b, 0, sizeof *b);
	}

	bool sender = daemon_sender(m);
	bool subject = has_any(subj, sl, bounce_subjects);
	size_t end = region_end(text, tl);
	bool body = has_any(text, end, bounce_phrases);
	bool xfail = message_header(m, "X-Failed-Recipients") != NULL;
	bool report = m->mime_type && strcmp(m->mime_type, "multipart/report") == 0 && m->report_type &&
		      strcmp(m->report_type, "delivery-status") == 0;
	/* a daemon that returns our message attached is bouncing it, in any language */
	bool returned = sender && m->has_original && m->orig_message_id;
	if (!(xfail || report || returned || (sender && (subject || body)) || (subject && body && !m->n_in_reply_to)))
		return BOUNCE_NONE;
	from_text(m, b);
	if (report && !b->n_rcpts && !body && !subject && !sender) {
		bounce_release(b);
		return BOUNCE_NONE;
	}

original:
	if (m->orig_message_id)
		b->orig_message_id = xstrdup(m->orig_message_id);
	if (m->orig_to)
		b->orig_to = xstrdup(m->orig_to);
	if ((!b->orig_message_id || !b->orig_to) && m->text)
		original_from_text(m, b, region_end(text, tl));
	return b->kind;
}
