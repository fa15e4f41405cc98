/*
 * test_peerlimit.c - the fair-share rule of the front doors' connections
 * (cached/door/peerlimit.c; docs/IPC.md "Limits: connections per peer"): at
 * its edges, and the table's counts as connections come and go; the
 * choice of the peer whose idle connection is closed for a newcomer
 * (docs/DECISIONS.md N5), with a fake claim function standing in for the
 * engine's workers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "door/peerlimit.h"

static void
conf64(struct peerlimit_conf *c)
{
	static char *const users[] = { "4242", "no-such-user-mxtls", NULL };

	/* 64 in all, 16 per peer, 16 kept for uid 0 and uid 4242 */
	peerlimit_conf_make(c, 64, 0, users, "test");
}

static void
test_conf(void **state)
{
	struct peerlimit_conf c;

	(void)state;
	conf64(&c);
	assert_int_equal(c.max, 64);
	assert_int_equal(c.per_peer, 16);
	assert_int_equal(c.reserve, 16);
	assert_int_equal(c.nreserved, 2); /* the unknown name is skipped */
	assert_int_equal(c.reserved[0], 0);
	assert_int_equal(c.reserved[1], 4242);
	peerlimit_conf_make(&c, 8, 5, NULL, "test");
	assert_int_equal(c.per_peer, 5);
	assert_int_equal(c.reserve, 2);
}

static void
test_decide(void **state)
{
	struct peerlimit_conf c;

	(void)state;
	conf64(&c);
	/* the cap holds for everyone */
	assert_int_equal(peerlimit_decide(&c, 64, 0, 0, 1), PEERLIMIT_FULL);
	assert_int_equal(peerlimit_decide(&c, 64, 0, 0, 0), PEERLIMIT_FULL);
	assert_int_equal(peerlimit_decide(&c, 63, 0, 40, 1), PEERLIMIT_OK);
	/* a peer's share: 15 held may take the 16th, not the 17th */
	assert_int_equal(peerlimit_decide(&c, 15, 15, 15, 0), PEERLIMIT_OK);
	assert_int_equal(peerlimit_decide(&c, 16, 16, 16, 0), PEERLIMIT_PEER);
	/* reserved peers have no share limit */
	assert_int_equal(peerlimit_decide(&c, 16, 0, 16, 1), PEERLIMIT_OK);
	/* the reserve: others may hold 47, not 48 */
	assert_int_equal(peerlimit_decide(&c, 47, 47, 0, 0), PEERLIMIT_OK);
	assert_int_equal(
	        peerlimit_decide(&c, 48, 48, 0, 0), PEERLIMIT_RESERVED);
	assert_int_equal(peerlimit_decide(&c, 48, 48, 0, 1), PEERLIMIT_OK);
}

static void
id_uid(struct peerlimit_id *id, uid_t uid)
{
	memset(id, 0, sizeof(*id));
	id->has_uid = 1;
	id->uid     = uid;
	snprintf(id->key, sizeof(id->key), "uid %lu", (unsigned long)uid);
}

