/* store_reply: queries for incoming mail — matching it to what was sent, recording replies
 * without duplicates, mailbox checkpoints, and the effects of an outcome. */
#include "store_reply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "store_int.h"
#include "xalloc.h"

static void fill_ref(sqlite3_stmt *st, struct sent_ref *out)
{
	memset(out, 0, sizeof *out);
	out->message_row = sqlite3_column_int64(st, 0);
	out->campaign_id = sqlite3_column_int64(st, 1);
	out->contact_id = sqlite3_column_int64(st, 2);
	out->step = sqlite3_column_int(st, 3);
	snprintf(out->email, sizeof out->email, "%s", store_col_text(st, 4));
	snprintf(out->subject, sizeof out->subject, "%s", store_col_text(st, 5));
	snprintf(out->message_id, sizeof out->message_id, "%s", store_col_text(st, 6));
}

static int one_ref(struct store *s, sqlite3_stmt *st, struct sent_ref *out, struct err *e, const char *what)
{
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		fill_ref(st, out);
	sqlite3_reset(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return store_sqlerr(s, e, what);
	return r == SQLITE_ROW;
}

static const char SQL_BY_ID[] =
	"SELECT m.id, m.campaign_id, m.contact_id, m.step, c.email, coalesce(m.subject, ''), m.message_id FROM messages m"
	" JOIN contacts c ON c.id = m.contact_id WHERE m.message_id = ?1 AND m.state IN ('sent','unknown','sending')";

int store_find_sent_id(struct store *s, const char *message_id, struct sent_ref *out, struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, SQL_BY_ID, e);
	if (!st)
		return -1;
	store_bind_text(st, 1, message_id);
	return one_ref(s, st, out, e, "matching a Message-ID");
}

static const char SQL_CONTACT_REF[] =
	"SELECT coalesce(m.id, 0), coalesce(m.campaign_id, 0), c.id, coalesce(m.step, 0), c.email, coalesce(m.subject, ''),"
	" coalesce(m.message_id, '')"
	" FROM contacts c LEFT JOIN messages m ON m.contact_id = c.id AND m.state IN ('sent','unknown')"
	" WHERE c.email = ?1 ORDER BY m.sent_at DESC, m.id DESC LIMIT 1";

int store_find_contact_ref(struct store *s, const char *email, struct sent_ref *out, struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, SQL_CONTACT_REF, e);
	if (!st)
		return -1;
	store_bind_text(st, 1, email);
	return one_ref(s, st, out, e, "matching a sender");
}

static const char SQL_SUBJECT_ORG[] =
	"SELECT m.id, m.campaign_id, m.contact_id, m.step, c.email, coalesce(m.subject, ''), m.message_id FROM messages m"
	" JOIN contacts c ON c.id = m.contact_id WHERE m.subject = ?1 AND m.state IN ('sent','unknown')"
	" AND (c.email LIKE '%@' || ?2 OR c.email LIKE '%.' || ?2) ORDER BY m.sent_at DESC, m.id DESC LIMIT 1";

int store_find_sent_subject_org(struct store *s, const char *subject, const char *org, struct sent_ref *out,
				struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, SQL_SUBJECT_ORG, e);
	if (!st)
		return -1;
	store_bind_text(st, 1, subject);
	store_bind_text(st, 2, org);
	return one_ref(s, st, out, e, "matching a subject");
}

static const char SQL_ORG_KNOWN[] =
	"SELECT 1 FROM contacts WHERE email LIKE '%@' || ?1 OR email LIKE '%.' || ?1 LIMIT 1";

int store_org_known(struct store *s, const char *org, struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, SQL_ORG_KNOWN, e);
	if (!st)
		return -1;
	store_bind_text(st, 1, org);
	int r = sqlite3_step(st);
	sqlite3_reset(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return store_sqlerr(s, e, "checking a domain");
	return r == SQLITE_ROW;
}

static const char SQL_REPLY_ADD[] =
	"INSERT OR IGNORE INTO replies (contact_id, message_row, campaign_id, source, folder, uidvalidity, uid,"
	" rfc_message_id, fingerprint, from_addr, from_name, subject, date, label, reason, match_rule, snippet,"
	" new_text, conditions, return_date, bounce_recipient, bounce_status, bounce_hard, unsubscribe, recorded_at)"
	" VALUES (NULLIF(?1,0), NULLIF(?2,0), NULLIF(?3,0), ?4, ?5, NULLIF(?6,0), NULLIF(?7,0), ?8, ?9, ?10, ?11, ?12,"
	" NULLIF(?13,0), ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, NULLIF(?23,-1), ?24, ?25)";

