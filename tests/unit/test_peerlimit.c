/*
 * test_peerlimit.c - the fair-share rule of the front doors' connections
 * (cached/door/peerlimit.c; docs/IPC.md "Limits: connections per peer"): at
 * its edges, and the table's counts as connections come and go.
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf),
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_table),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
