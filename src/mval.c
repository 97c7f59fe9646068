/* mval: a small value tree (null, bool, number, string, list, map) — the rendering context. */
#include "mval.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static struct mval *mval_alloc(enum mval_type t)
{
	struct mval *v = xcalloc(1, sizeof *v);
	v->type = t;
	return v;
}

struct mval *mval_new_null(void)
{
	return mval_alloc(MVAL_NULL);
}

struct mval *mval_new_bool(bool b)
{
	struct mval *v = mval_alloc(MVAL_BOOL);
	v->u.b = b;
	return v;
}

struct mval *mval_new_number(double d)
{
	struct mval *v = mval_alloc(MVAL_NUMBER);
	v->u.num = d;
	return v;
}

struct mval *mval_new_string(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return mval_new_string_take(p, n);
}

struct mval *mval_new_stringz(const char *s)
{
	return mval_new_string(s, strlen(s));
}

struct mval *mval_new_string_take(char *s, size_t n)
{
	struct mval *v = mval_alloc(MVAL_STRING);
	v->u.str.s = s;
	v->u.str.len = n;
	return v;
}

struct mval *mval_new_list(void)
{
	return mval_alloc(MVAL_LIST);
}

struct mval *mval_new_map(void)
{
	return mval_alloc(MVAL_MAP);
}

void mval_free(struct mval *v)
{
	if (!v)
		return;
	switch (v->type) {
	case MVAL_STRING:
		free(v->u.str.s);
		break;
	case MVAL_LIST:
		for (size_t i = 0; i < v->u.list.n; i++)
			mval_free(v->u.list.v[i]);
		free(v->u.list.v);
		break;
	case MVAL_MAP:
		for (size_t i = 0; i < v->u.map.n; i++) {
			free(v->u.map.e[i].key);
			mval_free(v->u.map.e[i].val);
		}
		free(v->u.map.e);
		free(v->u.map.index);
		break;
	case MVAL_NULL:
	case MVAL_BOOL:
	case MVAL_NUMBER:
		break;
	}
	free(v);
}

struct mval *mval_clone(const struct mval *v)
{
	if (!v)
		return NULL;
	switch (v->type) {
	case MVAL_NULL:
		return mval_new_null();
	case MVAL_BOOL:
		return mval_new_bool(v->u.b);
	case MVAL_NUMBER:
		return mval_new_number(v->u.num);
	case MVAL_STRING:
		return mval_new_string(v->u.str.s, v->u.str.len);
	case MVAL_LIST: {
		struct mval *l = mval_new_list();
		for (size_t i = 0; i < v->u.list.n; i++)
			mval_list_push(l, mval_clone(v->u.list.v[i]));
		return l;
	}
	case MVAL_MAP: {
		struct mval *m = mval_new_map();
		for (size_t i = 0; i < v->u.map.n; i++)
			mval_map_set(m, v->u.map.e[i].key, v->u.map.e[i].klen, mval_clone(v->u.map.e[i].val));
		return m;
	}
	}
	return NULL;
}

void mval_list_push(struct mval *list, struct mval *child)
{
	if (!list || list->type != MVAL_LIST) {
		mval_free(child);
		return;
	}
	if (list->u.list.n == list->u.list.cap)
		list->u.list.v = xgrow(list->u.list.v, &list->u.list.cap, list->u.list.n + 1, sizeof *list->u.list.v);
	list->u.list.v[list->u.list.n++] = child;
}

uint32_t mval_hash(const char *key, size_t klen)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < klen; i++) {
		h ^= (unsigned char)key[i];
		h *= 16777619u;
	}
	return h;
}

/* Rebuild the index at a load factor of at most 1/2, so probes stay short. */
static void map_reindex(struct mval *m)
{
	size_t cap = 16;
	while (cap < m->u.map.n * 2)
		cap *= 2;
	free(m->u.map.index);
	m->u.map.index = xcalloc(cap, sizeof *m->u.map.index);
	m->u.map.index_cap = cap;
	for (size_t i = 0; i < m->u.map.n; i++) {
		size_t j = m->u.map.e[i].hash & (cap - 1);
		while (m->u.map.index[j])
			j = (j + 1) & (cap - 1);
		m->u.map.index[j] = (uint32_t)(i + 1);
	}
}

