/* store_msg: queries over planned messages — planning, the send queue, state changes,
 * pacing history and threads. Part of the store (only store_*.c touch SQLite). */
#include "store_msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "store_int.h"
#include "xalloc.h"

void msg_release(struct msg *m)
{
	free(m->message_id);
	free(m->email);
	free(m->last_error);
	free(m->subject);
	memset(m, 0, sizeof *m);
}

#define MSG_COLS \
	"m.id, m.campaign_id, m.contact_id, m.step, m.message_id, m.state, m.due_at, m.attempts, c.email," \
	" m.last_error, m.subject, m.sent_at"

static void read_msg(sqlite3_stmt *st, struct msg *m)
{
	memset(m, 0, sizeof *m);
	m->id = sqlite3_column_int64(st, 0);
	m->campaign_id = sqlite3_column_int64(st, 1);
	m->contact_id = sqlite3_column_int64(st, 2);
	m->step = sqlite3_column_int(st, 3);
	m->message_id = xstrdup(store_col_text(st, 4));
	int k = store_state_parse(store_col_text(st, 5));
	m->state = k < 0 ? MSG_UNKNOWN : (enum msg_state)k;
	m->due_at = (time_t)sqlite3_column_int64(st, 6);
	m->attempts = sqlite3_column_int(st, 7);
	m->email = xstrdup(store_col_text(st, 8));
	m->last_error = store_col_dup(st, 9);
	m->subject = store_col_dup(st, 10);
	m->sent_at = (time_t)sqlite3_column_int64(st, 11);
}

static int collect(struct store *s, sqlite3_stmt *st, struct msg **out, size_t *n, size_t limit, struct err *e,
		   const char *what)
{
	struct msg *v = NULL;
	size_t cnt = 0, cap = 0;
	int r;
	while ((limit == 0 || cnt < limit) && (r = sqlite3_step(st)) == SQLITE_ROW) {
		v = xgrow(v, &cap, cnt + 1, sizeof *v);
		read_msg(st, &v[cnt++]);
	}
	if (limit && cnt == limit)
		r = SQLITE_DONE;
	sqlite3_reset(st);
	if (r != SQLITE_DONE) {
		for (size_t i = 0; i < cnt; i++)
			msg_release(&v[i]);
		free(v);
		return store_sqlerr(s, e, what);
	}
	*out = v;
	*n = cnt;
	return 0;
}

/* ------------------------------------------------------------------ recovery, planning */

static const char SQL_SENDING[] = "SELECT id, campaign_id, contact_id FROM messages WHERE state = 'sending'";
static const char SQL_TO_UNKNOWN[] =
	"UPDATE messages SET state = 'unknown', last_error = 'interrupted while sending: it may have been delivered',"
	" updated_at = ?2 WHERE id = ?1 AND state = 'sending'";

int store_recover_sending(struct store *s, time_t now, long *n, struct err *e)
{
	*n = 0;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(s->db, SQL_SENDING, -1, &st, NULL) != SQLITE_OK)
		return store_sqlerr(s, e, "recovering");
	int64_t ids[3][256];
	size_t cnt = 0;
	int r;
	while (cnt < 256 && (r = sqlite3_step(st)) == SQLITE_ROW) {
		ids[0][cnt] = sqlite3_column_int64(st, 0);
		ids[1][cnt] = sqlite3_column_int64(st, 1);
		ids[2][cnt] = sqlite3_column_int64(st, 2);
		cnt++;
	}
	sqlite3_finalize(st);
	for (size_t i = 0; i < cnt; i++) {
		sqlite3_stmt *u = store_stmt(s, SQL_TO_UNKNOWN, e);
		if (!u)
			return -1;
		sqlite3_bind_int64(u, 1, ids[0][i]);
		sqlite3_bind_int64(u, 2, (sqlite3_int64)now);
		if (store_step_done(s, u, e, "recovering") < 0)
			return -1;
		struct event ev = { .kind = "send.unknown", .campaign_id = ids[1][i], .contact_id = ids[2][i],
				    .message_row = ids[0][i], .detail = "reason=interrupted-while-sending" };
		if (store_event(s, &ev, now, e) < 0)
			return -1;
	}
	*n = (long)cnt;
	/* a huge backlog of 'sending' cannot happen (one at a time), but loop to be sure */
	if (cnt == 256) {
		long more = 0;
		if (store_recover_sending(s, now, &more, e) < 0)
			return -1;
		*n += more;
	}
	return 0;
}

