/*
 * arbiter.c - DANE-vs-MTA-STS arbitration per MX host and the "policy"
 * reply (RFC 8461 §2: DANE takes precedence where usable; RFC 7672 §2.1,
 * §2.2; RFC 8461 §4.1, §5.1; docs/DECISIONS.md A1-A7).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "serve/arbiter.h"

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
		if (sts_policy_copy(&dst->policy, a->policy) != 0) {
			return (-1);
		}
	}
	return (0);
}

void
arbiter_sts_clear(struct arbiter_sts *s)
{
	if (s->has_policy) {
		sts_policy_clear(&s->policy);
	}
	memset(s, 0, sizeof(*s));
}

int
arbiter_tlsrpt_copy(struct arbiter_tlsrpt *dst, const struct tlsrpt_answer *a)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	dst->status = a->status;
	snprintf(dst->why, sizeof(dst->why), "%s", a->why);
	if (a->status != TLSRPT_LOOKUP_FOUND || a->rec == NULL) {
		return (0);
	}
	dst->rec.rua = calloc(a->rec->nrua ? a->rec->nrua : 1, sizeof(char *));
	if (dst->rec.rua == NULL) {
		return (-1);
	}
	for (i = 0; i < a->rec->nrua; i++) {
		if ((dst->rec.rua[i] = strdup(a->rec->rua[i])) == NULL) {
			return (-1);
		}
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
	        || strcmp(rule, "ignore") == 0) {
		return (0);
	}
	snprintf(live, sizeof(live), "%s", sts->why);
	if (strcmp(rule, "tempfail") == 0 && mode == STS_MODE_ENFORCE) {
		sts->status = STS_ANSWER_TEMPFAIL;
		snprintf(sts->why, sizeof(sts->why),
		        "on the preload list (enforce) but no live MTA-STS "
		        "policy (preload.no_live_policy = tempfail): %s",
		        live);
		return (1);
	}
	if (strcmp(rule, "testing") == 0) {
		mode = STS_MODE_TESTING;
	}
	memset(&sts->policy, 0, sizeof(sts->policy));
	sts->policy.mx = calloc(e->nmx ? e->nmx : 1, sizeof(char *));
	if (sts->policy.mx == NULL) {
		return (-1);
	}
	for (i = 0; i < e->nmx; i++) {
		const char *p = e->mx[i];
		char       *c = malloc(strlen(p) + 2);
		if (c == NULL) {
			return (-1);
		}
		if (p[0] == '.') {
			snprintf(c, strlen(p) + 2, "*%s", p);
		} else {
			snprintf(c, strlen(p) + 2, "%s", p);
		}
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
	if (sts == NULL || sts->status != STS_ANSWER_OK || !sts->has_policy) {
		return (STS_MODE_NONE);
	}
	return (sts->policy.mode);
}

enum decision_action
arbiter_host(const struct dane_host *h, const struct arbiter_sts *sts,
        enum decision_sts *match, char *why, size_t whylen)
{
	enum sts_mode mode = sts_applies(sts);
	char          hwhy[DANE_HOST_WHY_MAX], tn[DANE_TLSA_NAME_MAX];

	dane_host_why(h, hwhy, sizeof(hwhy));
	*match = DECISION_STS_NONE;
	if (mode != STS_MODE_NONE) {
		*match = sts_policy_mx_allowed(&sts->policy, h->name)
		        ? DECISION_STS_MATCH
		        : DECISION_STS_NOMATCH;
	}
	if (h->status == DANE_HOST_TEMPFAIL) {
		snprintf(why, whylen, "DANE lookups failed: %s", hwhy);
		return (DECISION_ACT_DEFER);
	}
	if (h->status == DANE_HOST_USABLE) {
		snprintf(why, whylen,
		        "DANE: %zu usable TLSA records at %s (takes "
		        "precedence "
		        "over MTA-STS, RFC 8461 section 2)",
		        (size_t)h->ntlsa,
		        dane_host_tlsa_name(h, tn, sizeof(tn)));
		return (DECISION_ACT_DANE);
	}
	if (sts != NULL && sts->status == STS_ANSWER_TEMPFAIL) {
		snprintf(why, whylen, "MTA-STS status unknown: %s", sts->why);
		return (DECISION_ACT_DEFER);
	}
	if (mode == STS_MODE_ENFORCE) {
		if (*match == DECISION_STS_MATCH) {
			snprintf(why, whylen,
			        "MTA-STS enforce: host matches the policy; "
			        "verified TLS required%s",
			        h->status == DANE_HOST_UNUSABLE
			                ? " (its TLSA records are unusable)"
			                : "");
			return (DECISION_ACT_VERIFY);
		}
		snprintf(why, whylen,
		        "MTA-STS enforce: host matches none of the policy's "
		        "mx "
		        "patterns (RFC 8461 section 4.1): must not be used");
		return (DECISION_ACT_SKIP);
	}
	if (h->status == DANE_HOST_UNUSABLE) {
		snprintf(why, whylen,
		        "secure TLSA RRset without usable records: TLS "
		        "mandatory, no authentication (RFC 7672 section 2.2): "
		        "%s",
		        hwhy);
		return (DECISION_ACT_ENCRYPT);
	}
	if (mode == STS_MODE_TESTING) {
		snprintf(why, whylen,
		        "MTA-STS testing (host %s the policy): deliver, "
		        "report "
		        "failures; %s",
		        *match == DECISION_STS_MATCH ? "matches"
		                                     : "does not match",
		        hwhy);
	} else {
		snprintf(why, whylen, "no DANE, no MTA-STS enforcement: %s",
		        hwhy);
	}
	return (DECISION_ACT_MAY);
}

/* nomem - the daemon's answer to no memory (as everywhere in it). */
static void
nomem(void)
{
	log_err("MXTLS-NOMEM", "out of memory");
	abort();
}

