/* store_int: what the store_*.c files share — never included outside them. */
#ifndef OUTREACH_STORE_INT_H
#define OUTREACH_STORE_INT_H
#include <sqlite3.h>
#include <stddef.h>

struct err;

struct stmt_cache {
	const char *sql; /* identity: the address of a static SQL string */
	sqlite3_stmt *st;
};

struct store {
	sqlite3 *db;
	struct stmt_cache *cache;
	size_t ncache, cachecap;
};

/* A cached prepared statement for a static SQL string, reset and unbound. */
sqlite3_stmt *store_stmt(struct store *s, const char *sql, struct err *e);
int store_exec(struct store *s, const char *sql, struct err *e);
/* Step once (DONE or ROW both fine), reset; -1 with the error otherwise. */
int store_step_done(struct store *s, sqlite3_stmt *st, struct err *e, const char *what);
int store_sqlerr(struct store *s, struct err *e, const char *what);
void store_bind_text(sqlite3_stmt *st, int i, const char *v);
/*
 * Run a query row by row: prepared fresh (not cached), so row() may use the store. `binds`
 * names the parameters that follow in order: 'i' an int64_t, 't' a const char * (NULL binds
 * SQL NULL). row() returns 0 to go on; anything else stops and is returned.
 */
int store_each(struct store *s, const char *sql, int (*row)(sqlite3_stmt *st, void *ud), void *ud,
	       const char *what, struct err *e, const char *binds, ...);
/* Column text, "" for NULL (valid until the next step/reset). */
const char *store_col_text(sqlite3_stmt *st, int i);
/* Column text copied, NULL for NULL. */
char *store_col_dup(sqlite3_stmt *st, int i);

#endif
