/*
 * sts_resolver.h - the MTA-STS decision for a domain: in-memory cache over
 * the persistent store, _mta-sts TXT discovery, policy-host resolution with
 * the SSRF rule, HTTPS fetch and policy validation (RFC 8461 §3, §5).
 *
 * One entry per domain holds what we know (a valid policy, or a remembered
 * "no policy" with its reason) and the work in flight. Concurrent lookups of
 * one domain wait on the same work (OpenSMTPD's waitq habit). A valid cached
 * policy is answered at once; the TXT id is rechecked and the policy
 * refreshed in the background, never on the request path. A lookup of an
 * unknown domain waits for the work up to sts.first_contact_wait and then
 * answers tempfail while the work goes on (docs/DECISIONS.md). Policies
 * nobody looks up are refreshed by the refresh timer (sts_refresh.h).
 *
 * Runs on the loop thread only.
 */
#ifndef MXTLS_CACHED_STS_RESOLVER_H
#define MXTLS_CACHED_STS_RESOLVER_H

#include <stdint.h>
#include <time.h>

#include "sts/sts_answer.h" /* the answer and its callback */
#include "sts/sts_policy.h"

struct event_base;
struct conf;
struct dns;
struct sts_fetcher;
struct store;
struct stats;
struct sts_resolver;

struct memo;

/* sts_resolver_create - a resolver using the given services (not owned),
 * its entries kept in memo's MEMO_STS slot (shared with the other
 * per-domain memos, memo.h; memo must outlive the resolver). */
struct sts_resolver *sts_resolver_create(struct event_base *base,
        const struct conf *conf, struct dns *dns, struct sts_fetcher *fetcher,
        struct store *store, struct stats *stats, struct memo *memo);

/* sts_resolver_free - drop every entry and pending lookup, without
 * callbacks. */
void sts_resolver_free(struct sts_resolver *r);

/*
 * sts_resolver_lookup - answer for domain (normalised). The callback runs
 * exactly once: synchronously, inside this call, when the answer is known
 * (cache hit), or later from the loop.
 */
void sts_resolver_lookup(struct sts_resolver *r, const char *domain,
        sts_resolver_cb cb, void *arg);

struct change_hook;

/* sts_resolver_set_change - call h (copied) whenever what the resolver
 * knows about a domain changed (cached/util/change.h). */
void sts_resolver_set_change(
        struct sts_resolver *r, const struct change_hook *h);

/* what the resolver holds for one domain (sts_dump.c) */
struct sts_resolver_state {
	int have_policy;        /* a policy: id, mode, max_age, fetched,
	                           expires are its */
	int have_none;          /* a remembered "no policy": none_why,
	                           expires (until when) */
	int         busy;       /* a lookup or fetch is in flight */
	int         from_store; /* loaded from the store after a restart */
	const char *id, *mode, *none_why;
	long long   max_age;
	time_t      fetched, expires, checked;
	time_t      next_check; /* when a lookup next starts work: the TXT
	                           recheck (sts.recheck_interval) or the
	                           refresh (sts.refresh_before); 0 unknown */
};

/* sts_resolver_domains - the domains the resolver holds, most recently
 * used first, NULL-ended (memo_keys: free each, then the array). */
char **sts_resolver_domains(struct sts_resolver *r);

/* sts_resolver_state - fill s for domain (pointers valid until the loop
 * runs again); 0, or -1 when the resolver holds nothing for it. */
int sts_resolver_state(struct sts_resolver *r, const char *domain,
        struct sts_resolver_state *s);

/* a policy in the store (sts_dump.c) */
struct sts_resolver_stored {
	const char *domain, *id, *mode; /* mode NULL when the body no longer
	                                   parses */
	long long max_age;
	time_t    fetched, expires;
};

/* sts_resolver_stored - call cb for every policy in the store (none
 * without a store); a non-zero return from cb stops the walk. 0, or -1
 * with why when the store cannot be read. */
int sts_resolver_stored(struct sts_resolver *r,
        int (*cb)(void *arg, const struct sts_resolver_stored *p), void *arg,
        char *why, size_t whylen);

/* sts_resolver_flush - forget domain (NULL: every domain) in memory and in
 * the store. Returns the number of entries dropped. */
unsigned long sts_resolver_flush(struct sts_resolver *r, const char *domain);

/* sts_resolver_flush_local - the same, on this host only (a flush the
 * fleet told us about). */
unsigned long sts_resolver_flush_local(
        struct sts_resolver *r, const char *domain);

struct sts_fleet;

/* sts_resolver_set_fleet - ask f (sts_fleet.h) before fetching, publish
 * what is fetched, carry flushes to the fleet; NULL: none. */
void sts_resolver_set_fleet(struct sts_resolver *r, struct sts_fleet *f);

/* sts_resolver_fleet_news - another host fetched domain's policy under id:
 * a policy held here under another id has its TXT record rechecked at once
 * (a new id is then taken from the fleet); a negative answer is dropped. */
void sts_resolver_fleet_news(
        struct sts_resolver *r, const char *domain, const char *id);

/* sts_resolver_entries / sts_resolver_evictions - cache gauges. */
unsigned long sts_resolver_entries(const struct sts_resolver *r);
unsigned long sts_resolver_evictions(const struct sts_resolver *r);

#endif
