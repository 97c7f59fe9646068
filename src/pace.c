/* pace: when may the next message go — rate, daily caps, per-domain caps, gaps, sending window. */
#include "pace.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "tz.h"
#include "util.h"
#include "xalloc.h"

/* Each limit can move the candidate only a bounded number of times (see pace_next), so a
 * loop that runs longer than this is a bug, not a slow case. */
#define MAX_ROUNDS 64

const char *pace_reason_name(enum pace_reason r)
{
	static const char *const names[] = {
		[PACE_NOW] = "now", [PACE_RATE] = "rate", [PACE_DAILY] = "daily cap",
		[PACE_DOMAIN] = "domain cap", [PACE_GAP] = "gap", [PACE_WINDOW] = "window",
	};
	if ((unsigned)r < ARRAY_SIZE(names) && names[r])
		return names[r];
	return "unknown";
}

/* How many of the ascending sends[0..n) are later than x. */
static size_t count_after(const time_t *s, size_t n, time_t x)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return n - lo;
}

static int check(const struct pace_limits *lim, const struct pace_history *h, struct err *e)
{
	if (!lim || !h)
		return err_set(e, ERR_INTERNAL, 0, "pace: missing limits or history");
	if (!tz_valid(lim->account_zone))
		return err_set(e, ERR_CONFIG, 0, "pace: invalid account time zone");
	if (lim->rate.count < 0 || (lim->rate.count > 0 && lim->rate.per <= 0))
		return err_set(e, ERR_INTERNAL, 0, "pace: rate %ld per %ld s is invalid",
			       lim->rate.count, lim->rate.per);
	if (lim->daily_limit < 0 || lim->domain_daily_limit < 0 || lim->gap.min < 0 ||
	    lim->gap.max < lim->gap.min)
		return err_set(e, ERR_INTERNAL, 0, "pace: negative limit or inverted gap");
	if (h->sent_today < 0 || (h->nsends && !h->sends))
		return err_set(e, ERR_INTERNAL, 0, "pace: invalid history");
	for (size_t i = 1; i < h->nsends; i++)
		if (h->sends[i] < h->sends[i - 1])
			return err_set(e, ERR_INTERNAL, 0, "pace: send history is not in time order");
	return 0;
}

/* The account's next local midnight after now: where the daily counters reset. */
static int day_end(time_t now, const char *zone, time_t *out, struct err *e)
{
	struct cal_date d;
	if (cal_local_date(now, zone, &d, e) < 0)
		return -1;
	return cal_day_start(cal_date_add(d, 1), zone, out, e);
}

/*
 * The core, with the day boundary precomputed and the checks done. Termination: t only
 * grows. The caps move t to today_end once, after which their counters read 0; the rate
 * and the gap depend only on the fixed history, so once satisfied they stay satisfied as t
 * grows; the window moves t only when it is closed and returns an open instant, after
 * which only the finitely many moves above can close it again.
 */
static int decide(time_t now, time_t today_end, const struct pace_limits *lim,
		  const time_t *sends, size_t nsends, long sent_today, long domain_today,
		  const char *zone, long gap, struct pace_decision *out, struct err *e)
{
	time_t t = now;
	enum pace_reason reason = PACE_NOW;
	unsigned deferred = 0;
	for (int round = 0;; round++) {
		if (round == MAX_ROUNDS)
			return err_set(e, ERR_INTERNAL, 0, "pace: limits did not settle");
		enum pace_reason moved = PACE_NOW;
		time_t nt = t;
		bool today = t < today_end;
		if (lim->daily_limit && today && sent_today >= lim->daily_limit) {
			nt = today_end;
			moved = PACE_DAILY;
		} else if (lim->domain_daily_limit && today && domain_today >= lim->domain_daily_limit) {
			nt = today_end;
			moved = PACE_DOMAIN;
		} else if (lim->rate.count > 0 && nsends >= (size_t)lim->rate.count &&
			   count_after(sends, nsends, t - lim->rate.per) >= (size_t)lim->rate.count) {
			/* the oldest of the last `count` sends must leave the sliding period */
			nt = sends[nsends - (size_t)lim->rate.count] + lim->rate.per;
			moved = PACE_RATE;
		} else if (gap > 0 && nsends && sends[nsends - 1] + gap > t) {
			nt = sends[nsends - 1] + gap;
			moved = PACE_GAP;
		} else if (lim->window) {
			bool open;
			if (cal_window_is_open(lim->window, zone, lim->cal_flags, t, &open, e) < 0)
				return -1;
			if (!open) {
				if (cal_window_next_open(lim->window, zone, lim->cal_flags, t, &nt, e) < 0)
					return -1;
				moved = PACE_WINDOW;
			}
		}
		if (moved == PACE_NOW)
			break;
		if (nt <= t) /* each limit that applies moves t strictly forward */
			return err_set(e, ERR_INTERNAL, 0, "pace: %s did not move the send time",
				       pace_reason_name(moved));
		t = nt;
		reason = moved;
		deferred |= PACE_BIT(moved);
	}
	out->at = t;
	out->reason = reason;
	out->deferred = deferred;
	out->gap = gap;
	return 0;
}

