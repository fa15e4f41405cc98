/*
 * sts_entry.c - one domain's MTA-STS state (sts_entry.h): what is known
 * (a policy, a remembered "no policy"), the store row it starts from, the
 * answer each state gives (RFC 8461 §5.1: a valid cached policy wins over
 * a failed refresh; DESIGN decision 3), and how finished work concludes
 * and is given to the waiters. sts_resolver.c runs the lookups.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "dns/dns.h"
#include "log.h"
#include "store/store.h"
#include "sts/sts_entry.h"
#include "sts/sts_fetch.h"
#include "sts/sts_fleet.h"
#include "util/change.h"
#include "util/clock.h"
#include "util/conf.h"
#include "util/intern.h"
#include "util/memo.h"
#include "util/metrics.h"
#include "util/stats.h"
#include "util/time32.h"
#include "util/xalloc.h"

/* sts_entry_domain - e's domain (normalised): its memo record's key. */
const char *
sts_entry_domain(const struct sts_entry *e)
{
	return (memo_key(e->r->memo, MEMO_STS, e));
}

static void
sts_entry_fmt_time(int64_t t, char *buf, size_t len)
{
	time_t    tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
sts_entry_refresh_margin(const struct sts_entry *e, const struct conf *c)
{
	int half = (int)(e->max_age / 2);

	return (c->sts_refresh_before < half ? c->sts_refresh_before : half);
}

/* ---- entry life cycle ------------------------------------------------ */

/* sts_entry_work - e's work, allocated when there is none. */
struct sts_work *
sts_entry_work(struct sts_entry *e)
{
	if (e->w == NULL) {
		e->w = xcalloc(1, sizeof(*e->w));
		TAILQ_INIT(&e->w->waiters);
	}
	return (e->w);
}

/* sts_entry_policy_drop - free what e's policy holds: its shared mx list. */
static void
sts_entry_policy_drop(struct sts_entry *e)
{
	intern_release(e->r->mx, e->mx);
	e->mx      = NULL;
	e->nmx     = 0;
	e->max_age = 0;
	e->mode    = STS_MODE_NONE;
}

/* sts_entry_policy_keep - make pol (parsed, owned by the caller, cleared here)
 * e's policy, its mx list shared; e has none (sts_entry_forget_policy), and
 * forgets why it had none: the policy's fields take that room. */
void
sts_entry_policy_keep(struct sts_entry *e, struct sts_policy *pol)
{
	free(e->none_why);
	e->none_why  = NULL;
	e->have_none = 0;
	e->mode      = pol->mode;
	e->max_age   = pol->max_age;
	e->nmx       = (uint16_t)pol->nmx;
	e->mx        = intern_strv(e->r->mx, pol->mx, pol->nmx);
	sts_policy_clear(pol);
}

/* sts_entry_work_free - cancel what is in flight and drop e's work (its
 * waiters must have been answered or dropped). */
void
sts_entry_work_free(struct sts_entry *e)
{
	struct sts_work *w = e->w;

	if (w == NULL) {
		return;
	}
	if (w->q_txt != NULL) {
		dns_cancel(w->q_txt);
	}
	if (w->q_a != NULL) {
		dns_cancel(w->q_a);
	}
	if (w->q_aaaa != NULL) {
		dns_cancel(w->q_aaaa);
	}
	if (w->fetch != NULL) {
		sts_fetch_cancel(w->fetch);
	}
	if (w->ask != NULL) {
		sts_fleet_cancel(w->ask);
	}
	/* a fleet lock still held expires by itself (PX, sts_fleet.c) */
	free(w);
	e->w = NULL;
}

int
sts_entry_busy(void *value)
{
	struct sts_entry *e = value;

	return (e->step != STS_STEP_IDLE
	        || (e->w != NULL && !TAILQ_EMPTY(&e->w->waiters)));
}

/* sts_entry_free - release what e holds (its storage is its record's). */
void
sts_entry_free(void *arg, void *value)
{
	struct sts_entry  *e = value;
	struct sts_waiter *w;

	(void)arg; /* e->r */
	if (e->step != STS_STEP_IDLE && e->r->busy > 0) {
		e->r->busy--; /* its work is cancelled below */
	}
	while (e->w != NULL && (w = TAILQ_FIRST(&e->w->waiters)) != NULL) {
		TAILQ_REMOVE(&e->w->waiters, w, link);
		event_free(w->deadline);
		free(w);
	}
	sts_entry_work_free(e);
	if (e->have_policy) {
		sts_entry_policy_drop(e);
	} else {
		free(e->none_why);
		e->none_why = NULL;
	}
}

void
sts_entry_forget_policy(struct sts_entry *e)
{
	if (e->have_policy) {
		sts_entry_policy_drop(e);
	}
	e->have_policy = 0;
	e->from_store  = 0;
	e->id[0]       = '\0';
}

/* sts_entry_load - fill a new entry from the store, if it has a row. */
void
sts_entry_load(struct sts_resolver *r, struct sts_entry *e)
{
	struct store_policy row;
	struct sts_policy   pol;
	char                why[256];
	enum store_status   st;

	memset(&row, 0, sizeof(row));
	st = store_policy_get(
	        r->store, sts_entry_domain(e), &row, why, sizeof(why));
	if (st == STORE_ERROR) {
		r->stats->store_errors++;
		log_warn("MXTLS-STORE-READ-FAIL", "%s: %s",
		        sts_entry_domain(e), why);
		return;
	}
	if (st == STORE_NOTFOUND) {
		return;
	}
	if (row.expires <= clock_now()) {
		e->expired_seen = 1;
	} else if (sts_policy_parse(row.body, row.len, &pol, why, sizeof(why))
	        != 0) {
		log_warn("MXTLS-STORE-BAD-POLICY",
		        "%s: stored policy no longer parses, ignored: %s",
		        sts_entry_domain(e), why);
	} else {
		sts_entry_policy_keep(e, &pol);
		e->have_policy = 1;
		e->from_store  = 1;
		snprintf(e->id, sizeof(e->id), "%s", row.id);
		e->fetched = time32_pack(row.fetched);
		e->expires = time32_pack(row.expires);
		e->checked = 0; /* recheck the TXT id soon */
		r->stats->store_hits++;
	}
	e->used = time32_pack(row.last_used);
	store_policy_clear(&row);
}

/* ---- answers --------------------------------------------------------- */

void
sts_entry_answer_policy(const struct sts_entry *e, enum sts_source source,
        struct sts_answer *a)
{
	char f[32], x[32];

	memset(a, 0, sizeof(*a));
	a->status      = STS_ANSWER_OK;
	a->has_policy  = 1;
	a->pol.mode    = (enum sts_mode)e->mode;
	a->pol.max_age = e->max_age;
	a->pol.nmx     = e->nmx;
	a->pol.mx      = e->mx;
	a->policy      = &a->pol;
	a->id          = e->id;
	a->source      = source;
	a->fetched     = time32_unpack(e->fetched);
	a->expires     = time32_unpack(e->expires);
	if (e->step == STS_STEP_IDLE && source != STS_SOURCE_FETCHED) {
		/* the next lookup that would start work: recheck or refresh */
		a->valid_until = time32_unpack(e->checked)
		        + e->r->conf->sts_recheck_interval;
		if (time32_unpack(e->expires)
		                - sts_entry_refresh_margin(e, e->r->conf)
		        < a->valid_until) {
			a->valid_until = time32_unpack(e->expires)
			        - sts_entry_refresh_margin(e, e->r->conf);
		}
	}
	sts_entry_fmt_time(time32_unpack(e->fetched), f, sizeof(f));
	sts_entry_fmt_time(time32_unpack(e->expires), x, sizeof(x));
	snprintf(a->why, sizeof(a->why),
	        "MTA-STS policy id %s, mode %s, fetched %s, valid until %s",
	        e->id, sts_mode_name((enum sts_mode)e->mode), f, x);
}

void
sts_entry_answer_none(const struct sts_entry *e, enum sts_source source,
        struct sts_answer *a)
{
	memset(a, 0, sizeof(*a));
	a->status  = STS_ANSWER_OK;
	a->source  = source;
	a->expires = time32_unpack(e->none_expires);
	if (e->step == STS_STEP_IDLE && source != STS_SOURCE_FETCHED) {
		a->valid_until = time32_unpack(e->none_expires);
	}
	snprintf(a->why, sizeof(a->why), "%s",
	        e->none_why != NULL ? e->none_why : "no policy");
}

void
sts_entry_answer_tempfail(const char *why, struct sts_answer *a)
{
	memset(a, 0, sizeof(*a));
	a->status = STS_ANSWER_TEMPFAIL;
	snprintf(a->why, sizeof(a->why), "%s", why);
}

/* sts_entry_finish - the work is over: give ans to every waiter. */
void
sts_entry_finish(struct sts_entry *e, const struct sts_answer *ans)
{
	struct sts_resolver *r = e->r;
	struct sts_waiters   ws;
	struct sts_waiter   *w;

	if (e->step != STS_STEP_IDLE && r->busy > 0) {
		r->busy--;
	}
	e->step = STS_STEP_IDLE;
	TAILQ_INIT(&ws);
	if (e->w != NULL) {
		TAILQ_CONCAT(&ws, &e->w->waiters, link);
	}
	if (e->w != NULL && e->w->by_timer && r->refresh_done != NULL) {
		/* the timer reads what the work found (sts_refresh.c) */
		r->refresh_done(r->refresh_arg, e, e->w);
	}
	sts_entry_work_free(
	        e); /* before the callbacks: they may start new work */
	change_notify(&r->change, sts_entry_domain(e));
	while ((w = TAILQ_FIRST(&ws)) != NULL) {
		TAILQ_REMOVE(&ws, w, link);
		event_free(w->deadline);
		w->cb(w->arg, ans);
		free(w);
	}
}

/* sts_entry_conclude_policy - the work confirmed or fetched e's policy. */
void
sts_entry_conclude_policy(struct sts_entry *e, enum sts_source source)
{
	struct sts_answer a;

	e->have_none       = 0;
	e->expired_seen    = 0;
	e->removal_counted = 0;
	sts_entry_answer_policy(e, source, &a);
	sts_entry_finish(e, &a);
}

/*
 * sts_entry_conclude_fail - the work failed. A valid cached policy is kept and
 * answered; otherwise a temporary failure is answered as such and a
 * permanent one becomes a remembered "no policy".
 */
void
sts_entry_conclude_fail(
        struct sts_entry *e, int temporary, const char *why, int ttl)
{
	struct sts_resolver *r   = e->r;
	int64_t              now = clock_now();
	struct sts_answer    a;
	char                 buf[512];

	if (e->w != NULL) {
		e->w->failed = 1;
		if (e->w->fleet_lock) {
			sts_fleet_release(r->fleet, sts_entry_domain(e));
			e->w->fleet_lock = 0;
		}
	}
	if (e->have_policy && now < time32_unpack(e->expires)) {
		log_warn("MXTLS-STS-REFRESH-FAIL",
		        "%s: refresh failed, keeping the cached policy id %s: "
		        "%s",
		        sts_entry_domain(e), e->id, why);
		sts_entry_answer_policy(e,
		        e->from_store ? STS_SOURCE_STORE : STS_SOURCE_CACHE,
		        &a);
		sts_entry_finish(e, &a);
		return;
	}
	if (!temporary && e->expired_seen
	        && r->conf->sts_expired_policy == CONF_EXPIRED_TEMPFAIL) {
		snprintf(buf, sizeof(buf),
		        "cached policy expired and could not be refreshed "
		        "(sts.expired_policy = tempfail): %s",
		        why);
		temporary = 1;
		why       = buf;
	}
	if (temporary) {
		log_info("MXTLS-STS-TEMPFAIL", "%s: %s", sts_entry_domain(e),
		        why);
		sts_entry_answer_tempfail(why, &a);
		sts_entry_finish(e, &a);
		return;
	}
	log_info("MXTLS-STS-NONE", "%s: no policy: %s", sts_entry_domain(e),
	        why);
	if (e->expired_seen && !e->removal_counted) {
		/* it had a policy, which expired, and now has none: the
		 * removal of RFC 8461 §8.3 (or a policy host gone); counted
		 * once, not at each later "none" */
		metrics_inc(M_POLICY_CHANGES, MCH_REMOVED, 0);
		e->removal_counted = 1;
	}
	sts_entry_forget_policy(e);
	e->have_none    = 1;
	e->none_expires = time32_pack(now + ttl);
	free(e->none_why);
	e->none_why = xstrdup(why);
	sts_entry_answer_none(e, STS_SOURCE_FETCHED, &a);
	sts_entry_finish(e, &a);
}

/* sts_entry_reset - forget what a busy entry knows; its work goes on. */
void
sts_entry_reset(void *value)
{
	struct sts_entry *e = value;

	sts_entry_forget_policy(e);
	e->have_none    = 0;
	e->expired_seen = 0;
}

const char *
sts_source_name(enum sts_source source)
{
	switch (source) {
	case STS_SOURCE_FETCHED:
		return ("fetched");
	case STS_SOURCE_CACHE:
		return ("cache");
	case STS_SOURCE_STORE:
		return ("store");
	case STS_SOURCE_PRELOAD:
		return ("preload");
	}
	return ("?");
}
