/*
 * fake_dns_world.h - what a lookup service of mxtlsd stands on, over the
 * scripted DNS of fake_dns.c on the fake clock: the loop, the DNS, the
 * conf, the stats and one memo; the test creates its service (DANE
 * resolver, TLSRPT lookup) on them. (fake_world.h is every lookup service
 * together.) Header-only (static functions); one world per process at a
 * time.
 */
#ifndef MXTLS_TESTS_FAKE_DNS_WORLD_H
#define MXTLS_TESTS_FAKE_DNS_WORLD_H

#include <stdint.h>
#include <string.h>

#include <event2/event.h>

#include "fake_dns.h"
#include "util/clock.h"
#include "util/conf.h"
#include "util/memo.h"
#include "util/stats.h"

struct fake_dns_world {
	struct event_base *base;
	struct conf        conf;
	struct dns        *dns;
	struct stats       stats;
	struct memo       *memo;
};

/* fake_dns_world_open - w zeroed, the fake clock at t0, the fake DNS
 * empty, the default conf, the loop, the DNS and a memo of 1000. */
static void __attribute__((unused))
fake_dns_world_open(struct fake_dns_world *w, int64_t t0)
{
	char why[256];

	memset(w, 0, sizeof(*w));
	clock_set_fake(t0);
	fake_dns_reset();
	conf_defaults(&w->conf);
	w->base = event_base_new();
	assert_non_null(w->base);
	w->dns = dns_create(w->base, NULL, why, sizeof(why));
	assert_non_null(w->dns);
	w->memo = memo_create(1000);
}

/* fake_dns_world_close - after the test freed its service (which must
 * have cancelled every lookup still in flight): all freed, the real clock
 * back. */
static void __attribute__((unused))
fake_dns_world_close(struct fake_dns_world *w)
{
	memo_free(w->memo);
	assert_int_equal(fake_dns_live(), 0);
	dns_free(w->dns);
	event_base_free(w->base);
	conf_free(&w->conf);
	clock_set_real();
}

#endif
