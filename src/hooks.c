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

/* What follows "POINT:" in the environment variable `var`, or NULL when it names another point. */
static const char *hook_spec(const char *var, const char *point)
{
	const char *spec = getenv(var);
	size_t n = strlen(point);
	if (!spec || strncmp(spec, point, n) != 0 || spec[n] != ':')
		return NULL;
	return spec + n + 1;
}

void hook_crash(const char *point)
{
	static int count;
	const char *spec = hook_spec("OUTREACH_TEST_CRASH", point);
	long at = 0;
	if (spec && parse_long(spec, 1, 1000000, &at) == 0 && ++count == at)
		kill(getpid(), SIGKILL);
}

void hook_run(const char *point)
{
	static int count;
	const char *spec = hook_spec("OUTREACH_TEST_RUN", point);
	char *end = NULL;
	long at = spec ? strtol(spec, &end, 10) : 0;
	if (spec && end && *end == ':' && ++count == at && system(end + 1) != 0)
		abort(); /* the test's own command failed: the test is wrong, say so loudly */
}
#else
/* ISO C forbids an empty translation unit */
typedef int hooks_unused;
#endif
