/*
 * exim_reply.c - the Exim module's reading of mxtlsd's "policy" reply
 * (docs/IPC.md) into the module's decisions: the routing
 * word of a domain (the strictest action among its usable MX hosts,
 * RFC 8461 §5 / RFC 7672 §2; "testing" for an MTA-STS policy in mode
 * testing, RFC 8461 §5 and RFC 8460 §4.3: deliver, verify, report), the
 * action per MX host. Pure: no
 * I/O, no globals, results in the caller's structures. Whatever the bytes,
 * the answer is one of the enums with a why; anything unexpected fails
 * closed (EXIM_REPLY_ERROR, or a host that is not used). The reply itself
 * is decoded by common/decision.c (the "result" reply by common/proto.c).
 */
#include <stdio.h>
#include <string.h>

#include "exim_reply.h"

int
exim_reply_word_rank(const char *word)
{
	if (strcmp(word, "dane") == 0) {
		return (4);
	}
	if (strcmp(word, "verify") == 0) {
		return (3);
	}
	if (strcmp(word, "encrypt") == 0) {
		return (2);
	}
	return (1);
}

const char *
exim_reply_route_ptype(const char *route)
{
	if (strcmp(route, "dane") == 0) {
		return ("tlsa");
	}
	if (strcmp(route, "verify") == 0 || strcmp(route, "testing") == 0) {
		return ("sts");
	}
	if (strcmp(route, "encrypt") == 0 || strcmp(route, "may") == 0
	        || strcmp(route, "nodane") == 0
	        || strcmp(route, "tls-required-no") == 0) {
		return ("no-policy-found");
	}
	return (NULL);
}

static void
fail(struct exim_reply_policy *out, enum exim_reply_status st, const char *why)
{
	out->status = st;
	out->word   = "may";
	out->nhosts = 0;
	snprintf(out->why, sizeof(out->why), "%s", why != NULL ? why : "");
}

/* host_entry - one host of the decision into out->hosts; 0 when kept. */
static int
host_entry(const struct decision_host *h, struct exim_reply_policy *out)
{
	struct exim_reply_host *e;
	char                    why[EXIM_REPLY_WHY];

	if (h->host == NULL || out->nhosts == EXIM_REPLY_MAX_HOSTS) {
		return (-1);
	}
	e = &out->hosts[out->nhosts];
	/* the daemon sends normal forms; anything else can never match
	 * the host Exim connects to, so it is not kept */
	if (domain_normalize(h->host, strlen(h->host), e->host,
	            sizeof(e->host), why, sizeof(why))
	        != 0) {
		return (-1);
	}
	e->action = h->action;
	snprintf(e->why, sizeof(e->why), "%s", h->why != NULL ? h->why : "");
	out->nhosts++;
	return (0);
}

/* sets_dane_aside - whether override o ignores DANE (none, no-dane). */
static int
sets_dane_aside(const struct decision_override *o)
{
	return (o->action != NULL
	        && (strcmp(o->action, "none") == 0
	                || strcmp(o->action, "no-dane") == 0));
}

/* drops_dane - a local override of the domain or of one of its hosts
 * ignores DANE (docs/DECISIONS.md "Local overrides"). */
static int
drops_dane(const struct decision *d)
{
	size_t i;

	if (sets_dane_aside(&d->override)) {
		return (1);
	}
	for (i = 0; i < d->nhosts; i++) {
		if (sets_dane_aside(&d->hosts[i].override)) {
			return (1);
		}
	}
	return (0);
}

void
exim_reply_policy_of(const struct decision *d, struct exim_reply_policy *out)
{
	static const char *const word_of[] = { [DECISION_ACT_MAY] = "may",
		[DECISION_ACT_ENCRYPT]                            = "encrypt",
		[DECISION_ACT_VERIFY]                             = "verify",
		[DECISION_ACT_DANE]                               = "dane" };
	enum decision_action     best      = DECISION_ACT_MAY;
	size_t                   i;

	memset(out, 0, sizeof(*out));
	out->word = "may";
	if (d->status == DECISION_TEMPFAIL) {
		fail(out, EXIM_REPLY_TEMPFAIL, d->why);
		return;
	}
	if (d->status != DECISION_OK) {
		fail(out, EXIM_REPLY_ERROR, d->why);
		return;
	}
	if (!d->has_hosts) {
		fail(out, EXIM_REPLY_ERROR,
		        "daemon reply without a hosts array");
		return;
	}
	for (i = 0; i < d->nhosts; i++) {
		if (host_entry(&d->hosts[i], out) != 0) {
			out->dropped++;
		}
	}
	for (i = 0; i < out->nhosts; i++) {
		if (out->hosts[i].action > best) {
			best = out->hosts[i].action;
		}
	}
	/* a local override "testing" of an enforce policy: deliver and
	 * report like MTA-STS testing (docs/DECISIONS.md "Local
	 * overrides") */
	out->testing = (d->policy == DECISION_POLICY_STS
	                       && d->mode == DECISION_MODE_TESTING)
	        || (d->override.action != NULL
	                && strcmp(d->override.action, "testing") == 0
	                && d->has_policy);
	out->word = word_of[best];
	if (best == DECISION_ACT_MAY && out->testing) {
		out->word = "testing";
	} else if (best == DECISION_ACT_MAY && drops_dane(d)) {
		/* Exim's own DANE on the opportunistic transport would
		 * still use the TLSA records: "nodane" turns it off there
		 * (configs/exim/transports.conf, hosts_try_dane) */
		out->word = "nodane";
	}
	out->status = EXIM_REPLY_OK;
	snprintf(out->why, sizeof(out->why), "%s",
	        d->why != NULL ? d->why : "");
}

void
exim_reply_policy_parse(
        const char *text, size_t len, struct exim_reply_policy *out)
{
	struct decision d;
	char            why[EXIM_REPLY_WHY];

	if (decision_decode(text, len, &d, why, sizeof(why)) != 0) {
		memset(out, 0, sizeof(*out));
		fail(out, EXIM_REPLY_ERROR, why);
	} else {
		exim_reply_policy_of(&d, out);
	}
	decision_clear(&d);
}

const struct exim_reply_host *
exim_reply_host(const struct exim_reply_policy *p, const char *host)
{
	size_t i;

	for (i = 0; i < p->nhosts; i++) {
		if (strcmp(p->hosts[i].host, host) == 0) {
			return (&p->hosts[i]);
		}
	}
	return (NULL);
}
