/*
 * tlsrpt_lookup.c - _smtp._tls TXT lookups with a per-domain memo
 * (RFC 8460 §3). Concurrent lookups of one domain share one DNS query.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xalloc.h"
#include "cache.h"
#include "clock.h"
#include "change.h"
#include "conf.h"
#include "dns.h"
#include "log.h"
#include "stats.h"
#include "tlsrpt_lookup.h"

struct tlsrpt_waiter {
	TAILQ_ENTRY(tlsrpt_waiter) link;
	tlsrpt_lookup_cb cb;
	void            *arg;
};

TAILQ_HEAD(tlsrpt_waiters, tlsrpt_waiter);

struct tlsrpt_entry {
	struct tlsrpt_lookup     *t;
	char                      domain[DOMAIN_MAX + 1];
	int                       known; /* answer below is valid */
	enum tlsrpt_lookup_status status;
	struct tlsrpt_record      rec;
	char                      why[256];
	int64_t                   expires;
	struct dns_query         *q;
	struct tlsrpt_waiters     waiters;
};

struct tlsrpt_lookup {
	struct event_base *base;
	const struct conf *conf;
	struct dns        *dns;
	struct stats      *stats;
	struct cache      *cache;
	struct change_hook change;
};

const char *
tlsrpt_lookup_status_name(enum tlsrpt_lookup_status s)
{
	switch (s) {
	case TLSRPT_LOOKUP_FOUND:
		return ("found");
	case TLSRPT_LOOKUP_NONE:
		return ("none");
	case TLSRPT_LOOKUP_TEMPFAIL:
		return ("tempfail");
	}
	return ("?");
}

static int
entry_busy(void *v)
{
	struct tlsrpt_entry *e = v;

	return (e->q != NULL || !TAILQ_EMPTY(&e->waiters));
}

static void
entry_free(void *v)
{
	struct tlsrpt_entry  *e = v;
	struct tlsrpt_waiter *w;

	if (e->q != NULL)
		dns_cancel(e->q);
	while ((w = TAILQ_FIRST(&e->waiters)) != NULL) {
		TAILQ_REMOVE(&e->waiters, w, link);
		free(w);
	}
	tlsrpt_record_clear(&e->rec);
	free(e);
}

static void
entry_reset(void *v)
{
	((struct tlsrpt_entry *)v)->known = 0;
}

static void
answer_of(const struct tlsrpt_entry *e, struct tlsrpt_answer *a)
{
	memset(a, 0, sizeof(*a));
	a->status  = e->status;
	a->rec     = e->status == TLSRPT_LOOKUP_FOUND ? &e->rec : NULL;
	a->expires = e->known ? e->expires : 0;
	snprintf(a->why, sizeof(a->why), "%s", e->why);
}

static void
tlsrpt_done(void *arg, const struct dns_result *res)
{
	struct tlsrpt_entry  *e = arg;
	struct tlsrpt_lookup *t = e->t;
	struct tlsrpt_waiters ws;
	struct tlsrpt_waiter *w;
	struct tlsrpt_answer  a;
	const char          **txts;
	size_t               *lens, i;
	char                  rwhy[200];
	uint32_t              ttl = (uint32_t)t->conf->tlsrpt_max_ttl;

	e->q = NULL;
	tlsrpt_record_clear(&e->rec);
	switch (res->status) {
	case DNS_BOGUS:
	case DNS_TEMPFAIL:
		e->status = TLSRPT_LOOKUP_TEMPFAIL;
		snprintf(e->why, sizeof(e->why), "_smtp._tls.%s TXT: %s%s",
		        e->domain,
		        res->status == DNS_BOGUS ? "DNSSEC validation failed: "
		                                 : "",
		        res->why);
		break;
	case DNS_NOTFOUND:
		e->status = TLSRPT_LOOKUP_NONE;
		snprintf(e->why, sizeof(e->why),
		        "no _smtp._tls TXT record (%s)", res->why);
		break;
	case DNS_FOUND:
		txts = xcalloc(res->nrr, sizeof(*txts));
		lens = xcalloc(res->nrr, sizeof(*lens));
		for (i = 0; i < res->nrr; i++) {
			txts[i] = res->rr[i].u.txt.text;
			lens[i] = res->rr[i].u.txt.len;
		}
		switch (tlsrpt_record_select(
		        txts, lens, res->nrr, &e->rec, rwhy, sizeof(rwhy))) {
		case TLSRPT_RECORD_OK:
			e->status = TLSRPT_LOOKUP_FOUND;
			snprintf(e->why, sizeof(e->why),
			        "_smtp._tls record with %zu usable rua URIs",
			        e->rec.nrua);
			break;
		case TLSRPT_RECORD_NOT_TLSRPT:
			e->status = TLSRPT_LOOKUP_NONE;
			snprintf(e->why, sizeof(e->why),
			        "no v=TLSRPTv1 record at _smtp._tls: %s",
			        rwhy);
			break;
		case TLSRPT_RECORD_INVALID:
			e->status = TLSRPT_LOOKUP_NONE;
			snprintf(e->why, sizeof(e->why),
			        "invalid _smtp._tls record (RFC 8460 §3): %s",
			        rwhy);
			break;
		}
		free(txts);
		free(lens);
		break;
	}
	if (res->ttl > 0 && res->ttl < ttl)
		ttl = res->ttl;
	e->known   = e->status != TLSRPT_LOOKUP_TEMPFAIL;
	e->expires = clock_now() + ttl;
	answer_of(e, &a);
	change_notify(&t->change, e->domain);
	TAILQ_INIT(&ws);
	TAILQ_CONCAT(&ws, &e->waiters, link);
	while ((w = TAILQ_FIRST(&ws)) != NULL) {
		TAILQ_REMOVE(&ws, w, link);
		w->cb(w->arg, &a);
		free(w);
	}
}

