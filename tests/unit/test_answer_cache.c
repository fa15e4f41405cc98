/*
 * test_answer_cache.c - finished replies per domain: validity bounds (the
 * inputs' time and the ttl cap), replacement, drop of one and of all, the
 * socketmap text kept beside a reply, oldest-first eviction, growth, the
 * sweep, and readers on other threads while the loop thread writes.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "serve/answer_cache.h"

struct got {
	char   buf[256];
	size_t len;
	int    calls;
};

static char text_buf[256];

static void
text_copy(void *arg, const char *text, size_t len)
{
	(void)arg;
	assert_true(len < sizeof(text_buf));
	memcpy(text_buf, text, len);
	text_buf[len] = '\0';
}

/* text_of - the socketmap text kept for domain at now, or NULL. */
static const char *
text_of(struct answer_cache *ac, const char *domain, int64_t now)
{
	return (answer_cache_copy_text(ac, domain, now, text_copy, NULL)
	                ? text_buf
	                : NULL);
}

static void
copy(void *arg, const char *json, size_t len)
{
	struct got *g = arg;

	assert_true(len < sizeof(g->buf));
	memcpy(g->buf, json, len);
	g->buf[len] = '\0';
	g->len      = len;
	g->calls++;
}

static int
get(struct answer_cache *ac, const char *d, int64_t now, struct got *g)
{
	memset(g, 0, sizeof(*g));
	return (answer_cache_copy(ac, d, now, copy, g));
}

/* a reply only socketmap asked for keeps its text, not its JSON; an IPC
 * request's reply brings the JSON back and the text stays */
static void
test_text_only(void **state)
{
	struct answer_cache *ac = answer_cache_create(100, 300);
	struct got           g;

	(void)state;
	answer_cache_put(ac, "a.test", "{\"v\":1}", 7, 1000, 1100);
	answer_cache_text_only(ac, "a.test", 1000, "OK secure");
	assert_int_equal(answer_cache_count(ac), 1);
	assert_int_equal(get(ac, "a.test", 1001, &g), 0); /* no JSON: a miss */
	assert_string_equal(text_of(ac, "a.test", 1001), "OK secure");
	answer_cache_put(ac, "a.test", "{\"v\":1}", 7, 1002, 1100);
	assert_int_equal(get(ac, "a.test", 1003, &g), 1);
	assert_string_equal(g.buf, "{\"v\":1}");
	assert_string_equal(text_of(ac, "a.test", 1003), "OK secure");
	/* nothing to attach to: no reply, or one past its validity */
	answer_cache_text_only(ac, "b.test", 1000, "OK");
	assert_null(text_of(ac, "b.test", 1000));
	answer_cache_text_only(ac, "a.test", 1100, "OK other");
	assert_string_equal(text_of(ac, "a.test", 1099), "OK secure");
	assert_null(text_of(ac, "a.test", 1100));
	answer_cache_drop(ac, "a.test");
	assert_null(text_of(ac, "a.test", 1003));
	answer_cache_free(ac);
}

static void
test_validity(void **state)
{
	struct answer_cache *ac = answer_cache_create(100, 300);
	struct got           g;

	(void)state;
	assert_int_equal(get(ac, "a.test", 1000, &g), 0);
	assert_int_equal(g.calls, 0);
	answer_cache_put(ac, "a.test", "{\"x\":1}", 7, 1000, 1010);
	assert_int_equal(get(ac, "a.test", 1000, &g), 1);
	assert_string_equal(g.buf, "{\"x\":1}");
	assert_int_equal(g.len, 7);
	assert_int_equal(get(ac, "a.test", 1009, &g), 1);
	/* valid_until itself is already too late */
	assert_int_equal(get(ac, "a.test", 1010, &g), 0);
	/* other names, prefixes and case are other keys */
	assert_int_equal(get(ac, "b.test", 1000, &g), 0);
	assert_int_equal(get(ac, "a.tes", 1000, &g), 0);
	assert_int_equal(get(ac, "x.a.test", 1000, &g), 0);
	/* the ttl caps a longer validity */
	answer_cache_put(ac, "long.test", "{}", 2, 1000, 999999);
	assert_int_equal(get(ac, "long.test", 1299, &g), 1);
	assert_int_equal(get(ac, "long.test", 1300, &g), 0);
	/* a reply already invalid is not kept */
	answer_cache_put(ac, "old.test", "{}", 2, 1000, 1000);
	answer_cache_put(ac, "older.test", "{}", 2, 1000, 0);
	assert_int_equal(get(ac, "old.test", 999, &g), 0);
	assert_int_equal(get(ac, "older.test", 999, &g), 0);
	assert_int_equal(answer_cache_count(ac), 2);
	assert_int_equal(answer_cache_hits(ac), 3);
	assert_int_equal(answer_cache_misses(ac), 8);
	answer_cache_free(ac);
}

