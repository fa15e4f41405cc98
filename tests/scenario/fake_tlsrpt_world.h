/*
 * fake_tlsrpt_world.h - TLS reporting (RFC 8460) as mxtlsd wires it, alone:
 * the real cached/tlsrpt/tlsrpt_sched.c with its SQLite store beside a
 * policy store path in a new directory, the deliveries through the
 * scripted sender of fake_send.c, the TLSRPT clock (time(2)) following the
 * fake clock through fake_time.c; for the TLSRPT scenario test and the
 * scheduler's unit test. (fake_world.h is every lookup service together.)
 * Header-only (static functions); one world per process at a time.
 */
#ifndef MXTLS_TESTS_FAKE_TLSRPT_WORLD_H
#define MXTLS_TESTS_FAKE_TLSRPT_WORLD_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "fake_dns.h"
#include "fake_loop.h"
#include "fake_send.h"
#include "fake_time.h"
#include "tlsrpt/tlsrpt_sched.h"
#include "util/clock.h"
#include "util/conf.h"
#include "util/stats.h"

struct fake_tlsrpt_world {
	struct event_base   *base;
	struct conf          conf;
	struct dns          *dns;
	struct stats         stats;
	struct tlsrpt_sched *t;
	char                 dir[64];
	char                 db[128]; /* store.path; TLSRPT's is db.tlsrpt */
};

/* fake_tlsrpt_set_str - a string key of the conf to value. */
static void __attribute__((unused))
fake_tlsrpt_set_str(char **field, const char *value)
{
	free(*field);
	*field = strdup(value);
	assert_non_null(*field);
}

/*
 * fake_tlsrpt_world_open - w zeroed, the fake clock at t0 with the TLSRPT
 * clock following it, the fakes empty, the default conf with store.path
 * in a new directory (prefix names it, "/tmp/mxtls-NAME") and the
 * submitter sub.test, the loop and DNS. No scheduler yet: the test sets
 * its conf, then fake_tlsrpt_world_sched.
 */
static void __attribute__((unused)) fake_tlsrpt_world_open(
        struct fake_tlsrpt_world *w, int64_t t0, const char *prefix)
{
	char why[256];

	memset(w, 0, sizeof(*w));
	clock_set_fake(t0);
	fake_time_follow_clock(1);
	fake_dns_reset();
	fake_send_reset();
	conf_defaults(&w->conf);
	snprintf(w->dir, sizeof(w->dir), "%s.XXXXXX", prefix);
	assert_non_null(mkdtemp(w->dir));
	snprintf(w->db, sizeof(w->db), "%s/store.db", w->dir);
	fake_tlsrpt_set_str(&w->conf.store_path, w->db);
	fake_tlsrpt_set_str(&w->conf.tlsrpt_submitter, "sub.test");
	w->base = event_base_new();
	assert_non_null(w->base);
	w->dns = dns_create(w->base, NULL, why, sizeof(why));
	assert_non_null(w->dns);
}

/* fake_tlsrpt_world_sched - the scheduler on w->conf; runs its first
 * tick. */
static void __attribute__((unused))
fake_tlsrpt_world_sched(struct fake_tlsrpt_world *w)
{
	char why[512];

	w->t = tlsrpt_sched_create(
	        w->base, &w->conf, w->dns, &w->stats, NULL, why, sizeof(why));
	if (w->t == NULL)
		fail_msg("tlsrpt_sched_create: %s", why);
	fake_loop_run(w->base);
}

static void __attribute__((unused))
fake_tlsrpt_world_rm(const struct fake_tlsrpt_world *w, const char *suffix)
{
	char path[200];

	snprintf(path, sizeof(path), "%s.tlsrpt%s", w->db, suffix);
	unlink(path);
	rmdir(path); /* a test may make it a directory */
}

/* fake_tlsrpt_world_close - everything freed (no delivery may be left in
 * flight), the real clock back, the TLSRPT store's files and the
 * directory removed. */
static void __attribute__((unused))
fake_tlsrpt_world_close(struct fake_tlsrpt_world *w)
{
	tlsrpt_sched_free(w->t);
	assert_int_equal(fake_send_live(), 0);
	dns_free(w->dns);
	event_base_free(w->base);
	conf_free(&w->conf);
	fake_time_follow_clock(0);
	clock_set_real();
	fake_send_reset();
	fake_tlsrpt_world_rm(w, "");
	fake_tlsrpt_world_rm(w, "-wal");
	fake_tlsrpt_world_rm(w, "-shm");
	rmdir(w->dir);
}

#endif
