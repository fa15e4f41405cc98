/*
 * query.c - the join of the three lookups behind a "policy" request. Each
 * answer is copied when it arrives (they are only valid during their
 * callbacks); the last one to arrive runs the arbiter and replies. A reply
 * whose inputs all stand for a while is kept in the answer cache until the
 * earliest of their lifetimes (answer_cache.h).
 */
#include <sys/queue.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dane/dane_resolver.h"
#include "log.h"
#include "serve/answer_cache.h"
#include "serve/arbiter.h"
#include "serve/query.h"
#include "sts/preload_watch.h"
#include "sts/sts_resolver.h"
#include "tlsrpt/tlsrpt_lookup.h"
#include "util/clock.h"
#include "util/conf.h"
#include "util/xalloc.h"

struct query {
	TAILQ_ENTRY(query) link; /* in live */
	const struct query_services *svc;
	char                         domain[DOMAIN_MAX + 1];
	int                          pending;
	struct arbiter_sts           sts;
	struct dane_result          *dane;
	struct arbiter_tlsrpt        tlsrpt;
	int64_t                      valid_until; /* min of the inputs' */
	query_cb                     cb;
	void                        *arg;
};

/* the queries waiting for their lookups (loop thread only) */
static TAILQ_HEAD(, query) live = TAILQ_HEAD_INITIALIZER(live);

static void
query_valid_until(struct query *q, int64_t t)
{
	if (t < q->valid_until) {
		q->valid_until = t;
	}
}

/* query_keep - put reply into the answer cache when it may be reused;
 * returns the text kept (malloc'd), or NULL when it was not. */
static char *
query_keep(struct query *q, json_t *reply)
{
	struct answer_cache *ac = q->svc->answers;
	const char          *st;
	int64_t              now;
	char                *s;

	if (ac == NULL || answer_cache_ttl(ac) == 0) {
		return (NULL);
	}
	now = clock_now();
	st  = json_string_value(json_object_get(reply, "status"));
	if (q->valid_until <= now || st == NULL || strcmp(st, "ok") != 0) {
		return (NULL);
	}
	if ((s = json_dumps(reply, JSON_COMPACT)) == NULL) {
		xdie();
	}
	answer_cache_put(ac, q->domain, s, strlen(s), now, q->valid_until);
	return (s);
}

static void
query_step(struct query *q)
{
	json_t *reply;
	char   *text;

	const struct preload    *list;
	struct preload_entry     pe;
	struct arbiter_overrides ov;
	int64_t                  now;
	size_t                   i;

	if (--q->pending > 0) {
		return;
	}
	query_valid_until(q, q->dane != NULL ? q->dane->expires : 0);
	list = preload_watch_get(q->svc->preload);
	if (list != NULL
	        && preload_lookup(list, q->domain, &pe) == PRELOAD_FOUND) {
		if (arbiter_apply_preload(&q->sts, &pe,
		            q->svc->conf->preload_no_live_policy,
		            preload_expires(list), preload_timestamp(list))
		        < 0) {
			xdie();
		}
		query_valid_until(q, preload_expires(list));
	}
	now   = clock_now();
	reply = arbiter_decide(q->domain, &q->sts, q->dane, &q->tlsrpt,
	        q->svc->overrides, now, &ov);
	/* a reply made under an override is not kept past its expiry (the
	 * table drops every kept reply when a rule is added or deleted) */
	query_valid_until(q, ov.until);
	for (i = 0; i < ov.n; i++) {
		override_table_count_applied(q->svc->overrides, ov.rule[i]);
	}
	text = query_keep(q, reply);
	arbiter_sts_clear(&q->sts);
	arbiter_tlsrpt_clear(&q->tlsrpt);
	dane_result_unref(q->dane);
	TAILQ_REMOVE(&live, q, link);
	q->cb(q->arg, reply, text);
	free(q);
}

static void
query_sts_done(void *arg, const struct sts_answer *a)
{
	struct query *q = arg;

	query_valid_until(q, a->valid_until);
	if (arbiter_sts_copy(&q->sts, a) != 0) {
		xdie();
	}
	query_step(q);
}

static void
query_dane_done(void *arg, struct dane_result *res)
{
	struct query *q = arg;

	q->dane = dane_result_ref(res);
	query_step(q);
}

static void
query_tlsrpt_done(void *arg, const struct tlsrpt_answer *a)
{
	struct query *q = arg;

	query_valid_until(q, a->expires);
	if (arbiter_tlsrpt_copy(&q->tlsrpt, a) != 0) {
		xdie();
	}
	query_step(q);
}

void
query_policy(const struct query_services *svc, const char *domain, query_cb cb,
        void *arg)
{
	struct query *q = calloc(1, sizeof(*q));

	if (q == NULL) {
		xdie();
	}
	memcpy(q->domain, domain, strlen(domain) + 1);
	q->svc         = svc;
	q->valid_until = INT64_MAX;
	q->cb          = cb;
	q->arg         = arg;
	/* one extra count so that synchronous answers cannot finish the
	 * query before every lookup has been started */
	q->pending = 4;
	TAILQ_INSERT_TAIL(&live, q, link);
	sts_resolver_lookup(svc->sts, domain, query_sts_done, q);
	dane_resolver_lookup(svc->dane, domain, query_dane_done, q);
	tlsrpt_lookup_start(svc->tlsrpt, domain, query_tlsrpt_done, q);
	query_step(q);
}

void
query_shutdown(void)
{
	struct query *q;
	json_t       *r;

	while ((q = TAILQ_FIRST(&live)) != NULL) {
		TAILQ_REMOVE(&live, q, link);
		r = json_pack("{s:i,s:s,s:s,s:s}", "v", 1, "domain", q->domain,
		        "status", "tempfail", "why",
		        "mxtlsd is stopping; try again");
		if (r == NULL) {
			xdie();
		}
		arbiter_sts_clear(&q->sts);
		arbiter_tlsrpt_clear(&q->tlsrpt);
		dane_result_unref(q->dane);
		q->cb(q->arg, r, NULL);
		free(q);
	}
}
