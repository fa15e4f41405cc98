/*
 * test_memo.c - the shared per-domain record table: slots kept apart under
 * one key, one record per domain, LRU eviction of whole records (all
 * slots freed through their owners), records with a busy slot never
 * evicted, take/flush/detach per slot, counts and keys per slot, growth.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "memo.h"

struct val {
	int slot;
	int id;
	int busy;
};

static int freed[MEMO_NSLOTS][60000];

static void
val_free(void *v)
{
	struct val *x = v;

	freed[x->slot][x->id]++;
	free(x);
}

static int
val_busy(void *v)
{
	return (((struct val *)v)->busy);
}

static struct val *
mk(int slot, int id)
{
	struct val *v = calloc(1, sizeof(*v));

	v->slot = slot;
	v->id   = id;
	return (v);
}

static struct memo *
mk_memo(size_t max)
{
	struct memo *m = memo_create(max);
	int          s;

	for (s = 0; s < MEMO_NSLOTS; s++)
		memo_attach(m, (enum memo_slot)s, val_free, val_busy);
	memset(freed, 0, sizeof(freed));
	return (m);
}

static void
test_slots(void **state)
{
	struct memo *m = mk_memo(10);
	struct val  *v;
	const char  *k;

	(void)state;
	assert_null(memo_get(m, MEMO_STS, "a.example"));
	k = memo_put(m, MEMO_STS, "a.example", mk(MEMO_STS, 1));
	assert_non_null(k);
	assert_string_equal(k, "a.example");
	/* the other slots of the same domain are empty, and share the
	 * record (and its copy of the name) */
	assert_null(memo_get(m, MEMO_DANE, "a.example"));
	assert_ptr_equal(
	        memo_put(m, MEMO_DANE, "a.example", mk(MEMO_DANE, 1)), k);
	assert_ptr_equal(
	        memo_put(m, MEMO_TLSRPT, "a.example", mk(MEMO_TLSRPT, 1)), k);
	assert_int_equal(memo_records(m), 1);
	assert_int_equal(memo_count(m, MEMO_STS), 1);
	assert_int_equal(memo_count(m, MEMO_DANE), 1);
	v = memo_get(m, MEMO_DANE, "a.example");
	assert_int_equal(v->slot, MEMO_DANE);
	/* taking one slot's value keeps the record for the others */
	v = memo_take(m, MEMO_STS, "a.example");
	assert_int_equal(v->slot, MEMO_STS);
	free(v);
	assert_null(memo_get(m, MEMO_STS, "a.example"));
	assert_null(memo_take(m, MEMO_STS, "a.example"));
	assert_int_equal(memo_records(m), 1);
	assert_int_equal(memo_count(m, MEMO_STS), 0);
	/* the last one takes the record with it */
	free(memo_take(m, MEMO_DANE, "a.example"));
	free(memo_take(m, MEMO_TLSRPT, "a.example"));
	assert_int_equal(memo_records(m), 0);
	assert_null(memo_get(m, MEMO_TLSRPT, "a.example"));
	memo_put(m, MEMO_TLSRPT, "b.example", mk(MEMO_TLSRPT, 2));
	memo_free(m);
	assert_int_equal(freed[MEMO_TLSRPT][2], 1);
	assert_int_equal(freed[MEMO_STS][1], 0); /* taken, not freed */
}

static void
test_lru_eviction(void **state)
{
	struct memo *m = mk_memo(3);
	char         key[32];
	int          i;

	(void)state;
	for (i = 0; i < 3; i++) {
		snprintf(key, sizeof(key), "d%d.test", i);
		assert_non_null(memo_put(m, MEMO_STS, key, mk(MEMO_STS, i)));
		assert_non_null(memo_put(m, MEMO_DANE, key, mk(MEMO_DANE, i)));
	}
	/* a second slot under an existing record is no new record */
	assert_int_equal(memo_records(m), 3);
	/* touch d0 through one slot: d1 becomes the least recently used,
	 * and goes with both its values */
	assert_non_null(memo_get(m, MEMO_DANE, "d0.test"));
	assert_non_null(
	        memo_put(m, MEMO_TLSRPT, "d3.test", mk(MEMO_TLSRPT, 3)));
	assert_int_equal(freed[MEMO_STS][1], 1);
	assert_int_equal(freed[MEMO_DANE][1], 1);
	assert_int_equal(freed[MEMO_STS][0] + freed[MEMO_STS][2], 0);
	assert_null(memo_get(m, MEMO_STS, "d1.test"));
	assert_non_null(memo_get(m, MEMO_STS, "d0.test"));
	assert_int_equal(memo_evictions(m, MEMO_STS), 1);
	assert_int_equal(memo_evictions(m, MEMO_DANE), 1);
	assert_int_equal(memo_evictions(m, MEMO_TLSRPT), 0);
	assert_int_equal(memo_records(m), 3);
	assert_int_equal(memo_count(m, MEMO_STS), 2);
	memo_free(m);
	assert_int_equal(freed[MEMO_TLSRPT][3], 1);
	assert_int_equal(freed[MEMO_STS][0], 1);
}

