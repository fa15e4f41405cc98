/*
 * sts_refresh.c - the refresh timer (see sts_refresh.h; RFC 8461 §3.3,
 * §5.1; docs/DECISIONS.md C11-C16).
 *
 * Every policy row of the store carries refresh_at, when the timer next
 * looks at it (sts_plan.c: the refetch window before expiry or the daily
 * recheck, spread by a per-domain jitter), and the domain's last lookup
 * (last_used, written by lookups at most once an hour). Each tick (one a
 * second) refills the token bucket (fetch.max_per_second, burst one
 * second's worth) and walks the rows that are due, earliest first:
 *
 *   unused    last lookup longer ago than sts.refresh_unused_for: not
 *             refreshed; looked at again a day later (a lookup since
 *             brings it back), dropped from the store once expired
 *   expired   (but used): left to the next lookup, looked at daily
 *   current   the in-memory entry was rechecked or refreshed by a lookup
 *             since: planned anew from it, no network
 *   busy      work in flight (a lookup's): looked at again 5 min later
 *   due       the resolver's own work is started on the entry (loaded
 *             from the store when it is not in memory): TXT recheck, and
 *             the refetch when the id changed or the policy is in its
 *             refresh margin. It takes a token and needs fewer than
 *             fetch.max_in_flight lookups in flight (lookups included);
 *             without either, the tick ends and the rows wait.
 *
 * Lookups never wait for the bucket or the in-flight limit. When timer
 * work ends (sts_entry_finish calls refresh_done), the row is planned:
 * success -> sts_plan_next from what the entry now knows; failure -> the
 * retry back-off of sts_plan_retry. A failed refresh never drops the
 * cached policy (sts_entry_conclude_fail keeps it until it expires).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "log.h"
#include "store/store.h"
#include "sts/sts_entry.h"
#include "sts/sts_plan.h"
#include "sts/sts_refresh.h"
#include "sts/sts_resolver.h"
#include "util/clock.h"
#include "util/conf.h"
#include "util/memo.h"
#include "util/metrics.h"
#include "util/stats.h"
#include "util/time32.h"
#include "util/tokenbucket.h"
#include "util/xalloc.h"

#define STS_REFRESH_BATCH  64 /* rows read from the store at a time */
#define STS_REFRESH_ROUNDS 16 /* batches a tick at most */

struct sts_refresh {
	struct sts_resolver *r;
	struct event        *timer;
	struct tokenbucket   bucket;
	struct store_due     due[STS_REFRESH_BATCH];
	size_t               ndue;
};

enum visit {
	VISIT_PLANNED, /* looked at, planned; no token used */
	VISIT_STARTED, /* work started; a token used */
	VISIT_HELD,    /* due, but no token or too much in flight */
};

static void
sts_refresh_plan(
        struct sts_refresh *s, const char *domain, int64_t at, int fails)
{
	struct sts_resolver *r = s->r;
	char                 why[256];

	if (store_policy_plan(r->store, domain, at, fails, why, sizeof(why))
	        != 0) {
		r->stats->store_errors++;
		log_warn("MXTLS-STORE-WRITE-FAIL", "%s: %s", domain, why);
	}
}

/* sts_refresh_drop - domain, unused and expired, leaves the store (and
 * memory, unless work is in flight). */
static void
sts_refresh_drop(struct sts_refresh *s, const struct store_due *d)
{
	s->r->stats->refresh_dropped_unused++;
	log_info("MXTLS-STS-REFRESH-DROP",
	        "%s: not looked up for %d s (sts.refresh_unused_for) and "
	        "expired: dropped from the store",
	        d->domain, s->r->conf->sts_refresh_unused_for);
	(void)sts_resolver_flush_local(s->r, d->domain); /* not the fleet */
}

static enum visit
sts_refresh_visit(
        struct sts_refresh *s, const struct store_due *d, int64_t now)
{
	struct sts_resolver *r = s->r;
	const struct conf   *c = r->conf;
	struct sts_entry    *e;
	int64_t              used = d->last_used, at;
	char                 why[256];

