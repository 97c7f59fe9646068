/* Unit tests for pace: rate spacing, daily cap at the account's midnight, domain cap, gaps, windows. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "cal.h"
#include "clock.h"
#include "err.h"
#include "instant.h"
#include "pace.h"
#include "util.h"

static const char NY[] = "America/New_York", LA[] = "America/Los_Angeles",
		  KOL[] = "Asia/Kolkata";

static struct cal_window W(const char *spec)
{
	struct cal_window w;
	struct err e = { 0 };
	if (cal_window_parse(spec, &w, &e) != 0)
		fail_msg("window '%s': %s", spec, e.msg);
	return w;
}

/* The decision, or a test failure with the error. */
static struct pace_decision next(time_t now, const struct pace_limits *lim, const time_t *sends,
				 size_t n, long sent_today, const char *zone, long domain_today,
				 double u)
{
	struct pace_history h = { sends, n, sent_today };
	struct pace_target t = { zone, domain_today };
	struct pace_decision d;
	struct err e = { 0 };
	if (pace_next(now, lim, &h, &t, u, &d, &e) != 0)
		fail_msg("pace_next: %s", e.msg);
	assert_true(d.at >= now);
	return d;
}

static void test_unlimited(void **state)
{
	(void)state;
	struct pace_limits lim = { .account_zone = KOL };
	time_t now = U("2026-01-15T12:00:00Z");
	time_t sends[] = { now - 1, now };
	struct pace_decision d = next(now, &lim, sends, 2, 1000, NY, 1000, 0.3);
	assert_int_equal(d.at, now);
	assert_int_equal(d.reason, PACE_NOW);
	assert_int_equal(d.deferred, 0);
	assert_string_equal(pace_reason_name(d.reason), "now");
}

static void test_rate(void **state)
{
	(void)state;
	struct pace_limits lim = { .account_zone = KOL, .rate = { 20, 3600 } };
	time_t now = U("2026-01-15T12:00:00Z");
	time_t s[40];
	/* 20 sends in the last hour, 3 minutes apart, the first 59 minutes ago */
	for (int i = 0; i < 20; i++)
		s[i] = now - 3540 + i * 180;
	struct pace_decision d = next(now, &lim, s, 20, 20, NY, 0, 0);
	assert_int_equal(d.at, s[0] + 3600); /* when the oldest leaves the hour */
	assert_int_equal(d.at, now + 60);
	assert_int_equal(d.reason, PACE_RATE);
	assert_int_equal(d.deferred, PACE_BIT(PACE_RATE));
	/* 19 in the hour: go now */
	d = next(now, &lim, s + 1, 19, 19, NY, 0, 0);
	assert_int_equal(d.at, now);
	/* the sliding period is half-open: a send exactly an hour ago no longer counts */
	s[0] = now - 3600;
	d = next(now, &lim, s, 20, 20, NY, 0, 0);
	assert_int_equal(d.at, now);
	s[0] = now - 3599;
	d = next(now, &lim, s, 20, 20, NY, 0, 0);
	assert_int_equal(d.at, now + 1);
	/* older history before the hour does not matter */
	time_t long_hist[40];
	for (int i = 0; i < 20; i++)
		long_hist[i] = now - 90000 + i;
	for (int i = 0; i < 20; i++)
		long_hist[20 + i] = now - 3540 + i * 180;
	d = next(now, &lim, long_hist, 40, 20, NY, 0, 0);
	assert_int_equal(d.at, now + 60);

	/* 30/minute: a burst of 30 in the last 10 seconds waits until the first is 60 s old */
	lim.rate = (struct cal_rate){ 30, 60 };
	for (int i = 0; i < 30; i++)
		s[i] = now - 10 + i / 3;
	d = next(now, &lim, s, 30, 30, NY, 0, 0);
	assert_int_equal(d.at, now + 50);
	assert_int_equal(d.reason, PACE_RATE);

	/* spacing: sending each message at its decision gives at most 20 per sliding hour */
	lim.rate = (struct cal_rate){ 20, 3600 };
	time_t sent[200];
	size_t n = 0;
	time_t t = now;
	for (int i = 0; i < 200; i++) {
		d = next(t, &lim, sent, n, 0, NY, 0, 0);
		sent[n++] = d.at;
		t = d.at;
	}
	for (size_t i = 20; i < n; i++)
		assert_true(sent[i] - sent[i - 20] >= 3600);
	assert_int_equal(sent[199] - sent[0], 9 * 3600); /* 10 bursts of 20 */
}

