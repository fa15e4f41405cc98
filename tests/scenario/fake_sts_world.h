/*
 * fake_sts_world.h - the MTA-STS resolver (RFC 8461) as mxtlsd wires it,
 * alone: the real cached/sts/sts_resolver.c with its memo and SQLite store
 * over the scripted DNS and HTTPS of fake_dns.c and fake_fetch.c, for the
 * scenario tests of the resolver and of its refresh timer. (fake_world.h
 * is every lookup service together.) Header-only (static functions); one
 * world per process at a time.
 */
#ifndef MXTLS_TESTS_FAKE_STS_WORLD_H
#define MXTLS_TESTS_FAKE_STS_WORLD_H

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "fake_dns.h"
#include "fake_fetch.h"
#include "store/store.h"
#include "sts/sts_resolver.h"
#include "util/clock.h"
#include "util/conf.h"
#include "util/memo.h"
#include "util/stats.h"

struct fake_sts_world {
	struct event_base   *base;
	struct conf          conf;
	struct dns          *dns;
	struct sts_fetcher  *fetcher;
	struct store        *store;
	struct stats         stats;
	struct memo         *memo;
	struct sts_resolver *r;
	char                 dir[64];
	char                 db[128];
};

/* fake_sts_world_init - w zeroed, the fake clock at t0, the fakes empty,
 * the default conf, a new directory for the store (w->dir, w->db; prefix
 * names it, "/tmp/mxtls-NAME"). The test then sets its conf and opens. */
static void __attribute__((unused))
fake_sts_world_init(struct fake_sts_world *w, int64_t t0, const char *prefix)
{
	memset(w, 0, sizeof(*w));
	clock_set_fake(t0);
	fake_dns_reset();
	fake_fetch_reset();
	conf_defaults(&w->conf);
	snprintf(w->dir, sizeof(w->dir), "%s.XXXXXX", prefix);
	assert_non_null(mkdtemp(w->dir));
	snprintf(w->db, sizeof(w->db), "%s/store.db", w->dir);
}

/* fake_sts_world_open - the loop, DNS, fetcher, store (at w->db), memo and
 * resolver, on w->conf. */
static void __attribute__((unused))
fake_sts_world_open(struct fake_sts_world *w)
{
	char why[256];

	w->base = event_base_new();
	assert_non_null(w->base);
	w->dns = dns_create(w->base, NULL, why, sizeof(why));
	assert_non_null(w->dns);
	w->fetcher = sts_fetch_create(w->base, NULL, why, sizeof(why));
	assert_non_null(w->fetcher);
	w->store = store_open("sqlite", w->db, why, sizeof(why));
	if (w->store == NULL)
		fail_msg("store_open: %s", why);
	w->memo = memo_create((size_t)w->conf.cache_max_entries);
	w->r    = sts_resolver_create(w->base, &w->conf, w->dns, w->fetcher,
	           w->store, &w->stats, w->memo);
	assert_non_null(w->r);
}

/* fake_sts_world_close - what open made, freed (the store file stays: a
 * restart opens it again); the resolver must have cancelled whatever it
 * still had in flight. */
static void __attribute__((unused))
fake_sts_world_close(struct fake_sts_world *w)
{
	sts_resolver_free(w->r);
	memo_free(w->memo);
	assert_int_equal(fake_dns_live(), 0);
	assert_int_equal(fake_fetch_live(), 0);
	store_close(w->store);
	sts_fetch_free(w->fetcher);
	dns_free(w->dns);
	event_base_free(w->base);
}

static void __attribute__((unused))
fake_sts_world_unlink(const struct fake_sts_world *w, const char *suffix)
{
	char path[200];

	snprintf(path, sizeof(path), "%s%s", w->db, suffix);
	unlink(path);
}

/* fake_sts_world_end - the conf freed, the real clock back, the store's
 * files and directory removed (after fake_sts_world_close). */
static void __attribute__((unused))
fake_sts_world_end(struct fake_sts_world *w)
{
	conf_free(&w->conf);
	clock_set_real();
	fake_sts_world_unlink(w, "");
	fake_sts_world_unlink(w, "-wal");
	fake_sts_world_unlink(w, "-shm");
	rmdir(w->dir);
}

#endif