static void
test_table(void **state)
{
	struct peerlimit_conf  c;
	struct peerlimit      *pl;
	struct peerlimit_peer *held[64], *p;
	struct peerlimit_id    nobody, other, root, addr;
	enum peerlimit_verdict v;
	size_t                 total = 0, i;

	(void)state;
	conf64(&c);
	pl = peerlimit_new(&c);
	id_uid(&nobody, 65534);
	id_uid(&other, 1000);
	id_uid(&root, 0);
	memset(&addr, 0, sizeof(addr));
	snprintf(addr.key, sizeof(addr.key), "127.0.0.2");
	/* one user takes its share, then is refused */
	for (i = 0; i < 16; i++) {
		held[total] = peerlimit_admit(pl, &nobody, total, &v);
		assert_non_null(held[total]);
		total++;
	}
	assert_null(peerlimit_admit(pl, &nobody, total, &v));
	assert_int_equal(v, PEERLIMIT_PEER);
	assert_int_equal(peerlimit_count(pl, &nobody), 16);
	/* another user and another address are still served */
	held[total] = peerlimit_admit(pl, &other, total, &v);
	assert_non_null(held[total]);
	total++;
	held[total] = peerlimit_admit(pl, &addr, total, &v);
	assert_non_null(held[total]);
	total++;
	/* closing one gives its peer one back */
	peerlimit_release(held[0]);
	held[0] = peerlimit_admit(pl, &nobody, total - 1, &v);
	assert_non_null(held[0]);
	/* a peer without credentials is never reserved, whatever its
	 * name: others may fill up to the reserve, not into it */
	snprintf(addr.key, sizeof(addr.key), "uid 0");
	for (i = 0; i < 16; i++) {
		p = peerlimit_admit(pl, &addr, total, &v);
		if (p == NULL)
			break;
		held[total++] = p;
	}
	assert_null(peerlimit_admit(pl, &addr, total, &v));
	assert_int_equal(v, PEERLIMIT_PEER);
	id_uid(&addr, 2000);
	for (i = 0; i < 16 && total < 48; i++) {
		held[total] = peerlimit_admit(pl, &addr, total, &v);
		assert_non_null(held[total]);
		total++;
	}
	assert_int_equal(total, 48);
	id_uid(&addr, 3000);
	assert_null(peerlimit_admit(pl, &addr, total, &v));
	assert_int_equal(v, PEERLIMIT_RESERVED);
	/* root: past the others' share, up to the cap */
	for (i = total; i < 64; i++) {
		held[total] = peerlimit_admit(pl, &root, total, &v);
		assert_non_null(held[total]);
		total++;
	}
	assert_null(peerlimit_admit(pl, &root, total, &v));
	assert_int_equal(v, PEERLIMIT_FULL);
	/* all gone: the entries are freed as lookups pass them */
	for (i = 0; i < total; i++)
		peerlimit_release(held[i]);
	assert_int_equal(peerlimit_count(pl, &nobody), 0);
	assert_int_equal(peerlimit_count(pl, &root), 0);
	p = peerlimit_admit(pl, &other, 0, &v);
	assert_non_null(p);
	assert_int_equal(peerlimit_count(pl, &other), 1);
	peerlimit_release(p);
	peerlimit_free(pl);
}

/* ---------------------------------------------------------- eviction -- */

/* A fake engine: how many idle connections each peer has, and the order
 * in which peers were asked for one. */
struct fake {
	struct peerlimit_peer *peer[8];
	size_t                 idle[8];
	size_t                 npeer;
	struct peerlimit_peer *asked[16];
	size_t                 nasked;
};

static int
fake_claim(void *arg, struct peerlimit_peer *victim)
{
	struct fake *f = arg;
	size_t       i;

	f->asked[f->nasked++] = victim;
	for (i = 0; i < f->npeer; i++) {
		if (f->peer[i] == victim && f->idle[i] > 0) {
			f->idle[i]--;
			peerlimit_evicting(victim);
			return (1);
		}
	}
	return (0);
}

/* fill - uid holds n connections more (all idle in f); total grows. */
static struct peerlimit_peer *
fill(struct peerlimit *pl, struct fake *f, uid_t uid, size_t n, size_t *total)
{
	struct peerlimit_id    id;
	struct peerlimit_peer *p = NULL;
	enum peerlimit_verdict v;
	size_t                 i;

	id_uid(&id, uid);
	for (i = 0; i < n; i++) {
		p = peerlimit_admit(pl, &id, *total, &v);
		assert_non_null(p);
		(*total)++;
	}
	f->peer[f->npeer]   = p;
	f->idle[f->npeer++] = n;
	return (p);
}

/* conf8 - 8 in all, 4 per peer, 2 reserved (uid 0, uid 4242): the
 * non-reserved pool is 6 */
static struct peerlimit *
pl8(void)
{
	static char *const    users[] = { "4242", NULL };
	struct peerlimit_conf c;

	peerlimit_conf_make(&c, 8, 4, users, "test");
	return (peerlimit_new(&c));
}

static struct peerlimit_peer *
newcomer(struct peerlimit *pl, struct fake *f, uid_t uid, size_t total,
        enum peerlimit_verdict *v, struct peerlimit_eviction *ev)
{
	struct peerlimit_id id;

	id_uid(&id, uid);
	ev->victim[0] = '\0';
	return (peerlimit_admit_evict(pl, &id, total, v, fake_claim, f, ev));
}