static void
test_busy_not_evicted(void **state)
{
	struct memo *m = mk_memo(2);
	struct val  *a = mk(MEMO_DANE, 10), *x;

	(void)state;
	/* a's record is busy through its DANE slot only */
	a->busy = 1;
	memo_put(m, MEMO_STS, "a.test", mk(MEMO_STS, 10));
	memo_put(m, MEMO_DANE, "a.test", a);
	memo_put(m, MEMO_STS, "b.test", mk(MEMO_STS, 11));
	/* b is more recent but a is busy: b goes */
	assert_non_null(memo_put(m, MEMO_STS, "c.test", mk(MEMO_STS, 12)));
	assert_int_equal(freed[MEMO_STS][11], 1);
	assert_int_equal(freed[MEMO_STS][10], 0);
	assert_int_equal(freed[MEMO_DANE][10], 0);
	/* everything busy: refused, nothing freed */
	((struct val *)memo_get(m, MEMO_STS, "c.test"))->busy = 1;
	x = mk(MEMO_STS, 13);
	assert_null(memo_put(m, MEMO_STS, "d.test", x));
	free(x);
	assert_int_equal(memo_records(m), 2);
	a->busy                                               = 0;
	((struct val *)memo_get(m, MEMO_STS, "c.test"))->busy = 0;
	memo_free(m);
	assert_int_equal(freed[MEMO_DANE][10], 1);
	assert_int_equal(freed[MEMO_STS][12], 1);
}

static int reset_calls;

static void
val_reset(void *v)
{
	(void)v;
	reset_calls++;
}

static void
test_flush_detach(void **state)
{
	struct memo *m    = mk_memo(10);
	struct val  *busy = mk(MEMO_STS, 21);
	char       **keys;
	int          i;

	(void)state;
	reset_calls = 0;
	busy->busy  = 1;
	memo_put(m, MEMO_STS, "idle1.test", mk(MEMO_STS, 20));
	memo_put(m, MEMO_STS, "busy.test", busy);
	memo_put(m, MEMO_STS, "idle2.test", mk(MEMO_STS, 22));
	memo_put(m, MEMO_DANE, "idle2.test", mk(MEMO_DANE, 22));
	keys = memo_keys(m, MEMO_STS);
	for (i = 0; keys[i] != NULL; i++)
		free(keys[i]);
	free(keys);
	assert_int_equal(i, 3);
	keys = memo_keys(m, MEMO_DANE);
	assert_string_equal(keys[0], "idle2.test");
	assert_null(keys[1]);
	free(keys[0]);
	free(keys);
	assert_int_equal(memo_flush(m, MEMO_STS, val_reset), 3);
	assert_int_equal(freed[MEMO_STS][20], 1);
	assert_int_equal(freed[MEMO_STS][22], 1);
	assert_int_equal(freed[MEMO_STS][21], 0);
	assert_int_equal(reset_calls, 1);
	assert_int_equal(memo_count(m, MEMO_STS), 1);
	/* idle2's record stays for its DANE value; idle1's is gone */
	assert_int_equal(memo_records(m), 2);
	assert_non_null(memo_get(m, MEMO_DANE, "idle2.test"));
	assert_ptr_equal(memo_get(m, MEMO_STS, "busy.test"), busy);
	/* detach frees a slot's values, busy or not */
	memo_detach(m, MEMO_STS);
	assert_int_equal(freed[MEMO_STS][21], 1);
	assert_int_equal(memo_count(m, MEMO_STS), 0);
	assert_int_equal(memo_records(m), 1);
	memo_free(m);
	assert_int_equal(freed[MEMO_DANE][22], 1);
}

static void
test_growth(void **state)
{
	struct memo *m = mk_memo(50000);
	char         key[32];
	int          i;

	(void)state;
	for (i = 0; i < 50000; i++) {
		snprintf(key, sizeof(key), "host%d.example", i);
		assert_non_null(
		        memo_put(m, MEMO_TLSRPT, key, mk(MEMO_TLSRPT, i)));
	}
	for (i = 0; i < 50000; i += 997) {
		struct val *v;
		snprintf(key, sizeof(key), "host%d.example", i);
		v = memo_get(m, MEMO_TLSRPT, key);
		assert_non_null(v);
		assert_int_equal(v->id, i);
	}
	assert_int_equal(memo_records(m), 50000);
	assert_int_equal(memo_evictions(m, MEMO_TLSRPT), 0);
	memo_free(m);
	for (i = 0; i < 50000; i++)
		assert_int_equal(freed[MEMO_TLSRPT][i], 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slots),
		cmocka_unit_test(test_lru_eviction),
		cmocka_unit_test(test_busy_not_evicted),
		cmocka_unit_test(test_flush_detach),
		cmocka_unit_test(test_growth),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
