/*
 * fake_world.h - the daemon's lookup services as mxtlsd.c wires them (the
 * MTA-STS resolver with its SQLite store, the DANE resolver, the TLSRPT
 * lookup, one memo, the answer cache and its change hooks, optionally TLS
 * reporting), all real, over the scripted DNS, HTTPS and report delivery
 * of fake_dns.c, fake_fetch.c and fake_send.c on the fake clock; for the
 * unit tests of cached/serve/ (test_query.c, test_server.c). Header-only
 * (static functions); one world per process at a time. Smaller worlds: the
 * MTA-STS resolver alone (fake_sts_world.h), TLS reporting alone
 * (fake_tlsrpt_world.h), the ground of a DNS lookup service
 * (fake_dns_world.h); the loop and timers: fake_loop.h.
 */
#ifndef MXTLS_TESTS_FAKE_WORLD_H
#define MXTLS_TESTS_FAKE_WORLD_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "dane/dane_resolver.h"
#include "fake_dane_dns.h"
#include "fake_dns.h"
#include "fake_fetch.h"
#include "fake_loop.h"
#include "fake_send.h"
#include "fake_time.h"
#include "serve/answer_cache.h"
#include "serve/query.h"
#include "store/store.h"
#include "sts/sts_resolver.h"
#include "tlsrpt/tlsrpt_lookup.h"
#include "tlsrpt/tlsrpt_sched.h"
#include "util/change.h"
#include "util/clock.h"
#include "util/conf.h"
#include "util/memo.h"
#include "util/stats.h"

struct fake_world {
	struct event_base    *base;
	struct conf           conf;
	struct dns           *dns;
	struct sts_fetcher   *fetcher;
	struct store         *store;
	struct stats          stats;
	struct memo          *memo;
	struct sts_resolver  *sts;
	struct dane_resolver *dane;
	struct tlsrpt_lookup *tlsrpt;
	struct answer_cache  *answers;
	struct tlsrpt_sched  *sched; /* fw_open_tlsrpt */
	struct query_services svc;
	char                  dir[64];
	char                  db[128];
};

/* fw_run - run the loop until no callback is ready; never waits. */
static void __attribute__((unused)) fw_run(struct fake_world *w)
{
	fake_loop_run(w->base);
}

/* fw_open - every service at fake time t0. */
static void __attribute__((unused)) fw_open(struct fake_world *w, int64_t t0)
{
	struct change_hook hook;
	char               why[256];

	memset(w, 0, sizeof(*w));
	clock_set_fake(t0);
	fake_time_follow_clock(1);
	fake_dns_reset();
	fake_fetch_reset();
	fake_send_reset();
	conf_defaults(&w->conf);
	w->conf.fetch_allow_private    = 1;
	w->conf.sts_first_contact_wait = 30;
	w->conf.cache_answer_ttl       = 300;
	w->conf.dane_max_ttl           = 3600;
	w->conf.dane_negative_ttl      = 300;
	w->conf.tlsrpt_max_ttl         = 3600;
	snprintf(w->dir, sizeof(w->dir), "/tmp/mxtls-world.XXXXXX");
	assert_non_null(mkdtemp(w->dir));
	snprintf(w->db, sizeof(w->db), "%s/store.db", w->dir);
	free(w->conf.store_path);
	w->conf.store_path = strdup(w->db);
	free(w->conf.tlsrpt_submitter);
	w->conf.tlsrpt_submitter = strdup("sub.test");
	free(w->conf.tlsrpt_from);
	w->conf.tlsrpt_from = strdup("tlsrpt-noreply@sub.test");
	w->base             = event_base_new();
	assert_non_null(w->base);
	w->dns = dns_create(w->base, NULL, why, sizeof(why));
	assert_non_null(w->dns);
	w->fetcher = sts_fetch_create(w->base, NULL, why, sizeof(why));
	assert_non_null(w->fetcher);
	w->store = store_open("sqlite", w->db, why, sizeof(why));
	if (w->store == NULL)
		fail_msg("store_open: %s", why);
	w->memo = memo_create(1000);
	w->sts  = sts_resolver_create(w->base, &w->conf, w->dns, w->fetcher,
	         w->store, &w->stats, w->memo);
	w->dane = dane_resolver_create(
	        w->base, &w->conf, w->dns, &w->stats, w->memo);
	w->tlsrpt = tlsrpt_lookup_create(
	        w->base, &w->conf, w->dns, &w->stats, w->memo);
	w->answers = answer_cache_create(1000, w->conf.cache_answer_ttl);
	hook.fn    = answer_cache_drop;
	hook.arg   = w->answers;
	sts_resolver_set_change(w->sts, &hook);
	dane_resolver_set_change(w->dane, &hook);
	tlsrpt_lookup_set_change(w->tlsrpt, &hook);
	w->svc.conf    = &w->conf;
	w->svc.sts     = w->sts;
	w->svc.dane    = w->dane;
	w->svc.tlsrpt  = w->tlsrpt;
	w->svc.answers = w->answers;
}

