/* csvio: streaming CSV reading (libcsv, strict, exact line numbers, any spreadsheet encoding)
 * and RFC 4180 writing. */
#include "csvio.h"

#include <csv.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "err.h"
#include "util.h"
#include "xalloc.h"

#define CHUNK 65536

/*
 * libcsv grows one buffer per field and never shrinks it, and its realloc hook takes no
 * context: the cap is process-wide. An unterminated quote would otherwise pull the rest of
 * the file into one field (notes §3).
 */
static size_t field_cap = CSVIO_MAX_FIELD;

static void *capped_realloc(void *p, size_t n)
{
	if (n > field_cap + 256)
		return NULL;
	return realloc(p, n);
}

struct csvio {
	FILE *f;
	char *path;
	char *encoding;
	iconv_t cd;          /* (iconv_t)-1 when the input is UTF-8 */
	char delim;
	size_t max_fields;
	struct csv_parser p;
	bool p_live;

	/* decoded UTF-8 bytes not yet split into lines */
	char *dec;
	size_t dec_len, dec_cap, dec_pos;
	char raw_in[CHUNK];  /* undecoded bytes carried between reads (partial sequences) */
	size_t raw_len;
	bool eof;
	bool first_line;

	long line;           /* physical lines read so far */
	long rec_start;      /* line where the record being parsed started, 0 when none */

	bool skipping;       /* dropping the rest of an over-long line */
	int eol;             /* 0 not known yet, '\n' (LF or CRLF files), '\r' (old Mac: CR only) */

	/* the record being built, and the one handed out */
	char **field;
	size_t *flen, *fcap;
	size_t nfield, fieldslots;
	bool too_many;
	bool rec_done;
	long rec_first, rec_last;
	struct csvio_row row;
	struct buf raw;           /* raw text of the current record */
	bool raw_overflow;
};

static void on_field(void *data, size_t len, void *ud)
{
	struct csvio *r = ud;
	if (r->nfield >= r->max_fields) {
		r->too_many = true;
		return;
	}
	if (r->nfield == r->fieldslots) {
		size_t n = r->fieldslots ? r->fieldslots * 2 : 16;
		r->field = xrealloc(r->field, n * sizeof *r->field);
		r->flen = xrealloc(r->flen, n * sizeof *r->flen);
		r->fcap = xrealloc(r->fcap, n * sizeof *r->fcap);
		for (size_t i = r->fieldslots; i < n; i++)
			r->field[i] = NULL, r->fcap[i] = 0;
		r->fieldslots = n;
	}
	size_t i = r->nfield++;
	if (r->fcap[i] < len + 1) {
		r->fcap[i] = len + 1 < 32 ? 32 : len + 1;
		r->field[i] = xrealloc(r->field[i], r->fcap[i]);
	}
	if (len)
		memcpy(r->field[i], data, len);
	r->field[i][len] = '\0';
	r->flen[i] = len;
}

static void on_record(int term, void *ud)
{
	struct csvio *r = ud;
	(void)term;
	r->rec_done = true;
	r->rec_first = r->rec_start;
	r->rec_last = r->line;
}

