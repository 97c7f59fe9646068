/* clock: the one source of wall-clock time, injectable for tests (OUTREACH_NOW). */
#include "clock.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int inited;
static bool fake;
static double fake_now;

void clock_reset(void)
{
	inited = 0;
}

time_t clock_parse_utc(const char *s)
{
	if (!s || !*s)
		return -1;
	char *end;
	if (strspn(s, "0123456789") == strlen(s)) {
		errno = 0;
		long long v = strtoll(s, &end, 10);
		return errno ? -1 : (time_t)v;
	}
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end)
		end = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
	if (!end) {
		memset(&tm, 0, sizeof tm);
		end = strptime(s, "%Y-%m-%d", &tm);
	}
	if (!end || (*end && strcmp(end, "Z") != 0))
		return -1;
	return timegm(&tm);
}

static void init(void)
{
	if (inited)
		return;
	inited = 1;
	const char *s = getenv("OUTREACH_NOW");
	time_t t = s ? clock_parse_utc(s) : -1;
	fake = t >= 0;
	fake_now = (double)t;
}

bool clock_is_fake(void)
{
	init();
	return fake;
}

time_t clock_now(void)
{
	init();
	return fake ? (time_t)fake_now : time(NULL);
}

double clock_mono(void)
{
	init();
	if (fake)
		return fake_now;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int clock_sleep(double seconds, volatile int *stop)
{
	init();
	if (seconds <= 0)
		return stop && *stop;
	if (fake) {
		fake_now += seconds;
		return stop && *stop;
	}
	double until = clock_mono() + seconds;
	for (;;) {
		if (stop && *stop)
			return 1;
		double left = until - clock_mono();
		if (left <= 0)
			return 0;
		/* short slices so a signal handler's flag is noticed quickly */
		poll(NULL, 0, left > 0.25 ? 250 : (int)(left * 1000) + 1);
	}
}
