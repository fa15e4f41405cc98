/*
 * fuzz_decision.c - libFuzzer target for the "policy" reply decoder
 * (common/decision.c), which the Exim module, the OpenSMTPD filter and
 * mxtlsctl run on what the socket gives them: any bytes decode to a
 * decision with every enum in range, or are refused with a reason; a
 * decoded decision encodes, and that encoding decodes and encodes again
 * to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decision.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const struct decision *d)
{
	size_t i;

	if (d->status > DECISION_ERROR || d->policy > DECISION_POLICY_UNKNOWN
	        || d->mode > DECISION_MODE_UNKNOWN
	        || d->tlsrpt > DECISION_TLSRPT_UNKNOWN
	        || (d->nhosts > 0 && !d->has_hosts)) {
		abort();
	}
	for (i = 0; i < d->nhosts; i++) {
		if (d->hosts[i].action > DECISION_ACT_DANE
		        || d->hosts[i].sts > DECISION_STS_UNKNOWN
		        || strcmp(decision_action_name(d->hosts[i].action), "")
		                == 0) {
			abort();
		}
	}
	if (decision_best(d) < DECISION_ACT_MAY) {
		abort();
	}
}

/* encode - d's compact JSON text (malloc'd). */
static char *
encode(const struct decision *d)
{
	json_t *o = decision_encode(d);
	char   *s;

	if (o == NULL) {
		abort();
	}
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (s == NULL) {
		abort();
	}
	return (s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct decision d, again;
	char            why[128], *one, *two;

	why[0] = 'x';
	if (decision_decode((const char *)data, size, &d, why, sizeof(why))
	        != 0) {
		if (why[0] == '\0' || memchr(why, '\0', sizeof(why)) == NULL
		        || d.nhosts != 0 || d.why != NULL) {
			abort();
		}
		decision_clear(&d);
		return (0);
	}
	check(&d);
	one = encode(&d);
	if (decision_decode(one, strlen(one), &again, why, sizeof(why)) != 0) {
		abort();
	}
	check(&again);
	two = encode(&again);
	if (strcmp(one, two) != 0) {
		abort();
	}
	free(one);
	free(two);
	decision_clear(&again);
	decision_clear(&d);
	return (0);
}