int store_reply_add(struct store *s, const struct reply_rec *r, time_t now, int64_t *id, struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, SQL_REPLY_ADD, e);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, r->contact_id);
	sqlite3_bind_int64(st, 2, r->message_row);
	sqlite3_bind_int64(st, 3, r->campaign_id);
	store_bind_text(st, 4, r->source);
	store_bind_text(st, 5, r->folder);
	sqlite3_bind_int64(st, 6, r->uidvalidity);
	sqlite3_bind_int64(st, 7, r->uid);
	store_bind_text(st, 8, r->rfc_message_id);
	store_bind_text(st, 9, r->fingerprint);
	store_bind_text(st, 10, r->from_addr);
	store_bind_text(st, 11, r->from_name);
	store_bind_text(st, 12, r->subject);
	sqlite3_bind_int64(st, 13, (sqlite3_int64)r->date);
	store_bind_text(st, 14, r->label);
	store_bind_text(st, 15, r->reason);
	store_bind_text(st, 16, r->match_rule);
	store_bind_text(st, 17, r->snippet);
	store_bind_text(st, 18, r->new_text);
	store_bind_text(st, 19, r->conditions);
	store_bind_text(st, 20, r->return_date && *r->return_date ? r->return_date : NULL);
	store_bind_text(st, 21, r->bounce_recipient);
	store_bind_text(st, 22, r->bounce_status);
	sqlite3_bind_int(st, 23, r->bounce_hard);
	sqlite3_bind_int(st, 24, r->unsubscribe);
	sqlite3_bind_int64(st, 25, (sqlite3_int64)now);
	if (store_step_done(s, st, e, "recording a reply") < 0)
		return -1;
	if (sqlite3_changes(s->db) == 0)
		return 0;
	if (id)
		*id = sqlite3_last_insert_rowid(s->db);
	return 1;
}

/* ------------------------------------------------------------------ checkpoints */

static const char SQL_CP_GET[] = "SELECT uidvalidity, last_uid FROM checkpoints WHERE folder = ?1";
static const char SQL_CP_SET[] =
	"INSERT INTO checkpoints (folder, uidvalidity, last_uid, unmatched, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)"
	" ON CONFLICT (folder) DO UPDATE SET unmatched = CASE WHEN uidvalidity = excluded.uidvalidity"
	" THEN unmatched + excluded.unmatched ELSE excluded.unmatched END,"
	" uidvalidity = excluded.uidvalidity, last_uid = excluded.last_uid, updated_at = excluded.updated_at";

int store_checkpoint_get(struct store *s, const char *folder, uint32_t *uidvalidity, uint32_t *last_uid,
			 struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, SQL_CP_GET, e);
	if (!st)
		return -1;
	store_bind_text(st, 1, folder);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		*uidvalidity = (uint32_t)sqlite3_column_int64(st, 0);
		*last_uid = (uint32_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return store_sqlerr(s, e, "reading a checkpoint");
	return r == SQLITE_ROW;
}

int store_checkpoint_set(struct store *s, const char *folder, uint32_t uidvalidity, uint32_t last_uid,
			 long unmatched_add, time_t now, struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, SQL_CP_SET, e);
	if (!st)
		return -1;
	store_bind_text(st, 1, folder);
	sqlite3_bind_int64(st, 2, uidvalidity);
	sqlite3_bind_int64(st, 3, last_uid);
	sqlite3_bind_int64(st, 4, unmatched_add);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)now);
	return store_step_done(s, st, e, "saving a checkpoint");
}

/* ------------------------------------------------------------------ effects */

static const char SQL_CANCEL[] =
	"UPDATE messages SET state = 'cancelled', last_error = ?3, updated_at = ?4"
	" WHERE contact_id = ?1 AND (?2 = 0 OR campaign_id = ?2) AND state IN ('queued','failed_temp')";

