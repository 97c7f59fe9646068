/* hooks: test-only fault points, compiled into the outreach-hooks binary only
 * (-DOUTREACH_TEST_HOOKS). In the real binary this file is empty. */
#include "hooks.h"

#ifdef OUTREACH_TEST_HOOKS
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

void hook_crash(const char *point)
{
	static int count;
	const char *spec = getenv("OUTREACH_TEST_CRASH");
	if (!spec)
		return;
	size_t n = strlen(point);
	if (strncmp(spec, point, n) != 0 || spec[n] != ':')
		return;
	long at = 0;
	if (parse_long(spec + n + 1, 1, 1000000, &at) == 0 && ++count == at)
		kill(getpid(), SIGKILL);
}

void hook_run(const char *point)
{
	static int count;
	const char *spec = getenv("OUTREACH_TEST_RUN");
	if (!spec)
		return;
	size_t n = strlen(point);
	if (strncmp(spec, point, n) != 0 || spec[n] != ':')
		return;
	char *end = NULL;
	long at = strtol(spec + n + 1, &end, 10);
	if (end && *end == ':' && ++count == at && system(end + 1) != 0)
		abort(); /* the test's own command failed: the test is wrong, say so loudly */
}
#else
/* ISO C forbids an empty translation unit */
typedef int hooks_unused;
#endif
