/* store_report: the queries behind 'status' and 'report'. Part of the store. */
#include "store_report.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "store.h"
#include "store_int.h"

static const char *col_or_null(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NULL : store_col_text(st, i);
}

/* Each row of a query over one campaign (?1), through the store's shared iterator. */
struct each_cb {
	int (*row)(sqlite3_stmt *st, const void *cb);
	const void *cb;
};

static int each_row(sqlite3_stmt *st, void *ud)
{
	struct each_cb *c = ud;
	return c->row(st, c->cb);
}

static int each(struct store *s, const char *sql, int64_t campaign_id, const char *what,
		int (*row)(sqlite3_stmt *st, const void *cb), const void *cb, struct err *e)
{
	struct each_cb c = { row, cb };
	return store_each(s, sql, each_row, &c, what, e, "i", campaign_id);
}

static const char SQL_CONTACTS[] =
	"SELECT c.id, c.email, c.first_name, c.last_name, c.title, c.specialty, c.department, c.hospital,"
	" c.city, c.state, c.country, en.state, en.reason,"
	" EXISTS (SELECT 1 FROM suppressions sp WHERE sp.email = c.email AND sp.campaign_id IN (0, ?1))"
	" FROM enrollments en JOIN contacts c ON c.id = en.contact_id WHERE en.campaign_id = ?1 ORDER BY c.id";

struct contact_cb {
	int (*fn)(void *ud, const struct report_contact_in *c);
	void *ud;
};

static int contact_row(sqlite3_stmt *st, const void *cb)
{
	struct report_contact_in c = {
		.id = sqlite3_column_int64(st, 0),
		.email = store_col_text(st, 1),
		.first_name = store_col_text(st, 2),
		.last_name = store_col_text(st, 3),
		.title = store_col_text(st, 4),
		.specialty = store_col_text(st, 5),
		.department = store_col_text(st, 6),
		.hospital = store_col_text(st, 7),
		.city = store_col_text(st, 8),
		.state = store_col_text(st, 9),
		.country = store_col_text(st, 10),
		.enrollment = store_col_text(st, 11),
		.enrollment_reason = col_or_null(st, 12),
		.suppressed = sqlite3_column_int(st, 13) != 0,
	};
	const struct contact_cb *k = cb;
	return k->fn(k->ud, &c);
}

int store_report_contacts(struct store *s, int64_t campaign_id,
			  int (*fn)(void *ud, const struct report_contact_in *c), void *ud, struct err *e)
{
	struct contact_cb cb = { fn, ud };
	return each(s, SQL_CONTACTS, campaign_id, "reading the campaign's contacts", contact_row, &cb, e);
}

static const char SQL_MESSAGES[] =
	"SELECT contact_id, step, state, due_at, sent_at, last_error, last_code FROM messages"
	" WHERE campaign_id = ?1 ORDER BY contact_id, step";

struct message_cb {
	int (*fn)(void *ud, const struct report_message_in *m);
	void *ud;
};

static int message_row(sqlite3_stmt *st, const void *cb)
{
	struct report_message_in m = {
		.contact_id = sqlite3_column_int64(st, 0),
		.step = sqlite3_column_int(st, 1),
		.state = store_col_text(st, 2),
		.due_at = (time_t)sqlite3_column_int64(st, 3),
		.sent_at = (time_t)sqlite3_column_int64(st, 4),
		.last_error = col_or_null(st, 5),
		.last_code = sqlite3_column_int(st, 6),
	};
	const struct message_cb *k = cb;
	return k->fn(k->ud, &m);
}

int store_report_messages(struct store *s, int64_t campaign_id,
			  int (*fn)(void *ud, const struct report_message_in *m), void *ud, struct err *e)
{
	struct message_cb cb = { fn, ud };
	return each(s, SQL_MESSAGES, campaign_id, "reading the campaign's messages", message_row, &cb, e);
}

/* Replies tied to this campaign, or to no campaign (a coordinator's answer matched by
 * address only), of the campaign's contacts — the same rule as store_standing(). */
static const char SQL_REPLIES[] =
	"SELECT r.id, r.contact_id, r.label, r.override_label, r.override_note, coalesce(r.date, r.recorded_at),"
	" r.from_addr, r.from_name, r.subject, r.reason, r.snippet, r.new_text, r.conditions, r.return_date,"
	" r.bounce_recipient, r.bounce_status, r.bounce_hard, r.unsubscribe"
	" FROM replies r JOIN enrollments en ON en.contact_id = r.contact_id AND en.campaign_id = ?1"
	" WHERE r.campaign_id IS NULL OR r.campaign_id = ?1"
	" ORDER BY r.contact_id, coalesce(r.date, r.recorded_at), r.id";

struct reply_cb {
	int (*fn)(void *ud, const struct report_reply_in *r);
	void *ud;
};

static int reply_row(sqlite3_stmt *st, const void *cb)
{
	struct report_reply_in r = {
		.id = sqlite3_column_int64(st, 0),
		.contact_id = sqlite3_column_int64(st, 1),
		.label = store_col_text(st, 2),
		.override_label = col_or_null(st, 3),
		.override_note = col_or_null(st, 4),
		.date = (time_t)sqlite3_column_int64(st, 5),
		.from_addr = store_col_text(st, 6),
		.from_name = store_col_text(st, 7),
		.subject = store_col_text(st, 8),
		.reason = store_col_text(st, 9),
		.snippet = store_col_text(st, 10),
		.new_text = store_col_text(st, 11),
		.conditions = col_or_null(st, 12),
		.return_date = col_or_null(st, 13),
		.bounce_recipient = store_col_text(st, 14),
		.bounce_status = store_col_text(st, 15),
		.bounce_hard = sqlite3_column_type(st, 16) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 16) != 0,
		.unsubscribe = sqlite3_column_int(st, 17) != 0,
	};
	const struct reply_cb *k = cb;
	return k->fn(k->ud, &r);
}

int store_report_replies(struct store *s, int64_t campaign_id,
			 int (*fn)(void *ud, const struct report_reply_in *r), void *ud, struct err *e)
{
	struct reply_cb cb = { fn, ud };
	return each(s, SQL_REPLIES, campaign_id, "reading the campaign's replies", reply_row, &cb, e);
}

static const char SQL_SENT_SINCE[] = "SELECT count(*) FROM messages WHERE sent_at IS NOT NULL AND sent_at >= ?1";

int store_report_sent_since(struct store *s, time_t since, long *n, struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, SQL_SENT_SINCE, e);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)since);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		*n = (long)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (r != SQLITE_ROW)
		return store_sqlerr(s, e, "counting today's sends");
	return 0;
}

static const char SQL_CAMPAIGN_STATE[] = "SELECT state FROM campaigns WHERE id = ?1";

int store_report_campaign_paused(struct store *s, int64_t campaign_id, struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, SQL_CAMPAIGN_STATE, e);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, campaign_id);
	int r = sqlite3_step(st), paused = 0;
	if (r == SQLITE_ROW)
		paused = strcmp(store_col_text(st, 0), "paused") == 0;
	sqlite3_reset(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return store_sqlerr(s, e, "reading the campaign");
	return paused;
}
