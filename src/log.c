/* log: diagnostics on stderr — levels set by -q/-v; key=value event lines for machines. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "buf.h"

static int level = LOG_NORMAL;

void log_set_level(int l) { level = l; }
int log_level(void) { return level; }

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void log_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("outreach: ", fmt, ap);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	if (level < LOG_NORMAL)
		return;
	va_list ap;
	va_start(ap, fmt);
	vlog("outreach: warning: ", fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	if (level < LOG_NORMAL)
		return;
	va_list ap;
	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

void log_verbose(const char *fmt, ...)
{
	if (level < LOG_VERBOSE)
		return;
	va_list ap;
	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

static void add_value(struct buf *b, const char *v)
{
	int quote = !*v || strpbrk(v, " \t\"=") != NULL;
	if (quote)
		buf_addch(b, '"');
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_printf(b, "\\%c", *p);
		else if (*p == '\n')
			buf_addstr(b, "\\n");
		else if (*p == '\r')
			buf_addstr(b, "\\r");
		else if (*p < 0x20 || *p == 0x7f)
			buf_printf(b, "\\x%02x", *p);
		else
			buf_addch(b, (char)*p);
	}
	if (quote)
		buf_addch(b, '"');
}

void log_event(const char *kind, const char *const *kv)
{
	if (level < LOG_VERBOSE)
		return;
	struct buf b = BUF_INIT(16384);
	buf_printf(&b, "event=%s", kind);
	for (; kv && kv[0]; kv += 2) {
		if (!kv[1])
			continue;
		buf_printf(&b, " %s=", kv[0]);
		add_value(&b, kv[1]);
	}
	fprintf(stderr, "%s\n", buf_str(&b));
	buf_release(&b);
}
