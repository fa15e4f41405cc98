/*
 * fuzz_tlsrpt_result.c - libFuzzer target for the IPC "result" request
 * parser and its conversion against a fixed policy reply: any bytes give a
 * result or an error with a reason; a parsed result converts (0: every
 * policy string present, RFC 8460 §4.4), or is refused with a reason
 * because the policy it names is not the daemon's (3); nothing else.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tlsrpt/tlsrpt_result.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char reply_json[]
        = "{\"mode\":\"testing\",\"mx\":[\"*.example.com\"],\"max_age\":3600,"
          "\"hosts\":[{\"host\":\"mx1.example.com\",\"action\":\"dane\","
          "\"tlsa\":[{\"usage\":3,\"selector\":1,\"mtype\":1,\"data\":\"ab\"}]"
          "}"
          "],\"tlsrpt\":{\"status\":\"found\",\"rua\":[\"mailto:a@b.c\"]}}";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static json_t       *reply;
	struct tlsrpt_result r;
	struct tlsrpt_obs    obs;
	char                 why[256];

	if (reply == NULL && (reply = json_loads(reply_json, 0, NULL)) == NULL)
		abort();
	why[0] = '\0';
	if (tlsrpt_result_parse(data, size, &r, why, sizeof(why)) != 0) {
		if (why[0] == '\0')
			abort();
		return (0);
	}
	why[0] = '\0';
	switch (tlsrpt_result_to_obs(&r, reply, &obs, why, sizeof(why))) {
	case 0:
		break;
	case 3: /* e.g. "tlsa" for a host without usable TLSA records */
		if (why[0] == '\0')
			abort();
		return (0);
	default: /* the reply has a record and no temporary failure */
		abort();
	}
	/* a failure stays a failure; a success is one unless it went to an
	 * MX host outside the MTA-STS policy's patterns (DECISIONS T13);
	 * never a policy without its strings (RFC 8460 §4.4) */
	if (obs.pstr == NULL || obs.mx == NULL || obs.rua == NULL
	        || (r.rtype != TLSRPT_SUCCESS && !obs.failed)
	        || (r.rtype == TLSRPT_SUCCESS && obs.failed
	                && obs.ptype != TLSRPT_PTYPE_STS)
	        || tlsrpt_obs_check(&obs, why, sizeof(why)) != 0)
		abort();
	tlsrpt_obs_clear(&obs);
	return (0);
}
