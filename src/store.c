/* store: the SQLite state database — schema, migrations, transactions, every query. */
#include "store.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "contact.h"
#include "err.h"
#include "store_int.h"
#include "util.h"
#include "xalloc.h"

/*
 * Schema, version 1. The whole life of a campaign is modelled here so later features add
 * queries, not tables. Times are UTC seconds since the epoch. Message-IDs are stored
 * without angle brackets. See README.md, "Where data lives", for the same in prose.
 */
static const char schema_v1[] =
	"CREATE TABLE contacts ("
	"  id INTEGER PRIMARY KEY,"
	"  email TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	"  first_name TEXT NOT NULL DEFAULT '', last_name TEXT NOT NULL DEFAULT '',"
	"  title TEXT NOT NULL DEFAULT '', specialty TEXT NOT NULL DEFAULT '',"
	"  department TEXT NOT NULL DEFAULT '', hospital TEXT NOT NULL DEFAULT '',"
	"  city TEXT NOT NULL DEFAULT '', state TEXT NOT NULL DEFAULT '',"
	"  country TEXT NOT NULL DEFAULT '', timezone TEXT NOT NULL DEFAULT '',"
	"  phone TEXT NOT NULL DEFAULT '', notes TEXT NOT NULL DEFAULT '',"
	"  flags INTEGER NOT NULL DEFAULT 0,"
	"  source TEXT, source_line INTEGER,"
	"  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
	/* every other CSV column, usable in templates */
	"CREATE TABLE contact_fields ("
	"  contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL, value TEXT NOT NULL,"
	"  PRIMARY KEY (contact_id, name)) WITHOUT ROWID;"
	"CREATE TABLE campaigns ("
	"  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
	"  state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active','paused')),"
	"  created_at INTEGER NOT NULL);"
	/* a contact taking part in a campaign; state says whether its steps may go out */
	"CREATE TABLE enrollments ("
	"  campaign_id INTEGER NOT NULL REFERENCES campaigns(id),"
	"  contact_id INTEGER NOT NULL REFERENCES contacts(id),"
	"  state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active','paused','stopped','done')),"
	"  reason TEXT,"
	"  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
	"  PRIMARY KEY (campaign_id, contact_id)) WITHOUT ROWID;"
	"CREATE INDEX enrollments_contact ON enrollments(contact_id);"
	/* one row per contact per step: the unit of exactly-once sending */
	"CREATE TABLE messages ("
	"  id INTEGER PRIMARY KEY,"
	"  campaign_id INTEGER NOT NULL REFERENCES campaigns(id),"
	"  contact_id INTEGER NOT NULL REFERENCES contacts(id),"
	"  step INTEGER NOT NULL CHECK (step >= 0),"
	"  message_id TEXT NOT NULL UNIQUE,"
	/* an OR chain, not IN (...): SQLite builds a temporary table for IN on every write */
	"  state TEXT NOT NULL DEFAULT 'queued' CHECK (state = 'queued' OR state = 'sending' OR state = 'sent'"
	"    OR state = 'failed_temp' OR state = 'failed_perm' OR state = 'unknown' OR state = 'cancelled'),"
	"  due_at INTEGER NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT, last_code INTEGER,"
	"  subject TEXT, in_reply_to TEXT, refs TEXT,"
	"  queue_id TEXT, size INTEGER, server_reply TEXT,"
	"  body TEXT,"                         /* the text/plain as sent: quoted by follow-ups */
	"  created_at INTEGER NOT NULL, sending_at INTEGER, sent_at INTEGER,"
	"  updated_at INTEGER NOT NULL,"
	"  UNIQUE (campaign_id, contact_id, step));"
	"CREATE INDEX messages_queue ON messages(campaign_id, state, due_at);"
	"CREATE INDEX messages_contact ON messages(contact_id);"
	"CREATE INDEX messages_sent_at ON messages(sent_at) WHERE sent_at IS NOT NULL;"
	/* a message from the mailbox that concerns a contact: reply, bounce, auto-reply */
	"CREATE TABLE replies ("
	"  id INTEGER PRIMARY KEY,"
	"  contact_id INTEGER REFERENCES contacts(id),"
	"  message_row INTEGER REFERENCES messages(id),"
	"  campaign_id INTEGER REFERENCES campaigns(id),"
	"  source TEXT NOT NULL,"
	"  folder TEXT, uidvalidity INTEGER, uid INTEGER,"
	"  rfc_message_id TEXT,"
	"  fingerprint TEXT NOT NULL UNIQUE,"
	"  from_addr TEXT, from_name TEXT, subject TEXT, date INTEGER,"
	"  label TEXT NOT NULL CHECK (label IN ('offer','decline','info_request','auto_reply','bounce','other')),"
	"  reason TEXT, match_rule TEXT, snippet TEXT, new_text TEXT, conditions TEXT,"
	"  return_date TEXT, bounce_recipient TEXT, bounce_status TEXT, bounce_hard INTEGER,"
	"  unsubscribe INTEGER NOT NULL DEFAULT 0,"
	"  override_label TEXT CHECK (override_label IS NULL OR override_label IN"
	"    ('offer','decline','info_request','auto_reply','bounce','other')),"
	"  override_note TEXT, override_at INTEGER,"
	"  recorded_at INTEGER NOT NULL);"
	"CREATE INDEX replies_contact ON replies(contact_id);"
	/* append-only history of everything that happened */
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY, at INTEGER NOT NULL, kind TEXT NOT NULL,"
	"  campaign_id INTEGER, contact_id INTEGER, message_row INTEGER, reply_id INTEGER,"
	"  detail TEXT);"
	"CREATE INDEX events_contact ON events(contact_id);"
	"CREATE TRIGGER events_no_update BEFORE UPDATE ON events"
	"  BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;"
	"CREATE TRIGGER events_no_delete BEFORE DELETE ON events"
	"  BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;"
	/* do-not-contact; campaign_id 0 means everywhere */
	"CREATE TABLE suppressions ("
	"  id INTEGER PRIMARY KEY,"
	"  email TEXT NOT NULL COLLATE NOCASE,"
	"  campaign_id INTEGER NOT NULL DEFAULT 0,"
	"  reason TEXT NOT NULL, source TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  UNIQUE (email, campaign_id));"
	/* per-folder IMAP position: what has been seen already */
	"CREATE TABLE checkpoints ("
	"  folder TEXT PRIMARY KEY,"
	"  uidvalidity INTEGER NOT NULL, last_uid INTEGER NOT NULL,"
	"  highestmodseq INTEGER, unmatched INTEGER NOT NULL DEFAULT 0,"
	"  updated_at INTEGER NOT NULL);"
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);";

