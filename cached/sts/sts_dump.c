/*
 * sts_dump.c - what the MTA-STS resolver holds for a domain, for
 * "mxtlsctl dump" (docs/IPC.md "dump"): the policy (RFC 8461 §3.2) or the
 * remembered "no policy", and when the next lookup starts work again
 * (§5.1: the TXT id recheck every sts.recheck_interval, the refresh
 * sts.refresh_before expiry), computed as sts_entry_answer_policy does.
 * Looks without touching: the LRU order and the entries stay as they are.
 */
#include <string.h>

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