static void test_gap(void **state)
{
	(void)state;
	struct pace_limits lim = { .account_zone = KOL, .gap = { 45, 120 } };
	time_t now = U("2026-01-15T12:00:00Z");
	time_t s[] = { now - 30 };
	static const struct { double u; long gap; } t[] = {
		{ 0.0, 45 }, { 0.5, 83 }, { 0.999999, 120 }, { 0.25, 64 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct pace_decision d = next(now, &lim, s, 1, 1, NY, 0, t[i].u);
		assert_int_equal(d.gap, t[i].gap);
		assert_int_equal(d.at, s[0] + t[i].gap);
		assert_int_equal(d.reason, PACE_GAP);
	}
	/* every random value keeps the gap within the bounds */
	for (double u = 0; u < 1; u += 1.0 / 1024) {
		struct pace_decision d = next(now, &lim, s, 1, 1, NY, 0, u);
		assert_true(d.at - s[0] >= 45 && d.at - s[0] <= 120);
	}
	/* long enough ago: no wait, and no history at all: no wait */
	s[0] = now - 121;
	assert_int_equal(next(now, &lim, s, 1, 1, NY, 0, 0.999999).at, now);
	assert_int_equal(next(now, &lim, NULL, 0, 0, NY, 0, 0.999999).at, now);
	/* a single value */
	lim.gap = (struct cal_gap){ 60, 60 };
	s[0] = now - 10;
	assert_int_equal(next(now, &lim, s, 1, 1, NY, 0, 0.7).at, now + 50);
}

/* The daily cap counts the account's local day: an IMG in India sending to New York rolls
 * over at midnight IST (18:30 UTC), in the middle of the New York working day. */
static void test_daily_cap(void **state)
{
	(void)state;
	struct pace_limits lim = { .account_zone = KOL, .daily_limit = 50 };
	time_t now = U("2026-01-15T12:00:00Z"); /* 17:30 IST */
	struct pace_decision d = next(now, &lim, NULL, 0, 50, NY, 0, 0);
	assert_int_equal(d.at, U("2026-01-15T18:30:00Z"));
	assert_int_equal(d.reason, PACE_DAILY);
	assert_int_equal(next(now, &lim, NULL, 0, 49, NY, 0, 0).at, now);
	assert_int_equal(next(U("2026-01-15T18:29:59Z"), &lim, NULL, 0, 50, NY, 0, 0).at,
			 U("2026-01-15T18:30:00Z"));

	/* with the recipients' window: 18:30 UTC is 13:30 in New York, open */
	struct cal_window w = W("Mon-Fri 08:30-16:30");
	lim.window = &w;
	d = next(now, &lim, NULL, 0, 50, NY, 0, 0);
	assert_int_equal(d.at, U("2026-01-15T18:30:00Z"));
	assert_int_equal(d.reason, PACE_DAILY);
	assert_int_equal(d.deferred, PACE_BIT(PACE_DAILY));
	/* ... but in Los Angeles it is 10:30 — also open; Kolkata recipients wait for morning */
	d = next(now, &lim, NULL, 0, 50, KOL, 0, 0);
	assert_int_equal(d.at, U("2026-01-16T03:00:00Z"));
	assert_int_equal(d.reason, PACE_WINDOW);
	assert_int_equal(d.deferred, PACE_BIT(PACE_DAILY) | PACE_BIT(PACE_WINDOW));

	/* an account in New York: the cap rolls over at midnight EST, then the window opens */
	lim.account_zone = NY;
	d = next(U("2026-01-15T20:00:00Z"), &lim, NULL, 0, 50, NY, 0, 0);
	assert_int_equal(d.at, U("2026-01-16T13:30:00Z"));
	assert_int_equal(d.reason, PACE_WINDOW);
	assert_int_equal(d.deferred, PACE_BIT(PACE_DAILY) | PACE_BIT(PACE_WINDOW));
	/* on Friday the next morning is Monday's */
	d = next(U("2026-01-16T20:00:00Z"), &lim, NULL, 0, 50, NY, 0, 0);
	assert_int_equal(d.at, U("2026-01-19T13:30:00Z"));
	/* midnight on the day the clocks spring forward (account zone New York) */
	lim.window = NULL;
	d = next(U("2026-03-08T12:00:00Z"), &lim, NULL, 0, 50, NY, 0, 0);
	assert_int_equal(d.at, U("2026-03-09T04:00:00Z")); /* 00:00 EDT */
	d = next(U("2026-03-07T12:00:00Z"), &lim, NULL, 0, 50, NY, 0, 0);
	assert_int_equal(d.at, U("2026-03-08T05:00:00Z")); /* 00:00 EST */
}

static void test_domain_cap(void **state)
{
	(void)state;
	struct pace_limits lim = { .account_zone = KOL, .daily_limit = 50, .domain_daily_limit = 3 };
	time_t now = U("2026-01-15T12:00:00Z");
	struct pace_decision d = next(now, &lim, NULL, 0, 10, NY, 3, 0);
	assert_int_equal(d.at, U("2026-01-15T18:30:00Z"));
	assert_int_equal(d.reason, PACE_DOMAIN);
	assert_string_equal(pace_reason_name(d.reason), "domain cap");
	assert_int_equal(next(now, &lim, NULL, 0, 10, NY, 2, 0).at, now);
	/* the daily cap is reported first when both are reached */
	d = next(now, &lim, NULL, 0, 50, NY, 3, 0);
	assert_int_equal(d.reason, PACE_DAILY);
}

static void test_window(void **state)
{
	(void)state;
	struct cal_window w = W("Mon-Fri 08:30-16:30");
	struct pace_limits lim = { .account_zone = KOL, .window = &w, .gap = { 60, 60 },
				   .cal_flags = CAL_SKIP_HOLIDAYS };
	/* Thursday 2026-01-15 13:00 UTC: 08:00 in New York, 05:00 in Los Angeles */
	time_t now = U("2026-01-15T13:00:00Z");
	struct pace_decision d = next(now, &lim, NULL, 0, 0, NY, 0, 0);
	assert_int_equal(d.at, U("2026-01-15T13:30:00Z"));
	assert_int_equal(d.reason, PACE_WINDOW);
	d = next(now, &lim, NULL, 0, 0, LA, 0, 0);
	assert_int_equal(d.at, U("2026-01-15T16:30:00Z"));
	/* no zone: the account's */
	d = next(now, &lim, NULL, 0, 0, NULL, 0, 0);
	assert_int_equal(d.at, U("2026-01-16T03:00:00Z"));
	/* a gap that runs past closing time: Friday 16:29:30 → Tuesday (Monday is MLK Day) */
	time_t s[] = { U("2026-01-16T21:29:00Z") };
	d = next(U("2026-01-16T21:29:30Z"), &lim, s, 1, 0, NY, 0, 0);
	assert_int_equal(d.at, U("2026-01-20T13:30:00Z"));
	assert_int_equal(d.reason, PACE_WINDOW);
	assert_int_equal(d.deferred, PACE_BIT(PACE_GAP) | PACE_BIT(PACE_WINDOW));
	/* the last send of the evening was long ago: the window alone decides */
	lim.cal_flags = 0;
	d = next(U("2026-01-16T22:00:00Z"), &lim, s, 1, 0, NY, 0, 0);
	assert_int_equal(d.at, U("2026-01-19T13:30:00Z"));
	assert_int_equal(d.deferred, PACE_BIT(PACE_WINDOW));
}

static void test_errors(void **state)
{
	(void)state;
	struct pace_limits lim = { .account_zone = KOL };
	struct pace_decision d = { .at = 42 };
	struct err e = { 0 };
	time_t now = U("2026-01-15T12:00:00Z");
	time_t unsorted[] = { now, now - 10 };
	struct pace_history h = { unsorted, 2, 0 };
	struct pace_target t = { NY, 0 };
	assert_int_equal(pace_next(now, &lim, &h, &t, 0, &d, &e), -1);
	assert_int_equal(e.cls, ERR_INTERNAL);
	assert_non_null(strstr(e.msg, "time order"));
	assert_int_equal(d.at, 42);
	h = (struct pace_history){ NULL, 0, -1 };
	assert_int_equal(pace_next(now, &lim, &h, &t, 0, &d, &e), -1);
	h.sent_today = 0;
	t.domain_sent_today = -1;
	assert_int_equal(pace_next(now, &lim, &h, &t, 0, &d, &e), -1);
	t.domain_sent_today = 0;
	lim.rate = (struct cal_rate){ 5, 0 };
	assert_int_equal(pace_next(now, &lim, &h, &t, 0, &d, &e), -1);
	lim.rate = (struct cal_rate){ 0, 0 };
	lim.account_zone = "Nowhere/Special";
	assert_int_equal(pace_next(now, &lim, &h, &t, 0, &d, &e), -1);
	assert_int_equal(e.cls, ERR_CONFIG);
	lim.account_zone = KOL;
	t.zone = "Bad/Zone";
	struct cal_window w = W("Mon 09:00-10:00");
	lim.window = &w;
	assert_int_equal(pace_next(now, &lim, &h, &t, 0, &d, &e), -1);
	assert_int_equal(e.cls, ERR_CONFIG);
	t.zone = NY;
	struct cal_window none;
	memset(&none, 0, sizeof none);
	lim.window = &none;
	assert_int_equal(pace_next(now, &lim, &h, &t, 0, &d, &e), -1);
	assert_int_equal(e.cls, ERR_CONFIG);
	assert_int_equal(d.at, 42);
	assert_string_equal(pace_reason_name((enum pace_reason)77), "unknown");
}

static void test_summary(void **state)
{
	(void)state;
	struct cal_window w = W("Mon-Fri 08:30-16:30");
	struct pace_limits lim = { .account_zone = KOL, .window = &w, .daily_limit = 5,
				   .domain_daily_limit = 1, .gap = { 30, 90 } };
	time_t now = U("2026-01-15T14:00:00Z"); /* Thu 09:00 New York, 06:00 Los Angeles */
	struct pace_history h = { NULL, 0, 2 };
	static const struct pace_item items[] = {
		{ "a.edu", NY, 0 },  /* now, 14:00 */
		{ "b.edu", NY, 0 },  /* now, 14:01 after a 60 s gap */
		{ "A.EDU", NY, 0 },  /* later: a.edu had its one message today */
		{ "c.org", LA, 0 },  /* later: 06:02 in Los Angeles, window opens 08:30 PST */
		{ "d.edu", NY, 0 },  /* now, 14:02 */
		{ "e.edu", NY, 0 },  /* later: 2 + 3 = 5 = the daily cap */
	};
	struct pace_summary s;
	struct err e = { 0 };
	assert_int_equal(pace_summarize(now, &lim, &h, items, ARRAY_SIZE(items), 0.5, &s, &e), 0);
	assert_int_equal(s.now, 3);
	assert_int_equal(s.later, 3);
	assert_int_equal(s.later_by[PACE_DOMAIN], 1);
	assert_int_equal(s.later_by[PACE_WINDOW], 1);
	assert_int_equal(s.later_by[PACE_DAILY], 1);
	assert_int_equal(s.later_by[PACE_GAP] + s.later_by[PACE_RATE] + s.later_by[PACE_NOW], 0);
	assert_int_equal(s.last_now_at, now + 120);
	assert_int_equal(s.first_later_at, U("2026-01-15T16:30:00Z"));

	/* rate waits belong to this run; the account's midnight ends it */
	struct pace_limits rl = { .account_zone = KOL, .rate = { 2, 3600 } };
	static const struct pace_item four[] = { { "a", NULL, 0 }, { "b", NULL, 0 },
						 { "c", NULL, 0 }, { "d", NULL, 0 } };
	h.sent_today = 0;
	assert_int_equal(pace_summarize(U("2026-01-15T12:00:00Z"), &rl, &h, four, 4, 0.5, &s, &e), 0);
	assert_int_equal(s.now, 4);
	assert_int_equal(s.later, 0);
	assert_int_equal(s.last_now_at, U("2026-01-15T13:00:00Z"));
	assert_int_equal(s.first_later_at, 0);
	/* 17:45 UTC is 23:15 IST: the third and fourth would go after midnight IST */
	assert_int_equal(pace_summarize(U("2026-01-15T17:45:00Z"), &rl, &h, four, 4, 0.5, &s, &e), 0);
	assert_int_equal(s.now, 2);
	assert_int_equal(s.later, 2);
	assert_int_equal(s.later_by[PACE_RATE], 2);
	assert_int_equal(s.first_later_at, U("2026-01-15T18:45:00Z"));
	assert_int_equal(s.last_now_at, U("2026-01-15T17:45:00Z"));
	/* nothing queued */
	assert_int_equal(pace_summarize(now, &lim, &h, NULL, 0, 0.5, &s, &e), 0);
	assert_int_equal(s.now + s.later, 0);
	assert_int_equal(s.last_now_at, now);
	/* the history is the caller's and stays untouched */
	time_t hist[] = { now - 100 };
	h = (struct pace_history){ hist, 1, 0 };
	assert_int_equal(pace_summarize(now, &lim, &h, items, 2, 0.5, &s, &e), 0);
	assert_int_equal(hist[0], now - 100);
	assert_int_equal(s.now, 2);
	assert_int_equal(s.last_now_at, now + 60);
	/* a domain that already had its message today (from the store's counter) */
	static const struct pace_item had[] = { { "x.edu", NY, 1 }, { "y.edu", NY, 0 } };
	h = (struct pace_history){ NULL, 0, 0 };
	assert_int_equal(pace_summarize(now, &lim, &h, had, 2, 0.5, &s, &e), 0);
	assert_int_equal(s.now, 1);
	assert_int_equal(s.later_by[PACE_DOMAIN], 1);
	assert_int_equal(s.last_now_at, now);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unlimited),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_gap),
		cmocka_unit_test(test_daily_cap),
		cmocka_unit_test(test_domain_cap),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_summary),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
