/*
 * test_memo.c - the shared per-domain record table: slots kept apart under
 * one key, one record per domain, values kept in the record (zeroed,
 * aligned, at a stable address, the key found from any value), LRU
 * eviction of whole records (all slots released through their owners),
 * records with a busy slot never evicted, del/flush/detach per slot,
 * counts and keys per slot, growth.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/memo.h"

/* a value; each slot's values have a different size (sizes[]), odd ones
 * included, so that the layout's alignment is exercised */
struct val {
	int64_t t; /* needs 8-byte alignment */
	int     slot;
	int     id;
	int     busy;
	char   *owned; /* released by val_free */
};

static const size_t sizes[MEMO_NSLOTS] = { sizeof(struct val) + 13,
	sizeof(struct val), sizeof(struct val) + 1 };

static int freed[MEMO_NSLOTS][60000];

static int free_arg_bad; /* val_free called with another arg */

static void
val_free(void *arg, void *v)
{
	struct val *x = v;

	if (arg != &freed[x->slot])
		free_arg_bad++;
	freed[x->slot][x->id]++;
	free(x->owned);
	x->owned = NULL;
}

static int
val_busy(void *v)
{
	return (((struct val *)v)->busy);
}

/* put - a new value in slot under key, filled; NULL when refused */
static struct val *
put(struct memo *m, int slot, const char *key, int id)
{
	struct val   *v = memo_put(m, (enum memo_slot)slot, key);
	unsigned char zero[sizeof(struct val) + 13];
	size_t        n = sizes[slot];

	if (v == NULL)
		return (NULL);
	/* zeroed storage of the slot's size, aligned */
	memset(zero, 0, sizeof(zero));
	assert_memory_equal(v, zero, n);
	assert_int_equal((uintptr_t)v % 8, 0);
	memset(v, 0xa5, n); /* the whole size is ours */
	v->t     = -1;
	v->slot  = slot;
	v->id    = id;
	v->busy  = 0;
	v->owned = strdup(key);
	return (v);
}

static struct memo *
mk_memo(size_t max)
{
	struct memo *m = memo_create(max);
	int          s;

	for (s = 0; s < MEMO_NSLOTS; s++)
		memo_attach(m, (enum memo_slot)s, sizes[s], val_free, val_busy,
		        &freed[s]);
	memset(freed, 0, sizeof(freed));
	free_arg_bad = 0;
	return (m);
}

static void
test_slots(void **state)
{
	struct memo *m = mk_memo(10);
	struct val  *v, *s, *d, *t;
	const char  *k;

	(void)state;
	assert_null(memo_get(m, MEMO_STS, "a.example"));
	s = put(m, MEMO_STS, "a.example", 1);
	assert_non_null(s);
	k = memo_key(m, MEMO_STS, s);
	assert_string_equal(k, "a.example");
	/* the other slots of the same domain are empty, and share the
	 * record (and its copy of the name) */
	assert_null(memo_get(m, MEMO_DANE, "a.example"));
	d = put(m, MEMO_DANE, "a.example", 1);
	t = put(m, MEMO_TLSRPT, "a.example", 1);
	assert_ptr_equal(memo_key(m, MEMO_DANE, d), k);
	assert_ptr_equal(memo_key(m, MEMO_TLSRPT, t), k);
	/* three values, none overlapping another or the key */
	assert_true((char *)s + sizes[MEMO_STS] <= (char *)d
	        || (char *)d + sizes[MEMO_DANE] <= (char *)s);
	assert_true((char *)d + sizes[MEMO_DANE] <= (char *)t
	        || (char *)t + sizes[MEMO_TLSRPT] <= (char *)d);
	assert_true(k >= (char *)t + sizes[MEMO_TLSRPT] || k < (char *)s);
	assert_int_equal(s->id + d->id + t->id, 3);
	assert_int_equal(s->slot, MEMO_STS);
	assert_int_equal(memo_records(m), 1);
	assert_int_equal(memo_count(m, MEMO_STS), 1);
	assert_int_equal(memo_count(m, MEMO_DANE), 1);
	v = memo_get(m, MEMO_DANE, "a.example");
	assert_ptr_equal(v, d);
	assert_int_equal(v->slot, MEMO_DANE);
	/* deleting one slot's value releases it and keeps the record for
	 * the others */
	assert_int_equal(memo_del(m, MEMO_STS, "a.example"), 1);
	assert_int_equal(freed[MEMO_STS][1], 1);
	assert_null(memo_get(m, MEMO_STS, "a.example"));
	assert_int_equal(memo_del(m, MEMO_STS, "a.example"), 0);
	assert_int_equal(freed[MEMO_STS][1], 1);
	assert_int_equal(memo_records(m), 1);
	assert_int_equal(memo_count(m, MEMO_STS), 0);
	assert_ptr_equal(memo_get(m, MEMO_TLSRPT, "a.example"), t);
	/* a value put again in a slot of a live record is zeroed again */
	s = put(m, MEMO_STS, "a.example", 4);
	assert_non_null(s);
	assert_int_equal(memo_del(m, MEMO_STS, "a.example"), 1);
	/* the last one takes the record with it */
	assert_int_equal(memo_del(m, MEMO_DANE, "a.example"), 1);
	assert_int_equal(memo_del(m, MEMO_TLSRPT, "a.example"), 1);
	assert_int_equal(memo_records(m), 0);
	assert_null(memo_get(m, MEMO_TLSRPT, "a.example"));
	assert_int_equal(freed[MEMO_DANE][1], 1);
	assert_int_equal(freed[MEMO_TLSRPT][1], 1);
	assert_int_equal(freed[MEMO_STS][4], 1);
	put(m, MEMO_TLSRPT, "b.example", 2);
	memo_free(m);
	assert_int_equal(free_arg_bad, 0);
	assert_int_equal(freed[MEMO_TLSRPT][2], 1);
}

