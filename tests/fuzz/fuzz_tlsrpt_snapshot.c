/*
 * fuzz_tlsrpt_snapshot.c - libFuzzer target for the fleet's TLSRPT
 * snapshot decoder and sum (tlsrpt_fleet_sum.h; snapshots come from other
 * hosts through Redis): any bytes are refused with a reason or summed; a
 * sum renders; adding the same bytes again changes nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tlsrpt/tlsrpt_fleet_sum.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct tlsrpt_report_meta meta = { "Org", "c@example" };
	struct tlsrpt_fleet_sum               *sum;
	json_t                                *a, *b;
	char                                   why[256], *sa, *sb;

	if ((sum = tlsrpt_fleet_sum_new(1704067200, "example.com", 3))
	        == NULL) {
		abort();
	}
	why[0] = '\0';
	if (tlsrpt_fleet_sum_add(
	            sum, (const char *)data, size, why, sizeof(why))
	        != 0) {
		if (why[0] == '\0') {
			abort();
		}
		tlsrpt_fleet_sum_free(sum);
		return (0);
	}
	a = tlsrpt_fleet_sum_render(sum, &meta, "sub.example");
	if (tlsrpt_fleet_sum_add(
	            sum, (const char *)data, size, why, sizeof(why))
	        != 0) {
		abort(); /* accepted once, so accepted again */
	}
	b = tlsrpt_fleet_sum_render(sum, &meta, "sub.example");
	if (a == NULL || b == NULL) {
		abort();
	}
	sa = json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER);
	sb = json_dumps(b, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (sa == NULL || sb == NULL || strcmp(sa, sb) != 0) {
		abort(); /* a repeat changed the report */
	}
	free(sa);
	free(sb);
	json_decref(a);
	json_decref(b);
	tlsrpt_fleet_sum_free(sum);
	return (0);
}
