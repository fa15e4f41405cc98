/*
 * ctl_query.c - "mxtlsctl query DOMAIN": the decision mxtlsd gives an MTA
 * for DOMAIN (docs/IPC.md "policy"): MTA-STS (RFC 8461), DANE (RFC 7672)
 * per MX host, TLSRPT (RFC 8460). Text for people, or with --json the
 * reply as the daemon sent it.
 */
#include <stdlib.h>
#include <string.h>

#include "clnt_nng.h"
#include "ctl/ctl_cmds.h"
#include "decision.h"
#include "domain.h"

static const char *
nz(const char *s)
{
	return (s != NULL ? s : "");
}

static void
print_time(const char *label, int64_t v)
{
	char buf[32];

	printf("  %-9s %s\n", label, ctl_time(v, buf, sizeof(buf)));
}

/* print_hosts - one line per MX host: preference, name, action, why. */
static void
print_hosts(const struct decision *d)
{
	size_t i, k;

	if (!d->has_hosts) {
		return;
	}
	printf("  %-9s MX RRset %s%s\n", "mx hosts:", nz(d->mx_status),
	        d->nhosts == 0 ? ", no hosts" : "");
	for (i = 0; i < d->nhosts; i++) {
		const struct decision_host *h = &d->hosts[i];

		printf("    %5lld %-30s %-7s %s\n", h->pref, nz(h->host),
		        h->action == DECISION_ACT_UNKNOWN
		                ? ""
		                : decision_action_name(h->action),
		        nz(h->why));
		for (k = 0; k < h->ntlsa; k++) {
			printf("          TLSA %lld %lld %lld %s\n",
			        h->tlsa[k].usage, h->tlsa[k].selector,
			        h->tlsa[k].mtype, nz(h->tlsa[k].data));
		}
	}
}

/* print_decision_json - the reply as the daemon sent it, without "v",
 * with the domain asked for when it has none. */
static void
print_decision_json(struct decision *d, const char *domain)
{
	json_t *o;

	if ((d->domain == NULL && decision_strdup(&d->domain, domain) != 0)
	        || (o = decision_encode(d)) == NULL) {
		ctl_fail(CTL_EXIT_FAIL, "out of memory");
	}
	json_object_del(o, "v");
	ctl_print_json(o);
	json_decref(o);
}

static void
print_decision(const struct decision *d, const char *dom, int rv)
{
	size_t i;

	if (rv == CTL_EXIT_TEMPFAIL) {
		printf("%s: temporary failure: defer delivery\n", dom);
	} else if (rv != 0) {
		printf("%s: error\n", dom);
	} else {
		printf("%s: %s\n", dom,
		        d->policy == DECISION_POLICY_DANE
		                ? "DANE applies to at least one MX host"
		                : d->policy == DECISION_POLICY_STS
		                ? "MTA-STS policy"
		                : "no DANE, no MTA-STS policy");
	}
	if (d->has_policy) {
		printf("  %-9s mode %s, id %s (%s)\n",
		        "mta-sts:", decision_mode_name(d->mode),
		        nz(d->policy_id), nz(d->source));
		printf("  %-9s", "mx:");
		for (i = 0; i < d->nmx; i++) {
			printf(" %s", d->mx[i]);
		}
		printf("\n  %-9s %lld\n", "max_age:", (long long)d->max_age);
		print_time("fetched:", d->fetched);
	}
	if (d->has_sts) {
		print_time("expires:", d->expires);
	}
	print_hosts(d);
	if (d->has_tlsrpt) {
		printf("  %-9s %s",
		        "tlsrpt:", decision_tlsrpt_name(d->tlsrpt));
		for (i = 0; i < d->nrua; i++) {
			printf(" %s", d->rua[i]);
		}
		if (d->tlsrpt_why != NULL) {
			printf(" (%s)", d->tlsrpt_why);
		}
		printf("\n");
	}
	printf("  %-9s %s\n", "why:", nz(d->why));
}

static int
ctl_query(struct ctl *c, int argc, char **argv)
{
	struct decision  d;
	struct clnt_nng  n;
	struct clnt      k;
	enum clnt_status st;
	int              rv;
	char             why[512], dom[DOMAIN_MAX + 1];
	const char      *domain;

	if (argc < 2) {
		ctl_usage(argv[0], "which domain?");
	}
	if (argv[1][0] == '-' && argv[1][1] != '\0') {
		ctl_usage(argv[0], "unknown option \"%s\"", argv[1]);
	}
	if (argc > 2) {
		ctl_usage(argv[0], "one domain at a time, not also \"%s\"",
		        argv[2]);
	}
	domain = argv[1];
	if (ctl_domain(domain, dom, sizeof(dom), why, sizeof(why)) != 0) {
		/* the daemon's answer's shape, so scripts see one format */
		decision_init(&d);
		d.status = DECISION_ERROR;
		d.policy = DECISION_POLICY_UNKNOWN;
		if (decision_strdup(&d.why, why) != 0) {
			ctl_fail(CTL_EXIT_FAIL, "out of memory");
		}
		if (c->json) {
			print_decision_json(&d, domain);
		}
		decision_clear(&d);
		if (!c->json) {
			ctl_fail(CTL_EXIT_FAIL, "%s \"%s\": %s", argv[0],
			        domain, why);
		}
		return (CTL_EXIT_FAIL);
	}
	n.url        = c->url;
	n.timeout_ms = c->timeout_ms;
	clnt_nng_init(&k, &n);
	st = clnt_policy(&k, dom, &d, why, sizeof(why));
	if (st == CLNT_BADREPLY) {
		ctl_fail(
		        CTL_EXIT_FAIL, "malformed reply from mxtlsd: %s", why);
	}
	if (st != CLNT_OK) {
		ctl_call_fail(c, st, why);
	}
	rv = d.status == DECISION_OK            ? CTL_EXIT_OK
	        : d.status == DECISION_TEMPFAIL ? CTL_EXIT_TEMPFAIL
	                                        : CTL_EXIT_FAIL;
	if (c->json) {
		print_decision_json(&d, dom);
	} else {
		print_decision(&d, dom, rv);
	}
	decision_clear(&d);
	return (rv);
}

/* clang-format off */
const struct ctl_cmd ctl_cmd_query = { "query", ctl_query,
	"DOMAIN",
	"The decision mxtlsd gives an MTA for DOMAIN: MTA-STS policy, DANE\n"
	"per MX host, TLSRPT. DOMAIN is a domain name, not an address or a\n"
	"[next hop]. Exit 0 ok, 1 error, 75 temporary failure." };
/* clang-format on */
