/* corpus.h: helpers for the corpus-driven tests (TSV tables, files, the known-misses list). */
#ifndef OUTREACH_TEST_CORPUS_H
#define OUTREACH_TEST_CORPUS_H
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "util.h"
#include "xalloc.h"

#define CORPUS_MAX_FILE (4u * 1024u * 1024u)

/* One TSV row: up to 16 fields, pointing into the row's own copy. */
struct tsv_row {
	char *line;
	char *f[16];
	int nf;
};

struct tsv {
	struct tsv_row *rows;
	size_t n;
};

/* Read a TSV file, skipping '#' comment lines and blank lines. Aborts the test on error. */
static inline void tsv_load(const char *path, struct tsv *t)
{
	struct buf b = BUF_INIT(CORPUS_MAX_FILE);
	struct err e;
	memset(t, 0, sizeof *t);
	if (read_file(path, CORPUS_MAX_FILE, &b, &e) < 0) {
		fprintf(stderr, "cannot read %s: %s\n", path, e.msg);
		abort();
	}
	size_t cap = 0;
	char *s = b.data;
	while (s && *s) {
		char *nl = strchr(s, '\n');
		if (nl)
			*nl = '\0';
		size_t len = strlen(s);
		if (len && s[len - 1] == '\r')
			s[--len] = '\0';
		if (len && s[0] != '#') {
			t->rows = xgrow(t->rows, &cap, t->n + 1, sizeof *t->rows);
			struct tsv_row *r = &t->rows[t->n++];
			r->line = xstrdup(s);
			r->nf = 0;
			char *p = r->line;
			while (r->nf < 16) {
				r->f[r->nf++] = p;
				char *tab = strchr(p, '\t');
				if (!tab)
					break;
				*tab = '\0';
				p = tab + 1;
			}
			for (int i = r->nf; i < 16; i++)
				r->f[i] = r->line + len; /* the terminating NUL: an empty field */
		}
		s = nl ? nl + 1 : NULL;
	}
	buf_release(&b);
}

static inline void tsv_free(struct tsv *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->rows[i].line);
	free(t->rows);
	memset(t, 0, sizeof *t);
}

/* Read a whole file into b (aborts on error). */
static inline void corpus_read(const char *path, struct buf *b)
{
	struct err e;
	buf_init(b, CORPUS_MAX_FILE);
	if (read_file(path, CORPUS_MAX_FILE, b, &e) < 0) {
		fprintf(stderr, "cannot read %s: %s\n", path, e.msg);
		abort();
	}
}

/*
 * tests/spec/mail/KNOWN_MISSES.md lists the corpus expectations the code does not meet,
 * one table row each: "| corpus | file | metric | reason |". A test fails when a miss is
 * not listed (a regression) and when a listed miss passes (an improvement: delete the
 * line), so the list always says exactly where the code stands.
 */
struct known_misses {
	char **keys; /* "corpus|file|metric" */
	bool *seen;
	size_t n;
};

static inline void known_load(const char *path, struct known_misses *k)
{
	struct buf b = BUF_INIT(CORPUS_MAX_FILE);
	struct err e;
	memset(k, 0, sizeof *k);
	if (read_file(path, CORPUS_MAX_FILE, &b, &e) < 0) {
		fprintf(stderr, "cannot read %s: %s\n", path, e.msg);
		abort();
	}
	size_t cap = 0, scap = 0;
	char *s = b.data;
	while (s && *s) {
		char *nl = strchr(s, '\n');
		if (nl)
			*nl = '\0';
		if (s[0] == '|' && s[1] == ' ') {
			char *cells[4];
			int nc = 0;
			char *p = s + 1;
			while (nc < 4) {
				char *bar = strchr(p, '|');
				if (!bar)
					break;
				*bar = '\0';
				cells[nc++] = str_trim(p);
				p = bar + 1;
			}
			/* skip the header and separator rows */
			if (nc == 4 && strcmp(cells[0], "corpus") != 0 && cells[0][0] != '-') {
				char *key = xasprintf("%s|%s|%s", cells[0], cells[1], cells[2]);
				/* strip markdown backticks */
				char *w = key;
				for (char *r = key; *r; r++)
					if (*r != '`')
						*w++ = *r;
				*w = '\0';
				k->keys = xgrow(k->keys, &cap, k->n + 1, sizeof *k->keys);
				k->seen = xgrow(k->seen, &scap, k->n + 1, sizeof *k->seen);
				k->keys[k->n] = key;
				k->seen[k->n] = false;
				k->n++;
			}
		}
		s = nl ? nl + 1 : NULL;
	}
	buf_release(&b);
}

/* Record a miss; returns true when it is listed. */
static inline bool known_miss(struct known_misses *k, const char *corpus, const char *file, const char *metric)
{
	char *key = xasprintf("%s|%s|%s", corpus, file, metric);
	bool found = false;
	for (size_t i = 0; i < k->n; i++) {
		if (strcmp(k->keys[i], key) == 0) {
			k->seen[i] = true;
			found = true;
		}
	}
	free(key);
	return found;
}

/* Listed misses of this corpus that did not happen (fixed), printed; returns their number. */
static inline int known_unseen(const struct known_misses *k, const char *corpus)
{
	int n = 0;
	size_t cl = strlen(corpus);
	for (size_t i = 0; i < k->n; i++) {
		if (!k->seen[i] && strncmp(k->keys[i], corpus, cl) == 0 && k->keys[i][cl] == '|') {
			printf("fixed (remove from KNOWN_MISSES.md): %s\n", k->keys[i]);
			n++;
		}
	}
	return n;
}

static inline void known_free(struct known_misses *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->keys[i]);
	free(k->keys);
	free(k->seen);
	memset(k, 0, sizeof *k);
}

#endif
