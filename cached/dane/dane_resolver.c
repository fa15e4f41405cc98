/*
 * dane_resolver.c - per-domain DANE state machine (RFC 7672 §2.1, §2.2,
 * §2.2.1, §2.2.2) on the daemon's loop. The rules live in dane.c; this file
 * only runs the lookups, keeps the TTLs and the memo.
 *
 * An entry's work goes through these steps:
 *
 *   MX      look up the MX RRset of the domain (dane_mx_apply). Bogus or
 *           failed: the domain is deferred (DESIGN decision 1). Insecure,
 *           null MX, NXDOMAIN: done, no per-host lookups.
 *   ADDR    for every host of a secure MX RRset (or a securely denied one:
 *           implicit MX), all hosts in parallel: A and AAAA in parallel
 *           (dane_addr_apply).
 *   TLSA    when the addresses are secure: _<port>._tcp.<expanded name>,
 *           then, when securely absent there, _<port>._tcp.<host>
 *           (dane_tlsa_apply).
 *
 * and ends in one struct dane_result given to every waiter. Its TTL is the
 * least TTL of the RRsets used (negative answers count as at most
 * dane.negative_ttl), bounded by dane.max_ttl, and by dane.negative_ttl
 * when no host has a secure TLSA RRset. Results with a temporary failure
 * anywhere are never memoised. Waiters have no deadline of their own: every
 * DNS lookup has one (resolver.timeout).
 *
 * The resolver owns one reference to each memoised result; callbacks get a
 * result that stays valid during the call (take a reference to keep it).
 * Callbacks must not call dane_resolver_free.
 *
 * A cached domain costs a slot in its memo record (memo.h), a two-pointer
 * entry and its memo, whose MX host list is shared with every memoised
 * domain that has the same hosts and answers (dane_share.h)
 * (dane.h); the state of a lookup in flight (struct dane_work) exists only
 * while it runs.
 */
#include <sys/queue.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "dane/dane.h"
#include "dane/dane_resolver.h"
#include "dane/dane_share.h"
#include "dns/dns.h"
#include "log.h"
#include "util/change.h"
#include "util/clock.h"
#include "util/conf.h"
#include "util/memo.h"
#include "util/stats.h"
#include "util/time32.h"
#include "util/xalloc.h"

struct dane_waiter {
	TAILQ_ENTRY(dane_waiter) link;
	dane_resolver_cb    cb;
	void               *arg;
	struct dane_result *res; /* late deliveries only */
};

TAILQ_HEAD(dane_waiters, dane_waiter);

struct dane_work;

/* the work for one MX host */
struct dane_hwork {
	struct dane_work *wk;
	size_t            idx;
	struct dns_query *q_a;
	struct dns_query *q_aaaa;
	struct dns_query *q_tlsa;
	int               addr_pending;
	struct dns_result a;    /* summary: rr is always NULL */
	struct dns_result aaaa; /* summary: rr is always NULL */
};

/* a lookup in flight for one domain */
struct dane_work {
	struct dane_resolver *r;
	struct dane_entry    *e;
	int                   flushed; /* forget the outcome of this work */
	struct dane_result   *res;     /* being built; its domain is ours */
	struct dns_query     *q_mx;
	struct dane_hwork    *hw; /* nhw hosts being looked up */
	size_t                nhw;
	size_t                pending; /* hosts not yet decided */
	uint32_t              ttl;     /* least TTL of the RRsets used */
	struct dane_waiters   waiters;
};

/* what the cache keeps per domain, in its memo record (memo.h) */
struct dane_entry {
	struct dane_result *memo; /* one reference, or NULL; its expires
	                             says until when */
	struct dane_work *work;   /* NULL when idle */
};

struct dane_resolver {
	struct event_base  *base;
	const struct conf  *conf;
	struct dns         *dns;
	struct stats       *stats;
	struct memo        *memo;
	struct dane_share  *share;    /* the memos' MX host lists */
	int                 starting; /* inside dane_resolver_lookup */
	struct event       *late_ev;
	struct dane_waiters late; /* callbacks due on the next loop turn */
	struct change_hook  change;
};

static void dane_mx_done(void *arg, const struct dns_result *res);
static void dane_a_done(void *arg, const struct dns_result *res);
static void dane_aaaa_done(void *arg, const struct dns_result *res);
static void dane_tlsa_done(void *arg, const struct dns_result *res);

static int64_t
now_s(void)
{
	return (clock_now());
}

/* ---- late delivery --------------------------------------------------- */

