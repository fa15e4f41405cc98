/*
 * sts_resolver.c - per-domain MTA-STS state machine (RFC 8461 §3.1-§3.3,
 * §5.1) on the daemon's loop.
 *
 * An entry's work, when started, goes through these steps:
 *
 *   TXT     look up _mta-sts.<domain> TXT (CNAMEs followed by the resolver)
 *   ADDR    look up A and AAAA of mta-sts.<domain>, drop special addresses
 *           unless fetch.allow_private (the SSRF rule, DESIGN decision 7)
 *   FETCH   HTTPS GET of the policy from those addresses only
 *
 * and ends in one outcome that is given to every waiter:
 *
 *   policy    a valid policy (new, or the cached one confirmed or kept)
 *   none      no policy: no TXT, invalid TXT, or TXT but the policy could not
 *             be fetched or was invalid (RFC 8461 §3.3: deliver as without
 *             MTA-STS). Remembered for cache.negative_ttl (bounded by the DNS
 *             negative TTL) or cache.failure_ttl.
 *   tempfail  could not find out: DNS temporary failure or DNSSEC bogus.
 *             Never remembered, never turned into "none".
 *
 * A valid cached policy always wins over a failed refresh (RFC 8461 §5.1;
 * DESIGN decision 3).
 *
 * This file runs the steps and answers lookups; what an entry knows, how
 * it is answered and how its work concludes is sts_entry.c's. The refresh
 * timer (sts_refresh.c; RFC 8461 §3.3) starts the same work on entries
 * nobody looks up (sts_resolver_start, sts_resolver_entry) and is told
 * when it ends (refresh_done); a lookup records the domain's last use in
 * the store, at most once an hour (sts_used). Flushes and the fleet's
 * news are sts_resolver_fleet.c's.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "dns/dns.h"
#include "log.h"
#include "logrl.h"
#include "store/store.h"
#include "sts/sts_entry.h"
#include "sts/sts_fetch.h"
#include "sts/sts_fleet.h"
#include "sts/sts_plan.h"
#include "sts/sts_policy.h"
#include "sts/sts_record.h"
#include "sts/sts_resolver.h"
#include "util/change.h"
#include "util/clock.h"
#include "util/conf.h"
#include "util/intern.h"
#include "util/memo.h"
#include "util/metrics.h"
#include "util/netaddr.h"
#include "util/stats.h"
#include "util/time32.h"
#include "util/xalloc.h"

static void sts_txt_done(void *arg, const struct dns_result *res);
static void sts_addr_done_a(void *arg, const struct dns_result *res);
static void sts_addr_done_aaaa(void *arg, const struct dns_result *res);
static void sts_fetch_done(void *arg, const struct sts_fetch_result *res);
static void sts_addr_start(struct sts_entry *e);
static void sts_fleet_answer(
        void *arg, const struct store_policy *p, int locked);

/* ---- the work -------------------------------------------------------- */

static void
sts_start(struct sts_entry *e)
{
	struct sts_resolver *r = e->r;
	char                 name[DOMAIN_MAX + 16];

	snprintf(name, sizeof(name), "_mta-sts.%s", sts_entry_domain(e));
	sts_entry_work(e);
	e->step = STS_STEP_TXT;
	r->busy++;
	r->stats->txt_lookups++;
	e->w->q_txt = dns_lookup(r->dns, name, DNS_T_TXT, sts_txt_done, e);
	if (e->w->q_txt == NULL) {
		sts_entry_conclude_fail(e, 1, "cannot start DNS lookup", 0);
	}
}

