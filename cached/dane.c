/*
 * dane.c - the pure rules of DANE for SMTP (RFC 7672 §2.1, §2.2, §2.2.1,
 * §2.2.2, §3.1; RFC 6698 §2.1; RFC 7671 §4; RFC 7218 names; RFC 7505 null
 * MX; RFC 5321 §5.1 implicit MX): TLSA record usability, and the steps that
 * turn the MX, address and TLSA answers of a destination domain into a
 * struct dane_result. No I/O, no globals: dane_resolver.c does the lookups.
 *
 * Results are reference-counted; the last dane_result_unref frees the hosts
 * and their TLSA data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"
#include "dane.h"
#include "log.h"

/* ---- TLSA records ---------------------------------------------------- */

const char *
dane_usage_name(uint8_t usage)
{
	switch (usage) {
	case 0:
		return ("PKIX-TA");
	case 1:
		return ("PKIX-EE");
	case 2:
		return ("DANE-TA");
	case 3:
		return ("DANE-EE");
	case 255:
		return ("PrivCert");
	}
	return ("?");
}

const char *
dane_selector_name(uint8_t selector)
{
	switch (selector) {
	case 0:
		return ("Cert");
	case 1:
		return ("SPKI");
	case 255:
		return ("PrivSel");
	}
	return ("?");
}

const char *
dane_mtype_name(uint8_t mtype)
{
	switch (mtype) {
	case 0:
		return ("Full");
	case 1:
		return ("SHA2-256");
	case 2:
		return ("SHA2-512");
	case 255:
		return ("PrivMatch");
	}
	return ("?");
}

const char *
dane_mx_status_name(enum dane_mx_status status)
{
	switch (status) {
	case DANE_MX_SECURE:
		return ("secure");
	case DANE_MX_INSECURE:
		return ("insecure");
	case DANE_MX_IMPLICIT:
		return ("implicit");
	case DANE_MX_NULL:
		return ("null");
	case DANE_MX_NODOMAIN:
		return ("nxdomain");
	case DANE_MX_TEMPFAIL:
		return ("tempfail");
	}
	return ("?");
}

const char *
dane_host_status_name(enum dane_host_status status)
{
	switch (status) {
	case DANE_HOST_USABLE:
		return ("usable");
	case DANE_HOST_UNUSABLE:
		return ("unusable");
	case DANE_HOST_NONE:
		return ("none");
	case DANE_HOST_TEMPFAIL:
		return ("tempfail");
	}
	return ("?");
}

static void
set_why(char *why, size_t whylen, const char *what, uint8_t value,
        const char *name, const char *rfc)
{
	if (why == NULL || whylen == 0) {
		return;
	}
	if (strcmp(name, "?") == 0) {
		snprintf(why, whylen, "unknown %s %u (%s)", what,
		        (unsigned)value, rfc);
	} else {
		snprintf(why, whylen, "%s(%u) is not usable for SMTP (%s)",
		        name, (unsigned)value, rfc);
	}
}

enum dane_tlsa_check
dane_tlsa_check(uint8_t usage, uint8_t selector, uint8_t mtype, size_t len,
        char *why, size_t whylen)
{
	size_t want;

	if (usage != 2 && usage != 3) {
		set_why(why, whylen, "certificate usage", usage,
		        dane_usage_name(usage),
		        usage <= 1 ? "RFC 7672 §3.1.3"
		                   : "RFC 7672 §3.1, RFC 7671 §4.1");
		return (DANE_TLSA_BAD_USAGE);
	}
	if (selector > 1) {
		set_why(why, whylen, "selector", selector,
		        dane_selector_name(selector),
		        "RFC 6698 §2.1.2, RFC 7671 §4.1");
		return (DANE_TLSA_BAD_SELECTOR);
	}
	if (mtype > 2) {
		set_why(why, whylen, "matching type", mtype,
		        dane_mtype_name(mtype),
		        "RFC 6698 §2.1.3, RFC 7671 §4.1");
		return (DANE_TLSA_BAD_MTYPE);
	}
	want = mtype == 1 ? 32 : mtype == 2 ? 64 : 0;
	if (len == 0 || (want != 0 && len != want)) {
		if (why != NULL && whylen > 0) {
			if (want == 0) {
				snprintf(why, whylen,
				        "empty Full(0) association data "
				        "(RFC 6698 §2.1.4)");
			} else {
				snprintf(why, whylen,
				        "%s(%u) association data is %zu "
				        "bytes, not %zu (RFC 6698 §2.1.3)",
				        dane_mtype_name(mtype),
				        (unsigned)mtype, len, want);
			}
		}
		return (DANE_TLSA_BAD_LENGTH);
	}
	if (why != NULL && whylen > 0) {
		snprintf(why, whylen, "%s(%u) %s(%u) %s(%u)",
		        dane_usage_name(usage), (unsigned)usage,
		        dane_selector_name(selector), (unsigned)selector,
		        dane_mtype_name(mtype), (unsigned)mtype);
	}
	return (DANE_TLSA_USABLE);
}

