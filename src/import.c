/* import: a spreadsheet of contacts into the database — validated row by row, one transaction. */
#include "import.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "addr.h"
#include "buf.h"
#include "contact.h"
#include "csvio.h"
#include "err.h"
#include "store.h"
#include "util.h"
#include "xalloc.h"

/* Header spellings seen in real spreadsheets (after normalize_key). */
static const struct {
	const char *alias, *name;
} aliases[] = {
	{ "email", "email" }, { "e_mail", "email" }, { "email_address", "email" },
	{ "e_mail_address", "email" }, { "mail", "email" }, { "emails", "email" },
	{ "correo", "email" }, { "correo_electronico", "email" },
	{ "first_name", "first_name" }, { "first", "first_name" }, { "firstname", "first_name" },
	{ "given_name", "first_name" }, { "forename", "first_name" }, { "nombre", "first_name" },
	{ "last_name", "last_name" }, { "last", "last_name" }, { "lastname", "last_name" },
	{ "surname", "last_name" }, { "family_name", "last_name" }, { "apellido", "last_name" },
	{ "apellidos", "last_name" },
	{ "title", "title" }, { "credentials", "title" }, { "degree", "title" },
	{ "specialty", "specialty" }, { "speciality", "specialty" }, { "specialization", "specialty" },
	{ "specialisation", "specialty" }, { "especialidad", "specialty" },
	{ "department", "department" }, { "dept", "department" }, { "division", "department" },
	{ "hospital", "hospital" }, { "hospital_name", "hospital" }, { "institution", "hospital" },
	{ "organization", "hospital" }, { "organisation", "hospital" }, { "affiliation", "hospital" },
	{ "employer", "hospital" }, { "hospital_institution", "hospital" },
	{ "city", "city" }, { "town", "city" },
	{ "state", "state" }, { "province", "state" }, { "state_province", "state" }, { "st", "state" },
	{ "country", "country" },
	{ "timezone", "timezone" }, { "time_zone", "timezone" }, { "tz", "timezone" },
	{ "phone", "phone" }, { "telephone", "phone" }, { "phone_number", "phone" }, { "tel", "phone" },
	{ "notes", "notes" }, { "note", "notes" }, { "comments", "notes" }, { "comment", "notes" },
	{ "name", "full_name" }, { "full_name", "full_name" }, { "fullname", "full_name" },
	{ "physician", "full_name" }, { "attending", "full_name" },
};

char *import_column_name(const char *header)
{
	char *k = normalize_key(header);
	for (size_t i = 0; i < ARRAY_SIZE(aliases); i++)
		if (!strcmp(k, aliases[i].alias)) {
			free(k);
			return xstrdup(aliases[i].name);
		}
	return k;
}

static bool blank_field(const char *s)
{
	return s[strspn(s, " \t\r\n")] == '\0';
}

/* Columns that always end up in a mail header: no line breaks allowed. */
static bool header_bound(int field)
{
	return field == CF_FIRST_NAME || field == CF_LAST_NAME || field == CF_TITLE;
}

struct column {
	char *header;  /* as in the file */
	char *name;    /* outreach's name */
	int field;     /* contact_field, or -1 for extra; -2 email; -3 full name; -4 ignored */
};

struct run {
	const char *path;
	const struct import_opts *o;
	struct store *st;
	time_t now;
	struct import_stats *stats;
	import_report_fn report;
	void *ud;
	struct column *cols;
	size_t ncols;
	size_t nout;      /* columns copied to the rejects file: all but an old 'error' column */
	int64_t campaign_id;
	bool any_suppressions;
	FILE *rej;
	char *rej_tmp;
	struct buf line;  /* scratch for rejects rows */
	char delim;
};