static void
sts_txt_done(void *arg, const struct dns_result *res)
{
	struct sts_entry      *e = arg;
	struct sts_resolver   *r = e->r;
	const char           **txts;
	size_t                *lens, i;
	struct sts_record      rec;
	enum sts_record_status st;
	char                   why[384], rwhy[256];
	int64_t                now = clock_now();
	int                    ttl;

	e->w->q_txt = NULL;
	e->checked  = time32_pack(now);
	switch (res->status) {
	case DNS_BOGUS:
		r->stats->dns_bogus++;
		snprintf(why, sizeof(why),
		        "DNSSEC validation failed for _mta-sts.%s TXT: %s",
		        sts_entry_domain(e), res->why);
		sts_entry_conclude_fail(e, 1, why, 0);
		return;
	case DNS_TEMPFAIL:
		r->stats->dns_tempfail++;
		snprintf(why, sizeof(why),
		        "DNS lookup of _mta-sts.%s TXT failed: %s",
		        sts_entry_domain(e), res->why);
		sts_entry_conclude_fail(e, 1, why, 0);
		return;
	case DNS_NOTFOUND:
		ttl = r->conf->cache_negative_ttl;
		if (res->ttl > 0 && (int64_t)res->ttl < ttl) {
			ttl = (int)res->ttl;
		}
		snprintf(why, sizeof(why), "no _mta-sts TXT record (%s)",
		        res->why);
		sts_entry_conclude_fail(e, 0, why, ttl);
		return;
	case DNS_FOUND:
		break;
	}
	txts = xcalloc(res->nrr, sizeof(*txts));
	lens = xcalloc(res->nrr, sizeof(*lens));
	for (i = 0; i < res->nrr; i++) {
		txts[i] = res->rr[i].u.txt.text;
		lens[i] = res->rr[i].u.txt.len;
	}
	st = sts_record_select(txts, lens, res->nrr, &rec, rwhy, sizeof(rwhy));
	free(txts);
	free(lens);
	ttl = r->conf->cache_negative_ttl;
	if (res->ttl > 0 && (int64_t)res->ttl < ttl) {
		ttl = (int)res->ttl;
	}
	if (st == STS_RECORD_NOT_STS) {
		snprintf(why, sizeof(why),
		        "no v=STSv1 record at _mta-sts.%s: %s",
		        sts_entry_domain(e), rwhy);
		sts_entry_conclude_fail(e, 0, why, ttl);
		return;
	}
	if (st == STS_RECORD_INVALID) {
		snprintf(why, sizeof(why),
		        "invalid _mta-sts.%s TXT record (RFC 8461 section "
		        "3.1: no "
		        "policy): %s",
		        sts_entry_domain(e), rwhy);
		sts_entry_conclude_fail(e, 0, why, ttl);
		return;
	}
	if (e->have_policy && now < time32_unpack(e->expires)
	        && strcmp(rec.id, e->id) == 0
	        && time32_unpack(e->expires) - now
	                >= sts_entry_refresh_margin(e, r->conf)) {
		log_debug("MXTLS-STS-ID-SAME", "%s: TXT id %s unchanged",
		        sts_entry_domain(e), rec.id);
		sts_entry_conclude_policy(e,
		        e->from_store ? STS_SOURCE_STORE : STS_SOURCE_CACHE);
		return;
	}
	if (e->have_policy && strcmp(rec.id, e->id) != 0) {
		e->w->id_changed = 1;
		log_info("MXTLS-STS-ID-CHANGED",
		        "%s: TXT id changed from %s to %s, refetching",
		        sts_entry_domain(e), e->id, rec.id);
	}
	snprintf(e->w->new_id, sizeof(e->w->new_id), "%s", rec.id);
	if (r->fleet != NULL) {
		/* the fleet may have it already (docs/FLEET.md) */
		int64_t min_exp = now;

		if (e->have_policy && strcmp(rec.id, e->id) == 0) {
			min_exp = time32_unpack(e->expires);
		}
		e->step   = STS_STEP_ADDR;
		e->w->ask = sts_fleet_ask(r->fleet, sts_entry_domain(e),
		        rec.id, min_exp, 1, sts_fleet_answer, e);
		if (e->w->ask != NULL) {
			return;
		}
	}
	sts_addr_start(e);
}