static char *
xstrdup(const char *s)
{
	char *c;

	if (decision_strdup(&c, s) != 0) {
		nomem();
	}
	return (c);
}

static char *
hex(const unsigned char *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char             *s        = malloc(2 * n + 1);
	size_t            i;

	if (s == NULL) {
		nomem();
	}
	for (i = 0; i < n; i++) {
		s[2 * i]     = digits[p[i] >> 4];
		s[2 * i + 1] = digits[p[i] & 15];
	}
	s[2 * n] = '\0';
	return (s);
}

static void
host_fill(struct decision_host *o, const struct dane_host *h,
        enum decision_action act, enum decision_sts match, const char *why)
{
	char   tn[DANE_TLSA_NAME_MAX];
	size_t i;

	o->host   = xstrdup(h->name);
	o->pref   = h->pref;
	o->action = act;
	o->dane   = xstrdup(dane_host_status_name(h->status));
	o->sts    = match;
	if (h->ntlsa > 0
	        && (o->tlsa = calloc(h->ntlsa, sizeof(*o->tlsa))) == NULL) {
		nomem();
	}
	for (i = 0; i < h->ntlsa; i++) {
		o->tlsa[i].usage    = h->tlsa[i].usage;
		o->tlsa[i].selector = h->tlsa[i].selector;
		o->tlsa[i].mtype    = h->tlsa[i].mtype;
		o->tlsa[i].data     = hex(h->tlsa[i].data, h->tlsa[i].len);
		o->ntlsa++;
	}
	if (dane_host_tlsa_name(h, tn, sizeof(tn))[0] != '\0') {
		o->tlsa_name = xstrdup(tn);
	}
	o->why = xstrdup(why);
}

static enum decision_mode
mode_of(enum sts_mode m)
{
	switch (m) {
	case STS_MODE_ENFORCE:
		return (DECISION_MODE_ENFORCE);
	case STS_MODE_TESTING:
		return (DECISION_MODE_TESTING);
	case STS_MODE_NONE:
		return (DECISION_MODE_NONE);
	}
	return (DECISION_MODE_UNKNOWN);
}

static void
sts_fill(struct decision *d, const struct arbiter_sts *sts)
{
	size_t i;

	if (sts == NULL || sts->status != STS_ANSWER_OK) {
		return;
	}
	if (sts->has_policy) {
		d->has_policy = 1;
		d->mode       = mode_of(sts->policy.mode);
		if (sts->policy.nmx > 0
		        && (d->mx = calloc(sts->policy.nmx, sizeof(char *)))
		                == NULL) {
			nomem();
		}
		for (i = 0; i < sts->policy.nmx; i++) {
			d->mx[d->nmx++] = xstrdup(sts->policy.mx[i]);
		}
		d->policy_id = xstrdup(sts->id);
		d->max_age   = sts->policy.max_age;
		d->fetched   = sts->fetched;
	}
	d->has_sts = 1;
	d->source  = xstrdup(sts_source_name(sts->source));
	d->expires = sts->expires;
}

static void
tlsrpt_fill(struct decision *d, const struct arbiter_tlsrpt *t)
{
	size_t i;

	d->has_tlsrpt = 1;
	if (t == NULL) {
		d->tlsrpt     = DECISION_TLSRPT_TEMPFAIL;
		d->tlsrpt_why = xstrdup("not looked up");
		return;
	}
	switch (t->status) {
	case TLSRPT_LOOKUP_FOUND:
		d->tlsrpt = DECISION_TLSRPT_FOUND;
		if (t->rec.nrua > 0
		        && (d->rua = calloc(t->rec.nrua, sizeof(char *)))
		                == NULL) {
			nomem();
		}
		for (i = 0; i < t->rec.nrua; i++) {
			d->rua[d->nrua++] = xstrdup(t->rec.rua[i]);
		}
		return;
	case TLSRPT_LOOKUP_NONE:
		d->tlsrpt = DECISION_TLSRPT_NONE;
		break;
	case TLSRPT_LOOKUP_TEMPFAIL:
		d->tlsrpt = DECISION_TLSRPT_TEMPFAIL;
		break;
	default:
		d->tlsrpt = DECISION_TLSRPT_UNKNOWN;
		break;
	}
	d->tlsrpt_why = xstrdup(t->why);
}

