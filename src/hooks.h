/* hooks: test-only fault points, compiled into the outreach-hooks binary only
 * (-DOUTREACH_TEST_HOOKS). In the real binary they are empty. */
#ifndef OUTREACH_HOOKS_H
#define OUTREACH_HOOKS_H

#ifdef OUTREACH_TEST_HOOKS
/*
 * OUTREACH_TEST_CRASH=POINT:N kills the process (SIGKILL: no cleanup, like a power cut) the
 * N-th time POINT is reached. Points: before-sending (before 'sending' is committed),
 * after-accept (the server accepted the body, 'sent' not yet committed), between (after
 * 'sent' was committed, before the next message).
 */
void hook_crash(const char *point);
/*
 * OUTREACH_TEST_RUN=POINT:N:COMMAND runs COMMAND (sh -c) and waits for it the N-th time
 * POINT is reached: another process's write at that very moment. Points: as above.
 */
void hook_run(const char *point);
#else
static inline void hook_crash(const char *point) { (void)point; }
static inline void hook_run(const char *point) { (void)point; }
#endif

#endif
