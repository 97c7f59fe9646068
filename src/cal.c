/* cal: calendar — US federal holidays, business days, sending windows, duration and pacing specs. */
#include "cal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "tz.h"
#include "util.h"

_Static_assert(sizeof(time_t) == 8, "CAL_FOREVER needs a 64-bit time_t");

/* How far the window searches go: a window that cannot open in this many days is broken. */
#define SEARCH_DAYS 400
#define MAX_DAYS 3650L

/* ------------------------------------------------------------------ dates */

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && is_leap(y) ? 29 : d[m - 1];
}

bool cal_date_valid(struct cal_date d)
{
	return d.year >= 1 && d.year <= 9999 && d.month >= 1 && d.month <= 12 && d.day >= 1 &&
	       d.day <= days_in_month(d.year, d.month);
}

/* Howard Hinnant's days_from_civil / civil_from_days: exact for the proleptic calendar. */
long cal_days_from_civil(struct cal_date d)
{
	long y = d.month <= 2 ? d.year - 1 : d.year;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long mp = (d.month + 9) % 12;
	long doy = (153 * mp + 2) / 5 + d.day - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

struct cal_date cal_civil_from_days(long z)
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long y = yoe + era * 400;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	long dd = doy - (153 * mp + 2) / 5 + 1;
	long m = mp < 10 ? mp + 3 : mp - 9;
	struct cal_date r = { (int)(m <= 2 ? y + 1 : y), (int)m, (int)dd };
	return r;
}

int cal_weekday(struct cal_date d)
{
	long r = (cal_days_from_civil(d) + 4) % 7; /* 1970-01-01 was a Thursday */
	return (int)(r < 0 ? r + 7 : r);
}

struct cal_date cal_date_add(struct cal_date d, long days)
{
	return cal_civil_from_days(cal_days_from_civil(d) + days);
}

int cal_date_cmp(struct cal_date a, struct cal_date b)
{
	if (a.year != b.year)
		return a.year < b.year ? -1 : 1;
	if (a.month != b.month)
		return a.month < b.month ? -1 : 1;
	if (a.day != b.day)
		return a.day < b.day ? -1 : 1;
	return 0;
}

static bool digits(const char *p, int n)
{
	for (int i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return true;
}

static int num(const char *p, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++)
		v = v * 10 + (p[i] - '0');
	return v;
}

int cal_date_parse(const char *s, struct cal_date *out, struct err *e)
{
	char q[64];
	const char *p = s ? s : "";
	while (*p == ' ' || *p == '\t')
		p++;
	size_t n = strlen(p);
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n != 10 || !digits(p, 4) || p[4] != '-' || !digits(p + 5, 2) || p[7] != '-' ||
	    !digits(p + 8, 2)) {
		size_t i = 0;
		for (; s && s[i] && i < 40; i++)
			q[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
		q[i] = '\0';
		return err_set(e, ERR_DATA, 0, "invalid date '%s': expected YYYY-MM-DD", q);
	}
	struct cal_date d = { num(p, 4), num(p + 5, 2), num(p + 8, 2) };
	if (!cal_date_valid(d))
		return err_set(e, ERR_DATA, 0, "invalid date '%.10s': no such day", p);
	*out = d;
	return 0;
}

void cal_date_format(struct cal_date d, char buf[static 11])
{
	int v[3] = { d.year, d.month, d.day }, w[3] = { 4, 2, 2 };
	char *o = buf;
	for (int i = 0; i < 3; i++) {
		int x = v[i] < 0 ? 0 : v[i];
		for (int k = w[i] - 1; k >= 0; k--, x /= 10)
			o[k] = (char)('0' + x % 10);
		o += w[i];
		if (i < 2)
			*o++ = '-';
	}
	*o = '\0';
}

int cal_local_date(time_t t, const char *zone, struct cal_date *out, struct err *e)
{
	struct tz_tm tm;
	if (tz_local(zone, t, &tm, e) < 0)
		return -1;
	out->year = tm.year;
	out->month = tm.month;
	out->day = tm.day;
	return 0;
}

int cal_day_start(struct cal_date d, const char *zone, time_t *out, struct err *e)
{
	return tz_utc(zone, d.year, d.month, d.day, 0, 0, 0, TZ_EARLIER, out, NULL, e);
}

/* ------------------------------------------------------------------ holidays */

const char *cal_holiday_name(enum cal_holiday h)
{
	/* The names OPM uses on its federal holiday pages. */
	static const char *const names[] = {
		[CAL_HOLIDAY_NONE] = "",
		[CAL_NEW_YEAR] = "New Year's Day",
		[CAL_MLK] = "Birthday of Martin Luther King, Jr.",
		[CAL_WASHINGTON] = "Washington's Birthday",
		[CAL_MEMORIAL] = "Memorial Day",
		[CAL_JUNETEENTH] = "Juneteenth National Independence Day",
		[CAL_INDEPENDENCE] = "Independence Day",
		[CAL_LABOR] = "Labor Day",
		[CAL_COLUMBUS] = "Columbus Day",
		[CAL_VETERANS] = "Veterans Day",
		[CAL_THANKSGIVING] = "Thanksgiving Day",
		[CAL_CHRISTMAS] = "Christmas Day",
	};
	if ((unsigned)h < ARRAY_SIZE(names))
		return names[h];
	return "";
}

