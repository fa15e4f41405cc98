/*
 * arbiter.c - DANE-vs-MTA-STS arbitration per MX host and the "policy"
 * reply (RFC 8461 §2: DANE takes precedence where usable; RFC 7672 §2.1,
 * §2.2; RFC 8461 §4.1, §5.1; docs/DECISIONS.md A1-A7).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve/arbiter.h"
#include "log.h"
#include "proto.h"

const char *
arbiter_action_name(enum arbiter_action a)
{
	switch (a) {
	case ARBITER_DANE:
		return ("dane");
	case ARBITER_VERIFY:
		return ("verify");
	case ARBITER_ENCRYPT:
		return ("encrypt");
	case ARBITER_MAY:
		return ("may");
	case ARBITER_SKIP:
		return ("skip");
	case ARBITER_DEFER:
		return ("defer");
	}
	return ("?");
}

const char *
arbiter_match_name(enum arbiter_sts_match m)
{
	switch (m) {
	case ARBITER_STS_NONE:
		return ("none");
	case ARBITER_STS_MATCH:
		return ("match");
	case ARBITER_STS_NOMATCH:
		return ("nomatch");
	}
	return ("?");
}

int
arbiter_sts_copy(struct arbiter_sts *dst, const struct sts_answer *a)
{
	memset(dst, 0, sizeof(*dst));
	dst->status     = a->status;
	dst->has_policy = a->has_policy;
	dst->source     = a->source;
	dst->fetched    = a->fetched;
	dst->expires    = a->expires;
	snprintf(dst->why, sizeof(dst->why), "%s", a->why);
	if (a->has_policy) {
		snprintf(dst->id, sizeof(dst->id), "%s", a->id);
		if (sts_policy_copy(&dst->policy, a->policy) != 0)
			return (-1);
	}
	return (0);
}

void
arbiter_sts_clear(struct arbiter_sts *s)
{
	if (s->has_policy)
		sts_policy_clear(&s->policy);
	memset(s, 0, sizeof(*s));
}

int
arbiter_tlsrpt_copy(struct arbiter_tlsrpt *dst, const struct tlsrpt_answer *a)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	dst->status = a->status;
	snprintf(dst->why, sizeof(dst->why), "%s", a->why);
	if (a->status != TLSRPT_LOOKUP_FOUND || a->rec == NULL)
		return (0);
	dst->rec.rua = calloc(a->rec->nrua ? a->rec->nrua : 1, sizeof(char *));
	if (dst->rec.rua == NULL)
		return (-1);
	for (i = 0; i < a->rec->nrua; i++) {
		if ((dst->rec.rua[i] = strdup(a->rec->rua[i])) == NULL)
			return (-1);
		dst->rec.nrua++;
	}
	return (0);
}

void
arbiter_tlsrpt_clear(struct arbiter_tlsrpt *t)
{
	tlsrpt_record_clear(&t->rec);
	memset(t, 0, sizeof(*t));
}

int
arbiter_apply_preload(struct arbiter_sts *sts, const struct preload_entry *e,
        const char *rule, int64_t expires, int64_t timestamp)
{
	enum sts_mode mode = e->mode;
	char          live[512];
	size_t        i;

	if (sts->status != STS_ANSWER_OK || sts->has_policy
	        || strcmp(rule, "ignore") == 0)
		return (0);
	snprintf(live, sizeof(live), "%s", sts->why);
	if (strcmp(rule, "tempfail") == 0 && mode == STS_MODE_ENFORCE) {
		sts->status = STS_ANSWER_TEMPFAIL;
		snprintf(sts->why, sizeof(sts->why),
		        "on the preload list (enforce) but no live MTA-STS "
		        "policy (preload.no_live_policy = tempfail): %s",
		        live);
		return (1);
	}
	if (strcmp(rule, "testing") == 0)
		mode = STS_MODE_TESTING;
	memset(&sts->policy, 0, sizeof(sts->policy));
	sts->policy.mx = calloc(e->nmx ? e->nmx : 1, sizeof(char *));
	if (sts->policy.mx == NULL)
		return (-1);
	for (i = 0; i < e->nmx; i++) {
		const char *p = e->mx[i];
		char       *c = malloc(strlen(p) + 2);
		if (c == NULL)
			return (-1);
		if (p[0] == '.')
			snprintf(c, strlen(p) + 2, "*%s", p);
		else
			snprintf(c, strlen(p) + 2, "%s", p);
		sts->policy.mx[sts->policy.nmx++] = c;
	}
	sts->policy.mode    = mode;
	sts->policy.max_age = 0;
	sts->has_policy     = 1;
	sts->source         = STS_SOURCE_PRELOAD;
	sts->fetched        = timestamp;
	sts->expires        = expires;
	snprintf(sts->id, sizeof(sts->id), "preload");
	snprintf(sts->why, sizeof(sts->why),
	        "no live MTA-STS policy (%s); the preload list's entry "
	        "applies "
	        "as mode %s (preload.no_live_policy = %s)",
	        live, sts_mode_name(mode), rule);
	return (1);
}

/* sts_applies - the MTA-STS mode that governs hosts: enforce or testing,
 * or none (no policy, or mode none). */
