/*
 * tlsrpt_json.h - the JSON of an aggregate TLS report (RFC 8460 §4.4),
 * built member by member in the RFC's order so that the output is stable
 * (golden files in tests/unit/ref/). Pure: no I/O, no clock.
 */
#ifndef MXTLS_CACHED_TLSRPT_JSON_H
#define MXTLS_CACHED_TLSRPT_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "tlsrpt/tlsrpt_result.h"

#define TLSRPT_DAY 86400

struct tlsrpt_json_policy {
	enum tlsrpt_ptype ptype;
	const char       *pdomain;
	const char       *pstr; /* JSON array text of strings */
	const char       *mx;   /* JSON array text of strings */
	int64_t           success;
	int64_t           failure;
};

struct tlsrpt_json_detail {
	enum tlsrpt_rtype rtype;
	const char       *sending_ip; /* "" or NULL: member omitted */
	const char       *mx_host;
	const char       *helo;
	const char       *receiving_ip;
	const char       *addinfo;
	const char       *reason;
	int64_t           count;
};

/*
 * tlsrpt_json_report_new - {organization-name, date-range (the full UTC
 * day holding day_start, RFC 3339 with Z), contact-info, report-id,
 * policies: []}. New reference, NULL on ENOMEM.
 */
json_t *tlsrpt_json_report_new(const char *org, const char *contact,
        const char *report_id, int64_t day_start);

/*
 * tlsrpt_json_add_policy - append {policy: {policy-type, policy-string,
 * policy-domain, mx-host}, summary: {...}} to report's policies and return
 * the element (borrowed), NULL on ENOMEM or malformed arrays. policy-string
 * and mx-host are omitted for no-policy-found (RFC 8460 §4.4: there is no
 * policy to encode); policy-domain is always present.
 */
json_t *tlsrpt_json_add_policy(
        json_t *report, const struct tlsrpt_json_policy *p);

/* tlsrpt_json_add_detail - append one failure-details entry to policy (as
 * returned by tlsrpt_json_add_policy). 0 or -1 (ENOMEM). */
int tlsrpt_json_add_detail(json_t *policy, const struct tlsrpt_json_detail *d);

/* tlsrpt_json_datetime - t (Unix seconds, UTC) as RFC 3339
 * "YYYY-MM-DDTHH:MM:SSZ" into buf (>= 21 bytes). */
void tlsrpt_json_datetime(int64_t t, char *buf, size_t len);

/* tlsrpt_json_day - the start of t's UTC day. */
int64_t tlsrpt_json_day(int64_t t);

#endif
