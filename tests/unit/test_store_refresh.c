/*
 * test_store_refresh.c - unit tests for the refresh timer's columns of the
 * SQLite store (cached/store/store_sqlite_refresh.c; docs/DECISIONS.md
 * C11-C16): kept by put and get, walked in due order, last_used only
 * raised; and a store of schema version 1 upgraded to version 2. Each test
 * gets a fresh directory under /tmp (store_fixture.h), removed afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "log.h"
#include "store/store.h"
#include "store_fixture.h"

struct due_walk {
	int     count;
	char    seen[8][DOMAIN_MAX + 1];
	int64_t at[8];
};

static int
due_cb(void *arg, const struct store_due *d)
{
	struct due_walk *w = arg;

	if (w->count < 8) {
		snprintf(w->seen[w->count], sizeof(w->seen[0]), "%s",
		        d->domain);
		w->at[w->count] = d->refresh_at;
	}
	w->count++;
	return (0);
}

static struct due_walk
due(struct store *st, int64_t now, size_t max)
{
	struct due_walk w;
	char            why[256] = "";

	memset(&w, 0, sizeof(w));
	if (store_policy_due(st, now, max, due_cb, &w, why, sizeof(why))
	        != 0) {
		fail_msg("due: %s", why);
	}
	return (w);
}

/* the refresh timer's columns: kept by put and get, walked in due
 * order up to a limit, last_used only raised, the plan set */
static void
test_refresh_columns(void **state)
{
	struct fixture     *f = *state;
	struct store       *st;
	struct store_policy a, b, c, got;
	struct due_walk     w;
	char                why[256] = "";

	st = open_ok(f->db);
	make_policy(&a, "a.example", "1", "A", 1000);
	a.last_used     = 1500;
	a.refresh_at    = 3000;
	a.refresh_fails = 2;
	make_policy(&b, "b.example", "1", "B", 1000);
	b.refresh_at = 2000;
	make_policy(&c, "c.example", "1", "C", 1000);
	c.refresh_at = 5000;
	put_ok(st, &a);
	put_ok(st, &b);
	put_ok(st, &c);
	assert_int_equal(
	        store_policy_get(st, "a.example", &got, why, sizeof(why)),
	        STORE_FOUND);
	assert_true(got.last_used == 1500);
	assert_true(got.refresh_at == 3000);
	assert_int_equal(got.refresh_fails, 2);
	store_policy_clear(&got);

	/* due: refresh_at <= now, earliest first, at most max */
	w = due(st, 1999, 10);
	assert_int_equal(w.count, 0);
	w = due(st, 2000, 10);
	assert_int_equal(w.count, 1);
	assert_string_equal(w.seen[0], "b.example");
	w = due(st, 4999, 10);
	assert_int_equal(w.count, 2);
	assert_string_equal(w.seen[0], "b.example");
	assert_string_equal(w.seen[1], "a.example");
	w = due(st, 9999, 2);
	assert_int_equal(w.count, 2);
	assert_string_equal(w.seen[1], "a.example");

	/* no writes during the walk (it is a walk) */
	assert_int_equal(
	        store_policy_plan(st, "b.example", 9000, 0, why, sizeof(why)),
	        0);
	w = due(st, 4999, 10);
	assert_int_equal(w.count, 1);
	assert_string_equal(w.seen[0], "a.example");

	/* touch raises last_used, never lowers it; a missing row is fine */
	assert_int_equal(
	        store_policy_touch(st, "a.example", 1400, why, sizeof(why)),
	        0);
	assert_int_equal(store_policy_touch(st, "nowhere.example", 1400, why,
	                         sizeof(why)),
	        0);
	assert_int_equal(store_policy_plan(st, "nowhere.example", 1, 1, why,
	                         sizeof(why)),
	        0);
	assert_int_equal(
	        store_policy_get(st, "a.example", &got, why, sizeof(why)),
	        STORE_FOUND);
	assert_true(got.last_used == 1500);
	store_policy_clear(&got);
	assert_int_equal(
	        store_policy_touch(st, "a.example", 7200, why, sizeof(why)),
	        0);
	assert_int_equal(
	        store_policy_get(st, "a.example", &got, why, sizeof(why)),
	        STORE_FOUND);
	assert_true(got.last_used == 7200);
	assert_true(got.refresh_at == 3000); /* untouched by touch */
	assert_int_equal(got.refresh_fails, 2);
	store_policy_clear(&got);
	assert_int_equal(
	        store_policy_touch(st, "Bad..", 1, why, sizeof(why)), -1);
	store_close(st);

	/* and after a restart */
	st = open_ok(f->db);
	assert_int_equal(
	        store_policy_get(st, "b.example", &got, why, sizeof(why)),
	        STORE_FOUND);
	assert_true(got.refresh_at == 9000);
	assert_int_equal(got.refresh_fails, 0);
	store_policy_clear(&got);
	store_close(st);
}

/* a store of schema version 1 (before the refresh timer) opens, keeps
 * its rows (last_used 0: unknown; refresh_at 0: due at once) and is at
 * version 2 afterwards */
static void
test_migrate_v1(void **state)
{
	struct fixture     *f = *state;
	struct store       *st;
	struct store_policy got;
	struct due_walk     w;
	sqlite3            *db;
	sqlite3_stmt       *s;
	char                why[256] = "";

	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
	                         "CREATE TABLE sts_policy(domain TEXT "
	                         "PRIMARY KEY, id TEXT NOT NULL, body BLOB "
	                         "NOT NULL, fetched INTEGER NOT NULL, "
	                         "expires INTEGER NOT NULL);"
	                         "INSERT INTO sts_policy VALUES('old.example',"
	                         "'v1id',CAST('version: STSv1' AS BLOB),100,"
	                         "86500);"
	                         "INSERT INTO sts_policy VALUES('two.example',"
	                         "'x',CAST('body' AS BLOB),5,10);"
	                         "PRAGMA user_version = 1;",
	                         NULL, NULL, NULL),
	        SQLITE_OK);
	sqlite3_close(db);

	st = open_ok(f->db);
	assert_int_equal(
	        store_policy_get(st, "old.example", &got, why, sizeof(why)),
	        STORE_FOUND);
	assert_string_equal(got.id, "v1id");
	assert_int_equal(got.len, 14);
	assert_memory_equal(got.body, "version: STSv1", 14);
	assert_true(got.fetched == 100);
	assert_true(got.expires == 86500);
	assert_true(got.last_used == 0);
	assert_true(got.refresh_at == 0);
	assert_int_equal(got.refresh_fails, 0);
	store_policy_clear(&got);
	assert_int_equal(walk_count(st), 2);
	w = due(st, 0, 10);
	assert_int_equal(w.count, 2);
	assert_int_equal(
	        store_policy_touch(st, "old.example", 50, why, sizeof(why)),
	        0);
	store_close(st);

	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(
	        sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL),
	        SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), 2);
	sqlite3_finalize(s);
	sqlite3_close(db);

	/* the migrated file opens again as it is */
	st = open_ok(f->db);
	assert_int_equal(
	        store_policy_get(st, "old.example", &got, why, sizeof(why)),
	        STORE_FOUND);
	assert_true(got.last_used == 50);
	store_policy_clear(&got);
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		        test_refresh_columns, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        test_migrate_v1, setup, teardown),
	};

	log_set_level(LOG_LVL_WARN);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
