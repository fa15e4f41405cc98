/*
 * dane_tlsa.c - TLSA record usability for SMTP (RFC 7672 §3.1, RFC 6698
 * §2.1, RFC 7671 §4) and the RFC 7218 names of its fields. Pure.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "dane/dane.h"

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

static void
dane_tlsa_why(char *why, size_t whylen, const char *what, uint8_t value,
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
		dane_tlsa_why(why, whylen, "certificate usage", usage,
		        dane_usage_name(usage),
		        usage <= 1 ? "RFC 7672 section 3.1.3"
		                   : "RFC 7672 section 3.1, RFC 7671 section "
		                     "4.1");
		return (DANE_TLSA_BAD_USAGE);
	}
	if (selector > 1) {
		dane_tlsa_why(why, whylen, "selector", selector,
		        dane_selector_name(selector),
		        "RFC 6698 section 2.1.2, RFC 7671 section 4.1");
		return (DANE_TLSA_BAD_SELECTOR);
	}
	if (mtype > 2) {
		dane_tlsa_why(why, whylen, "matching type", mtype,
		        dane_mtype_name(mtype),
		        "RFC 6698 section 2.1.3, RFC 7671 section 4.1");
		return (DANE_TLSA_BAD_MTYPE);
	}
	want = mtype == 1 ? 32 : mtype == 2 ? 64 : 0;
	if (len == 0 || (want != 0 && len != want)) {
		if (why != NULL && whylen > 0) {
			if (want == 0) {
				snprintf(why, whylen,
				        "empty Full(0) association data "
				        "(RFC 6698 section 2.1.4)");
			} else {
				snprintf(why, whylen,
				        "%s(%u) association data is %zu "
				        "bytes, not %zu (RFC 6698 section "
				        "2.1.3)",
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
