/*
 * dane_why.c - the reasons of a DANE result and of its hosts (dane.h):
 * kept as codes (enum dane_why, the MX status, the notes) and written out
 * only when asked for, so that a memoised domain costs little; failures
 * that quote a DNS error or a record keep their text. Pure.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dane/dane.h"
#include "util/xalloc.h"

/* vset - *text = the formatted text, cut to max - 1 bytes. */
static void vset(char **text, size_t max, const char *fmt, va_list ap)
        __attribute__((format(printf, 3, 0)));

static void
vset(char **text, size_t max, const char *fmt, va_list ap)
{
	char buf[DANE_RESULT_WHY_MAX];

	if (max > sizeof(buf)) {
		max = sizeof(buf);
	}
	vsnprintf(buf, max, fmt, ap);
	free(*text);
	*text = xstrdup(buf);
}

void
dane_result_set_why(struct dane_result *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(&r->text, DANE_RESULT_WHY_MAX, fmt, ap);
	va_end(ap);
	r->notes |= DANE_NOTE_WHY;
}

void
dane_host_set_why(struct dane_host *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(&h->text, DANE_HOST_WHY_MAX, fmt, ap);
	va_end(ap);
	h->why = DANE_WHY_TEXT;
}

void
dane_host_why_code(struct dane_host *h, enum dane_why why)
{
	free(h->text);
	h->text = NULL;
	h->why  = (uint8_t)why;
}

const char *
dane_host_tlsa_name(const struct dane_host *h, char *buf, size_t len)
{
	const char *base;

	if (len == 0) {
		return (buf);
	}
	switch (h->tlsa_at) {
	case DANE_TLSA_AT_CANON:
		base = h->canon != NULL ? h->canon : h->name;
		break;
	case DANE_TLSA_AT_NAME:
		base = h->name;
		break;
	default:
		buf[0] = '\0';
		return (buf);
	}
	snprintf(buf, len, "_%u._tcp.%s", (unsigned)h->port, base);
	return (buf);
}

const char *
dane_host_why(const struct dane_host *h, char *buf, size_t len)
{
	char        tn[DANE_TLSA_NAME_MAX];
	const char *canon = h->canon != NULL ? h->canon : h->name;
	int         retried;

	if (len == 0) {
		return (buf);
	}
	dane_host_tlsa_name(h, tn, sizeof(tn));
	/* after a retry at the original name, the expanded one came first */
	retried = h->tlsa_at == DANE_TLSA_AT_NAME && h->canon != NULL;
	switch (h->why) {
	case DANE_WHY_TEXT:
		snprintf(buf, len, "%s", h->text != NULL ? h->text : "");
		break;
	case DANE_WHY_IMPLICIT_INSECURE:
		snprintf(buf, len,
		        "no MX RRset and its denial is not DNSSEC-signed");
		break;
	case DANE_WHY_MX_INSECURE:
		snprintf(buf, len, "MX RRset is not DNSSEC-signed");
		break;
	case DANE_WHY_ADDR_INSECURE:
		snprintf(buf, len,
		        "address records not DNSSEC-signed: no DANE (RFC 7672 "
		        "section 2.2)");
		break;
	case DANE_WHY_TLSA_RETRY:
		snprintf(buf, len, "no TLSA records at _%u._tcp.%s",
		        (unsigned)h->port, canon);
		break;
	case DANE_WHY_TLSA_NONE:
	case DANE_WHY_TLSA_NONE_INSECURE:
		if (retried) {
			snprintf(buf, len,
			        "no TLSA records at _%u._tcp.%s, no TLSA "
			        "records "
			        "at %s%s",
			        (unsigned)h->port, canon, tn,
			        h->why == DANE_WHY_TLSA_NONE
			                ? " (securely denied)"
			                : " (denial not DNSSEC-signed)");
		} else {
			snprintf(buf, len, "no TLSA records at %s%s", tn,
			        h->why == DANE_WHY_TLSA_NONE
			                ? " (securely denied)"
			                : " (denial not DNSSEC-signed)");
		}
		break;
	case DANE_WHY_TLSA_INSECURE:
		snprintf(buf, len,
		        "TLSA records at %s not DNSSEC-signed: no DANE (RFC "
		        "7672 section 2.2)",
		        tn);
		break;
	case DANE_WHY_USABLE:
		snprintf(buf, len,
		        "%u usable TLSA record%s at %s (%u unusable)",
		        (unsigned)h->ntlsa, h->ntlsa == 1 ? "" : "s", tn,
		        (unsigned)h->nunusable);
		break;
	default:
		buf[0] = '\0';
		break;
	}
	return (buf);
}

