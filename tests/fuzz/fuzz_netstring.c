/*
 * fuzz_netstring.c - libFuzzer target for the socketmap request framing:
 * netstring_parse over the whole input as a stream (as the listener reads
 * it), with the limit SOCKETMAP_MAX_REQUEST and a small one; every payload
 * goes through socketmap_answer_key. Aborts when an invariant of the API
 * does not hold: a parsed netstring re-encodes to the bytes it came from,
 * MORE only for a proper prefix, a LOOKUP key is a normal domain.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "door/netstring.h"
#include "door/socketmap.h"
#include "door/socketmap_answer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
stream(const char *buf, size_t size, size_t max)
{
	size_t                off = 0, plen, used, n;
	const char           *payload;
	char                  why[160], dom[DOMAIN_MAX + 1], kwhy[256];
	char                  enc[64];
	enum netstring_status st;
	enum socketmap_key    k;

	while (off < size) {
		why[0] = '\0';
		st     = netstring_parse(buf + off, size - off, max, &payload,
		            &plen, &used, why, sizeof(why));
		if (st == NETSTRING_MORE) {
			return;
		}
		if (st == NETSTRING_BAD) {
			if (why[0] == '\0'
			        || memchr(why, '\0', sizeof(why)) == NULL) {
				abort();
			}
			return;
		}
		if (plen > max || used > size - off || used < plen + 3
		        || payload < buf + off
		        || payload + plen + 1 != buf + off + used
		        || payload[plen] != ',') {
			abort();
		}
		/* the bytes re-encode to themselves */
		if (plen < 32) {
			n = netstring_encode(enc, sizeof(enc), payload, plen);
			if (n != used || memcmp(enc, buf + off, used) != 0) {
				abort();
			}
		}
		k = socketmap_answer_key(
		        payload, plen, dom, sizeof(dom), kwhy, sizeof(kwhy));
		if (k == SOCKETMAP_KEY_LOOKUP && !domain_is_normal(dom)) {
			abort();
		}
		if (k != SOCKETMAP_KEY_LOOKUP && kwhy[0] == '\0') {
			abort();
		}
		off += used;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);

	if (buf == NULL) {
		return (0);
	}
	memcpy(buf, data, size);
	stream(buf, size, SOCKETMAP_MAX_REQUEST);
	stream(buf, size, 16);
	free(buf);
	return (0);
}
