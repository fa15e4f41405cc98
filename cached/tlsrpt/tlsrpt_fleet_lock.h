/*
 * tlsrpt_fleet_lock.h - who sends the fleet's report of one (UTC day,
 * report domain), and what becomes of this host's own counts of it (issue
 * 19, RFC 8460 §4.4 report-id, §5 delivery): the decisions, pure, on what
 * a host has read from Redis and the clock (docs/FLEET.md "TLSRPT").
 *
 * Sending: after the day ends and tlsrpt.fleet_grace has passed (the other
 * hosts' final snapshots), one host takes the lock (SET NX PX with its host
 * id and a fencing token from INCR), builds the reports from the sum of
 * every host's snapshot once (recorded with the token: a host that takes
 * over sends the SAME reports, same report-ids), sends to the targets not
 * yet marked done and marks each (only while its token is the current
 * one: a stale sender's marks are refused). A sender that dies leaves the
 * lock to expire; the next host takes over.
 *
 * Own counts: pushed as a snapshot; after the day ends, once the final
 * snapshot is acknowledged, they are kept until the built report includes
 * them (then dropped), or, if Redis stays down tlsrpt.fleet_fallback past
 * the day's end or the report was built without them, closed into a
 * local report as without a fleet: a duplicate report rather than a loss.
 */
#ifndef MXTLS_CACHED_TLSRPT_FLEET_LOCK_H
#define MXTLS_CACHED_TLSRPT_FLEET_LOCK_H

#include <stdint.h>

/* What a host knows of one (day, domain) at now. */
struct tlsrpt_fleet_view {
	int64_t day;         /* start of the UTC day */
	int64_t now;         /* tlsrpt_sched_now() */
	int64_t grace;       /* tlsrpt.fleet_grace */
	int64_t fallback;    /* tlsrpt.fleet_fallback */
	int     redis_up;    /* connected, and the last command answered */
	int     has_local;   /* this host has counts of the pair */
	int     final_acked; /* its snapshot taken after the day ended is
	                        acknowledged (or it has no counts) */
	int built;           /* the reports are recorded in Redis */
	int included;        /* ... with this host's final snapshot */
	int lock_mine;       /* this host holds the lock (current token) */
	int lock_other;      /* another host holds an unexpired lock */
	int targets_left;    /* built: deliveries not marked done */
};

enum tlsrpt_fleet_send_step {
	TLSRPT_FLEET_SEND_WAIT,  /* nothing to do yet */
	TLSRPT_FLEET_SEND_LOCK,  /* try SET NX the lock, then INCR the fence */
	TLSRPT_FLEET_SEND_BUILD, /* sum the snapshots, record the reports */
	TLSRPT_FLEET_SEND_SEND,  /* deliver the targets left, mark each */
	TLSRPT_FLEET_SEND_DONE,  /* every target done: release, forget */
};

enum tlsrpt_fleet_own_step {
	TLSRPT_FLEET_OWN_KEEP,  /* keep counting / keep the counts */
	TLSRPT_FLEET_OWN_PUSH,  /* write the final snapshot */
	TLSRPT_FLEET_OWN_DROP,  /* the fleet's report holds them: delete */
	TLSRPT_FLEET_OWN_LOCAL, /* report them locally, as without a fleet */
};

/* tlsrpt_fleet_send_next - the sending step of the pair for v. */
enum tlsrpt_fleet_send_step tlsrpt_fleet_send_next(
        const struct tlsrpt_fleet_view *v);

/* tlsrpt_fleet_own_next - what to do with this host's own counts. */
enum tlsrpt_fleet_own_step tlsrpt_fleet_own_next(
        const struct tlsrpt_fleet_view *v);

/* tlsrpt_fleet_fence_ok - 1 when a write by the holder of token may be
 * applied while current is the newest token given (RFC-free: the fencing
 * rule), else 0. Tokens start at 1; 0 is never valid. */
int tlsrpt_fleet_fence_ok(int64_t token, int64_t current);

/* tlsrpt_fleet_send_step_name, tlsrpt_fleet_own_step_name - for logs. */
const char *tlsrpt_fleet_send_step_name(enum tlsrpt_fleet_send_step s);
const char *tlsrpt_fleet_own_step_name(enum tlsrpt_fleet_own_step s);

#endif
