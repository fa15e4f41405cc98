/*
 * fuzz_tlsrpt_datagram.c - libFuzzer target for the libtlsrpt datagram
 * parser: any bytes give observations or an error with a reason; every
 * observation is complete (policy, rua, detail count within bounds).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tlsrpt/tlsrpt_datagram.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tlsrpt_obs *obs;
	size_t             n, i;
	char               why[256];

	why[0] = '\0';
	if (tlsrpt_datagram_parse(data, size, &obs, &n, why, sizeof(why))
	        != 0) {
		if (why[0] == '\0' || obs != NULL)
			abort();
		return (0);
	}
	if (n == 0 || n > TLSRPT_DATAGRAM_MAX_POLICIES)
		abort();
	for (i = 0; i < n; i++) {
		if (obs[i].pstr == NULL || obs[i].mx == NULL
		        || obs[i].rua == NULL || obs[i].domain[0] == '\0'
		        || obs[i].pdomain[0] == '\0'
		        || obs[i].ptype == TLSRPT_PTYPE_UNSET
		        || obs[i].ndetail > TLSRPT_OBS_MAX_DETAILS
		        || (!obs[i].failed && obs[i].ndetail != 0))
			abort();
	}
	tlsrpt_datagram_free_obs(obs, n);
	return (0);
}