/* fw_open_tlsrpt - TLS reporting too (its store beside the policy
 * store); runs its first tick. */
static void __attribute__((unused)) fw_open_tlsrpt(struct fake_world *w)
{
	char why[512];

	w->sched = tlsrpt_sched_create(
	        w->base, &w->conf, w->dns, &w->stats, NULL, why, sizeof(why));
	if (w->sched == NULL)
		fail_msg("tlsrpt_sched_create: %s", why);
	fw_run(w);
}

static void __attribute__((unused))
fw_unlink(const char *db, const char *suffix)
{
	char path[200];

	snprintf(path, sizeof(path), "%s%s", db, suffix);
	unlink(path);
}

static void __attribute__((unused)) fw_close(struct fake_world *w)
{
	tlsrpt_sched_free(w->sched);
	tlsrpt_lookup_free(w->tlsrpt);
	dane_resolver_free(w->dane);
	sts_resolver_free(w->sts);
	memo_free(w->memo);
	answer_cache_free(w->answers);
	assert_int_equal(fake_dns_live(), 0);
	assert_int_equal(fake_fetch_live(), 0);
	assert_int_equal(fake_send_live(), 0);
	store_close(w->store);
	sts_fetch_free(w->fetcher);
	dns_free(w->dns);
	event_base_free(w->base);
	conf_free(&w->conf);
	fake_time_follow_clock(0);
	clock_set_real();
	fake_send_reset();
	fw_unlink(w->db, "");
	fw_unlink(w->db, "-wal");
	fw_unlink(w->db, "-shm");
	fw_unlink(w->db, ".tlsrpt");
	fw_unlink(w->db, ".tlsrpt-wal");
	fw_unlink(w->db, ".tlsrpt-shm");
	rmdir(w->dir);
}

/* fw_sts_site - domain publishes an MTA-STS policy (id, mode, mx1.<domain>
 * and *.<domain>, max_age 86400). */
static void __attribute__((unused))
fw_sts_site(const char *domain, const char *id, const char *mode)
{
	char name[300], txt[128], pol[512];

	snprintf(name, sizeof(name), "_mta-sts.%s", domain);
	snprintf(txt, sizeof(txt), "v=STSv1; id=%s;", id);
	fake_dns_set(name, DNS_T_TXT, DNS_FOUND, 300, txt);
	snprintf(name, sizeof(name), "mta-sts.%s", domain);
	fake_dns_set(name, DNS_T_A, DNS_FOUND, 300, "127.0.0.1");
	snprintf(pol, sizeof(pol),
	        "version: STSv1\r\nmode: %s\r\nmx: mx1.%s\r\nmx: *.%s\r\n"
	        "max_age: 86400\r\n",
	        mode, domain, domain);
	fake_fetch_set(domain, STS_FETCH_OK, 200, pol);
}

/* fw_tlsrpt_record - domain's _smtp._tls TXT record, reporting to rua. */
static void __attribute__((unused))
fw_tlsrpt_record(const char *domain, const char *rua)
{
	char name[300], txt[300];

	snprintf(name, sizeof(name), "_smtp._tls.%s", domain);
	snprintf(txt, sizeof(txt), "v=TLSRPTv1; rua=%s", rua);
	fake_dns_set(name, DNS_T_TXT, DNS_FOUND, 600, txt);
}

#endif
