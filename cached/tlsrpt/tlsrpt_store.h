/*
 * tlsrpt_store.h - the durable state of TLS reporting (RFC 8460 §4, §5):
 * per-day counters of session results, the reports rendered from them
 * when a UTC day closes, and one delivery row per report destination
 * (rua URI) until it is delivered or given up.
 *
 * SQLite, its own file next to the policy store (store.path + ".tlsrpt"),
 * WAL with synchronous=NORMAL: every call that changes state commits before
 * it returns, so a result acknowledged to an MTA survives kill -9 of the
 * daemon (not a power failure: the WAL is fsync'd at checkpoints).
 *
 * Aggregation key (RFC 8460 §4.1, §4.4): UTC day, report domain (whose
 * TLSRPT record was used), rua set, and the policy (policy-domain, type,
 * policy-string, mx-host). Failure details are keyed by every member and
 * counted; at most max_failure_details distinct details are kept per
 * policy and day, further failures are only counted in the summary.
 *
 * All calls are synchronous, from the loop thread.
 */
#ifndef MXTLS_CACHED_TLSRPT_STORE_H
#define MXTLS_CACHED_TLSRPT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "tlsrpt/tlsrpt_result.h"

struct tlsrpt_store;

struct tlsrpt_report_meta {
	const char *org;
	const char *contact;
};

/* tlsrpt_store_open - open or create path (":memory:" for tests). NULL and
 * why on failure. */
struct tlsrpt_store *tlsrpt_store_open(
        const char *path, char *why, size_t whylen);

/* tlsrpt_store_close - close; NULL is allowed. */
void tlsrpt_store_close(struct tlsrpt_store *st);

/*
 * tlsrpt_store_add - count obs on day (its UTC start), in one transaction.
 * *dropped gets the number of failure details not kept (bound reached).
 * 0 once durable, -1 and why.
 */
int tlsrpt_store_add(struct tlsrpt_store *st, int64_t day,
        const struct tlsrpt_obs *obs, int max_details, int *dropped, char *why,
        size_t whylen);

/*
 * tlsrpt_store_render - the reports of day (optionally only domain) as they
 * would be sent now, without changing anything: a new JSON array of
 * {"domain","rua":[...],"report":{...}} with report-id report_id.
 * NULL and why on failure.
 */
json_t *tlsrpt_store_render(struct tlsrpt_store *st, int64_t day,
        const char *domain, const struct tlsrpt_report_meta *meta,
        const char *report_id, char *why, size_t whylen);

/*
 * tlsrpt_store_close_days - for every (day < before, domain, rua set) with
 * counters: render the report, store it with one delivery row per rua URI
 * (first try at send_at(arg, day, domain), given up at day end +
 * retry_deadline) and delete its counters, in one transaction each.
 * Returns the number of reports made, -1 and why on failure.
 */
int tlsrpt_store_close_days(struct tlsrpt_store *st, int64_t before,
        const struct tlsrpt_report_meta *meta, const char *submitter,
        int64_t retry_deadline,
        int64_t (*send_at)(void *arg, int64_t day, const char *domain),
        void *arg, char *why, size_t whylen);

/*
 * tlsrpt_store_close_pair - tlsrpt_store_close_days for the one (day,
 * domain): its reports made and queued (first try at send_at), its
 * counters deleted. The fleet's fallback (tlsrpt_fleet.h). Returns the
 * number of reports made, -1 and why.
 */
int tlsrpt_store_close_pair(struct tlsrpt_store *st, int64_t day,
        const char *domain, const struct tlsrpt_report_meta *meta,
        const char *submitter, int64_t retry_deadline, int64_t send_at,
        char *why, size_t whylen);

#endif
