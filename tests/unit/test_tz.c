/* Unit tests for tz: zone names, local/UTC conversion across DST, formatting, state → zone. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "instant.h"
#include "tz.h"
#include "util.h"

static void test_valid_names(void **state)
{
	(void)state;
	static const struct { const char *name; bool ok; } t[] = {
		{ "America/New_York", true }, { "America/Indiana/Indianapolis", true },
		{ "Asia/Kolkata", true }, { "UTC", true }, { "Etc/GMT+5", true },
		{ "America/Port-au-Prince", true }, { "US/Eastern", true }, { "EST5EDT", true },
		{ "", false }, { NULL, false },
		{ "../../../etc/passwd", false }, { "/etc/passwd", false },
		{ "/usr/share/zoneinfo/UTC", false }, { "America/../UTC", false },
		{ "America/./New_York", false }, { "America//New_York", false },
		{ "America/New_York/", false }, { "America", false } /* a directory */,
		{ "America/Nowhere", false }, { "america/new_york", false },
		{ "zone.tab", false }, { "tzdata.zi", false }, { "iso3166.tab", false },
		{ "right/America/New_York", false }, { "posix/America/New_York", false },
		{ "localtime", false }, { "posixrules", false }, { "Factory", false },
		{ "America/New York", false }, { "America/New_York\n", false },
		{ "-America", false },
		{ "A/B/C/D/E/F/G/H/I/J/K/L/M/N/O/P/Q/R/S/T/U/V/W/X/Y/Z/a/b/c/d/e/f/g", false },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		if (tz_valid(t[i].name) != t[i].ok)
			fail_msg("tz_valid(\"%s\") should be %d", t[i].name ? t[i].name : "(null)", t[i].ok);
	}
	/* A valid name is also remembered (cache): asking twice gives the same answer. */
	assert_true(tz_valid("America/Chicago"));
	assert_true(tz_valid("America/Chicago"));
}

static void test_local(void **state)
{
	(void)state;
	static const struct {
		const char *zone, *utc;
		int y, mo, d, h, mi, wday, dst;
		long off;
		const char *abbr;
	} t[] = {
		{ "America/New_York", "2026-01-15T12:00:00Z", 2026, 1, 15, 7, 0, 4, 0, -18000, "EST" },
		{ "America/New_York", "2026-07-15T12:00:00Z", 2026, 7, 15, 8, 0, 3, 1, -14400, "EDT" },
		{ "America/Los_Angeles", "2026-01-15T12:00:00Z", 2026, 1, 15, 4, 0, 4, 0, -28800, "PST" },
		{ "America/Los_Angeles", "2026-07-15T12:00:00Z", 2026, 7, 15, 5, 0, 3, 1, -25200, "PDT" },
		{ "Asia/Kolkata", "2026-01-15T12:00:00Z", 2026, 1, 15, 17, 30, 4, 0, 19800, "IST" },
		{ "Asia/Kolkata", "2026-07-15T20:00:00Z", 2026, 7, 16, 1, 30, 4, 0, 19800, "IST" },
		{ "America/Phoenix", "2026-07-15T12:00:00Z", 2026, 7, 15, 5, 0, 3, 0, -25200, "MST" },
		{ "Pacific/Honolulu", "2026-01-01T05:00:00Z", 2025, 12, 31, 19, 0, 3, 0, -36000, "HST" },
		{ "America/St_Johns", "2026-01-15T12:00:00Z", 2026, 1, 15, 8, 30, 4, 0, -12600, "NST" },
		{ "UTC", "2026-02-28T23:59:59Z", 2026, 2, 28, 23, 59, 6, 0, 0, "UTC" },
	};
	/* three rounds: the same instant in many zones, and again, goes through the memo of
	 * recent conversions (keyed by zone and instant, fewer entries than zones here) */
	for (size_t k = 0; k < 3 * ARRAY_SIZE(t); k++) {
		size_t i = k % ARRAY_SIZE(t);
		struct tz_tm tm;
		struct err e = { 0 };
		assert_int_equal(tz_local(t[i].zone, U(t[i].utc), &tm, &e), 0);
		assert_int_equal(tm.year, t[i].y);
		assert_int_equal(tm.month, t[i].mo);
		assert_int_equal(tm.day, t[i].d);
		assert_int_equal(tm.hour, t[i].h);
		assert_int_equal(tm.min, t[i].mi);
		assert_int_equal(tm.wday, t[i].wday);
		assert_int_equal(tm.isdst, t[i].dst);
		assert_int_equal(tm.utc_offset, t[i].off);
		assert_string_equal(tm.abbr, t[i].abbr);
		long off = 1;
		assert_int_equal(tz_offset(t[i].zone, U(t[i].utc), &off, &e), 0);
		assert_int_equal(off, t[i].off);
	}
	struct tz_tm tm;
	struct err e = { 0 };
	assert_int_equal(tz_local("UTC", 0, &tm, &e), 0);
	assert_int_equal(tz_local("Mars/Olympus_Mons", 0, &tm, &e), -1);
	assert_int_equal(e.cls, ERR_CONFIG);
	assert_non_null(strstr(e.msg, "Mars/Olympus_Mons"));
}