static const char *const migrations[] = {
	NULL,      /* version 0: empty database */
	schema_v1, /* 0 -> 1 */
};

const char *store_state_name(enum msg_state st)
{
	static const char *const names[MSG_STATE_COUNT] = {
		[MSG_QUEUED] = "queued", [MSG_SENDING] = "sending", [MSG_SENT] = "sent",
		[MSG_FAILED_TEMP] = "failed_temp", [MSG_FAILED_PERM] = "failed_perm",
		[MSG_UNKNOWN] = "unknown", [MSG_CANCELLED] = "cancelled",
	};
	return (unsigned)st < MSG_STATE_COUNT ? names[st] : "?";
}

int store_state_parse(const char *name)
{
	for (int i = 0; i < MSG_STATE_COUNT; i++)
		if (!strcmp(store_state_name((enum msg_state)i), name))
			return i;
	return -1;
}

int store_sqlerr(struct store *s, struct err *e, const char *what)
{
	int code = sqlite3_extended_errcode(s->db);
	enum err_class cls = ERR_IO;
	if ((code & 0xff) == SQLITE_CONSTRAINT)
		cls = ERR_DATA;
	return err_set(e, cls, code, "database: %s: %s", what, sqlite3_errmsg(s->db));
}

sqlite3_stmt *store_stmt(struct store *s, const char *sql, struct err *e)
{
	for (size_t i = 0; i < s->ncache; i++)
		if (s->cache[i].sql == sql) {
			sqlite3_reset(s->cache[i].st);
			sqlite3_clear_bindings(s->cache[i].st);
			return s->cache[i].st;
		}
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		store_sqlerr(s, e, "prepare");
		return NULL;
	}
	s->cache = xgrow(s->cache, &s->cachecap, s->ncache + 1, sizeof *s->cache);
	s->cache[s->ncache].sql = sql;
	s->cache[s->ncache].st = st;
	s->ncache++;
	return st;
}