	e = memo_get(r->memo, MEMO_STS, d->domain);
	if (e != NULL && time32_unpack(e->used) > used) {
		used = time32_unpack(e->used);
	}
	if (used == 0) {
		/* a row from before last_used was kept (schema version 1):
		 * counted as used now */
		used = now;
		if (store_policy_touch(
		            r->store, d->domain, now, why, sizeof(why))
		        != 0) {
			r->stats->store_errors++;
			log_warn("MXTLS-STORE-WRITE-FAIL", "%s: %s", d->domain,
			        why);
		}
	}
	if (now - used > c->sts_refresh_unused_for) {
		if (d->expires <= now) {
			sts_refresh_drop(s, d);
			return (VISIT_PLANNED);
		}
		at = now + c->sts_proactive_interval;
		sts_refresh_plan(s, d->domain,
		        at < d->expires ? at : d->expires, d->refresh_fails);
		return (VISIT_PLANNED);
	}
	if (d->expires <= now) {
		sts_refresh_plan(
		        s, d->domain, now + c->sts_proactive_interval, 0);
		return (VISIT_PLANNED);
	}
	if (e != NULL) {
		if (sts_entry_busy(e)) {
			sts_refresh_plan(s, d->domain,
			        now + STS_PLAN_RETRY_MIN, d->refresh_fails);
			return (VISIT_PLANNED);
		}
		if (!e->have_policy) {
			sts_refresh_plan(s, d->domain,
			        now + c->sts_proactive_interval, 0);
			return (VISIT_PLANNED);
		}
		/* a lookup rechecked it since (not for a retry: checked
		 * counts attempts too) */
		at = sts_plan_next(d->domain, now, time32_unpack(e->checked),
		        time32_unpack(e->expires), e->max_age,
		        c->sts_refresh_before, c->sts_proactive_interval);
		if (at > now && d->refresh_fails == 0) {
			sts_refresh_plan(s, d->domain, at, d->refresh_fails);
			return (VISIT_PLANNED);
		}
	}
	if (r->busy >= (unsigned long)c->fetch_max_in_flight
	        || s->bucket.tokens < 1) {
		return (VISIT_HELD);
	}
	if ((e = sts_resolver_entry(r, d->domain)) == NULL) {
		sts_refresh_plan(s, d->domain, now + STS_PLAN_RETRY_MIN,
		        d->refresh_fails);
		return (VISIT_PLANNED);
	}
	if (!e->have_policy || sts_entry_busy(e)) {
		/* the row no longer parses, or a lookup's work began */
		sts_refresh_plan(s, d->domain, now + c->sts_proactive_interval,
		        d->refresh_fails);
		return (VISIT_PLANNED);
	}
	(void)tokenbucket_take(&s->bucket);
	if (time32_unpack(e->used) < used) {
		e->used = time32_pack(used);
	}
	/* planned before the work starts (it may end at once), and so
	 * that a restart meanwhile does not start it again at once */
	sts_refresh_plan(
	        s, d->domain, now + STS_PLAN_RETRY_MIN, d->refresh_fails);
	r->stats->refresh_timer_started++;
	metrics_inc(M_REFRESH_STARTED, 0, 0);
	r->stats->refreshes++;
	log_debug("MXTLS-STS-REFRESH-START",
	        "%s: timer refresh of policy id %s (expires in %lld s)",
	        d->domain, e->id, (long long)(d->expires - now));
	sts_entry_work(e)->by_timer = 1;
	e->w->timer_fails           = d->refresh_fails;
	sts_resolver_start(e);
	return (VISIT_STARTED);
}

/* sts_refresh_done - work the timer started has ended (before its
 * waiters, if any, are answered): plan the row's next visit. */
