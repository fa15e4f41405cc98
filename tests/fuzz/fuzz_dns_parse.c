/*
 * fuzz_dns_parse.c - libFuzzer target for dns_parse_answer
 * (cached/dns/dns_answer.c), the parser of answer packets that remote servers
 * shape.
 *
 * Input: one selector byte, then the packet. Selector bits 0-2 pick the
 * type asked for (A, MX, TXT, AAAA, TLSA, or an unsupported one), bits 3-4
 * the DNSSEC status unbound reported (0 insecure, 1 bogus, 2 and 3
 * secure), bit 5 an error rcode from unbound (SERVFAIL). Every record of
 * the result is read back so that the sanitizers see any bad pointer.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dns/dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile unsigned sink;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int types[8] = { DNS_T_A, DNS_T_MX, DNS_T_TXT, DNS_T_AAAA,
		DNS_T_TLSA, 5, 6, 255 };
	struct dns_result res;
	unsigned          acc = 0;
	size_t            i, j;
	int               sec;

	if (size < 1) {
		return (0);
	}
	sec = (data[0] >> 3) & 3;
	dns_parse_answer(data + 1, size - 1, types[data[0] & 7],
	        (data[0] & 0x20) ? 2 : 0, sec == 3 ? 2 : sec, "fuzz", &res);
	acc += (unsigned)res.status + (unsigned)strlen(res.why)
	        + (unsigned)strlen(res.canon) + res.ttl;
	if (res.status != DNS_FOUND && res.nrr != 0) {
		__builtin_trap();
	}
	if (res.status == DNS_BOGUS && sec != 1) {
		__builtin_trap();
	}
	for (i = 0; i < res.nrr; i++) {
		const struct dns_rr *rr = &res.rr[i];
		acc += rr->ttl + rr->type;
		switch (rr->type) {
		case DNS_T_TXT:
			for (j = 0; j <= rr->u.txt.len; j++) {
				acc += (unsigned char)rr->u.txt.text[j];
			}
			if (rr->u.txt.text[rr->u.txt.len] != '\0') {
				__builtin_trap();
			}
			break;
		case DNS_T_TLSA:
			for (j = 0; j < rr->u.tlsa.len; j++) {
				acc += rr->u.tlsa.data[j];
			}
			break;
		case DNS_T_MX:
			acc += (unsigned)strlen(rr->u.mx.host);
			break;
		default:
			break;
		}
	}
	sink = acc;
	dns_result_clear(&res);
	return (0);
}
