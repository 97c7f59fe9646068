/* util: small string, UTF-8, number and file helpers shared by every module. */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "xalloc.h"

int parse_long(const char *s, long min, long max, long *out)
{
	if (!s || !*s)
		return -1;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

char *str_trim(char *s)
{
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	size_t i = 0;
	while (isspace((unsigned char)s[i]))
		i++;
	if (i)
		memmove(s, s + i, n - i + 1);
	return s;
}

char *str_lower(char *s)
{
	for (char *p = s; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return s;
}

bool str_starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_istarts_with(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

bool str_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

bool str_ieq(const char *a, const char *b)
{
	return a == b || (a && b && strcasecmp(a, b) == 0);
}

const char *mem_icase_find(const char *h, size_t n, const char *needle)
{
	size_t m = strlen(needle);
	if (!m)
		return h;
	if (m > n)
		return NULL;
	unsigned char first = (unsigned char)tolower((unsigned char)needle[0]);
	for (size_t i = 0; i + m <= n; i++) {
		if ((unsigned char)tolower((unsigned char)h[i]) != first)
			continue;
		if (strncasecmp(h + i, needle, m) == 0)
			return h + i;
	}
	return NULL;
}

bool mem_has_crlf_nul(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\r' || s[i] == '\n' || s[i] == '\0')
			return true;
	return false;
}

int utf8_decode(const char *s, size_t n, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	if (!n)
		return -1;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	int len;
	uint32_t c, min;
	if ((p[0] & 0xe0) == 0xc0) {
		len = 2, c = p[0] & 0x1f, min = 0x80;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3, c = p[0] & 0x0f, min = 0x800;
	} else if ((p[0] & 0xf8) == 0xf0) {
		len = 4, c = p[0] & 0x07, min = 0x10000;
	} else {
		return -1;
	}
	if ((size_t)len > n)
		return -1;
	for (int i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return -1;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return -1;
	*cp = c;
	return len;
}

bool utf8_valid(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		/* ASCII eight octets at a time: letters are mostly ASCII */
		while (n - i >= 8) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			if (w & 0x8080808080808080ull)
				break;
			i += 8;
		}
		if (i == n)
			break;
		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		uint32_t cp;
		int k = utf8_decode(s + i, n - i, &cp);
		if (k < 0)
			return false;
		i += (size_t)k;
	}
	return true;
}

int utf8_encode(struct buf *b, uint32_t cp)
{
	char t[4];
	size_t n;
	if (cp < 0x80) {
		t[0] = (char)cp, n = 1;
	} else if (cp < 0x800) {
		t[0] = (char)(0xc0 | (cp >> 6)), t[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
	} else if (cp < 0x10000) {
		t[0] = (char)(0xe0 | (cp >> 12)), t[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		t[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
	} else {
		t[0] = (char)(0xf0 | (cp >> 18)), t[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		t[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), t[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
	}
	return buf_add(b, t, n);
}

size_t utf8_length(const char *s, size_t n)
{
	size_t count = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			count++;
	return count;
}

bool is_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return false;
	return true;
}

char *normalize_key(const char *s)
{
	size_t n = strlen(s);
	char *out = xmalloc(n + 1);
	size_t o = 0;
	int pending = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isalnum(c) || c >= 0x80) {
			if (pending && o)
				out[o++] = '_';
			pending = 0;
			out[o++] = (char)tolower(c);
		} else {
			pending = 1;
		}
	}
	out[o] = '\0';
	return out;
}

int read_file(const char *path, size_t max, struct buf *out, struct err *e)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return err_set(e, ERR_IO, errno, "cannot open '%s': %s", path, strerror(errno));
	char chunk[65536];
	size_t n;
	int rc = 0;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (out->len + n > max || buf_add(out, chunk, n) < 0) {
			rc = err_set(e, ERR_LIMIT, 0, "'%s' is larger than %zu bytes", path, max);
			break;
		}
	}
	if (!rc && ferror(f))
		rc = err_set(e, ERR_IO, errno, "cannot read '%s': %s", path, strerror(errno));
	fclose(f);
	return rc;
}

static int write_file(const char *path, const void *data, size_t len, mode_t mode, bool sync, struct err *e)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0) {
		err_set(e, ERR_IO, errno, "cannot create '%s': %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	const char *p = data;
	size_t left = len;
	while (left) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			err_set(e, ERR_IO, errno, "cannot write '%s': %s", tmp, strerror(errno));
			goto fail;
		}
		p += w, left -= (size_t)w;
	}
	if (fchmod(fd, mode) < 0 || (sync && fsync(fd) < 0)) {
		err_set(e, ERR_IO, errno, "cannot sync '%s': %s", tmp, strerror(errno));
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		err_set(e, ERR_IO, errno, "cannot write '%s': %s", tmp, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		err_set(e, ERR_IO, errno, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
		goto fail;
	}
	free(tmp);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	return -1;
}

int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode, struct err *e)
{
	return write_file(path, data, len, mode, true, e);
}

int write_file_replace(const char *path, const void *data, size_t len, mode_t mode, struct err *e)
{
	return write_file(path, data, len, mode, false, e);
}

int sync_dir_fs(const char *dir, struct err *e)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, ERR_IO, errno, "cannot open '%s': %s", dir, strerror(errno));
	int rc = syncfs(fd);
	int saved = errno;
	close(fd);
	if (rc < 0)
		return err_set(e, ERR_IO, saved, "cannot sync '%s': %s", dir, strerror(saved));
	return 0;
}

