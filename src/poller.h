/* poller: read new mail in the watched folders, incrementally and read-only, through intake;
 * and watch INBOX with IDLE between polls. */
#ifndef OUTREACH_POLLER_H
#define OUTREACH_POLLER_H
#include <stdbool.h>
#include <stddef.h>

struct err;
struct intake_result;
struct ws;

#define POLL_BODY_MAX (256 * 1024) /* bytes of a message fetched: enough for any reply */

struct poll_stats {
	long seen;          /* new messages looked at (headers) */
	long fetched;       /* of which the body was fetched */
	long recorded;      /* recorded now */
	long duplicates;    /* already recorded (a rescan, or another folder) */
	long unmatched;     /* not about any contact */
	long by_label[6];   /* offer, decline, info_request, auto_reply, bounce, other */
	long rescans;       /* folders whose UIDVALIDITY changed */
	long folders;
};

struct poller;

/* Connect (certificate verified before login) and load the rules. */
int poller_open(struct ws *w, int trace, volatile int *stop, struct poller **out, struct err *e);
void poller_close(struct poller *p);
/* Every configured folder once. on_reply is called for each recorded message. */
int poller_poll(struct poller *p, struct poll_stats *st, void (*on_reply)(void *ud, const struct intake_result *r),
		void *ud, struct err *e);
/*
 * Wait for news: IDLE on the first folder for at most `seconds` when the server offers it,
 * else sleep. Returns 1 when something arrived (or may have), 0 on timeout/stop, -1 when
 * the connection broke (the caller reconnects with backoff).
 */
int poller_wait(struct poller *p, int seconds, struct err *e);

#endif