/* a memo whose only attached slot is one of three: records hold it only,
 * and a value's key is still found */
static void
test_one_slot(void **state)
{
	struct memo *m = memo_create(4);
	struct val  *v;

	(void)state;
	memset(freed, 0, sizeof(freed));
	free_arg_bad = 0;
	memo_attach(m, MEMO_TLSRPT, sizes[MEMO_TLSRPT], val_free, NULL,
	        &freed[MEMO_TLSRPT]);
	v = put(m, MEMO_TLSRPT, "only.example", 7);
	assert_non_null(v);
	assert_string_equal(memo_key(m, MEMO_TLSRPT, v), "only.example");
	assert_null(memo_get(m, MEMO_STS, "only.example"));
	/* detach releases; attaching the same size again is allowed while
	 * records are held */
	memo_detach(m, MEMO_TLSRPT);
	assert_int_equal(freed[MEMO_TLSRPT][7], 1);
	assert_int_equal(memo_records(m), 0);
	memo_attach(m, MEMO_STS, sizes[MEMO_STS], val_free, NULL,
	        &freed[MEMO_STS]);
	v = put(m, MEMO_STS, "two.example", 8);
	assert_string_equal(memo_key(m, MEMO_STS, v), "two.example");
	memo_attach(m, MEMO_STS, sizes[MEMO_STS], val_free, val_busy,
	        &freed[MEMO_STS]);
	assert_ptr_equal(memo_get(m, MEMO_STS, "two.example"), v);
	memo_free(m);
	assert_int_equal(free_arg_bad, 0);
	assert_int_equal(freed[MEMO_STS][8], 1);
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
		assert_non_null(put(m, MEMO_STS, key, i));
		assert_non_null(put(m, MEMO_DANE, key, i));
	}
	/* a second slot under an existing record is no new record */
	assert_int_equal(memo_records(m), 3);
	/* touch d0 through one slot: d1 becomes the least recently used,
	 * and goes with both its values */
	assert_non_null(memo_get(m, MEMO_DANE, "d0.test"));
	assert_non_null(put(m, MEMO_TLSRPT, "d3.test", 3));
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
	assert_int_equal(free_arg_bad, 0);
	assert_int_equal(freed[MEMO_TLSRPT][3], 1);
	assert_int_equal(freed[MEMO_STS][0], 1);
}

/* memo_peek looks without touching the LRU order: d0, peeked at, is
 * still the least recently used and goes first */
