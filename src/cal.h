/* cal: calendar — US federal holidays, business days, sending windows, duration and pacing specs. */
#ifndef OUTREACH_CAL_H
#define OUTREACH_CAL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct err;

/*
 * Everything here is a pure function of its arguments: the caller passes "now" (from
 * clock_now()), nothing reads the clock. Functions that take a zone convert through tz.h
 * (same thread-safety note: not thread-safe). Nothing blocks or touches the network.
 *
 * Spec parsers (windows, durations, gaps, rates) take untrusted text of at most
 * CAL_SPEC_MAX bytes (ERR_LIMIT beyond), are case-insensitive, ignore spaces around
 * tokens, and fail with ERR_CONFIG and a message that quotes the spec, the place and what
 * was expected:  invalid window 'Mon-Fry 09:00-12:00': at 'Fry 09:00-12:00': expected a day
 * (Mon..Sun), 'weekdays', 'weekends' or 'any'.  Out-parameters are written only on success.
 */

#define CAL_SPEC_MAX 512
/* "Never" for cal_window_next_close(): later than any real instant. */
#define CAL_FOREVER ((time_t)INT64_MAX)

/* ------------------------------------------------------------------ dates */

/* A civil date (proleptic Gregorian); month 1..12. */
struct cal_date {
	int year, month, day;
};

bool cal_date_valid(struct cal_date d);                   /* years 1..9999 */
long cal_days_from_civil(struct cal_date d);              /* days since 1970-01-01 */
struct cal_date cal_civil_from_days(long days);
int cal_weekday(struct cal_date d);                       /* 0 = Sunday .. 6 = Saturday */
struct cal_date cal_date_add(struct cal_date d, long days);
int cal_date_cmp(struct cal_date a, struct cal_date b);   /* <0, 0, >0 */
/* "YYYY-MM-DD" (surrounding spaces allowed). ERR_DATA when malformed or not a real date. */
int cal_date_parse(const char *s, struct cal_date *out, struct err *e);
/* "YYYY-MM-DD"; years 1..9999. */
void cal_date_format(struct cal_date d, char buf[static 11]);
/* The date on the wall calendar of `zone` at instant t. */
int cal_local_date(time_t t, const char *zone, struct cal_date *out, struct err *e);
/* The first instant of date d in `zone` (local midnight; after a gap at midnight, the
 * instant the clocks jumped). */
int cal_day_start(struct cal_date d, const char *zone, time_t *out, struct err *e);

/* ------------------------------------------------------------------ US federal holidays */

/* The eleven federal holidays of 5 U.S.C. 6103. */
enum cal_holiday {
	CAL_HOLIDAY_NONE = 0,
	CAL_NEW_YEAR,      /* January 1 */
	CAL_MLK,           /* third Monday of January (since 1986) */
	CAL_WASHINGTON,    /* third Monday of February */
	CAL_MEMORIAL,      /* last Monday of May */
	CAL_JUNETEENTH,    /* June 19 (since 2021) */
	CAL_INDEPENDENCE,  /* July 4 */
	CAL_LABOR,         /* first Monday of September */
	CAL_COLUMBUS,      /* second Monday of October */
	CAL_VETERANS,      /* November 11 (fourth Monday of October 1971–1977) */
	CAL_THANKSGIVING,  /* fourth Thursday of November */
	CAL_CHRISTMAS,     /* December 25 */
};

#define CAL_HOLIDAYS_MAX 12

struct cal_holiday_day {
	enum cal_holiday which;
	struct cal_date observed; /* the day off: Saturday → Friday before, Sunday → Monday after */
	struct cal_date actual;   /* the legal date */
};

/* OPM's name: "Birthday of Martin Luther King, Jr.", "Thanksgiving Day", ... ("" for NONE). */
const char *cal_holiday_name(enum cal_holiday h);
/*
 * The holidays OBSERVED in calendar year `year`, in date order, as OPM lists them: when
 * January 1 of year+1 is a Saturday, year's list ends with New Year's Day observed on
 * December 31 (2027: Fri Dec 31), and year+1's list has no New Year's Day. Returns the
 * count (10 or 11 since 2021), or -1 outside the supported years 1971..9998 (the Monday
 * Holiday Act took effect in 1971).
 */