/* ov_note - record rule r in ov (once). */
static void
ov_note(struct arbiter_overrides *ov, const struct override_rule *r)
{
	size_t i;

	for (i = 0; i < ov->n; i++) {
		if (ov->rule[i] == r) {
			return;
		}
	}
	if (r->until < ov->until) {
		ov->until = r->until;
	}
	if (ov->n < ARBITER_MAX_OVERRIDES) {
		ov->rule[ov->n++] = r;
	}
}

/* ov_text - "local override ACTION for TARGET (until T, SOURCE: REASON)" */
static void
ov_text(const struct override_rule *r, char *buf, size_t len)
{
	time_t    tt = (time_t)r->until;
	struct tm tm;
	char      until[32];

	if (gmtime_r(&tt, &tm) == NULL
	        || strftime(until, sizeof(until), "%Y-%m-%dT%H:%M:%SZ", &tm)
	                == 0) {
		snprintf(until, sizeof(until), "%lld", (long long)r->until);
	}
	snprintf(buf, len, "local override %s for %s (until %s, %s: %s)",
	        override_action_name(r->action), r->target, until,
	        override_source_name(r->source), r->reason);
}

static void
ov_fill(struct decision_override *o, const struct override_rule *r)
{
	o->target = xstrdup(r->target);
	o->action = xstrdup(override_action_name(r->action));
	o->until  = r->until;
	o->reason = xstrdup(r->reason);
	o->source = xstrdup(override_source_name(r->source));
}

/* ov_sts - the MTA-STS answer as rule r leaves it (tmp: storage): none
 * and no-sts: no policy (a lookup failure too); testing: an enforce
 * policy becomes testing (RFC 8461 §5). */
static const struct arbiter_sts *
ov_sts(const struct override_rule *r, const struct arbiter_sts *sts,
        struct arbiter_sts *tmp)
{
	if (r == NULL || sts == NULL) {
		return (sts);
	}
	switch (r->action) {
	case OVERRIDE_NONE:
	case OVERRIDE_NO_STS:
		memset(tmp, 0, sizeof(*tmp));
		tmp->status = STS_ANSWER_OK;
		snprintf(tmp->why, sizeof(tmp->why), "MTA-STS ignored");
		return (tmp);
	case OVERRIDE_TESTING:
		if (sts->status == STS_ANSWER_OK && sts->has_policy
		        && sts->policy.mode == STS_MODE_ENFORCE) {
			*tmp             = *sts; /* shallow: read only */
			tmp->policy.mode = STS_MODE_TESTING;
			return (tmp);
		}
		return (sts);
	default:
		return (sts);
	}
}

/* ov_host - the action for host h under rule r (NULL: none), why in
 * whylen bytes. */
static enum decision_action
ov_host(const struct override_rule *r, const struct dane_host *h,
        const struct arbiter_sts *sts, enum decision_sts *match, char *why,
        size_t whylen)
{
	struct dane_host     hh;
	struct arbiter_sts   tmp;
	enum decision_action act;
	char                 note[512], inner[512];

	if (r == NULL) {
		return (arbiter_host(h, sts, match, why, whylen));
	}
	ov_text(r, note, sizeof(note));
	if (r->action == OVERRIDE_DEFER) {
		(void)arbiter_host(h, sts, match, inner, sizeof(inner));
		snprintf(why, whylen, "%s: held (defer)", note);
		return (DECISION_ACT_DEFER);
	}
	hh = *h; /* shallow: read only */
	if (r->action == OVERRIDE_NONE || r->action == OVERRIDE_NO_DANE) {
		hh.status = DANE_HOST_NONE;
		hh.ntlsa  = 0;
	}
	act = arbiter_host(
	        &hh, ov_sts(r, sts, &tmp), match, inner, sizeof(inner));
	snprintf(why, whylen, "%s: %s", note, inner);
	return (act);
}