static void say(struct run *r, enum import_severity sev, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(struct run *r, enum import_severity sev, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (r->report)
		r->report(r->ud, sev, msg);
}

static int rejects_open(struct run *r, struct err *e)
{
	if (!r->o->rejects_path)
		return 0;
	r->rej_tmp = xasprintf("%s.tmp.%ld", r->o->rejects_path, (long)getpid());
	/* the rows hold contact data: private like everything else outreach writes */
	int fd = open(r->rej_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	r->rej = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!r->rej) {
		if (fd >= 0)
			close(fd);
		return err_set(e, ERR_IO, errno, "cannot create '%s': %s", r->rej_tmp, strerror(errno));
	}
	return 0;
}

static void rejects_row(struct run *r, char **f, size_t *len, size_t n, const char *raw, const char *why)
{
	if (!r->rej)
		return;
	struct buf *b = &r->line;
	buf_reset(b);
	if (f) {
		for (size_t i = 0; i < r->nout; i++) {
			if (i)
				buf_addch(b, r->delim);
			if (i < n)
				csvio_write_field(b, f[i], len[i], r->delim, false);
		}
	} else {
		/* the row could not be split into fields: its text goes in the first column */
		size_t rn = strlen(raw);
		while (rn && (raw[rn - 1] == '\n' || raw[rn - 1] == '\r'))
			rn--;
		csvio_write_field(b, raw, rn, r->delim, false);
		for (size_t i = 1; i < r->nout; i++)
			buf_addch(b, r->delim);
	}
	buf_addch(b, r->delim);
	csvio_write_field(b, why, strlen(why), r->delim, false);
	/* cells beyond the header's columns (a ragged row) follow, so nothing is lost */
	for (size_t i = r->ncols; f && i < n; i++) {
		buf_addch(b, r->delim);
		csvio_write_field(b, f[i], len[i], r->delim, false);
	}
	csvio_write_eol(b);
	fwrite(b->data, 1, b->len, r->rej);
}

static int rejects_close(struct run *r, bool keep, struct err *e)
{
	if (!r->rej)
		return 0;
	int bad = ferror(r->rej) | (fclose(r->rej) != 0);
	r->rej = NULL;
	if (!keep || bad) {
		unlink(r->rej_tmp);
		if (bad)
			return err_set(e, ERR_IO, errno, "cannot write '%s': %s", r->rej_tmp, strerror(errno));
		return 0;
	}
	if (rename(r->rej_tmp, r->o->rejects_path) < 0) {
		unlink(r->rej_tmp);
		return err_set(e, ERR_IO, errno, "cannot write '%s': %s", r->o->rejects_path, strerror(errno));
	}
	return 0;
}

static int read_header(struct run *r, struct csvio *in, struct err *e)
{
	struct csvio_row *row;
	int k = csvio_next(in, &row, e);
	if (k < 0)
		return err_prefix(e, "reading the header"), -1;
	if (k == 0)
		return err_set(e, ERR_DATA, 0, "%s: the file is empty; the first line must name the columns (email, first_name, ...)",
			       r->path);
	r->cols = xcalloc(row->n, sizeof *r->cols);
	r->ncols = row->n;
	int email = -1, full = -1, first = -1, last = -1;
	for (size_t i = 0; i < row->n; i++) {
		struct column *c = &r->cols[i];
		c->header = xstrdup(row->field[i]);
		c->name = import_column_name(row->field[i]);
		if (!*c->name) {
			free(c->name);
			c->name = xasprintf("column_%zu", i + 1);
		}
		for (size_t j = 0; j < i; j++)
			if (!strcmp(r->cols[j].name, c->name))
				return err_set(e, ERR_DATA, 0, "%s:%ld: columns %zu ('%s') and %zu ('%s') both mean '%s'; rename one",
					       r->path, row->first_line, j + 1, r->cols[j].header, i + 1, c->header, c->name);
		if (!strcmp(c->name, "email")) {
			c->field = -2;
			email = (int)i;
		} else if (!strcmp(c->name, "full_name")) {
			c->field = -3;
			full = (int)i;
		} else {
			c->field = contact_field_index(c->name);
		}
		if (c->field == CF_FIRST_NAME)
			first = (int)i;
		if (c->field == CF_LAST_NAME)
			last = (int)i;
	}
	if (email < 0) {
		struct buf b = BUF_INIT(2048);
		for (size_t i = 0; i < r->ncols; i++)
			buf_printf(&b, "%s'%s'", i ? ", " : "", r->cols[i].header);
		err_set(e, ERR_DATA, 0, "%s:%ld: no email column (found %s); the first line must name the columns, "
			"one of them 'email'", r->path, row->first_line, buf_str(&b));
		buf_release(&b);
		return -1;
	}
	/* a single "Name" column is split into first and last name; with both present it is
	 * just kept as an extra column */
	if (full >= 0 && (first >= 0 || last >= 0))
		r->cols[full].field = -1;
	/* A rejects file being re-imported after the user fixed it: its last column is the
	 * reason we wrote, not contact data. Keeping it would give every contact an 'error'
	 * variable, and a second rejects file would get two 'error' columns and be refused. */
	r->nout = r->ncols;
	if (r->ncols > 1 && !strcmp(r->cols[r->ncols - 1].header, "error")) {
		r->cols[r->ncols - 1].field = -4;
		r->nout--;
	}
	r->delim = csvio_delimiter(in);
	if (r->rej) {
		struct buf *b = &r->line;
		buf_reset(b);
		for (size_t i = 0; i < r->nout; i++) {
			if (i)
				buf_addch(b, r->delim);
			csvio_write_field(b, r->cols[i].header, strlen(r->cols[i].header), r->delim, false);
		}
		buf_addch(b, r->delim);
		buf_addstr(b, "error");
		csvio_write_eol(b);
		fwrite(b->data, 1, b->len, r->rej);
	}
	return 0;
}

/* "Dr. Jane Q. Smith, MD" -> first "Jane", last "Smith", title "MD" (when none given). */
static void split_name(struct contact *c, const char *full)
{
	char *s = xstrdup(full);
	str_trim(s);
	char *comma = strchr(s, ',');
	if (comma) {
		*comma = '\0';
		char *t = str_trim(comma + 1);
		if (*t && !c->field[CF_TITLE])
			c->field[CF_TITLE] = xstrdup(t);
	}
	char *p = s;
	static const char *const prefixes[] = { "dr. ", "dr ", "prof. ", "prof ", "professor " };
	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (str_istarts_with(p, prefixes[i])) {
			p += strlen(prefixes[i]);
			break;
		}
	str_trim(p);
	char *sp = strchr(p, ' '), *lsp = strrchr(p, ' ');
	/* one word is a family name ("Prof. Li"): the salutation needs it */
	if (!c->field[CF_FIRST_NAME])
		c->field[CF_FIRST_NAME] = sp ? xstrndup(p, (size_t)(sp - p)) : xstrdup("");
	if (!c->field[CF_LAST_NAME])
		c->field[CF_LAST_NAME] = xstrdup(lsp ? lsp + 1 : p);
	free(s);
}

static const char *fmt_lines(char *b, size_t n, const char *path, const struct csvio_row *row)
{
	snprintf(b, n, "%s:%ld", path, row->first_line);
	return b;
}

/* Validate one record into c. Returns 0, or -1 with the reason in why. */
static int build_contact(struct run *r, const struct csvio_row *row, struct contact *c, unsigned *aflags,
			 char *why, size_t whysz)
{
	if (row->n < r->ncols) {
		snprintf(why, whysz, "%zu fields, but the header has %zu (a missing separator, or a line break inside an unquoted field?)",
			 row->n, r->ncols);
		return -1;
	}
	for (size_t i = r->ncols; i < row->n; i++)
		if (row->len[i] && !blank_field(row->field[i])) {
			snprintf(why, whysz, "%zu fields, but the header has %zu (a separator inside an unquoted field? quote it)",
				 row->n, r->ncols);
			return -1;
		}
	const char *email = NULL, *full = NULL;
	for (size_t i = 0; i < r->ncols; i++) {
		const struct column *col = &r->cols[i];
		const char *v = row->field[i];
		if (memchr(v, '\0', row->len[i])) {
			snprintf(why, whysz, "column '%s' contains a NUL byte", col->header);
			return -1;
		}
		if (col->field == -2) {
			email = v;
			continue;
		}
		if (col->field == -3) {
			full = v;
			continue;
		}
		if (col->field == -4)
			continue;
		if (col->field >= 0 && header_bound(col->field) && mem_has_crlf_nul(v, row->len[i])) {
			snprintf(why, whysz, "column '%s' contains a line break; names and titles go into mail headers, "
				 "so they must be on one line", col->header);
			return -1;
		}
		char *val = str_trim(xstrndup(v, row->len[i]));
		if (col->field >= 0) {
			free(c->field[col->field]);
			c->field[col->field] = val;
		} else {
			contact_set_extra(c, col->name, val);
			free(val);
		}
	}
	if (full) {
		if (mem_has_crlf_nul(full, strlen(full))) {
			snprintf(why, whysz, "the name column contains a line break; names go into mail headers");
			return -1;
		}
		split_name(c, full);
	}
	struct err ae;
	if (addr_normalize(email ? email : "", &c->email, aflags, &ae) < 0) {
		snprintf(why, whysz, "%s", ae.msg);
		return -1;
	}
	for (int i = 0; i < CF_COUNT; i++)
		if (!c->field[i])
			c->field[i] = xstrdup("");
	c->flags = (*aflags & ADDR_ROLE) ? CONTACT_ROLE : 0;
	return 0;
}

static int row_is_empty(const struct csvio_row *row)
{
	for (size_t i = 0; i < row->n; i++)
		if (!blank_field(row->field[i]))
			return 0;
	return 1;
}

static int process_row(struct run *r, const struct csvio_row *row, struct err *e)
{
	char where[600], why[512];
	fmt_lines(where, sizeof where, r->path, row);
	struct contact c;
	contact_init(&c);
	unsigned aflags = 0;
	r->stats->rows++;
	if (build_contact(r, row, &c, &aflags, why, sizeof why) < 0) {
		r->stats->rejected++;
		say(r, IMPORT_REJECT, "%s: %s", where, why);
		rejects_row(r, row->field, row->len, row->n, NULL, why);
		contact_release(&c);
		return 0;
	}
	c.source = xstrdup(r->path);
	c.source_line = row->first_line;

	long prev = 0;
	int seen = store_import_seen(r->st, c.email, row->first_line, &prev, e);
	if (seen < 0)
		goto fail;
	if (seen) {
		snprintf(why, sizeof why, "'%s' appears twice in this file (first on line %ld); the first row was kept",
			 c.email, prev);
		r->stats->rejected++;
		say(r, IMPORT_REJECT, "%s: %s", where, why);
		rejects_row(r, row->field, row->len, row->n, NULL, why);
		contact_release(&c);
		return 0;
	}
	int64_t id = 0;
	int known = store_contact_lookup(r->st, c.email, &id, e);
	if (known < 0)
		goto fail;
	if (known && r->o->update) {
		c.id = id;
		if (store_contact_update(r->st, &c, r->now, e) < 0)
			goto fail;
		r->stats->updated++;
	} else if (known) {
		c.id = id;
		r->stats->known++;
		say(r, IMPORT_NOTE, "%s: '%s' is already a contact; kept the database's values (--update overwrites them)",
		    where, c.email);
	} else {
		if (store_contact_insert(r->st, &c, r->now, e) < 0)
			goto fail;
		r->stats->imported++;
	}
	for (int i = 0; i < CF_COUNT; i++)
		if (c.field[i] && strstr(c.field[i], "\xef\xbf\xbd")) {
			say(r, IMPORT_WARNING, "%s: '%s' has characters that are not valid in the file's encoding (shown as "
			    "\xef\xbf\xbd); if names look wrong, import again with --encoding", where, contact_field_names[i]);
			break;
		}
	if (aflags & ADDR_CLEANED)
		say(r, IMPORT_NOTE, "%s: read the address as '%s'", where, c.email);
	if (aflags & ADDR_ROLE) {
		r->stats->role++;
		say(r, IMPORT_WARNING, "%s: '%s' is a shared mailbox, not a person; imported, but check it is the right address",
		    where, c.email);
	}
	if (r->any_suppressions) {
		char reason[256];
		int sup = store_is_suppressed(r->st, c.email, r->campaign_id, reason, sizeof reason, e);
		if (sup < 0)
			goto fail;
		if (sup) {
			r->stats->suppressed++;
			say(r, IMPORT_WARNING, "%s: '%s' is on the do-not-contact list (%s); imported, but it will not be written to",
			    where, c.email, reason);
		}
	}
	if (r->campaign_id) {
		int en = store_enroll(r->st, r->campaign_id, c.id, r->now, e);
		if (en < 0)
			goto fail;
		r->stats->enrolled += en;
	}
	contact_release(&c);
	return 0;
fail:
	contact_release(&c);
	return err_prefix(e, "%s", where);
}

int import_csv(struct store *st, const char *path, const struct import_opts *o, time_t now,
	       struct import_stats *stats, import_report_fn report, void *ud, struct err *e)
{
	memset(stats, 0, sizeof *stats);
	struct run r = { .path = path, .o = o, .st = st, .now = now, .stats = stats, .report = report, .ud = ud };
	buf_init(&r.line, CSVIO_MAX_RAW * 2);
	struct csvio_opts co = { .encoding = o->encoding, .max_field = o->max_field };
	struct csvio *in = NULL;
	int rc = -1;
	bool in_tx = false;

	if (csvio_open(path, &co, &in, e) < 0)
		goto out;
	snprintf(stats->encoding_used, sizeof stats->encoding_used, "%s", csvio_encoding(in));
	if (rejects_open(&r, e) < 0)
		goto out;
	if (read_header(&r, in, e) < 0)
		goto out;
	stats->delimiter = r.delim;
	if (store_begin(st, e) < 0)
		goto out;
	in_tx = true;
	if (store_import_start(st, e) < 0)
		goto out;
	if (o->campaign && store_campaign_ensure(st, o->campaign, now, &r.campaign_id, e) < 0)
		goto out;
	long nsup = 0;
	if (store_suppression_count(st, &nsup, e) < 0)
		goto out;
	r.any_suppressions = nsup > 0;

	for (;;) {
		struct csvio_row *row;
		int k = csvio_next(in, &row, e);
		if (k == 0)
			break;
		if (k < 0) {
			if (e->cls != ERR_DATA)
				goto out;
			stats->rows++;
			stats->rejected++;
			if (report)
				report(ud, IMPORT_REJECT, e->msg);
			const char *colon = strstr(e->msg, ": ");
			rejects_row(&r, NULL, NULL, 0, csvio_raw(in, NULL), colon ? colon + 2 : e->msg);
			err_clear(e);
			continue;
		}
		if (row_is_empty(row))
			continue;
		if (process_row(&r, row, e) < 0)
			goto out;
	}
	if (o->strict && stats->rejected) {
		err_set(e, ERR_DATA, 0, "%s: %ld bad row%s and --strict: nothing was imported", path, stats->rejected,
			stats->rejected == 1 ? "" : "s");
		goto out;
	}
	char detail[256];
	snprintf(detail, sizeof detail, "file=%s rows=%ld imported=%ld updated=%ld known=%ld rejected=%ld", path_basename(path),
		 stats->rows, stats->imported, stats->updated, stats->known, stats->rejected);
	if (store_event(st, &(struct event){ .kind = "import", .campaign_id = r.campaign_id, .detail = detail }, now, e) < 0)
		goto out;
	if (store_import_finish(st, e) < 0)
		goto out;
	if (o->dry_run) {
		store_rollback(st);
		in_tx = false;
	} else {
		if (store_commit(st, e) < 0)
			goto out;
		in_tx = false;
		stats->committed = true;
	}
	rc = 0;
out:
	if (in_tx) {
		store_rollback(st);
		store_import_finish(st, NULL);
	}
	struct err e2;
	if (rejects_close(&r, stats->rejected > 0, &e2) < 0 && rc == 0) {
		*e = e2;
		rc = -1;
	}
	csvio_close(in);
	for (size_t i = 0; i < r.ncols; i++)
		free(r.cols[i].header), free(r.cols[i].name);
	free(r.cols);
	free(r.rej_tmp);
	buf_release(&r.line);
	return rc;
}
