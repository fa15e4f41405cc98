/*
 * dns_txt.c - pick the one version-tagged TXT record of an RRset (RFC 8461
 * §3.1 for "v=STSv1", RFC 8460 §3 for "v=TLSRPTv1": records that do not
 * begin with the tag are ignored; more than one that does is an error).
 * Pure.
 */
#include <string.h>

#include "abnf.h"
#include "dns/dns_txt.h"
#include "why.h"

int
dns_txt_tagged(const char *txt, size_t len, const char *tag)
{
	size_t        n = strlen(tag);
	unsigned char c;

	if (txt == NULL || len < n || memcmp(txt, tag, n) != 0) {
		return (0);
	}
	if (len == n) {
		return (1);
	}
	c = (unsigned char)txt[n];
	return (c == ';' || abnf_wsp(c));
}

enum dns_txt_pick
dns_txt_pick(const char *const *txts, const size_t *lens, size_t n,
        const char *tag, size_t *found, char *why, size_t whylen)
{
	size_t i, count = 0;

	*found = 0;
	for (i = 0; i < n; i++) {
		if (dns_txt_tagged(txts[i], lens[i], tag)) {
			count++;
			*found = i;
		}
	}
	if (count == 0) {
		why_set(why, whylen, "no TXT record begins with %s", tag);
		return (DNS_TXT_NONE);
	}
	if (count > 1) {
		why_set(why, whylen,
		        "%zu TXT records begin with %s, exactly one allowed",
		        count, tag);
		return (DNS_TXT_MANY);
	}
	return (DNS_TXT_ONE);
}