static int parser_init(struct csvio *r)
{
	if (csv_init(&r->p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
		return -1;
	csv_set_delim(&r->p, (unsigned char)r->delim);
	csv_set_realloc_func(&r->p, capped_realloc);
	r->p_live = true;
	return 0;
}

/* ------------------------------------------------------------ decoding and lines */

static int fill(struct csvio *r, struct err *e)
{
	if (r->eof)
		return 0;
	size_t n = fread(r->raw_in + r->raw_len, 1, sizeof r->raw_in - r->raw_len, r->f);
	if (n == 0) {
		if (ferror(r->f))
			return err_set(e, ERR_IO, errno, "cannot read '%s': %s", r->path, strerror(errno));
		r->eof = true;
	}
	size_t have = r->raw_len + n;
	/* compact the decoded buffer */
	if (r->dec_pos) {
		memmove(r->dec, r->dec + r->dec_pos, r->dec_len - r->dec_pos);
		r->dec_len -= r->dec_pos;
		r->dec_pos = 0;
	}
	if (r->cd == (iconv_t)-1) {
		r->dec = xgrow(r->dec, &r->dec_cap, r->dec_len + have + 1, 1);
		memcpy(r->dec + r->dec_len, r->raw_in, have);
		r->dec_len += have;
		r->raw_len = 0;
		return 1;
	}
	char *ip = r->raw_in;
	size_t ileft = have;
	while (ileft) {
		r->dec = xgrow(r->dec, &r->dec_cap, r->dec_len + ileft * 4 + 16, 1);
		char *op = r->dec + r->dec_len;
		size_t oleft = r->dec_cap - r->dec_len - 1;
		size_t rc = iconv(r->cd, &ip, &ileft, &op, &oleft);
		r->dec_len = (size_t)(op - r->dec);
		if (rc != (size_t)-1)
			break;
		if (errno == E2BIG)
			continue;
		if (errno == EINVAL && !r->eof)
			break; /* a sequence split across reads: keep the tail for the next read */
		/* EILSEQ (or a truncated sequence at the very end): U+FFFD and skip one byte */
		r->dec = xgrow(r->dec, &r->dec_cap, r->dec_len + 4, 1);
		memcpy(r->dec + r->dec_len, "\xef\xbf\xbd", 3);
		r->dec_len += 3;
		ip++, ileft--;
	}
	memmove(r->raw_in, ip, ileft);
	r->raw_len = ileft;
	return 1;
}

/* The next physical line (ending in LF, CRLF or a lone CR as old Mac exports do), or NULL at
 * the end. Lines are as long as the data makes them; the field cap bounds what libcsv keeps,
 * and a line longer than max_field * max_fields is refused. */
static const char *next_line(struct csvio *r, size_t *len, struct err *e, int *err)
{
	*err = 0;
	size_t limit = field_cap * 2 + 4096;
	for (;;) {
		char *start = r->dec + r->dec_pos;
		size_t avail = r->dec_len - r->dec_pos;
		if (r->skipping) {
			char *nl = memchr(start, r->eol ? r->eol : '\n', avail);
			r->dec_pos = nl ? (size_t)(nl + 1 - r->dec) : r->dec_len;
			r->skipping = !nl;
			if (r->skipping && r->eof)
				return NULL;
			if (r->skipping && fill(r, e) < 0) {
				*err = -1;
				return NULL;
			}
			continue;
		}
		for (size_t i = 0; i < avail; i++) {
			if (!r->eol && start[i] == '\r') {
				if (i + 1 >= avail && !r->eof)
					break; /* is an LF next? read on */
				r->eol = i + 1 < avail && start[i + 1] == '\n' ? '\n' : '\r';
			} else if (!r->eol && start[i] == '\n') {
				r->eol = '\n';
			}
			if (r->eol && start[i] == r->eol) {
				size_t end = i + 1;
				r->dec_pos += end;
				r->line++;
				*len = end;
				return start;
			}
		}
		if (avail > limit) {
			r->line++;
			*err = err_set(e, ERR_DATA, 0, "%s:%ld: line longer than %zu bytes", r->path, r->line, limit);
			/* drop what we have of the line and keep skipping until its end */
			r->dec_pos = r->dec_len;
			r->skipping = true;
			return NULL;
		}
		if (r->eof) {
			if (!avail)
				return NULL;
			r->dec_pos = r->dec_len;
			r->line++;
			*len = avail;
			return start;
		}
		int f = fill(r, e);
		if (f < 0) {
			*err = -1;
			return NULL;
		}
	}
}

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return false;
	return true;
}

static char detect_delim(const char *s, size_t n)
{
	size_t comma = 0, semi = 0, tab = 0;
	bool q = false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			q = !q;
		else if (!q && s[i] == ',')
			comma++;
		else if (!q && s[i] == ';')
			semi++;
		else if (!q && s[i] == '\t')
			tab++;
	}
	if (tab > comma && tab >= semi)
		return '\t';
	if (semi > comma)
		return ';';
	return ',';
}

/* Is the whole file valid UTF-8? One streaming pass, constant memory. */
static int scan_utf8(FILE *f, bool *valid)
{
	unsigned char b[CHUNK + 4];
	size_t carry = 0, n;
	*valid = true;
	while ((n = fread(b + carry, 1, CHUNK, f)) > 0) {
		size_t have = carry + n, i = 0;
		while (i < have) {
			if (b[i] < 0x80) {
				i++;
				continue;
			}
			uint32_t cp;
			int k = utf8_decode((const char *)b + i, have - i, &cp);
			if (k < 0) {
				if (have - i < 4 && !feof(f)) /* maybe split across reads */
					break;
				*valid = false;
				return 0;
			}
			i += (size_t)k;
		}
		carry = have - i;
		memmove(b, b + i, carry);
	}
	if (carry)
		*valid = false;
	return ferror(f) ? -1 : 0;
}