static void
test_off(void **state)
{
	struct answer_cache *ac = answer_cache_create(100, 0);
	struct got           g;

	(void)state;
	answer_cache_put(ac, "a.test", "{}", 2, 1000, 1010);
	assert_int_equal(get(ac, "a.test", 1000, &g), 0);
	answer_cache_set_text(ac, "a.test", 1000, "OK");
	assert_null(text_of(ac, "a.test", 1000));
	assert_int_equal(answer_cache_count(ac), 0);
	answer_cache_free(ac);
}

static void
test_replace_and_drop(void **state)
{
	struct answer_cache *ac = answer_cache_create(100, 300);
	struct got           g;

	(void)state;
	answer_cache_put(ac, "a.test", "one", 3, 1000, 1100);
	answer_cache_set_text(ac, "a.test", 1000, "OK secure");
	answer_cache_put(ac, "a.test", "two", 3, 1000, 1050);
	assert_int_equal(answer_cache_count(ac), 1);
	assert_int_equal(get(ac, "a.test", 1060, &g), 0);
	assert_int_equal(get(ac, "a.test", 1001, &g), 1);
	assert_string_equal(g.buf, "two");
	/* the replaced reply was still valid: same inputs, its text stays */
	assert_string_equal(text_of(ac, "a.test", 1001), "OK secure");
	/* a replaced reply past its validity gives its text to nobody */
	answer_cache_put(ac, "a.test", "three", 5, 1200, 1300);
	assert_null(text_of(ac, "a.test", 1201));
	answer_cache_put(ac, "b.test", "b", 1, 1000, 1100);
	answer_cache_put(ac, "c.test", "c", 1, 1000, 1100);
	answer_cache_drop(ac, "a.test");
	answer_cache_drop(ac, "nothere.test");
	assert_int_equal(get(ac, "a.test", 1001, &g), 0);
	assert_int_equal(get(ac, "b.test", 1001, &g), 1);
	assert_int_equal(answer_cache_count(ac), 2);
	answer_cache_drop(ac, NULL);
	assert_int_equal(answer_cache_count(ac), 0);
	assert_int_equal(get(ac, "b.test", 1001, &g), 0);
	assert_int_equal(get(ac, "c.test", 1001, &g), 0);
	/* usable again after a drop of all */
	answer_cache_put(ac, "c.test", "c2", 2, 1000, 1100);
	assert_int_equal(get(ac, "c.test", 1001, &g), 1);
	assert_string_equal(g.buf, "c2");
	answer_cache_free(ac);
}