static enum sts_mode
sts_applies(const struct arbiter_sts *sts)
{
	if (sts == NULL || sts->status != STS_ANSWER_OK || !sts->has_policy)
		return (STS_MODE_NONE);
	return (sts->policy.mode);
}

enum arbiter_action
arbiter_host(const struct dane_host *h, const struct arbiter_sts *sts,
        enum arbiter_sts_match *match, char *why, size_t whylen)
{
	enum sts_mode mode = sts_applies(sts);
	char          hwhy[DANE_HOST_WHY_MAX], tn[DANE_TLSA_NAME_MAX];

	dane_host_why(h, hwhy, sizeof(hwhy));
	*match = ARBITER_STS_NONE;
	if (mode != STS_MODE_NONE)
		*match = sts_policy_mx_allowed(&sts->policy, h->name)
		        ? ARBITER_STS_MATCH
		        : ARBITER_STS_NOMATCH;
	if (h->status == DANE_HOST_TEMPFAIL) {
		snprintf(why, whylen, "DANE lookups failed: %s", hwhy);
		return (ARBITER_DEFER);
	}
	if (h->status == DANE_HOST_USABLE) {
		snprintf(why, whylen,
		        "DANE: %zu usable TLSA records at %s (takes "
		        "precedence "
		        "over MTA-STS, RFC 8461 §2)",
		        (size_t)h->ntlsa,
		        dane_host_tlsa_name(h, tn, sizeof(tn)));
		return (ARBITER_DANE);
	}
	if (sts != NULL && sts->status == STS_ANSWER_TEMPFAIL) {
		snprintf(why, whylen, "MTA-STS status unknown: %s", sts->why);
		return (ARBITER_DEFER);
	}
	if (mode == STS_MODE_ENFORCE) {
		if (*match == ARBITER_STS_MATCH) {
			snprintf(why, whylen,
			        "MTA-STS enforce: host matches the policy; "
			        "verified TLS required%s",
			        h->status == DANE_HOST_UNUSABLE
			                ? " (its TLSA records are unusable)"
			                : "");
			return (ARBITER_VERIFY);
		}
		snprintf(why, whylen,
		        "MTA-STS enforce: host matches none of the policy's "
		        "mx "
		        "patterns (RFC 8461 §4.1): must not be used");
		return (ARBITER_SKIP);
	}
	if (h->status == DANE_HOST_UNUSABLE) {
		snprintf(why, whylen,
		        "secure TLSA RRset without usable records: TLS "
		        "mandatory, no authentication (RFC 7672 §2.2): %s",
		        hwhy);
		return (ARBITER_ENCRYPT);
	}
	if (mode == STS_MODE_TESTING)
		snprintf(why, whylen,
		        "MTA-STS testing (host %s the policy): deliver, "
		        "report "
		        "failures; %s",
		        *match == ARBITER_STS_MATCH ? "matches"
		                                    : "does not match",
		        hwhy);
	else
		snprintf(why, whylen, "no DANE, no MTA-STS enforcement: %s",
		        hwhy);
	return (ARBITER_MAY);
}

static char *
hex(const unsigned char *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char             *s        = malloc(2 * n + 1);
	size_t            i;

	if (s == NULL) {
		log_err("MXTLS-NOMEM", "out of memory");
		abort();
	}
	for (i = 0; i < n; i++) {
		s[2 * i]     = digits[p[i] >> 4];
		s[2 * i + 1] = digits[p[i] & 15];
	}
	s[2 * n] = '\0';
	return (s);
}

static json_t *
host_json(const struct dane_host *h, enum arbiter_action act,
        enum arbiter_sts_match match, const char *why)
{
	json_t *o    = json_object();
	json_t *tlsa = json_array();
	char    tn[DANE_TLSA_NAME_MAX];
	size_t  i;

	json_object_set_new(o, "host", json_string(h->name));
	json_object_set_new(o, "pref", json_integer(h->pref));
	json_object_set_new(
	        o, "action", json_string(arbiter_action_name(act)));
	json_object_set_new(
	        o, "dane", json_string(dane_host_status_name(h->status)));
	json_object_set_new(o, "sts", json_string(arbiter_match_name(match)));
	for (i = 0; i < h->ntlsa; i++) {
		char *d = hex(h->tlsa[i].data, h->tlsa[i].len);
		json_array_append_new(tlsa,
		        json_pack("{s:i, s:i, s:i, s:s}", "usage",
		                h->tlsa[i].usage, "selector",
		                h->tlsa[i].selector, "mtype", h->tlsa[i].mtype,
		                "data", d));
		free(d);
	}
	json_object_set_new(o, "tlsa", tlsa);
	if (dane_host_tlsa_name(h, tn, sizeof(tn))[0] != '\0')
		json_object_set_new(o, "tlsa_name", json_string(tn));
	json_object_set_new(o, "why", json_string(why));
	return (o);
}