int store_cancel_pending(struct store *s, int64_t contact_id, int64_t campaign_id, const char *reason, time_t now,
			 long *n, struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, SQL_CANCEL, e);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, contact_id);
	sqlite3_bind_int64(st, 2, campaign_id);
	store_bind_text(st, 3, reason);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)now);
	if (store_step_done(s, st, e, "cancelling messages") < 0)
		return -1;
	if (n)
		*n = sqlite3_changes(s->db);
	return 0;
}

static const char SQL_ENROLL_SET[] =
	"UPDATE enrollments SET state = ?3, reason = ?4, updated_at = ?5 WHERE campaign_id = ?1 AND contact_id = ?2";

int store_enrollment_set(struct store *s, int64_t campaign_id, int64_t contact_id, const char *state,
			 const char *reason, time_t now, struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, SQL_ENROLL_SET, e);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, campaign_id);
	sqlite3_bind_int64(st, 2, contact_id);
	store_bind_text(st, 3, state);
	store_bind_text(st, 4, reason);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)now);
	return store_step_done(s, st, e, "updating an enrolment");
}

static const char SQL_PEERS[] =
	"SELECT c.id, c.email FROM enrollments en JOIN contacts c ON c.id = en.contact_id"
	" WHERE en.campaign_id = ?1 AND c.id <> ?2 AND en.state = 'active' AND c.hospital <> ''"
	" AND lower(c.hospital) = lower(?3) AND (?4 IS NULL OR lower(c.department) = lower(?4))";

struct peers_cb {
	int (*fn)(void *ud, int64_t contact_id, const char *email);
	void *ud;
};

static int peer_row(sqlite3_stmt *st, void *ud)
{
	struct peers_cb *c = ud;
	return c->fn(c->ud, sqlite3_column_int64(st, 0), store_col_text(st, 1));
}

int store_peers_each(struct store *s, int64_t campaign_id, int64_t contact_id, const char *hospital,
		     const char *department, int (*fn)(void *ud, int64_t contact_id, const char *email), void *ud,
		     struct err *e)
{
	struct peers_cb c = { fn, ud };
	return store_each(s, SQL_PEERS, peer_row, &c, "finding colleagues", e, "iitt", campaign_id, contact_id, hospital,
			  department);
}

/* ------------------------------------------------------------------ listing, overrides */

static const char SQL_REPLIES[] =
	"SELECT r.id, coalesce(r.contact_id, 0), coalesce(c.email, r.from_addr),"
	" trim(coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '')),"
	" coalesce(r.override_label, r.label), r.label, r.reason, r.match_rule, r.snippet, r.subject, r.from_addr,"
	" r.return_date, r.bounce_status, r.override_note, k.name, coalesce(r.date, r.recorded_at)"
	" FROM replies r LEFT JOIN contacts c ON c.id = r.contact_id LEFT JOIN campaigns k ON k.id = r.campaign_id"
	" WHERE ?1 IS NULL OR coalesce(r.override_label, r.label) = ?1 ORDER BY coalesce(r.date, r.recorded_at), r.id";

static const char *opt(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NULL : store_col_text(st, i);
}

struct replies_cb {
	int (*fn)(void *ud, const struct reply_row *r);
	void *ud;
};

static int reply_row(sqlite3_stmt *st, void *ud)
{
	struct replies_cb *c = ud;
	struct reply_row row = {
		sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), store_col_text(st, 2), store_col_text(st, 3),
		store_col_text(st, 4), store_col_text(st, 5), opt(st, 6), opt(st, 7), opt(st, 8), opt(st, 9),
		opt(st, 10), opt(st, 11), opt(st, 12), opt(st, 13), opt(st, 14), (time_t)sqlite3_column_int64(st, 15),
	};
	return c->fn(c->ud, &row);
}

int store_replies_each(struct store *s, const char *label, int (*fn)(void *ud, const struct reply_row *r), void *ud,
		       struct err *e)
{
	struct replies_cb c = { fn, ud };
	return store_each(s, SQL_REPLIES, reply_row, &c, "listing replies", e, "t", label);
}

static const char SQL_LATEST_REPLY[] =
	"SELECT id, coalesce(campaign_id, 0) FROM replies WHERE contact_id = ?1"
	" ORDER BY coalesce(date, recorded_at) DESC, id DESC LIMIT 1";

int store_latest_reply(struct store *s, int64_t contact_id, int64_t *reply_id, int64_t *campaign_id, struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, SQL_LATEST_REPLY, e);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, contact_id);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		*reply_id = sqlite3_column_int64(st, 0);
		*campaign_id = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return store_sqlerr(s, e, "reading replies");
	return r == SQLITE_ROW;
}

