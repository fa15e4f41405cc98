/*
 * fuzz_proto.c - libFuzzer target for the IPC request parser: any bytes must
 * give a parsed request or an error with a reason, and a parsed request must
 * encode and parse back to itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_request req, again;
	char                 why[256];
	char                *s;

	if (proto_request_parse(data, size, &req, why, sizeof(why)) != 0) {
		if (why[0] == '\0')
			abort();
		return (0);
	}
	s = proto_request_encode(&req);
	if (s == NULL)
		abort();
	if (proto_request_parse(s, strlen(s), &again, why, sizeof(why)) != 0
	        || again.op != req.op || again.has_domain != req.has_domain
	        || strcmp(again.domain, req.domain) != 0)
		abort();
	free(s);
	return (0);
}