int store_exec(struct store *s, const char *sql, struct err *e)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		err_set(e, ERR_IO, sqlite3_extended_errcode(s->db), "database: %s", msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int store_step_done(struct store *s, sqlite3_stmt *st, struct err *e, const char *what)
{
	int r = sqlite3_step(st);
	int rc = 0;
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		rc = store_sqlerr(s, e, what);
	sqlite3_reset(st);
	return rc;
}

int store_each(struct store *s, const char *sql, int (*row)(sqlite3_stmt *st, void *ud), void *ud,
	       const char *what, struct err *e, const char *binds, ...)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return store_sqlerr(s, e, what);
	va_list ap;
	va_start(ap, binds);
	for (int i = 0; binds && binds[i]; i++) {
		if (binds[i] == 'i')
			sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
		else
			store_bind_text(st, i + 1, va_arg(ap, const char *));
	}
	va_end(ap);
	int r, rc = 0;
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		if ((rc = row(st, ud)) != 0)
			break;
	if (!rc && r != SQLITE_DONE)
		rc = store_sqlerr(s, e, what);
	sqlite3_finalize(st);
	return rc;
}

void store_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

const char *store_col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

char *store_col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? xstrdup((const char *)t) : NULL;
}

int store_schema_version(struct store *s)
{
	sqlite3_stmt *st;
	int v = -1;
	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	return v;
}

static int migrate(struct store *s, struct err *e)
{
	int v = store_schema_version(s);
	if (v < 0)
		return store_sqlerr(s, e, "reading the schema version");
	if (v > STORE_SCHEMA_VERSION)
		return err_set(e, ERR_IO, 0,
			       "database schema version %d is newer than this outreach understands (%d); upgrade outreach",
			       v, STORE_SCHEMA_VERSION);
	if (v == STORE_SCHEMA_VERSION)
		return 0;
	if (store_begin(s, e) < 0)
		return -1;
	/* re-read inside the write transaction: another process may have migrated meanwhile */
	v = store_schema_version(s);
	for (int next = v + 1; next <= STORE_SCHEMA_VERSION; next++) {
		char pragma[64];
		snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", next);
		if (store_exec(s, migrations[next], e) < 0 || store_exec(s, pragma, e) < 0) {
			store_rollback(s);
			return err_prefix(e, "migrating the database to version %d", next);
		}
	}
	return store_commit(s, e);
}

int store_open(const char *path, bool create, struct store **out, struct err *e)
{
	if (!create && access(path, F_OK) < 0)
		return err_set(e, ERR_IO, errno, "no database at '%s'; is this an outreach workspace ('outreach init')?", path);
	if (create) {
		/* create it 0600 ourselves: SQLite would use the umask */
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			return err_set(e, ERR_IO, errno, "cannot create '%s': %s", path, strerror(errno));
		close(fd);
	}
	struct store *s = xcalloc(1, sizeof *s);
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW;
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		err_set(e, ERR_IO, 0, "cannot open database '%s': %s", path,
			s->db ? sqlite3_errmsg(s->db) : "out of memory");
		store_close(s);
		return -1;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, 10000);
	/* WAL: readers (status, report) never block the sender; synchronous=FULL in WAL mode
	 * makes each commit durable, which exactly-once sending depends on. */
	if (store_exec(s, "PRAGMA journal_mode = WAL", e) < 0 ||
	    store_exec(s, "PRAGMA synchronous = FULL", e) < 0 ||
	    store_exec(s, "PRAGMA foreign_keys = ON", e) < 0 ||
	    store_exec(s, "PRAGMA trusted_schema = OFF", e) < 0 || migrate(s, e) < 0) {
		err_prefix(e, "%s", path);
		store_close(s);
		return -1;
	}
	/* the -wal and -shm files inherit the umask; keep them private like the database */
	char *wal = xasprintf("%s-wal", path), *shm = xasprintf("%s-shm", path);
	chmod(wal, 0600);
	chmod(shm, 0600);
	free(wal), free(shm);
	*out = s;
	return 0;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->ncache; i++)
		sqlite3_finalize(s->cache[i].st);
	free(s->cache);
	if (s->db)
		sqlite3_close(s->db);
	free(s);
}

