/* import: a spreadsheet of contacts into the database — validated row by row, one transaction. */
#ifndef OUTREACH_IMPORT_H
#define OUTREACH_IMPORT_H
#include <stdbool.h>
#include <time.h>

struct err;
struct store;

struct import_opts {
	const char *encoding;      /* NULL: detect */
	const char *campaign;      /* enrol imported contacts here (must be in the config) */
	const char *rejects_path;  /* write bad rows here (original columns + "error") */
	bool update;               /* overwrite contacts already in the database */
	bool strict;               /* any bad row: write nothing */
	bool dry_run;              /* check everything, write nothing */
	size_t max_field;          /* 0: default cap */
};

struct import_stats {
	long rows;        /* data records seen (blank lines excluded) */
	long imported;    /* new contacts */
	long updated;     /* existing contacts overwritten (--update) */
	long known;       /* existing contacts left as they were */
	long rejected;    /* bad rows */
	long suppressed;  /* imported, but on the do-not-contact list */
	long role;        /* imported, but a shared mailbox */
	long enrolled;    /* newly enrolled in the campaign */
	char encoding_used[32];
	char delimiter;
	bool committed;   /* the transaction was committed */
};

enum import_severity { IMPORT_NOTE, IMPORT_WARNING, IMPORT_REJECT };

/* Receives one "FILE:LINE: message" per problem, as it is found. */
typedef void (*import_report_fn)(void *ud, enum import_severity sev, const char *msg);

/*
 * Import path into the store. Row problems go to report (and the rejects file) and do not
 * stop the import unless o->strict. Returns 0 when the file was processed (check
 * stats->rejected), -1 when it could not be (no email column, unreadable file, database
 * error, or strict with rejects): then nothing was written. An interruption (crash, signal)
 * before the single COMMIT leaves the database as it was.
 */
int import_csv(struct store *st, const char *path, const struct import_opts *o, time_t now,
	       struct import_stats *stats, import_report_fn report, void *ud, struct err *e);

/* Map a spreadsheet header to outreach's column name ("E-mail Address" -> "email",
 * "Surname" -> "last_name"); other names are normalised ("Program URL" -> "program_url").
 * Caller frees. */
char *import_column_name(const char *header);

#endif
