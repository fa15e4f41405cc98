/*
 * dane.c - the pure rules of DANE for SMTP (RFC 7672 §2.1, §2.2, §2.2.1,
 * §2.2.2; RFC 7505 null MX; RFC 5321 §5.1 implicit MX): the steps that turn
 * the MX, address and TLSA answers of a destination domain into a struct
 * dane_result, and the result's life. TLSA record usability is
 * dane_tlsa.c's, the reasons' text dane_why.c's. No I/O, no globals:
 * dane_resolver.c does the lookups.
 *
 * Results are reference-counted; the last dane_result_unref frees the hosts
 * and their TLSA data. The common reasons are kept as codes (enum
 * dane_why, the result's mx_status and notes) and written out by
 * dane_host_why / dane_result_why; only failures that quote a DNS error or
 * a record keep their text.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dane/dane.h"
#include "dane/dane_share.h"
#include "log.h"
#include "util/xalloc.h"

/* ---- results --------------------------------------------------------- */

struct dane_result *
dane_result_new(const char *domain)
{
	size_t              n = strlen(domain);
	struct dane_result *r;

	if (n > DOMAIN_MAX) {
		n = DOMAIN_MAX;
	}
	r       = xcalloc(1, offsetof(struct dane_result, domain) + n + 1);
	r->refs = 1;
	memcpy(r->domain, domain, n);
	r->domain[n] = '\0';
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

void
dane_result_unref(struct dane_result *r)
{
	size_t i;

	if (r == NULL || --r->refs > 0) {
		return;
	}
	if (r->notes & DANE_NOTE_SHARED) {
		dane_share_release(r->hosts);
	} else {
		for (i = 0; i < r->nhost; i++) {
			dane_host_clear(&r->hosts[i]);
		}
		free(r->hosts);
	}
	free(r->text);
	free(r);
}

/* ---- the MX step ----------------------------------------------------- */

static void
host_init(struct dane_host *h, const char *name, uint16_t pref)
{
	memset(h, 0, sizeof(*h));
	h->name   = name;
	h->pref   = pref;
	h->status = DANE_HOST_NONE;
}

/*
 * mx_hosts - fill r's hosts (one allocation with their names) from a found
 * MX RRset; returns the null MX count.
 */
static size_t
mx_hosts(struct dane_result *r, const struct dns_result *mx, int *more)
{
	size_t *order, i, j, k, nnull = 0, nsel = 0, names = 0, len;
	size_t  sel[DANE_MAX_HOSTS];
	char   *p;

	order = xcalloc(mx->nrr > 0 ? mx->nrr : 1, sizeof(*order));
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
	*more = 0;
	for (i = 0; i < k; i++) {
		const char *host = mx->rr[order[i]].u.mx.host;

		if (host[0] == '\0') {
			nnull++;
			continue;
		}
		for (j = 0; j < nsel; j++) {
			if (strcmp(mx->rr[sel[j]].u.mx.host, host) == 0) {
				break;
			}
		}
		if (j < nsel) {
			continue;
		}
		if (nsel == DANE_MAX_HOSTS) {
			*more = 1;
			continue;
		}
		sel[nsel++] = order[i];
		names += strlen(host) + 1;
	}
	free(order);
	if (nsel == 0) {
		return (nnull);
	}
	r->hosts = xcalloc(1, nsel * sizeof(*r->hosts) + names);
	p        = (char *)(r->hosts + nsel);
	for (i = 0; i < nsel; i++) {
		const struct dns_rr *rr = &mx->rr[sel[i]];

		len = strlen(rr->u.mx.host) + 1;
		memcpy(p, rr->u.mx.host, len);
		host_init(&r->hosts[i], p, rr->u.mx.pref);
		p += len;
	}
	r->nhost = (uint8_t)nsel;
	return (nnull);
}

size_t
dane_mx_apply(struct dane_result *r, const struct dns_result *mx)
{
	size_t i, nnull;
	int    more;

	r->mx_secure = mx->secure ? 1 : 0;
	switch (mx->status) {
	case DNS_BOGUS:
		r->mx_status = DANE_MX_TEMPFAIL;
		dane_result_set_why(r,
		        "DNSSEC validation failed for the MX RRset of %s: %s "
		        "(RFC 7672 section 2.1: deferred)",
		        r->domain, mx->why);
		return (0);
	case DNS_TEMPFAIL:
		r->mx_status = DANE_MX_TEMPFAIL;
		dane_result_set_why(r,
		        "MX lookup for %s failed: %s (RFC 7672 section 2.1: "
		        "deferred)",
		        r->domain, mx->why);
		return (0);
	case DNS_NOTFOUND:
		r->notes |= DANE_NOTE_WHY;
		if (mx->rcode == 3) {
			r->mx_status = DANE_MX_NODOMAIN;
			return (0);
		}
		r->mx_status = DANE_MX_IMPLICIT;
		r->hosts     = xcalloc(1, sizeof(*r->hosts));
		r->nhost     = 1;
		host_init(&r->hosts[0], r->domain, 0);
		if (mx->secure) {
			return (1);
		}
		dane_host_why_code(&r->hosts[0], DANE_WHY_IMPLICIT_INSECURE);
		return (0);
	case DNS_FOUND:
		break;
	}
	r->notes |= DANE_NOTE_WHY;
	nnull = mx_hosts(r, mx, &more);
	if (r->nhost == 0) {
		r->mx_status = DANE_MX_NULL;
		return (0);
	}
	if (nnull > 0) {
		r->notes |= DANE_NOTE_NULL_MIX;
	}
	if (more) {
		r->notes |= DANE_NOTE_MORE;
	}
	if (mx->secure) {
		r->mx_status = DANE_MX_SECURE;
		return (r->nhost);
	}
	r->mx_status = DANE_MX_INSECURE;
	for (i = 0; i < r->nhost; i++) {
		dane_host_why_code(&r->hosts[i], DANE_WHY_MX_INSECURE);
	}
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
	size_t                   naddr = 0;
	int                      i, secure = 1;

	h->naddr       = 0;
	h->addr_secure = 0;
	h->tlsa_at     = DANE_TLSA_AT_NONE;
	for (i = 0; i < 2; i++) {
		if (rs[i]->status == DNS_BOGUS) {
			h->status = DANE_HOST_TEMPFAIL;
			dane_host_set_why(h,
			        "DNSSEC validation failed for %s %s: %s",
			        h->name, names[i], rs[i]->why);
			return (0);
		}
	}
	for (i = 0; i < 2; i++) {
		if (rs[i]->status == DNS_TEMPFAIL) {
			h->status = DANE_HOST_TEMPFAIL;
			dane_host_set_why(h, "%s lookup for %s failed: %s",
			        names[i], h->name, rs[i]->why);
			return (0);
		}
	}
	for (i = 0; i < 2; i++) {
		if (rs[i]->status == DNS_FOUND) {
			naddr += rs[i]->nrr;
			secure = secure && rs[i]->secure;
		}
	}
	h->naddr  = naddr > UINT16_MAX ? UINT16_MAX : (uint16_t)naddr;
	h->status = DANE_HOST_NONE;
	if (naddr == 0) {
		h->addr_secure = a->secure && aaaa->secure;
		dane_host_set_why(h, "no address records (A: %s; AAAA: %s)",
		        a->why, aaaa->why);
		return (0);
	}
	h->addr_secure = (uint8_t)secure;
	if (!secure) {
		dane_host_why_code(h, DANE_WHY_ADDR_INSECURE);
		return (0);
	}
	canon = a->status == DNS_FOUND ? a->canon : aaaa->canon;
	free(h->canon);
	h->canon = NULL;
	if (canon[0] != '\0' && strcmp(canon, h->name) != 0) {
		h->canon = xstrdup(canon);
	}
	h->port    = (uint16_t)port;
	h->tlsa_at = h->canon != NULL ? DANE_TLSA_AT_CANON : DANE_TLSA_AT_NAME;
	dane_host_why_code(h, DANE_WHY_EMPTY);
	return (1);
}

/* ---- the TLSA step --------------------------------------------------- */

static void
tlsa_classify(struct dane_host *h, const struct dns_result *t)
{
	char           why[160], first[160], tn[DANE_TLSA_NAME_MAX];
	size_t         i, n, data, nunusable = 0;
	unsigned char *p;

	free(h->tlsa);
	h->tlsa  = NULL;
	h->ntlsa = 0;
	first[0] = '\0';
	for (i = 0, n = 0, data = 0; i < t->nrr; i++) {
		if (t->rr[i].type == DNS_T_TLSA
		        && dane_tlsa_check(t->rr[i].u.tlsa.usage,
		                   t->rr[i].u.tlsa.selector,
		                   t->rr[i].u.tlsa.mtype, t->rr[i].u.tlsa.len,
		                   NULL, 0)
		                == DANE_TLSA_USABLE) {
			n++;
			data += t->rr[i].u.tlsa.len;
		}
	}
	h->tlsa = n > 0 ? xcalloc(1, n * sizeof(*h->tlsa) + data) : NULL;
	p       = n > 0 ? (unsigned char *)(h->tlsa + n) : NULL;
	for (i = 0; i < t->nrr; i++) {
		const struct dns_rr *rr = &t->rr[i];
		struct dane_tlsa    *d;

		if (rr->type != DNS_T_TLSA) {
			continue;
		}
		if (dane_tlsa_check(rr->u.tlsa.usage, rr->u.tlsa.selector,
		            rr->u.tlsa.mtype, rr->u.tlsa.len, why, sizeof(why))
		        != DANE_TLSA_USABLE) {
			if (nunusable++ == 0) {
				snprintf(first, sizeof(first), "%s", why);
			}
			continue;
		}
		d           = &h->tlsa[h->ntlsa++];
		d->usage    = rr->u.tlsa.usage;
		d->selector = rr->u.tlsa.selector;
		d->mtype    = rr->u.tlsa.mtype;
		d->len      = (uint16_t)rr->u.tlsa.len;
		d->data     = p;
		memcpy(p, rr->u.tlsa.data, d->len);
		p += d->len;
	}
	h->nunusable
	        = nunusable > UINT16_MAX ? UINT16_MAX : (uint16_t)nunusable;
	if (h->ntlsa > 0) {
		h->status = DANE_HOST_USABLE;
		dane_host_why_code(h, DANE_WHY_USABLE);
	} else {
		h->status = DANE_HOST_UNUSABLE;
		dane_host_set_why(h,
		        "no usable record in the secure TLSA RRset at %s "
		        "(%s): "
		        "TLS mandatory, unauthenticated (RFC 7672 section "
		        "2.2)",
		        dane_host_tlsa_name(h, tn, sizeof(tn)), first);
	}
}

int
dane_tlsa_apply(struct dane_host *h, const struct dns_result *t, int port)
{
	char tn[DANE_TLSA_NAME_MAX];

	dane_host_tlsa_name(h, tn, sizeof(tn));
	switch (t->status) {
	case DNS_BOGUS:
		h->status = DANE_HOST_TEMPFAIL;
		dane_host_set_why(h,
		        "DNSSEC validation failed for %s TLSA: %s (RFC 7672 "
		        "section 2.1)",
		        tn, t->why);
		return (0);
	case DNS_TEMPFAIL:
		h->status = DANE_HOST_TEMPFAIL;
		dane_host_set_why(h,
		        "TLSA lookup at %s failed: %s (RFC 7672 section 2.1)",
		        tn, t->why);
		return (0);
	case DNS_NOTFOUND:
		h->status = DANE_HOST_NONE;
		if (t->secure && h->tlsa_at == DANE_TLSA_AT_CANON
		        && h->canon != NULL) {
			/* RFC 7672 §2.2.2: then the name before expansion */
			dane_host_why_code(h, DANE_WHY_TLSA_RETRY);
			h->port    = (uint16_t)port;
			h->tlsa_at = DANE_TLSA_AT_NAME;
			return (1);
		}
		dane_host_why_code(h,
		        t->secure ? DANE_WHY_TLSA_NONE
		                  : DANE_WHY_TLSA_NONE_INSECURE);
		return (0);
	case DNS_FOUND:
		break;
	}
	if (!t->secure) {
		h->status = DANE_HOST_NONE;
		dane_host_why_code(h, DANE_WHY_TLSA_INSECURE);
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
	size_t n[4] = { 0, 0, 0, 0 }, i;

	for (i = 0; i < r->nhost; i++) {
		if ((unsigned)r->hosts[i].status < 4) {
			n[r->hosts[i].status]++;
		}
	}
	r->notes |= DANE_NOTE_CONCLUDED;
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