int csvio_open(const char *path, const struct csvio_opts *o, struct csvio **out, struct err *e)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return err_set(e, ERR_IO, errno, "cannot open '%s': %s", path, strerror(errno));
	struct csvio *r = xcalloc(1, sizeof *r);
	r->f = f;
	r->path = xstrdup(path);
	r->cd = (iconv_t)-1;
	r->max_fields = o && o->max_fields ? o->max_fields : CSVIO_MAX_FIELDS;
	field_cap = o && o->max_field ? o->max_field : CSVIO_MAX_FIELD;
	buf_init(&r->raw, CSVIO_MAX_RAW);
	r->first_line = true;
	r->dec = xgrow(NULL, &r->dec_cap, 4096, 1); /* never NULL: pointer arithmetic on it is defined */

	unsigned char bom[3] = { 0 };
	size_t nb = fread(bom, 1, 3, f);
	const char *enc = o ? o->encoding : NULL;
	long skip = 0;
	if (nb >= 3 && bom[0] == 0xef && bom[1] == 0xbb && bom[2] == 0xbf) {
		skip = 3;
		if (!enc)
			enc = "UTF-8";
	} else if (nb >= 2 && bom[0] == 0xff && bom[1] == 0xfe) {
		skip = 2; /* Excel's "Unicode Text" export */
		if (!enc)
			enc = "UTF-16LE";
	} else if (nb >= 2 && bom[0] == 0xfe && bom[1] == 0xff) {
		skip = 2;
		if (!enc)
			enc = "UTF-16BE";
	}
	if (fseek(f, skip, SEEK_SET) < 0)
		goto io;
	bool is_utf8 = enc && (!strcasecmp(enc, "UTF-8") || !strcasecmp(enc, "UTF8"));
	if (!enc || is_utf8) {
		/* A BOM or --encoding UTF-8 is a claim, not a proof: Excel's "CSV UTF-8" file later
		 * edited in a Latin-1 editor has both. Rows must be UTF-8 whatever the file holds. */
		bool valid;
		if (scan_utf8(f, &valid) < 0 || fseek(f, skip, SEEK_SET) < 0)
			goto io;
		if (!enc)
			enc = valid ? "UTF-8" : "WINDOWS-1252";
		else if (!valid)
			enc = "UTF-8 (invalid bytes replaced)";
		is_utf8 = valid;
	}
	r->encoding = xstrdup(enc);
	if (!is_utf8) {
		const char *from = enc;
		if (!strcasecmp(enc, "latin1") || !strcasecmp(enc, "iso-8859-1") || !strcasecmp(enc, "cp1252"))
			from = "WINDOWS-1252"; /* what Excel writes when it says Latin-1 */
		if (str_starts_with(enc, "UTF-8 ("))
			from = "UTF-8"; /* iconv reports each invalid byte; fill() puts U+FFFD there */
		r->cd = iconv_open("UTF-8", from);
		if (r->cd == (iconv_t)-1) {
			err_set(e, ERR_USAGE, 0, "unknown encoding '%s' (try UTF-8, WINDOWS-1252, ISO-8859-15, UTF-16)", enc);
			csvio_close(r);
			return -1;
		}
	}
	r->delim = o ? o->delimiter : 0;
	*out = r;
	return 0;
io:
	err_set(e, ERR_IO, errno, "cannot read '%s': %s", path, strerror(errno));
	csvio_close(r);
	return -1;
}

static void reset_record(struct csvio *r)
{
	r->nfield = 0;
	r->too_many = false;
	r->rec_done = false;
	r->rec_start = 0;
	buf_reset(&r->raw);
	r->raw_overflow = false;
}

/* Forget a broken record and restart the parser at the next line. */
static void resync(struct csvio *r)
{
	if (r->p_live) {
		csv_free(&r->p);
		r->p_live = false;
	}
	parser_init(r);
	r->nfield = 0;
	r->too_many = false;
	r->rec_done = false;
	r->rec_start = 0;
}

static int hand_out(struct csvio *r, struct csvio_row **row, struct err *e)
{
	if (r->too_many) {
		long first = r->rec_first;
		r->nfield = 0;
		return err_set(e, ERR_DATA, 0, "%s:%ld: more than %zu fields", r->path, first, r->max_fields);
	}
	r->row.field = r->field;
	r->row.len = r->flen;
	r->row.n = r->nfield;
	r->row.first_line = r->rec_first;
	r->row.last_line = r->rec_last;
	*row = &r->row;
	return 1;
}