/* ---- results --------------------------------------------------------- */

struct dane_result *
dane_result_new(const char *domain)
{
	struct dane_result *r = xcalloc(1, sizeof(*r));

	r->refs = 1;
	snprintf(r->domain, sizeof(r->domain), "%s", domain);
	return (r);
}

struct dane_result *
dane_result_ref(struct dane_result *r)
{
	if (r != NULL) {
		r->refs++;
	}
	return (r);
}

static void
host_clear_tlsa(struct dane_host *h)
{
	size_t i;

	for (i = 0; i < h->ntlsa; i++) {
		free(h->tlsa[i].data);
	}
	free(h->tlsa);
	h->tlsa  = NULL;
	h->ntlsa = 0;
}

void
dane_result_unref(struct dane_result *r)
{
	size_t i;

	if (r == NULL || --r->refs > 0) {
		return;
	}
	for (i = 0; i < r->nhost; i++) {
		host_clear_tlsa(&r->hosts[i]);
	}
	free(r->hosts);
	free(r);
}

/* ---- the MX step ----------------------------------------------------- */

static void
host_init(struct dane_host *h, const char *name, uint16_t pref)
{
	memset(h, 0, sizeof(*h));
	snprintf(h->name, sizeof(h->name), "%s", name);
	h->pref   = pref;
	h->status = DANE_HOST_NONE;
}

static int
host_listed(const struct dane_result *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nhost; i++) {
		if (strcmp(r->hosts[i].name, name) == 0) {
			return (1);
		}
	}
	return (0);
}

/* mx_hosts - fill r's hosts from a found MX RRset; returns null MX count. */
static size_t
mx_hosts(struct dane_result *r, const struct dns_result *mx, int *more)
{
	size_t *order, i, j, k, nnull = 0, cap;

	order = xcalloc(mx->nrr, sizeof(*order));
	/* insertion sort: stable, ties stay in answer order */
	for (i = 0, k = 0; i < mx->nrr; i++) {
		if (mx->rr[i].type != DNS_T_MX) {
			continue;
		}
		for (j = k; j > 0
		        && mx->rr[order[j - 1]].u.mx.pref
		                > mx->rr[i].u.mx.pref;
		        j--) {
			order[j] = order[j - 1];
		}
		order[j] = i;
		k++;
	}
	cap      = k < DANE_MAX_HOSTS ? k : DANE_MAX_HOSTS;
	r->hosts = cap > 0 ? xcalloc(cap, sizeof(*r->hosts)) : NULL;
	*more    = 0;
	for (i = 0; i < k; i++) {
		const struct dns_rr *rr = &mx->rr[order[i]];

		if (rr->u.mx.host[0] == '\0') {
			nnull++;
		} else if (host_listed(r, rr->u.mx.host)) {
			continue;
		} else if (r->nhost == cap) {
			*more = 1;
		} else {
			host_init(&r->hosts[r->nhost++], rr->u.mx.host,
			        rr->u.mx.pref);
		}
	}
	free(order);
	return (nnull);
}