static const char SQL_UNPLANNED[] =
	"SELECT c.id, c.email FROM enrollments en JOIN contacts c ON c.id = en.contact_id"
	" WHERE en.campaign_id = ?1 AND en.state = 'active' AND NOT EXISTS"
	" (SELECT 1 FROM messages m WHERE m.campaign_id = en.campaign_id AND m.contact_id = en.contact_id AND m.step = 0)"
	" ORDER BY en.contact_id"; /* = c.id, in the primary key's order: no temporary sort of every row */

struct unplanned_cb {
	int (*fn)(void *ud, int64_t contact_id, const char *email);
	void *ud;
};

static int unplanned_row(sqlite3_stmt *st, void *ud)
{
	struct unplanned_cb *c = ud;
	return c->fn(c->ud, sqlite3_column_int64(st, 0), store_col_text(st, 1));
}

int store_unplanned_each(struct store *s, int64_t campaign_id,
			 int (*fn)(void *ud, int64_t contact_id, const char *email), void *ud, struct err *e)
{
	struct unplanned_cb c = { fn, ud };
	return store_each(s, SQL_UNPLANNED, unplanned_row, &c, "planning", e, "i", campaign_id);
}

static const char SQL_ELSEWHERE[] =
	"SELECT 1 FROM messages WHERE contact_id = ?1 AND campaign_id <> ?2 AND state IN ('sent','sending','unknown') LIMIT 1";

int store_written_elsewhere(struct store *s, int64_t contact_id, int64_t campaign_id, struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, SQL_ELSEWHERE, e);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, contact_id);
	sqlite3_bind_int64(st, 2, campaign_id);
	int r = sqlite3_step(st);
	sqlite3_reset(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return store_sqlerr(s, e, "checking other campaigns");
	return r == SQLITE_ROW;
}

static const char SQL_PLAN[] =
	"INSERT OR IGNORE INTO messages (campaign_id, contact_id, step, message_id, state, due_at, created_at, updated_at)"
	" VALUES (?1, ?2, ?3, ?4, 'queued', ?5, ?6, ?6)";

int store_plan(struct store *s, int64_t campaign_id, int64_t contact_id, int step, const char *message_id,
	       time_t due_at, time_t now, struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, SQL_PLAN, e);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, campaign_id);
	sqlite3_bind_int64(st, 2, contact_id);
	sqlite3_bind_int(st, 3, step);
	store_bind_text(st, 4, message_id);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)due_at);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)now);
	if (store_step_done(s, st, e, "planning a message") < 0)
		return -1;
	return sqlite3_changes(s->db) > 0;
}

/* ------------------------------------------------------------------ queue */

/* The queue's rows: store_queue and store_queue_summary must agree on them. */
#define QUEUE_FROM \
	" FROM messages m JOIN contacts c ON c.id = m.contact_id" \
	" JOIN enrollments en ON en.campaign_id = m.campaign_id AND en.contact_id = m.contact_id" \
	" JOIN campaigns k ON k.id = m.campaign_id" \
	" WHERE m.campaign_id = ?1 AND m.state IN ('queued','failed_temp') AND en.state = 'active' AND k.state = 'active'"
#define QUEUE_ORDER " ORDER BY m.due_at, m.step, m.id"

static const char SQL_QUEUE[] = "SELECT " MSG_COLS QUEUE_FROM QUEUE_ORDER;

int store_queue(struct store *s, int64_t campaign_id, struct msg **out, size_t *n, size_t limit, struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, SQL_QUEUE, e);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, campaign_id);
	return collect(s, st, out, n, limit, e, "reading the queue");
}

static const char SQL_QUEUE_COUNT[] = "SELECT count(*), coalesce(sum(m.due_at <= ?2), 0)" QUEUE_FROM;
static const char SQL_QUEUE_FIRST[] = "SELECT c.email" QUEUE_FROM " AND m.due_at <= ?2" QUEUE_ORDER " LIMIT 1";