/* Statements run for every message: prepared once (store_stmt caches by address). */
static const char SQL_BEGIN[] = "BEGIN IMMEDIATE";
static const char SQL_COMMIT[] = "COMMIT";
static const char SQL_SYNC_FULL[] = "PRAGMA synchronous = FULL";
static const char SQL_SYNC_NORMAL[] = "PRAGMA synchronous = NORMAL";

static int run_cached(struct store *s, const char *sql, struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, sql, e);
	if (!st)
		return -1;
	int r = sqlite3_step(st);
	sqlite3_reset(st);
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		return err_set(e, ERR_IO, sqlite3_extended_errcode(s->db), "database: %s", sqlite3_errmsg(s->db));
	return 0;
}

int store_begin(struct store *s, struct err *e)
{
	return run_cached(s, SQL_BEGIN, e);
}

int store_commit(struct store *s, struct err *e)
{
	return run_cached(s, SQL_COMMIT, e);
}

void store_rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

int store_durable(struct store *s, bool durable, struct err *e)
{
	return run_cached(s, durable ? SQL_SYNC_FULL : SQL_SYNC_NORMAL, e);
}

/* ---------------------------------------------------------------- contacts */

static const char SQL_CONTACT_LOOKUP[] = "SELECT id FROM contacts WHERE email = ?1";

/* The id of the one row `sql` finds for `key`: 1 found, 0 none, -1 error. */
static int lookup_id(struct store *s, const char *sql, const char *key, int64_t *id, const char *what,
		     struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, sql, e);
	if (!st)
		return -1;
	store_bind_text(st, 1, key);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW && id)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return store_sqlerr(s, e, what);
	return r == SQLITE_ROW;
}

int store_contact_lookup(struct store *s, const char *email, int64_t *id, struct err *e)
{
	return lookup_id(s, SQL_CONTACT_LOOKUP, email, id, "looking up a contact", e);
}

static const char SQL_CONTACT_INSERT[] =
	"INSERT INTO contacts (email, first_name, last_name, title, specialty, department, hospital,"
	" city, state, country, timezone, phone, notes, flags, source, source_line, created_at, updated_at)"
	" VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?17)";
static const char SQL_CONTACT_UPDATE[] =
	"UPDATE contacts SET first_name=?2, last_name=?3, title=?4, specialty=?5, department=?6,"
	" hospital=?7, city=?8, state=?9, country=?10, timezone=?11, phone=?12, notes=?13, flags=?14,"
	" source=?15, source_line=?16, updated_at=?17 WHERE id=?1";
static const char SQL_FIELD_DELETE[] = "DELETE FROM contact_fields WHERE contact_id = ?1";
static const char SQL_FIELD_INSERT[] = "INSERT OR REPLACE INTO contact_fields (contact_id, name, value) VALUES (?1,?2,?3)";

static void bind_contact(sqlite3_stmt *st, const struct contact *c, time_t now)
{
	for (int i = 0; i < CF_COUNT; i++)
		store_bind_text(st, 2 + i, c->field[i] ? c->field[i] : "");
	sqlite3_bind_int64(st, 14, c->flags);
	store_bind_text(st, 15, c->source);
	if (c->source_line)
		sqlite3_bind_int64(st, 16, c->source_line);
	sqlite3_bind_int64(st, 17, (sqlite3_int64)now);
}