size_t
dane_mx_apply(struct dane_result *r, const struct dns_result *mx)
{
	char   note[160];
	size_t i, nnull;
	int    more;

	r->mx_secure = mx->secure;
	switch (mx->status) {
	case DNS_BOGUS:
		r->mx_status = DANE_MX_TEMPFAIL;
		snprintf(r->why, sizeof(r->why),
		        "DNSSEC validation failed for the MX RRset of %s: %s "
		        "(RFC 7672 §2.1: deferred)",
		        r->domain, mx->why);
		return (0);
	case DNS_TEMPFAIL:
		r->mx_status = DANE_MX_TEMPFAIL;
		snprintf(r->why, sizeof(r->why),
		        "MX lookup for %s failed: %s (RFC 7672 §2.1: "
		        "deferred)",
		        r->domain, mx->why);
		return (0);
	case DNS_NOTFOUND:
		if (mx->rcode == 3) {
			r->mx_status = DANE_MX_NODOMAIN;
			snprintf(r->why, sizeof(r->why),
			        "%s does not exist (NXDOMAIN%s)", r->domain,
			        mx->secure ? ", DNSSEC-signed" : "");
			return (0);
		}
		r->mx_status = DANE_MX_IMPLICIT;
		r->hosts     = xcalloc(1, sizeof(*r->hosts));
		r->nhost     = 1;
		host_init(&r->hosts[0], r->domain, 0);
		if (mx->secure) {
			snprintf(r->why, sizeof(r->why),
			        "no MX RRset (securely denied): %s is its own "
			        "mail host (RFC 5321 §5.1)",
			        r->domain);
			return (1);
		}
		snprintf(r->hosts[0].why, sizeof(r->hosts[0].why),
		        "no MX RRset and its denial is not DNSSEC-signed");
		snprintf(r->why, sizeof(r->why),
		        "no MX RRset: %s is its own mail host (RFC 5321 "
		        "§5.1); "
		        "the denial is not DNSSEC-signed: no DANE (RFC 7672 "
		        "§2.2.1)",
		        r->domain);
		return (0);
	case DNS_FOUND:
		break;
	}
	nnull = mx_hosts(r, mx, &more);
	if (r->nhost == 0) {
		r->mx_status = DANE_MX_NULL;
		snprintf(r->why, sizeof(r->why),
		        "null MX (RFC 7505): %s accepts no mail", r->domain);
		return (0);
	}
	note[0] = '\0';
	if (nnull > 0) {
		snprintf(note, sizeof(note),
		        "; ignored a null MX mixed with other MX records (RFC "
		        "7505 §3: a null MX must be the only one)");
	}
	if (more) {
		size_t n = strlen(note);
		snprintf(note + n, sizeof(note) - n,
		        "; only the %d most preferred hosts are considered",
		        DANE_MAX_HOSTS);
	}
	if (mx->secure) {
		r->mx_status = DANE_MX_SECURE;
		snprintf(r->why, sizeof(r->why),
		        "DNSSEC-signed MX RRset, %zu host%s%s", r->nhost,
		        r->nhost == 1 ? "" : "s", note);
		return (r->nhost);
	}
	r->mx_status = DANE_MX_INSECURE;
	for (i = 0; i < r->nhost; i++) {
		snprintf(r->hosts[i].why, sizeof(r->hosts[i].why),
		        "MX RRset is not DNSSEC-signed");
	}
	snprintf(r->why, sizeof(r->why),
	        "MX RRset is not DNSSEC-signed: no DANE for any host (RFC "
	        "7672 §2.2.1)%s",
	        note);
	return (0);
}

/* ---- the address step ------------------------------------------------ */