int store_queue_summary(struct store *s, int64_t campaign_id, time_t now, long *queued, long *due, char *first,
			size_t firstsz, struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, SQL_QUEUE_COUNT, e);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, campaign_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	int r = sqlite3_step(st);
	long q = 0, d = 0;
	if (r == SQLITE_ROW) {
		q = (long)sqlite3_column_int64(st, 0);
		d = (long)sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (r != SQLITE_ROW)
		return store_sqlerr(s, e, "counting the queue");
	if (first && firstsz) {
		if (!(st = store_stmt(s, SQL_QUEUE_FIRST, e)))
			return -1;
		sqlite3_bind_int64(st, 1, campaign_id);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
		r = sqlite3_step(st);
		if (r == SQLITE_ROW)
			snprintf(first, firstsz, "%s", store_col_text(st, 0));
		else if (r == SQLITE_DONE)
			first[0] = '\0';
		sqlite3_reset(st);
		if (r != SQLITE_ROW && r != SQLITE_DONE)
			return store_sqlerr(s, e, "reading the queue");
	}
	*queued = q;
	*due = d;
	return 0;
}

static const char SQL_IN_STATE[] =
	"SELECT " MSG_COLS " FROM messages m JOIN contacts c ON c.id = m.contact_id"
	" WHERE (?1 = 0 OR m.campaign_id = ?1) AND m.state = ?2 ORDER BY m.id";

int store_messages_in_state(struct store *s, int64_t campaign_id, enum msg_state stt, struct msg **out, size_t *n,
			    struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, SQL_IN_STATE, e);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, campaign_id);
	store_bind_text(st, 2, store_state_name(stt));
	return collect(s, st, out, n, 0, e, "reading messages");
}

static const char SQL_GET[] =
	"SELECT " MSG_COLS " FROM messages m JOIN contacts c ON c.id = m.contact_id"
	" WHERE m.campaign_id = ?1 AND m.contact_id = ?2 AND m.step = ?3";

int store_message_get(struct store *s, int64_t campaign_id, int64_t contact_id, int step, struct msg *out,
		      struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, SQL_GET, e);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, campaign_id);
	sqlite3_bind_int64(st, 2, contact_id);
	sqlite3_bind_int(st, 3, step);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		read_msg(st, out);
	sqlite3_reset(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return store_sqlerr(s, e, "reading a message");
	return r == SQLITE_ROW;
}

/* ------------------------------------------------------------------ state changes */

static const char SQL_SENDING_MARK[] =
	"UPDATE messages SET state = 'sending', sending_at = ?2, updated_at = ?2"
	" WHERE id = ?1 AND state IN ('queued','failed_temp')";

int store_mark_sending(struct store *s, int64_t id, time_t now, struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, SQL_SENDING_MARK, e);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	if (store_step_done(s, st, e, "marking a message as sending") < 0)
		return -1;
	/* exactly once: if another process took it meanwhile, this one must not send */
	if (sqlite3_changes(s->db) != 1)
		return err_set(e, ERR_TEMP, 0, "message %lld is no longer waiting to be sent", (long long)id);
	return 0;
}

static const char SQL_SENT[] =
	"UPDATE messages SET state = 'sent', sent_at = ?2, updated_at = ?2, subject = ?3, body = ?4, queue_id = ?5,"
	" last_code = ?6, last_error = NULL, size = ?7, server_reply = ?8, attempts = attempts + 1 WHERE id = ?1";

int store_mark_sent(struct store *s, int64_t id, const char *subject, const char *body, const char *queue_id,
		    int code, const char *reply, long size, time_t now, struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, SQL_SENT, e);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	store_bind_text(st, 3, subject);
	store_bind_text(st, 4, body);
	store_bind_text(st, 5, queue_id && *queue_id ? queue_id : NULL);
	sqlite3_bind_int(st, 6, code);
	sqlite3_bind_int64(st, 7, size);
	store_bind_text(st, 8, reply);
	return store_step_done(s, st, e, "marking a message as sent");
}

static const char SQL_RETRY[] =
	"UPDATE messages SET state = ?2, attempts = attempts + ?3, due_at = ?4, last_code = ?5, last_error = ?6,"
	" updated_at = ?7 WHERE id = ?1";

