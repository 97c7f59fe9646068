/* tz: IANA time zones through the system zoneinfo — local time, offsets, state → zone. */
#include "tz.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "util.h"
#include "xalloc.h"

/* ------------------------------------------------------------------ names and files */

/* A zone name (or any untrusted text) made safe to quote in an error message. */
static const char *clean(const char *s, char *buf, size_t size)
{
	size_t i = 0;
	for (; s && s[i] && i + 4 < size; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (s && s[i]) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

static bool name_ok(const char *zone)
{
	size_t n = zone ? strlen(zone) : 0;
	if (n == 0 || n >= TZ_NAME_MAX)
		return false;
	/* glibc reads TZ=":name" as TZDIR/name, so the name is a path: keep it a plain
	 * relative path below TZDIR (no '.', hence no ".."; no leading '/'; no empty part). */
	bool part_start = true;
	for (size_t i = 0; i < n; i++) {
		char c = zone[i];
		if (c == '/') {
			if (part_start)
				return false;
			part_start = true;
			continue;
		}
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (!alnum && c != '_' && c != '+' && c != '-')
			return false;
		if (part_start && c == '-')
			return false;
		part_start = false;
	}
	if (part_start)
		return false; /* trailing '/' */
	/* right/ counts leap seconds (time_t would be off by ~27 s); posix/ duplicates the
	 * tree; localtime is the machine's zone, not a name; Factory is a placeholder. */
	if (str_starts_with(zone, "right/") || str_starts_with(zone, "posix/") ||
	    str_eq(zone, "localtime") || str_eq(zone, "posixrules") || str_eq(zone, "Factory") ||
	    str_eq(zone, "right") || str_eq(zone, "posix"))
		return false;
	return true;
}

static const char *zone_dir(void)
{
	/* glibc honours TZDIR when it loads the file, so validate against the same tree. */
	const char *d = getenv("TZDIR");
	return d && *d ? d : "/usr/share/zoneinfo";
}

static bool file_is_tzif(const char *zone)
{
	char path[4096];
	int n = snprintf(path, sizeof path, "%s/%s", zone_dir(), zone);
	if (n < 0 || (size_t)n >= sizeof path)
		return false;
	/* O_NONBLOCK: a FIFO planted in the tree must not hang us. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return false;
	struct stat st;
	char magic[4];
	bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		  read(fd, magic, sizeof magic) == (ssize_t)sizeof magic &&
		  memcmp(magic, "TZif", 4) == 0;
	close(fd);
	return ok;
}

/* A few recently validated names: resolving many contacts alternates between a handful
 * of zones, and each check is an open() and a read(). */
static char valid_cache[8][TZ_NAME_MAX];
static unsigned valid_next;

bool tz_valid(const char *zone)
{
	if (!name_ok(zone))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(valid_cache); i++)
		if (str_eq(valid_cache[i], zone))
			return true;
	if (!file_is_tzif(zone))
		return false;
	snprintf(valid_cache[valid_next], TZ_NAME_MAX, "%s", zone);
	valid_next = (valid_next + 1) % ARRAY_SIZE(valid_cache);
	return true;
}

/* ------------------------------------------------------------------ switching TZ */

#define TZ_DEPTH 8

static struct {
	int depth;
	char stack[TZ_DEPTH][TZ_NAME_MAX];
	char *orig;    /* the process's TZ before the outermost tz_enter */
	bool orig_set; /* whether TZ was set at all */
} cur;

static void apply(const char *zone)
{
	char v[TZ_NAME_MAX + 1];
	/* The ':' makes glibc treat the value as a file name only, never as a POSIX rule
	 * string: "EST5EDT" must load the file like every other name. */
	snprintf(v, sizeof v, ":%s", zone);
	setenv("TZ", v, 1);
	tzset(); /* localtime_r() does not look at TZ again by itself */
}

int tz_enter(const char *zone, struct err *e)
{
	char q[80];
	if (!tz_valid(zone))
		return err_set(e, ERR_CONFIG, 0, "unknown time zone '%s'", clean(zone, q, sizeof q));
	if (cur.depth == TZ_DEPTH)
		return err_set(e, ERR_INTERNAL, 0, "time zones nested too deeply");
	if (cur.depth == 0) {
		const char *o = getenv("TZ");
		cur.orig_set = o != NULL;
		cur.orig = o ? xstrdup(o) : NULL;
	}
	const char *prev = cur.depth ? cur.stack[cur.depth - 1] : NULL;
	snprintf(cur.stack[cur.depth], TZ_NAME_MAX, "%s", zone);
	cur.depth++;
	if (!prev || !str_eq(prev, zone))
		apply(zone);
	return 0;
}

void tz_leave(void)
{
	if (cur.depth == 0)
		return;
	cur.depth--;
	if (cur.depth > 0) {
		if (!str_eq(cur.stack[cur.depth], cur.stack[cur.depth - 1]))
			apply(cur.stack[cur.depth - 1]);
		return;
	}
	if (cur.orig_set)
		setenv("TZ", cur.orig, 1);
	else
		unsetenv("TZ");
	tzset();
	xfree(&cur.orig);
}

/* ------------------------------------------------------------------ conversions */

static void fill(const struct tm *tm, struct tz_tm *out)
{
	out->year = tm->tm_year + 1900;
	out->month = tm->tm_mon + 1;
	out->day = tm->tm_mday;
	out->hour = tm->tm_hour;
	out->min = tm->tm_min;
	out->sec = tm->tm_sec;
	out->wday = tm->tm_wday;
	out->yday = tm->tm_yday;
	out->isdst = tm->tm_isdst > 0;
	out->utc_offset = tm->tm_gmtoff;
	/* tm_zone points into glibc's zone data, which the next tzset() may free: copy. */
	if (tm->tm_zone && *tm->tm_zone)
		snprintf(out->abbr, sizeof out->abbr, "%s", tm->tm_zone);
	else
		tz_format_offset(tm->tm_gmtoff, out->abbr);
}

/* Wall clock at t in the entered zone. */
static int local_in(time_t t, struct tz_tm *out, struct err *e)
{
	struct tm tm;
	if (!localtime_r(&t, &tm) || tm.tm_year + 1900 < 1900 || tm.tm_year + 1900 > 9999)
		return err_set(e, ERR_DATA, 0, "time %lld is out of range", (long long)t);
	fill(&tm, out);
	return 0;
}

static long offset_in(time_t t)
{
	struct tm tm;
	if (!localtime_r(&t, &tm))
		return 0;
	return tm.tm_gmtoff;
}

/* The last conversions, by zone and instant: every message of a batch gets a Date header
 * for the same second, and switching TZ costs two tzset() calls, each of which stats the
 * zone file. The zone files are assumed not to change under a running process. */
static struct {
	char zone[TZ_NAME_MAX];
	time_t t;
	struct tz_tm r;
} memo[4];
static unsigned memo_next;

int tz_local(const char *zone, time_t t, struct tz_tm *out, struct err *e)
{
	for (size_t i = 0; i < ARRAY_SIZE(memo); i++)
		if (memo[i].t == t && memo[i].zone[0] && zone && str_eq(memo[i].zone, zone)) {
			*out = memo[i].r;
			return 0;
		}
	if (tz_enter(zone, e) < 0)
		return -1;
	struct tz_tm r;
	int rc = local_in(t, &r, e);
	tz_leave();
	if (rc == 0) {
		*out = r;
		if (strlen(zone) < TZ_NAME_MAX) {
			unsigned k = memo_next++ % ARRAY_SIZE(memo);
			snprintf(memo[k].zone, sizeof memo[k].zone, "%s", zone);
			memo[k].t = t;
			memo[k].r = r;
		}
	}
	return rc;
}

int tz_offset(const char *zone, time_t t, long *off, struct err *e)
{
	struct tz_tm r;
	if (tz_local(zone, t, &r, e) < 0)
		return -1;
	*off = r.utc_offset;
	return 0;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && leap(y) ? 29 : d[m - 1];
}

/* Smallest t in (lo, hi] whose offset differs from lo's; offsets at lo and hi differ. */
static time_t find_change(time_t lo, time_t hi)
{
	long o = offset_in(lo);
	while (hi - lo > 1) {
		time_t mid = lo + (hi - lo) / 2;
		if (offset_in(mid) == o)
			lo = mid;
		else
			hi = mid;
	}
	return hi;
}

static int utc_in(int year, int month, int day, int hour, int min, int sec, enum tz_fold fold,
		  time_t *out, enum tz_kind *kind, struct err *e)
{
	if (year < 1900 || year > 9999 || month < 1 || month > 12 || day < 1 ||
	    day > month_days(year, month) || hour < 0 || hour > 23 || min < 0 || min > 59 ||
	    sec < 0 || sec > 59)
		return err_set(e, ERR_DATA, 0, "invalid local time %04d-%02d-%02d %02d:%02d:%02d",
			       year, month, day, hour, min, sec);
	struct tm tm = { .tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day,
			 .tm_hour = hour, .tm_min = min, .tm_sec = sec };
	time_t L = timegm(&tm); /* the wall clock read as if it were UTC */

	/* The instant t satisfies t + offset(t) == L. Offsets are within ±26 h, so a day
	 * either side of L lies before/after any change that affects this wall time: the
	 * offsets found there (and at L itself) are the only candidates. */
	long cand[4] = { offset_in(L - 86400), offset_in(L + 86400), offset_in(L), 0 };
	cand[3] = offset_in(L - cand[2]);
	time_t found[4];
	int nfound = 0;
	for (int i = 0; i < 4; i++) {
		time_t t = L - cand[i];
		if (offset_in(t) != cand[i])
			continue;
		bool dup = false;
		for (int j = 0; j < nfound; j++)
			dup |= found[j] == t;
		if (!dup)
			found[nfound++] = t;
	}
	if (nfound > 0) {
		time_t lo = found[0], hi = found[0];
		for (int j = 1; j < nfound; j++) {
			lo = found[j] < lo ? found[j] : lo;
			hi = found[j] > hi ? found[j] : hi;
		}
		*out = fold == TZ_LATER ? hi : lo;
		if (kind)
			*kind = nfound > 1 ? TZ_AMBIGUOUS : TZ_UNIQUE;
		return 0;
	}
	/* A gap: before the change the wall clock is still short of L, after it already past.
	 * The candidate instants from the two offsets bracket the change. */
	time_t a = L - cand[0], b = L - cand[1];
	time_t lo = a < b ? a : b, hi = a < b ? b : a;
	if (offset_in(lo) == offset_in(hi))
		return err_set(e, ERR_INTERNAL, 0, "cannot place local time %04d-%02d-%02d %02d:%02d",
			       year, month, day, hour, min);
	*out = find_change(lo, hi);
	if (kind)
		*kind = TZ_GAP;
	return 0;
}

int tz_utc(const char *zone, int year, int month, int day, int hour, int min, int sec,
	   enum tz_fold fold, time_t *out, enum tz_kind *kind, struct err *e)
{
	if (tz_enter(zone, e) < 0)
		return -1;
	time_t t = 0;
	enum tz_kind k = TZ_UNIQUE;
	int rc = utc_in(year, month, day, hour, min, sec, fold, &t, &k, e);
	tz_leave();
	if (rc == 0) {
		*out = t;
		if (kind)
			*kind = k;
	}
	return rc;
}

int tz_transition(const char *zone, time_t from, time_t to, time_t *at, struct err *e)
{
	if (tz_enter(zone, e) < 0)
		return -1;
	int rc = 0;
	if (to > from && offset_in(from) != offset_in(to)) {
		*at = find_change(from, to);
		rc = 1;
	}
	tz_leave();
	return rc;
}

void tz_format_offset(long off, char buf[static 6])
{
	char sign = off < 0 ? '-' : '+';
	unsigned long a = off < 0 ? (unsigned long)-off : (unsigned long)off;
	unsigned h = (unsigned)(a / 3600 % 100), m = (unsigned)(a / 60 % 60);
	buf[0] = sign;
	buf[1] = (char)('0' + h / 10);
	buf[2] = (char)('0' + h % 10);
	buf[3] = (char)('0' + m / 10);
	buf[4] = (char)('0' + m % 10);
	buf[5] = '\0';
}

int tz_format(const char *zone, time_t t, char *buf, size_t size, struct err *e)
{
	struct tz_tm r;
	if (tz_local(zone, t, &r, e) < 0)
		return -1;
	int n = snprintf(buf, size, "%04d-%02d-%02d %02d:%02d %s", r.year, r.month, r.day,
			 r.hour, r.min, r.abbr);
	if (n < 0 || (size_t)n >= size)
		return err_set(e, ERR_LIMIT, 0, "formatted time does not fit in %zu bytes", size);
	return 0;
}

int tz_date_header(const char *zone, time_t t, char *buf, size_t size, struct err *e)
{
	static const char *const wd[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const mo[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tz_tm r;
	if (tz_local(zone, t, &r, e) < 0)
		return -1;
	char off[6];
	tz_format_offset(r.utc_offset, off);
	/* RFC 5322 §3.3: seconds 60 is allowed but never produced by a time_t without leaps. */
	int n = snprintf(buf, size, "%s, %02d %s %04d %02d:%02d:%02d %s", wd[r.wday],
			 r.day, mo[r.month - 1], r.year, r.hour, r.min, r.sec > 59 ? 59 : r.sec, off);
	if (n < 0 || (size_t)n >= size)
		return err_set(e, ERR_LIMIT, 0, "date header does not fit in %zu bytes", size);
	return 0;
}

/* ------------------------------------------------------------------ regions */

struct region {
	const char *code;    /* postal code, lower case */
	const char *country; /* "US" or "CA" */
	const char *zone;
	const char *names[4]; /* normalised full names and aliases */
};

/*
 * The zone covering most of each region's population. States split between zones take
 * their larger part: Florida's panhandle is Central but most Floridians are Eastern;
 * Indiana is Eastern except a few north-west and south-west counties; Kentucky's Eastern
 * part holds Louisville and Lexington; Tennessee's Central part holds Nashville and
 * Memphis; Michigan is Eastern but for four Upper Peninsula counties; Idaho's south (Boise)
 * is Mountain; the Dakotas, Nebraska and Kansas are mostly Central; Oregon is Pacific but
 * for Malheur County; Nunavut's largest population (Iqaluit, Baffin) is Eastern.
 */
static const struct region regions[] = {
	{ "al", "US", "America/Chicago", { "alabama" } },
	{ "ak", "US", "America/Anchorage", { "alaska" } },
	{ "az", "US", "America/Phoenix", { "arizona" } },
	{ "ar", "US", "America/Chicago", { "arkansas" } },
	{ "ca", "US", "America/Los_Angeles", { "california" } },
	{ "co", "US", "America/Denver", { "colorado" } },
	{ "ct", "US", "America/New_York", { "connecticut" } },
	{ "de", "US", "America/New_York", { "delaware" } },
	{ "dc", "US", "America/New_York", { "district of columbia", "washington dc" } },
	{ "fl", "US", "America/New_York", { "florida" } },
	{ "ga", "US", "America/New_York", { "georgia" } },
	{ "hi", "US", "Pacific/Honolulu", { "hawaii" } },
	{ "id", "US", "America/Boise", { "idaho" } },
	{ "il", "US", "America/Chicago", { "illinois" } },
	{ "in", "US", "America/Indiana/Indianapolis", { "indiana" } },
	{ "ia", "US", "America/Chicago", { "iowa" } },
	{ "ks", "US", "America/Chicago", { "kansas" } },
	{ "ky", "US", "America/New_York", { "kentucky" } },
	{ "la", "US", "America/Chicago", { "louisiana" } },
	{ "me", "US", "America/New_York", { "maine" } },
	{ "md", "US", "America/New_York", { "maryland" } },
	{ "ma", "US", "America/New_York", { "massachusetts" } },
	{ "mi", "US", "America/Detroit", { "michigan" } },
	{ "mn", "US", "America/Chicago", { "minnesota" } },
	{ "ms", "US", "America/Chicago", { "mississippi" } },
	{ "mo", "US", "America/Chicago", { "missouri" } },
	{ "mt", "US", "America/Denver", { "montana" } },
	{ "ne", "US", "America/Chicago", { "nebraska" } },
	{ "nv", "US", "America/Los_Angeles", { "nevada" } },
	{ "nh", "US", "America/New_York", { "new hampshire" } },
	{ "nj", "US", "America/New_York", { "new jersey" } },
	{ "nm", "US", "America/Denver", { "new mexico" } },
	{ "ny", "US", "America/New_York", { "new york", "new york state" } },
	{ "nc", "US", "America/New_York", { "north carolina" } },
	{ "nd", "US", "America/Chicago", { "north dakota" } },
	{ "oh", "US", "America/New_York", { "ohio" } },
	{ "ok", "US", "America/Chicago", { "oklahoma" } },
	{ "or", "US", "America/Los_Angeles", { "oregon" } },
	{ "pa", "US", "America/New_York", { "pennsylvania" } },
	{ "ri", "US", "America/New_York", { "rhode island" } },
	{ "sc", "US", "America/New_York", { "south carolina" } },
	{ "sd", "US", "America/Chicago", { "south dakota" } },
	{ "tn", "US", "America/Chicago", { "tennessee" } },
	{ "tx", "US", "America/Chicago", { "texas" } },
	{ "ut", "US", "America/Denver", { "utah" } },
	{ "vt", "US", "America/New_York", { "vermont" } },
	{ "va", "US", "America/New_York", { "virginia" } },
	{ "wa", "US", "America/Los_Angeles", { "washington", "washington state" } },
	{ "wv", "US", "America/New_York", { "west virginia" } },
	{ "wi", "US", "America/Chicago", { "wisconsin" } },
	{ "wy", "US", "America/Denver", { "wyoming" } },
	{ "pr", "US", "America/Puerto_Rico", { "puerto rico" } },
	{ "vi", "US", "America/St_Thomas", { "us virgin islands", "virgin islands", "usvi" } },
	{ "gu", "US", "Pacific/Guam", { "guam" } },
	{ "as", "US", "Pacific/Pago_Pago", { "american samoa" } },
	{ "mp", "US", "Pacific/Saipan", { "northern mariana islands", "northern marianas", "cnmi" } },

	{ "ab", "CA", "America/Edmonton", { "alberta" } },
	{ "bc", "CA", "America/Vancouver", { "british columbia" } },
	{ "mb", "CA", "America/Winnipeg", { "manitoba" } },
	{ "nb", "CA", "America/Moncton", { "new brunswick" } },
	{ "nl", "CA", "America/St_Johns", { "newfoundland and labrador", "newfoundland", "nf" } },
	{ "ns", "CA", "America/Halifax", { "nova scotia" } },
	{ "nt", "CA", "America/Edmonton", { "northwest territories" } },
	{ "nu", "CA", "America/Iqaluit", { "nunavut" } },
	{ "on", "CA", "America/Toronto", { "ontario" } },
	{ "pe", "CA", "America/Halifax", { "prince edward island", "pei" } },
	{ "qc", "CA", "America/Toronto", { "quebec", "pq" } },
	{ "sk", "CA", "America/Regina", { "saskatchewan" } },
	{ "yt", "CA", "America/Whitehorse", { "yukon", "yukon territory" } },
};

/*
 * Normalise a free-text region or country: ASCII lower case, dots dropped ("D.C." → "dc"),
 * runs of spaces, commas, hyphens and underscores → one space, '&' → "and", é/É → e
 * (Québec). `compact` is the same without spaces ("N Y" → "ny"). False if too long.
 */
static bool normalise(const char *in, char *words, char *compact, size_t size)
{
	size_t w = 0, c = 0;
	bool space = false;
	const unsigned char *p = (const unsigned char *)in;
	for (; *p; p++) {
		unsigned ch = *p;
		const char *rep = NULL;
		char one[2] = { 0, 0 };
		if (ch == '.')
			continue;
		if (ch == ' ' || ch == '\t' || ch == ',' || ch == '-' || ch == '_' || ch == '\r' ||
		    ch == '\n') {
			space = true;
			continue;
		}
		if (ch == 0xc3 && (p[1] == 0xa9 || p[1] == 0x89)) {
			p++;
			rep = "e";
		} else if (ch == '&') {
			rep = "and";
			space = true;
		} else {
			one[0] = (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
			rep = one;
		}
		size_t n = strlen(rep);
		if (w + n + 2 >= size)
			return false;
		if (space && w > 0)
			words[w++] = ' ';
		space = ch == '&';
		memcpy(words + w, rep, n);
		w += n;
		memcpy(compact + c, rep, n);
		c += n;
	}
	words[w] = compact[c] = '\0';
	return true;
}

static const struct region *region_find(const char *region, const char *only_country)
{
	char words[64], compact[64];
	if (!region || !normalise(region, words, compact, sizeof words) || !*compact)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(regions); i++) {
		const struct region *r = &regions[i];
		if (only_country && !str_eq(only_country, r->country))
			continue;
		if (str_eq(compact, r->code))
			return r;
		for (size_t j = 0; j < ARRAY_SIZE(r->names) && r->names[j]; j++)
			if (str_eq(words, r->names[j]) || str_eq(compact, r->names[j]))
				return r;
	}
	return NULL;
}

/* "US", "CA", "" for empty/NULL (unknown: search both), NULL for another country. */
static const char *country_code(const char *country)
{
	char words[64], compact[64];
	if (!country)
		return "";
	if (!normalise(country, words, compact, sizeof words))
		return NULL;
	if (!*compact)
		return "";
	static const char *const us[] = { "us", "usa", "united states", "united states of america",
					  "america" };
	static const char *const ca[] = { "ca", "can", "canada" };
	for (size_t i = 0; i < ARRAY_SIZE(us); i++)
		if (str_eq(words, us[i]) || str_eq(compact, us[i]))
			return "US";
	for (size_t i = 0; i < ARRAY_SIZE(ca); i++)
		if (str_eq(words, ca[i]) || str_eq(compact, ca[i]))
			return "CA";
	return NULL;
}

const char *tz_region_zone(const char *region, const char *country)
{
	const char *cc = country_code(country);
	if (!cc)
		return NULL;
	const struct region *r = region_find(region, *cc ? cc : NULL);
	return r ? r->zone : NULL;
}

const char *tz_region_country(const char *region)
{
	const struct region *r = region_find(region, NULL);
	return r ? r->country : NULL;
}

/* ------------------------------------------------------------------ resolution */

const char *tz_rule_name(enum tz_rule rule)
{
	switch (rule) {
	case TZ_RULE_CONTACT: return "contact";
	case TZ_RULE_STATE: return "state";
	case TZ_RULE_ACCOUNT: return "account";
	}
	return "unknown";
}

/* US colloquial zone names people type into a spreadsheet. The zoneinfo files "EST",
 * "MST" and "HST" exist but have no daylight saving time: a hospital in New York that
 * writes "EST" means New York time, which is EDT half the year. */
static const struct { const char *name, *zone; } colloquial[] = {
	{ "eastern", "America/New_York" }, { "et", "America/New_York" },
	{ "est", "America/New_York" }, { "edt", "America/New_York" },
	{ "us eastern", "America/New_York" },
	{ "central", "America/Chicago" }, { "ct", "America/Chicago" },
	{ "cst", "America/Chicago" }, { "cdt", "America/Chicago" },
	{ "us central", "America/Chicago" },
	{ "mountain", "America/Denver" }, { "mt", "America/Denver" },
	{ "mst", "America/Denver" }, { "mdt", "America/Denver" },
	{ "us mountain", "America/Denver" },
	{ "pacific", "America/Los_Angeles" }, { "pt", "America/Los_Angeles" },
	{ "pst", "America/Los_Angeles" }, { "pdt", "America/Los_Angeles" },
	{ "us pacific", "America/Los_Angeles" },
	{ "alaska", "America/Anchorage" }, { "akst", "America/Anchorage" },
	{ "akdt", "America/Anchorage" },
	{ "hawaii", "Pacific/Honolulu" }, { "hst", "Pacific/Honolulu" },
};

int tz_resolve(const char *contact_zone, const char *state, const char *country,
	       const char *account_zone, struct tz_choice *out, struct err *e)
{
	char q[80];
	struct tz_choice c;
	memset(&c, 0, sizeof c);
	if (!tz_valid(account_zone))
		return err_set(e, ERR_CONFIG, 0, "unknown account time zone '%s'",
			       clean(account_zone, q, sizeof q));

	char buf[TZ_NAME_MAX * 2];
	if (contact_zone && strlen(contact_zone) >= sizeof buf) /* never truncate into a name */
		return err_set(e, ERR_DATA, 0, "time zone '%s' is too long", clean(contact_zone, q, sizeof q));
	snprintf(buf, sizeof buf, "%s", contact_zone ? contact_zone : "");
	str_trim(buf);
	if (*buf) {
		char words[64], compact[64];
		const char *alias = NULL;
		if (normalise(buf, words, compact, sizeof words))
			for (size_t i = 0; i < ARRAY_SIZE(colloquial) && !alias; i++)
				if (str_eq(words, colloquial[i].name))
					alias = colloquial[i].zone;
		if (alias) {
			snprintf(c.zone, sizeof c.zone, "%s", alias);
			snprintf(c.why, sizeof c.why, "timezone '%s' read as %s", clean(buf, q, sizeof q),
				 alias);
		} else if (tz_valid(buf)) { /* so shorter than TZ_NAME_MAX */
			memcpy(c.zone, buf, strlen(buf) + 1);
			snprintf(c.why, sizeof c.why, "timezone column");
		} else {
			return err_set(e, ERR_DATA, 0, "unknown time zone '%s' (expected an IANA name "
				       "such as America/New_York)", clean(buf, q, sizeof q));
		}
		c.rule = TZ_RULE_CONTACT;
		*out = c;
		return 0;
	}

	bool have_state = state && strspn(state, " \t") != strlen(state);
	bool have_country = country && strspn(country, " \t") != strlen(country);
	const char *cc = country_code(country);
	const char *zone = NULL;
	if (have_state && cc)
		zone = tz_region_zone(state, country);
	if (zone) {
		c.rule = TZ_RULE_STATE;
		snprintf(c.zone, sizeof c.zone, "%s", zone);
		snprintf(c.why, sizeof c.why, "state '%s'", clean(state, q, sizeof q));
		*out = c;
		return 0;
	}
	/* A territory written in the country column ("Puerto Rico", "Guam"). */
	if (!cc && have_country && (zone = tz_region_zone(country, "US")) != NULL) {
		c.rule = TZ_RULE_STATE;
		snprintf(c.zone, sizeof c.zone, "%s", zone);
		snprintf(c.why, sizeof c.why, "country '%s'", clean(country, q, sizeof q));
		*out = c;
		return 0;
	}
	c.rule = TZ_RULE_ACCOUNT;
	snprintf(c.zone, sizeof c.zone, "%s", account_zone);
	if (have_state && !cc)
		snprintf(c.why, sizeof c.why, "account (country '%s' is not the US or Canada)",
			 clean(country, q, sizeof q));
	else if (have_state)
		snprintf(c.why, sizeof c.why, "account (state '%s' not recognised%s%s%s)",
			 clean(state, q, sizeof q), *cc ? " in " : "", *cc ? cc : "",
			 *cc && tz_region_country(state) ? ": it belongs to another country" : "");
	else
		snprintf(c.why, sizeof c.why, "account (no timezone or state)");
	*out = c;
	return 0;
}