int
dane_addr_apply(struct dane_host *h, const struct dns_result *a,
        const struct dns_result *aaaa, int port)
{
	const struct dns_result *rs[2]   = { a, aaaa };
	static const char *const names[] = { "A", "AAAA" };
	const char              *canon;
	int                      i, secure = 1;

	h->naddr        = 0;
	h->addr_secure  = 0;
	h->tlsa_name[0] = '\0';
	for (i = 0; i < 2; i++) {
		if (rs[i]->status == DNS_BOGUS) {
			h->status = DANE_HOST_TEMPFAIL;
			snprintf(h->why, sizeof(h->why),
			        "DNSSEC validation failed for %s %s: %s",
			        h->name, names[i], rs[i]->why);
			return (0);
		}
	}
	for (i = 0; i < 2; i++) {
		if (rs[i]->status == DNS_TEMPFAIL) {
			h->status = DANE_HOST_TEMPFAIL;
			snprintf(h->why, sizeof(h->why),
			        "%s lookup for %s failed: %s", names[i],
			        h->name, rs[i]->why);
			return (0);
		}
	}
	for (i = 0; i < 2; i++) {
		if (rs[i]->status == DNS_FOUND) {
			h->naddr += rs[i]->nrr;
			secure = secure && rs[i]->secure;
		}
	}
	h->status = DANE_HOST_NONE;
	if (h->naddr == 0) {
		h->addr_secure = a->secure && aaaa->secure;
		snprintf(h->why, sizeof(h->why),
		        "no address records (A: %s; AAAA: %s)", a->why,
		        aaaa->why);
		return (0);
	}
	h->addr_secure = secure;
	if (!secure) {
		snprintf(h->why, sizeof(h->why),
		        "address records not DNSSEC-signed: no DANE (RFC 7672 "
		        "§2.2)");
		return (0);
	}
	canon = a->status == DNS_FOUND ? a->canon : aaaa->canon;
	if (canon[0] == '\0') {
		canon = h->name;
	}
	snprintf(h->tlsa_name, sizeof(h->tlsa_name), "_%d._tcp.%s", port,
	        canon);
	h->why[0] = '\0';
	return (1);
}

/* ---- the TLSA step --------------------------------------------------- */

/* tlsa_base - the host part of _<port>._tcp.<host>. */
static const char *
tlsa_base(const char *tlsa_name)
{
	const char *p = strstr(tlsa_name, "._tcp.");

	return (p != NULL ? p + 6 : tlsa_name);
}

static void
tlsa_classify(struct dane_host *h, const struct dns_result *t)
{
	char   why[160], first[160];
	size_t i, n;

	host_clear_tlsa(h);
	h->nunusable = 0;
	first[0]     = '\0';
	for (i = 0, n = 0; i < t->nrr; i++) {
		if (t->rr[i].type == DNS_T_TLSA
		        && dane_tlsa_check(t->rr[i].u.tlsa.usage,
		                   t->rr[i].u.tlsa.selector,
		                   t->rr[i].u.tlsa.mtype, t->rr[i].u.tlsa.len,
		                   NULL, 0)
		                == DANE_TLSA_USABLE) {
			n++;
		}
	}
	h->tlsa = n > 0 ? xcalloc(n, sizeof(*h->tlsa)) : NULL;
	for (i = 0; i < t->nrr; i++) {
		const struct dns_rr *rr = &t->rr[i];
		struct dane_tlsa    *d;

		if (rr->type != DNS_T_TLSA) {
			continue;
		}
		if (dane_tlsa_check(rr->u.tlsa.usage, rr->u.tlsa.selector,
		            rr->u.tlsa.mtype, rr->u.tlsa.len, why, sizeof(why))
		        != DANE_TLSA_USABLE) {
			if (h->nunusable++ == 0) {
				snprintf(first, sizeof(first), "%s", why);
			}
			continue;
		}
		d           = &h->tlsa[h->ntlsa++];
		d->usage    = rr->u.tlsa.usage;
		d->selector = rr->u.tlsa.selector;
		d->mtype    = rr->u.tlsa.mtype;
		d->len      = rr->u.tlsa.len;
		d->data     = xcalloc(1, d->len);
		memcpy(d->data, rr->u.tlsa.data, d->len);
	}
	if (h->ntlsa > 0) {
		h->status = DANE_HOST_USABLE;
		snprintf(h->why, sizeof(h->why),
		        "%zu usable TLSA record%s at %s (%zu unusable)",
		        h->ntlsa, h->ntlsa == 1 ? "" : "s", h->tlsa_name,
		        h->nunusable);
	} else {
		h->status = DANE_HOST_UNUSABLE;
		snprintf(h->why, sizeof(h->why),
		        "no usable record in the secure TLSA RRset at %s "
		        "(%s): "
		        "TLS mandatory, unauthenticated (RFC 7672 §2.2)",
		        h->tlsa_name, first);
	}
}

