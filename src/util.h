/* util: small string, UTF-8, number and file helpers shared by every module. */
#ifndef OUTREACH_UTIL_H
#define OUTREACH_UTIL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

struct buf;
struct err;

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Parse a whole decimal integer in [min, max]; 0 or -1 (nothing written). */
int parse_long(const char *s, long min, long max, long *out);
/* Strip ASCII whitespace at both ends, in place; returns s. */
char *str_trim(char *s);
/* ASCII lower-case, in place; returns s. */
char *str_lower(char *s);
bool str_starts_with(const char *s, const char *prefix);
bool str_istarts_with(const char *s, const char *prefix);
bool str_ends_with(const char *s, const char *suffix);
bool str_eq(const char *a, const char *b);          /* NULL-safe */
bool str_ieq(const char *a, const char *b);         /* NULL-safe, ASCII case-insensitive */
/* Case-insensitive ASCII substring search within n bytes of h. */
const char *mem_icase_find(const char *h, size_t n, const char *needle);
/* True if s[0..n) holds CR, LF or NUL. */
bool mem_has_crlf_nul(const char *s, size_t n);

/* UTF-8: true if s[0..n) is well-formed (no overlongs, surrogates, > U+10FFFF). */
bool utf8_valid(const char *s, size_t n);
/* Decode one code point at s (n bytes available); returns its length, or -1 if invalid. */
int utf8_decode(const char *s, size_t n, uint32_t *cp);
/* Append the UTF-8 encoding of cp. */
int utf8_encode(struct buf *b, uint32_t cp);
/* Number of code points in a valid UTF-8 string. */
size_t utf8_length(const char *s, size_t n);
bool is_ascii(const char *s, size_t n);

/* Normalise a spreadsheet header name: "First Name" -> "first_name" (ASCII letters
 * lower-cased, runs of other characters -> one '_', trimmed). Caller frees. */
char *normalize_key(const char *s);

/* Read a whole file (at most max bytes; ERR_LIMIT beyond). */
int read_file(const char *path, size_t max, struct buf *out, struct err *e);
/* Write via a temporary file in the same directory, fsync, rename: readers never see a
 * half-written file. `mode` applies to the new file. */
int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode, struct err *e);
/* The same without the fsync, for many files at once (preview --out): a reader still never
 * sees half a file; call sync_dir_fs() once when all are written. */
int write_file_replace(const char *path, const void *data, size_t len, mode_t mode, struct err *e);
/* Flush the file system that holds `dir` (syncfs). */
int sync_dir_fs(const char *dir, struct err *e);
/* Cryptographically random bytes (getrandom). */
void random_bytes(void *p, size_t n);
/* A random token of n characters from [a-z0-9]. Caller frees. */
char *random_token(size_t n);
/* Join a directory and a relative path ("a" + "b" -> "a/b"; absolute p returned as is). */
char *path_join(const char *dir, const char *p);
/* Directory part of a path ("." when none). Caller frees. */
char *path_dirname(const char *p);
/* Last component of a path (points into p). */
const char *path_basename(const char *p);
/* "2026-11-25 09:00 UTC". */
const char *fmt_utc(time_t t, char *out, size_t n);
/* Append s to b, cut to at most width display columns (counting code points), padded
 * with spaces to width; an ellipsis marks a cut. */
int buf_add_cell(struct buf *b, const char *s, size_t width);

/* mkdir -p with the given mode for created directories. */
int mkdir_p(const char *path, mode_t mode, struct err *e);

#endif
