/*
 * tlsrpt_queue.h - the deliveries of closed TLSRPT reports, one row per
 * report and rua target, in the TLSRPT store (tlsrpt_store.h makes them
 * when a day closes). Each is retried until delivered or given up; nothing
 * is deleted before that. All calls are synchronous, from the loop thread,
 * and commit before they return.
 */
#ifndef MXTLS_CACHED_TLSRPT_QUEUE_H
#define MXTLS_CACHED_TLSRPT_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct tlsrpt_store;

/* One pending delivery, as handed to tlsrpt_queue_due's callback (valid
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

/*
 * tlsrpt_queue_due - call cb for up to max deliveries with next_try <= now,
 * earliest first; cb returns non-zero to skip a row without counting it
 * (already in flight). Returns the number handed over, -1 and why.
 */
int tlsrpt_queue_due(struct tlsrpt_store *st, int64_t now, int max,
        int (*cb)(void *arg, const struct tlsrpt_delivery *d), void *arg,
        char *why, size_t whylen);

/* tlsrpt_queue_delivery_finish - the delivery is done (delivered or given
 * up): delete it, and its report when no delivery is left. 0 or -1. */
int tlsrpt_queue_delivery_finish(
        struct tlsrpt_store *st, int64_t id, char *why, size_t whylen);

/* tlsrpt_queue_delivery_retry - count a failed attempt and try again at
 * next_try. 0 or -1. */
int tlsrpt_queue_delivery_retry(struct tlsrpt_store *st, int64_t id,
        int64_t next_try, const char *last_why, char *why, size_t whylen);

/*
 * tlsrpt_queue_queued - the reports of a closed day (optionally of domain
 * only) still waiting for a delivery, as a new JSON array of {"domain",
 * "rua" (the targets not yet done), "report"}, or NULL with why.
 */
json_t *tlsrpt_queue_queued(struct tlsrpt_store *st, int64_t day,
        const char *domain, char *why, size_t whylen);

/* tlsrpt_queue_hurry_day - tlsrpt_queue_hurry for the reports of one day
 * only. */
int tlsrpt_queue_hurry_day(struct tlsrpt_store *st, int64_t now, int64_t day,
        char *why, size_t whylen);

/* tlsrpt_queue_hurry - make every pending delivery due at now. Returns the
 * number of deliveries, -1 and why. */
int tlsrpt_queue_hurry(
        struct tlsrpt_store *st, int64_t now, char *why, size_t whylen);

/* tlsrpt_queue_pending - number of pending deliveries, -1 on error. */
int tlsrpt_queue_pending(struct tlsrpt_store *st);

#endif