static void
test_evict_heaviest(void **state)
{
	struct peerlimit         *pl = pl8();
	struct fake               f;
	struct peerlimit_peer    *a, *c;
	struct peerlimit_id       id;
	struct peerlimit_eviction ev;
	enum peerlimit_verdict    v;
	size_t                    total = 0;

	(void)state;
	memset(&f, 0, sizeof(f));
	a = fill(pl, &f, 1000, 4, &total);
	(void)fill(pl, &f, 1001, 2, &total);
	/* without eviction: refused, the non-reserved pool is full */
	id_uid(&id, 1002);
	assert_null(peerlimit_admit(pl, &id, total, &v));
	assert_int_equal(v, PEERLIMIT_RESERVED);
	/* with it: the heaviest (uid 1000, 4) loses its oldest idle one */
	c = newcomer(pl, &f, 1002, total, &v, &ev);
	assert_non_null(c);
	total++;
	assert_int_equal(v, PEERLIMIT_OK);
	assert_int_equal(f.nasked, 1);
	assert_ptr_equal(f.asked[0], a);
	assert_string_equal(ev.victim, "uid 1000");
	assert_int_equal(ev.held, 4);
	assert_int_equal(peerlimit_inflight(pl), 1);
	/* its worker closes it: the count and the overshoot go down */
	peerlimit_release_evicted(a);
	total--;
	assert_int_equal(peerlimit_inflight(pl), 0);
	id_uid(&id, 1000);
	assert_int_equal(peerlimit_count(pl, &id), 3);
	id_uid(&id, 1002);
	assert_int_equal(peerlimit_count(pl, &id), 1);
	/* the pool is full again (3 + 2 + 1): uid 1000 (3 -> 4) finds
	 * nobody holding more than 4, and is refused */
	f.nasked = 0;
	assert_null(newcomer(pl, &f, 1000, total, &v, &ev));
	assert_int_equal(v, PEERLIMIT_RESERVED);
	assert_int_equal(f.nasked, 0);
	(void)c;
	peerlimit_free(pl);
}

static void
test_evict_own_share(void **state)
{
	struct peerlimit         *pl = pl8();
	struct fake               f;
	struct peerlimit_eviction ev;
	enum peerlimit_verdict    v;
	size_t                    total = 0;

	(void)state;
	memset(&f, 0, sizeof(f));
	(void)fill(pl, &f, 1000, 4, &total);
	(void)fill(pl, &f, 1001, 2, &total);
	/* uid 1000 holds its share: refused, nobody is asked */
	assert_null(newcomer(pl, &f, 1000, total, &v, &ev));
	assert_int_equal(v, PEERLIMIT_PEER);
	assert_int_equal(f.nasked, 0);
	/* the whole door full: still its own share that refuses it */
	(void)fill(pl, &f, 4242, 2, &total);
	assert_int_equal(total, 8);
	assert_null(newcomer(pl, &f, 1000, total, &v, &ev));
	assert_int_equal(v, PEERLIMIT_PEER);
	assert_int_equal(f.nasked, 0);
	/* without eviction the verdict is as it was */
	{
		struct peerlimit_id id;

		id_uid(&id, 1000);
		assert_null(peerlimit_admit(pl, &id, total, &v));
		assert_int_equal(v, PEERLIMIT_FULL);
	}
	/* uid 1001 (2, within its share) finds the door full: uid 1000
	 * holds 4 > 3 */
	assert_non_null(newcomer(pl, &f, 1001, total, &v, &ev));
	assert_string_equal(ev.victim, "uid 1000");
	peerlimit_free(pl);
}

static void
test_evict_nothing_idle(void **state)
{
	struct peerlimit         *pl = pl8();
	struct fake               f;
	struct peerlimit_peer    *a, *b;
	struct peerlimit_eviction ev;
	enum peerlimit_verdict    v;
	size_t                    total = 0;

	(void)state;
	memset(&f, 0, sizeof(f));
	a         = fill(pl, &f, 1000, 4, &total);
	b         = fill(pl, &f, 1001, 2, &total);
	f.idle[0] = f.idle[1] = 0; /* every connection busy */
	assert_null(newcomer(pl, &f, 1002, total, &v, &ev));
	assert_int_equal(v, PEERLIMIT_RESERVED);
	/* both heavier peers were asked, heaviest first, then no more */
	assert_int_equal(f.nasked, 2);
	assert_ptr_equal(f.asked[0], a);
	assert_ptr_equal(f.asked[1], b);
	assert_int_equal(peerlimit_inflight(pl), 0);
	/* one of the lighter peer's becomes idle: it is taken */
	f.idle[1] = 1;
	f.nasked  = 0;
	assert_non_null(newcomer(pl, &f, 1002, total, &v, &ev));
	assert_string_equal(ev.victim, "uid 1001");
	assert_int_equal(f.nasked, 2);
	peerlimit_free(pl);
}