/* sts_adopt - take p, a policy another host of the fleet fetched, as if
 * fetched here (re-parsed: Redis is untrusted). 0, or -1 (unusable). */
static int
sts_adopt(struct sts_entry *e, const struct store_policy *p)
{
	struct sts_resolver *r = e->r;
	struct sts_policy    pol;
	struct store_policy  row;
	char                 pwhy[256], swhy[256];
	int64_t              now = clock_now(), expires;

	if (sts_policy_parse(p->body, p->len, &pol, pwhy, sizeof(pwhy)) != 0) {
		r->stats->fleet_bad++;
		log_warn_rl("MXTLS-FLEET-BAD-POLICY",
		        "%s: ignoring the fleet's policy id %s: %s",
		        sts_entry_domain(e), p->id, pwhy);
		return (-1);
	}
	expires = p->fetched + (int64_t)pol.max_age;
	if (p->expires < expires) {
		expires = p->expires;
	}
	if (expires <= now || p->fetched > now + 300) {
		sts_policy_clear(&pol);
		return (-1);
	}
	sts_entry_forget_policy(e);
	sts_entry_policy_keep(e, &pol);
	e->have_policy = 1;
	snprintf(e->id, sizeof(e->id), "%s", p->id);
	e->fetched = time32_pack(p->fetched);
	e->expires = time32_pack(expires);
	e->checked = time32_pack(now);
	log_info("MXTLS-FLEET-ADOPTED",
	        "%s: policy id %s from the fleet, mode %s, max_age %u",
	        sts_entry_domain(e), e->id,
	        sts_mode_name((enum sts_mode)e->mode), e->max_age);
	memset(&row, 0, sizeof(row));
	snprintf(row.domain, sizeof(row.domain), "%s", sts_entry_domain(e));
	snprintf(row.id, sizeof(row.id), "%s", e->id);
	row.body       = p->body;
	row.len        = p->len;
	row.fetched    = p->fetched;
	row.expires    = expires;
	row.last_used  = time32_unpack(e->used);
	row.refresh_at = sts_plan_next(sts_entry_domain(e), now, now,
	        row.expires, e->max_age, r->conf->sts_refresh_before,
	        r->conf->sts_proactive_interval);
	if (e->w != NULL) {
		e->w->fetched = 1;
	}
	if (store_policy_put(r->store, &row, swhy, sizeof(swhy)) != 0) {
		r->stats->store_errors++;
		log_warn("MXTLS-STORE-WRITE-FAIL", "%s: %s",
		        sts_entry_domain(e), swhy);
	}
	return (0);
}

/* the fleet's answer to sts_fleet_ask */
static void
sts_fleet_answer(void *arg, const struct store_policy *p, int locked)
{
	struct sts_entry *e = arg;

	e->w->ask = NULL;
	if (p != NULL && sts_adopt(e, p) == 0) {
		sts_entry_conclude_policy(e, STS_SOURCE_FETCHED);
		return;
	}
	e->w->fleet_lock = locked;
	sts_addr_start(e);
}

/* the policy must be fetched: resolve the policy host first */
static void
sts_addr_start(struct sts_entry *e)
{
	struct sts_resolver *r = e->r;
	char                 name[DOMAIN_MAX + 16];

	/* ADDR: resolve the policy host with our own validating resolver. */
	e->step             = STS_STEP_ADDR;
	e->w->naddr         = 0;
	e->w->addr_bogus    = 0;
	e->w->addr_tempfail = 0;
	e->w->addr_why[0]   = '\0';
	e->w->refused[0]    = '\0';
	e->w->addr_pending  = 2;
	snprintf(name, sizeof(name), "mta-sts.%s", sts_entry_domain(e));
	e->w->q_a = dns_lookup(r->dns, name, DNS_T_A, sts_addr_done_a, e);
	e->w->q_aaaa
	        = dns_lookup(r->dns, name, DNS_T_AAAA, sts_addr_done_aaaa, e);
	if (e->w->q_a == NULL || e->w->q_aaaa == NULL) {
		if (e->w->q_a != NULL) {
			dns_cancel(e->w->q_a);
		}
		if (e->w->q_aaaa != NULL) {
			dns_cancel(e->w->q_aaaa);
		}
		e->w->q_a = e->w->q_aaaa = NULL;
		sts_entry_conclude_fail(e, 1, "cannot start DNS lookup", 0);
	}
}