int store_mark_retry(struct store *s, int64_t id, enum msg_state stt, bool count_attempt, time_t due,
		     int code, const char *error, time_t now, struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, SQL_RETRY, e);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	store_bind_text(st, 2, store_state_name(stt));
	sqlite3_bind_int(st, 3, count_attempt ? 1 : 0);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)due);
	if (code)
		sqlite3_bind_int(st, 5, code);
	store_bind_text(st, 6, error);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)now);
	return store_step_done(s, st, e, "rescheduling a message");
}

static const char SQL_FINAL[] =
	"UPDATE messages SET state = ?2, last_code = ?3, last_error = ?4, updated_at = ?5,"
	" attempts = attempts + (?2 IN ('failed_perm','unknown')) WHERE id = ?1";

int store_mark_final(struct store *s, int64_t id, enum msg_state stt, int code, const char *error, time_t now,
		     struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, SQL_FINAL, e);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	store_bind_text(st, 2, store_state_name(stt));
	if (code)
		sqlite3_bind_int(st, 3, code);
	store_bind_text(st, 4, error);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)now);
	return store_step_done(s, st, e, "updating a message");
}

static const char SQL_CANCEL_WAITING[] =
	"UPDATE messages SET state = 'cancelled', last_error = ?2, updated_at = ?3"
	" WHERE id = ?1 AND state IN ('queued','failed_temp')";

int store_cancel_waiting(struct store *s, int64_t id, const char *why, time_t now, struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, SQL_CANCEL_WAITING, e);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	store_bind_text(st, 2, why);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
	if (store_step_done(s, st, e, "cancelling a message") < 0)
		return -1;
	return sqlite3_changes(s->db) == 1;
}

/* ------------------------------------------------------------------ pacing history */

static const char SQL_RECENT[] =
	"SELECT sent_at FROM messages WHERE sent_at IS NOT NULL AND sent_at >= ?1 ORDER BY sent_at";
static const char SQL_LATEST[] = "SELECT max(sent_at) FROM messages";
static const char SQL_TODAY[] = "SELECT count(*) FROM messages WHERE sent_at IS NOT NULL AND sent_at >= ?1";
static const char SQL_DOMAIN[] =
	"SELECT count(*) FROM messages m JOIN contacts c ON c.id = m.contact_id"
	" WHERE m.sent_at IS NOT NULL AND m.sent_at >= ?2 AND c.email LIKE '%@' || ?1";

int store_send_history(struct store *s, time_t since, time_t day_start, time_t **times, size_t *n, long *today,
		       struct err *e)
{
	time_t *v = NULL;
	size_t cnt = 0, cap = 0;
	sqlite3_stmt *st = store_stmt(s, SQL_LATEST, e);
	if (!st)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		time_t latest = (time_t)sqlite3_column_int64(st, 0);
		if (latest < since) {
			v = xgrow(v, &cap, 1, sizeof *v);
			v[cnt++] = latest;
		}
	}
	sqlite3_reset(st);
	st = store_stmt(s, SQL_RECENT, e);
	if (!st) {
		free(v);
		return -1;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)since);
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		v = xgrow(v, &cap, cnt + 1, sizeof *v);
		v[cnt++] = (time_t)sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	if (r != SQLITE_DONE) {
		free(v);
		return store_sqlerr(s, e, "reading the send history");
	}
	st = store_stmt(s, SQL_TODAY, e);
	if (!st) {
		free(v);
		return -1;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)day_start);
	*today = sqlite3_step(st) == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	*times = v;
	*n = cnt;
	return 0;
}

int store_sent_to_domain_since(struct store *s, const char *domain, time_t since, long *n, struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, SQL_DOMAIN, e);
	if (!st)
		return -1;
	store_bind_text(st, 1, domain);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)since);
	int r = sqlite3_step(st);
	*n = r == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (r != SQLITE_ROW)
		return store_sqlerr(s, e, "counting sends to a domain");
	return 0;
}

/* ------------------------------------------------------------------ threads and standing */

static const char SQL_THREAD[] =
	"SELECT message_id, subject, body, sent_at, step FROM messages WHERE campaign_id = ?1 AND contact_id = ?2"
	" AND state IN ('sent','unknown') ORDER BY step";