static int insert_fields(struct store *s, const struct contact *c, struct err *e)
{
	for (size_t i = 0; i < c->nextra; i++) {
		sqlite3_stmt *st = store_stmt(s, SQL_FIELD_INSERT, e);
		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, c->id);
		store_bind_text(st, 2, c->extra[i].name);
		store_bind_text(st, 3, c->extra[i].value);
		if (store_step_done(s, st, e, "saving a contact column") < 0)
			return -1;
	}
	return 0;
}

int store_contact_insert(struct store *s, struct contact *c, time_t now, struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, SQL_CONTACT_INSERT, e);
	if (!st)
		return -1;
	store_bind_text(st, 1, c->email);
	bind_contact(st, c, now);
	if (store_step_done(s, st, e, "saving a contact") < 0)
		return -1;
	c->id = sqlite3_last_insert_rowid(s->db);
	return insert_fields(s, c, e);
}

int store_contact_update(struct store *s, const struct contact *c, time_t now, struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, SQL_CONTACT_UPDATE, e);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, c->id);
	bind_contact(st, c, now);
	if (store_step_done(s, st, e, "updating a contact") < 0)
		return -1;
	st = store_stmt(s, SQL_FIELD_DELETE, e);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, c->id);
	if (store_step_done(s, st, e, "updating a contact") < 0)
		return -1;
	return insert_fields(s, c, e);
}

#define CONTACT_COLS \
	"c.id, c.email, c.first_name, c.last_name, c.title, c.specialty, c.department, c.hospital," \
	" c.city, c.state, c.country, c.timezone, c.phone, c.notes, c.flags, c.source, c.source_line"

static void read_contact(sqlite3_stmt *st, struct contact *c)
{
	contact_init(c);
	c->id = sqlite3_column_int64(st, 0);
	c->email = xstrdup(store_col_text(st, 1));
	for (int i = 0; i < CF_COUNT; i++)
		c->field[i] = xstrdup(store_col_text(st, 2 + i));
	c->flags = (unsigned)sqlite3_column_int64(st, 14);
	c->source = store_col_dup(st, 15);
	c->source_line = (long)sqlite3_column_int64(st, 16);
}

static const char SQL_FIELDS_OF[] = "SELECT name, value FROM contact_fields WHERE contact_id = ?1";

static int load_fields(struct store *s, struct contact *c, struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, SQL_FIELDS_OF, e);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, c->id);
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		contact_set_extra(c, store_col_text(st, 0), store_col_text(st, 1));
	sqlite3_reset(st);
	if (r != SQLITE_DONE)
		return store_sqlerr(s, e, "reading contact columns");
	return 0;
}

static const char SQL_CONTACT_BY_ID[] = "SELECT " CONTACT_COLS " FROM contacts c WHERE c.id = ?1";
static const char SQL_CONTACT_BY_EMAIL[] = "SELECT " CONTACT_COLS " FROM contacts c WHERE c.email = ?1";

int store_contact_load(struct store *s, int64_t id, const char *email, struct contact *out, struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, email ? SQL_CONTACT_BY_EMAIL : SQL_CONTACT_BY_ID, e);
	if (!st)
		return -1;
	if (email)
		store_bind_text(st, 1, email);
	else
		sqlite3_bind_int64(st, 1, id);
	int r = sqlite3_step(st);
	if (r != SQLITE_ROW) {
		sqlite3_reset(st);
		if (r != SQLITE_DONE)
			return store_sqlerr(s, e, "reading a contact");
		if (email)
			return err_set(e, ERR_DATA, 0, "no contact '%s'", email);
		return err_set(e, ERR_DATA, 0, "no contact with id %lld", (long long)id);
	}
	read_contact(st, out);
	sqlite3_reset(st);
	if (load_fields(s, out, e) < 0) {
		contact_release(out);
		return -1;
	}
	return 0;
}

