/*
 * store_fixture.h - the SQLite store's unit tests' fixture (a fresh
 * directory under /tmp per test, removed afterwards) and their helpers:
 * open, make, put and check a policy row, count the rows
 * (test_store.c, test_store_refresh.c). Include after <cmocka.h>.
 */
#ifndef MXTLS_TESTS_STORE_FIXTURE_H
#define MXTLS_TESTS_STORE_FIXTURE_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"

struct fixture {
	char dir[64];
	char db[128];
};

static inline int
setup(void **state)
{
	struct fixture *f;

	if ((f = calloc(1, sizeof(*f))) == NULL) {
		return (-1);
	}
	snprintf(f->dir, sizeof(f->dir), "/tmp/mxtls-test-store-XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return (-1);
	}
	snprintf(f->db, sizeof(f->db), "%s/cache.db", f->dir);
	*state = f;
	return (0);
}

static inline int
teardown(void **state)
{
	struct fixture *f = *state;
	struct dirent  *de;
	DIR            *d;
	char            path[512];

	if ((d = opendir(f->dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0
			        || strcmp(de->d_name, "..") == 0) {
				continue;
			}
			snprintf(path, sizeof(path), "%s/%s", f->dir,
			        de->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(f->dir);
	free(f);
	return (0);
}

static inline struct store *
open_ok(const char *path)
{
	struct store *st;
	char          why[256] = "";

	st = store_open("sqlite", path, why, sizeof(why));
	if (st == NULL) {
		fail_msg("store_open %s: %s", path, why);
	}
	return (st);
}

static inline void
make_policy(struct store_policy *p, const char *domain, const char *id,
        const char *body, int64_t fetched)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->domain, sizeof(p->domain), "%s", domain);
	snprintf(p->id, sizeof(p->id), "%s", id);
	p->body    = (char *)body;
	p->len     = body != NULL ? strlen(body) : 0;
	p->fetched = fetched;
	p->expires = fetched + 86400;
}

static inline void
put_ok(struct store *st, const struct store_policy *p)
{
	char why[256] = "";

	if (store_policy_put(st, p, why, sizeof(why)) != 0) {
		fail_msg("put %s: %s", p->domain, why);
	}
}

static inline void
assert_row(struct store *st, const struct store_policy *want)
{
	struct store_policy got;
	char                why[256] = "";

	assert_int_equal(
	        store_policy_get(st, want->domain, &got, why, sizeof(why)),
	        STORE_FOUND);
	assert_string_equal(got.domain, want->domain);
	assert_string_equal(got.id, want->id);
	assert_int_equal(got.len, want->len);
	assert_non_null(got.body);
	if (want->len > 0) {
		assert_memory_equal(got.body, want->body, want->len);
	}
	assert_int_equal(got.body[got.len], '\0');
	assert_true(got.fetched == want->fetched);
	assert_true(got.expires == want->expires);
	store_policy_clear(&got);
	assert_null(got.body);
}

static inline void
assert_notfound(struct store *st, const char *domain)
{
	struct store_policy got;
	char                why[256] = "";

	assert_int_equal(store_policy_get(st, domain, &got, why, sizeof(why)),
	        STORE_NOTFOUND);
	assert_null(got.body);
}

struct walk {
	int  count;
	int  stop_after;
	char seen[8][DOMAIN_MAX + 1];
};

static inline int
walk_cb(void *arg, const struct store_policy *p)
{
	struct walk *w = arg;

	if (w->count < 8) {
		snprintf(w->seen[w->count], sizeof(w->seen[0]), "%s",
		        p->domain);
	}
	w->count++;
	return (w->stop_after > 0 && w->count >= w->stop_after);
}

static inline int
walk_count(struct store *st)
{
	struct walk w;
	char        why[256] = "";

	memset(&w, 0, sizeof(w));
	if (store_policy_foreach(st, walk_cb, &w, why, sizeof(why)) != 0) {
		fail_msg("foreach: %s", why);
	}
	return (w.count);
}

#endif