int store_thread(struct store *s, int64_t campaign_id, int64_t contact_id, struct thread_rows *t, struct err *e)
{
	memset(t, 0, sizeof *t);
	sqlite3_stmt *st = store_stmt(s, SQL_THREAD, e);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, campaign_id);
	sqlite3_bind_int64(st, 2, contact_id);
	size_t cap = 0;
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		t->ids = xgrow(t->ids, &cap, t->nids + 1, sizeof *t->ids);
		t->ids[t->nids++] = xstrdup(store_col_text(st, 0));
		if (sqlite3_column_int(st, 4) == 0) {
			free(t->first_subject);
			t->first_subject = store_col_dup(st, 1);
		}
		if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
			free(t->last_text);
			t->last_text = store_col_dup(st, 2);
			t->last_date = (time_t)sqlite3_column_int64(st, 3);
		}
	}
	sqlite3_reset(st);
	if (r != SQLITE_DONE) {
		thread_rows_release(t);
		return store_sqlerr(s, e, "reading a thread");
	}
	return 0;
}

void thread_rows_release(struct thread_rows *t)
{
	for (size_t i = 0; i < t->nids; i++)
		free(t->ids[i]);
	free(t->ids);
	free(t->first_subject);
	free(t->last_text);
	memset(t, 0, sizeof *t);
}

/* a bounce ends the sequence only when it is final: a hard one, or one marked by hand (a
 * delay warning or a full mailbox is not, outcome.h) */
static const char SQL_STANDING[] =
	"SELECT coalesce(override_label, label), return_date,"
	" override_label IS NOT NULL OR coalesce(bounce_hard, 0) = 1 FROM replies WHERE contact_id = ?1"
	" AND (campaign_id IS NULL OR campaign_id = ?2) ORDER BY coalesce(date, recorded_at)";
static const char SQL_ENROLL_STATE[] =
	"SELECT en.state, k.state FROM enrollments en JOIN campaigns k ON k.id = en.campaign_id"
	" WHERE en.campaign_id = ?1 AND en.contact_id = ?2";

int store_standing(struct store *s, int64_t campaign_id, int64_t contact_id, struct contact_standing *out,
		   struct err *e)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = store_stmt(s, SQL_STANDING, e);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, contact_id);
	sqlite3_bind_int64(st, 2, campaign_id);
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		const char *label = store_col_text(st, 0);
		if (!strcmp(label, "bounce")) {
			if (sqlite3_column_int(st, 2))
				out->bounced = true;
		}
		else if (!strcmp(label, "auto_reply")) {
			if (sqlite3_column_type(st, 1) != SQLITE_NULL)
				snprintf(out->return_date, sizeof out->return_date, "%s", store_col_text(st, 1));
		} else
			out->replied = true;
	}
	sqlite3_reset(st);
	if (r != SQLITE_DONE)
		return store_sqlerr(s, e, "reading replies");
	st = store_stmt(s, SQL_ENROLL_STATE, e);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, campaign_id);
	sqlite3_bind_int64(st, 2, contact_id);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		snprintf(out->enrollment, sizeof out->enrollment, "%s", store_col_text(st, 0));
		snprintf(out->campaign, sizeof out->campaign, "%s", store_col_text(st, 1));
	}
	sqlite3_reset(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return store_sqlerr(s, e, "reading the enrolment");
	return 0;
}

static const char SQL_COUNTS[] =
	"SELECT state, count(*) FROM messages WHERE (?1 = 0 OR campaign_id = ?1) GROUP BY state";

int store_state_counts(struct store *s, int64_t campaign_id, long counts[MSG_STATE_COUNT], struct err *e)
{
	memset(counts, 0, sizeof(long) * MSG_STATE_COUNT);
	sqlite3_stmt *st = store_stmt(s, SQL_COUNTS, e);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, campaign_id);
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		int k = store_state_parse(store_col_text(st, 0));
		if (k >= 0)
			counts[k] = (long)sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (r != SQLITE_DONE)
		return store_sqlerr(s, e, "counting messages");
	return 0;
}

