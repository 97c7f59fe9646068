/* clock: the one source of wall-clock time, injectable for tests (OUTREACH_NOW). */
#ifndef OUTREACH_CLOCK_H
#define OUTREACH_CLOCK_H
#include <stdbool.h>
#include <time.h>

/*
 * When the environment sets OUTREACH_NOW (seconds since the epoch, or
 * YYYY-MM-DDTHH:MM:SSZ), time starts there and only clock_sleep() advances it: pacing,
 * windows and follow-up schedules are then tested without waiting. Otherwise real time.
 */
time_t clock_now(void);
bool clock_is_fake(void);
/* Sleep (or advance the fake clock). Returns early, with 1, when *stop becomes true. */
int clock_sleep(double seconds, volatile int *stop);
/* Monotonic seconds, for measuring durations; follows the fake clock when it is set. */
double clock_mono(void);
/* Parse "YYYY-MM-DDTHH:MM:SSZ", "YYYY-MM-DD HH:MM:SS" (UTC) or digits; -1 when invalid. */
time_t clock_parse_utc(const char *s);
/* Reset after the environment changed (tests). */
void clock_reset(void);

#endif
