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

#include "tlsrpt_result.h"

struct tlsrpt_store;

struct tlsrpt_report_meta {
	const char *org;
	const char *contact;
};

/* One pending delivery, as handed to tlsrpt_store_due's callback (valid
 * during the call). */
struct tlsrpt_delivery {
	int64_t     id;
	int64_t     report;
	int64_t     day;
	const char *domain;
	const char *report_id;
	const char *uri;
	const char *json; /* the report */
	size_t      json_len;
	int         attempts;
	int64_t     deadline;
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
 * tlsrpt_store_due - call cb for up to max deliveries with next_try <= now,
 * earliest first; cb returns non-zero to skip a row without counting it
 * (already in flight). Returns the number handed over, -1 and why.
 */
int tlsrpt_store_due(struct tlsrpt_store *st, int64_t now, int max,
        int (*cb)(void *arg, const struct tlsrpt_delivery *d), void *arg,
        char *why, size_t whylen);

/* tlsrpt_store_delivery_finish - the delivery is done (delivered or given
 * up): delete it, and its report when no delivery is left. 0 or -1. */
int tlsrpt_store_delivery_finish(
        struct tlsrpt_store *st, int64_t id, char *why, size_t whylen);

/* tlsrpt_store_delivery_retry - count a failed attempt and try again at
 * next_try. 0 or -1. */
int tlsrpt_store_delivery_retry(struct tlsrpt_store *st, int64_t id,
        int64_t next_try, const char *last_why, char *why, size_t whylen);

/*
 * tlsrpt_store_queued - the reports of a closed day (optionally of domain
 * only) still waiting for a delivery, as a new JSON array of {"domain",
 * "rua" (the targets not yet done), "report"}, or NULL with why.
 */
json_t *tlsrpt_store_queued(struct tlsrpt_store *st, int64_t day,
        const char *domain, char *why, size_t whylen);

/* tlsrpt_store_hurry_day - tlsrpt_store_hurry for the reports of one day
 * only. */
int tlsrpt_store_hurry_day(struct tlsrpt_store *st, int64_t now, int64_t day,
        char *why, size_t whylen);

/* tlsrpt_store_hurry - make every pending delivery due at now. Returns the
 * number of deliveries, -1 and why. */
int tlsrpt_store_hurry(
        struct tlsrpt_store *st, int64_t now, char *why, size_t whylen);

/* tlsrpt_store_pending - number of pending deliveries, -1 on error. */
int tlsrpt_store_pending(struct tlsrpt_store *st);

#endif