/* mx_notes - the notes of the MX step. */
static void
mx_notes(const struct dane_result *r, char *note, size_t len)
{
	size_t n;

	note[0] = '\0';
	if (r->notes & DANE_NOTE_NULL_MIX) {
		snprintf(note, len,
		        "; ignored a null MX mixed with other MX records (RFC "
		        "7505 section 3: a null MX must be the only one)");
	}
	if (r->notes & DANE_NOTE_MORE) {
		n = strlen(note);
		snprintf(note + n, len - n,
		        "; only the %d most preferred hosts are considered",
		        DANE_MAX_HOSTS);
	}
}

const char *
dane_result_why(const struct dane_result *r, char *buf, size_t len)
{
	char   note[160];
	size_t n[4] = { 0, 0, 0, 0 }, i, used;

	if (len == 0) {
		return (buf);
	}
	buf[0] = '\0';
	if (r->text != NULL) {
		snprintf(buf, len, "%s", r->text);
	} else if (r->notes & DANE_NOTE_WHY) {
		switch ((enum dane_mx_status)r->mx_status) {
		case DANE_MX_NODOMAIN:
			snprintf(buf, len, "%s does not exist (NXDOMAIN%s)",
			        r->domain,
			        r->mx_secure ? ", DNSSEC-signed" : "");
			break;
		case DANE_MX_IMPLICIT:
			if (r->mx_secure) {
				snprintf(buf, len,
				        "no MX RRset (securely denied): %s is "
				        "its own mail host (RFC 5321 section "
				        "5.1)",
				        r->domain);
			} else {
				snprintf(buf, len,
				        "no MX RRset: %s is its own mail host "
				        "(RFC 5321 section 5.1); the denial "
				        "is not "
				        "DNSSEC-signed: no DANE (RFC 7672 "
				        "section 2.2.1)",
				        r->domain);
			}
			break;
		case DANE_MX_NULL:
			snprintf(buf, len,
			        "null MX (RFC 7505): %s accepts no mail",
			        r->domain);
			break;
		case DANE_MX_SECURE:
			mx_notes(r, note, sizeof(note));
			snprintf(buf, len,
			        "DNSSEC-signed MX RRset, %u host%s%s",
			        (unsigned)r->nhost, r->nhost == 1 ? "" : "s",
			        note);
			break;
		case DANE_MX_INSECURE:
			mx_notes(r, note, sizeof(note));
			snprintf(buf, len,
			        "MX RRset is not DNSSEC-signed: no DANE for "
			        "any "
			        "host (RFC 7672 section 2.2.1)%s",
			        note);
			break;
		case DANE_MX_TEMPFAIL:
			break;
		}
	}
	if ((r->notes & DANE_NOTE_CONCLUDED)
	        && (r->mx_status == DANE_MX_SECURE
	                || (r->mx_status == DANE_MX_IMPLICIT
	                        && r->mx_secure))) {
		for (i = 0; i < r->nhost; i++) {
			if (r->hosts[i].status < 4) {
				n[r->hosts[i].status]++;
			}
		}
		used = strlen(buf);
		snprintf(buf + used, len - used,
		        "; hosts: %zu usable, %zu unusable, %zu none, %zu "
		        "tempfail",
		        n[DANE_HOST_USABLE], n[DANE_HOST_UNUSABLE],
		        n[DANE_HOST_NONE], n[DANE_HOST_TEMPFAIL]);
	}
	return (buf);
}