int pace_next(time_t now, const struct pace_limits *lim, const struct pace_history *h,
	      const struct pace_target *target, double u, struct pace_decision *out, struct err *e)
{
	if (check(lim, h, e) < 0)
		return -1;
	if (!target || target->domain_sent_today < 0)
		return err_set(e, ERR_INTERNAL, 0, "pace: invalid target");
	const char *zone = target->zone ? target->zone : lim->account_zone;
	time_t today_end;
	if (day_end(now, lim->account_zone, &today_end, e) < 0)
		return -1;
	struct pace_decision d;
	if (decide(now, today_end, lim, h->sends, h->nsends, h->sent_today,
		   target->domain_sent_today, zone, cal_gap_pick(&lim->gap, u), &d, e) < 0)
		return -1;
	*out = d;
	return 0;
}

struct dom {
	const char *name;
	long count;
};

int pace_summarize(time_t now, const struct pace_limits *lim, const struct pace_history *h,
		   const struct pace_item *items, size_t n, double u, struct pace_summary *out,
		   struct err *e)
{
	if (check(lim, h, e) < 0)
		return -1;
	if (n && !items)
		return err_set(e, ERR_INTERNAL, 0, "pace: missing items");
	time_t today_end;
	if (day_end(now, lim->account_zone, &today_end, e) < 0)
		return -1;
	long gap = cal_gap_pick(&lim->gap, u);

	time_t *sends = xmalloc((h->nsends + n + 1) * sizeof *sends);
	if (h->nsends)
		memcpy(sends, h->sends, h->nsends * sizeof *sends);
	size_t nsends = h->nsends;
	long sent_today = h->sent_today;
	struct dom *doms = NULL;
	size_t ndoms = 0, capdoms = 0;
	struct pace_summary s;
	memset(&s, 0, sizeof s);
	s.last_now_at = now;
	time_t t = now;
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		const struct pace_item *it = &items[i];
		if (it->domain_sent_today < 0) {
			rc = err_set(e, ERR_INTERNAL, 0, "pace: negative domain count");
			break;
		}
		struct dom *dm = NULL;
		for (size_t k = 0; k < ndoms && !dm; k++)
			if (str_ieq(doms[k].name, it->domain ? it->domain : ""))
				dm = &doms[k];
		if (!dm) {
			doms = xgrow(doms, &capdoms, ndoms + 1, sizeof *doms);
			dm = &doms[ndoms++];
			dm->name = it->domain ? it->domain : "";
			dm->count = it->domain_sent_today;
		}
		struct pace_decision d;
		const char *zone = it->zone ? it->zone : lim->account_zone;
		/* Decide from the simulated present `t`: the run sends in order, so an item cannot
		 * go before the previous one did. */
		if (decide(t, today_end, lim, sends, nsends, sent_today, dm->count, zone, gap, &d, e) < 0) {
			rc = -1;
			break;
		}
		unsigned blocking = PACE_BIT(PACE_DAILY) | PACE_BIT(PACE_DOMAIN) | PACE_BIT(PACE_WINDOW);
		if ((d.deferred & blocking) || d.at >= today_end) {
			/* Name the cap or window it waits for, not a gap that came after it. */
			enum pace_reason why = d.reason;
			if (!(PACE_BIT(why) & blocking)) {
				static const enum pace_reason order[] = { PACE_DAILY, PACE_DOMAIN, PACE_WINDOW };
				for (size_t r = 0; r < ARRAY_SIZE(order); r++)
					if (d.deferred & PACE_BIT(order[r])) {
						why = order[r];
						break;
					}
			}
			s.later++;
			s.later_by[why]++;
			if (!s.first_later_at || d.at < s.first_later_at)
				s.first_later_at = d.at;
			continue;
		}
		s.now++;
		s.last_now_at = d.at;
		t = d.at;
		sends[nsends++] = d.at;
		sent_today++;
		dm->count++;
	}
	free(sends);
	free(doms);
	if (rc == 0)
		*out = s;
	return rc;
}
