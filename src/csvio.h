/* csvio: streaming CSV reading (libcsv, strict, exact line numbers, any spreadsheet encoding)
 * and RFC 4180 writing. */
#ifndef OUTREACH_CSVIO_H
#define OUTREACH_CSVIO_H
#include <stdbool.h>
#include <stddef.h>

struct buf;
struct err;

struct csvio_opts {
	const char *encoding; /* NULL: detect (BOM, else UTF-8 if valid, else Windows-1252) */
	size_t max_field;     /* bytes per field; 0: CSVIO_MAX_FIELD */
	size_t max_fields;    /* fields per record; 0: CSVIO_MAX_FIELDS */
	char delimiter;       /* 0: detect ',' ';' or tab from the header line */
};

#define CSVIO_MAX_FIELD (64 * 1024)
#define CSVIO_MAX_FIELDS 512
#define CSVIO_MAX_RAW (1024 * 1024) /* raw text kept of one record, for rejects */

struct csvio_row {
	char **field;      /* UTF-8, NUL-terminated; valid until the next csvio_next */
	size_t *len;
	size_t n;
	long first_line;   /* physical lines the record spans (1-based) */
	long last_line;
};

struct csvio;

/* Open a file for reading. ERR_IO when it cannot be read, ERR_DATA for an unknown encoding. */
int csvio_open(const char *path, const struct csvio_opts *o, struct csvio **out, struct err *e);
/*
 * The next record. Returns 1 with *row set, 0 at the end, or -1:
 *  - ERR_DATA: this record is malformed (stray quote, field too long, too many fields,
 *    quote never closed); e->msg is "FILE:LINE: what is wrong"; csvio_raw() gives its
 *    text; calling csvio_next again continues with the next line.
 *  - any other class: reading cannot go on.
 * Blank lines are skipped.
 */
int csvio_next(struct csvio *r, struct csvio_row **row, struct err *e);
/* The raw text of the record last returned or rejected (converted to UTF-8). */
const char *csvio_raw(const struct csvio *r, size_t *len);
const char *csvio_encoding(const struct csvio *r);
char csvio_delimiter(const struct csvio *r);
void csvio_close(struct csvio *r);

/* Append one field, quoted when it holds the delimiter, a quote, CR, LF, or leading or
 * trailing space (RFC 4180). With neutralize, a cell a spreadsheet would run as a formula
 * (starting with = + - @, tab or CR) is prefixed with a single quote. */
int csvio_write_field(struct buf *b, const char *s, size_t n, char delim, bool neutralize);
/* Append a record terminator (CRLF, per RFC 4180). */
int csvio_write_eol(struct buf *b);

#endif