static void
test_peek_keeps_order(void **state)
{
	struct memo *m = mk_memo(2);

	(void)state;
	assert_non_null(put(m, MEMO_STS, "d0.test", 0));
	assert_non_null(put(m, MEMO_STS, "d1.test", 1));
	assert_non_null(memo_peek(m, MEMO_STS, "d0.test"));
	assert_null(memo_peek(m, MEMO_DANE, "d0.test"));
	assert_null(memo_peek(m, MEMO_STS, "nope.test"));
	assert_non_null(put(m, MEMO_STS, "d2.test", 2));
	assert_int_equal(freed[MEMO_STS][0], 1);
	assert_int_equal(freed[MEMO_STS][1], 0);
	assert_null(memo_peek(m, MEMO_STS, "d0.test"));
	memo_free(m);
}

static void
test_busy_not_evicted(void **state)
{
	struct memo *m = mk_memo(2);
	struct val  *a;

	(void)state;
	/* a's record is busy through its DANE slot only */
	put(m, MEMO_STS, "a.test", 10);
	a       = put(m, MEMO_DANE, "a.test", 10);
	a->busy = 1;
	put(m, MEMO_STS, "b.test", 11);
	/* b is more recent but a is busy: b goes */
	assert_non_null(put(m, MEMO_STS, "c.test", 12));
	assert_int_equal(freed[MEMO_STS][11], 1);
	assert_int_equal(freed[MEMO_STS][10], 0);
	assert_int_equal(freed[MEMO_DANE][10], 0);
	/* a busy value stays where it was */
	assert_ptr_equal(memo_get(m, MEMO_DANE, "a.test"), a);
	assert_int_equal(a->id, 10);
	/* everything busy: refused, nothing freed */
	((struct val *)memo_get(m, MEMO_STS, "c.test"))->busy = 1;
	assert_null(put(m, MEMO_STS, "d.test", 13));
	assert_null(memo_get(m, MEMO_STS, "d.test"));
	assert_int_equal(memo_records(m), 2);
	a->busy                                               = 0;
	((struct val *)memo_get(m, MEMO_STS, "c.test"))->busy = 0;
	memo_free(m);
	assert_int_equal(free_arg_bad, 0);
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
	struct memo *m = mk_memo(10);
	struct val  *busy;
	char       **keys;
	int          i;

	(void)state;
	reset_calls = 0;
	put(m, MEMO_STS, "idle1.test", 20);
	busy       = put(m, MEMO_STS, "busy.test", 21);
	busy->busy = 1;
	put(m, MEMO_STS, "idle2.test", 22);
	put(m, MEMO_DANE, "idle2.test", 22);
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
	assert_int_equal(free_arg_bad, 0);
	assert_int_equal(freed[MEMO_DANE][22], 1);
}

static void
test_growth(void **state)
{
	struct memo *m = mk_memo(50000);
	char         key[32];
	int          i;
	struct val  *first = NULL;

	(void)state;
	for (i = 0; i < 50000; i++) {
		struct val *v;
		snprintf(key, sizeof(key), "host%d.example", i);
		assert_non_null(v = put(m, MEMO_TLSRPT, key, i));
		if (i == 0)
			first = v;
	}
	for (i = 0; i < 50000; i += 997) {
		struct val *v;
		snprintf(key, sizeof(key), "host%d.example", i);
		v = memo_get(m, MEMO_TLSRPT, key);
		assert_non_null(v);
		assert_int_equal(v->id, i);
		assert_string_equal(v->owned, key);
		assert_string_equal(memo_key(m, MEMO_TLSRPT, v), key);
	}
	/* the table grew; the values did not move */
	assert_ptr_equal(memo_get(m, MEMO_TLSRPT, "host0.example"), first);
	assert_int_equal(memo_records(m), 50000);
	assert_int_equal(memo_evictions(m, MEMO_TLSRPT), 0);
	memo_free(m);
	assert_int_equal(free_arg_bad, 0);
	for (i = 0; i < 50000; i++)
		assert_int_equal(freed[MEMO_TLSRPT][i], 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slots),
		cmocka_unit_test(test_one_slot),
		cmocka_unit_test(test_lru_eviction),
		cmocka_unit_test(test_peek_keeps_order),
		cmocka_unit_test(test_busy_not_evicted),
		cmocka_unit_test(test_flush_detach),
		cmocka_unit_test(test_growth),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
