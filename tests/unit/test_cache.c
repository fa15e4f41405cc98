/*
 * test_cache.c - the bounded LRU map: get/put/take, growth, eviction order,
 * busy values never evicted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cache.h"

struct val {
	int id;
	int busy;
};

static int freed[100000];

static void
val_free(void *v)
{
	freed[((struct val *)v)->id]++;
	free(v);
}

static int
val_busy(void *v)
{
	return (((struct val *)v)->busy);
}

static struct val *
mk(int id)
{
	struct val *v = calloc(1, sizeof(*v));

	v->id = id;
	return (v);
}

static void
test_basic(void **state)
{
	struct cache *c = cache_create(10, val_free, val_busy);
	struct val   *v;

	(void)state;
	memset(freed, 0, sizeof(freed));
	assert_null(cache_get(c, "a.example"));
	assert_int_equal(cache_put(c, "a.example", mk(1)), 0);
	assert_int_equal(cache_put(c, "b.example", mk(2)), 0);
	assert_int_equal(cache_count(c), 2);
	v = cache_get(c, "a.example");
	assert_non_null(v);
	assert_int_equal(v->id, 1);
	v = cache_take(c, "a.example");
	assert_int_equal(v->id, 1);
	assert_int_equal(freed[1], 0);
	free(v);
	assert_null(cache_get(c, "a.example"));
	assert_null(cache_take(c, "a.example"));
	assert_int_equal(cache_count(c), 1);
	cache_free(c);
	assert_int_equal(freed[2], 1);
}

static void
test_lru_eviction(void **state)
{
	struct cache *c = cache_create(3, val_free, val_busy);
	char          key[32];
	int           i;

	(void)state;
	memset(freed, 0, sizeof(freed));
	for (i = 0; i < 3; i++) {
		snprintf(key, sizeof(key), "d%d.test", i);
		assert_int_equal(cache_put(c, key, mk(i)), 0);
	}
	/* touch d0: d1 becomes the least recently used */
	assert_non_null(cache_get(c, "d0.test"));
	assert_int_equal(cache_put(c, "d3.test", mk(3)), 0);
	assert_int_equal(freed[1], 1);
	assert_null(cache_get(c, "d1.test"));
	assert_non_null(cache_get(c, "d0.test"));
	assert_int_equal(cache_evictions(c), 1);
	assert_int_equal(cache_count(c), 3);
	cache_free(c);
}

static void
test_busy_not_evicted(void **state)
{
	struct cache *c = cache_create(2, val_free, val_busy);
	struct val   *a = mk(10), *b = mk(11);

	(void)state;
	memset(freed, 0, sizeof(freed));
	a->busy = b->busy = 1;
	assert_int_equal(cache_put(c, "a.test", a), 0);
	assert_int_equal(cache_put(c, "b.test", b), 0);
	/* everything busy: refused, nothing freed */
	struct val *x = mk(12);
	assert_int_equal(cache_put(c, "c.test", x), -1);
	free(x);
	assert_int_equal(cache_count(c), 2);
	/* a idle (and least recent): it goes, b stays */
	a->busy = 0;
	assert_int_equal(cache_put(c, "c.test", mk(13)), 0);
	assert_int_equal(freed[10], 1);
	assert_non_null(cache_get(c, "b.test"));
	cache_free(c);
}

static void
test_growth(void **state)
{
	struct cache *c = cache_create(50000, val_free, NULL);
	char          key[32];
	int           i;

	(void)state;
	memset(freed, 0, sizeof(freed));
	for (i = 0; i < 50000; i++) {
		snprintf(key, sizeof(key), "host%d.example", i);
		assert_int_equal(cache_put(c, key, mk(i)), 0);
	}
	for (i = 0; i < 50000; i += 997) {
		struct val *v;
		snprintf(key, sizeof(key), "host%d.example", i);
		v = cache_get(c, key);
		assert_non_null(v);
		assert_int_equal(v->id, i);
	}
	assert_int_equal(cache_count(c), 50000);
	assert_int_equal(cache_evictions(c), 0);
	cache_free(c);
	for (i = 0; i < 50000; i++)
		assert_int_equal(freed[i], 1);
}

static void
count_cb(void *arg, const char *key, void *value)
{
	(void)key;
	(void)value;
	(*(int *)arg)++;
}

static void
test_foreach(void **state)
{
	struct cache *c = cache_create(10, val_free, NULL);
	int           n = 0;

	(void)state;
	cache_put(c, "x.test", mk(1));
	cache_put(c, "y.test", mk(2));
	cache_foreach(c, count_cb, &n);
	assert_int_equal(n, 2);
	cache_free(c);
}

static int reset_calls;

static void
val_reset(void *v)
{
	(void)v;
	reset_calls++;
}

static void
test_flush(void **state)
{
	struct cache *c    = cache_create(10, val_free, val_busy);
	struct val   *busy = mk(21);

	(void)state;
	memset(freed, 0, sizeof(freed));
	reset_calls = 0;
	busy->busy  = 1;
	cache_put(c, "idle1.test", mk(20));
	cache_put(c, "busy.test", busy);
	cache_put(c, "idle2.test", mk(22));
	assert_int_equal(cache_flush(c, val_reset), 3);
	assert_int_equal(freed[20], 1);
	assert_int_equal(freed[22], 1);
	assert_int_equal(freed[21], 0);
	assert_int_equal(reset_calls, 1);
	assert_int_equal(cache_count(c), 1);
	assert_ptr_equal(cache_get(c, "busy.test"), busy);
	busy->busy = 0;
	cache_free(c);
	assert_int_equal(freed[21], 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_lru_eviction),
		cmocka_unit_test(test_busy_not_evicted),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_foreach),
		cmocka_unit_test(test_flush),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