static void
sts_addr_add(struct sts_entry *e, const struct dns_result *res)
{
	struct sts_resolver *r = e->r;
	size_t               i;
	char                 swhy[128], txt[64];

	for (i = 0; i < res->nrr && e->w->naddr < STS_MAX_ADDRS; i++) {
		struct sockaddr_storage ss;
		memset(&ss, 0, sizeof(ss));
		if (res->rr[i].type == DNS_T_A) {
			struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
			sin->sin_family         = AF_INET;
			sin->sin_addr           = res->rr[i].u.a;
		} else if (res->rr[i].type == DNS_T_AAAA) {
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
			sin6->sin6_family         = AF_INET6;
			sin6->sin6_addr           = res->rr[i].u.aaaa;
		} else {
			continue;
		}
		if (!r->conf->fetch_allow_private
		        && netaddr_is_special(
		                (struct sockaddr *)&ss, swhy, sizeof(swhy))) {
			netaddr_format(
			        (struct sockaddr *)&ss, txt, sizeof(txt));
			if (e->w->refused[0] == '\0') {
				snprintf(e->w->refused, sizeof(e->w->refused),
				        "%s is %s", txt, swhy);
			}
			continue;
		}
		e->w->addrs[e->w->naddr++] = ss;
	}
}

static void
sts_addr_done(struct sts_entry *e, const struct dns_result *res)
{
	struct sts_resolver *r = e->r;
	char                 why[384];

	switch (res->status) {
	case DNS_FOUND:
		sts_addr_add(e, res);
		break;
	case DNS_NOTFOUND:
		break;
	case DNS_TEMPFAIL:
		r->stats->dns_tempfail++;
		e->w->addr_tempfail = 1;
		snprintf(e->w->addr_why, sizeof(e->w->addr_why), "%s",
		        res->why);
		break;
	case DNS_BOGUS:
		r->stats->dns_bogus++;
		e->w->addr_bogus = 1;
		snprintf(e->w->addr_why, sizeof(e->w->addr_why), "%s",
		        res->why);
		break;
	}
	if (--e->w->addr_pending > 0) {
		return;
	}
	if (e->w->addr_bogus) {
		snprintf(why, sizeof(why),
		        "DNSSEC validation failed for mta-sts.%s: %s",
		        sts_entry_domain(e), e->w->addr_why);
		sts_entry_conclude_fail(e, 1, why, 0);
		return;
	}
	if (e->w->naddr == 0) {
		r->stats->fetch_fail++;
		if (e->w->refused[0] != '\0') {
			r->stats->fetch_refused++;
			metrics_inc(M_POLICY_FETCHES, MF_REFUSED, 0);
			snprintf(why, sizeof(why),
			        "policy fetch refused: mta-sts.%s resolves "
			        "only to special addresses (%s; "
			        "fetch.allow_private is off)",
			        sts_entry_domain(e), e->w->refused);
		} else if (e->w->addr_tempfail) {
			snprintf(why, sizeof(why),
			        "policy fetch failed: cannot resolve "
			        "mta-sts.%s: %s",
			        sts_entry_domain(e), e->w->addr_why);
		} else {
			snprintf(why, sizeof(why),
			        "policy fetch failed: mta-sts.%s has no "
			        "address",
			        sts_entry_domain(e));
		}
		sts_entry_conclude_fail(e, 0, why, r->conf->cache_failure_ttl);
		return;
	}
	e->step     = STS_STEP_FETCH;
	e->w->fetch = sts_fetch_start(r->fetcher, sts_entry_domain(e),
	        e->w->addrs, e->w->naddr, sts_fetch_done, e);
	if (e->w->fetch == NULL) {
		sts_entry_conclude_fail(
		        e, 1, "cannot start the policy fetch", 0);
	}
}

