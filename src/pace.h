/* pace: when may the next message go — rate, daily caps, per-domain caps, gaps, sending window. */
#ifndef OUTREACH_PACE_H
#define OUTREACH_PACE_H
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "cal.h"

struct err;

/*
 * Pure functions: the caller supplies now (clock_now()), the history (from the store) and
 * the random number (so tests are deterministic); nothing sleeps, reads the clock or the
 * database. They convert times through tz.h (not thread-safe, see there) and never block.
 */

/* Which limit made a message wait. */
enum pace_reason {
	PACE_NOW = 0,  /* nothing: it may go at `now` */
	PACE_RATE,     /* the sliding-window rate (e.g. 20/hour) */
	PACE_DAILY,    /* the account's daily cap, counted in the account's local day */
	PACE_DOMAIN,   /* the per-recipient-domain daily cap */
	PACE_GAP,      /* the random pause after the previous send */
	PACE_WINDOW,   /* the recipient's sending window is closed */
	PACE_NREASONS,
};
#define PACE_BIT(r) (1u << (r))

/* "now", "rate", "daily cap", "domain cap", "gap", "window". */
const char *pace_reason_name(enum pace_reason r);

struct pace_limits {
	struct cal_rate rate;            /* rate.count == 0: no rate limit */
	long daily_limit;                /* sends per local day of account_zone; 0: none */
	long domain_daily_limit;         /* sends per recipient domain per local day; 0: none */
	struct cal_gap gap;              /* {0, 0}: no pause */
	const char *account_zone;        /* required: whose midnight resets the daily counters */
	const struct cal_window *window; /* NULL: send at any hour */
	unsigned cal_flags;              /* CAL_SKIP_HOLIDAYS: the window is shut on holidays */
};

/*
 * What has been sent from this account. `sends` is ascending and must hold at least every
 * send within the last rate.per seconds before now, and the latest send (for the gap);
 * older entries are harmless. `sent_today` counts sends in the account's local day that
 * contains now.
 */
struct pace_history {
	const time_t *sends;
	size_t nsends;
	long sent_today;
};

/* The message about to go. */
struct pace_target {
	const char *zone;        /* the recipient's zone for the window (NULL: account_zone) */
	long domain_sent_today;  /* sends to this recipient's domain in the account's local day */
};

struct pace_decision {
	time_t at;               /* the earliest instant it may go (≥ now) */
	enum pace_reason reason; /* the limit that decided `at` (the last one that moved it) */
	unsigned deferred;       /* PACE_BIT() of every limit that moved it */
	long gap;                /* the pause drawn from u, in seconds */
};

/*
 * The earliest instant ≥ now at which the next message to this target may go, and why.
 * `u` is a uniform random number in [0, 1) that picks the gap (cal_gap_pick()): draw it
 * once per message and keep it until that message is sent — drawing afresh on every check
 * would make short gaps more likely than long ones. When the daily or domain cap is
 * reached the message waits for the account's next local midnight (where the counters
 * reset), then for the window. Errors: ERR_INTERNAL for inconsistent input (unsorted
 * history, negative counters, rate with no period), ERR_CONFIG for a bad zone or a window
 * that never opens. `out` is written only on success.
 */
int pace_next(time_t now, const struct pace_limits *lim, const struct pace_history *h,
	      const struct pace_target *target, double u, struct pace_decision *out, struct err *e);

/* One queued message for pace_summarize(). */
struct pace_item {
	const char *domain;      /* recipient domain, compared without regard to case */
	const char *zone;        /* recipient zone (NULL: account_zone) */
	long domain_sent_today;  /* as in pace_target; equal for items of the same domain */
};

struct pace_summary {
	size_t now;                        /* can go in this run, waiting only for rate and gaps */
	size_t later;                      /* must wait for a cap to reset or a window to open */
	size_t later_by[PACE_NREASONS];    /* each later item counted under its deciding reason */
	time_t last_now_at;                /* when the last `now` item would go (now if none) */
	time_t first_later_at;             /* earliest instant a `later` item could go (0 if none) */
};

/*
 * What `send` prints before it starts: of the queued items, taken in order, how many can go
 * in this run and how many later. The run is simulated: each item that can go is "sent" at
 * its earliest instant (the simulated history and counters grow), every gap uses the same
 * u (0.5 gives the mean). An item is `later` when a daily cap, its domain's cap or its
 * window makes it wait, or when rate and gaps push it past the account's local midnight;
 * later items do not consume capacity. Errors as pace_next(). Allocates a copy of the
 * history (fatal only on out-of-memory).
 */
int pace_summarize(time_t now, const struct pace_limits *lim, const struct pace_history *h,
		   const struct pace_item *items, size_t n, double u, struct pace_summary *out,
		   struct err *e);

#endif