int
dane_tlsa_apply(struct dane_host *h, const struct dns_result *t, int port)
{
	char prev[sizeof(h->why)];

	switch (t->status) {
	case DNS_BOGUS:
		h->status = DANE_HOST_TEMPFAIL;
		snprintf(h->why, sizeof(h->why),
		        "DNSSEC validation failed for %s TLSA: %s (RFC 7672 "
		        "§2.1)",
		        h->tlsa_name, t->why);
		return (0);
	case DNS_TEMPFAIL:
		h->status = DANE_HOST_TEMPFAIL;
		snprintf(h->why, sizeof(h->why),
		        "TLSA lookup at %s failed: %s (RFC 7672 §2.1)",
		        h->tlsa_name, t->why);
		return (0);
	case DNS_NOTFOUND:
		if (t->secure
		        && strcmp(tlsa_base(h->tlsa_name), h->name) != 0) {
			/* RFC 7672 §2.2.2: then the name before expansion */
			h->status = DANE_HOST_NONE;
			snprintf(h->why, sizeof(h->why),
			        "no TLSA records at %s", h->tlsa_name);
			snprintf(h->tlsa_name, sizeof(h->tlsa_name),
			        "_%d._tcp.%s", port, h->name);
			return (1);
		}
		snprintf(prev, sizeof(prev), "%s", h->why);
		h->status = DANE_HOST_NONE;
		snprintf(h->why, sizeof(h->why), "%s%sno TLSA records at %s%s",
		        prev, prev[0] != '\0' ? ", " : "", h->tlsa_name,
		        t->secure ? " (securely denied)"
		                  : " (denial not DNSSEC-signed)");
		return (0);
	case DNS_FOUND:
		break;
	}
	if (!t->secure) {
		h->status = DANE_HOST_NONE;
		snprintf(h->why, sizeof(h->why),
		        "TLSA records at %s not DNSSEC-signed: no DANE (RFC "
		        "7672 §2.2)",
		        h->tlsa_name);
		return (0);
	}
	tlsa_classify(h, t);
	return (0);
}

/* ---- the conclusion -------------------------------------------------- */

int
dane_result_conclude(struct dane_result *r, uint32_t ttl, uint32_t max_ttl,
        uint32_t negative_ttl)
{
	size_t n[4] = { 0, 0, 0, 0 }, i, len;

	for (i = 0; i < r->nhost; i++) {
		if ((unsigned)r->hosts[i].status < 4) {
			n[r->hosts[i].status]++;
		}
	}
	if (r->mx_status == DANE_MX_SECURE
	        || (r->mx_status == DANE_MX_IMPLICIT && r->mx_secure)) {
		len = strlen(r->why);
		snprintf(r->why + len, sizeof(r->why) - len,
		        "; hosts: %zu usable, %zu unusable, %zu none, %zu "
		        "tempfail",
		        n[DANE_HOST_USABLE], n[DANE_HOST_UNUSABLE],
		        n[DANE_HOST_NONE], n[DANE_HOST_TEMPFAIL]);
	}
	if (r->mx_status == DANE_MX_TEMPFAIL || n[DANE_HOST_TEMPFAIL] > 0) {
		r->ttl = 0;
		return (0);
	}
	if (ttl > max_ttl) {
		ttl = max_ttl;
	}
	if (n[DANE_HOST_USABLE] + n[DANE_HOST_UNUSABLE] == 0
	        && ttl > negative_ttl) {
		ttl = negative_ttl;
	}
	r->ttl = ttl;
	return (1);
}