static void
sts_addr_done_a(void *arg, const struct dns_result *res)
{
	struct sts_entry *e = arg;

	e->w->q_a = NULL;
	sts_addr_done(e, res);
}

static void
sts_addr_done_aaaa(void *arg, const struct dns_result *res)
{
	struct sts_entry *e = arg;

	e->w->q_aaaa = NULL;
	sts_addr_done(e, res);
}

/* sts_fetch_metric - the "result" label of a failed transfer. */
static int
sts_fetch_metric(enum sts_fetch_status st)
{
	switch (st) {
	case STS_FETCH_OK:
		return (MF_OK);
	case STS_FETCH_CONNECT:
		return (MF_CONNECT);
	case STS_FETCH_TLS:
		return (MF_TLS);
	case STS_FETCH_TIMEOUT:
		return (MF_TIMEOUT);
	case STS_FETCH_HTTP_STATUS:
		return (MF_HTTP_STATUS);
	case STS_FETCH_CONTENT_TYPE:
		return (MF_MEDIA_TYPE);
	case STS_FETCH_TOO_BIG:
		return (MF_SIZE);
	case STS_FETCH_ERROR:
		break;
	}
	return (MF_ERROR);
}

/* sts_policy_changes - count what the policy fetched (pol) changes of the
 * one e holds (metrics: mxtls_policy_changes_total): a new id, a mode
 * that no longer enforces. */
static void
sts_policy_changes(const struct sts_entry *e, const struct sts_policy *pol)
{
	if (!e->have_policy) {
		return;
	}
	if (strcmp(e->id, e->w->new_id) != 0) {
		metrics_inc(M_POLICY_CHANGES, MCH_NEW_ID, 0);
	}
	if (e->mode == STS_MODE_ENFORCE && pol->mode == STS_MODE_TESTING) {
		metrics_inc(M_POLICY_CHANGES, MCH_DOWNGRADE_TESTING, 0);
	}
	if (e->mode != STS_MODE_NONE && pol->mode == STS_MODE_NONE) {
		metrics_inc(M_POLICY_CHANGES, MCH_DOWNGRADE_NONE, 0);
	}
}

