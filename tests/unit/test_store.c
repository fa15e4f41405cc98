/*
 * test_store.c - unit tests for the store dispatcher (cached/store/store.c)
 * and the SQLite backend (cached/store/store_sqlite.c): rows put, got,
 * walked and kept across a reopen and a kill -9, the file's mode, a file
 * gone bad set aside, a foreign database refused. The refresh timer's
 * columns and the schema upgrade are test_store_refresh.c. Each test gets a
 * fresh directory under /tmp (store_fixture.h), removed afterwards.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "log.h"
#include "store/store.h"
#include "store_fixture.h"

static void
test_roundtrip(void **state)
{
	struct fixture     *f = *state;
	struct store       *st;
	struct store_policy a, b, c;
	struct walk         w;
	char                why[256] = "";

	st = open_ok(f->db);
	assert_string_equal(store_backend_name(st), "sqlite");
	assert_notfound(st, "example.com");
	assert_int_equal(walk_count(st), 0);

	make_policy(&a, "example.com", "20240101T000000",
	        "version: STSv1\r\nmode: enforce\r\nmx: mx.example.com\r\n"
	        "max_age: 86400\r\n",
	        1700000000);
	put_ok(st, &a);
	assert_row(st, &a);

	/* overwrite: same domain, new id and body */
	make_policy(
	        &a, "example.com", "20240202", "version: STSv1\n", 1800000000);
	put_ok(st, &a);
	assert_row(st, &a);
	assert_int_equal(walk_count(st), 1);

	make_policy(&b, "b.example", "1", "B", 1);
	make_policy(&c, "c.example", "2", "C", -5);
	put_ok(st, &b);
	put_ok(st, &c);
	memset(&w, 0, sizeof(w));
	assert_int_equal(
	        store_policy_foreach(st, walk_cb, &w, why, sizeof(why)), 0);
	assert_int_equal(w.count, 3);
	assert_string_equal(w.seen[0], "b.example");
	assert_string_equal(w.seen[1], "c.example");
	assert_string_equal(w.seen[2], "example.com");
	assert_row(st, &c);

	/* delete one, then a missing one (not an error) */
	assert_int_equal(
	        store_policy_del(st, "b.example", why, sizeof(why)), 0);
	assert_notfound(st, "b.example");
	assert_int_equal(
	        store_policy_del(st, "b.example", why, sizeof(why)), 0);
	assert_int_equal(
	        store_policy_del(st, "nowhere.example", why, sizeof(why)), 0);
	assert_int_equal(walk_count(st), 2);

	/* delete all */
	assert_int_equal(store_policy_del(st, NULL, why, sizeof(why)), 0);
	assert_int_equal(walk_count(st), 0);
	assert_notfound(st, "example.com");
	assert_notfound(st, "c.example");
	store_close(st);
	store_close(NULL);
}

static void
test_persistence(void **state)
{
	struct fixture     *f = *state;
	struct store       *st;
	struct store_policy a, b;
	char                why[256] = "";

	st = open_ok(f->db);
	make_policy(&a, "a.example", "id-a", "body a", 100);
	make_policy(&b, "b.example", "id-b", "body b", 200);
	put_ok(st, &a);
	put_ok(st, &b);
	assert_int_equal(
	        store_policy_del(st, "b.example", why, sizeof(why)), 0);
	store_close(st);

	st = open_ok(f->db);
	assert_row(st, &a);
	assert_notfound(st, "b.example");
	assert_int_equal(walk_count(st), 1);
	store_close(st);

	/* and a third time, to pass through the "already migrated" path */
	st = open_ok(f->db);
	assert_row(st, &a);
	store_close(st);
}

static void
test_binary_body(void **state)
{
	struct fixture     *f = *state;
	struct store       *st;
	struct store_policy p;
	char                body[512];
	size_t              i;

	for (i = 0; i < sizeof(body); i++) {
		body[i] = (char)(i % 256);
	}
	st = open_ok(f->db);
	make_policy(&p, "bin.example", "x", NULL, 1);
	p.body = body;
	p.len  = sizeof(body);
	put_ok(st, &p);
	assert_row(st, &p);

	/* a body of "\0\0\0" is three bytes, not an empty string */
	p.body = "\0\0\0";
	p.len  = 3;
	put_ok(st, &p);
	assert_row(st, &p);

	/* empty body, NULL pointer: comes back as "" with len 0 */
	make_policy(&p, "empty.example", "", NULL, 2);
	put_ok(st, &p);
	assert_row(st, &p);
	store_close(st);

	/* and after a reopen */
	st = open_ok(f->db);
	make_policy(&p, "bin.example", "x", NULL, 1);
	p.body = "\0\0\0";
	p.len  = 3;
	assert_row(st, &p);
	store_close(st);
}