static long map_find(const struct mval *m, const char *key, size_t klen, uint32_t h)
{
	const struct mval_entry *e = m->u.map.e;
	if (!m->u.map.index) {
		for (size_t i = 0; i < m->u.map.n; i++)
			if (e[i].hash == h && e[i].klen == klen && !memcmp(e[i].key, key, klen))
				return (long)i;
		return -1;
	}
	size_t mask = m->u.map.index_cap - 1;
	for (size_t j = h & mask;; j = (j + 1) & mask) {
		uint32_t k = m->u.map.index[j];
		if (!k)
			return -1;
		const struct mval_entry *x = &e[k - 1];
		if (x->hash == h && x->klen == klen && !memcmp(x->key, key, klen))
			return (long)(k - 1);
	}
}

int mval_map_set(struct mval *map, const char *key, size_t klen, struct mval *child)
{
	if (!map || map->type != MVAL_MAP) {
		mval_free(child);
		return 0;
	}
	uint32_t h = mval_hash(key, klen);
	long i = map_find(map, key, klen, h);
	if (i >= 0) {
		mval_free(map->u.map.e[i].val);
		map->u.map.e[i].val = child;
		return 1;
	}
	if (map->u.map.n >= UINT32_MAX - 1) /* index entries are 32-bit */
		abort();
	if (map->u.map.n == map->u.map.cap)
		map->u.map.e = xgrow(map->u.map.e, &map->u.map.cap, map->u.map.n + 1, sizeof *map->u.map.e);
	struct mval_entry *e = &map->u.map.e[map->u.map.n++];
	/* Not xstrndup: a key may hold NUL bytes (JSON "\u0000"). */
	e->key = xmalloc(klen + 1);
	if (klen)
		memcpy(e->key, key, klen);
	e->key[klen] = '\0';
	e->klen = klen;
	e->hash = h;
	e->val = child;
	if (map->u.map.n > MVAL_MAP_SCAN) {
		if (map->u.map.n * 2 > map->u.map.index_cap) {
			map_reindex(map);
		} else {
			size_t mask = map->u.map.index_cap - 1, j = h & mask;
			while (map->u.map.index[j])
				j = (j + 1) & mask;
			map->u.map.index[j] = (uint32_t)map->u.map.n;
		}
	}
	return 0;
}

int mval_map_setz(struct mval *map, const char *key, struct mval *child)
{
	return mval_map_set(map, key, strlen(key), child);
}

const struct mval *mval_map_get_h(const struct mval *v, const char *key, size_t klen, uint32_t hash)
{
	if (!v || v->type != MVAL_MAP)
		return NULL;
	long i = map_find(v, key, klen, hash);
	return i >= 0 ? v->u.map.e[i].val : NULL;
}

const struct mval *mval_map_get(const struct mval *v, const char *key, size_t klen)
{
	return mval_map_get_h(v, key, klen, mval_hash(key, klen));
}

const struct mval *mval_map_getz(const struct mval *v, const char *key)
{
	return mval_map_get(v, key, strlen(key));
}

/* printf and strtod follow LC_NUMERIC; numbers in templates and JSON must not. */
static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_init(void)
{
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

size_t mval_number_format(double d, char *out)
{
	if (isnan(d))
		return (size_t)snprintf(out, MVAL_NUMBER_BUFSZ, "NaN");
	if (isinf(d))
		return (size_t)snprintf(out, MVAL_NUMBER_BUFSZ, "%s", d < 0 ? "-Infinity" : "Infinity");
	if (d == 0) /* also -0 */
		return (size_t)snprintf(out, MVAL_NUMBER_BUFSZ, "0");
	pthread_once(&c_locale_once, c_locale_init);
	locale_t old = c_locale ? uselocale(c_locale) : (locale_t)0;
	int n;
	if (fabs(d) < 1e17 && d == trunc(d)) {
		n = snprintf(out, MVAL_NUMBER_BUFSZ, "%.0f", d);
	} else {
		/* The fewest significant digits that read back as the same double. */
		n = 0;
		for (int prec = 1; prec <= 17; prec++) {
			n = snprintf(out, MVAL_NUMBER_BUFSZ, "%.*g", prec, d);
			if (strtod(out, NULL) == d)
				break;
		}
	}
	if (c_locale)
		uselocale(old);
	return n > 0 ? (size_t)n : 0;
}

const char *mval_type_name(enum mval_type t)
{
	static const char *const names[] = {
		[MVAL_NULL] = "null", [MVAL_BOOL] = "boolean", [MVAL_NUMBER] = "number",
		[MVAL_STRING] = "string", [MVAL_LIST] = "list", [MVAL_MAP] = "map",
	};
	return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "?";
}
