/* log: diagnostics on stderr — levels set by -q/-v; key=value event lines for machines. */
#ifndef OUTREACH_LOG_H
#define OUTREACH_LOG_H

enum log_level { LOG_QUIET = -1, LOG_NORMAL = 0, LOG_VERBOSE = 1, LOG_DEBUG = 2 };

void log_set_level(int level);
int log_level(void);
/* "outreach: <msg>" — always shown. */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "outreach: warning: <msg>" — shown unless -q. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "<msg>" — progress and summaries on stderr, shown unless -q. */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Shown with -v. */
void log_verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One machine-readable event line with -v: "event=<kind> k=v ...". Values are quoted
 * when they contain spaces; control characters are escaped. `kv` is a NULL-terminated
 * list of key, value pairs. */
void log_event(const char *kind, const char *const *kv);

#endif