static const char SQL_SCHEDULE[] =
	"SELECT " MSG_COLS ", en.state, en.reason, k.state FROM messages m JOIN contacts c ON c.id = m.contact_id"
	" JOIN enrollments en ON en.campaign_id = m.campaign_id AND en.contact_id = m.contact_id"
	" JOIN campaigns k ON k.id = m.campaign_id"
	" WHERE m.campaign_id = ?1 AND m.state IN ('queued','failed_temp') ORDER BY m.due_at, m.step, m.id";

struct schedule_cb {
	int (*fn)(void *ud, const struct sched_row *r);
	void *ud;
};

static int schedule_row(sqlite3_stmt *st, void *ud)
{
	struct schedule_cb *c = ud;
	struct sched_row row;
	read_msg(st, &row.m);
	row.enrollment = store_col_text(st, 12);
	row.enroll_reason = sqlite3_column_type(st, 13) == SQLITE_NULL ? NULL : store_col_text(st, 13);
	row.campaign_state = store_col_text(st, 14);
	int rc = c->fn(c->ud, &row);
	msg_release(&row.m);
	return rc;
}

int store_schedule_each(struct store *s, int64_t campaign_id, int (*fn)(void *ud, const struct sched_row *r),
			void *ud, struct err *e)
{
	struct schedule_cb c = { fn, ud };
	return store_each(s, SQL_SCHEDULE, schedule_row, &c, "reading the schedule", e, "i", campaign_id);
}

static const char SQL_CAMPAIGN_STATE[] = "UPDATE campaigns SET state = ?2 WHERE id = ?1";

int store_campaign_set_state(struct store *s, int64_t campaign_id, const char *state, time_t now, struct err *e)
{
	(void)now;
	sqlite3_stmt *st = store_stmt(s, SQL_CAMPAIGN_STATE, e);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, campaign_id);
	store_bind_text(st, 2, state);
	return store_step_done(s, st, e, "pausing a campaign");
}

static const char SQL_ADOPT[] =
	"INSERT OR IGNORE INTO messages (campaign_id, contact_id, step, message_id, state, due_at, subject, body,"
	" attempts, created_at, sent_at, updated_at, server_reply)"
	" VALUES (?1, ?2, 0, ?3, 'sent', ?4, ?5, ?6, 1, ?7, ?4, ?7, 'sent by hand before outreach (ingest --sent)')";

int store_adopt_sent(struct store *s, int64_t campaign_id, int64_t contact_id, const char *message_id,
		     const char *subject, const char *body, time_t sent_at, time_t now, struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, SQL_ADOPT, e);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, campaign_id);
	sqlite3_bind_int64(st, 2, contact_id);
	store_bind_text(st, 3, message_id);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)sent_at);
	store_bind_text(st, 5, subject);
	store_bind_text(st, 6, body);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)now);
	if (store_step_done(s, st, e, "adopting a sent message") < 0)
		return -1;
	return sqlite3_changes(s->db) > 0;
}

static const char SQL_CANCEL_STEPS_EVENTS[] =
	"INSERT INTO events (at, kind, campaign_id, contact_id, message_row, detail)"
	" SELECT ?3, 'send.cancelled', campaign_id, contact_id, id, 'step ' || (step + 1) || ' is no longer in the campaign'"
	" FROM messages WHERE campaign_id = ?1 AND step >= ?2 AND state IN ('queued','failed_temp')";
static const char SQL_CANCEL_STEPS[] =
	"UPDATE messages SET state = 'cancelled', last_error = 'step ' || (step + 1) || ' is no longer in the campaign',"
	" updated_at = ?3 WHERE campaign_id = ?1 AND step >= ?2 AND state IN ('queued','failed_temp')";

int store_cancel_steps_from(struct store *s, int64_t campaign_id, int nsteps, time_t now, long *n, struct err *e)
{
	const char *const sql[] = { SQL_CANCEL_STEPS_EVENTS, SQL_CANCEL_STEPS };
	for (size_t i = 0; i < 2; i++) {
		sqlite3_stmt *st = store_stmt(s, sql[i], e);
		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, campaign_id);
		sqlite3_bind_int(st, 2, nsteps);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
		if (store_step_done(s, st, e, "cancelling removed steps") < 0)
			return -1;
	}
	if (n)
		*n = sqlite3_changes(s->db);
	return 0;
}
