/* Fuzz target: the sending-window, duration, gap, rate and date parsers, and region names. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal.h"
#include "err.h"
#include "tz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Invariants, not just "does not crash": a parse that succeeds formats to canonical text
 * that parses back to the same value; a parsed window opens within the search horizon. */
#define CHECK(c) do { if (!(c)) { fprintf(stderr, "check failed: %s (line %d)\n", #c, __LINE__); abort(); } } while (0)

static const char *const zones[] = { "America/New_York", "America/Los_Angeles", "Asia/Kolkata",
				     "Australia/Lord_Howe", "America/Havana" };

static void window(const char *s, uint32_t h)
{
	struct cal_window w, w2;
	struct err e = { 0 };
	if (cal_window_parse(s, &w, &e) != 0) {
		CHECK(e.msg[0] && (e.cls == ERR_CONFIG || e.cls == ERR_LIMIT));
		return;
	}
	char buf[4096];
	CHECK(cal_window_format(&w, buf, sizeof buf, &e) == 0);
	CHECK(cal_window_parse(buf, &w2, &e) == 0);
	CHECK(cal_window_equal(&w, &w2));
	/* some instant in 2026, including the DST change days */
	time_t t = 1767225600 + (time_t)(h % (366u * 86400u));
	const char *zone = zones[(h >> 8) % 5];
	unsigned flags = (h >> 16) & 1 ? CAL_SKIP_HOLIDAYS : 0;
	bool open, o2;
	time_t no, nc;
	CHECK(cal_window_is_open(&w, zone, flags, t, &open, &e) == 0);
	CHECK(cal_window_next_open(&w, zone, flags, t, &no, &e) == 0);
	CHECK(cal_window_next_close(&w, zone, flags, t, &nc, &e) == 0);
	CHECK(no >= t && nc >= t);
	CHECK((no == t) == open);
	CHECK((nc == t) == !open);
	CHECK(cal_window_is_open(&w, zone, flags, no, &o2, &e) == 0 && o2);
	if (no > t)
		CHECK(cal_window_is_open(&w, zone, flags, no - 1, &o2, &e) == 0 && !o2);
}

static void duration(const char *s, uint32_t h)
{
	struct cal_duration d, d2;
	struct err e = { 0 };
	if (cal_duration_parse(s, &d, &e) != 0) {
		CHECK(e.msg[0]);
		return;
	}
	char buf[64];
	CHECK(cal_duration_format(&d, buf, sizeof buf, &e) == 0);
	CHECK(cal_duration_parse(buf, &d2, &e) == 0);
	CHECK(d.n == d2.n && d.unit == d2.unit);
	time_t t = 1767225600 + (time_t)(h % (366u * 86400u)), out;
	CHECK(cal_duration_apply(&d, t, zones[h % 5], CAL_SKIP_HOLIDAYS, &out, &e) == 0);
	CHECK(out >= t - 3600); /* a wall-time day can be an hour short of 24 h, never negative */
}

static void gap(const char *s, uint32_t h)
{
	struct cal_gap g, g2;
	struct err e = { 0 };
	if (cal_gap_parse(s, &g, &e) != 0) {
		CHECK(e.msg[0]);
		return;
	}
	CHECK(g.min >= 0 && g.min <= g.max && g.max <= 86400);
	char buf[64];
	CHECK(cal_gap_format(&g, buf, sizeof buf, &e) == 0);
	CHECK(cal_gap_parse(buf, &g2, &e) == 0);
	CHECK(g.min == g2.min && g.max == g2.max);
	long v = cal_gap_pick(&g, (double)h / 4294967296.0);
	CHECK(v >= g.min && v <= g.max);
}

static void rate(const char *s)
{
	struct cal_rate r, r2;
	struct err e = { 0 };
	if (cal_rate_parse(s, &r, &e) != 0) {
		CHECK(e.msg[0]);
		return;
	}
	char buf[64];
	CHECK(cal_rate_format(&r, buf, sizeof buf, &e) == 0);
	CHECK(cal_rate_parse(buf, &r2, &e) == 0);
	CHECK(r.count == r2.count && r.per == r2.per);
	CHECK(r.count == 0 || (r.per >= 1 && r.per <= 604800));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 2 * CAL_SPEC_MAX)
		return 0;
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	uint32_t h = 2166136261u; /* FNV-1a: a stable instant and zone per input */
	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 16777619u;

	window(s, h);
	duration(s, h);
	gap(s, h);
	rate(s);

	struct cal_date d;
	struct err e = { 0 };
	if (cal_date_parse(s, &d, &e) == 0)
		CHECK(cal_date_valid(d));
	const char *z = tz_region_zone(s, NULL);
	if (z)
		CHECK(tz_valid(z));
	(void)tz_region_country(s);
	free(s);
	return 0;
}
