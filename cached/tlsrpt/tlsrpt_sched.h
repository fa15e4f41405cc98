/*
 * tlsrpt_sched.h - TLS reporting in the daemon (RFC 8460): takes session
 * results (IPC "result" op, Postfix datagrams), counts them durably per
 * UTC day (tlsrpt_store), closes each day into reports, and delivers them
 * (tlsrpt_send) from tlsrpt.send_delay after the day ends, spread over
 * tlsrpt.send_window, retrying with exponential backoff (5 min doubling,
 * at most 4 h) until tlsrpt.retry_deadline after the day ends.
 *
 * Report loops (RFC 8460 §3: the session carrying a report SHOULD NOT be
 * counted in the next report): a result whose "sender" is our report From
 * address (tlsrpt.from) is acknowledged and dropped. Postfix datagrams
 * carry no sender: there the report mail must leave through a transport
 * with smtp_tlsrpt_enable = no (docs/DECISIONS.md T7).
 *
 * Clock: everything uses tlsrpt_sched_now(), the system time plus the
 * environment variable MXTLSD_TLSRPT_TIME_OFFSET (seconds; for the
 * integration tests, to reach "after the day closes" without waiting).
 */
#ifndef MXTLS_CACHED_TLSRPT_SCHED_H
#define MXTLS_CACHED_TLSRPT_SCHED_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "tlsrpt/tlsrpt_result.h"

struct event_base;
struct conf;
struct dns;
struct stats;
struct tlsrpt_sched;

struct tlsrpt_datagram;

/* tlsrpt_sched_create - open the store (store.path + ".tlsrpt") and the
 * sender, take the datagram socket dgram (bound by the caller before the
 * privilege drop, or NULL; owned from now on, also on failure) and start
 * the timer. NULL and why on failure. A store that cannot be opened is not
 * a failure (issue 17): it is logged with what to do, left untouched, and
 * results are refused with that reason (tempfail) until it opens. */
struct tlsrpt_sched *tlsrpt_sched_create(struct event_base *base,
        const struct conf *conf, struct dns *dns, struct stats *stats,
        struct tlsrpt_datagram *dgram, char *why, size_t whylen);

/* tlsrpt_sched_reopen_store - try again to open a store that could not be
 * opened (at a reload: the admin may have fixed it). NULL t is allowed. */
void tlsrpt_sched_reopen_store(struct tlsrpt_sched *t);

/* tlsrpt_sched_reconfigure - take conf's tlsrpt.send_delay, send_window,
 * retry_deadline, retry_max, max_failure_details and contact_info for what
 * is scheduled or reported from now on (a reload, loop thread). NULL t is
 * allowed. */
void tlsrpt_sched_reconfigure(struct tlsrpt_sched *t, const struct conf *conf);

/* tlsrpt_sched_free - stop (deliveries in flight are retried after a
 * restart: nothing was deleted) and free; NULL is allowed. */
void tlsrpt_sched_free(struct tlsrpt_sched *t);

/* tlsrpt_sched_is_own - 1 when sender is our report From address. */
int tlsrpt_sched_is_own(const struct tlsrpt_sched *t, const char *sender);

/* tlsrpt_sched_add - count obs on today's report; 0 once durable, -1 and
 * why. */
int tlsrpt_sched_add(struct tlsrpt_sched *t, const struct tlsrpt_obs *obs,
        char *why, size_t whylen);

/*
 * tlsrpt_sched_preview - the reports of day (the start of a UTC day; -1:
 * today), optionally of domain only, as a new JSON array of {"domain",
 * "rua", "report"}: what is counted so far for a day not yet closed, and
 * for a closed day the reports still waiting for a delivery ("rua": the
 * targets not yet done; they carry their real report-id). NULL and why.
 */
json_t *tlsrpt_sched_preview(struct tlsrpt_sched *t, const char *domain,
        int64_t day, char *why, size_t whylen);

/*
 * tlsrpt_sched_send_now - close every finished day (day -1) or the days up
 * to and including day (which must be over), and make their pending
 * deliveries due now (ignoring send_delay and send_window). *reports gets
 * the reports made, *pending the deliveries waiting in all. 0 or -1 with
 * why.
 */
int tlsrpt_sched_send_now(struct tlsrpt_sched *t, int64_t day, int *reports,
        int *pending, char *why, size_t whylen);

/* tlsrpt_sched_sync_stats - copy the collector's counters into stats. */
void tlsrpt_sched_sync_stats(struct tlsrpt_sched *t);

/* tlsrpt_sched_store_why - NULL when the TLSRPT store is open, else why
 * it is not (what the "result" op answers). t NULL: NULL. */
const char *tlsrpt_sched_store_why(const struct tlsrpt_sched *t);
struct redisev;

/* tlsrpt_sched_set_fleet - report for the fleet through redis (not owned;
 * it must outlive t) with conf's store.redis.key_prefix, store.host_id
 * and tlsrpt.fleet_* (tlsrpt_fleet.h). Nothing when redis is NULL or
 * store.redis.read_only: this host then reports its own counts. */
void tlsrpt_sched_set_fleet(struct tlsrpt_sched *t, struct redisev *redis,
        const struct conf *conf);

/* tlsrpt_sched_merge_pending - results counted here and not yet in a
 * snapshot Redis acknowledged (0 without a fleet). */
unsigned long tlsrpt_sched_merge_pending(const struct tlsrpt_sched *t);

/* tlsrpt_sched_merge_pending_cb - the same for a callback (arg: the
 * struct tlsrpt_sched *), as server_attach_pending_merge takes it. */
unsigned long tlsrpt_sched_merge_pending_cb(void *arg);

/* tlsrpt_sched_now - the TLSRPT clock (see above). */
int64_t tlsrpt_sched_now(void);

#endif
