/* Unit tests for cal: dates, US federal holidays, business days, durations, gaps, rates, windows. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal.h"
#include "clock.h"
#include "err.h"
#include "instant.h"
#include "util.h"

static const char NY[] = "America/New_York", LA[] = "America/Los_Angeles",
		  KOL[] = "Asia/Kolkata";

static struct cal_date D(const char *s)
{
	struct cal_date d;
	struct err e = { 0 };
	if (cal_date_parse(s, &d, &e) != 0)
		fail_msg("bad test date %s", s);
	return d;
}

static void test_civil(void **state)
{
	(void)state;
	static const struct { const char *date; long days; int wday; } t[] = {
		{ "1970-01-01", 0, 4 }, { "1969-12-31", -1, 3 }, { "2000-03-01", 11017, 3 },
		{ "2026-11-25", 20782, 3 }, { "1600-02-29", -135081, 2 }, { "9999-12-31", 2932896, 5 },
		{ "0001-01-01", -719162, 1 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct cal_date d = D(t[i].date);
		assert_int_equal(cal_days_from_civil(d), t[i].days);
		assert_int_equal(cal_weekday(d), t[i].wday);
		struct cal_date r = cal_civil_from_days(t[i].days);
		assert_int_equal(cal_date_cmp(r, d), 0);
		char buf[11];
		cal_date_format(d, buf);
		assert_string_equal(buf, t[i].date);
	}
	/* every day for 1000 years round-trips and weekdays cycle */
	struct cal_date prev = cal_civil_from_days(cal_days_from_civil(D("1600-01-01")) - 1);
	for (long z = cal_days_from_civil(D("1600-01-01")); z < cal_days_from_civil(D("2600-01-01")); z++) {
		struct cal_date d = cal_civil_from_days(z);
		assert_true(cal_date_valid(d));
		assert_int_equal(cal_days_from_civil(d), z);
		assert_int_equal(cal_weekday(d), (cal_weekday(prev) + 1) % 7);
		assert_true(cal_date_cmp(prev, d) < 0);
		prev = d;
	}
	assert_int_equal(cal_date_cmp(cal_date_add(D("2028-02-28"), 1), D("2028-02-29")), 0);
	assert_int_equal(cal_date_cmp(cal_date_add(D("2027-02-28"), 1), D("2027-03-01")), 0);
	assert_int_equal(cal_date_cmp(cal_date_add(D("2026-12-31"), 1), D("2027-01-01")), 0);
	assert_int_equal(cal_date_cmp(cal_date_add(D("2026-01-01"), -1), D("2025-12-31")), 0);

	static const char *const bad[] = { "2026-02-29", "2026-13-01", "2026-00-10", "2026-1-5",
					   "26-01-05", "2026/01/05", "", "2026-01-05x", "2100-02-29",
					   "2026-04-31", "yesterday" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct cal_date d = { 1, 2, 3 };
		struct err e = { 0 };
		assert_int_equal(cal_date_parse(bad[i], &d, &e), -1);
		assert_int_equal(e.cls, ERR_DATA);
		assert_int_equal(d.year, 1);
	}
	struct cal_date d;
	struct err e = { 0 };
	assert_int_equal(cal_date_parse(" 2000-02-29 ", &d, &e), 0);
	assert_int_equal(cal_date_cmp(d, D("2000-02-29")), 0);
}

/*
 * The official OPM federal holiday schedules (opm.gov, "Federal Holidays"), written out by
 * hand. OPM lists New Year's Day 2028 (a Saturday) under 2027, observed Friday Dec 31.
 */
static const struct { int year; const char *dates[12]; } opm[] = {
	{ 2025, { "2025-01-01", "2025-01-20", "2025-02-17", "2025-05-26", "2025-06-19", "2025-07-04",
		  "2025-09-01", "2025-10-13", "2025-11-11", "2025-11-27", "2025-12-25" } },
	{ 2026, { "2026-01-01", "2026-01-19", "2026-02-16", "2026-05-25", "2026-06-19", "2026-07-03",
		  "2026-09-07", "2026-10-12", "2026-11-11", "2026-11-26", "2026-12-25" } },
	{ 2027, { "2027-01-01", "2027-01-18", "2027-02-15", "2027-05-31", "2027-06-18", "2027-07-05",
		  "2027-09-06", "2027-10-11", "2027-11-11", "2027-11-25", "2027-12-24", "2027-12-31" } },
	{ 2028, { "2028-01-17", "2028-02-21", "2028-05-29", "2028-06-19", "2028-07-04",
		  "2028-09-04", "2028-10-09", "2028-11-10", "2028-11-23", "2028-12-25" } },
};

static const enum cal_holiday order_normal[] = {
	CAL_NEW_YEAR, CAL_MLK, CAL_WASHINGTON, CAL_MEMORIAL, CAL_JUNETEENTH, CAL_INDEPENDENCE,
	CAL_LABOR, CAL_COLUMBUS, CAL_VETERANS, CAL_THANKSGIVING, CAL_CHRISTMAS, CAL_NEW_YEAR,
};