static const char SQL_CONTACTS_ALL[] = "SELECT " CONTACT_COLS " FROM contacts c ORDER BY c.id";
static const char SQL_CONTACTS_CAMPAIGN[] =
	"SELECT " CONTACT_COLS " FROM contacts c JOIN enrollments en ON en.contact_id = c.id"
	" JOIN campaigns k ON k.id = en.campaign_id WHERE k.name = ?1 ORDER BY c.id";
/* all extra columns in one pass, merged with the contacts by id (both ordered) */
static const char SQL_FIELDS_ALL[] = "SELECT contact_id, name, value FROM contact_fields ORDER BY contact_id";

int store_contacts_each(struct store *s, const char *campaign,
			int (*fn)(void *ud, const struct contact *c), void *ud, struct err *e)
{
	/* two statements stepped side by side; prepared fresh so that fn may use the store */
	sqlite3_stmt *st = NULL, *fs = NULL;
	if (sqlite3_prepare_v2(s->db, campaign ? SQL_CONTACTS_CAMPAIGN : SQL_CONTACTS_ALL, -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, SQL_FIELDS_ALL, -1, &fs, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return store_sqlerr(s, e, "listing contacts");
	}
	if (campaign)
		store_bind_text(st, 1, campaign);
	int rc = 0, r, fr = sqlite3_step(fs);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		struct contact c;
		read_contact(st, &c);
		while (fr == SQLITE_ROW && sqlite3_column_int64(fs, 0) < c.id)
			fr = sqlite3_step(fs);
		while (fr == SQLITE_ROW && sqlite3_column_int64(fs, 0) == c.id) {
			contact_set_extra(&c, store_col_text(fs, 1), store_col_text(fs, 2));
			fr = sqlite3_step(fs);
		}
		rc = fn(ud, &c);
		contact_release(&c);
		if (rc)
			break;
	}
	if (!rc && r != SQLITE_DONE)
		rc = store_sqlerr(s, e, "listing contacts");
	sqlite3_finalize(st);
	sqlite3_finalize(fs);
	return rc;
}

/* ---------------------------------------------------------------- campaigns */

static const char SQL_CAMPAIGN_LOOKUP[] = "SELECT id FROM campaigns WHERE name = ?1";
static const char SQL_CAMPAIGN_INSERT[] = "INSERT INTO campaigns (name, created_at) VALUES (?1, ?2)";

int store_campaign_lookup(struct store *s, const char *name, int64_t *id, struct err *e)
{
	return lookup_id(s, SQL_CAMPAIGN_LOOKUP, name, id, "looking up a campaign", e);
}

int store_campaign_ensure(struct store *s, const char *name, time_t now, int64_t *id, struct err *e)
{
	int r = store_campaign_lookup(s, name, id, e);
	if (r != 0)
		return r < 0 ? -1 : 0;
	sqlite3_stmt *st = store_stmt(s, SQL_CAMPAIGN_INSERT, e);
	if (!st)
		return -1;
	store_bind_text(st, 1, name);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	if (store_step_done(s, st, e, "creating a campaign") < 0)
		return -1;
	*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

static const char SQL_ENROLL[] =
	"INSERT OR IGNORE INTO enrollments (campaign_id, contact_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)";

int store_enroll(struct store *s, int64_t campaign_id, int64_t contact_id, time_t now, struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, SQL_ENROLL, e);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, campaign_id);
	sqlite3_bind_int64(st, 2, contact_id);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
	if (store_step_done(s, st, e, "enrolling a contact") < 0)
		return -1;
	return sqlite3_changes(s->db) > 0;
}

static const char SQL_ENROLLMENTS_OF[] =
	"SELECT k.name, en.state, en.reason, en.created_at, en.updated_at FROM enrollments en"
	" JOIN campaigns k ON k.id = en.campaign_id WHERE en.contact_id = ?1 ORDER BY k.id";

struct enrollment_cb {
	int (*fn)(void *ud, const struct enrollment *en);
	void *ud;
};