/* The n-th (1-based) weekday `wd` of a month. */
static struct cal_date nth_weekday(int y, int m, int wd, int n)
{
	struct cal_date first = { y, m, 1 };
	int day = 1 + (wd - cal_weekday(first) + 7) % 7 + 7 * (n - 1);
	struct cal_date r = { y, m, day };
	return r;
}

static struct cal_date last_weekday(int y, int m, int wd)
{
	struct cal_date last = { y, m, days_in_month(y, m) };
	last.day -= (cal_weekday(last) - wd + 7) % 7;
	return last;
}

/* 5 U.S.C. 6103(b) and Executive Order 11582: Saturday → Friday, Sunday → Monday. */
static struct cal_date observed(struct cal_date d)
{
	int wd = cal_weekday(d);
	return wd == 6 ? cal_date_add(d, -1) : wd == 0 ? cal_date_add(d, 1) : d;
}

/* The legal dates of `year`'s holidays, in calendar order; returns the count. */
static int actual_holidays(int y, struct cal_holiday_day *out)
{
	int n = 0;
#define ADD(w, dt) do { out[n].which = (w); out[n].actual = (dt); out[n].observed = observed(dt); n++; } while (0)
	ADD(CAL_NEW_YEAR, ((struct cal_date){ y, 1, 1 }));
	if (y >= 1986)
		ADD(CAL_MLK, nth_weekday(y, 1, 1, 3));
	ADD(CAL_WASHINGTON, nth_weekday(y, 2, 1, 3));
	ADD(CAL_MEMORIAL, last_weekday(y, 5, 1));
	if (y >= 2021)
		ADD(CAL_JUNETEENTH, ((struct cal_date){ y, 6, 19 }));
	ADD(CAL_INDEPENDENCE, ((struct cal_date){ y, 7, 4 }));
	ADD(CAL_LABOR, nth_weekday(y, 9, 1, 1));
	if (y >= 1971 && y <= 1977) {
		ADD(CAL_COLUMBUS, nth_weekday(y, 10, 1, 2));
		ADD(CAL_VETERANS, nth_weekday(y, 10, 1, 4));
	} else {
		ADD(CAL_COLUMBUS, nth_weekday(y, 10, 1, 2));
		ADD(CAL_VETERANS, ((struct cal_date){ y, 11, 11 }));
	}
	ADD(CAL_THANKSGIVING, nth_weekday(y, 11, 4, 4));
	ADD(CAL_CHRISTMAS, ((struct cal_date){ y, 12, 25 }));
#undef ADD
	return n;
}

int cal_holidays(int year, struct cal_holiday_day out[static CAL_HOLIDAYS_MAX])
{
	if (year < 1971 || year > 9998)
		return -1;
	struct cal_holiday_day all[CAL_HOLIDAYS_MAX];
	int n = actual_holidays(year, all), k = 0;
	for (int i = 0; i < n; i++)
		if (all[i].observed.year == year)
			out[k++] = all[i];
	/* January 1 of next year on a Saturday is a day off on December 31 of this one. */
	struct cal_holiday_day next[CAL_HOLIDAYS_MAX];
	actual_holidays(year + 1, next);
	if (next[0].observed.year == year)
		out[k++] = next[0];
	return k;
}

enum cal_holiday cal_holiday_on(struct cal_date d)
{
	/* Cache one year: business-day and window loops ask about consecutive dates. */
	static int cached_year = -1, cached_n;
	static struct cal_holiday_day cached[CAL_HOLIDAYS_MAX];
	if (d.year != cached_year) {
		int n = cal_holidays(d.year, cached);
		if (n < 0)
			return CAL_HOLIDAY_NONE;
		cached_year = d.year;
		cached_n = n;
	}
	for (int i = 0; i < cached_n; i++)
		if (cal_date_cmp(cached[i].observed, d) == 0)
			return cached[i].which;
	return CAL_HOLIDAY_NONE;
}

/* ------------------------------------------------------------------ business days */

bool cal_is_business_day(struct cal_date d, unsigned flags)
{
	int wd = cal_weekday(d);
	if (wd == 0 || wd == 6)
		return false;
	return !(flags & CAL_SKIP_HOLIDAYS) || cal_holiday_on(d) == CAL_HOLIDAY_NONE;
}

struct cal_date cal_next_business_day(struct cal_date d, unsigned flags)
{
	do
		d = cal_date_add(d, 1);
	while (!cal_is_business_day(d, flags));
	return d;
}

struct cal_date cal_business_day_on_or_after(struct cal_date d, unsigned flags)
{
	return cal_is_business_day(d, flags) ? d : cal_next_business_day(d, flags);
}

struct cal_date cal_add_business_days_date(struct cal_date d, long n, unsigned flags)
{
	for (long i = 0; i < n; i++)
		d = cal_next_business_day(d, flags);
	return d;
}

int cal_add_business_days(time_t t, const char *zone, long n, unsigned flags, time_t *out,
			  struct err *e)
{
	if (n < 0 || n > MAX_DAYS)
		return err_set(e, ERR_DATA, 0, "business days %ld out of range 0..%ld", n, MAX_DAYS);
	struct tz_tm tm;
	if (tz_local(zone, t, &tm, e) < 0)
		return -1;
	struct cal_date d = { tm.year, tm.month, tm.day };
	d = cal_add_business_days_date(d, n, flags);
	return tz_utc(zone, d.year, d.month, d.day, tm.hour, tm.min, tm.sec > 59 ? 59 : tm.sec,
		      TZ_EARLIER, out, NULL, e);
}