static void test_holidays_opm(void **state)
{
	(void)state;
	for (size_t y = 0; y < ARRAY_SIZE(opm); y++) {
		struct cal_holiday_day h[CAL_HOLIDAYS_MAX];
		int n = cal_holidays(opm[y].year, h);
		int want = 0;
		while (want < 12 && opm[y].dates[want])
			want++;
		assert_int_equal(n, want);
		/* 2028 has no New Year's Day of its own: the list starts at MLK */
		const enum cal_holiday *order = opm[y].year == 2028 ? order_normal + 1 : order_normal;
		for (int i = 0; i < n; i++) {
			char buf[11];
			cal_date_format(h[i].observed, buf);
			if (strcmp(buf, opm[y].dates[i]) != 0)
				fail_msg("%d holiday %d (%s): %s, OPM says %s", opm[y].year, i,
					 cal_holiday_name(h[i].which), buf, opm[y].dates[i]);
			assert_int_equal(h[i].which, order[i]);
			assert_int_equal(cal_holiday_on(D(opm[y].dates[i])), order[i]);
			assert_false(cal_is_business_day(D(opm[y].dates[i]), CAL_SKIP_HOLIDAYS));
			/* every observed holiday is a weekday, so without the flag it is a business day */
			assert_true(cal_is_business_day(D(opm[y].dates[i]), 0));
		}
	}
	/* the legal date is kept beside the observed one */
	struct cal_holiday_day h[CAL_HOLIDAYS_MAX];
	int n = cal_holidays(2027, h);
	assert_int_equal(cal_date_cmp(h[n - 1].actual, D("2028-01-01")), 0);
	assert_int_equal(cal_date_cmp(h[n - 2].actual, D("2027-12-25")), 0);
	assert_int_equal(cal_date_cmp(h[5].actual, D("2027-07-04")), 0);

	/* around the observed days: the legal Saturday/Sunday is no extra holiday */
	static const struct { const char *date; enum cal_holiday h; } on[] = {
		{ "2027-12-25", CAL_HOLIDAY_NONE }, { "2028-01-01", CAL_HOLIDAY_NONE },
		{ "2026-07-04", CAL_HOLIDAY_NONE }, { "2027-07-04", CAL_HOLIDAY_NONE },
		{ "2026-11-27", CAL_HOLIDAY_NONE }, { "2026-12-24", CAL_HOLIDAY_NONE },
		{ "2021-12-31", CAL_NEW_YEAR }, { "2022-01-01", CAL_HOLIDAY_NONE },
		{ "2021-06-18", CAL_JUNETEENTH }, { "2020-06-19", CAL_HOLIDAY_NONE },
		{ "2023-01-02", CAL_NEW_YEAR }, { "2023-06-19", CAL_JUNETEENTH },
		{ "1985-01-21", CAL_HOLIDAY_NONE }, { "1986-01-20", CAL_MLK },
		{ "1975-10-27", CAL_VETERANS }, { "1975-11-11", CAL_HOLIDAY_NONE },
		{ "1978-11-10", CAL_VETERANS }, /* Saturday Nov 11 → Friday */
		{ "1970-12-25", CAL_HOLIDAY_NONE } /* before the supported range */,
	};
	for (size_t i = 0; i < ARRAY_SIZE(on); i++)
		if (cal_holiday_on(D(on[i].date)) != on[i].h)
			fail_msg("%s: %d, want %d", on[i].date, cal_holiday_on(D(on[i].date)), on[i].h);
	assert_int_equal(cal_holidays(1970, h), -1);
	assert_int_equal(cal_holidays(9999, h), -1);
	assert_int_equal(cal_holidays(2020, h), 10); /* before Juneteenth */
	assert_int_equal(cal_holidays(2022, h), 10); /* New Year's 2022 was observed in 2021 */
	assert_int_equal(cal_holidays(2021, h), 12);

	static const struct { enum cal_holiday h; const char *name; } names[] = {
		{ CAL_NEW_YEAR, "New Year's Day" }, { CAL_MLK, "Birthday of Martin Luther King, Jr." },
		{ CAL_WASHINGTON, "Washington's Birthday" }, { CAL_MEMORIAL, "Memorial Day" },
		{ CAL_JUNETEENTH, "Juneteenth National Independence Day" },
		{ CAL_INDEPENDENCE, "Independence Day" }, { CAL_LABOR, "Labor Day" },
		{ CAL_COLUMBUS, "Columbus Day" }, { CAL_VETERANS, "Veterans Day" },
		{ CAL_THANKSGIVING, "Thanksgiving Day" }, { CAL_CHRISTMAS, "Christmas Day" },
		{ CAL_HOLIDAY_NONE, "" }, { (enum cal_holiday)99, "" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		assert_string_equal(cal_holiday_name(names[i].h), names[i].name);

	/* every supported year: the holidays are on weekdays, in order, inside the year */
	for (int y = 1971; y <= 2200; y++) {
		n = cal_holidays(y, h);
		assert_true(n >= 8 && n <= 12); /* 8 before MLK Day (1986), when New Year's fell in the year before */
		for (int i = 0; i < n; i++) {
			int wd = cal_weekday(h[i].observed);
			assert_true(wd >= 1 && wd <= 5);
			assert_int_equal(h[i].observed.year, y);
			if (i)
				assert_true(cal_date_cmp(h[i - 1].observed, h[i].observed) < 0);
		}
	}
}

static void test_business_days(void **state)
{
	(void)state;
	static const struct { const char *date; unsigned flags; bool bd; } t[] = {
		{ "2026-11-21", 0, false }, { "2026-11-22", CAL_SKIP_HOLIDAYS, false }, /* weekend */
		{ "2026-11-23", CAL_SKIP_HOLIDAYS, true }, { "2026-11-26", CAL_SKIP_HOLIDAYS, false },
		{ "2026-11-26", 0, true }, { "2026-11-27", CAL_SKIP_HOLIDAYS, true },
		{ "2027-12-24", CAL_SKIP_HOLIDAYS, false }, { "2027-12-31", CAL_SKIP_HOLIDAYS, false },
		{ "2027-12-30", CAL_SKIP_HOLIDAYS, true },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		if (cal_is_business_day(D(t[i].date), t[i].flags) != t[i].bd)
			fail_msg("%s flags %u", t[i].date, t[i].flags);

	/* the next business day after an out-of-office return date */
	static const struct { const char *back, *next, *on_or_after; unsigned flags; } r[] = {
		{ "2026-11-20", "2026-11-23", "2026-11-20", CAL_SKIP_HOLIDAYS }, /* Friday → Monday */
		{ "2026-11-21", "2026-11-23", "2026-11-23", CAL_SKIP_HOLIDAYS }, /* Saturday */
		{ "2026-11-25", "2026-11-27", "2026-11-25", CAL_SKIP_HOLIDAYS }, /* Wed before Thanksgiving */
		{ "2026-11-26", "2026-11-27", "2026-11-27", CAL_SKIP_HOLIDAYS }, /* on Thanksgiving */
		{ "2028-12-25", "2028-12-26", "2028-12-26", CAL_SKIP_HOLIDAYS }, /* on Christmas */
		{ "2026-07-02", "2026-07-06", "2026-07-02", CAL_SKIP_HOLIDAYS }, /* before observed July 4 */
		{ "2026-12-31", "2027-01-04", "2026-12-31", CAL_SKIP_HOLIDAYS }, /* over New Year */
		{ "2027-12-23", "2027-12-27", "2027-12-23", CAL_SKIP_HOLIDAYS }, /* Christmas observed Fri */
		{ "2027-12-30", "2028-01-03", "2027-12-30", CAL_SKIP_HOLIDAYS }, /* New Year's observed Fri */
		{ "2027-12-23", "2027-12-24", "2027-12-23", 0 },
		{ "2026-09-07", "2026-09-08", "2026-09-08", CAL_SKIP_HOLIDAYS }, /* Labor Day */
		{ "2026-09-07", "2026-09-08", "2026-09-07", 0 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(r); i++) {
		char a[11], b[11];
		cal_date_format(cal_next_business_day(D(r[i].back), r[i].flags), a);
		cal_date_format(cal_business_day_on_or_after(D(r[i].back), r[i].flags), b);
		if (strcmp(a, r[i].next) || strcmp(b, r[i].on_or_after))
			fail_msg("back %s: next %s (want %s), on/after %s (want %s)", r[i].back, a,
				 r[i].next, b, r[i].on_or_after);
	}
}

static void test_add_business_days(void **state)
{
	(void)state;
	static const struct {
		const char *from, *zone;
		long n;
		unsigned flags;
		const char *to;
	} t[] = {
		/* Monday 10:00 EST + 7 → the following Wednesday 10:00 */
		{ "2026-01-05T15:00:00Z", NY, 7, CAL_SKIP_HOLIDAYS, "2026-01-14T15:00:00Z" },
		{ "2026-01-05T15:00:00Z", NY, 0, CAL_SKIP_HOLIDAYS, "2026-01-05T15:00:00Z" },
		{ "2026-01-05T15:00:00Z", NY, 1, 0, "2026-01-06T15:00:00Z" },
		{ "2026-01-09T15:00:00Z", NY, 1, 0, "2026-01-12T15:00:00Z" }, /* Fri → Mon */
		{ "2026-01-10T15:00:00Z", NY, 1, 0, "2026-01-12T15:00:00Z" }, /* Sat → Mon */
		/* over Thanksgiving: Mon Nov 23 → Thu Dec 3 skipping the holiday, Wed Dec 2 without */
		{ "2026-11-23T15:00:00Z", NY, 7, CAL_SKIP_HOLIDAYS, "2026-12-03T15:00:00Z" },
		{ "2026-11-23T15:00:00Z", NY, 7, 0, "2026-12-02T15:00:00Z" },
		/* over Christmas and New Year 2026/27 (both Fridays) */
		{ "2026-12-21T15:00:00Z", NY, 7, CAL_SKIP_HOLIDAYS, "2026-12-31T15:00:00Z" },
		{ "2026-12-21T15:00:00Z", NY, 10, CAL_SKIP_HOLIDAYS, "2027-01-06T15:00:00Z" },
		{ "2026-12-21T15:00:00Z", NY, 10, 0, "2027-01-04T15:00:00Z" },
		/* 2027: Christmas observed Fri Dec 24, New Year's 2028 observed Fri Dec 31 */
		{ "2027-12-20T15:00:00Z", NY, 7, CAL_SKIP_HOLIDAYS, "2027-12-30T15:00:00Z" },
		{ "2027-12-20T15:00:00Z", NY, 8, CAL_SKIP_HOLIDAYS, "2028-01-03T15:00:00Z" },
		/* across spring-forward: 10:00 EST → 10:00 EDT, one hour less in UTC */
		{ "2026-03-02T15:00:00Z", NY, 7, CAL_SKIP_HOLIDAYS, "2026-03-11T14:00:00Z" },
		/* the recipient's zone decides the day: Thanksgiving evening in New York is
		 * already Friday morning in Kolkata */
		{ "2026-11-27T03:00:00Z", NY, 1, CAL_SKIP_HOLIDAYS, "2026-11-28T03:00:00Z" },
		{ "2026-11-27T03:00:00Z", KOL, 1, CAL_SKIP_HOLIDAYS, "2026-11-30T03:00:00Z" },
		{ "2026-11-27T03:00:00Z", LA, 1, CAL_SKIP_HOLIDAYS, "2026-11-28T03:00:00Z" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		time_t out = 0;
		struct err e = { 0 };
		if (cal_add_business_days(U(t[i].from), t[i].zone, t[i].n, t[i].flags, &out, &e) != 0)
			fail_msg("row %zu: %s", i, e.msg);
		if (out != U(t[i].to))
			fail_msg("row %zu: %s + %ld bd in %s → %lld, want %s", i, t[i].from, t[i].n,
				 t[i].zone, (long long)out, t[i].to);
	}
	time_t out = 7;
	struct err e = { 0 };
	assert_int_equal(cal_add_business_days(0, NY, -1, 0, &out, &e), -1);
	assert_int_equal(e.cls, ERR_DATA);
	assert_int_equal(cal_add_business_days(0, NY, 3651, 0, &out, &e), -1);
	assert_int_equal(cal_add_business_days(0, "No/Such_Zone", 1, 0, &out, &e), -1);
	assert_int_equal(e.cls, ERR_CONFIG);
	assert_int_equal(out, 7);
}

static void test_local_date(void **state)
{
	(void)state;
	struct cal_date d;
	struct err e = { 0 };
	time_t t = U("2026-11-27T03:00:00Z");
	assert_int_equal(cal_local_date(t, NY, &d, &e), 0);
	assert_int_equal(cal_date_cmp(d, D("2026-11-26")), 0);
	assert_int_equal(cal_local_date(t, KOL, &d, &e), 0);
	assert_int_equal(cal_date_cmp(d, D("2026-11-27")), 0);
	time_t s;
	assert_int_equal(cal_day_start(D("2026-11-27"), KOL, &s, &e), 0);
	assert_int_equal(s, U("2026-11-26T18:30:00Z"));
	assert_int_equal(cal_day_start(D("2026-03-08"), NY, &s, &e), 0);
	assert_int_equal(s, U("2026-03-08T05:00:00Z"));
	/* Havana springs forward at midnight: the day starts at 01:00 CDT */
	assert_int_equal(cal_day_start(D("2026-03-08"), "America/Havana", &s, &e), 0);
	assert_int_equal(s, U("2026-03-08T05:00:00Z"));
}

/* ------------------------------------------------------------------ specs */

static void test_duration(void **state)
{
	(void)state;
	static const struct { const char *in; long n; enum cal_unit unit; const char *canon; } ok[] = {
		{ "7 days", 7, CAL_DAYS, "7 days" }, { "1 day", 1, CAL_DAYS, "1 day" },
		{ "7d", 7, CAL_DAYS, "7 days" }, { "7 business days", 7, CAL_BUSINESS_DAYS, "7 business days" },
		{ "  7  Business   Days ", 7, CAL_BUSINESS_DAYS, "7 business days" },
		{ "10 bd", 10, CAL_BUSINESS_DAYS, "10 business days" },
		{ "1 business day", 1, CAL_BUSINESS_DAYS, "1 business day" },
		{ "5 working days", 5, CAL_BUSINESS_DAYS, "5 business days" },
		{ "3 workdays", 3, CAL_BUSINESS_DAYS, "3 business days" },
		{ "2 weeks", 2, CAL_WEEKS, "2 weeks" }, { "1w", 1, CAL_WEEKS, "1 week" },
		{ "36h", 36 * 3600, CAL_SECONDS, "36 hours" }, { "90 minutes", 5400, CAL_SECONDS, "90 minutes" },
		{ "90 min", 5400, CAL_SECONDS, "90 minutes" }, { "45s", 45, CAL_SECONDS, "45 seconds" },
		{ "120 m", 7200, CAL_SECONDS, "2 hours" }, { "0 days", 0, CAL_DAYS, "0 days" },
		{ "3650 days", 3650, CAL_DAYS, "3650 days" }, { "521 weeks", 521, CAL_WEEKS, "521 weeks" },
		{ "1 second", 1, CAL_SECONDS, "1 second" }, { "0s", 0, CAL_SECONDS, "0 seconds" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		struct cal_duration d;
		struct err e = { 0 };
		if (cal_duration_parse(ok[i].in, &d, &e) != 0)
			fail_msg("'%s': %s", ok[i].in, e.msg);
		assert_int_equal(d.n, ok[i].n);
		assert_int_equal(d.unit, ok[i].unit);
		char buf[64];
		assert_int_equal(cal_duration_format(&d, buf, sizeof buf, &e), 0);
		assert_string_equal(buf, ok[i].canon);
		struct cal_duration d2;
		assert_int_equal(cal_duration_parse(buf, &d2, &e), 0);
		assert_int_equal(d2.n, d.n);
		assert_int_equal(d2.unit, d.unit);
	}
	static const struct { const char *in, *msg; } bad[] = {
		{ "", "at the end: expected a whole number" },
		{ "seven days", "at 'seven days': expected a whole number" },
		{ "7", "at the end: expected a unit" }, { "7 months", "at 'months': expected a unit" },
		{ "7 business", "at 'business': expected a unit" },
		{ "7 business hours", "expected a unit" },
		{ "7 days later", "at 'later': expected the end" },
		{ "-7 days", "expected a whole number" }, { "7.5 days", "at '.5 days': expected a unit" },
		{ "1234567890 days", "expected a whole number of at most 9 digits" },
		{ "3651 days", "at most 3650 days" }, { "522 weeks", "at most 521" },
		{ "87600h", "at most 87600" } /* boundary ok, next line over */,
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct cal_duration d = { 99, CAL_WEEKS };
		struct err e = { 0 };
		if (i == ARRAY_SIZE(bad) - 1) {
			assert_int_equal(cal_duration_parse("87600h", &d, &e), 0);
			assert_int_equal(cal_duration_parse("87601h", &d, &e), -1);
			assert_non_null(strstr(e.msg, bad[i].msg));
			continue;
		}
		if (cal_duration_parse(bad[i].in, &d, &e) != -1)
			fail_msg("'%s' parsed", bad[i].in);
		assert_int_equal(e.cls, ERR_CONFIG);
		if (!strstr(e.msg, bad[i].msg))
			fail_msg("'%s': message '%s' lacks '%s'", bad[i].in, e.msg, bad[i].msg);
		assert_non_null(strstr(e.msg, "invalid duration"));
		assert_int_equal(d.n, 99);
	}
	/* too long for a spec: a limit, not a syntax error */
	char big[CAL_SPEC_MAX + 10];
	memset(big, ' ', sizeof big);
	big[sizeof big - 1] = '\0';
	struct cal_duration d;
	struct err e = { 0 };
	assert_int_equal(cal_duration_parse(big, &d, &e), -1);
	assert_int_equal(e.cls, ERR_LIMIT);
	assert_int_equal(cal_duration_parse(NULL, &d, &e), -1);

	/* applying */
	static const struct { const char *spec, *from, *zone; unsigned flags; const char *to; } ap[] = {
		/* 7 calendar days across spring-forward keep 10:00 local */
		{ "7 days", "2026-03-02T15:00:00Z", NY, 0, "2026-03-09T14:00:00Z" },
		{ "1 week", "2026-03-02T15:00:00Z", NY, 0, "2026-03-09T14:00:00Z" },
		{ "168 hours", "2026-03-02T15:00:00Z", NY, 0, "2026-03-09T15:00:00Z" },
		{ "2 weeks", "2026-10-26T14:00:00Z", NY, 0, "2026-11-09T15:00:00Z" },
		{ "7 business days", "2026-01-05T15:00:00Z", NY, CAL_SKIP_HOLIDAYS, "2026-01-14T15:00:00Z" },
		{ "10 bd", "2026-11-23T15:00:00Z", NY, CAL_SKIP_HOLIDAYS, "2026-12-08T15:00:00Z" },
		{ "7 days", "2026-03-02T15:00:00Z", KOL, 0, "2026-03-09T15:00:00Z" },
		{ "45 s", "2026-03-02T15:00:00Z", NY, 0, "2026-03-02T15:00:45Z" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(ap); i++) {
		time_t out;
		assert_int_equal(cal_duration_parse(ap[i].spec, &d, &e), 0);
		assert_int_equal(cal_duration_apply(&d, U(ap[i].from), ap[i].zone, ap[i].flags, &out, &e), 0);
		if (out != U(ap[i].to))
			fail_msg("%s after %s in %s → %lld, want %s", ap[i].spec, ap[i].from, ap[i].zone,
				 (long long)out, ap[i].to);
	}
	char small[4];
	d.n = 7;
	d.unit = CAL_BUSINESS_DAYS;
	assert_int_equal(cal_duration_format(&d, small, sizeof small, &e), -1);
	assert_int_equal(e.cls, ERR_LIMIT);
}

static void test_gap(void **state)
{
	(void)state;
	static const struct { const char *in; long min, max; const char *canon; } ok[] = {
		{ "45s..120s", 45, 120, "45s..2m" }, { "2m..5m", 120, 300, "2m..5m" },
		{ "60s", 60, 60, "1m" }, { "90", 90, 90, "90s" }, { "30s .. 2m", 30, 120, "30s..2m" },
		{ "0", 0, 0, "none" }, { "none", 0, 0, "none" }, { "NONE", 0, 0, "none" },
		{ "1h", 3600, 3600, "1h" }, { "10 seconds..1 minute", 10, 60, "10s..1m" },
		{ "0..24h", 0, 86400, "0s..24h" }, { "45S..120S", 45, 120, "45s..2m" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		struct cal_gap g;
		struct err e = { 0 };
		if (cal_gap_parse(ok[i].in, &g, &e) != 0)
			fail_msg("'%s': %s", ok[i].in, e.msg);
		assert_int_equal(g.min, ok[i].min);
		assert_int_equal(g.max, ok[i].max);
		char buf[32];
		assert_int_equal(cal_gap_format(&g, buf, sizeof buf, &e), 0);
		assert_string_equal(buf, ok[i].canon);
		struct cal_gap g2;
		assert_int_equal(cal_gap_parse(buf, &g2, &e), 0);
		assert_int_equal(g2.min, g.min);
		assert_int_equal(g2.max, g.max);
	}
	static const struct { const char *in, *msg; } bad[] = {
		{ "", "expected a number of seconds" }, { "45s-120s", "at '-120s': expected '..'" },
		{ "120s..45s", "maximum (45s) is below the minimum (120s)" },
		{ "45x", "at 'x': expected a unit: s, m or h" }, { "45 days", "expected a unit: s, m or h" },
		{ "45s..", "at the end: expected a number" }, { "25h", "at most 24 hours" },
		{ "45s...120s", "at '.120s': expected a number" }, { "none please", "expected the end" },
		{ "1.5m", "at '.5m'" }, { "..5m", "expected a number" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct cal_gap g = { 7, 7 };
		struct err e = { 0 };
		if (cal_gap_parse(bad[i].in, &g, &e) != -1)
			fail_msg("'%s' parsed", bad[i].in);
		assert_int_equal(e.cls, ERR_CONFIG);
		if (!strstr(e.msg, bad[i].msg))
			fail_msg("'%s': message '%s' lacks '%s'", bad[i].in, e.msg, bad[i].msg);
		assert_int_equal(g.min, 7);
	}
	/* the random value maps onto [min, max] inclusively */
	struct cal_gap g = { 45, 120 };
	assert_int_equal(cal_gap_pick(&g, 0.0), 45);
	assert_int_equal(cal_gap_pick(&g, 0.999999999), 120);
	assert_int_equal(cal_gap_pick(&g, 0.5), 45 + 38);
	assert_int_equal(cal_gap_pick(&g, 1.0), 120);  /* clamped */
	assert_int_equal(cal_gap_pick(&g, -3.0), 45);  /* clamped */
	assert_int_equal(cal_gap_pick(&g, NAN), 45); /* NaN */
	for (double u = 0; u < 1; u += 0.001) {
		long v = cal_gap_pick(&g, u);
		assert_true(v >= 45 && v <= 120);
	}
	struct cal_gap one = { 60, 60 };
	assert_int_equal(cal_gap_pick(&one, 0.7), 60);
}

static void test_rate(void **state)
{
	(void)state;
	static const struct { const char *in; long count, per; const char *canon; } ok[] = {
		{ "20/hour", 20, 3600, "20/hour" }, { "30/minute", 30, 60, "30/minute" },
		{ "200/day", 200, 86400, "200/day" }, { "20 per hour", 20, 3600, "20/hour" },
		{ "20 / h", 20, 3600, "20/hour" }, { "5/10min", 5, 600, "5/10min" },
		{ "1/s", 1, 1, "1/second" }, { "100/week", 100, 604800, "100/week" },
		{ "100/7d", 100, 604800, "100/week" }, { "10/90s", 10, 90, "10/90s" }, { "3/2d", 3, 172800, "3/2d" },
		{ "none", 0, 0, "none" }, { "50/24h", 50, 86400, "50/day" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		struct cal_rate r;
		struct err e = { 0 };
		if (cal_rate_parse(ok[i].in, &r, &e) != 0)
			fail_msg("'%s': %s", ok[i].in, e.msg);
		assert_int_equal(r.count, ok[i].count);
		assert_int_equal(r.per, ok[i].per);
		char buf[32];
		assert_int_equal(cal_rate_format(&r, buf, sizeof buf, &e), 0);
		assert_string_equal(buf, ok[i].canon);
		struct cal_rate r2;
		assert_int_equal(cal_rate_parse(buf, &r2, &e), 0);
		assert_int_equal(r2.count, r.count);
		assert_int_equal(r2.per, r.per);
	}
	static const struct { const char *in, *msg; } bad[] = {
		{ "", "expected a count" }, { "0/hour", "expected a count from 1" },
		{ "20", "at the end: expected '/' or 'per'" }, { "20/", "at the end: expected a unit" },
		{ "20/fortnight", "at 'fortnight': expected a unit" },
		{ "20/business day", "expected a unit" }, { "20/hour!", "at '!': expected the end" },
		{ "20/2week", "longer than a week" }, { "1000001/day", "expected a count" },
		{ "twenty/hour", "expected a count" }, { "20 hourly", "expected '/' or 'per'" },
		{ "20/0min", "multiplier" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct cal_rate r = { 7, 7 };
		struct err e = { 0 };
		if (cal_rate_parse(bad[i].in, &r, &e) != -1)
			fail_msg("'%s' parsed", bad[i].in);
		assert_int_equal(e.cls, ERR_CONFIG);
		if (!strstr(e.msg, bad[i].msg))
			fail_msg("'%s': message '%s' lacks '%s'", bad[i].in, e.msg, bad[i].msg);
		assert_int_equal(r.count, 7);
	}
}

/* ------------------------------------------------------------------ windows */

static struct cal_window W(const char *spec)
{
	struct cal_window w;
	struct err e = { 0 };
	if (cal_window_parse(spec, &w, &e) != 0)
		fail_msg("window '%s': %s", spec, e.msg);
	return w;
}

static void test_window_parse(void **state)
{
	(void)state;
	static const struct { const char *in, *canon; } ok[] = {
		{ "Mon-Fri 08:30-16:30", "Mon-Fri 08:30-16:30" },
		{ "Mon,Wed,Fri 09:00-12:00", "Mon,Wed,Fri 09:00-12:00" },
		{ "Tue-Thu 8:00-11:30 13:00-16:00", "Tue-Thu 08:00-11:30 13:00-16:00" },
		{ "any 00:00-24:00", "any 00:00-24:00" }, { "always", "any 00:00-24:00" },
		{ "daily 9:00-17:00", "any 09:00-17:00" },
		{ "weekdays 9:00-17:00", "Mon-Fri 09:00-17:00" },
		{ "weekends 10:00-12:00", "Sat-Sun 10:00-12:00" },
		{ "MON-FRI 08:30-16:30", "Mon-Fri 08:30-16:30" },
		{ "monday-friday 08:30 - 16:30", "Mon-Fri 08:30-16:30" },
		{ "  Mon , Wed , Fri   9:00-12:00  ", "Mon,Wed,Fri 09:00-12:00" },
		{ "Tue-Thu 13:00-16:00, 8:00-11:30", "Tue-Thu 08:00-11:30 13:00-16:00" },
		{ "Mon-Fri 08:30-16:30; Sat 09:00-12:00", "Mon-Fri 08:30-16:30; Sat 09:00-12:00" },
		{ "Sat 09:00-12:00; Mon-Fri 08:30-16:30", "Mon-Fri 08:30-16:30; Sat 09:00-12:00" },
		{ "Fri-Mon 10:00-11:00", "Mon,Fri-Sun 10:00-11:00" },
		{ "Mon-Fri 8:00-12:00 12:00-13:00", "Mon-Fri 08:00-13:00" },
		{ "Mon 9:00-10:00; Mon 10:00-11:00", "Mon 09:00-11:00" },
		{ "Mon-Wed 9:00-10:00; Wed-Fri 14:00-15:00",
		  "Mon-Tue 09:00-10:00; Wed 09:00-10:00 14:00-15:00; Thu-Fri 14:00-15:00" },
		{ "thurs,tues 9:00-10:00", "Tue,Thu 09:00-10:00" },
		{ "Sun 0:00-0:01", "Sun 00:00-00:01" },
		{ "Mon-Fri 9:00-10:00,11:00-12:00,13:00-14:00", "Mon-Fri 09:00-10:00 11:00-12:00 13:00-14:00" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		struct cal_window w = W(ok[i].in), w2;
		char buf[256];
		struct err e = { 0 };
		assert_int_equal(cal_window_format(&w, buf, sizeof buf, &e), 0);
		if (strcmp(buf, ok[i].canon) != 0)
			fail_msg("'%s' → '%s', want '%s'", ok[i].in, buf, ok[i].canon);
		assert_int_equal(cal_window_parse(buf, &w2, &e), 0);
		assert_true(cal_window_equal(&w, &w2));
	}
	struct cal_window w = W("Tue-Thu 8:00-11:30 13:00-16:00");
	assert_int_equal(w.nranges[0], 0);
	assert_int_equal(w.nranges[1], 0);
	assert_int_equal(w.nranges[2], 2);
	assert_int_equal(w.range[2][0].start, 480);
	assert_int_equal(w.range[2][0].end, 690);
	assert_int_equal(w.range[4][1].start, 780);
	assert_int_equal(w.range[4][1].end, 960);
	assert_int_equal(w.nranges[5], 0);

	static const struct { const char *in, *msg; } bad[] = {
		{ "", "at the end: expected a day (Mon..Sun)" },
		{ "08:30-16:30", "at '08:30-16:30': expected a day" },
		{ "Mon-Fry 08:30-16:30", "at 'Fry 08:30-16:30': expected a day (Mon..Sun) to end the range" },
		{ "Mnday 08:30-16:30", "at 'Mnday 08:30-16:30': expected a day" },
		{ "Mon-Fri", "at the end: expected ',' and another day, or a time range" },
		{ "Mon-Fri 8:30", "at the end: expected '-' and the end of the range" },
		{ "Mon-Fri 8:30-", "at the end: expected a time HH:MM" },
		{ "Mon-Fri 8-16", "at '8-16': expected a time HH:MM" },
		{ "Mon-Fri 8:3-16:30", "expected a time HH:MM" },
		{ "Mon-Fri 8:300-16:30", "expected a time HH:MM" },
		{ "Mon-Fri 08:30-16:60", "at '16:60': expected a time HH:MM (00:00 to 24:00)" },
		{ "Mon-Fri 08:30-25:00", "expected a time HH:MM" },
		{ "Mon-Fri 08:30-24:30", "expected a time HH:MM" },
		{ "Mon-Fri 123:00-16:00", "expected a time HH:MM" },
		{ "Mon-Fri 16:30-08:30", "at '16:30-08:30': expected a range that ends after it starts" },
		{ "Mon-Fri 08:30-08:30", "ends after it starts" },
		{ "Mon-Fri 8:00-12:00 11:00-13:00", "ranges overlap on Mon (08:00-12:00 and 11:00-13:00)" },
		{ "Mon-Fri 8:00-12:00; Fri 9:00-10:00", "ranges overlap on Fri" },
		{ "Mon Wed 09:00-12:00", "at 'Wed 09:00-12:00': expected ',' and another day" },
		{ "Mon, 09:00-12:00", "at '09:00-12:00': expected a day" },
		{ "Mon 09:00-12:00,", "at the end: expected another time range after ','" },
		{ "Mon 09:00-12:00;", "at the end: expected a day" },
		{ "Mon 09:00-12:00 Tue 09:00-12:00", "at 'Tue 09:00-12:00': expected another time range, ';'" },
		{ "always 9:00-10:00", "expected the end after 'always'" },
		{ "Mon 9:00am-5:00pm", "at 'am-5:00pm': expected '-'" },
		{ "Mon 1:00-2:00 3:00-4:00 5:00-6:00 7:00-8:00 9:00-10:00 11:00-12:00 13:00-14:00 "
		  "15:00-16:00 17:00-18:00", "more than 8 ranges on Mon" },
		{ "Mon\t09:00-12:00\n", "at '?': expected another time range" },
		{ "Mon-\xc3\xa9 09:00-12:00", "at '?? 09:00-12:00': expected a day" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct cal_window out = W("Mon 01:00-02:00"), before = out;
		struct err e = { 0 };
		if (cal_window_parse(bad[i].in, &out, &e) != -1)
			fail_msg("'%s' parsed", bad[i].in);
		assert_int_equal(e.cls, ERR_CONFIG);
		if (!strstr(e.msg, bad[i].msg))
			fail_msg("'%s': message '%s' lacks '%s'", bad[i].in, e.msg, bad[i].msg);
		assert_non_null(strstr(e.msg, "invalid window '"));
		assert_true(cal_window_equal(&out, &before));
	}
	char small[8];
	struct err e = { 0 };
	w = W("Mon-Fri 08:30-16:30");
	assert_int_equal(cal_window_format(&w, small, sizeof small, &e), -1);
	assert_int_equal(e.cls, ERR_LIMIT);
}

static void test_window_zones(void **state)
{
	(void)state;
	struct cal_window wk = W("Mon-Fri 08:30-16:30");
	/* Thursday 2026-01-15 13:30 UTC: 08:30 in New York, 05:30 in Los Angeles, 19:00 in Kolkata */
	static const struct {
		const char *zone, *t;
		unsigned flags;
		bool open;
		const char *next_open, *next_close;
	} t[] = {
		{ NY, "2026-01-15T13:30:00Z", 0, true, "2026-01-15T13:30:00Z", "2026-01-15T21:30:00Z" },
		{ NY, "2026-01-15T13:29:59Z", 0, false, "2026-01-15T13:30:00Z", "2026-01-15T13:29:59Z" },
		{ LA, "2026-01-15T13:30:00Z", 0, false, "2026-01-15T16:30:00Z", "2026-01-15T13:30:00Z" },
		{ KOL, "2026-01-15T13:30:00Z", 0, false, "2026-01-16T03:00:00Z", "2026-01-15T13:30:00Z" },
		{ KOL, "2026-01-16T03:00:00Z", 0, true, "2026-01-16T03:00:00Z", "2026-01-16T11:00:00Z" },
		/* end is exclusive: 16:30 is closed; Friday evening → Monday morning, except that
		 * Monday 2026-01-19 is Martin Luther King Day */
		{ NY, "2026-01-16T21:30:00Z", 0, false, "2026-01-19T13:30:00Z", "2026-01-16T21:30:00Z" },
		{ NY, "2026-01-16T21:30:00Z", CAL_SKIP_HOLIDAYS, false, "2026-01-20T13:30:00Z",
		  "2026-01-16T21:30:00Z" },
		{ LA, "2026-01-16T21:30:00Z", 0, true, "2026-01-16T21:30:00Z", "2026-01-17T00:30:00Z" },
		/* Saturday in Kolkata */
		{ KOL, "2026-01-17T04:00:00Z", 0, false, "2026-01-19T03:00:00Z", "2026-01-17T04:00:00Z" },
		/* Thanksgiving: open only when holidays are not skipped */
		{ NY, "2026-11-26T15:00:00Z", 0, true, "2026-11-26T15:00:00Z", "2026-11-26T21:30:00Z" },
		{ NY, "2026-11-26T15:00:00Z", CAL_SKIP_HOLIDAYS, false, "2026-11-27T13:30:00Z",
		  "2026-11-26T15:00:00Z" },
		{ NY, "2026-11-25T22:00:00Z", CAL_SKIP_HOLIDAYS, false, "2026-11-27T13:30:00Z",
		  "2026-11-25T22:00:00Z" },
		/* Christmas Friday 2026 and New Year's Friday 2027 */
		{ NY, "2026-12-24T22:00:00Z", CAL_SKIP_HOLIDAYS, false, "2026-12-28T13:30:00Z",
		  "2026-12-24T22:00:00Z" },
		{ NY, "2026-12-31T22:00:00Z", CAL_SKIP_HOLIDAYS, false, "2027-01-04T13:30:00Z",
		  "2026-12-31T22:00:00Z" },
		/* DST: the window opens at 08:30 local on both sides of each change */
		{ NY, "2026-03-06T22:00:00Z", 0, false, "2026-03-09T12:30:00Z", "2026-03-06T22:00:00Z" },
		{ NY, "2026-10-30T22:00:00Z", 0, false, "2026-11-02T13:30:00Z", "2026-10-30T22:00:00Z" },
		{ NY, "2026-03-09T20:29:59Z", 0, true, "2026-03-09T20:29:59Z", "2026-03-09T20:30:00Z" },
		{ LA, "2026-03-09T10:00:00Z", 0, false, "2026-03-09T15:30:00Z", "2026-03-09T10:00:00Z" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		bool open = !t[i].open;
		time_t no = 0, nc = 0;
		struct err e = { 0 };
		assert_int_equal(cal_window_is_open(&wk, t[i].zone, t[i].flags, U(t[i].t), &open, &e), 0);
		assert_int_equal(cal_window_next_open(&wk, t[i].zone, t[i].flags, U(t[i].t), &no, &e), 0);
		assert_int_equal(cal_window_next_close(&wk, t[i].zone, t[i].flags, U(t[i].t), &nc, &e), 0);
		if (open != t[i].open || no != U(t[i].next_open) || nc != U(t[i].next_close))
			fail_msg("row %zu (%s %s): open %d next_open %lld next_close %lld", i, t[i].zone,
				 t[i].t, open, (long long)no, (long long)nc);
	}
}

/* Windows on the days the clocks change, including windows inside the changed hour. */
static void test_window_dst(void **state)
{
	(void)state;
	static const struct {
		const char *spec, *zone, *t, *next_open, *next_close;
	} t[] = {
		/* Sunday 2026-03-08, New York springs forward at 02:00: 08:30 EDT = 12:30 UTC */
		{ "any 08:30-16:30", NY, "2026-03-08T05:00:00Z", "2026-03-08T12:30:00Z", "2026-03-08T05:00:00Z" },
		{ "any 08:30-16:30", NY, "2026-03-08T12:30:00Z", "2026-03-08T12:30:00Z", "2026-03-08T20:30:00Z" },
		{ "any 08:30-16:30", NY, "2026-03-07T05:00:00Z", "2026-03-07T13:30:00Z", "2026-03-07T05:00:00Z" },
		/* Sunday 2026-11-01, falls back at 02:00: 08:30 EST = 13:30 UTC */
		{ "any 08:30-16:30", NY, "2026-11-01T04:00:00Z", "2026-11-01T13:30:00Z", "2026-11-01T04:00:00Z" },
		{ "any 08:30-16:30", NY, "2026-11-01T14:00:00Z", "2026-11-01T14:00:00Z", "2026-11-01T21:30:00Z" },
		/* a window starting inside the skipped hour opens when the clocks jump (03:00 EDT) */
		{ "any 02:30-03:30", NY, "2026-03-08T05:00:00Z", "2026-03-08T07:00:00Z", "2026-03-08T05:00:00Z" },
		{ "any 02:30-03:30", NY, "2026-03-08T07:00:00Z", "2026-03-08T07:00:00Z", "2026-03-08T07:30:00Z" },
		/* a window entirely inside the skipped hour does not happen that day */
		{ "any 02:00-02:45", NY, "2026-03-08T05:00:00Z", "2026-03-09T06:00:00Z", "2026-03-08T05:00:00Z" },
		/* ... nor does it close in the middle of the jump: ends inside the gap close at the jump */
		{ "any 01:00-02:30", NY, "2026-03-08T06:30:00Z", "2026-03-08T06:30:00Z", "2026-03-08T07:00:00Z" },
		/* a window inside the repeated hour is open twice */
		{ "any 01:00-01:30", NY, "2026-11-01T04:00:00Z", "2026-11-01T05:00:00Z", "2026-11-01T04:00:00Z" },
		{ "any 01:00-01:30", NY, "2026-11-01T05:10:00Z", "2026-11-01T05:10:00Z", "2026-11-01T05:30:00Z" },
		{ "any 01:00-01:30", NY, "2026-11-01T05:30:00Z", "2026-11-01T06:00:00Z", "2026-11-01T05:30:00Z" },
		{ "any 01:00-01:30", NY, "2026-11-01T06:00:00Z", "2026-11-01T06:00:00Z", "2026-11-01T06:30:00Z" },
		{ "any 01:00-01:30", NY, "2026-11-01T06:30:00Z", "2026-11-02T06:00:00Z", "2026-11-01T06:30:00Z" },
		/* re-entered through the jump back, not at a range start: 01:45 EDT → 01:00 EST */
		{ "any 00:30-01:30", NY, "2026-11-01T05:45:00Z", "2026-11-01T06:00:00Z", "2026-11-01T05:45:00Z" },
		{ "any 00:30-01:30", NY, "2026-11-01T06:00:00Z", "2026-11-01T06:00:00Z", "2026-11-01T06:30:00Z" },
		/* Havana springs forward at midnight: 00:00-01:00 never happens on 2026-03-08 */
		{ "Sun 00:00-01:30", "America/Havana", "2026-03-07T12:00:00Z", "2026-03-08T05:00:00Z",
		  "2026-03-07T12:00:00Z" },
		{ "Sun 00:00-01:30", "America/Havana", "2026-03-08T05:00:00Z", "2026-03-08T05:00:00Z",
		  "2026-03-08T05:30:00Z" },
		/* Lord Howe changes by 30 minutes */
		{ "any 02:00-02:40", "Australia/Lord_Howe", "2026-10-03T14:00:00Z", "2026-10-03T15:30:00Z",
		  "2026-10-03T14:00:00Z" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct cal_window w = W(t[i].spec);
		time_t no = 0, nc = 0;
		struct err e = { 0 };
		if (cal_window_next_open(&w, t[i].zone, 0, U(t[i].t), &no, &e) != 0)
			fail_msg("row %zu: %s", i, e.msg);
		assert_int_equal(cal_window_next_close(&w, t[i].zone, 0, U(t[i].t), &nc, &e), 0);
		if (no != U(t[i].next_open) || nc != U(t[i].next_close))
			fail_msg("row %zu ('%s' %s %s): next_open %lld (want %s) next_close %lld (want %s)",
				 i, t[i].spec, t[i].zone, t[i].t, (long long)no, t[i].next_open,
				 (long long)nc, t[i].next_close);
	}
}

static void test_window_edges(void **state)
{
	(void)state;
	struct err e = { 0 };
	time_t out;
	/* open all the time: never closes — unless holidays are skipped */
	struct cal_window all = W("always");
	assert_int_equal(cal_window_next_close(&all, NY, 0, U("2026-11-20T12:00:00Z"), &out, &e), 0);
	assert_true(out == CAL_FOREVER);
	assert_int_equal(cal_window_next_close(&all, NY, CAL_SKIP_HOLIDAYS, U("2026-11-20T12:00:00Z"),
					       &out, &e), 0);
	assert_int_equal(out, U("2026-11-26T05:00:00Z")); /* Thanksgiving 00:00 EST */
	assert_int_equal(cal_window_next_open(&all, NY, CAL_SKIP_HOLIDAYS, U("2026-11-26T12:00:00Z"),
					      &out, &e), 0);
	assert_int_equal(out, U("2026-11-27T05:00:00Z"));
	/* whole weekdays: closes at Saturday 00:00 */
	struct cal_window wd = W("Mon-Fri 00:00-24:00");
	assert_int_equal(cal_window_next_close(&wd, NY, 0, U("2026-01-16T12:00:00Z"), &out, &e), 0);
	assert_int_equal(out, U("2026-01-17T05:00:00Z"));
	/* lunch break */
	struct cal_window split = W("Tue-Thu 8:00-11:30 13:00-16:00");
	assert_int_equal(cal_window_next_open(&split, NY, 0, U("2026-01-13T17:00:00Z"), &out, &e), 0);
	assert_int_equal(out, U("2026-01-13T18:00:00Z"));
	assert_int_equal(cal_window_next_close(&split, NY, 0, U("2026-01-13T18:00:00Z"), &out, &e), 0);
	assert_int_equal(out, U("2026-01-13T21:00:00Z"));
	assert_int_equal(cal_window_next_close(&split, NY, 0, U("2026-01-13T14:00:00Z"), &out, &e), 0);
	assert_int_equal(out, U("2026-01-13T16:30:00Z"));
	/* Thursday 16:00 → next Tuesday 08:00 */
	assert_int_equal(cal_window_next_open(&split, NY, 0, U("2026-01-15T21:00:00Z"), &out, &e), 0);
	assert_int_equal(out, U("2026-01-20T13:00:00Z"));
	/* a window open on one weekday only still opens within a week */
	struct cal_window sat = W("Sat 09:00-10:00");
	assert_int_equal(cal_window_next_open(&sat, NY, CAL_SKIP_HOLIDAYS, U("2026-01-17T15:00:00Z"),
					      &out, &e), 0);
	assert_int_equal(out, U("2026-01-24T14:00:00Z"));

	/* a window that cannot open is a config error, never an endless loop */
	struct cal_window none;
	memset(&none, 0, sizeof none);
	out = 5;
	assert_int_equal(cal_window_next_open(&none, NY, 0, 0, &out, &e), -1);
	assert_int_equal(e.cls, ERR_CONFIG);
	assert_non_null(strstr(e.msg, "never opens"));
	assert_int_equal(out, 5);
	bool open;
	assert_int_equal(cal_window_is_open(&none, NY, 0, 0, &open, &e), -1);
	struct cal_window broken = W("Mon 09:00-10:00");
	broken.range[1][0].end = 2000;
	assert_int_equal(cal_window_next_open(&broken, NY, 0, 0, &out, &e), -1);
	broken.nranges[1] = 99;
	assert_int_equal(cal_window_next_close(&broken, NY, 0, 0, &out, &e), -1);
	assert_int_equal(cal_window_next_open(&wd, "Bad/Zone", 0, 0, &out, &e), -1);
	assert_int_equal(e.cls, ERR_CONFIG);
	/* the process's TZ is left alone */
	setenv("TZ", "Europe/Paris", 1);
	assert_int_equal(cal_window_next_open(&split, NY, 0, U("2026-01-15T21:00:00Z"), &out, &e), 0);
	assert_string_equal(getenv("TZ"), "Europe/Paris");
	unsetenv("TZ");
}

/* Exhaustive cross-check: for a year of instants every 7 minutes, next_open/next_close agree
 * with is_open by brute force (open at the answer, closed in between). */
static void test_window_consistency(void **state)
{
	(void)state;
	static const char *const specs[] = { "Mon-Fri 08:30-16:30", "any 00:30-01:30",
					     "Tue-Thu 8:00-11:30 13:00-16:00; Sat 02:00-03:00" };
	static const char *const zones[] = { "America/New_York", "Australia/Lord_Howe" };
	for (size_t s = 0; s < ARRAY_SIZE(specs); s++)
		for (size_t z = 0; z < ARRAY_SIZE(zones); z++) {
			struct cal_window w = W(specs[s]);
			struct err e = { 0 };
			for (time_t t = U("2026-01-01T00:00:00Z"); t < U("2027-01-01T00:00:00Z");
			     t += 7 * 60 * 13) {
				time_t no, nc;
				bool open, o2;
				assert_int_equal(cal_window_is_open(&w, zones[z], CAL_SKIP_HOLIDAYS, t, &open, &e), 0);
				assert_int_equal(cal_window_next_open(&w, zones[z], CAL_SKIP_HOLIDAYS, t, &no, &e), 0);
				assert_int_equal(cal_window_next_close(&w, zones[z], CAL_SKIP_HOLIDAYS, t, &nc, &e), 0);
				assert_true(no >= t && nc >= t);
				assert_int_equal(no == t, open);
				assert_int_equal(nc == t, !open);
				assert_int_equal(cal_window_is_open(&w, zones[z], CAL_SKIP_HOLIDAYS, no, &o2, &e), 0);
				assert_true(o2);
				if (no > t) {
					/* closed just before it opens, at minute granularity */
					assert_int_equal(cal_window_is_open(&w, zones[z], CAL_SKIP_HOLIDAYS,
									    no - 1, &o2, &e), 0);
					assert_false(o2);
				}
				if (open) {
					assert_int_equal(cal_window_is_open(&w, zones[z], CAL_SKIP_HOLIDAYS,
									    nc, &o2, &e), 0);
					assert_false(o2);
					assert_int_equal(cal_window_is_open(&w, zones[z], CAL_SKIP_HOLIDAYS,
									    nc - 1, &o2, &e), 0);
					assert_true(o2);
				}
			}
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_civil),
		cmocka_unit_test(test_holidays_opm),
		cmocka_unit_test(test_business_days),
		cmocka_unit_test(test_add_business_days),
		cmocka_unit_test(test_local_date),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_gap),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_window_parse),
		cmocka_unit_test(test_window_zones),
		cmocka_unit_test(test_window_dst),
		cmocka_unit_test(test_window_edges),
		cmocka_unit_test(test_window_consistency),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
