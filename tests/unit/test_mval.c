/* Unit tests for mval: constructors, ownership, map order and index, number formatting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mval.h"
#include "util.h"

static void test_scalars(void **state)
{
	(void)state;
	mval_free(NULL);
	struct mval *v = mval_new_null();
	assert_int_equal(v->type, MVAL_NULL);
	mval_free(v);
	v = mval_new_bool(true);
	assert_true(v->u.b);
	mval_free(v);
	v = mval_new_number(2.5);
	assert_true(v->u.num == 2.5);
	mval_free(v);
	v = mval_new_string("a\0b", 3);
	assert_int_equal(v->u.str.len, 3);
	assert_memory_equal(v->u.str.s, "a\0b", 4); /* NUL-terminated after len */
	mval_free(v);
	v = mval_new_stringz("");
	assert_int_equal(v->u.str.len, 0);
	assert_string_equal(v->u.str.s, "");
	mval_free(v);
	assert_string_equal(mval_type_name(MVAL_MAP), "map");
	assert_string_equal(mval_type_name(MVAL_STRING), "string");
}

/* Maps keep insertion order, replace in place, and find every key with and without the
 * index (the index starts above MVAL_MAP_SCAN entries). */
static void test_map(void **state)
{
	(void)state;
	static const size_t sizes[] = { 0, 1, MVAL_MAP_SCAN, MVAL_MAP_SCAN + 1, 50, 1000 };
	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		struct mval *m = mval_new_map();
		char key[32];
		for (size_t i = 0; i < sizes[s]; i++) {
			int k = snprintf(key, sizeof key, "key_%zu", i);
			assert_int_equal(mval_map_set(m, key, (size_t)k, mval_new_number((double)i)), 0);
		}
		assert_int_equal(m->u.map.n, sizes[s]);
		assert_int_equal(m->u.map.index != NULL, sizes[s] > MVAL_MAP_SCAN);
		for (size_t i = 0; i < sizes[s]; i++) {
			snprintf(key, sizeof key, "key_%zu", i);
			const struct mval *v = mval_map_getz(m, key);
			assert_non_null(v);
			assert_true(v->u.num == (double)i);
			assert_string_equal(m->u.map.e[i].key, key); /* insertion order */
			assert_true(mval_map_get_h(m, key, strlen(key), mval_hash(key, strlen(key))) == v);
		}
		assert_null(mval_map_getz(m, "key_"));
		assert_null(mval_map_getz(m, "nope"));
		assert_null(mval_map_get(m, "key_1", 4));
		/* replacing keeps the position and frees the old value (valgrind checks) */
		if (sizes[s]) {
			assert_int_equal(mval_map_setz(m, "key_0", mval_new_stringz("zero")), 1);
			assert_int_equal(m->u.map.n, sizes[s]);
			assert_string_equal(m->u.map.e[0].key, "key_0");
			assert_string_equal(mval_map_getz(m, "key_0")->u.str.s, "zero");
		}
		mval_free(m);
	}
	/* keys with NUL bytes are whole keys */
	struct mval *m = mval_new_map();
	mval_map_set(m, "a\0b", 3, mval_new_bool(true));
	mval_map_set(m, "a", 1, mval_new_bool(false));
	assert_true(mval_map_get(m, "a\0b", 3)->u.b);
	assert_false(mval_map_get(m, "a", 1)->u.b);
	assert_int_equal(m->u.map.e[0].klen, 3);
	/* not a map: lookups give NULL, set frees the child */
	struct mval *l = mval_new_list();
	assert_null(mval_map_getz(l, "a"));
	assert_null(mval_map_getz(NULL, "a"));
	assert_int_equal(mval_map_setz(l, "a", mval_new_null()), 0);
	mval_list_push(m, mval_new_null()); /* not a list: freed */
	assert_int_equal(m->u.map.n, 2);
	mval_free(l);
	mval_free(m);
}