static void test_utc_dst(void **state)
{
	(void)state;
	static const struct {
		const char *zone;
		int y, mo, d, h, mi;
		enum tz_fold fold;
		const char *utc;
		enum tz_kind kind;
	} t[] = {
		/* ordinary days either side of the changes */
		{ "America/New_York", 2026, 3, 7, 8, 30, TZ_EARLIER, "2026-03-07T13:30:00Z", TZ_UNIQUE },
		{ "America/New_York", 2026, 3, 9, 8, 30, TZ_EARLIER, "2026-03-09T12:30:00Z", TZ_UNIQUE },
		/* spring forward (2026-03-08 02:00 → 03:00): 08:30 is still 08:30, now EDT */
		{ "America/New_York", 2026, 3, 8, 8, 30, TZ_EARLIER, "2026-03-08T12:30:00Z", TZ_UNIQUE },
		{ "America/New_York", 2026, 3, 8, 1, 59, TZ_EARLIER, "2026-03-08T06:59:00Z", TZ_UNIQUE },
		/* 02:00..02:59 never happened: the instant the clocks jumped, 03:00 EDT */
		{ "America/New_York", 2026, 3, 8, 2, 0, TZ_EARLIER, "2026-03-08T07:00:00Z", TZ_GAP },
		{ "America/New_York", 2026, 3, 8, 2, 30, TZ_LATER, "2026-03-08T07:00:00Z", TZ_GAP },
		{ "America/New_York", 2026, 3, 8, 3, 0, TZ_EARLIER, "2026-03-08T07:00:00Z", TZ_UNIQUE },
		/* fall back (2026-11-01 02:00 → 01:00): 01:30 happens twice */
		{ "America/New_York", 2026, 11, 1, 1, 30, TZ_EARLIER, "2026-11-01T05:30:00Z", TZ_AMBIGUOUS },
		{ "America/New_York", 2026, 11, 1, 1, 30, TZ_LATER, "2026-11-01T06:30:00Z", TZ_AMBIGUOUS },
		{ "America/New_York", 2026, 11, 1, 8, 30, TZ_EARLIER, "2026-11-01T13:30:00Z", TZ_UNIQUE },
		{ "America/Los_Angeles", 2026, 3, 8, 2, 15, TZ_EARLIER, "2026-03-08T10:00:00Z", TZ_GAP },
		{ "America/Los_Angeles", 2026, 11, 1, 1, 0, TZ_LATER, "2026-11-01T09:00:00Z", TZ_AMBIGUOUS },
		/* no DST at all */
		{ "Asia/Kolkata", 2026, 3, 8, 2, 30, TZ_EARLIER, "2026-03-07T21:00:00Z", TZ_UNIQUE },
		{ "America/Phoenix", 2026, 3, 8, 2, 30, TZ_LATER, "2026-03-08T09:30:00Z", TZ_UNIQUE },
		/* southern hemisphere: Sydney springs forward 2026-10-04 02:00 → 03:00 */
		{ "Australia/Sydney", 2026, 10, 4, 2, 30, TZ_EARLIER, "2026-10-03T16:00:00Z", TZ_GAP },
		{ "Australia/Sydney", 2026, 4, 5, 2, 30, TZ_EARLIER, "2026-04-04T15:30:00Z", TZ_AMBIGUOUS },
		{ "Australia/Sydney", 2026, 4, 5, 2, 30, TZ_LATER, "2026-04-04T16:30:00Z", TZ_AMBIGUOUS },
		/* leap day */
		{ "America/Chicago", 2028, 2, 29, 23, 0, TZ_EARLIER, "2028-03-01T05:00:00Z", TZ_UNIQUE },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		time_t out = 0;
		enum tz_kind kind = (enum tz_kind)-1;
		struct err e = { 0 };
		if (tz_utc(t[i].zone, t[i].y, t[i].mo, t[i].d, t[i].h, t[i].mi, 0, t[i].fold, &out,
			   &kind, &e) != 0)
			fail_msg("row %zu: %s", i, e.msg);
		if (out != U(t[i].utc) || kind != t[i].kind)
			fail_msg("row %zu: %s %d-%d-%d %d:%d → %lld kind %d, want %s kind %d", i, t[i].zone,
				 t[i].y, t[i].mo, t[i].d, t[i].h, t[i].mi, (long long)out, kind,
				 t[i].utc, t[i].kind);
	}
	/* invalid fields are data errors */
	static const int bad[][5] = {
		{ 2026, 2, 29, 8, 0 }, { 2026, 13, 1, 8, 0 }, { 2026, 0, 1, 8, 0 }, { 2026, 1, 1, 24, 0 },
		{ 2026, 1, 1, 8, 60 }, { 1899, 1, 1, 0, 0 }, { 10000, 1, 1, 0, 0 }, { 2026, 4, 31, 0, 0 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		time_t out = 42;
		struct err e = { 0 };
		assert_int_equal(tz_utc("America/New_York", bad[i][0], bad[i][1], bad[i][2], bad[i][3],
					bad[i][4], 0, TZ_EARLIER, &out, NULL, &e), -1);
		assert_int_equal(e.cls, ERR_DATA);
		assert_int_equal(out, 42); /* untouched on failure */
	}
}

/* Every instant of a year, sampled each 17 minutes, reads back to itself (except the
 * second pass through a repeated hour, which reads back with TZ_LATER). */
static void test_round_trip(void **state)
{
	(void)state;
	static const char *const zones[] = { "America/New_York", "America/Los_Angeles",
					     "Asia/Kolkata", "Australia/Lord_Howe", "Europe/London" };
	for (size_t z = 0; z < ARRAY_SIZE(zones); z++) {
		struct err e = { 0 };
		assert_int_equal(tz_enter(zones[z], &e), 0);
		for (time_t t = U("2026-01-01T00:00:00Z"); t < U("2027-01-01T00:00:00Z"); t += 17 * 60) {
			struct tz_tm tm;
			time_t a, b;
			enum tz_kind kind;
			assert_int_equal(tz_local(zones[z], t, &tm, &e), 0);
			assert_int_equal(tz_utc(zones[z], tm.year, tm.month, tm.day, tm.hour, tm.min,
						tm.sec, TZ_EARLIER, &a, &kind, &e), 0);
			assert_int_equal(tz_utc(zones[z], tm.year, tm.month, tm.day, tm.hour, tm.min,
						tm.sec, TZ_LATER, &b, NULL, &e), 0);
			assert_int_not_equal(kind, TZ_GAP);
			if (a != t && b != t)
				fail_msg("%s: %lld does not read back (%lld, %lld)", zones[z], (long long)t,
					 (long long)a, (long long)b);
			assert_true(kind == TZ_AMBIGUOUS || a == b);
		}
		tz_leave();
	}
}

static void test_format(void **state)
{
	(void)state;
	static const struct { const char *zone, *utc, *fmt, *hdr; } t[] = {
		{ "America/New_York", "2026-11-25T14:00:00Z", "2026-11-25 09:00 EST",
		  "Wed, 25 Nov 2026 09:00:00 -0500" },
		{ "America/New_York", "2026-07-04T14:05:09Z", "2026-07-04 10:05 EDT",
		  "Sat, 04 Jul 2026 10:05:09 -0400" },
		{ "Asia/Kolkata", "2026-01-05T03:30:00Z", "2026-01-05 09:00 IST",
		  "Mon, 05 Jan 2026 09:00:00 +0530" },
		{ "America/St_Johns", "2026-01-05T12:00:00Z", "2026-01-05 08:30 NST",
		  "Mon, 05 Jan 2026 08:30:00 -0330" },
		{ "UTC", "2026-01-05T12:00:00Z", "2026-01-05 12:00 UTC", "Mon, 05 Jan 2026 12:00:00 +0000" },
		/* a zone whose abbreviation is numeric */
		{ "America/Sao_Paulo", "2026-01-05T12:00:00Z", "2026-01-05 09:00 -03",
		  "Mon, 05 Jan 2026 09:00:00 -0300" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		char buf[64];
		struct err e = { 0 };
		assert_int_equal(tz_format(t[i].zone, U(t[i].utc), buf, sizeof buf, &e), 0);
		assert_string_equal(buf, t[i].fmt);
		assert_int_equal(tz_date_header(t[i].zone, U(t[i].utc), buf, sizeof buf, &e), 0);
		assert_string_equal(buf, t[i].hdr);
	}
	char small[8];
	struct err e = { 0 };
	assert_int_equal(tz_format("UTC", 0, small, sizeof small, &e), -1);
	assert_int_equal(e.cls, ERR_LIMIT);
	assert_int_equal(tz_date_header("UTC", 0, small, sizeof small, &e), -1);

	static const struct { long off; const char *s; } o[] = {
		{ 0, "+0000" }, { -18000, "-0500" }, { 19800, "+0530" }, { -12600, "-0330" },
		{ 45900, "+1245" }, { -36000, "-1000" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(o); i++) {
		char b[6];
		tz_format_offset(o[i].off, b);
		assert_string_equal(b, o[i].s);
	}
}

/* The process's own TZ must come back after every call and after tz_leave(). */
static void test_restore(void **state)
{
	(void)state;
	struct err e = { 0 };
	struct tz_tm tm;
	setenv("TZ", "Asia/Tokyo", 1);
	tzset();
	assert_int_equal(tz_local("America/New_York", 0, &tm, &e), 0);
	assert_string_equal(getenv("TZ"), "Asia/Tokyo");
	struct tm lt;
	time_t t = U("2026-01-01T00:00:00Z");
	localtime_r(&t, &lt);
	assert_int_equal(lt.tm_hour, 9); /* Tokyo, not New York */

	unsetenv("TZ");
	tzset();
	assert_int_equal(tz_local("America/New_York", 0, &tm, &e), 0);
	assert_null(getenv("TZ"));

	/* nesting: the inner zone wins, leaving brings back the outer one, then the original */
	setenv("TZ", "UTC", 1);
	assert_int_equal(tz_enter("America/New_York", &e), 0);
	assert_int_equal(tz_enter("America/Los_Angeles", &e), 0);
	assert_int_equal(tz_enter("America/Los_Angeles", &e), 0);
	localtime_r(&t, &lt);
	assert_int_equal(lt.tm_gmtoff, -28800);
	/* a plain call for another zone inside the scope does not disturb it */
	assert_int_equal(tz_local("Asia/Kolkata", t, &tm, &e), 0);
	assert_int_equal(tm.utc_offset, 19800);
	localtime_r(&t, &lt);
	assert_int_equal(lt.tm_gmtoff, -28800);
	tz_leave();
	tz_leave();
	localtime_r(&t, &lt);
	assert_int_equal(lt.tm_gmtoff, -18000);
	tz_leave();
	assert_string_equal(getenv("TZ"), "UTC");
	tz_leave(); /* unbalanced leave is harmless */
	assert_string_equal(getenv("TZ"), "UTC");

	/* too deep: refused, nothing entered */
	int depth = 0;
	while (tz_enter("UTC", &e) == 0)
		depth++;
	assert_int_equal(depth, 8);
	assert_int_equal(e.cls, ERR_INTERNAL);
	while (depth--)
		tz_leave();
	assert_string_equal(getenv("TZ"), "UTC");
	unsetenv("TZ");
	tzset();
}

static void test_transition(void **state)
{
	(void)state;
	struct err e = { 0 };
	time_t at = 0;
	assert_int_equal(tz_transition("America/New_York", U("2026-03-08T05:00:00Z"),
				       U("2026-03-09T05:00:00Z"), &at, &e), 1);
	assert_int_equal(at, U("2026-03-08T07:00:00Z"));
	assert_int_equal(tz_transition("America/New_York", U("2026-11-01T04:00:00Z"),
				       U("2026-11-02T05:00:00Z"), &at, &e), 1);
	assert_int_equal(at, U("2026-11-01T06:00:00Z"));
	assert_int_equal(tz_transition("America/New_York", U("2026-03-09T05:00:00Z"),
				       U("2026-03-10T05:00:00Z"), &at, &e), 0);
	assert_int_equal(tz_transition("Asia/Kolkata", U("2026-03-08T05:00:00Z"),
				       U("2026-03-09T05:00:00Z"), &at, &e), 0);
}

/* Every US state, DC and territory, and every Canadian province and territory: by code and
 * by full name, with the zone that covers most of its people; each zone must exist. */
static const struct { const char *code, *name, *zone, *country; } regions[] = {
	{ "AL", "Alabama", "America/Chicago", "US" },
	{ "AK", "Alaska", "America/Anchorage", "US" },
	{ "AZ", "Arizona", "America/Phoenix", "US" },
	{ "AR", "Arkansas", "America/Chicago", "US" },
	{ "CA", "California", "America/Los_Angeles", "US" },
	{ "CO", "Colorado", "America/Denver", "US" },
	{ "CT", "Connecticut", "America/New_York", "US" },
	{ "DE", "Delaware", "America/New_York", "US" },
	{ "DC", "District of Columbia", "America/New_York", "US" },
	{ "FL", "Florida", "America/New_York", "US" },
	{ "GA", "Georgia", "America/New_York", "US" },
	{ "HI", "Hawaii", "Pacific/Honolulu", "US" },
	{ "ID", "Idaho", "America/Boise", "US" },
	{ "IL", "Illinois", "America/Chicago", "US" },
	{ "IN", "Indiana", "America/Indiana/Indianapolis", "US" },
	{ "IA", "Iowa", "America/Chicago", "US" },
	{ "KS", "Kansas", "America/Chicago", "US" },
	{ "KY", "Kentucky", "America/New_York", "US" },
	{ "LA", "Louisiana", "America/Chicago", "US" },
	{ "ME", "Maine", "America/New_York", "US" },
	{ "MD", "Maryland", "America/New_York", "US" },
	{ "MA", "Massachusetts", "America/New_York", "US" },
	{ "MI", "Michigan", "America/Detroit", "US" },
	{ "MN", "Minnesota", "America/Chicago", "US" },
	{ "MS", "Mississippi", "America/Chicago", "US" },
	{ "MO", "Missouri", "America/Chicago", "US" },
	{ "MT", "Montana", "America/Denver", "US" },
	{ "NE", "Nebraska", "America/Chicago", "US" },
	{ "NV", "Nevada", "America/Los_Angeles", "US" },
	{ "NH", "New Hampshire", "America/New_York", "US" },
	{ "NJ", "New Jersey", "America/New_York", "US" },
	{ "NM", "New Mexico", "America/Denver", "US" },
	{ "NY", "New York", "America/New_York", "US" },
	{ "NC", "North Carolina", "America/New_York", "US" },
	{ "ND", "North Dakota", "America/Chicago", "US" },
	{ "OH", "Ohio", "America/New_York", "US" },
	{ "OK", "Oklahoma", "America/Chicago", "US" },
	{ "OR", "Oregon", "America/Los_Angeles", "US" },
	{ "PA", "Pennsylvania", "America/New_York", "US" },
	{ "RI", "Rhode Island", "America/New_York", "US" },
	{ "SC", "South Carolina", "America/New_York", "US" },
	{ "SD", "South Dakota", "America/Chicago", "US" },
	{ "TN", "Tennessee", "America/Chicago", "US" },
	{ "TX", "Texas", "America/Chicago", "US" },
	{ "UT", "Utah", "America/Denver", "US" },
	{ "VT", "Vermont", "America/New_York", "US" },
	{ "VA", "Virginia", "America/New_York", "US" },
	{ "WA", "Washington", "America/Los_Angeles", "US" },
	{ "WV", "West Virginia", "America/New_York", "US" },
	{ "WI", "Wisconsin", "America/Chicago", "US" },
	{ "WY", "Wyoming", "America/Denver", "US" },
	{ "PR", "Puerto Rico", "America/Puerto_Rico", "US" },
	{ "VI", "U.S. Virgin Islands", "America/St_Thomas", "US" },
	{ "GU", "Guam", "Pacific/Guam", "US" },
	{ "AS", "American Samoa", "Pacific/Pago_Pago", "US" },
	{ "MP", "Northern Mariana Islands", "Pacific/Saipan", "US" },
	{ "AB", "Alberta", "America/Edmonton", "CA" },
	{ "BC", "British Columbia", "America/Vancouver", "CA" },
	{ "MB", "Manitoba", "America/Winnipeg", "CA" },
	{ "NB", "New Brunswick", "America/Moncton", "CA" },
	{ "NL", "Newfoundland and Labrador", "America/St_Johns", "CA" },
	{ "NS", "Nova Scotia", "America/Halifax", "CA" },
	{ "NT", "Northwest Territories", "America/Edmonton", "CA" },
	{ "NU", "Nunavut", "America/Iqaluit", "CA" },
	{ "ON", "Ontario", "America/Toronto", "CA" },
	{ "PE", "Prince Edward Island", "America/Halifax", "CA" },
	{ "QC", "Quebec", "America/Toronto", "CA" },
	{ "SK", "Saskatchewan", "America/Regina", "CA" },
	{ "YT", "Yukon", "America/Whitehorse", "CA" },
};

static void upper(const char *in, char *out, size_t n)
{
	size_t i = 0;
	for (; in[i] && i + 1 < n; i++)
		out[i] = (char)(in[i] >= 'a' && in[i] <= 'z' ? in[i] - 32 : in[i]);
	out[i] = '\0';
}

static void lower(const char *in, char *out, size_t n)
{
	size_t i = 0;
	for (; in[i] && i + 1 < n; i++)
		out[i] = (char)(in[i] >= 'A' && in[i] <= 'Z' ? in[i] + 32 : in[i]);
	out[i] = '\0';
}

static void test_regions_table(void **state)
{
	(void)state;
	assert_int_equal(ARRAY_SIZE(regions), 50 + 1 + 5 + 13);
	for (size_t i = 0; i < ARRAY_SIZE(regions); i++) {
		const char *z = regions[i].zone, *cc = regions[i].country;
		char buf[96], low[64];
		if (!tz_valid(z))
			fail_msg("%s: zone %s is not in zoneinfo", regions[i].code, z);
		const char *forms[6];
		lower(regions[i].code, low, sizeof low);
		forms[0] = regions[i].code;
		forms[1] = low;
		forms[2] = regions[i].name;
		upper(regions[i].name, buf, sizeof buf);
		forms[3] = buf;
		char spaced[96];
		snprintf(spaced, sizeof spaced, "  %s \t", regions[i].name);
		forms[4] = spaced;
		char lowname[64];
		lower(regions[i].name, lowname, sizeof lowname);
		forms[5] = lowname;
		for (size_t f = 0; f < ARRAY_SIZE(forms); f++) {
			const char *got = tz_region_zone(forms[f], NULL);
			if (!got || strcmp(got, z) != 0)
				fail_msg("'%s' → %s, want %s", forms[f], got ? got : "(none)", z);
			got = tz_region_zone(forms[f], cc);
			if (!got || strcmp(got, z) != 0)
				fail_msg("'%s' in %s → %s, want %s", forms[f], cc, got ? got : "(none)", z);
			/* the other country never claims it */
			assert_null(tz_region_zone(forms[f], strcmp(cc, "US") == 0 ? "Canada" : "USA"));
			assert_string_equal(tz_region_country(forms[f]), cc);
		}
	}
}

static void test_regions_variants(void **state)
{
	(void)state;
	static const struct { const char *region, *country, *zone; } t[] = {
		{ "NY", NULL, "America/New_York" }, { "new york", "", "America/New_York" },
		{ " New York ", "United States", "America/New_York" },
		{ "N.Y.", "U.S.A.", "America/New_York" }, { "new   york", "us", "America/New_York" },
		{ "D.C.", NULL, "America/New_York" }, { "D. C.", NULL, "America/New_York" },
		{ "District of Columbia", "USA", "America/New_York" },
		{ "Washington, D.C.", NULL, "America/New_York" },
		{ "Washington DC", NULL, "America/New_York" },
		{ "Washington", NULL, "America/Los_Angeles" },
		{ "Washington State", NULL, "America/Los_Angeles" },
		{ "PR", NULL, "America/Puerto_Rico" }, { "puerto rico", "US", "America/Puerto_Rico" },
		{ "USVI", NULL, "America/St_Thomas" }, { "Virgin Islands", NULL, "America/St_Thomas" },
		{ "CNMI", NULL, "Pacific/Saipan" },
		{ "Ontario", "Canada", "America/Toronto" }, { "ON", "CA", "America/Toronto" },
		{ "BC", "CAN", "America/Vancouver" }, { "Qu\xc3\xa9" "bec", NULL, "America/Toronto" },
		{ "QU\xc3\x89" "BEC", "canada", "America/Toronto" }, { "PQ", NULL, "America/Toronto" },
		{ "Newfoundland & Labrador", NULL, "America/St_Johns" },
		{ "Newfoundland-and-Labrador", NULL, "America/St_Johns" },
		{ "Newfoundland", NULL, "America/St_Johns" }, { "PEI", NULL, "America/Halifax" },
		{ "Yukon Territory", NULL, "America/Whitehorse" },
		{ "CA", "United States of America", "America/Los_Angeles" },
		{ "ca", NULL, "America/Los_Angeles" },
		/* a country that is not the US or Canada: WA could be Western Australia */
		{ "WA", "Australia", NULL }, { "TX", "India", NULL },
		/* the wrong country for the region */
		{ "ON", "USA", NULL }, { "TX", "Canada", NULL }, { "CA", "CA", NULL },
		/* not a region */
		{ "Bavaria", NULL, NULL }, { "", NULL, NULL }, { "   ", NULL, NULL }, { NULL, NULL, NULL },
		{ "N", NULL, NULL }, { "NYC", NULL, NULL }, { "New", NULL, NULL },
		{ "New York City", NULL, NULL }, { "XX", NULL, NULL },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL, NULL },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		const char *got = tz_region_zone(t[i].region, t[i].country);
		if (t[i].zone ? (!got || strcmp(got, t[i].zone) != 0) : got != NULL)
			fail_msg("row %zu '%s' (%s) → %s, want %s", i, t[i].region ? t[i].region : "(null)",
				 t[i].country ? t[i].country : "-", got ? got : "(none)",
				 t[i].zone ? t[i].zone : "(none)");
	}
}

static void test_resolve(void **state)
{
	(void)state;
	static const struct {
		const char *tz, *state, *country, *account;
		const char *zone;
		enum tz_rule rule;
		const char *why; /* substring */
	} t[] = {
		{ "America/Denver", "NY", "US", "Asia/Kolkata", "America/Denver", TZ_RULE_CONTACT, "timezone column" },
		{ " America/Denver ", NULL, NULL, "Asia/Kolkata", "America/Denver", TZ_RULE_CONTACT, "timezone" },
		{ "EST", "CA", NULL, "Asia/Kolkata", "America/New_York", TZ_RULE_CONTACT, "read as America/New_York" },
		{ "Pacific", NULL, NULL, "Asia/Kolkata", "America/Los_Angeles", TZ_RULE_CONTACT, "Pacific" },
		{ "central", NULL, NULL, "UTC", "America/Chicago", TZ_RULE_CONTACT, "central" },
		{ "", "TX", "", "Asia/Kolkata", "America/Chicago", TZ_RULE_STATE, "state 'TX'" },
		{ NULL, " new york ", "USA", "Asia/Kolkata", "America/New_York", TZ_RULE_STATE, "state" },
		{ NULL, "ON", "Canada", "Asia/Kolkata", "America/Toronto", TZ_RULE_STATE, "state 'ON'" },
		{ NULL, NULL, "Puerto Rico", "Asia/Kolkata", "America/Puerto_Rico", TZ_RULE_STATE, "country" },
		{ NULL, "Bavaria", "Germany", "Asia/Kolkata", "Asia/Kolkata", TZ_RULE_ACCOUNT, "not the US or Canada" },
		{ NULL, "Bavaria", NULL, "Asia/Kolkata", "Asia/Kolkata", TZ_RULE_ACCOUNT, "'Bavaria' not recognised" },
		{ NULL, "ON", "USA", "Asia/Kolkata", "Asia/Kolkata", TZ_RULE_ACCOUNT, "another country" },
		{ NULL, NULL, NULL, "Asia/Kolkata", "Asia/Kolkata", TZ_RULE_ACCOUNT, "no timezone or state" },
		{ "  ", "  ", "US", "Europe/Berlin", "Europe/Berlin", TZ_RULE_ACCOUNT, "no timezone or state" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct tz_choice c;
		struct err e = { 0 };
		if (tz_resolve(t[i].tz, t[i].state, t[i].country, t[i].account, &c, &e) != 0)
			fail_msg("row %zu: %s", i, e.msg);
		assert_string_equal(c.zone, t[i].zone);
		assert_int_equal(c.rule, t[i].rule);
		if (!strstr(c.why, t[i].why))
			fail_msg("row %zu: why '%s' lacks '%s'", i, c.why, t[i].why);
	}
	assert_string_equal(tz_rule_name(TZ_RULE_CONTACT), "contact");
	assert_string_equal(tz_rule_name(TZ_RULE_STATE), "state");
	assert_string_equal(tz_rule_name(TZ_RULE_ACCOUNT), "account");

	struct tz_choice c = { .zone = "untouched" };
	struct err e = { 0 };
	assert_int_equal(tz_resolve("America/New_Yrok", "NY", NULL, "UTC", &c, &e), -1);
	assert_int_equal(e.cls, ERR_DATA);
	assert_non_null(strstr(e.msg, "America/New_Yrok"));
	assert_string_equal(c.zone, "untouched");
	assert_int_equal(tz_resolve("../../etc/passwd", NULL, NULL, "UTC", &c, &e), -1);
	assert_int_equal(e.cls, ERR_DATA);
	/* a long value must not be truncated into a valid name */
	char longz[300];
	memset(longz, ' ', sizeof longz);
	memcpy(longz, "America/New_York", 16);
	longz[sizeof longz - 2] = 'x';
	longz[sizeof longz - 1] = '\0';
	assert_int_equal(tz_resolve(longz, NULL, NULL, "UTC", &c, &e), -1);
	assert_int_equal(tz_resolve(NULL, "TX", NULL, "Mars/Base", &c, &e), -1);
	assert_int_equal(e.cls, ERR_CONFIG);
	assert_int_equal(tz_resolve(NULL, "TX", NULL, NULL, &c, &e), -1);
	assert_int_equal(e.cls, ERR_CONFIG);
	/* control characters in the echoed name are neutralised */
	assert_int_equal(tz_resolve("Bad\x1b[31mZone", NULL, NULL, "UTC", &c, &e), -1);
	assert_null(strchr(e.msg, '\x1b'));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_names),
		cmocka_unit_test(test_local),
		cmocka_unit_test(test_utc_dst),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_restore),
		cmocka_unit_test(test_transition),
		cmocka_unit_test(test_regions_table),
		cmocka_unit_test(test_regions_variants),
		cmocka_unit_test(test_resolve),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
