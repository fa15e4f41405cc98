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
 * answers tempfail while the work goes on (docs/DECISIONS.md).
 *
 * Runs on the loop thread only.
 */
#ifndef MXTLS_CACHED_STS_RESOLVER_H
#define MXTLS_CACHED_STS_RESOLVER_H

#include <stdint.h>

#include "sts/sts_policy.h"

struct event_base;
struct conf;
struct dns;
struct sts_fetcher;
struct store;
struct stats;
struct sts_resolver;

enum sts_answer_status {
	STS_ANSWER_OK = 0,   /* has_policy says whether there is a policy */
	STS_ANSWER_TEMPFAIL, /* could not find out now; try again later */
};

enum sts_source {
	STS_SOURCE_FETCHED = 0, /* fetched for this lookup */
	STS_SOURCE_CACHE,       /* from memory */
	STS_SOURCE_STORE,       /* loaded from the store after a restart */
	STS_SOURCE_PRELOAD,     /* no live policy: the preload list's entry */
};

struct sts_answer {
	enum sts_answer_status   status;
	int                      has_policy;
	const struct sts_policy *policy; /* has_policy only; valid during the
	                                    callback (may point to pol) */
	const char     *id;              /* the policy's TXT id */
	enum sts_source source;
	int64_t         fetched; /* has_policy only */
	int64_t         expires; /* policy expiry, or until when a
	                            "no policy" answer is cached */
	int64_t valid_until;     /* until when this same answer would be
	                            given without new work (0: work is in
	                            flight or just ended; answer_cache.h) */
	char              why[512];
	struct sts_policy pol; /* where policy may point; not owned */
};

/* sts_resolver_cb - receives the answer, on the loop thread. */
typedef void (*sts_resolver_cb)(void *arg, const struct sts_answer *ans);

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

/* sts_resolver_flush - forget domain (NULL: every domain) in memory and in
 * the store. Returns the number of entries dropped. */
unsigned long sts_resolver_flush(struct sts_resolver *r, const char *domain);

/* sts_resolver_entries / sts_resolver_evictions - cache gauges. */
unsigned long sts_resolver_entries(const struct sts_resolver *r);
unsigned long sts_resolver_evictions(const struct sts_resolver *r);

/* sts_source_name - "fetched", "cache", "store", "preload". */
const char *sts_source_name(enum sts_source source);

#endif