void random_bytes(void *p, size_t n)
{
	unsigned char *q = p;
	while (n) {
		ssize_t r = getrandom(q, n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			perror("outreach: getrandom");
			abort();
		}
		q += r, n -= (size_t)r;
	}
}

char *random_token(size_t n)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char *raw = xmalloc(n);
	char *out = xmalloc(n + 1);
	random_bytes(raw, n);
	for (size_t i = 0; i < n; i++)
		out[i] = alphabet[raw[i] % 36]; /* 256 % 36 = 4: a negligible bias for an id */
	out[n] = '\0';
	free(raw);
	return out;
}

char *path_join(const char *dir, const char *p)
{
	if (p[0] == '/' || !dir || !*dir)
		return xstrdup(p);
	size_t n = strlen(dir);
	return xasprintf("%s%s%s", dir, dir[n - 1] == '/' ? "" : "/", p);
}

char *path_dirname(const char *p)
{
	const char *slash = strrchr(p, '/');
	if (!slash)
		return xstrdup(".");
	if (slash == p)
		return xstrdup("/");
	return xstrndup(p, (size_t)(slash - p));
}

const char *path_basename(const char *p)
{
	const char *slash = strrchr(p, '/');
	return slash ? slash + 1 : p;
}

int mkdir_p(const char *path, mode_t mode, struct err *e)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			err_set(e, ERR_IO, errno, "cannot create directory '%s': %s", p, strerror(errno));
			free(p);
			return -1;
		}
		*s = '/';
	}
	int rc = 0;
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		rc = err_set(e, ERR_IO, errno, "cannot create directory '%s': %s", p, strerror(errno));
	free(p);
	return rc;
}

const char *fmt_utc(time_t t, char *out, size_t n)
{
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(out, n, "%Y-%m-%d %H:%M UTC", &tm))
		snprintf(out, n, "%lld", (long long)t);
	return out;
}

int buf_add_cell(struct buf *b, const char *s, size_t width)
{
	size_t n = strlen(s), cps = utf8_length(s, n);
	int rc = 0;
	if (cps <= width) {
		rc |= buf_add(b, s, n);
		for (size_t i = cps; i < width; i++)
			rc |= buf_addch(b, ' ');
		return rc ? -1 : 0;
	}
	size_t keep = width ? width - 1 : 0, i = 0, seen = 0;
	while (i < n && seen < keep) {
		i++;
		while (i < n && ((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
		seen++;
	}
	rc |= buf_add(b, s, i);
	if (width)
		rc |= buf_addstr(b, "\xe2\x80\xa6");
	return rc ? -1 : 0;
}
