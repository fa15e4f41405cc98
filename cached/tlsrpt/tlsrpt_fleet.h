/*
 * tlsrpt_fleet.h - the fleet's TLS reporting on the loop (issue 19, RFC
 * 8460 §4, §5; docs/FLEET.md "TLSRPT"): pushes this host's snapshots of its
 * local counts to Redis (util/redisev.h), and for each finished (day,
 * domain) runs tlsrpt_fleet_lock.h's decisions: the lock with its fencing
 * token, building the fleet's report once from every host's snapshot,
 * sending it to the targets not yet marked done, and what becomes of this
 * host's own counts (dropped once in the report, or reported locally when
 * Redis stays down past tlsrpt.fleet_fallback).
 *
 * The local store stays the truth: nothing here changes how results are
 * counted. Loop thread only.
 */
#ifndef MXTLS_CACHED_TLSRPT_FLEET_H
#define MXTLS_CACHED_TLSRPT_FLEET_H

#include <stddef.h>
#include <stdint.h>

#include "tlsrpt/tlsrpt_store.h"

struct event_base;
struct redisev;
struct tlsrpt_sender;
struct tlsrpt_fleet;

/* how one delivery attempt of a report ended (the fleet's, and the
 * scheduler counts its local ones with it too) */
enum tlsrpt_fleet_outcome {
	TLSRPT_FLEET_SENT = 0,
	TLSRPT_FLEET_RETRIED,  /* failed, tried again in a later round */
	TLSRPT_FLEET_GIVEN_UP, /* failed permanently or past the deadline */
};

struct tlsrpt_fleet_conf {
	const char                      *prefix;  /* store.redis.key_prefix */
	const char                      *host_id; /* store.host_id */
	const char                      *submitter;
	const struct tlsrpt_report_meta *meta;
	int64_t                          grace;    /* tlsrpt.fleet_grace */
	int64_t                          fallback; /* tlsrpt.fleet_fallback */
	int64_t lock_ttl;       /* tlsrpt.fleet_lock_ttl, seconds */
	int64_t retry_deadline; /* tlsrpt.retry_deadline */
	int     max_details;
	int64_t (*now)(void); /* the TLSRPT clock (tlsrpt_sched_now) */
	int64_t (*send_at)(void *arg, int64_t day, const char *domain);
	void *send_at_arg; /* also the arg of built and delivered */
	/* a fleet report was built here (stats, metrics; may be NULL) */
	void (*built)(void *arg);
	/* a delivery of it to uri ended (may be NULL) */
	void (*delivered)(
	        void *arg, const char *uri, enum tlsrpt_fleet_outcome outcome);
};

/* tlsrpt_fleet_create - drive the fleet on redis (not owned) for the
 * store st and sender (not owned). NULL on ENOMEM or a bad host id (why).
 */
struct tlsrpt_fleet *tlsrpt_fleet_create(struct event_base *base,
        struct redisev *redis, struct tlsrpt_store *st,
        struct tlsrpt_sender *sender, const struct tlsrpt_fleet_conf *conf,
        char *why, size_t whylen);

/* tlsrpt_fleet_free - NULL is allowed. Deliveries in flight are dropped
 * (the lock expires; a host takes over). */
void tlsrpt_fleet_free(struct tlsrpt_fleet *f);

/* tlsrpt_fleet_counted - a result of (day, domain) was counted locally. */
void tlsrpt_fleet_counted(
        struct tlsrpt_fleet *f, int64_t day, const char *domain);

/* tlsrpt_fleet_tick - push what changed and drive finished days (the
 * scheduler's timer, and mxtlsctl report --send-now). */
void tlsrpt_fleet_tick(struct tlsrpt_fleet *f);

/* tlsrpt_fleet_pending - results counted locally and not yet in a
 * snapshot Redis acknowledged (stats "tlsrpt_merge_pending"). */
unsigned long tlsrpt_fleet_pending(const struct tlsrpt_fleet *f);

/* tlsrpt_fleet_reports - fleet reports built by this host so far. */
unsigned long tlsrpt_fleet_reports(const struct tlsrpt_fleet *f);

#endif