static void
test_file_mode(void **state)
{
	struct fixture *f = *state;
	struct store   *st;
	struct stat     sb;
	mode_t          old;

	old = umask(0);
	st  = open_ok(f->db);
	umask(old);
	assert_int_equal(stat(f->db, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	store_close(st);
}

/* aside_count - files in f->dir named like f->db's set-aside copies; the
 * first one's name in first (when not NULL). */
static int
aside_count(const struct fixture *f, char *first, size_t firstlen)
{
	const char    *base = strrchr(f->db, '/') + 1;
	char           prefix[256];
	DIR           *d;
	struct dirent *de;
	int            n = 0;

	snprintf(prefix, sizeof(prefix), "%s.corrupt-", base);
	assert_non_null(d = opendir(f->dir));
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0
		        && strchr(de->d_name + strlen(prefix), '-') == NULL) {
			if (n++ == 0 && first != NULL) {
				snprintf(first, firstlen, "%s/%s", f->dir,
				        de->d_name);
			}
		}
	}
	closedir(d);
	return (n);
}

/* A file that is not a database is a cache gone bad: set aside (its bytes
 * kept) and replaced by an empty store that works. */
static void
test_garbage_file(void **state)
{
	struct fixture     *f = *state;
	struct store       *st;
	struct store_policy p;
	char                aside[512], buf[64];
	FILE               *fp;
	int                 i;

	assert_non_null(fp = fopen(f->db, "w"));
	for (i = 0; i < 200; i++) {
		fputs("this is not an sqlite database, just some text\n", fp);
	}
	fclose(fp);
	assert_int_equal(aside_count(f, NULL, 0), 0);
	st = open_ok(f->db);
	assert_non_null(st);
	assert_int_equal(aside_count(f, aside, sizeof(aside)), 1);
	assert_non_null(fp = fopen(aside, "r"));
	assert_non_null(fgets(buf, sizeof(buf), fp));
	fclose(fp);
	assert_string_equal(
	        buf, "this is not an sqlite database, just some text\n");
	make_policy(&p, "fresh.example", "id1", "version: STSv1\n", 1);
	put_ok(st, &p);
	assert_row(st, &p);
	store_close(st);
	/* a second bad file in the same second gets its own name */
	assert_non_null(fp = fopen(f->db, "w"));
	fputs("garbage again\n", fp);
	fclose(fp);
	st = open_ok(f->db);
	store_close(st);
	assert_true(aside_count(f, NULL, 0) >= 1);
}

static void
test_corrupt_file(void **state)
{
	struct fixture     *f = *state;
	struct store       *st;
	struct store_policy p, got;
	char                why[256] = "";
	char                junk[4096];
	char                domain[64];
	int                 fd, i;

	/* enough rows for several pages, then trash everything after
	 * page 1 (the header and schema stay readable) */
	st = open_ok(f->db);
	for (i = 0; i < 200; i++) {
		snprintf(domain, sizeof(domain), "d%d.example", i);
		make_policy(&p, domain, "id",
		        "version: STSv1\nmode: testing\nmx: *.example\n"
		        "max_age: 604800\n",
		        i);
		put_ok(st, &p);
	}
	store_close(st);

	memset(junk, 0xa5, sizeof(junk));
	assert_true((fd = open(f->db, O_WRONLY)) >= 0);
	assert_int_equal(pwrite(fd, junk, sizeof(junk), 4096), sizeof(junk));
	close(fd);

	st = open_ok(f->db);
	assert_non_null(st);
	assert_int_equal(aside_count(f, NULL, 0), 1);
	/* an empty cache: the old rows are gone, new ones work */
	assert_int_equal(
	        store_policy_get(st, "d1.example", &got, why, sizeof(why)),
	        STORE_NOTFOUND);
	make_policy(&p, "d1.example", "id2", "version: STSv1\n", 7);
	put_ok(st, &p);
	assert_row(st, &p);
	store_close(st);
}

static void
test_missing_dir(void **state)
{
	struct fixture *f = *state;
	struct store   *st;
	char            path[256];
	char            why[256] = "";

	snprintf(path, sizeof(path), "%s/no/such/dir/cache.db", f->dir);
	st = store_open("sqlite", path, why, sizeof(why));
	assert_null(st);
	assert_non_null(strstr(why, path));
	if (strstr(why, "No such file or directory") == NULL) {
		fail_msg("why: %s", why);
	}

	/* a directory where the file should be */
	st = store_open("sqlite", f->dir, why, sizeof(why));
	assert_null(st);
	assert_non_null(strstr(why, f->dir));
}

static void
test_unknown_backend(void **state)
{
	struct fixture *f        = *state;
	char            why[256] = "";

	assert_null(store_open("redis", f->db, why, sizeof(why)));
	assert_non_null(strstr(why, "unknown store backend \"redis\""));
	assert_non_null(strstr(why, "known: sqlite"));
	assert_null(store_open(NULL, f->db, why, sizeof(why)));
	assert_non_null(strstr(why, "unknown store backend"));
	assert_null(store_open("sqlite", "", why, sizeof(why)));
	assert_non_null(strstr(why, "no location"));
	/* nothing was created */
	assert_int_equal(access(f->db, F_OK), -1);
}