static void
test_evict_reserved(void **state)
{
	struct peerlimit         *pl = pl8();
	struct fake               f;
	struct peerlimit_peer    *r;
	struct peerlimit_eviction ev;
	enum peerlimit_verdict    v;
	size_t                    total = 0;

	(void)state;
	memset(&f, 0, sizeof(f));
	(void)fill(pl, &f, 1000, 1, &total);
	r = fill(pl, &f, 4242, 7, &total);
	/* a non-reserved newcomer never evicts the reserved user */
	assert_null(newcomer(pl, &f, 1002, total, &v, &ev));
	assert_int_equal(v, PEERLIMIT_FULL);
	assert_int_equal(f.nasked, 0);
	/* root (reserved) draws from the whole door: 4242 holds 7 > 1 */
	assert_non_null(newcomer(pl, &f, 0, total, &v, &ev));
	assert_ptr_equal(f.asked[0], r);
	assert_string_equal(ev.victim, "uid 4242");
	peerlimit_free(pl);
}

static void
test_evict_ties(void **state)
{
	struct peerlimit         *pl = pl8();
	struct fake               f;
	struct peerlimit_eviction ev;
	enum peerlimit_verdict    v;
	size_t                    total = 0;

	(void)state;
	memset(&f, 0, sizeof(f));
	(void)fill(pl, &f, 1001, 3, &total);
	(void)fill(pl, &f, 1000, 3, &total);
	/* equal holders: the smaller key */
	assert_non_null(newcomer(pl, &f, 1002, total, &v, &ev));
	total++;
	assert_string_equal(ev.victim, "uid 1000");
	/* uid 1000's is still closing: its weight is 2, uid 1001's 3 */
	assert_non_null(newcomer(pl, &f, 1003, total, &v, &ev));
	total++;
	assert_string_equal(ev.victim, "uid 1001");
	assert_int_equal(peerlimit_inflight(pl), 2);
	/* a peer never evicts one that holds no more than it will:
	 * uid 1002 (1 -> 2) against 2 and 2 */
	f.nasked = 0;
	assert_null(newcomer(pl, &f, 1002, total, &v, &ev));
	assert_int_equal(f.nasked, 0);
	peerlimit_free(pl);
}

static void
test_evict_inflight(void **state)
{
	struct peerlimit         *pl;
	struct peerlimit_conf     c;
	struct fake               f;
	struct peerlimit_peer    *a;
	struct peerlimit_eviction ev;
	enum peerlimit_verdict    v;
	size_t                    total = 0, i;

	(void)state;
	conf64(&c); /* 64, 16 per peer, a pool of 48 */
	pl = peerlimit_new(&c);
	memset(&f, 0, sizeof(f));
	a = fill(pl, &f, 1000, 16, &total);
	(void)fill(pl, &f, 1001, 16, &total);
	(void)fill(pl, &f, 1002, 16, &total);
	for (i = 0; i < PEERLIMIT_EVICT_INFLIGHT; i++) {
		assert_non_null(
		        newcomer(pl, &f, 2000 + (uid_t)i, total, &v, &ev));
		total++;
	}
	/* the overshoot is bounded: the next one waits for a close */
	assert_int_equal(peerlimit_inflight(pl), PEERLIMIT_EVICT_INFLIGHT);
	assert_null(newcomer(pl, &f, 3000, total, &v, &ev));
	assert_int_equal(v, PEERLIMIT_RESERVED);
	peerlimit_release_evicted(a);
	total--;
	assert_non_null(newcomer(pl, &f, 3000, total, &v, &ev));
	peerlimit_free(pl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf),
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_evict_heaviest),
		cmocka_unit_test(test_evict_own_share),
		cmocka_unit_test(test_evict_nothing_idle),
		cmocka_unit_test(test_evict_reserved),
		cmocka_unit_test(test_evict_ties),
		cmocka_unit_test(test_evict_inflight),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