static void
sts_fetch_done(void *arg, const struct sts_fetch_result *res)
{
	struct sts_entry    *e = arg;
	struct sts_resolver *r = e->r;
	struct sts_policy    pol;
	struct store_policy  row;
	char                 why[384], pwhy[256], swhy[256];
	int64_t              now = clock_now();

	e->w->fetch = NULL;
	if (res->status != STS_FETCH_OK) {
		r->stats->fetch_fail++;
		metrics_inc(
		        M_POLICY_FETCHES, sts_fetch_metric(res->status), 0);
		snprintf(why, sizeof(why),
		        "TXT record found but policy fetch failed: %s",
		        res->why);
		log_warn("MXTLS-STS-FETCH-FAIL", "%s: %s", sts_entry_domain(e),
		        res->why);
		sts_entry_conclude_fail(e, 0, why, r->conf->cache_failure_ttl);
		return;
	}
	if (sts_policy_parse(res->body, res->len, &pol, pwhy, sizeof(pwhy))
	        != 0) {
		r->stats->fetch_fail++;
		metrics_inc(M_POLICY_FETCHES, MF_INVALID, 0);
		snprintf(why, sizeof(why),
		        "TXT record found but the policy is invalid (RFC 8461 "
		        "section 3.2): %s",
		        pwhy);
		log_warn("MXTLS-STS-POLICY-INVALID", "%s: %s",
		        sts_entry_domain(e), pwhy);
		sts_entry_conclude_fail(e, 0, why, r->conf->cache_failure_ttl);
		return;
	}
	r->stats->fetch_ok++;
	metrics_inc(M_POLICY_FETCHES, MF_OK, 0);
	sts_policy_changes(e, &pol);
	sts_entry_forget_policy(e);
	sts_entry_policy_keep(e, &pol);
	e->have_policy = 1;
	snprintf(e->id, sizeof(e->id), "%s", e->w->new_id);
	e->fetched = time32_pack(now);
	e->expires = time32_pack(now + (int64_t)e->max_age);
	e->checked = time32_pack(now);
	log_info("MXTLS-STS-FETCHED", "%s: policy id %s, mode %s, max_age %u",
	        sts_entry_domain(e), e->id,
	        sts_mode_name((enum sts_mode)e->mode), e->max_age);

	memset(&row, 0, sizeof(row));
	snprintf(row.domain, sizeof(row.domain), "%s", sts_entry_domain(e));
	snprintf(row.id, sizeof(row.id), "%s", e->id);
	row.body      = (char *)res->body;
	row.len       = res->len;
	row.fetched   = time32_unpack(e->fetched);
	row.expires   = time32_unpack(e->expires);
	row.last_used = time32_unpack(e->used);
	/* the refresh timer's next visit (sts_refresh.c) */
	row.refresh_at = sts_plan_next(sts_entry_domain(e), now, now,
	        row.expires, e->max_age, r->conf->sts_refresh_before,
	        r->conf->sts_proactive_interval);
	e->w->fetched  = 1;
	if (store_policy_put(r->store, &row, swhy, sizeof(swhy)) != 0) {
		r->stats->store_errors++;
		log_warn("MXTLS-STORE-WRITE-FAIL", "%s: %s",
		        sts_entry_domain(e), swhy);
	}
	if (r->fleet != NULL) {
		sts_fleet_publish(r->fleet, &row); /* releases the lock */
		e->w->fleet_lock = 0;
	}
	sts_entry_conclude_policy(e, STS_SOURCE_FETCHED);
}

/* ---- lookups --------------------------------------------------------- */

static void
sts_wait_expired(evutil_socket_t fd, short what, void *arg)
{
	struct sts_waiter *w = arg;
	struct sts_entry  *e = w->entry;
	struct sts_answer  a;
	char               why[256];

	TAILQ_REMOVE(&e->w->waiters, w, link);
	event_free(w->deadline);
	e->r->stats->wait_timeouts++;
	snprintf(why, sizeof(why),
	        "MTA-STS lookup for %s still in progress after %g s "
	        "(sts.first_contact_wait); try again later",
	        sts_entry_domain(e), e->r->conf->sts_first_contact_wait);
	sts_entry_answer_tempfail(why, &a);
	w->cb(w->arg, &a);
	free(w);
}

/* sts_used - a lookup of e at now: its last use, written to the store
 * (for the refresh timer's sts.refresh_unused_for) when the one there is
 * STS_USED_GRAIN old, so at most once an hour per domain. */
static void
sts_used(struct sts_resolver *r, struct sts_entry *e, int64_t now)
{
	char why[256];

	if (now - time32_unpack(e->used) < STS_USED_GRAIN) {
		return;
	}
	e->used = time32_pack(now);
	if (!e->have_policy && !e->expired_seen) {
		return; /* no row */
	}
	if (store_policy_touch(
	            r->store, sts_entry_domain(e), now, why, sizeof(why))
	        != 0) {
		r->stats->store_errors++;
		log_warn("MXTLS-STORE-WRITE-FAIL", "%s: %s",
		        sts_entry_domain(e), why);
	}
}