/* late_run - deliver what was queued while inside dane_resolver_lookup. */
static void
late_run(evutil_socket_t fd, short what, void *arg)
{
	struct dane_resolver *r = arg;
	struct dane_waiters   ws;
	struct dane_waiter   *w;

	(void)fd;
	(void)what;
	TAILQ_INIT(&ws);
	TAILQ_CONCAT(&ws, &r->late, link);
	while ((w = TAILQ_FIRST(&ws)) != NULL) {
		TAILQ_REMOVE(&ws, w, link);
		w->cb(w->arg, w->res);
		dane_result_unref(w->res);
		free(w);
	}
}

/* deliver_later - w gets res (a new reference) on the next loop turn. */
static void
deliver_later(struct dane_resolver *r, struct dane_waiter *w,
        struct dane_result *res)
{
	w->res = dane_result_ref(res);
	TAILQ_INSERT_TAIL(&r->late, w, link);
	event_active(r->late_ev, EV_TIMEOUT, 1);
}

/* ---- entry life cycle ------------------------------------------------ */

static int
dane_entry_busy(void *value)
{
	struct dane_entry *e = value;

	return (e->work != NULL);
}

/* work_cancel - stop every lookup in flight; frees the host work. */
static void
work_cancel(struct dane_work *wk)
{
	size_t i;

	if (wk->q_mx != NULL) {
		dns_cancel(wk->q_mx);
		wk->q_mx = NULL;
	}
	for (i = 0; i < wk->nhw; i++) {
		if (wk->hw[i].q_a != NULL) {
			dns_cancel(wk->hw[i].q_a);
		}
		if (wk->hw[i].q_aaaa != NULL) {
			dns_cancel(wk->hw[i].q_aaaa);
		}
		if (wk->hw[i].q_tlsa != NULL) {
			dns_cancel(wk->hw[i].q_tlsa);
		}
		wk->hw[i].q_a = wk->hw[i].q_aaaa = wk->hw[i].q_tlsa = NULL;
	}
	free(wk->hw);
	wk->hw  = NULL;
	wk->nhw = 0;
}

static void
work_free(struct dane_work *wk)
{
	struct dane_waiter *w;

	if (wk == NULL) {
		return;
	}
	work_cancel(wk);
	while ((w = TAILQ_FIRST(&wk->waiters)) != NULL) {
		TAILQ_REMOVE(&wk->waiters, w, link);
		free(w);
	}
	dane_result_unref(wk->res);
	free(wk);
}

/* dane_entry_free - release what e holds (its storage is its record's). */
static void
dane_entry_free(void *arg, void *value)
{
	struct dane_entry *e = value;

	(void)arg;
	work_free(e->work);
	dane_result_unref(e->memo);
	e->work = NULL;
	e->memo = NULL;
}

/* ---- the work -------------------------------------------------------- */

/* ttl_use - an RRset was used: lower the work's TTL. */
static void
ttl_use(struct dane_work *wk, const struct dns_result *res)
{
	uint32_t t, neg = (uint32_t)wk->r->conf->dane_negative_ttl;

	if (res->status == DNS_FOUND) {
		t = res->ttl;
	} else if (res->status == DNS_NOTFOUND) {
		/* 0: negative TTL unknown (no SOA) */
		t = res->ttl > 0 && res->ttl < neg ? res->ttl : neg;
	} else {
		return;
	}
	if (t < wk->ttl) {
		wk->ttl = t;
	}
}

static void
count_failure(struct dane_resolver *r, const struct dns_result *res)
{
	if (res->status == DNS_BOGUS) {
		r->stats->dns_bogus++;
	} else if (res->status == DNS_TEMPFAIL) {
		r->stats->dns_tempfail++;
	}
}

/*
 * dane_finish - the work is over: memoise and give the result to all. The
 * entry is idle again before the callbacks run (they may flush it).
 */
