/*
 * fuzz_filter_line.c - libFuzzer target for the smtpd-filters(7) line
 * parser and the smtp-out session classifier fed from it
 * (modules/opensmtpd/filter_line.c, filter_outcome.c): input is split into
 * lines as filter-mxtls's stdin loop does. Checks that the kept envelope
 * sender is never one mxtlsd would refuse (control characters, too long)
 * and builds the result request from the session.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filter_line.h"
#include "filter_outcome.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct filter_outcome o;
	char                 *buf, *p, *nl, why[128], reason[256], out[256];
	const char           *res;
	size_t                n, i;

	if (size > FILTER_LINE_MAX) {
		return (0);
	}
	if ((buf = malloc(size + 1)) == NULL) {
		return (0);
	}
	memcpy(buf, data, size);
	buf[size] = '\0';
	memset(&o, 0, sizeof(o));
	for (p = buf; p != NULL; p = nl) {
		struct filter_line l;
		char               params[1024];

		if ((nl = strchr(p, '\n')) != NULL) {
			*nl++ = '\0';
		}
		if (filter_line_parse(p, &l, why, sizeof(why)) != 0) {
			continue;
		}
		if (l.kind == FILTER_LINE_FILTER) {
			filter_line_result(out, sizeof(out), l.vmajor,
			        l.vminor, l.session, l.token, "proceed");
			filter_line_addr_domain(l.params, out, sizeof(out));
		} else if (l.kind == FILTER_LINE_REPORT) {
			strncpy(params, l.params, sizeof(params) - 1);
			params[sizeof(params) - 1] = '\0';
			filter_outcome_event(
			        &o, l.event, params, l.vmajor, l.vminor);
		}
	}
	res = filter_outcome_classify(&o, reason, sizeof(reason));
	n   = strnlen(o.sender, sizeof(o.sender));
	if (n == sizeof(o.sender)) {
		abort(); /* not terminated */
	}
	for (i = 0; i < n; i++) {
		if ((unsigned char)o.sender[i] < 0x20
		        || (unsigned char)o.sender[i] == 0x7f) {
			abort();
		}
	}
	if (res != NULL) {
		struct proto_result r;

		filter_outcome_request(&o, "example.test", "mx.example.test",
		        res, reason, "sts", &r);
		free(proto_result_encode(&r));
	}
	free(buf);
	return (0);
}
