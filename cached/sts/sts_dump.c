/*
 * sts_dump.c - what the MTA-STS resolver holds for a domain, for
 * "mxtlsctl dump" (docs/IPC.md "dump"): the policy (RFC 8461 §3.2) or the
 * remembered "no policy", and when the next lookup starts work again
 * (§5.1: the TXT id recheck every sts.recheck_interval, the refresh
 * sts.refresh_before expiry), computed as sts_entry_answer_policy does.
 * Looks without touching: the LRU order and the entries stay as they are.
 * The store's policies are listed too (they are loaded on a domain's next
 * lookup after a restart).
 */
#include <string.h>

#include "store/store.h"
#include "sts/sts_entry.h"
#include "sts/sts_resolver.h"
#include "util/conf.h"
#include "util/memo.h"
#include "util/time32.h"

char **
sts_resolver_domains(struct sts_resolver *r)
{
	return (memo_keys(r->memo, MEMO_STS));
}

int
sts_resolver_state(struct sts_resolver *r, const char *domain,
        struct sts_resolver_state *s)
{
	struct sts_entry *e = memo_peek(r->memo, MEMO_STS, domain);
	time_t            refresh;

	memset(s, 0, sizeof(*s));
	if (e == NULL) {
		return (-1);
	}
	s->busy       = e->step != STS_STEP_IDLE;
	s->from_store = e->from_store;
	s->checked    = time32_unpack(e->checked);
	if (e->have_policy) {
		s->have_policy = 1;
		s->id          = e->id;
		s->mode        = sts_mode_name((enum sts_mode)e->mode);
		s->max_age     = e->max_age;
		s->fetched     = time32_unpack(e->fetched);
		s->expires     = time32_unpack(e->expires);
		s->next_check  = s->checked + r->conf->sts_recheck_interval;
		refresh = s->expires - sts_entry_refresh_margin(e, r->conf);
		if (refresh < s->next_check) {
			s->next_check = refresh;
		}
	} else if (e->have_none) {
		s->have_none  = 1;
		s->none_why   = e->none_why;
		s->expires    = time32_unpack(e->none_expires);
		s->next_check = s->expires;
	}
	return (0);
}

struct stored_walk {
	int (*cb)(void *arg, const struct sts_resolver_stored *p);
	void *arg;
};

static int
stored_one(void *arg, const struct store_policy *p)
{
	struct stored_walk        *w = arg;
	struct sts_resolver_stored s;
	struct sts_policy          pol;
	int                        rv;

	memset(&s, 0, sizeof(s));
	s.domain  = p->domain;
	s.id      = p->id;
	s.fetched = (time_t)p->fetched;
	s.expires = (time_t)p->expires;
	if (sts_policy_parse(p->body, p->len, &pol, NULL, 0) == 0) {
		s.mode    = sts_mode_name(pol.mode);
		s.max_age = pol.max_age;
		sts_policy_clear(&pol);
	}
	rv = w->cb(w->arg, &s);
	return (rv);
}

int
sts_resolver_stored(struct sts_resolver *r,
        int (*cb)(void *arg, const struct sts_resolver_stored *p), void *arg,
        char *why, size_t whylen)
{
	struct stored_walk w = { cb, arg };

	if (r->store == NULL) {
		return (0);
	}
	return (store_policy_foreach(r->store, stored_one, &w, why, whylen));
}