static void
dane_finish(struct dane_work *wk)
{
	struct dane_resolver *r   = wk->r;
	struct dane_entry    *e   = wk->e;
	struct dane_result   *res = wk->res;
	struct dane_waiters   ws;
	struct dane_waiter   *w;
	char                  why[DANE_RESULT_WHY_MAX];
	char                  hwhy[DANE_HOST_WHY_MAX];
	size_t                i;
	int                   keep;

	wk->res = NULL;
	work_cancel(wk); /* nothing left in flight: frees wk->hw */
	keep = dane_result_conclude(res, wk->ttl,
	        (uint32_t)r->conf->dane_max_ttl,
	        (uint32_t)r->conf->dane_negative_ttl);
	for (i = 0; i < res->nhost; i++) {
		const struct dane_host *h = &res->hosts[i];

		if (h->status == DANE_HOST_TEMPFAIL) {
			log_info("MXTLS-DANE-HOST-TEMPFAIL", "%s: MX %s: %s",
			        res->domain, h->name,
			        dane_host_why(h, hwhy, sizeof(hwhy)));
		} else {
			log_debug("MXTLS-DANE-HOST", "%s: MX %u %s: %s: %s",
			        res->domain, (unsigned)h->pref, h->name,
			        dane_host_status_name(h->status),
			        dane_host_why(h, hwhy, sizeof(hwhy)));
		}
	}
	dane_result_why(res, why, sizeof(why));
	if (res->mx_status == DANE_MX_TEMPFAIL) {
		log_info("MXTLS-DANE-TEMPFAIL", "%s: %s", res->domain, why);
	} else {
		log_debug("MXTLS-DANE-RESULT", "%s: MX %s, ttl %u%s: %s",
		        res->domain, dane_mx_status_name(res->mx_status),
		        (unsigned)res->ttl, keep ? "" : " (not memoised)",
		        why);
	}
	if (keep && !wk->flushed && res->ttl > 0) {
		dane_share_result(r->share, res); /* before anybody sees it */
		dane_result_unref(e->memo);
		res->expires = time32_pack(now_s() + (int64_t)res->ttl);
		e->memo      = dane_result_ref(res);
	}
	e->work = NULL;
	change_notify(&r->change, res->domain);
	TAILQ_INIT(&ws);
	TAILQ_CONCAT(&ws, &wk->waiters, link);
	work_free(wk);
	/* e may be freed by a callback (flush): not used below */
	while ((w = TAILQ_FIRST(&ws)) != NULL) {
		TAILQ_REMOVE(&ws, w, link);
		if (r->starting) {
			deliver_later(r, w, res);
			continue;
		}
		w->cb(w->arg, res);
		free(w);
	}
	dane_result_unref(res);
}

/* host_done - one host is decided; returns 1 when the work ended. */
static int
host_done(struct dane_hwork *hw)
{
	struct dane_work *wk = hw->wk;

	if (--wk->pending > 0) {
		return (0);
	}
	dane_finish(wk);
	return (1);
}

static int
host_fail_start(struct dane_hwork *hw, const char *what)
{
	struct dane_host *h = &hw->wk->res->hosts[hw->idx];

	h->status = DANE_HOST_TEMPFAIL;
	dane_host_set_why(h, "cannot start the %s lookup", what);
	return (host_done(hw));
}

/*
 * host_tlsa - look up the TLSA RRset at h's tlsa name. A name too long for
 * the DNS cannot own records: taken as securely absent at once.
 */
static int
host_tlsa(struct dane_hwork *hw)
{
	struct dane_work     *wk = hw->wk;
	struct dane_resolver *r  = wk->r;
	struct dane_host     *h  = &wk->res->hosts[hw->idx];
	struct dns_result     none;
	char                  tn[DANE_TLSA_NAME_MAX];

	while (strlen(dane_host_tlsa_name(h, tn, sizeof(tn))) > DOMAIN_MAX) {
		memset(&none, 0, sizeof(none));
		none.status = DNS_NOTFOUND;
		none.secure = 1;
		snprintf(none.why, sizeof(none.why), "name too long for DNS");
		if (dane_tlsa_apply(h, &none, r->conf->dane_port) == 0) {
			return (host_done(hw));
		}
	}
	hw->q_tlsa = dns_lookup(r->dns, tn, DNS_T_TLSA, dane_tlsa_done, hw);
	if (hw->q_tlsa == NULL) {
		return (host_fail_start(hw, "TLSA"));
	}
	return (0);
}

static void
dane_tlsa_done(void *arg, const struct dns_result *res)
{
	struct dane_hwork    *hw = arg;
	struct dane_work     *wk = hw->wk;
	struct dane_resolver *r  = wk->r;
	struct dane_host     *h  = &wk->res->hosts[hw->idx];
	char                  why[DANE_HOST_WHY_MAX], tn[DANE_TLSA_NAME_MAX];

	hw->q_tlsa = NULL;
	count_failure(r, res);
	ttl_use(wk, res);
	if (dane_tlsa_apply(h, res, r->conf->dane_port) == 1) {
		log_debug("MXTLS-DANE-TLSA-RETRY", "%s: MX %s: %s, trying %s",
		        wk->res->domain, h->name,
		        dane_host_why(h, why, sizeof(why)),
		        dane_host_tlsa_name(h, tn, sizeof(tn)));
		(void)host_tlsa(hw);
		return;
	}
	(void)host_done(hw);
}