static void
sts_refresh_done(void *arg, struct sts_entry *e, const struct sts_work *w)
{
	struct sts_refresh  *s      = arg;
	struct sts_resolver *r      = s->r;
	const struct conf   *c      = r->conf;
	const char          *domain = sts_entry_domain(e);
	int64_t              now    = clock_now(), at;
	int                  fails;

	if (w->failed) {
		r->stats->refresh_timer_failed++;
		metrics_inc(M_REFRESHES, MR_FAILED, 0);
		fails = w->timer_fails + 1;
		at    = sts_plan_retry(now, fails, time32_unpack(e->expires));
		log_info("MXTLS-STS-REFRESH-RETRY",
		        "%s: timer refresh failed (%d in a row), cached "
		        "policy "
		        "kept until it expires; next try in %lld s",
		        domain, fails, (long long)(at - now));
		sts_refresh_plan(s, domain, at, fails);
		return;
	}
	if (w->fetched) {
		r->stats->refresh_timer_fetched++;
	}
	if (w->id_changed) {
		r->stats->refresh_timer_changed++;
	}
	metrics_inc(M_REFRESHES, w->id_changed ? MR_CHANGED : MR_UNCHANGED, 0);
	if (!e->have_policy) {
		sts_refresh_plan(
		        s, domain, now + c->sts_proactive_interval, 0);
		return;
	}
	at = sts_plan_next(domain, now, time32_unpack(e->checked),
	        time32_unpack(e->expires), e->max_age, c->sts_refresh_before,
	        c->sts_proactive_interval);
	sts_refresh_plan(s, domain, at, 0);
}

static int
sts_refresh_collect(void *arg, const struct store_due *d)
{
	struct sts_refresh *s = arg;

	s->due[s->ndue++] = *d;
	return (s->ndue == STS_REFRESH_BATCH);
}

static void
sts_refresh_tick(struct sts_refresh *s)
{
	struct sts_resolver *r   = s->r;
	const struct conf   *c   = r->conf;
	int64_t              now = clock_now();
	char                 why[256];
	size_t               i;
	int                  round;

	tokenbucket_refill(&s->bucket, now, c->fetch_max_per_second,
	        c->fetch_max_per_second);
	if (!c->sts_proactive_refresh) {
		return;
	}
	for (round = 0; round < STS_REFRESH_ROUNDS; round++) {
		s->ndue = 0;
		if (store_policy_due(r->store, now, STS_REFRESH_BATCH,
		            sts_refresh_collect, s, why, sizeof(why))
		        != 0) {
			r->stats->store_errors++;
			log_warn("MXTLS-STORE-READ-FAIL", "refresh timer: %s",
			        why);
			return;
		}
		for (i = 0; i < s->ndue; i++) {
			if (sts_refresh_visit(s, &s->due[i], now)
			        == VISIT_HELD) {
				r->stats->refresh_rate_limited++;
				metrics_inc(M_REFRESH_DELAYED, 0, 0);
				return;
			}
		}
		if (s->ndue < STS_REFRESH_BATCH) {
			return;
		}
	}
}

static void
sts_refresh_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sts_refresh_tick(arg);
}

struct sts_refresh *
sts_refresh_create(struct sts_resolver *r)
{
	struct sts_refresh *s  = xcalloc(1, sizeof(*s));
	struct timeval      tv = { 1, 0 };

	s->r = r;
	tokenbucket_init(
	        &s->bucket, clock_now(), r->conf->fetch_max_per_second);
	s->timer = event_new(r->base, -1, EV_PERSIST, sts_refresh_timer, s);
	if (s->timer == NULL || event_add(s->timer, &tv) != 0) {
		if (s->timer != NULL) {
			event_free(s->timer);
		}
		free(s);
		return (NULL);
	}
	r->refresh_done = sts_refresh_done;
	r->refresh_arg  = s;
	return (s);
}

void
sts_refresh_free(struct sts_refresh *s)
{
	if (s == NULL) {
		return;
	}
	s->r->refresh_done = NULL;
	s->r->refresh_arg  = NULL;
	event_free(s->timer);
	free(s);
}