static int enrollment_row(sqlite3_stmt *st, void *ud)
{
	struct enrollment_cb *c = ud;
	struct enrollment en = { store_col_text(st, 0), store_col_text(st, 1),
				 sqlite3_column_type(st, 2) == SQLITE_NULL ? NULL : store_col_text(st, 2),
				 (time_t)sqlite3_column_int64(st, 3), (time_t)sqlite3_column_int64(st, 4) };
	return c->fn(c->ud, &en);
}

int store_enrollments_each(struct store *s, int64_t contact_id,
			   int (*fn)(void *ud, const struct enrollment *en), void *ud, struct err *e)
{
	struct enrollment_cb c = { fn, ud };
	return store_each(s, SQL_ENROLLMENTS_OF, enrollment_row, &c, "reading enrolments", e, "i", contact_id);
}

/* ---------------------------------------------------------------- suppressions */

static const char SQL_SUPPRESS_ADD[] =
	"INSERT INTO suppressions (email, campaign_id, reason, source, created_at) VALUES (?1,?2,?3,?4,?5)"
	" ON CONFLICT (email, campaign_id) DO UPDATE SET reason = excluded.reason, source = excluded.source";
static const char SQL_SUPPRESS_DEL[] = "DELETE FROM suppressions WHERE email = ?1 AND campaign_id = ?2";
/* two index lookups (everywhere first, then this campaign), no sort */
static const char SQL_SUPPRESS_GET[] =
	"SELECT reason FROM suppressions WHERE email = ?1 AND campaign_id = 0"
	" UNION ALL SELECT reason FROM suppressions WHERE email = ?1 AND campaign_id = ?2 LIMIT 1";
static const char SQL_SUPPRESS_ALL[] =
	"SELECT s.email, k.name, s.reason, s.source, s.created_at FROM suppressions s"
	" LEFT JOIN campaigns k ON k.id = s.campaign_id ORDER BY s.created_at, s.id";

int store_suppress_add(struct store *s, const char *email, int64_t campaign_id, const char *reason,
		       const char *source, time_t now, struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, SQL_SUPPRESS_ADD, e);
	if (!st)
		return -1;
	store_bind_text(st, 1, email);
	sqlite3_bind_int64(st, 2, campaign_id);
	store_bind_text(st, 3, reason ? reason : "");
	store_bind_text(st, 4, source);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)now);
	return store_step_done(s, st, e, "adding a suppression");
}

int store_suppress_remove(struct store *s, const char *email, int64_t campaign_id, struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, SQL_SUPPRESS_DEL, e);
	if (!st)
		return -1;
	store_bind_text(st, 1, email);
	sqlite3_bind_int64(st, 2, campaign_id);
	if (store_step_done(s, st, e, "removing a suppression") < 0)
		return -1;
	return sqlite3_changes(s->db);
}

int store_is_suppressed(struct store *s, const char *email, int64_t campaign_id, char *reason, size_t reasonsz,
			struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, SQL_SUPPRESS_GET, e);
	if (!st)
		return -1;
	store_bind_text(st, 1, email);
	sqlite3_bind_int64(st, 2, campaign_id);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		if (reason && reasonsz)
			snprintf(reason, reasonsz, "%s", store_col_text(st, 0));
		sqlite3_reset(st);
		return 1;
	}
	sqlite3_reset(st);
	if (r != SQLITE_DONE)
		return store_sqlerr(s, e, "checking suppressions");
	return 0;
}

struct suppression_cb {
	int (*fn)(void *ud, const struct suppression *sp);
	void *ud;
};

static int suppression_row(sqlite3_stmt *st, void *ud)
{
	struct suppression_cb *c = ud;
	struct suppression sp = {
		store_col_text(st, 0), sqlite3_column_type(st, 1) == SQLITE_NULL ? NULL : store_col_text(st, 1),
		store_col_text(st, 2), store_col_text(st, 3), (time_t)sqlite3_column_int64(st, 4),
	};
	return c->fn(c->ud, &sp);
}