int cal_holidays(int year, struct cal_holiday_day out[static CAL_HOLIDAYS_MAX]);
/* The holiday observed on date d, or CAL_HOLIDAY_NONE (also outside 1971..9998). */
enum cal_holiday cal_holiday_on(struct cal_date d);

/* ------------------------------------------------------------------ business days */

#define CAL_SKIP_HOLIDAYS 1u /* flags: observed US federal holidays are not business days */

/* Monday–Friday, and with CAL_SKIP_HOLIDAYS not an observed federal holiday. */
bool cal_is_business_day(struct cal_date d, unsigned flags);
/* The first business day strictly after d (out-of-office "back on Friday" → Monday). */
struct cal_date cal_next_business_day(struct cal_date d, unsigned flags);
/* d itself if it is a business day, else the next one. */
struct cal_date cal_business_day_on_or_after(struct cal_date d, unsigned flags);
/* Count n business days forward from d (d itself does not count; n = 0 returns d). */
struct cal_date cal_add_business_days_date(struct cal_date d, long n, unsigned flags);
/*
 * t plus n business days in `zone`: the same wall-clock time on the date n business days
 * after t's local date (Monday 10:00 + 7 → the Wednesday after next, 10:00). 0 ≤ n ≤ 3650,
 * else ERR_DATA. A wall time that does not exist on the target date (DST gap) moves to the
 * instant the clocks jumped.
 */
int cal_add_business_days(time_t t, const char *zone, long n, unsigned flags, time_t *out,
			  struct err *e);

/* ------------------------------------------------------------------ durations */

enum cal_unit {
	CAL_SECONDS = 0,     /* exact seconds (from s, m, h units) */
	CAL_DAYS,            /* calendar days: same wall time, DST-aware */
	CAL_BUSINESS_DAYS,   /* business days, as cal_add_business_days() */
	CAL_WEEKS,           /* 7 calendar days each */
};

struct cal_duration {
	long n;              /* seconds for CAL_SECONDS, else days/business days/weeks */
	enum cal_unit unit;
};

/*
 * duration = NUMBER [" "] UNIT
 *   NUMBER   = 1*9 DIGIT
 *   UNIT     = s | sec | secs | second | seconds          (exact)
 *            | m | min | mins | minute | minutes          (exact, 60 s)
 *            | h | hr | hrs | hour | hours                (exact, 3600 s)
 *            | d | day | days                             (calendar days)
 *            | bd | bday | bdays | business day[s] | working day[s] | workday[s]
 *            | w | wk | wks | week | weeks
 * Examples: "7 days", "7 business days", "10 bd", "2 weeks", "36h". At most 3650 days
 * (or the same span in another unit). No months: their length varies.
 */
int cal_duration_parse(const char *s, struct cal_duration *out, struct err *e);
/* Canonical text that parses back to the same value: "7 business days", "90 minutes".
 * ERR_LIMIT if it does not fit. */
int cal_duration_format(const struct cal_duration *d, char *buf, size_t size, struct err *e);
/* t + d in `zone` (days and weeks keep the wall time across DST; flags for business days). */
int cal_duration_apply(const struct cal_duration *d, time_t t, const char *zone,
		       unsigned flags, time_t *out, struct err *e);

/* ------------------------------------------------------------------ pacing specs */

/* A random pause between consecutive sends, in seconds: min ≤ gap ≤ max. {0,0}: none. */
struct cal_gap {
	long min, max;
};

/*
 * gap = "none" | SPAN [ ".." SPAN ]
 *   SPAN = NUMBER [" "] [UNIT]   with UNIT one of the s / m / h forms above; no unit = seconds
 * Examples: "45s..120s", "2m..5m", "60s", "90", "30s .. 2m". min ≤ max ≤ 24 h.
 */
int cal_gap_parse(const char *s, struct cal_gap *out, struct err *e);
/* "45s..120s", "60s", "none". */
int cal_gap_format(const struct cal_gap *g, char *buf, size_t size, struct err *e);
/* The gap for a uniform random u in [0, 1): min + floor(u · (max − min + 1)), so u = 0 gives
 * min and u just below 1 gives max. u outside [0, 1) (or NaN) is clamped. */