/* ------------------------------------------------------------------ spec parsing */

struct cur {
	const char *spec; /* the whole spec, for messages */
	const char *p;
	const char *what; /* "window", "duration", ... */
};

static void skip_ws(struct cur *c)
{
	while (*c->p == ' ' || *c->p == '\t')
		c->p++;
}

static int fail(const struct cur *c, struct err *e, const char *expected)
{
	char spec[96], at[48];
	size_t i;
	for (i = 0; c->spec[i] && i < 80; i++)
		spec[i] = (c->spec[i] >= 0x20 && c->spec[i] < 0x7f) ? c->spec[i] : '?';
	if (c->spec[i])
		memcpy(spec + i, "...", 3), i += 3;
	spec[i] = '\0';
	for (i = 0; c->p[i] && i < 32; i++)
		at[i] = (c->p[i] >= 0x20 && c->p[i] < 0x7f) ? c->p[i] : '?';
	if (c->p[i])
		memcpy(at + i, "...", 3), i += 3;
	at[i] = '\0';
	if (*c->p)
		return err_set(e, ERR_CONFIG, 0, "invalid %s '%s': at '%s': expected %s", c->what,
			       spec, at, expected);
	return err_set(e, ERR_CONFIG, 0, "invalid %s '%s': at the end: expected %s", c->what,
		       spec, expected);
}

static int start(struct cur *c, const char *s, const char *what, struct err *e)
{
	c->spec = s ? s : "";
	c->p = c->spec;
	c->what = what;
	if (strlen(c->spec) > CAL_SPEC_MAX)
		return err_set(e, ERR_LIMIT, 0, "%s longer than %d bytes", what, CAL_SPEC_MAX);
	skip_ws(c);
	return 0;
}

