/*
 * dane_resolver.h - asynchronous DANE lookups for a destination domain on
 * the daemon's loop (RFC 7672 §2): MX RRset, then per MX host (at most
 * DANE_MAX_HOSTS, in preference order, all hosts in parallel) A and AAAA,
 * then, only when the address records are secure, the TLSA RRset at
 * _<dane.port>._tcp.<host> - first at the CNAME-expanded name and, when that
 * is securely absent, at the original name (§2.2.2).
 *
 * Results are memoised per domain for their TTL (the minimum of the TTLs of
 * every RRset used, bounded by dane.max_ttl; negative answers by
 * dane.negative_ttl); a result with DANE_MX_TEMPFAIL or any DANE_HOST_TEMPFAIL
 * host is not memoised. Concurrent lookups of one domain share the work.
 * Runs on the loop thread only.
 */
#ifndef MXTLS_CACHED_DANE_RESOLVER_H
#define MXTLS_CACHED_DANE_RESOLVER_H

#include "dane/dane.h"

struct event_base;
struct conf;
struct dns;
struct stats;
struct dane_resolver;

/* dane_resolver_cb - the result; take a reference to keep it. */
typedef void (*dane_resolver_cb)(void *arg, struct dane_result *res);

struct memo;

/* dane_resolver_create - a resolver using dns (not owned), its entries kept
 * in memo's MEMO_DANE slot (shared with the other per-domain memos,
 * memo.h; memo must outlive the resolver). */
struct dane_resolver *dane_resolver_create(struct event_base *base,
        const struct conf *conf, struct dns *dns, struct stats *stats,
        struct memo *memo);

/* dane_resolver_free - drop memo and pending work, without callbacks. */
void dane_resolver_free(struct dane_resolver *r);

/* dane_resolver_lookup - the callback runs exactly once, synchronously on a
 * memo hit, else later from the loop. */
void dane_resolver_lookup(struct dane_resolver *r, const char *domain,
        dane_resolver_cb cb, void *arg);

struct change_hook;

/* dane_resolver_set_change - call h (copied) whenever a domain's memo
 * changed (cached/util/change.h). */
void dane_resolver_set_change(
        struct dane_resolver *r, const struct change_hook *h);

/* what the memo holds for one domain ("mxtlsctl dump") */
struct dane_resolver_state {
	int         known;     /* a memoised result */
	int         busy;      /* a lookup in flight */
	const char *mx_status; /* dane_mx_status_name */
	int         hosts;     /* MX hosts */
	int         usable;    /* hosts with usable TLSA records (RFC 7672
	                          §2.2): DANE applies to them */
	long long expires;     /* until when the memo is used */
};

/* dane_resolver_domains - the domains the memo holds for DANE, NULL-ended
 * (memo_keys: free each, then the array). */
char **dane_resolver_domains(struct dane_resolver *r);

/* dane_resolver_state - fill s for domain (pointers valid until the loop
 * runs again), without touching the memo's LRU order; 0, or -1 when there
 * is nothing for domain. */
int dane_resolver_state(struct dane_resolver *r, const char *domain,
        struct dane_resolver_state *s);

/* dane_resolver_flush - forget domain (NULL: all). */
void dane_resolver_flush(struct dane_resolver *r, const char *domain);

#endif
