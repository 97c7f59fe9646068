/* instant.h: test instants written as UTC text ("2026-11-24T14:00:00Z"), converted by the
 * base clock parser (timegm), which does not depend on the calendar and zone code under
 * test. Include after <cmocka.h>. */
#ifndef OUTREACH_TEST_INSTANT_H
#define OUTREACH_TEST_INSTANT_H
#include <time.h>

#include "clock.h"

static inline time_t U(const char *s)
{
	time_t t = clock_parse_utc(s);
	if (t < 0)
		fail_msg("bad test instant %s", s);
	return t;
}

#endif