static void
test_text(void **state)
{
	struct answer_cache *ac = answer_cache_create(100, 300);

	(void)state;
	/* no reply: nothing to attach to */
	answer_cache_set_text(ac, "a.test", 1000, "OK dane");
	assert_null(text_of(ac, "a.test", 1000));
	answer_cache_put(ac, "a.test", "{}", 2, 1000, 1100);
	assert_null(text_of(ac, "a.test", 1000));
	answer_cache_set_text(ac, "a.test", 1000, "OK dane");
	{
		unsigned long h = answer_cache_hits(ac);
		unsigned long m = answer_cache_misses(ac);

		/* one lookup, one hit: counted once */
		assert_string_equal(text_of(ac, "a.test", 1000), "OK dane");
		assert_int_equal(answer_cache_hits(ac), h + 1);
		assert_int_equal(answer_cache_misses(ac), m);
	}
	answer_cache_set_text(ac, "a.test", 1000, "OK dane-only");
	assert_string_equal(text_of(ac, "a.test", 1099), "OK dane-only");
	assert_null(text_of(ac, "a.test", 1100));
	/* past its validity, a reply takes no text */
	answer_cache_put(ac, "b.test", "{}", 2, 1000, 1010);
	answer_cache_set_text(ac, "b.test", 1010, "NOTFOUND ");
	assert_null(text_of(ac, "b.test", 1005));
	answer_cache_drop(ac, "a.test");
	assert_null(text_of(ac, "a.test", 1000));
	answer_cache_free(ac);
}

static void
test_eviction_growth_sweep(void **state)
{
	struct answer_cache *ac = answer_cache_create(1000, 300);
	struct got           g;
	char                 d[64];
	int                  i;

	(void)state;
	for (i = 0; i < 1500; i++) {
		snprintf(d, sizeof(d), "d%d.test", i);
		answer_cache_put(
		        ac, d, d, strlen(d), 1000, i % 2 == 0 ? 1010 : 1200);
	}
	assert_int_equal(answer_cache_count(ac), 1000);
	/* the oldest 500 went first */
	assert_int_equal(get(ac, "d0.test", 1001, &g), 0);
	assert_int_equal(get(ac, "d499.test", 1001, &g), 0);
	assert_int_equal(get(ac, "d500.test", 1001, &g), 1);
	assert_string_equal(g.buf, "d500.test");
	assert_int_equal(get(ac, "d1499.test", 1001, &g), 1);
	answer_cache_sweep(ac, 1100);
	assert_int_equal(answer_cache_count(ac), 500);
	assert_int_equal(get(ac, "d501.test", 1101, &g), 1);
	assert_int_equal(get(ac, "d502.test", 1001, &g), 0);
	answer_cache_sweep(ac, 1200);
	assert_int_equal(answer_cache_count(ac), 0);
	answer_cache_free(ac);
	answer_cache_free(NULL);
}

struct reader {
	struct answer_cache *ac;
	int                  hits;
	int                  bad;
};

static void
check(void *arg, const char *json, size_t len)
{
	struct reader *r = arg;

	/* every reply is "v<n>" written whole: never torn or freed */
	if (len < 2 || json[0] != 'v' || json[len] != '\0')
		r->bad++;
	r->hits++;
}

static void *
read_loop(void *arg)
{
	struct reader *r = arg;
	char           d[32];
	int            i;

	for (i = 0; i < 200000; i++) {
		snprintf(d, sizeof(d), "r%d.test", i % 64);
		(void)answer_cache_copy(r->ac, d, 1000, check, r);
	}
	return (NULL);
}

static void
test_threads(void **state)
{
	struct answer_cache *ac = answer_cache_create(32, 300);
	struct reader        r[3];
	pthread_t            t[3];
	char                 d[32], v[32];
	int                  i;

	(void)state;
	for (i = 0; i < 3; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].ac = ac;
		assert_int_equal(
		        pthread_create(&t[i], NULL, read_loop, &r[i]), 0);
	}
	for (i = 0; i < 100000; i++) {
		snprintf(d, sizeof(d), "r%d.test", i % 64);
		snprintf(v, sizeof(v), "v%d", i);
		answer_cache_put(ac, d, v, strlen(v), 1000, 1100);
		if (i % 7 == 0)
			answer_cache_drop(ac, d);
		if (i % 5000 == 0)
			answer_cache_drop(ac, NULL);
	}
	for (i = 0; i < 3; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(r[i].bad, 0);
	}
	assert_true(answer_cache_count(ac) <= 32);
	answer_cache_free(ac);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_only),
		cmocka_unit_test(test_validity),
		cmocka_unit_test(test_off),
		cmocka_unit_test(test_replace_and_drop),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_eviction_growth_sweep),
		cmocka_unit_test(test_threads),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
