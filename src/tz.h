/* tz: IANA time zones through the system zoneinfo — local time, offsets, state → zone. */
#ifndef OUTREACH_TZ_H
#define OUTREACH_TZ_H
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct err;

/*
 * Zones are IANA names ("America/New_York") resolved through the zoneinfo files of the
 * tzdata package (TZDIR, default /usr/share/zoneinfo); there are no hand-made offsets.
 *
 * Implementation: the conversions switch the process's TZ variable to ":<zone>", call
 * tzset() and localtime_r(), and put the previous TZ back afterwards, so the rest of the
 * program keeps its own local time. This is NOT thread-safe: call tz_* and cal_* only while
 * no other thread runs (in particular not during a libcurl transfer with the threaded
 * resolver, which reads the environment). No function here blocks or touches the network;
 * they read zoneinfo files.
 *
 * Errors: an unknown or malformed zone name is ERR_CONFIG (the caller reclassifies to
 * ERR_DATA when the name came from a CSV row); a date outside years 1900..9999 is ERR_DATA.
 */

#define TZ_NAME_MAX 64 /* longest IANA name is ~32 bytes */
#define TZ_ABBR_MAX 16

/* A wall-clock reading in a zone. Unlike struct tm: the full year and a 1-based month. */
struct tz_tm {
	int year;         /* 2026 */
	int month;        /* 1..12 */
	int day;          /* 1..31 */
	int hour;         /* 0..23 */
	int min;          /* 0..59 */
	int sec;          /* 0..60 */
	int wday;         /* 0 = Sunday .. 6 = Saturday */
	int yday;         /* 0..365 */
	int isdst;        /* 1 when daylight saving time is in effect */
	long utc_offset;  /* seconds east of UTC (New York in winter: -18000) */
	char abbr[TZ_ABBR_MAX]; /* "EST", "IST", or a numeric "+0530" for zones without one */
};

/* How a local time maps to instants on a day when the clocks change. */
enum tz_kind {
	TZ_UNIQUE = 0,  /* exactly one instant */
	TZ_AMBIGUOUS,   /* the clocks went back: the local time happened twice */
	TZ_GAP,         /* the clocks went forward over it: it never happened */
};

/* Which of the two instants to take for an ambiguous local time. */
enum tz_fold {
	TZ_EARLIER = 0, /* the first occurrence (still daylight time in the US) */
	TZ_LATER,       /* the second occurrence */
};

/*
 * True when `zone` names a zone file: only [A-Za-z0-9_+-] components separated by single
 * '/', no leading '/', no '.' at all (so no ".." and no absolute or relative escapes), no
 * "right/" (leap-second clocks) or "posix/" copies, not "localtime"/"posixrules"/"Factory",
 * and the file must be a regular file that starts with the TZif magic. NULL is invalid.
 */
bool tz_valid(const char *zone);

/* The wall clock in `zone` at instant t. ERR_CONFIG for an invalid zone. */
int tz_local(const char *zone, time_t t, struct tz_tm *out, struct err *e);

/*
 * The instant at which the wall clock in `zone` reads year-month-day hour:min:sec.
 * Fields must be in range (month 1..12, day within the month, hour 0..23, min/sec 0..59):
 * ERR_DATA otherwise. Ambiguous times take the occurrence chosen by `fold`. A time inside a
 * spring-forward gap maps to the instant the clocks jumped (America/New_York 2026-03-08
 * 02:30 → 03:00 EDT), i.e. the first instant whose wall clock is later than the requested
 * time; this keeps "the window opens at HH:MM" and "closes at HH:MM" consistent. `kind`
 * may be NULL.
 */
int tz_utc(const char *zone, int year, int month, int day, int hour, int min, int sec,
	   enum tz_fold fold, time_t *out, enum tz_kind *kind, struct err *e);

/* The UTC offset of `zone` at t, in seconds east of UTC (for the Date: header). */
int tz_offset(const char *zone, time_t t, long *off, struct err *e);

