/* err: classified errors — every failure carries the class that decides what happens next. */
#ifndef OUTREACH_ERR_H
#define OUTREACH_ERR_H

/*
 * Domain modules never print and never exit: they return -1 and fill a caller-owned
 * struct err. The class drives the caller's decision (after isync's FAIL_TEMP/FAIL_FINAL
 * and OpenSMTPD's failure classes); cmd_* maps classes to sysexits codes.
 */
enum err_class {
	ERR_NONE = 0,
	ERR_TEMP,     /* transient: retry later (SMTP 4xx, timeout, network) */
	ERR_PERM,     /* permanent for this item (SMTP 5xx for one recipient): record, go on */
	ERR_UNKNOWN,  /* outcome unknown: the message may have been delivered; never retry */
	ERR_SESSION,  /* the whole session is unusable (auth, TLS, STARTTLS): stop the run */
	ERR_DATA,     /* bad input data (CSV row, template, variable): report file:line */
	ERR_CONFIG,   /* bad configuration */
	ERR_USAGE,    /* bad command line */
	ERR_IO,       /* local file or database I/O */
	ERR_LIMIT,    /* a size limit on untrusted input was hit */
	ERR_INTERNAL, /* a bug */
};

struct err {
	enum err_class cls;
	int code;       /* protocol or library code when there is one (SMTP reply, errno...) */
	char msg[512];  /* lowercase, what failed first; untouched on success */
};

/* Fill e (if not NULL) and return -1, so callers can write `return err_set(...)`. */
int err_set(struct err *e, enum err_class cls, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Prefix the existing message: "ctx: old message". Returns -1. */
int err_prefix(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void err_clear(struct err *e);
const char *err_class_name(enum err_class cls);
/* sysexits.h code for a class. */
int err_exit_code(enum err_class cls);

#endif