long cal_gap_pick(const struct cal_gap *g, double u);

/* At most `count` sends in any sliding `per` seconds. count == 0: no limit. */
struct cal_rate {
	long count;
	long per;
};

/*
 * rate = "none" | COUNT ( "/" | " per " ) [ NUMBER ] UNIT
 *   COUNT = 1..1000000;  UNIT = second | minute | hour | day | week and the short forms
 *   s, sec, m, min, h, hr, d, w, wk;  the optional NUMBER multiplies the unit
 * Examples: "20/hour", "30/minute", "200/day", "20 per hour", "5/10min". per ≤ 7 days.
 */
int cal_rate_parse(const char *s, struct cal_rate *out, struct err *e);
/* "20/hour", "5/10min", "none". */
int cal_rate_format(const struct cal_rate *r, char *buf, size_t size, struct err *e);

/* ------------------------------------------------------------------ sending windows */

#define CAL_WINDOW_MAX_RANGES 8 /* per weekday */

/* [start, end) in minutes after local midnight; 0 ≤ start < end ≤ 1440 (24:00). */
struct cal_range {
	int start, end;
};

/* Per weekday (0 = Sunday), sorted, non-overlapping, non-adjacent ranges. */
struct cal_window {
	int nranges[7];
	struct cal_range range[7][CAL_WINDOW_MAX_RANGES];
};

/*
 * window = "always" | clause *( ";" clause )
 * clause = days 1*( [","] range )                  ranges separated by spaces or commas
 * days   = item *( "," item )
 * item   = DAY [ "-" DAY ] | "any" | "daily" | "weekdays" | "weekends"
 *          DAY is mon|tue|wed|thu|fri|sat|sun or the full name (also tues, weds, thur(s));
 *          a day range may wrap ("Fri-Mon" = Fri, Sat, Sun, Mon)
 * range  = TIME "-" TIME                           start < end: a range does not cross midnight
 * TIME   = H[H]:MM                                 00:00 .. 24:00 (24:00 only as an end)
 * Examples: "Mon-Fri 08:30-16:30", "Mon,Wed,Fri 09:00-12:00",
 *           "Tue-Thu 8:00-11:30 13:00-16:00", "any 00:00-24:00",
 *           "Mon-Fri 08:30-16:30; Sat 09:00-12:00".
 * Times are wall-clock times in the zone passed to the queries (the recipient's). Ranges
 * that touch are merged ("8:00-12:00 12:00-13:00" = 08:00-13:00); ranges that overlap, or
 * more than CAL_WINDOW_MAX_RANGES on one day, are errors.
 */
int cal_window_parse(const char *s, struct cal_window *out, struct err *e);
/* Canonical text that parses back to an equal window: "Mon-Fri 08:30-16:30; Sat 09:00-12:00". */
int cal_window_format(const struct cal_window *w, char *buf, size_t size, struct err *e);
bool cal_window_equal(const struct cal_window *a, const struct cal_window *b);

/*
 * Whether the window is open at t: the wall clock in `zone` at t falls in a range of that
 * weekday (and, with CAL_SKIP_HOLIDAYS, the local date is no observed federal holiday).
 * Because it reads the wall clock, 08:30 stays 08:30 local across DST changes; on a
 * fall-back day a range inside the repeated hour is open twice.
 */
int cal_window_is_open(const struct cal_window *w, const char *zone, unsigned flags, time_t t,
		       bool *open, struct err *e);
/*
 * The first instant ≥ t at which the window is open (t itself when open). A window that
 * has no range, or cannot open within 400 days, is ERR_CONFIG — never an endless loop.
 */
int cal_window_next_open(const struct cal_window *w, const char *zone, unsigned flags, time_t t,
			 time_t *out, struct err *e);
/*
 * The first instant ≥ t at which the window is closed (t itself when closed): when open,
 * the end of the current stretch. CAL_FOREVER when it stays open for 400 days.
 */
int cal_window_next_close(const struct cal_window *w, const char *zone, unsigned flags, time_t t,
			  time_t *out, struct err *e);

#endif