/*
 * Whether the UTC offset of `zone` changes in (from, to]: 1 and *at = the first instant with
 * the new offset, or 0. Meant for spans of a day or so (it compares the two ends, so two
 * changes that cancel out inside the span are not seen).
 */
int tz_transition(const char *zone, time_t from, time_t to, time_t *at, struct err *e);

/* "+0530", "-0500": the RFC 5322 form of an offset; buf holds at least 6 bytes. */
void tz_format_offset(long off, char buf[static 6]);

/*
 * "2026-11-25 09:00 EST" — t as read on the wall clock of `zone`, with the abbreviation.
 * ERR_LIMIT if size is too small (needs about 32 bytes).
 */
int tz_format(const char *zone, time_t t, char *buf, size_t size, struct err *e);

/*
 * "Wed, 25 Nov 2026 09:00:00 -0500" — an RFC 5322 date-time in `zone` (English names,
 * independent of the locale). ERR_LIMIT if size is too small (needs 32 bytes).
 */
int tz_date_header(const char *zone, time_t t, char *buf, size_t size, struct err *e);

/*
 * Scoped zone: between tz_enter(zone) and the matching tz_leave() the zone stays loaded, so
 * many conversions in that zone cost no zoneinfo reads. Nests (depth ≤ 8); the previous
 * zone — finally the process's own TZ — comes back at tz_leave(). Plain tz_* calls do this
 * for themselves; use it around loops. ERR_CONFIG for an invalid zone, ERR_INTERNAL when
 * nested too deep (nothing is entered then, so do not call tz_leave()).
 */
int tz_enter(const char *zone, struct err *e);
void tz_leave(void);

/*
 * US state, district or territory, or Canadian province or territory → the IANA zone that
 * covers most of its population (TX → America/Chicago, IN → America/Indiana/Indianapolis,
 * ON → America/Toronto). Accepts the 2-letter postal code or the full name in any case,
 * with stray spaces and dots ("NY", " new york ", "D.C.", "District of Columbia",
 * "Washington, D.C.", "Québec", "PEI"). `country` restricts the search: NULL or empty
 * searches both countries (their codes do not collide), a recognised US or Canada name or
 * code ("US", "USA", "United States", "CA", "Canada") searches that one, anything else
 * finds nothing. Returns the zone (a static string) or NULL.
 */
const char *tz_region_zone(const char *region, const char *country);

/* The country a region name or code belongs to: "US", "CA", or NULL when unknown. */
const char *tz_region_country(const char *region);

/* Which rule chose a contact's zone. */
enum tz_rule {
	TZ_RULE_CONTACT = 1, /* the contact's own timezone column */
	TZ_RULE_STATE,       /* derived from state (and country) */
	TZ_RULE_ACCOUNT,     /* the account's zone, nothing better known */
};

struct tz_choice {
	char zone[TZ_NAME_MAX];
	enum tz_rule rule;
	char why[192]; /* for `outreach schedule`: "state 'TX'", "account (state 'Bavaria' unknown)" */
};

/* "contact", "state", "account". */
const char *tz_rule_name(enum tz_rule rule);

/*
 * The recipient's zone, in the order: the contact's `timezone` column (an IANA name; the US
 * colloquial names "Eastern"/"ET"/"EST"/"EDT", Central, Mountain, Pacific, Alaska and Hawaii
 * are read as the DST-observing zone, since a fixed "EST" zone would be an hour off all
 * summer) → the `state` column, within `country` as tz_region_zone() → `account_zone`.
 * Any argument but account_zone may be NULL or empty. A non-empty contact zone that is not
 * a zone is ERR_DATA (a typo must not silently become another zone); an invalid
 * account_zone is ERR_CONFIG. A state that is not recognised is not an error: the account
 * zone is used and `why` says so. `out` is written only on success.
 */
int tz_resolve(const char *contact_zone, const char *state, const char *country,
	       const char *account_zone, struct tz_choice *out, struct err *e);

#endif
