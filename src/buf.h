/* buf: a growable byte buffer with a mandatory maximum size (like curl's dynbuf). */
#ifndef OUTREACH_BUF_H
#define OUTREACH_BUF_H
#include <stdarg.h>
#include <stddef.h>

/*
 * Invariants: data is NULL or NUL-terminated at data[len]; len < cap; len never exceeds max.
 * An append that would exceed max fails with -1 and leaves the buffer unchanged, so hostile
 * input cannot grow memory without bound.
 */
struct buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
};

#define BUF_INIT(maxbytes) { NULL, 0, 0, (maxbytes) }

void buf_init(struct buf *b, size_t max);
/* Free the storage; the buffer can be used again afterwards. */
void buf_release(struct buf *b);
/* Like buf_release, but zeroes the bytes first (secrets). */
void buf_release_secret(struct buf *b);
/* Forget the contents, keep the storage. */
void buf_reset(struct buf *b);
/* Return 0, or -1 when the result would exceed max. */
int buf_add(struct buf *b, const void *p, size_t n);
int buf_addstr(struct buf *b, const char *s);
int buf_addch(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Always a valid NUL-terminated string (empty when nothing was added). */
const char *buf_str(const struct buf *b);
/* Hand the storage to the caller (never NULL); the buffer is left empty. */
char *buf_detach(struct buf *b, size_t *len);
/* Shorten to n bytes (n <= len). */
void buf_truncate(struct buf *b, size_t n);

#endif
