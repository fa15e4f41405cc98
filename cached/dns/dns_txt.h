/*
 * dns_txt.h - the version-tagged TXT records of MTA-STS (RFC 8461 §3.1,
 * "v=STSv1") and SMTP TLS Reporting (RFC 8460 §3, "v=TLSRPTv1"): which
 * record of an RRset carries the tag, and the rule both share that exactly
 * one may.
 */
#ifndef MXTLS_CACHED_DNS_TXT_H
#define MXTLS_CACHED_DNS_TXT_H

#include <stddef.h>

enum dns_txt_pick {
	DNS_TXT_ONE = 0, /* exactly one record carries the tag */
	DNS_TXT_NONE,    /* none does */
	DNS_TXT_MANY,    /* more than one does */
};

/* dns_txt_tagged - 1 when txt (len bytes, NULL allowed) begins with tag
 * (case-sensitive) followed by its end, ';' or WSP; else 0. */
int dns_txt_tagged(const char *txt, size_t len, const char *tag);

/*
 * dns_txt_pick - of the n records (txts[i] of lens[i] bytes), the one
 * tagged with tag: DNS_TXT_ONE with *found its index; DNS_TXT_NONE ("no
 * TXT record begins with <tag>") or DNS_TXT_MANY ("<k> TXT records begin
 * with <tag>, exactly one allowed") with why (may be NULL).
 */
enum dns_txt_pick dns_txt_pick(const char *const *txts, const size_t *lens,
        size_t n, const char *tag, size_t *found, char *why, size_t whylen);

#endif