json_t *
arbiter_decide(const char *domain, const struct arbiter_sts *sts,
        const struct dane_result *dane, const struct arbiter_tlsrpt *tlsrpt,
        const struct override_table *ovt, int64_t now,
        struct arbiter_overrides *ov)
{
	struct arbiter_overrides    none;
	const struct override_rule *dr, *hr;
	const struct arbiter_sts   *dsts;
	struct arbiter_sts          tmp;
	char                        note[512], owhy[1200];
	size_t                      nhostov      = 0;
	const char                 *first_hostov = NULL;
	struct decision             d;
	json_t                     *o;
	enum decision_action        act;
	enum decision_sts           match;
	char        why[1200], hwhy[1100], dwhy[DANE_RESULT_WHY_MAX];
	size_t      i, ndane = 0, nusable = 0, nskip = 0, ndefer = 0;
	const char *first_defer    = NULL;
	char        defer_why[512] = "";

	if (ov == NULL) {
		ov = &none;
	}
	memset(ov, 0, sizeof(*ov));
	ov->until = INT64_MAX;
	dr        = override_table_domain(ovt, domain, now);
	dsts      = ov_sts(dr, sts, &tmp);
	decision_init(&d);
	d.domain = xstrdup(domain);
	d.status = DECISION_OK;
	snprintf(why, sizeof(why), "%s", sts != NULL ? sts->why : "");
	if (dane == NULL) {
		d.status = DECISION_TEMPFAIL;
		snprintf(why, sizeof(why), "DANE lookup unavailable");
	} else if (dane->mx_status == DANE_MX_TEMPFAIL) {
		d.status = DECISION_TEMPFAIL;
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
			struct decision_host   *e;

			hr = override_table_host(ovt, h->name, now);
			if (hr != NULL) {
				nhostov++;
				first_hostov = first_hostov ? first_hostov
				                            : h->name;
				ov_note(ov, hr);
			} else if (dr != NULL
			        && dr->action != OVERRIDE_DEFER) {
				hr = dr;
			}
			act = ov_host(hr, h, sts, &match, hwhy, sizeof(hwhy));
			if ((e = decision_host_add(&d)) == NULL) {
				nomem();
			}
			host_fill(e, h, act, match, hwhy);
			if (hr != NULL && hr->is_mx) {
				ov_fill(&e->override, hr);
			}
			switch (act) {
			case DECISION_ACT_DANE:
				ndane++;
				nusable++;
				break;
			case DECISION_ACT_VERIFY:
			case DECISION_ACT_ENCRYPT:
			case DECISION_ACT_MAY:
				nusable++;
				break;
			case DECISION_ACT_SKIP:
				nskip++;
				break;
			case DECISION_ACT_DEFER:
				if (ndefer++ == 0) {
					first_defer = h->name;
					snprintf(defer_why, sizeof(defer_why),
					        "%s", hwhy);
				}
				break;
			case DECISION_ACT_UNKNOWN:
				break;
			}
		}
		if (dane->nhost > 0 && nusable == 0) {
			d.status = DECISION_TEMPFAIL;
			if (ndefer > 0) {
				snprintf(why, sizeof(why),
				        "no usable MX host: %s: %s",
				        first_defer, defer_why);
			} else {
				snprintf(why, sizeof(why),
				        "no MX host matches the MTA-STS "
				        "enforce policy (RFC 8461 section "
				        "5.1): "
				        "%zu skipped",
				        nskip);
			}
		}
	}
	if (ndane > 0) {
		d.policy = DECISION_POLICY_DANE;
	} else if (dsts != NULL && dsts->status == STS_ANSWER_OK
	        && dsts->has_policy) {
		d.policy = DECISION_POLICY_STS;
	} else {
		d.policy = DECISION_POLICY_NONE;
	}
	/* the policy as published (what TLSRPT reports under) */
	sts_fill(&d, sts);
	if (dr != NULL) {
		ov_note(ov, dr);
		ov_fill(&d.override, dr);
		ov_text(dr, note, sizeof(note));
		if (dr->action == OVERRIDE_DEFER) {
			d.status = DECISION_TEMPFAIL;
			snprintf(owhy, sizeof(owhy), "%s: mail held; %s", note,
			        why);
		} else {
			snprintf(owhy, sizeof(owhy), "%s; %s", note, why);
		}
		snprintf(why, sizeof(why), "%s", owhy);
	}
	if (nhostov > 0) {
		snprintf(owhy, sizeof(owhy),
		        "%s; local override for MX host %s%s (see hosts)", why,
		        first_hostov, nhostov > 1 ? " and others" : "");
		snprintf(why, sizeof(why), "%s", owhy);
	}
	if (dane != NULL) {
		d.mx_status = xstrdup(dane_mx_status_name(dane->mx_status));
		d.dane_why
		        = xstrdup(dane_result_why(dane, dwhy, sizeof(dwhy)));
	}
	d.has_hosts = 1;
	tlsrpt_fill(&d, tlsrpt);
	d.why = xstrdup(why);
	if ((o = decision_encode(&d)) == NULL) {
		nomem();
	}
	decision_clear(&d);
	return (o);
}
