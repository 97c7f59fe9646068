/* mval: a small value tree (null, bool, number, string, list, map) — the rendering context. */
#ifndef OUTREACH_MVAL_H
#define OUTREACH_MVAL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A tree of values as JSON describes them. Read the fields directly; change a tree only
 * through the functions below (they keep the map index consistent).
 *
 * Ownership: every container owns its children. mval_list_push() and mval_map_set() take
 * ownership of the child they are given, even when they fail; mval_free() frees a whole tree.
 * Strings are UTF-8 by convention (not checked here), carry their length, may hold NUL bytes,
 * and are always NUL-terminated at s[len] for convenience.
 *
 * Maps keep keys in insertion order (for stable output) and look keys up through a hash
 * index once they hold more than MVAL_MAP_SCAN entries; below that a scan over the stored
 * hashes is faster than probing.
 */
enum mval_type {
	MVAL_NULL,
	MVAL_BOOL,
	MVAL_NUMBER,
	MVAL_STRING,
	MVAL_LIST,
	MVAL_MAP,
};

#define MVAL_MAP_SCAN 8

struct mval;

struct mval_entry {
	char *key;          /* NUL-terminated copy; may hold NUL bytes before klen */
	size_t klen;
	uint32_t hash;      /* mval_hash(key, klen) */
	struct mval *val;
};

struct mval {
	enum mval_type type;
	union {
		bool b;
		double num;
		struct { char *s; size_t len; } str;
		struct { struct mval **v; size_t n, cap; } list;
		struct {
			struct mval_entry *e;
			size_t n, cap;
			uint32_t *index;   /* open addressing: entry number + 1, 0 = empty; NULL when small */
			size_t index_cap;  /* a power of two, or 0 */
		} map;
	} u;
};

/* Constructors never fail (allocation failure is fatal); the result is the caller's. */
struct mval *mval_new_null(void);
struct mval *mval_new_bool(bool b);
struct mval *mval_new_number(double d);
/* Copies n bytes of s. */
struct mval *mval_new_string(const char *s, size_t n);
struct mval *mval_new_stringz(const char *s);
/* Takes ownership of s, which must be malloc'd and hold n bytes plus a NUL at s[n]. */
struct mval *mval_new_string_take(char *s, size_t n);
struct mval *mval_new_list(void);
struct mval *mval_new_map(void);
/* Free a tree; NULL is a no-op. */
void mval_free(struct mval *v);
/* A deep copy; the result is the caller's. NULL gives NULL. */
struct mval *mval_clone(const struct mval *v);

/* Append child (owned from now on) to list. */
void mval_list_push(struct mval *list, struct mval *child);
/* Set key (copied) to child (owned from now on). An existing key keeps its position and its
 * old value is freed. Returns 1 if the key existed, 0 if it was added. */
int mval_map_set(struct mval *map, const char *key, size_t klen, struct mval *child);
int mval_map_setz(struct mval *map, const char *key, struct mval *child);

/* The hash the map uses (FNV-1a, 32 bit); callers that look the same key up many times can
 * compute it once and use mval_map_get_h(). */
uint32_t mval_hash(const char *key, size_t klen);
/* Look a key up; the result is borrowed from the map, or NULL when absent (or when v is not
 * a map). */
const struct mval *mval_map_get(const struct mval *v, const char *key, size_t klen);
const struct mval *mval_map_getz(const struct mval *v, const char *key);
const struct mval *mval_map_get_h(const struct mval *v, const char *key, size_t klen, uint32_t hash);

/* Shortest decimal text that reads back as the same double ("85", "1.21", "1e+21"), in the
 * C locale whatever the process locale is. NaN and infinities give "NaN", "Infinity",
 * "-Infinity". Writes a NUL-terminated string into out (at least MVAL_NUMBER_BUFSZ bytes)
 * and returns its length. */
#define MVAL_NUMBER_BUFSZ 32
size_t mval_number_format(double d, char *out);

const char *mval_type_name(enum mval_type t);

#endif