static bool is_alpha(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* Read a run of letters (lower-cased) without consuming it; returns its length (0 if none
 * or longer than the buffer). */
static size_t peek_word(const struct cur *c, char *w, size_t size)
{
	size_t n = 0;
	while (is_alpha(c->p[n])) {
		if (n + 1 >= size)
			return 0;
		char ch = c->p[n];
		w[n++] = (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
	}
	w[n] = '\0';
	return n;
}

/* Up to 9 digits (so no overflow). */
static bool number(struct cur *c, long *v)
{
	size_t n = 0;
	long x = 0;
	while (is_digit(c->p[n])) {
		if (n == 9)
			return false;
		x = x * 10 + (c->p[n] - '0');
		n++;
	}
	if (n == 0)
		return false;
	c->p += n;
	*v = x;
	return true;
}

static bool at_end(struct cur *c)
{
	skip_ws(c);
	return *c->p == '\0';
}

enum ukind { U_SEC, U_DAY, U_BDAY, U_WEEK };

static const struct unit {
	const char *name;
	enum ukind kind;
	long seconds; /* for U_SEC */
} units[] = {
	{ "s", U_SEC, 1 }, { "sec", U_SEC, 1 }, { "secs", U_SEC, 1 }, { "second", U_SEC, 1 },
	{ "seconds", U_SEC, 1 },
	{ "m", U_SEC, 60 }, { "min", U_SEC, 60 }, { "mins", U_SEC, 60 }, { "minute", U_SEC, 60 },
	{ "minutes", U_SEC, 60 },
	{ "h", U_SEC, 3600 }, { "hr", U_SEC, 3600 }, { "hrs", U_SEC, 3600 },
	{ "hour", U_SEC, 3600 }, { "hours", U_SEC, 3600 },
	{ "d", U_DAY, 0 }, { "day", U_DAY, 0 }, { "days", U_DAY, 0 },
	{ "bd", U_BDAY, 0 }, { "bday", U_BDAY, 0 }, { "bdays", U_BDAY, 0 },
	{ "workday", U_BDAY, 0 }, { "workdays", U_BDAY, 0 },
	{ "w", U_WEEK, 0 }, { "wk", U_WEEK, 0 }, { "wks", U_WEEK, 0 }, { "week", U_WEEK, 0 },
	{ "weeks", U_WEEK, 0 },
};

/* Parse a unit word (including "business day(s)" / "working day(s)") at the cursor. */
static const struct unit *unit(struct cur *c)
{
	char w[16];
	size_t n = peek_word(c, w, sizeof w);
	if (!n)
		return NULL;
	if (str_eq(w, "business") || str_eq(w, "working")) {
		struct cur t = *c;
		t.p += n;
		skip_ws(&t);
		char w2[8];
		size_t n2 = peek_word(&t, w2, sizeof w2);
		if (!n2 || (!str_eq(w2, "day") && !str_eq(w2, "days")))
			return NULL;
		c->p = t.p + n2;
		for (size_t i = 0; i < ARRAY_SIZE(units); i++)
			if (units[i].kind == U_BDAY)
				return &units[i];
	}
	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (str_eq(w, units[i].name)) {
			c->p += n;
			return &units[i];
		}
	return NULL;
}

static bool word_is(struct cur *c, const char *word)
{
	char w[16];
	size_t n = peek_word(c, w, sizeof w);
	if (!n || !str_eq(w, word))
		return false;
	c->p += n;
	return true;
}

/* ------------------------------------------------------------------ durations */

int cal_duration_parse(const char *s, struct cal_duration *out, struct err *e)
{
	static const char expect_unit[] = "a unit (s, m, h, days, business days, weeks)";
	struct cur c;
	if (start(&c, s, "duration", e) < 0)
		return -1;
	long n;
	if (!number(&c, &n))
		return fail(&c, e, "a whole number of at most 9 digits (e.g. '7 business days')");
	skip_ws(&c);
	const char *before = c.p;
	const struct unit *u = unit(&c);
	if (!u) {
		c.p = before;
		return fail(&c, e, expect_unit);
	}
	if (!at_end(&c))
		return fail(&c, e, "the end after the unit");
	struct cal_duration d = { n, CAL_SECONDS };
	long limit = MAX_DAYS;
	switch (u->kind) {
	case U_SEC:
		limit = MAX_DAYS * 86400 / u->seconds;
		d.n = n * u->seconds;
		break;
	case U_DAY: d.unit = CAL_DAYS; break;
	case U_BDAY: d.unit = CAL_BUSINESS_DAYS; break;
	case U_WEEK: d.unit = CAL_WEEKS; limit = MAX_DAYS / 7; break;
	}
	if (n > limit)
		return err_set(e, ERR_CONFIG, 0, "invalid duration '%.80s': at most %ld %s",
			       c.spec, limit, u->name);
	*out = d;
	return 0;
}

/* Append to buf, failing when it would not fit. */
static int app(char *buf, size_t size, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int app(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	if (*len >= size)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size - *len)
		return -1;
	*len += (size_t)n;
	return 0;
}

static int too_small(struct err *e, const char *what, size_t size)
{
	return err_set(e, ERR_LIMIT, 0, "%s does not fit in %zu bytes", what, size);
}

int cal_duration_format(const struct cal_duration *d, char *buf, size_t size, struct err *e)
{
	size_t len = 0;
	int rc;
	const char *plural = d->n == 1 ? "" : "s";
	switch (d->unit) {
	case CAL_SECONDS:
		if (d->n % 3600 == 0 && d->n)
			rc = app(buf, size, &len, "%ld hour%s", d->n / 3600, d->n == 3600 ? "" : "s");
		else if (d->n % 60 == 0 && d->n)
			rc = app(buf, size, &len, "%ld minute%s", d->n / 60, d->n == 60 ? "" : "s");
		else
			rc = app(buf, size, &len, "%ld second%s", d->n, plural);
		break;
	case CAL_DAYS: rc = app(buf, size, &len, "%ld day%s", d->n, plural); break;
	case CAL_BUSINESS_DAYS: rc = app(buf, size, &len, "%ld business day%s", d->n, plural); break;
	case CAL_WEEKS: rc = app(buf, size, &len, "%ld week%s", d->n, plural); break;
	default: return err_set(e, ERR_INTERNAL, 0, "unknown duration unit %d", (int)d->unit);
	}
	return rc < 0 ? too_small(e, "duration", size) : 0;
}

int cal_duration_apply(const struct cal_duration *d, time_t t, const char *zone,
		       unsigned flags, time_t *out, struct err *e)
{
	if (d->n < 0)
		return err_set(e, ERR_DATA, 0, "negative duration");
	long days;
	switch (d->unit) {
	case CAL_SECONDS:
		if (d->n > MAX_DAYS * 86400)
			return err_set(e, ERR_DATA, 0, "duration out of range");
		*out = t + d->n;
		return 0;
	case CAL_BUSINESS_DAYS:
		return cal_add_business_days(t, zone, d->n, flags, out, e);
	case CAL_DAYS: days = d->n; break;
	case CAL_WEEKS: days = d->n > MAX_DAYS / 7 ? MAX_DAYS + 1 : d->n * 7; break;
	default: return err_set(e, ERR_INTERNAL, 0, "unknown duration unit %d", (int)d->unit);
	}
	if (days > MAX_DAYS)
		return err_set(e, ERR_DATA, 0, "duration out of range");
	/* Calendar days keep the wall time: 7 days after 10:00 EST is 10:00 EDT, not 11:00. */
	struct tz_tm tm;
	if (tz_local(zone, t, &tm, e) < 0)
		return -1;
	struct cal_date dt = cal_date_add((struct cal_date){ tm.year, tm.month, tm.day }, days);
	return tz_utc(zone, dt.year, dt.month, dt.day, tm.hour, tm.min, tm.sec > 59 ? 59 : tm.sec,
		      TZ_EARLIER, out, NULL, e);
}

/* ------------------------------------------------------------------ gaps and rates */

/* SPAN = NUMBER [UNIT in s/m/h]; no unit means seconds. */
static int span(struct cur *c, long *secs, struct err *e)
{
	long n;
	if (!number(c, &n))
		return fail(c, e, "a number of seconds, minutes or hours (e.g. '45s', '2m')");
	skip_ws(c);
	long mult = 1;
	if (is_alpha(*c->p)) {
		const char *before = c->p;
		const struct unit *u = unit(c);
		if (!u || u->kind != U_SEC) {
			c->p = before;
			return fail(c, e, "a unit: s, m or h");
		}
		mult = u->seconds;
	}
	if (n > 86400 / mult) {
		c->p = c->spec; /* quote the whole spec */
		return fail(c, e, "at most 24 hours");
	}
	*secs = n * mult;
	return 0;
}

int cal_gap_parse(const char *s, struct cal_gap *out, struct err *e)
{
	struct cur c;
	if (start(&c, s, "gap", e) < 0)
		return -1;
	if (word_is(&c, "none")) {
		if (!at_end(&c))
			return fail(&c, e, "the end after 'none'");
		out->min = out->max = 0;
		return 0;
	}
	struct cal_gap g;
	if (span(&c, &g.min, e) < 0)
		return -1;
	skip_ws(&c);
	g.max = g.min;
	if (c.p[0] == '.' && c.p[1] == '.') {
		c.p += 2;
		skip_ws(&c);
		if (span(&c, &g.max, e) < 0)
			return -1;
	}
	if (!at_end(&c))
		return fail(&c, e, "'..' and a maximum (e.g. '45s..120s'), or the end");
	if (g.max < g.min)
		return err_set(e, ERR_CONFIG, 0, "invalid gap '%.80s': the maximum (%lds) is below "
			       "the minimum (%lds)", c.spec, g.max, g.min);
	*out = g;
	return 0;
}

static int fmt_secs(char *buf, size_t size, size_t *len, long s)
{
	if (s && s % 3600 == 0)
		return app(buf, size, len, "%ldh", s / 3600);
	if (s && s % 60 == 0)
		return app(buf, size, len, "%ldm", s / 60);
	return app(buf, size, len, "%lds", s);
}

int cal_gap_format(const struct cal_gap *g, char *buf, size_t size, struct err *e)
{
	size_t len = 0;
	int rc;
	if (g->min == 0 && g->max == 0)
		rc = app(buf, size, &len, "none");
	else if (g->min == g->max)
		rc = fmt_secs(buf, size, &len, g->min);
	else
		rc = (fmt_secs(buf, size, &len, g->min) < 0 || app(buf, size, &len, "..") < 0 ||
		      fmt_secs(buf, size, &len, g->max) < 0) ? -1 : 0;
	return rc < 0 ? too_small(e, "gap", size) : 0;
}

long cal_gap_pick(const struct cal_gap *g, double u)
{
	if (g->max <= g->min)
		return g->min;
	if (!(u >= 0)) /* also NaN */
		u = 0;
	if (u >= 1)
		u = nextafter(1.0, 0.0);
	long span = g->max - g->min + 1;
	long add = (long)floor(u * (double)span);
	if (add >= span)
		add = span - 1;
	return g->min + add;
}

int cal_rate_parse(const char *s, struct cal_rate *out, struct err *e)
{
	struct cur c;
	if (start(&c, s, "rate", e) < 0)
		return -1;
	if (word_is(&c, "none")) {
		if (!at_end(&c))
			return fail(&c, e, "the end after 'none'");
		out->count = out->per = 0;
		return 0;
	}
	long count, mult = 1;
	if (!number(&c, &count) || count < 1 || count > 1000000)
		return fail(&c, e, "a count from 1 to 1000000 (e.g. '20/hour')");
	skip_ws(&c);
	if (*c.p == '/')
		c.p++;
	else if (!word_is(&c, "per"))
		return fail(&c, e, "'/' or 'per' (e.g. '20/hour')");
	skip_ws(&c);
	if (is_digit(*c.p)) {
		if (!number(&c, &mult) || mult < 1 || mult > 100000)
			return fail(&c, e, "a multiplier from 1 to 100000 (e.g. '5/10min')");
		skip_ws(&c);
	}
	const char *before = c.p;
	const struct unit *u = unit(&c);
	if (!u || u->kind == U_BDAY) {
		c.p = before;
		return fail(&c, e, "a unit: second, minute, hour, day or week");
	}
	if (!at_end(&c))
		return fail(&c, e, "the end after the unit");
	long unit_s = u->kind == U_SEC ? u->seconds : u->kind == U_DAY ? 86400 : 604800;
	if (mult > 604800 / unit_s)
		return err_set(e, ERR_CONFIG, 0, "invalid rate '%.80s': the period is longer than "
			       "a week", c.spec);
	out->count = count;
	out->per = mult * unit_s;
	return 0;
}

int cal_rate_format(const struct cal_rate *r, char *buf, size_t size, struct err *e)
{
	static const struct { long s; const char *name, *abbr; } u[] = {
		{ 604800, "week", "w" }, { 86400, "day", "d" }, { 3600, "hour", "h" },
		{ 60, "minute", "min" }, { 1, "second", "s" },
	};
	size_t len = 0;
	int rc = -1;
	if (r->count <= 0 || r->per <= 0) {
		rc = app(buf, size, &len, "none");
	} else {
		for (size_t i = 0; i < ARRAY_SIZE(u); i++)
			if (r->per % u[i].s == 0) {
				long m = r->per / u[i].s;
				rc = m == 1 ? app(buf, size, &len, "%ld/%s", r->count, u[i].name)
					    : app(buf, size, &len, "%ld/%ld%s", r->count, m, u[i].abbr);
				break;
			}
	}
	return rc < 0 ? too_small(e, "rate", size) : 0;
}

/* ------------------------------------------------------------------ windows: parsing */

static const char *const day_abbr[7] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };

/* Day name → 0..6, or -1. */
static int day_index(const char *w)
{
	static const struct { const char *name; int d; } t[] = {
		{ "sun", 0 }, { "sunday", 0 }, { "mon", 1 }, { "monday", 1 },
		{ "tue", 2 }, { "tues", 2 }, { "tuesday", 2 },
		{ "wed", 3 }, { "weds", 3 }, { "wednesday", 3 },
		{ "thu", 4 }, { "thur", 4 }, { "thurs", 4 }, { "thursday", 4 },
		{ "fri", 5 }, { "friday", 5 }, { "sat", 6 }, { "saturday", 6 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		if (str_eq(w, t[i].name))
			return t[i].d;
	return -1;
}

static const char expect_day[] = "a day (Mon..Sun), 'weekdays', 'weekends' or 'any'";

/* days = item *("," item); sets bits 0..6 in *mask. */
static int parse_days(struct cur *c, unsigned *mask, struct err *e)
{
	unsigned m = 0;
	for (;;) {
		char w[16];
		size_t n = peek_word(c, w, sizeof w);
		int d1;
		if (!n)
			return fail(c, e, expect_day);
		if (str_eq(w, "any") || str_eq(w, "daily")) {
			m |= 0x7f;
			c->p += n;
		} else if (str_eq(w, "weekdays")) {
			m |= 0x3e;
			c->p += n;
		} else if (str_eq(w, "weekends")) {
			m |= 0x41;
			c->p += n;
		} else if ((d1 = day_index(w)) >= 0) {
			c->p += n;
			const char *save = c->p;
			skip_ws(c);
			if (*c->p == '-') {
				c->p++;
				skip_ws(c);
				n = peek_word(c, w, sizeof w);
				int d2 = n ? day_index(w) : -1;
				if (d2 < 0)
					return fail(c, e, "a day (Mon..Sun) to end the range");
				c->p += n;
				for (int d = d1;; d = (d + 1) % 7) {
					m |= 1u << d;
					if (d == d2)
						break;
				}
			} else {
				c->p = save;
				m |= 1u << d1;
			}
		} else {
			return fail(c, e, expect_day);
		}
		skip_ws(c);
		if (*c->p != ',')
			break;
		c->p++;
		skip_ws(c);
	}
	*mask = m;
	return 0;
}

/* TIME = H[H]:MM, 00:00..24:00, as minutes. */
static int parse_time(struct cur *c, int *minutes, struct err *e)
{
	static const char expect_time[] = "a time HH:MM (00:00 to 24:00)";
	const char *p = c->p;
	int nh = 0;
	while (is_digit(p[nh]) && nh < 3)
		nh++;
	if (nh < 1 || nh > 2 || p[nh] != ':' || !is_digit(p[nh + 1]) || !is_digit(p[nh + 2]) ||
	    is_digit(p[nh + 3]))
		return fail(c, e, expect_time);
	int h = num(p, nh), m = num(p + nh + 1, 2);
	if (h > 24 || m > 59 || (h == 24 && m != 0))
		return fail(c, e, expect_time);
	c->p = p + nh + 3;
	*minutes = h * 60 + m;
	return 0;
}

/* Insert [s, e) into a weekday's sorted list, merging with ranges it touches. */
static int add_range(struct cal_window *w, int day, int s, int en, const struct cur *c,
		     struct err *e)
{
	struct cal_range *r = w->range[day];
	int n = w->nranges[day];
	for (int i = 0; i < n; i++)
		if (s < r[i].end && r[i].start < en)
			return err_set(e, ERR_CONFIG, 0, "invalid window '%.80s': ranges overlap on %s "
				       "(%02d:%02d-%02d:%02d and %02d:%02d-%02d:%02d)", c->spec,
				       day_abbr[day], r[i].start / 60, r[i].start % 60, r[i].end / 60,
				       r[i].end % 60, s / 60, s % 60, en / 60, en % 60);
	/* Merge touching ranges so that one window has one representation. */
	for (int i = 0; i < n;) {
		if (r[i].end == s || r[i].start == en) {
			s = r[i].start < s ? r[i].start : s;
			en = r[i].end > en ? r[i].end : en;
			memmove(&r[i], &r[i + 1], (size_t)(n - i - 1) * sizeof r[0]);
			n--;
			continue;
		}
		i++;
	}
	if (n == CAL_WINDOW_MAX_RANGES)
		return err_set(e, ERR_CONFIG, 0, "invalid window '%.80s': more than %d ranges on %s",
			       c->spec, CAL_WINDOW_MAX_RANGES, day_abbr[day]);
	int i = n;
	while (i > 0 && r[i - 1].start > s) {
		r[i] = r[i - 1];
		i--;
	}
	r[i].start = s;
	r[i].end = en;
	w->nranges[day] = n + 1;
	return 0;
}

int cal_window_parse(const char *s, struct cal_window *out, struct err *e)
{
	struct cur c;
	if (start(&c, s, "window", e) < 0)
		return -1;
	struct cal_window w;
	memset(&w, 0, sizeof w);
	if (word_is(&c, "always")) {
		if (!at_end(&c))
			return fail(&c, e, "the end after 'always'");
		for (int d = 0; d < 7; d++) {
			w.nranges[d] = 1;
			w.range[d][0].start = 0;
			w.range[d][0].end = 1440;
		}
		*out = w;
		return 0;
	}
	for (;;) {
		unsigned mask = 0;
		if (parse_days(&c, &mask, e) < 0)
			return -1;
		if (!is_digit(*c.p))
			return fail(&c, e, "',' and another day, or a time range HH:MM-HH:MM");
		for (;;) {
			int a, b;
			const char *range_at = c.p;
			if (parse_time(&c, &a, e) < 0)
				return -1;
			skip_ws(&c);
			if (*c.p != '-')
				return fail(&c, e, "'-' and the end of the range (e.g. '08:30-16:30')");
			c.p++;
			skip_ws(&c);
			if (parse_time(&c, &b, e) < 0)
				return -1;
			if (a >= b) {
				c.p = range_at;
				return fail(&c, e, "a range that ends after it starts; to cross "
					    "midnight use two clauses, e.g. 'Mon 22:00-24:00; Tue 00:00-02:00'");
			}
			for (int d = 0; d < 7; d++)
				if (mask & (1u << d))
					if (add_range(&w, d, a, b, &c, e) < 0)
						return -1;
			skip_ws(&c);
			if (*c.p == ',') {
				c.p++;
				skip_ws(&c);
				if (!is_digit(*c.p))
					return fail(&c, e, "another time range after ','");
				continue;
			}
			if (!is_digit(*c.p))
				break;
		}
		if (*c.p == ';') {
			c.p++;
			skip_ws(&c);
			continue;
		}
		if (*c.p == '\0')
			break;
		return fail(&c, e, "another time range, ';' and another clause, or the end");
	}
	*out = w;
	return 0;
}

bool cal_window_equal(const struct cal_window *a, const struct cal_window *b)
{
	for (int d = 0; d < 7; d++) {
		if (a->nranges[d] != b->nranges[d])
			return false;
		for (int i = 0; i < a->nranges[d]; i++)
			if (a->range[d][i].start != b->range[d][i].start ||
			    a->range[d][i].end != b->range[d][i].end)
				return false;
	}
	return true;
}

static bool same_ranges(const struct cal_window *w, int a, int b)
{
	if (w->nranges[a] != w->nranges[b])
		return false;
	for (int i = 0; i < w->nranges[a]; i++)
		if (w->range[a][i].start != w->range[b][i].start || w->range[a][i].end != w->range[b][i].end)
			return false;
	return true;
}

int cal_window_format(const struct cal_window *w, char *buf, size_t size, struct err *e)
{
	static const int order[7] = { 1, 2, 3, 4, 5, 6, 0 }; /* Monday first, as people write it */
	size_t len = 0;
	unsigned done = 0;
	bool first = true;
	if (size)
		buf[0] = '\0';
	for (int oi = 0; oi < 7; oi++) {
		int d = order[oi];
		if ((done & (1u << d)) || w->nranges[d] <= 0)
			continue;
		unsigned mask = 0;
		for (int k = 0; k < 7; k++)
			if (w->nranges[k] > 0 && same_ranges(w, d, k))
				mask |= 1u << k;
		done |= mask;
		if (!first && app(buf, size, &len, "; ") < 0)
			return too_small(e, "window", size);
		first = false;
		if (mask == 0x7f) {
			if (app(buf, size, &len, "any") < 0)
				return too_small(e, "window", size);
		} else {
			bool sep = false;
			for (int i = 0; i < 7;) {
				if (!(mask & (1u << order[i]))) {
					i++;
					continue;
				}
				int j = i;
				while (j + 1 < 7 && (mask & (1u << order[j + 1])))
					j++;
				int rc = j > i ? app(buf, size, &len, "%s%s-%s", sep ? "," : "",
						     day_abbr[order[i]], day_abbr[order[j]])
					       : app(buf, size, &len, "%s%s", sep ? "," : "", day_abbr[order[i]]);
				if (rc < 0)
					return too_small(e, "window", size);
				sep = true;
				i = j + 1;
			}
		}
		for (int i = 0; i < w->nranges[d]; i++) {
			const struct cal_range *r = &w->range[d][i];
			if (app(buf, size, &len, " %02d:%02d-%02d:%02d", r->start / 60, r->start % 60,
				r->end / 60, r->end % 60) < 0)
				return too_small(e, "window", size);
		}
	}
	if (first)
		return err_set(e, ERR_CONFIG, 0, "the window has no time ranges");
	return 0;
}

/* ------------------------------------------------------------------ windows: queries */

static bool window_sane(const struct cal_window *w)
{
	bool any = false;
	for (int d = 0; d < 7; d++) {
		if (w->nranges[d] < 0 || w->nranges[d] > CAL_WINDOW_MAX_RANGES)
			return false;
		for (int i = 0; i < w->nranges[d]; i++) {
			const struct cal_range *r = &w->range[d][i];
			if (r->start < 0 || r->end > 1440 || r->start >= r->end)
				return false;
		}
		any |= w->nranges[d] > 0;
	}
	return any;
}

/* Open at t? The zone is already entered. */
static int open_at(const struct cal_window *w, const char *zone, unsigned flags, time_t t,
		   bool *open, struct err *e)
{
	struct tz_tm tm;
	if (tz_local(zone, t, &tm, e) < 0)
		return -1;
	*open = false;
	if ((flags & CAL_SKIP_HOLIDAYS) &&
	    cal_holiday_on((struct cal_date){ tm.year, tm.month, tm.day }) != CAL_HOLIDAY_NONE)
		return 0;
	long s = tm.hour * 3600L + tm.min * 60L + tm.sec;
	for (int i = 0; i < w->nranges[tm.wday]; i++)
		if (w->range[tm.wday][i].start * 60L <= s && s < w->range[tm.wday][i].end * 60L)
			*open = true;
	return 0;
}

int cal_window_is_open(const struct cal_window *w, const char *zone, unsigned flags, time_t t,
		       bool *open, struct err *e)
{
	if (!window_sane(w))
		return err_set(e, ERR_CONFIG, 0, "the window has no valid time ranges");
	if (tz_enter(zone, e) < 0)
		return -1;
	int rc = open_at(w, zone, flags, t, open, e);
	tz_leave();
	return rc;
}

/*
 * The instants at which the wall clock of date d reads `minute` (1440 = next midnight):
 * both occurrences when the clocks went back, the instant of the jump when it falls in a
 * gap. Returns how many (1 or 2).
 */
static int wall_instants(struct cal_date d, int minute, const char *zone, time_t out[2],
			 struct err *e)
{
	if (minute >= 1440) {
		d = cal_date_add(d, minute / 1440);
		minute %= 1440;
	}
	enum tz_kind kind;
	if (tz_utc(zone, d.year, d.month, d.day, minute / 60, minute % 60, 0, TZ_EARLIER, &out[0],
		   &kind, e) < 0)
		return -1;
	if (kind != TZ_AMBIGUOUS)
		return 1;
	if (tz_utc(zone, d.year, d.month, d.day, minute / 60, minute % 60, 0, TZ_LATER, &out[1],
		   NULL, e) < 0)
		return -1;
	return 2;
}

/* The instant within local date d at which the offset changes, if any (0 or 1). */
static int day_change(struct cal_date d, const char *zone, time_t *at, struct err *e)
{
	time_t a[2], b[2];
	if (wall_instants(d, 0, zone, a, e) < 0 || wall_instants(d, 1440, zone, b, e) < 0)
		return -1;
	return tz_transition(zone, a[0], b[0], at, e);
}

/*
 * Search forward from t for the first instant c > t at which the window's state is `want`.
 * The state only changes where the wall clock reaches a range edge or jumps at an offset
 * change, so those instants are the only candidates: range starts when looking for open,
 * range ends when looking for closed, and the offset changes. Days are scanned from the
 * day before t's local date (a fall-back across midnight can make local dates repeat)
 * until a hit is found and the following day has been checked too.
 */
static int search(const struct cal_window *w, const char *zone, unsigned flags, time_t t,
		  bool want, time_t *out, struct err *e)
{
	struct tz_tm tm;
	if (tz_local(zone, t, &tm, e) < 0)
		return -1;
	struct cal_date d0 = { tm.year, tm.month, tm.day };
	time_t best = CAL_FOREVER;
	int found_day = -100;
	for (int k = -1; k <= SEARCH_DAYS; k++) {
		if (best != CAL_FOREVER && k > found_day + 1)
			break;
		struct cal_date d = cal_date_add(d0, k);
		if (d.year > 9998)
			break;
		time_t cand[2 * CAL_WINDOW_MAX_RANGES + 1];
		int nc = 0;
		int wd = cal_weekday(d);
		for (int i = 0; i < w->nranges[wd]; i++) {
			int m = want ? w->range[wd][i].start : w->range[wd][i].end;
			int got = wall_instants(d, m, zone, cand + nc, e);
			if (got < 0)
				return -1;
			nc += got;
		}
		/* No separate midnight candidate: a window can only be open across midnight
		 * through a range ending at 24:00, whose end is the next day's 00:00 above. */
		time_t ch;
		int rc = day_change(d, zone, &ch, e);
		if (rc < 0)
			return -1;
		if (rc == 1)
			cand[nc++] = ch;
		for (int i = 0; i < nc; i++) {
			if (cand[i] <= t || cand[i] >= best)
				continue;
			bool open;
			if (open_at(w, zone, flags, cand[i], &open, e) < 0)
				return -1;
			if (open == want) {
				best = cand[i];
				if (found_day < -1)
					found_day = k;
			}
		}
	}
	*out = best;
	return 0;
}

int cal_window_next_open(const struct cal_window *w, const char *zone, unsigned flags, time_t t,
			 time_t *out, struct err *e)
{
	if (!window_sane(w))
		return err_set(e, ERR_CONFIG, 0, "the window has no valid time ranges: it never opens");
	if (tz_enter(zone, e) < 0)
		return -1;
	bool open;
	time_t r = t;
	int rc = open_at(w, zone, flags, t, &open, e);
	if (rc == 0 && !open)
		rc = search(w, zone, flags, t, true, &r, e);
	tz_leave();
	if (rc < 0)
		return -1;
	if (r == CAL_FOREVER)
		return err_set(e, ERR_CONFIG, 0, "the sending window never opens within %d days",
			       SEARCH_DAYS);
	*out = r;
	return 0;
}

int cal_window_next_close(const struct cal_window *w, const char *zone, unsigned flags, time_t t,
			  time_t *out, struct err *e)
{
	if (!window_sane(w))
		return err_set(e, ERR_CONFIG, 0, "the window has no valid time ranges");
	if (tz_enter(zone, e) < 0)
		return -1;
	bool open;
	time_t r = t;
	int rc = open_at(w, zone, flags, t, &open, e);
	if (rc == 0 && open)
		rc = search(w, zone, flags, t, false, &r, e);
	tz_leave();
	if (rc < 0)
		return -1;
	*out = r;
	return 0;
}