void
tlsrpt_lookup_start(struct tlsrpt_lookup *t, const char *domain,
        tlsrpt_lookup_cb cb, void *arg)
{
	struct tlsrpt_entry  *e;
	struct tlsrpt_waiter *w;
	struct tlsrpt_answer  a;
	char                  name[DOMAIN_MAX + 16];

	if ((e = cache_get(t->cache, domain)) == NULL) {
		e    = xcalloc(1, sizeof(*e));
		e->t = t;
		snprintf(e->domain, sizeof(e->domain), "%s", domain);
		TAILQ_INIT(&e->waiters);
		if (cache_put(t->cache, domain, e) != 0) {
			entry_free(e);
			memset(&a, 0, sizeof(a));
			a.status = TLSRPT_LOOKUP_TEMPFAIL;
			snprintf(a.why, sizeof(a.why), "cache full");
			cb(arg, &a);
			return;
		}
	}
	if (e->known && clock_now() < e->expires) {
		t->stats->tlsrpt_hits++;
		answer_of(e, &a);
		cb(arg, &a);
		return;
	}
	w      = xcalloc(1, sizeof(*w));
	w->cb  = cb;
	w->arg = arg;
	TAILQ_INSERT_TAIL(&e->waiters, w, link);
	if (e->q != NULL)
		return;
	t->stats->tlsrpt_lookups++;
	snprintf(name, sizeof(name), "_smtp._tls.%s", domain);
	e->q = dns_lookup(t->dns, name, DNS_T_TXT, tlsrpt_done, e);
	if (e->q == NULL) {
		struct dns_result r;
		memset(&r, 0, sizeof(r));
		r.status = DNS_TEMPFAIL;
		snprintf(r.why, sizeof(r.why), "cannot start DNS lookup");
		tlsrpt_done(e, &r);
	}
}

void
tlsrpt_lookup_flush(struct tlsrpt_lookup *t, const char *domain)
{
	struct tlsrpt_entry *e;

	change_notify(&t->change, domain);
	if (domain == NULL) {
		cache_flush(t->cache, entry_reset);
		return;
	}
	if ((e = cache_get(t->cache, domain)) == NULL)
		return;
	if (entry_busy(e))
		entry_reset(e);
	else
		entry_free(cache_take(t->cache, domain));
}

void
tlsrpt_lookup_set_change(struct tlsrpt_lookup *t, const struct change_hook *h)
{
	t->change = *h;
}

struct tlsrpt_lookup *
tlsrpt_lookup_create(struct event_base *base, const struct conf *conf,
        struct dns *dns, struct stats *stats)
{
	struct tlsrpt_lookup *t = xcalloc(1, sizeof(*t));

	t->base  = base;
	t->conf  = conf;
	t->dns   = dns;
	t->stats = stats;
	t->cache = cache_create(
	        (size_t)conf->cache_max_entries, entry_free, entry_busy);
	return (t);
}

void
tlsrpt_lookup_free(struct tlsrpt_lookup *t)
{
	if (t == NULL)
		return;
	cache_free(t->cache);
	free(t);
}