/* addr_done - one of the A and AAAA answers of a host is in. */
static void
addr_done(struct dane_hwork *hw, struct dns_result *keep,
        const struct dns_result *res)
{
	struct dane_work     *wk = hw->wk;
	struct dane_resolver *r  = wk->r;
	struct dane_host     *h  = &wk->res->hosts[hw->idx];

	count_failure(r, res);
	ttl_use(wk, res);
	*keep    = *res;
	keep->rr = NULL; /* records not kept: nrr is the count */
	if (--hw->addr_pending > 0) {
		return;
	}
	if (dane_addr_apply(h, &hw->a, &hw->aaaa, r->conf->dane_port) == 0) {
		(void)host_done(hw);
		return;
	}
	(void)host_tlsa(hw);
}

static void
dane_a_done(void *arg, const struct dns_result *res)
{
	struct dane_hwork *hw = arg;

	hw->q_a = NULL;
	addr_done(hw, &hw->a, res);
}

static void
dane_aaaa_done(void *arg, const struct dns_result *res)
{
	struct dane_hwork *hw = arg;

	hw->q_aaaa = NULL;
	addr_done(hw, &hw->aaaa, res);
}

static void
dane_mx_done(void *arg, const struct dns_result *res)
{
	struct dane_work     *wk = arg;
	struct dane_resolver *r  = wk->r;
	struct dane_result   *dr = wk->res;
	struct dane_hwork    *hw;
	char                  why[DANE_RESULT_WHY_MAX];
	size_t                i, n;

	wk->q_mx = NULL;
	count_failure(r, res);
	ttl_use(wk, res);
	n = dane_mx_apply(dr, res);
	dane_result_why(dr, why, sizeof(why));
	log_debug("MXTLS-DANE-MX", "%s: %s: %s", dr->domain,
	        dane_mx_status_name(dr->mx_status), why);
	if (res->status == DNS_BOGUS) {
		log_warn("MXTLS-DANE-MX-BOGUS", "%s: %s", dr->domain, why);
	}
	if (n == 0) {
		dane_finish(wk);
		return;
	}
	wk->pending = n;
	wk->nhw     = n;
	wk->hw      = xcalloc(n, sizeof(*wk->hw));
	for (i = 0; i < n; i++) {
		hw               = &wk->hw[i];
		hw->wk           = wk;
		hw->idx          = i;
		hw->addr_pending = 2;
		hw->q_a          = dns_lookup(
		                 r->dns, dr->hosts[i].name, DNS_T_A, dane_a_done, hw);
		hw->q_aaaa = dns_lookup(r->dns, dr->hosts[i].name, DNS_T_AAAA,
		        dane_aaaa_done, hw);
		if (hw->q_a == NULL || hw->q_aaaa == NULL) {
			if (hw->q_a != NULL) {
				dns_cancel(hw->q_a);
			}
			if (hw->q_aaaa != NULL) {
				dns_cancel(hw->q_aaaa);
			}
			hw->q_a = hw->q_aaaa = NULL;
			if (host_fail_start(hw, "address")) {
				return;
			}
		}
	}
}

/* dane_start - start the work of e, which has none, for domain; w is its
 * first waiter. */
static void
dane_start(struct dane_resolver *r, struct dane_entry *e, const char *domain,
        struct dane_waiter *w)
{
	struct dane_work *wk = xcalloc(1, sizeof(*wk));

	r->stats->dane_lookups++;
	log_debug("MXTLS-DANE-LOOKUP", "%s: looking up the MX RRset", domain);
	wk->r   = r;
	wk->e   = e;
	wk->ttl = UINT32_MAX;
	wk->res = dane_result_new(domain);
	TAILQ_INIT(&wk->waiters);
	TAILQ_INSERT_TAIL(&wk->waiters, w, link);
	e->work  = wk;
	wk->q_mx = dns_lookup(r->dns, domain, DNS_T_MX, dane_mx_done, wk);
	if (wk->q_mx == NULL) {
		wk->res->mx_status = DANE_MX_TEMPFAIL;
		dane_result_set_why(wk->res, "cannot start the MX lookup");
		dane_finish(wk);
	}
}

/* ---- lookups --------------------------------------------------------- */