static const char SQL_OVERRIDE[] =
	"UPDATE replies SET override_label = ?2, override_note = coalesce(?3, override_note), override_at = ?4 WHERE id = ?1";

int store_reply_override(struct store *s, int64_t reply_id, const char *label, const char *note, time_t now,
			 struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, SQL_OVERRIDE, e);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, reply_id);
	store_bind_text(st, 2, label);
	store_bind_text(st, 3, note);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)now);
	return store_step_done(s, st, e, "recording a decision");
}

static const char SQL_REPLY_INFO[] =
	"SELECT coalesce(r.contact_id, 0), coalesce(r.campaign_id, 0), coalesce(c.email, r.from_addr, ''), r.label,"
	" coalesce(r.override_label, r.label), r.unsubscribe FROM replies r LEFT JOIN contacts c ON c.id = r.contact_id"
	" WHERE r.id = ?1";

int store_reply_info(struct store *s, int64_t reply_id, struct reply_info *out, struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, SQL_REPLY_INFO, e);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, reply_id);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		memset(out, 0, sizeof *out);
		out->contact_id = sqlite3_column_int64(st, 0);
		out->campaign_id = sqlite3_column_int64(st, 1);
		snprintf(out->email, sizeof out->email, "%s", store_col_text(st, 2));
		snprintf(out->label, sizeof out->label, "%s", store_col_text(st, 3));
		snprintf(out->effective, sizeof out->effective, "%s", store_col_text(st, 4));
		out->unsubscribe = sqlite3_column_int(st, 5) != 0;
	}
	sqlite3_reset(st);
	if (r == SQLITE_DONE)
		return err_set(e, ERR_DATA, 0, "no reply %lld", (long long)reply_id);
	if (r != SQLITE_ROW)
		return store_sqlerr(s, e, "reading a reply");
	return 0;
}

static const char SQL_SUP_DEL_SOURCE[] =
	"DELETE FROM suppressions WHERE email = ?1 AND campaign_id = ?2 AND source = ?3";

int store_suppress_remove_source(struct store *s, const char *email, int64_t campaign_id, const char *source,
				 struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, SQL_SUP_DEL_SOURCE, e);
	if (!st)
		return -1;
	store_bind_text(st, 1, email);
	sqlite3_bind_int64(st, 2, campaign_id);
	store_bind_text(st, 3, source);
	return store_step_done(s, st, e, "removing a suppression");
}

static const char SQL_UNCANCEL[] =
	"UPDATE messages SET state = 'queued', last_error = NULL, updated_at = ?3 WHERE contact_id = ?1"
	" AND (?2 = 0 OR campaign_id = ?2) AND state = 'cancelled' AND last_error LIKE 'outcome:%'";

int store_uncancel(struct store *s, int64_t contact_id, int64_t campaign_id, time_t now, long *n, struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, SQL_UNCANCEL, e);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, contact_id);
	sqlite3_bind_int64(st, 2, campaign_id);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
	if (store_step_done(s, st, e, "re-queueing messages") < 0)
		return -1;
	if (n)
		*n = sqlite3_changes(s->db);
	return 0;
}

static const char SQL_CONTACT_CAMPAIGNS[] = "SELECT campaign_id FROM enrollments WHERE contact_id = ?1 ORDER BY campaign_id";

int store_contact_campaigns(struct store *s, int64_t contact_id, int64_t *ids, size_t max, size_t *n,
			    struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, SQL_CONTACT_CAMPAIGNS, e);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, contact_id);
	size_t k = 0;
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW && k < max)
		ids[k++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return store_sqlerr(s, e, "reading enrolments");
	*n = k;
	return 0;
}

static const char SQL_CAMPAIGN_NAME[] = "SELECT name FROM campaigns WHERE id = ?1";

int store_campaign_name(struct store *s, int64_t id, char *name, size_t n, struct err *e)
{
	sqlite3_stmt *st = store_stmt(s, SQL_CAMPAIGN_NAME, e);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int r = sqlite3_step(st);
	snprintf(name, n, "%s", r == SQLITE_ROW ? store_col_text(st, 0) : "");
	sqlite3_reset(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return store_sqlerr(s, e, "reading a campaign");
	return 0;
}
