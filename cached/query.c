/*
 * query.c - the join of the three lookups behind a "policy" request. Each
 * answer is copied when it arrives (they are only valid during their
 * callbacks); the last one to arrive runs the arbiter and replies.
 */
#include <stdlib.h>
#include <string.h>

#include "arbiter.h"
#include "dane_resolver.h"
#include "conf.h"
#include "log.h"
#include "preload_watch.h"
#include "query.h"
#include "sts_resolver.h"
#include "tlsrpt_lookup.h"

struct query {
	const struct query_services *svc;
	char                         domain[DOMAIN_MAX + 1];
	int                          pending;
	struct arbiter_sts           sts;
	struct dane_result          *dane;
	struct arbiter_tlsrpt        tlsrpt;
	query_cb                     cb;
	void                        *arg;
};

static void
oom(void)
{
	log_err("MXTLS-NOMEM", "out of memory");
	abort();
}

static void
query_step(struct query *q)
{
	json_t *reply;

	const struct preload *list;
	struct preload_entry  pe;

	if (--q->pending > 0)
		return;
	list = preload_watch_get(q->svc->preload);
	if (list != NULL
	        && preload_lookup(list, q->domain, &pe) == PRELOAD_FOUND
	        && arbiter_apply_preload(&q->sts, &pe,
	                   q->svc->conf->preload_no_live_policy,
	                   preload_expires(list), preload_timestamp(list))
	                < 0)
		oom();
	reply = arbiter_decide(q->domain, &q->sts, q->dane, &q->tlsrpt);
	arbiter_sts_clear(&q->sts);
	arbiter_tlsrpt_clear(&q->tlsrpt);
	dane_result_unref(q->dane);
	q->cb(q->arg, reply);
	free(q);
}

static void
query_sts_done(void *arg, const struct sts_answer *a)
{
	struct query *q = arg;

	if (arbiter_sts_copy(&q->sts, a) != 0)
		oom();
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

	if (arbiter_tlsrpt_copy(&q->tlsrpt, a) != 0)
		oom();
	query_step(q);
}

void
query_policy(const struct query_services *svc, const char *domain, query_cb cb,
        void *arg)
{
	struct query *q = calloc(1, sizeof(*q));

	if (q == NULL)
		oom();
	memcpy(q->domain, domain, strlen(domain) + 1);
	q->svc = svc;
	q->cb  = cb;
	q->arg = arg;
	/* one extra count so that synchronous answers cannot finish the
	 * query before every lookup has been started */
	q->pending = 4;
	sts_resolver_lookup(svc->sts, domain, query_sts_done, q);
	dane_resolver_lookup(svc->dane, domain, query_dane_done, q);
	tlsrpt_lookup_start(svc->tlsrpt, domain, query_tlsrpt_done, q);
	query_step(q);
}
