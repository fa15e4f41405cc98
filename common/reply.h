/*
 * reply.h - the replies of mxtlsd's other ops (docs/IPC.md "ping, flush,
 * stats", "report-preview", "report-send-now") as a typed value, for
 * mxtlsctl. The "policy" reply is common/decision.h's, the "result" reply
 * proto_recorded_parse's.
 */
#ifndef MXTLS_COMMON_REPLY_H
#define MXTLS_COMMON_REPLY_H

#include <stddef.h>

#include <jansson.h>

#include "decision.h"

struct reply {
	enum decision_status status;
	char                *why;        /* NULL when absent */
	char                *version;    /* ping */
	long long            flushed;    /* flush */
	long long            reports;    /* report-send-now: reports made */
	long long            deliveries; /* report-send-now: due now */
	json_t *body; /* stats: "stats"; report-preview: "reports" (owned;
	                 NULL when absent), printed as it is */
};

/*
 * reply_parse - read a reply (len bytes, any content) into r; 0, or -1
 * with why when it is not a JSON object with a known status. Call
 * reply_clear after, whatever the result.
 */
int reply_parse(const char *text, size_t len, struct reply *r, char *why,
        size_t whylen);

/* reply_clear - free what r owns. */
void reply_clear(struct reply *r);

#endif