void
dane_resolver_lookup(struct dane_resolver *r, const char *domain,
        dane_resolver_cb cb, void *arg)
{
	struct dane_entry  *e;
	struct dane_waiter *w;
	struct dane_result *res;
	int                 was;

	w      = xcalloc(1, sizeof(*w));
	w->cb  = cb;
	w->arg = arg;
	if ((e = memo_get(r->memo, MEMO_DANE, domain)) == NULL) {
		if ((e = memo_put(r->memo, MEMO_DANE, domain)) == NULL) {
			log_warn("MXTLS-DANE-CACHE-FULL",
			        "%s: every cache entry has work in flight",
			        domain);
			res            = dane_result_new(domain);
			res->mx_status = DANE_MX_TEMPFAIL;
			dane_result_set_why(
			        res, "cache full of lookups in progress");
			deliver_later(r, w, res);
			dane_result_unref(res);
			return;
		}
	}
	if (e->memo != NULL && now_s() < time32_unpack(e->memo->expires)) {
		r->stats->dane_hits++;
		free(w);
		res = dane_result_ref(e->memo); /* cb may flush e */
		cb(arg, res);
		dane_result_unref(res);
		return;
	}
	dane_result_unref(e->memo);
	e->memo = NULL;
	if (e->work != NULL) {
		TAILQ_INSERT_TAIL(&e->work->waiters, w, link);
		return;
	}
	was         = r->starting;
	r->starting = 1;
	dane_start(r, e, domain, w);
	r->starting = was;
}

static void
dane_flush_one(struct dane_resolver *r, const char *domain)
{
	struct dane_entry *e;

	if ((e = memo_get(r->memo, MEMO_DANE, domain)) == NULL) {
		return;
	}
	if (dane_entry_busy(e)) {
		/* keep the work and its waiters; do not memoise its end */
		dane_result_unref(e->memo);
		e->memo          = NULL;
		e->work->flushed = 1;
	} else {
		(void)memo_del(r->memo, MEMO_DANE, domain);
	}
}

void
dane_resolver_flush(struct dane_resolver *r, const char *domain)
{
	char **keys, **p;

	change_notify(&r->change, domain);
	if (domain != NULL) {
		dane_flush_one(r, domain);
		return;
	}
	keys = memo_keys(r->memo, MEMO_DANE);
	for (p = keys; *p != NULL; p++) {
		dane_flush_one(r, *p);
		free(*p);
	}
	free(keys);
}

char **
dane_resolver_domains(struct dane_resolver *r)
{
	return (memo_keys(r->memo, MEMO_DANE));
}

int
dane_resolver_state(struct dane_resolver *r, const char *domain,
        struct dane_resolver_state *s)
{
	struct dane_entry *e = memo_peek(r->memo, MEMO_DANE, domain);
	int                i;

	memset(s, 0, sizeof(*s));
	if (e == NULL) {
		return (-1);
	}
	s->busy = e->work != NULL;
	if (e->memo != NULL) {
		s->known     = 1;
		s->mx_status = dane_mx_status_name(
		        (enum dane_mx_status)e->memo->mx_status);
		s->hosts   = e->memo->nhost;
		s->expires = (long long)time32_unpack(e->memo->expires);
		for (i = 0; i < e->memo->nhost; i++) {
			if (e->memo->hosts[i].status == DANE_HOST_USABLE) {
				s->usable++;
			}
		}
	}
	return (0);
}

void
dane_resolver_set_change(struct dane_resolver *r, const struct change_hook *h)
{
	r->change = *h;
}

struct dane_resolver *
dane_resolver_create(struct event_base *base, const struct conf *conf,
        struct dns *dns, struct stats *stats, struct memo *memo)
{
	struct dane_resolver *r = xcalloc(1, sizeof(*r));

	r->base  = base;
	r->conf  = conf;
	r->dns   = dns;
	r->stats = stats;
	TAILQ_INIT(&r->late);
	r->memo  = memo;
	r->share = dane_share_create();
	memo_attach(r->memo, MEMO_DANE, sizeof(struct dane_entry),
	        dane_entry_free, dane_entry_busy, r);
	r->late_ev = event_new(base, -1, 0, late_run, r);
	if (r->late_ev == NULL) {
		xdie();
	}
	return (r);
}

void
dane_resolver_free(struct dane_resolver *r)
{
	struct dane_waiter *w;

	if (r == NULL) {
		return;
	}
	memo_detach(r->memo, MEMO_DANE);
	dane_share_free(r->share);
	while ((w = TAILQ_FIRST(&r->late)) != NULL) {
		TAILQ_REMOVE(&r->late, w, link);
		dane_result_unref(w->res);
		free(w);
	}
	event_free(r->late_ev);
	free(r);
}
