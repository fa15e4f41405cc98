/*
 * test_hash.c - the one hash table (cached/util/hash.c): entries found by
 * their hash and key, also when every entry shares one bucket or one hash;
 * growth at load 1 keeps every entry findable; removal of the first,
 * middle and last of a chain, of an entry not linked, and during a walk;
 * and FNV-1a against its published test vectors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/hash.h"

struct item {
	int              key;
	struct hash_node node; /* not first: HASH_ENTRY must do the sum */
	uint64_t         hash;
};

static uint64_t
item_hash_of(const struct hash_node *n)
{
	return (HASH_ENTRY(n, const struct item, node)->hash);
}

static struct item *
find(const struct hash *t, int key, uint64_t h)
{
	struct hash_node *n;
	struct item      *it;

	for (n = hash_chain(t, h); n != NULL; n = n->next) {
		it = HASH_ENTRY(n, struct item, node);
		if (it->hash == h && it->key == key)
			return (it);
	}
	return (NULL);
}

/* the hash functions of a case: spread, one bucket, one value */
static uint64_t
h_spread(int k)
{
	return ((uint64_t)k * UINT64_C(0x9e3779b97f4a7c15));
}

static uint64_t
h_bucket(int k)
{
	return ((uint64_t)k << 40); /* low bits 0: bucket 0 at any size */
}

static uint64_t
h_same(int k)
{
	(void)k;
	return (42);
}

static uint64_t (*const hfns[])(int) = { h_spread, h_bucket, h_same };

#define N 1000

static void
test_insert_find_remove(void **state)
{
	struct item *items = calloc(N, sizeof(*items));
	struct hash  t;
	size_t       f;
	int          i;

	(void)state;
	assert_non_null(items);
	for (f = 0; f < sizeof(hfns) / sizeof(hfns[0]); f++) {
		hash_init(&t, 4, item_hash_of);
		for (i = 0; i < N; i++) {
			items[i].key  = i;
			items[i].hash = hfns[f](i);
			assert_null(find(&t, i, items[i].hash));
			hash_insert(&t, &items[i].node, items[i].hash);
			assert_int_equal(hash_count(&t), (size_t)i + 1);
			/* load at most 1 after every insert */
			assert_true(t.count <= t.nbuckets);
		}
		assert_int_equal(t.nbuckets, 1024); /* 4 doubled 8 times */
		for (i = 0; i < N; i++)
			assert_ptr_equal(
			        find(&t, i, items[i].hash), &items[i]);
		assert_null(find(&t, N, hfns[f](N)));
		/* remove every third, then check all */
		for (i = 0; i < N; i += 3)
			assert_int_equal(
			        hash_remove(&t, &items[i].node, items[i].hash),
			        0);
		for (i = 0; i < N; i++) {
			if (i % 3 == 0)
				assert_null(find(&t, i, items[i].hash));
			else
				assert_ptr_equal(
				        find(&t, i, items[i].hash), &items[i]);
		}
		assert_int_equal(hash_count(&t), (size_t)(N - (N + 2) / 3));
		/* an entry not linked: refused, count unchanged */
		assert_int_equal(
		        hash_remove(&t, &items[0].node, items[0].hash), -1);
		assert_int_equal(hash_count(&t), (size_t)(N - (N + 2) / 3));
		hash_fini(&t);
	}
	free(items);
}

static void
test_chain_ends(void **state)
{
	struct item it[3];
	struct hash t;
	int         i, order[3][3] = { { 0, 1, 2 }, { 1, 0, 2 }, { 2, 0, 1 } };
	size_t      k;

	(void)state;
	/* one chain of three: remove the first, the middle, the last */
	for (k = 0; k < 3; k++) {
		hash_init(&t, 8, item_hash_of);
		for (i = 0; i < 3; i++) {
			it[i].key  = i;
			it[i].hash = 5;
			hash_insert(&t, &it[i].node, 5);
		}
		/* inserted first in the chain: 2, 1, 0 */
		assert_ptr_equal(hash_chain(&t, 5), &it[2].node);
		assert_int_equal(hash_remove(&t, &it[order[k][0]].node, 5), 0);
		assert_null(find(&t, order[k][0], 5));
		assert_ptr_equal(find(&t, order[k][1], 5), &it[order[k][1]]);
		assert_ptr_equal(find(&t, order[k][2], 5), &it[order[k][2]]);
		assert_null(hash_chain(&t, 4));
		hash_fini(&t);
	}
}

struct walk {
	struct hash *t;
	int          seen;
	int          freed;
};

static void
walk_free_odd(void *arg, struct hash_node *n)
{
	struct walk *w  = arg;
	struct item *it = HASH_ENTRY(n, struct item, node);

	w->seen++;
	if (it->key % 2 == 1) {
		assert_int_equal(hash_remove(w->t, n, it->hash), 0);
		free(it);
		w->freed++;
	}
}

static void
walk_free_all(void *arg, struct hash_node *n)
{
	(void)arg;
	free(HASH_ENTRY(n, struct item, node));
}

static void
test_walk(void **state)
{
	struct hash t;
	struct walk w = { &t, 0, 0 };
	int         i;

	(void)state;
	hash_init(&t, 2, item_hash_of);
	for (i = 0; i < 100; i++) {
		struct item *it = calloc(1, sizeof(*it));

		assert_non_null(it);
		it->key  = i;
		it->hash = h_bucket(i % 7); /* chains of many */
		hash_insert(&t, &it->node, it->hash);
	}
	hash_walk(&t, walk_free_odd, &w); /* frees as it goes */
	assert_int_equal(w.seen, 100);
	assert_int_equal(w.freed, 50);
	assert_int_equal(hash_count(&t), 50);
	for (i = 0; i < 100; i++) {
		if (i % 2 == 0)
			assert_non_null(find(&t, i, h_bucket(i % 7)));
		else
			assert_null(find(&t, i, h_bucket(i % 7)));
	}
	hash_walk(&t, walk_free_all, NULL);
	hash_fini(&t);
	assert_int_equal(hash_count(&t), 0);
}

/* FNV-1a 32-bit test vectors (draft-eastlake-fnv, the FNV reference) */
struct fnv_case {
	const char *s;
	uint32_t    want;
};

static const struct fnv_case fnv_cases[] = {
	{ "", 0x811c9dc5u },
	{ "a", 0xe40c292cu },
	{ "foobar", 0xbf9cf968u },
};

static void
test_fnv(void **state)
{
	size_t   i;
	uint32_t h;

	(void)state;
	for (i = 0; i < sizeof(fnv_cases) / sizeof(fnv_cases[0]); i++)
		assert_int_equal(hash_fnv32(HASH_FNV32_INIT, fnv_cases[i].s,
		                         strlen(fnv_cases[i].s)),
		        fnv_cases[i].want);
	/* chainable: "foo" then "bar" is "foobar" */
	h = hash_fnv32(HASH_FNV32_INIT, "foo", 3);
	assert_int_equal(hash_fnv32(h, "bar", 3), 0xbf9cf968u);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insert_find_remove),
		cmocka_unit_test(test_chain_ends),
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_fnv),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