static void test_list_clone(void **state)
{
	(void)state;
	struct mval *root = mval_new_map();
	struct mval *l = mval_new_list();
	for (int i = 0; i < 100; i++)
		mval_list_push(l, mval_new_number(i));
	mval_list_push(l, mval_new_stringz("x"));
	mval_map_setz(root, "list", l);
	mval_map_setz(root, "z", mval_new_bool(false));
	mval_map_setz(root, "n", mval_new_null());
	struct mval *c = mval_clone(root);
	mval_free(root);
	assert_int_equal(c->u.map.n, 3);
	const struct mval *cl = mval_map_getz(c, "list");
	assert_int_equal(cl->u.list.n, 101);
	assert_true(cl->u.list.v[99]->u.num == 99);
	assert_string_equal(cl->u.list.v[100]->u.str.s, "x");
	assert_false(mval_map_getz(c, "z")->u.b);
	assert_int_equal(mval_map_getz(c, "n")->type, MVAL_NULL);
	assert_null(mval_clone(NULL));
	mval_free(c);
}

static void test_number_format(void **state)
{
	(void)state;
	static const struct { double d; const char *s; } t[] = {
		{ 85, "85" }, { 1.21, "1.21" }, { 1.210, "1.21" }, { 0.1, "0.1" }, { -2, "-2" },
		{ 0, "0" }, { -0.0, "0" }, { 1e21, "1e+21" }, { 1e16, "10000000000000000" },
		{ 123456789012, "123456789012" }, { 0.30000000000000004, "0.30000000000000004" },
		{ 1.0 / 3, "0.3333333333333333" }, { 5e-324, "5e-324" }, { 1.7976931348623157e308, "1.7976931348623157e+308" },
		{ 2.5, "2.5" }, { -1e-7, "-1e-07" },
	};
	char out[MVAL_NUMBER_BUFSZ];
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		size_t n = mval_number_format(t[i].d, out);
		assert_string_equal(out, t[i].s);
		assert_int_equal(n, strlen(t[i].s));
	}
	mval_number_format(NAN, out);
	assert_string_equal(out, "NaN");
	mval_number_format(-INFINITY, out);
	assert_string_equal(out, "-Infinity");
	/* a process locale with a decimal comma must not leak into templates */
	if (setlocale(LC_ALL, "de_DE.UTF-8") || setlocale(LC_ALL, "fr_FR.UTF-8")) {
		mval_number_format(1.21, out);
		assert_string_equal(out, "1.21");
		setlocale(LC_ALL, "C");
	}
}

/* Information only: lookups in a 50-key contact, scan vs. index. */
static void test_timing(void **state)
{
	(void)state;
	struct mval *m = mval_new_map();
	char key[32];
	for (int i = 0; i < 50; i++)
		mval_map_set(m, key, (size_t)snprintf(key, sizeof key, "column_name_%d", i), mval_new_null());
	struct mval *small = mval_new_map();
	for (int i = 0; i < MVAL_MAP_SCAN; i++)
		mval_map_set(small, key, (size_t)snprintf(key, sizeof key, "column_name_%d", i), mval_new_null());
	const struct mval *maps[] = { small, m };
	for (int w = 0; w < 2; w++) {
		struct timespec a, z;
		unsigned found = 0;
		clock_gettime(CLOCK_MONOTONIC, &a);
		for (int r = 0; r < 200000; r++) {
			int k = snprintf(key, sizeof key, "column_name_%d", r % MVAL_MAP_SCAN);
			found += mval_map_get(maps[w], key, (size_t)k) != NULL;
		}
		clock_gettime(CLOCK_MONOTONIC, &z);
		assert_int_equal(found, 200000);
		fprintf(stderr, "timing: %zu-key map (%s): %.0f ns per lookup incl. snprintf\n", maps[w]->u.map.n,
			maps[w]->u.map.index ? "hash index" : "scan",
			((double)(z.tv_sec - a.tv_sec) * 1e9 + (double)(z.tv_nsec - a.tv_nsec)) / 200000);
	}
	mval_free(m);
	mval_free(small);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalars),
		cmocka_unit_test(test_map),
		cmocka_unit_test(test_list_clone),
		cmocka_unit_test(test_number_format),
		cmocka_unit_test(test_timing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
