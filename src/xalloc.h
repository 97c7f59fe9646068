/* xalloc: allocation that cannot fail — the one place where out-of-memory is fatal. */
#ifndef OUTREACH_XALLOC_H
#define OUTREACH_XALLOC_H
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* Grow an array to hold at least `need` elements of `size` bytes; *cap is updated. */
void *xgrow(void *p, size_t *cap, size_t need, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Like asprintf, but exits on failure; the result is the caller's to free. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Free *p and set it to NULL. */
void xfree(void *pp);
/* Overwrite n bytes with zeros in a way the compiler may not drop (for secrets). */
void xzero(void *p, size_t n);

#endif