int store_suppress_each(struct store *s, int (*fn)(void *ud, const struct suppression *sp), void *ud, struct err *e)
{
	struct suppression_cb c = { fn, ud };
	return store_each(s, SQL_SUPPRESS_ALL, suppression_row, &c, "listing suppressions", e, NULL);
}

int store_suppression_count(struct store *s, long *n, struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT count(*) FROM suppressions", e);
	if (!st)
		return -1;
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return store_sqlerr(s, e, "counting suppressions");
	}
	*n = (long)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}

/* ---------------------------------------------------------------- import bookkeeping */

static const char SQL_SEEN_GET[] = "SELECT line FROM temp.import_seen WHERE email = ?1";
static const char SQL_SEEN_PUT[] = "INSERT INTO temp.import_seen (email, line) VALUES (?1, ?2)";

int store_import_start(struct store *s, struct err *e)
{
	/* a small page cache for the duplicate check: memory stays flat on huge files */
	return store_exec(s, "PRAGMA temp.cache_size = -256;"
			     "CREATE TEMP TABLE IF NOT EXISTS import_seen"
			     " (email TEXT PRIMARY KEY COLLATE NOCASE, line INTEGER) WITHOUT ROWID;"
			     "DELETE FROM temp.import_seen;", e);
}

int store_import_seen(struct store *s, const char *email, long line, long *prev_line, struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, SQL_SEEN_GET, e);
	if (!st)
		return -1;
	store_bind_text(st, 1, email);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		*prev_line = (long)sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		return 1;
	}
	sqlite3_reset(st);
	if (r != SQLITE_DONE)
		return store_sqlerr(s, e, "checking duplicates");
	st = store_stmt(s, SQL_SEEN_PUT, e);
	if (!st)
		return -1;
	store_bind_text(st, 1, email);
	sqlite3_bind_int64(st, 2, line);
	return store_step_done(s, st, e, "checking duplicates");
}

int store_import_finish(struct store *s, struct err *e)
{
	return store_exec(s, "DELETE FROM temp.import_seen", e);
}

/* ---------------------------------------------------------------- events */

static const char SQL_EVENT[] =
	"INSERT INTO events (at, kind, campaign_id, contact_id, message_row, reply_id, detail)"
	" VALUES (?1, ?2, NULLIF(?3, 0), NULLIF(?4, 0), NULLIF(?5, 0), NULLIF(?6, 0), ?7)";

int store_event(struct store *s, const struct event *ev, time_t now, struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, SQL_EVENT, e);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	store_bind_text(st, 2, ev->kind);
	sqlite3_bind_int64(st, 3, ev->campaign_id);
	sqlite3_bind_int64(st, 4, ev->contact_id);
	sqlite3_bind_int64(st, 5, ev->message_row);
	sqlite3_bind_int64(st, 6, ev->reply_id);
	store_bind_text(st, 7, ev->detail);
	return store_step_done(s, st, e, "recording an event");
}

static const char SQL_EVENTS_OF[] =
	"SELECT ev.at, ev.kind, k.name, ev.detail FROM events ev LEFT JOIN campaigns k ON k.id = ev.campaign_id"
	" WHERE ev.contact_id = ?1 ORDER BY ev.id";

struct event_cb {
	int (*fn)(void *ud, const struct event_row *ev);
	void *ud;
};

static int event_row(sqlite3_stmt *st, void *ud)
{
	struct event_cb *c = ud;
	struct event_row ev = { (time_t)sqlite3_column_int64(st, 0), store_col_text(st, 1),
				sqlite3_column_type(st, 2) == SQLITE_NULL ? NULL : store_col_text(st, 2),
				store_col_text(st, 3) };
	return c->fn(c->ud, &ev);
}

int store_events_each(struct store *s, int64_t contact_id,
		      int (*fn)(void *ud, const struct event_row *ev), void *ud, struct err *e)
{
	struct event_cb c = { fn, ud };
	return store_each(s, SQL_EVENTS_OF, event_row, &c, "reading events", e, "i", contact_id);
}
