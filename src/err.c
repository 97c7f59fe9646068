/* err: classified errors — every failure carries the class that decides what happens next. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

int err_set(struct err *e, enum err_class cls, int code, const char *fmt, ...)
{
	if (!e)
		return -1;
	e->cls = cls;
	e->code = code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return -1;
}

int err_prefix(struct err *e, const char *fmt, ...)
{
	if (!e)
		return -1;
	char pre[256], old[sizeof e->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof pre, fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof old);
	/* built by hand: the result is cut at sizeof e->msg on purpose */
	size_t n = strnlen(pre, sizeof pre), m = strnlen(old, sizeof old - 1), cap = sizeof e->msg - 1;
	size_t k = n < cap ? n : cap;
	memcpy(e->msg, pre, k);
	if (k + 2 <= cap) {
		memcpy(e->msg + k, ": ", 2);
		k += 2;
	}
	size_t rest = cap - k < m ? cap - k : m;
	memcpy(e->msg + k, old, rest);
	e->msg[k + rest] = '\0';
	return -1;
}

void err_clear(struct err *e)
{
	if (e) {
		e->cls = ERR_NONE;
		e->code = 0;
		e->msg[0] = '\0';
	}
}

const char *err_class_name(enum err_class cls)
{
	static const char *const names[] = {
		[ERR_NONE] = "none", [ERR_TEMP] = "temporary", [ERR_PERM] = "permanent",
		[ERR_UNKNOWN] = "unknown", [ERR_SESSION] = "session", [ERR_DATA] = "data",
		[ERR_CONFIG] = "config", [ERR_USAGE] = "usage", [ERR_IO] = "io",
		[ERR_LIMIT] = "limit", [ERR_INTERNAL] = "internal",
	};
	if ((unsigned)cls < sizeof names / sizeof names[0] && names[cls])
		return names[cls];
	return "internal";
}

int err_exit_code(enum err_class cls)
{
	switch (cls) {
	case ERR_NONE: return EX_OK;
	case ERR_TEMP: return EX_TEMPFAIL;
	case ERR_PERM: return EX_UNAVAILABLE;
	case ERR_UNKNOWN: return EX_TEMPFAIL;
	case ERR_SESSION: return EX_NOPERM;
	case ERR_DATA: return EX_DATAERR;
	case ERR_CONFIG: return EX_CONFIG;
	case ERR_USAGE: return EX_USAGE;
	case ERR_IO: return EX_IOERR;
	case ERR_LIMIT: return EX_DATAERR;
	case ERR_INTERNAL: return EX_SOFTWARE;
	}
	return EX_SOFTWARE;
}