static void
sts_members(json_t *o, const struct arbiter_sts *sts)
{
	json_t *mx;
	size_t  i;

	if (sts == NULL || sts->status != STS_ANSWER_OK)
		return;
	if (sts->has_policy) {
		json_object_set_new(o, "mode",
		        json_string(sts_mode_name(sts->policy.mode)));
		mx = json_array();
		for (i = 0; i < sts->policy.nmx; i++)
			json_array_append_new(
			        mx, json_string(sts->policy.mx[i]));
		json_object_set_new(o, "mx", mx);
		json_object_set_new(o, "policy_id", json_string(sts->id));
		json_object_set_new(
		        o, "max_age", json_integer(sts->policy.max_age));
		json_object_set_new(o, "fetched", json_integer(sts->fetched));
	}
	json_object_set_new(
	        o, "source", json_string(sts_source_name(sts->source)));
	json_object_set_new(o, "expires", json_integer(sts->expires));
}

static json_t *
tlsrpt_json(const struct arbiter_tlsrpt *t)
{
	json_t *o = json_object(), *rua;
	size_t  i;

	if (t == NULL) {
		json_object_set_new(o, "status", json_string("tempfail"));
		json_object_set_new(o, "why", json_string("not looked up"));
		return (o);
	}
	json_object_set_new(o, "status",
	        json_string(tlsrpt_lookup_status_name(t->status)));
	if (t->status == TLSRPT_LOOKUP_FOUND) {
		rua = json_array();
		for (i = 0; i < t->rec.nrua; i++)
			json_array_append_new(rua, json_string(t->rec.rua[i]));
		json_object_set_new(o, "rua", rua);
	} else {
		json_object_set_new(o, "why", json_string(t->why));
	}
	return (o);
}

json_t *
arbiter_decide(const char *domain, const struct arbiter_sts *sts,
        const struct dane_result *dane, const struct arbiter_tlsrpt *tlsrpt)
{
	json_t                *o = json_object(), *hosts = json_array();
	enum arbiter_action    act;
	enum arbiter_sts_match match;
	const char            *status = "ok", *policy;
	char                   why[640], hwhy[512], dwhy[DANE_RESULT_WHY_MAX];
	size_t      i, ndane = 0, nusable = 0, nskip = 0, ndefer = 0;
	const char *first_defer    = NULL;
	char        defer_why[512] = "";

	json_object_set_new(o, "v", json_integer(PROTO_VERSION));
	json_object_set_new(o, "domain", json_string(domain));
	snprintf(why, sizeof(why), "%s", sts != NULL ? sts->why : "");
	if (dane == NULL) {
		status = "tempfail";
		snprintf(why, sizeof(why), "DANE lookup unavailable");
	} else if (dane->mx_status == DANE_MX_TEMPFAIL) {
		status = "tempfail";
		dane_result_why(dane, why, DANE_RESULT_WHY_MAX);
	} else if (dane->mx_status == DANE_MX_NULL) {
		/* RFC 7505 §3: no MTA-STS or DANE question is left to ask */
		snprintf(why, sizeof(why),
		        "%s publishes a null MX (RFC 7505): it accepts no "
		        "mail",
		        domain);
	} else {
		for (i = 0; i < dane->nhost; i++) {
			const struct dane_host *h = &dane->hosts[i];
			act = arbiter_host(h, sts, &match, hwhy, sizeof(hwhy));
			json_array_append_new(
			        hosts, host_json(h, act, match, hwhy));
			switch (act) {
			case ARBITER_DANE:
				ndane++;
				nusable++;
				break;
			case ARBITER_VERIFY:
			case ARBITER_ENCRYPT:
			case ARBITER_MAY:
				nusable++;
				break;
			case ARBITER_SKIP:
				nskip++;
				break;
			case ARBITER_DEFER:
				if (ndefer++ == 0) {
					first_defer = h->name;
					snprintf(defer_why, sizeof(defer_why),
					        "%s", hwhy);
				}
				break;
			}
		}
		if (dane->nhost > 0 && nusable == 0) {
			status = "tempfail";
			if (ndefer > 0)
				snprintf(why, sizeof(why),
				        "no usable MX host: %s: %s",
				        first_defer, defer_why);
			else
				snprintf(why, sizeof(why),
				        "no MX host matches the MTA-STS "
				        "enforce policy (RFC 8461 §5.1): "
				        "%zu skipped",
				        nskip);
		}
	}
	if (ndane > 0)
		policy = "dane";
	else if (sts != NULL && sts->status == STS_ANSWER_OK
	        && sts->has_policy)
		policy = "sts";
	else
		policy = "none";
	json_object_set_new(o, "status", json_string(status));
	json_object_set_new(o, "policy", json_string(policy));
	sts_members(o, sts);
	if (dane != NULL) {
		json_object_set_new(o, "mx_status",
		        json_string(dane_mx_status_name(dane->mx_status)));
		json_object_set_new(o, "dane_why",
		        json_string(
		                dane_result_why(dane, dwhy, sizeof(dwhy))));
	}
	json_object_set_new(o, "hosts", hosts);
	json_object_set_new(o, "tlsrpt", tlsrpt_json(tlsrpt));
	json_object_set_new(o, "why", json_string(why));
	return (o);
}
