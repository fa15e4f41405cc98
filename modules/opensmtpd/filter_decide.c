/*
 * filter_decide.c - RCPT decision from a policy reply (see filter_decide.h;
 * the host actions are those of docs/DECISIONS.md A1-A7; the reply is
 * decoded by common/decision.c).
 */
#include <stdio.h>
#include <string.h>

#include "filter_decide.h"

const char *
filter_decide_ptype(const char *mode)
{
	if (strcmp(mode, "enforce") == 0 || strcmp(mode, "testing") == 0) {
		return ("sts");
	}
	return ("no-policy-found");
}

void
filter_decide_of(const struct decision *r, time_t now, time_t secure_ttl,
        struct filter_decision *d)
{
	size_t i;
	int    dane = 0;

	memset(d, 0, sizeof(*d));
	d->ptype = filter_decide_ptype("");
	snprintf(d->why, sizeof(d->why), "%s", r->why ? r->why : "");
	if (r->status == DECISION_ERROR) {
		d->verdict = FILTER_DECIDE_PROCEED;
		return;
	}
	snprintf(d->domain, sizeof(d->domain), "%s",
	        r->domain ? r->domain : "");
	snprintf(d->policy, sizeof(d->policy), "%s",
	        r->policy == DECISION_POLICY_UNKNOWN
	                ? ""
	                : decision_policy_name(r->policy));
	snprintf(d->mode, sizeof(d->mode), "%s", decision_mode_name(r->mode));
	d->ptype = filter_decide_ptype(d->mode);
	d->known = 1;
	if (r->status == DECISION_TEMPFAIL) {
		d->verdict = FILTER_DECIDE_TEMPFAIL;
		return;
	}
	for (i = 0; i < r->nhosts; i++) {
		const struct decision_host *h = &r->hosts[i];

		if (h->host == NULL || h->action == DECISION_ACT_UNKNOWN) {
			continue;
		}
		if (h->action >= DECISION_ACT_ENCRYPT) {
			d->secure = 1; /* dane, verify, encrypt */
		}
		if (h->action == DECISION_ACT_DANE) {
			dane = 1;
		}
		if (d->nhosts < FILTER_DECIDE_MAXHOSTS) {
			struct filter_decide_host *o = &d->hosts[d->nhosts++];
			snprintf(o->host, sizeof(o->host), "%s", h->host);
			o->action = h->action;
		}
	}
	/* WebPKI stands in for DANE; MTA-STS MX patterns are not checked */
	d->webpki_only
	        = d->secure && (dane || r->mode == DECISION_MODE_ENFORCE);
	if (r->has_sts && (time_t)r->expires > now && !dane) {
		d->expires = (time_t)r->expires;
	} else {
		d->expires = now + secure_ttl;
	}
	d->verdict = FILTER_DECIDE_PROCEED;
}

int
filter_decide(const char *json, size_t len, time_t now, time_t secure_ttl,
        struct filter_decision *d)
{
	struct decision r;
	int             rv = 0;

	if (decision_decode(json, len, &r, d->why, sizeof(d->why)) != 0) {
		char why[sizeof(d->why)];

		snprintf(why, sizeof(why), "%s", d->why);
		memset(d, 0, sizeof(*d));
		d->ptype = filter_decide_ptype("");
		snprintf(d->why, sizeof(d->why), "%s", why);
		rv = -1;
	} else {
		filter_decide_of(&r, now, secure_ttl, d);
	}
	decision_clear(&r);
	return (rv);
}