int csvio_next(struct csvio *r, struct csvio_row **row, struct err *e)
{
	if (!r->p_live && parser_init(r) < 0)
		return err_set(e, ERR_INTERNAL, 0, "cannot initialise the CSV parser");
	if (r->rec_done || r->raw_overflow)
		reset_record(r);
	for (;;) {
		size_t n;
		int lerr;
		const char *s = next_line(r, &n, e, &lerr);
		if (!s) {
			if (lerr) {
				if (e && e->cls == ERR_DATA)
					resync(r);
				return -1;
			}
			/* end of input: finish a record without a final newline, or an open quote */
			if (!r->p_live)
				return 0;
			size_t before = r->nfield;
			if (csv_fini(&r->p, on_field, on_record, r) != 0) {
				long first = r->rec_start ? r->rec_start : r->line;
				csv_free(&r->p);
				r->p_live = false;
				r->rec_done = true; /* nothing more will come */
				return err_set(e, ERR_DATA, 0,
					       "%s:%ld: a quoted field is never closed (it runs to the end of the file); "
					       "check the quotes on line %ld", r->path, first, first);
			}
			csv_free(&r->p);
			r->p_live = false;
			if (r->rec_done && (r->nfield > 0 || before > 0))
				return hand_out(r, row, e);
			return 0;
		}
		if (r->first_line) {
			r->first_line = false;
			if (!r->delim)
				r->delim = detect_delim(s, n);
			csv_set_delim(&r->p, (unsigned char)r->delim);
		}
		if (!r->rec_start) {
			if (blank(s, n))
				continue; /* blank lines produce no record in libcsv either */
			r->rec_start = r->line;
		}
		if (buf_add(&r->raw, s, n) < 0)
			r->raw_overflow = true;
		size_t used = csv_parse(&r->p, s, n, on_field, on_record, r);
		if (used != n) {
			int code = csv_error(&r->p);
			long first = r->rec_start ? r->rec_start : r->line;
			long at = r->line;
			resync(r);
			r->rec_done = true;
			if (code == CSV_ENOMEM || code == CSV_ETOOBIG)
				return err_set(e, ERR_DATA, 0, "%s:%ld: a field is longer than %zu bytes; "
					       "probably a quote that is never closed", r->path, first, field_cap);
			if (first != at)
				return err_set(e, ERR_DATA, 0,
					       "%s:%ld: a stray quote (record of lines %ld-%ld): quote the whole field and "
					       "double any quote inside it (\"\")", r->path, at, first, at);
			return err_set(e, ERR_DATA, 0,
				       "%s:%ld: a stray quote: quote the whole field and double any quote inside it (\"\")",
				       r->path, at);
		}
		if (r->rec_done)
			return hand_out(r, row, e);
	}
}

const char *csvio_raw(const struct csvio *r, size_t *len)
{
	if (len)
		*len = r->raw.len;
	return buf_str(&r->raw);
}

const char *csvio_encoding(const struct csvio *r) { return r->encoding; }
char csvio_delimiter(const struct csvio *r) { return r->delim ? r->delim : ','; }

void csvio_close(struct csvio *r)
{
	if (!r)
		return;
	if (r->p_live)
		csv_free(&r->p);
	if (r->cd != (iconv_t)-1)
		iconv_close(r->cd);
	if (r->f)
		fclose(r->f);
	for (size_t i = 0; i < r->fieldslots; i++)
		free(r->field[i]);
	free(r->field);
	free(r->flen);
	free(r->fcap);
	free(r->dec);
	buf_release(&r->raw);
	free(r->encoding);
	free(r->path);
	free(r);
}

/* ------------------------------------------------------------ writing */

int csvio_write_field(struct buf *b, const char *s, size_t n, char delim, bool neutralize)
{
	bool formula = neutralize && n > 0 && strchr("=+-@\t\r", s[0]) != NULL;
	bool quote = formula || (n > 0 && (s[0] == ' ' || s[n - 1] == ' '));
	for (size_t i = 0; !quote && i < n; i++)
		if (s[i] == delim || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
			quote = true;
	if (!quote)
		return buf_add(b, s, n);
	int rc = buf_addch(b, '"');
	if (formula)
		rc |= buf_addch(b, '\'');
	size_t start = 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '"') {
			rc |= buf_add(b, s + start, i + 1 - start);
			rc |= buf_addch(b, '"');
			start = i + 1;
		}
	rc |= buf_add(b, s + start, n - start);
	rc |= buf_addch(b, '"');
	return rc ? -1 : 0;
}

int csvio_write_eol(struct buf *b)
{
	return buf_add(b, "\r\n", 2);
}