static void
test_bad_rows(void **state)
{
	struct fixture     *f = *state;
	struct store       *st;
	struct store_policy p, got;
	char                why[256] = "";

	st = open_ok(f->db);
	make_policy(&p, "Example.com", "id", "b", 1);
	assert_int_equal(store_policy_put(st, &p, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "normal form"));
	make_policy(&p, "a..b", "id", "b", 1);
	assert_int_equal(store_policy_put(st, &p, why, sizeof(why)), -1);
	make_policy(&p, "ok.example", "id", "b", 1);
	memset(p.id, 'x', sizeof(p.id));
	assert_int_equal(store_policy_put(st, &p, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "id not terminated"));
	make_policy(&p, "ok.example", "id", NULL, 1);
	p.len = 5;
	assert_int_equal(store_policy_put(st, &p, why, sizeof(why)), -1);

	assert_int_equal(store_policy_get(st, "a..b", &got, why, sizeof(why)),
	        STORE_ERROR);
	assert_null(got.body);
	assert_int_equal(store_policy_get(st, NULL, &got, why, sizeof(why)),
	        STORE_ERROR);
	assert_int_equal(store_policy_del(st, "-x", why, sizeof(why)), -1);
	assert_int_equal(walk_count(st), 0);
	store_close(st);
}

struct reentry {
	struct store *st;
	int           put_rv;
	int           del_rv;
	int           walk_rv;
	int           get_rv;
};

static int
reentry_cb(void *arg, const struct store_policy *p)
{
	struct reentry     *r = arg;
	struct store_policy q, got;
	char                why[256];

	make_policy(&q, "new.example", "1", "x", 1);
	r->put_rv = store_policy_put(r->st, &q, why, sizeof(why));
	r->del_rv = store_policy_del(r->st, p->domain, why, sizeof(why));
	r->walk_rv
	        = store_policy_foreach(r->st, walk_cb, NULL, why, sizeof(why));
	r->get_rv = store_policy_get(r->st, p->domain, &got, why, sizeof(why));
	store_policy_clear(&got);
	return (1);
}

static void
test_foreach(void **state)
{
	struct fixture     *f = *state;
	struct store       *st;
	struct store_policy p;
	struct walk         w;
	struct reentry      r;
	char                why[256] = "";
	char                domain[32];
	int                 i;

	st = open_ok(f->db);
	for (i = 0; i < 5; i++) {
		snprintf(domain, sizeof(domain), "d%d.example", i);
		make_policy(&p, domain, "id", "body", i);
		put_ok(st, &p);
	}
	/* a non-zero return stops the walk; that is not an error */
	memset(&w, 0, sizeof(w));
	w.stop_after = 2;
	assert_int_equal(
	        store_policy_foreach(st, walk_cb, &w, why, sizeof(why)), 0);
	assert_int_equal(w.count, 2);

	/* writes and nested walks are refused inside a walk, reads are not */
	memset(&r, 0, sizeof(r));
	r.st = st;
	assert_int_equal(
	        store_policy_foreach(st, reentry_cb, &r, why, sizeof(why)), 0);
	assert_int_equal(r.put_rv, -1);
	assert_int_equal(r.del_rv, -1);
	assert_int_equal(r.walk_rv, -1);
	assert_int_equal(r.get_rv, STORE_FOUND);
	assert_int_equal(walk_count(st), 5);
	/* and after the walk, writes work again */
	assert_int_equal(
	        store_policy_del(st, "d0.example", why, sizeof(why)), 0);
	assert_int_equal(walk_count(st), 4);
	store_close(st);
}

static void
test_foreign_database(void **state)
{
	struct fixture *f = *state;
	sqlite3        *db;
	char            why[256] = "";

	/* another program's database: tables but no schema version */
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(
	        sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL),
	        SQLITE_OK);
	sqlite3_close(db);
	assert_null(store_open("sqlite", f->db, why, sizeof(why)));
	assert_non_null(strstr(why, "not an mxtls store"));

	/* a store from a newer mxtls */
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(
	        sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL),
	        SQLITE_OK);
	sqlite3_close(db);
	assert_null(store_open("sqlite", f->db, why, sizeof(why)));
	assert_non_null(strstr(why, "schema version 99 is newer"));
}

/* The child puts a row and is killed (SIGKILL) without closing anything:
 * the commit must be in the WAL, and the parent must find it. */
static void
test_kill9(void **state)
{
	struct fixture     *f = *state;
	struct store       *st;
	struct store_policy p;
	pid_t               pid;
	int                 status;

	make_policy(&p, "crash.example", "k9", "version: STSv1\n", 42);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char why[256];

		st = store_open("sqlite", f->db, why, sizeof(why));
		if (st == NULL
		        || store_policy_put(st, &p, why, sizeof(why)) != 0) {
			_exit(1);
		}
		kill(getpid(), SIGKILL);
		_exit(9);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	st = open_ok(f->db);
	assert_row(st, &p);
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		        test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        test_persistence, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        test_binary_body, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        test_file_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        test_garbage_file, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        test_corrupt_file, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        test_missing_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        test_unknown_backend, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        test_bad_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreach, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        test_foreign_database, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill9, setup, teardown),
	};

	log_set_level(LOG_LVL_WARN);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