void
sts_resolver_lookup(struct sts_resolver *r, const char *domain,
        sts_resolver_cb cb, void *arg)
{
	struct sts_entry  *e;
	struct sts_waiter *w;
	struct sts_answer  a;
	struct timeval     tv;
	int64_t            now = clock_now();
	double             wait;

	if ((e = memo_get(r->memo, MEMO_STS, domain)) == NULL) {
		if ((e = memo_put(r->memo, MEMO_STS, domain)) == NULL) {
			sts_entry_answer_tempfail(
			        "cache full of lookups in progress", &a);
			cb(arg, &a);
			return;
		}
		e->r = r;
		sts_entry_load(r, e);
	}
	sts_used(r, e, now);
	if (e->have_policy && now >= time32_unpack(e->expires)) {
		log_info("MXTLS-STS-EXPIRED", "%s: policy id %s expired",
		        sts_entry_domain(e), e->id);
		sts_entry_forget_policy(e);
		e->expired_seen = 1;
	}
	if (e->have_policy) {
		r->stats->cache_hits++;
		sts_entry_answer_policy(e,
		        e->from_store ? STS_SOURCE_STORE : STS_SOURCE_CACHE,
		        &a);
		cb(arg, &a);
		if (e->step == STS_STEP_IDLE
		        && (now - time32_unpack(e->checked)
		                        >= r->conf->sts_recheck_interval
		                || time32_unpack(e->expires) - now
		                        < sts_entry_refresh_margin(
		                                e, r->conf))) {
			r->stats->refreshes++;
			sts_start(e);
		}
		return;
	}
	if (e->have_none && now < time32_unpack(e->none_expires)) {
		r->stats->cache_hits++;
		sts_entry_answer_none(e, STS_SOURCE_CACHE, &a);
		cb(arg, &a);
		return;
	}
	e->have_none = 0;
	r->stats->cache_misses++;
	w           = xcalloc(1, sizeof(*w));
	w->entry    = e;
	w->cb       = cb;
	w->arg      = arg;
	w->deadline = evtimer_new(r->base, sts_wait_expired, w);
	if (w->deadline == NULL) {
		xdie();
	}
	wait       = r->conf->sts_first_contact_wait;
	tv.tv_sec  = (time_t)wait;
	tv.tv_usec = (suseconds_t)((wait - (double)tv.tv_sec) * 1e6);
	evtimer_add(w->deadline, &tv);
	TAILQ_INSERT_TAIL(&sts_entry_work(e)->waiters, w, link);
	if (e->step == STS_STEP_IDLE) {
		sts_start(e);
	}
}

void
sts_resolver_start(struct sts_entry *e)
{
	sts_start(e);
}

struct sts_entry *
sts_resolver_entry(struct sts_resolver *r, const char *domain)
{
	struct sts_entry *e;

	if ((e = memo_get(r->memo, MEMO_STS, domain)) != NULL) {
		return (e);
	}
	if ((e = memo_put(r->memo, MEMO_STS, domain)) == NULL) {
		return (NULL);
	}
	e->r = r;
	sts_entry_load(r, e);
	return (e);
}

struct sts_resolver *
sts_resolver_create(struct event_base *base, const struct conf *conf,
        struct dns *dns, struct sts_fetcher *fetcher, struct store *store,
        struct stats *stats, struct memo *memo)
{
	struct sts_resolver *r = xcalloc(1, sizeof(*r));

	r->base    = base;
	r->conf    = conf;
	r->dns     = dns;
	r->fetcher = fetcher;
	r->store   = store;
	r->stats   = stats;
	r->memo    = memo;
	r->mx      = intern_create();
	memo_attach(r->memo, MEMO_STS, sizeof(struct sts_entry),
	        sts_entry_free, sts_entry_busy, r);
	return (r);
}

void
sts_resolver_set_change(struct sts_resolver *r, const struct change_hook *h)
{
	r->change = *h;
}

void
sts_resolver_free(struct sts_resolver *r)
{
	if (r == NULL) {
		return;
	}
	memo_detach(r->memo, MEMO_STS);
	intern_free(r->mx);
	free(r);
}

unsigned long
sts_resolver_entries(const struct sts_resolver *r)
{
	return ((unsigned long)memo_count(r->memo, MEMO_STS));
}

unsigned long
sts_resolver_evictions(const struct sts_resolver *r)
{
	return (memo_evictions(r->memo, MEMO_STS));
}
