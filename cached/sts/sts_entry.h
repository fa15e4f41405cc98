/*
 * sts_entry.h - one domain's MTA-STS state inside the resolver
 * (sts_resolver.c): the entry, its work in flight and its waiters, and the
 * operations on them that do no lookup of their own. Internal to sts/:
 * the public interface is sts_resolver.h.
 */
#ifndef MXTLS_CACHED_STS_ENTRY_H
#define MXTLS_CACHED_STS_ENTRY_H

#include <sys/queue.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "sts/sts_answer.h"
#include "sts/sts_policy.h"
#include "sts/sts_record.h"
#include "util/change.h"

struct conf;
struct event;
struct event_base;
struct intern;

#define STS_MAX_ADDRS 16

/* STS_USED_GRAIN - a lookup writes the domain's last use to the store
 * when the one there is at least this old (seconds): at most one write
 * an hour per domain in use. */
#define STS_USED_GRAIN 3600

struct sts_waiter {
	TAILQ_ENTRY(sts_waiter) link;
	struct sts_entry *entry;
	struct event     *deadline;
	sts_resolver_cb   cb;
	void             *arg;
};

TAILQ_HEAD(sts_waiters, sts_waiter);

enum sts_step {
	STS_STEP_IDLE = 0,
	STS_STEP_TXT,
	STS_STEP_ADDR,
	STS_STEP_FETCH,
};

/* work in flight for one entry: allocated by sts_start, freed when the
 * work ends (sts_finish), so an idle cached domain carries none of it */
struct sts_work {
	struct dns_query       *q_txt;
	struct dns_query       *q_a;
	struct dns_query       *q_aaaa;
	struct sts_fetch       *fetch;
	struct sts_fleet_ask   *ask; /* asking the fleet (sts_fleet.h) */
	struct sts_waiters      waiters;
	int                     addr_pending;
	int                     addr_bogus;
	int                     addr_tempfail;
	size_t                  naddr;
	char                    new_id[STS_RECORD_ID_MAX + 1];
	char                    addr_why[256];
	char                    refused[256];
	struct sockaddr_storage addrs[STS_MAX_ADDRS];
	/* the refresh timer's (sts_refresh.c) */
	int by_timer;    /* it started this work */
	int timer_fails; /* its refreshes of the domain failed in a row */
	int id_changed;  /* the TXT id differed from the cached policy's */
	int fetched;     /* a policy was fetched */
	int failed;      /* concluded by sts_entry_conclude_fail */
	int fleet_lock;  /* this host holds the fleet's fetch lock */
};

/*
 * one domain: what we know, and the work in flight with its waiters
 * (fields ordered by size to keep an idle entry small: docs/BENCHMARKS.md).
 * The entry lives in its memo record (memo.h), whose copy of the domain is
 * the entry's (sts_domain). The policy's mx list is shared (intern.h).
 *
 * A policy (have_policy) and a remembered "no policy" (have_none) never
 * coexist, so their fields share room: mx and expires are the policy's
 * while have_policy, none_why and none_expires otherwise (policy_keep
 * frees none_why before mx takes its place).
 */
struct sts_entry {
	struct sts_resolver *r;
	struct sts_work     *w; /* NULL when idle and nobody waits */
	union {
		char **mx;       /* have_policy: its nmx mx patterns */
		char  *none_why; /* else: why there is no policy, or NULL */
	};
	uint32_t fetched; /* times: time32.h */
	union {
		uint32_t expires;      /* have_policy */
		uint32_t none_expires; /* have_none */
	};
	uint32_t checked; /* last TXT confirmation or attempt */
	uint32_t max_age; /* the policy's */
	uint32_t used;    /* last lookup, to STS_USED_GRAIN (as stored) */
	uint16_t nmx;     /* a policy of at most STS_POLICY_MAX_BODY
	                     bytes has fewer mx lines */
	uint8_t step : 2; /* enum sts_step */
	uint8_t mode : 2; /* the policy's enum sts_mode */
	uint8_t have_policy : 1;
	uint8_t from_store : 1;
	uint8_t expired_seen : 1; /* a policy expired unrefreshed */
	uint8_t have_none : 1;
	uint8_t removal_counted : 1; /* metrics: since expired_seen */
	char    id[STS_RECORD_ID_MAX + 1];
};

struct sts_resolver {
	struct event_base  *base;
	const struct conf  *conf;
	struct dns         *dns;
	struct sts_fetcher *fetcher;
	struct store       *store;
	struct stats       *stats;
	struct memo        *memo;
	struct intern      *mx; /* the policies' mx lists */
	struct change_hook  change;
	struct sts_fleet   *fleet; /* the shared tier, or NULL */
	unsigned long       busy;  /* entries with work in flight */
	/* the refresh timer's, called when work it started ends, before
	 * the waiters are answered (sts_refresh.c) */
	void (*refresh_done)(
	        void *arg, struct sts_entry *e, const struct sts_work *w);
	void *refresh_arg;
};

/* sts_resolver_start - start e's work (TXT, then addresses and fetch as
 * needed); e->w may be set up before (sts_entry_work). Defined in
 * sts_resolver.c, for the refresh timer. */
void sts_resolver_start(struct sts_entry *e);

/* sts_resolver_entry - domain's entry, made and filled from the store
 * when there is none (a lookup's use is not recorded); NULL when the
 * memo is full of busy entries. Defined in sts_resolver.c. */
struct sts_entry *sts_resolver_entry(
        struct sts_resolver *r, const char *domain);

/* sts_entry_domain - e's domain (normalised): its memo record's key. */
const char *sts_entry_domain(const struct sts_entry *e);

/* sts_entry_refresh_margin - how long before expiry e's policy is
 * refreshed: sts.refresh_before, at most half its max_age. */
int sts_entry_refresh_margin(const struct sts_entry *e, const struct conf *c);

/* sts_entry_work - e's work, allocated when there is none. */
struct sts_work *sts_entry_work(struct sts_entry *e);

/* sts_entry_policy_keep - make pol (cleared here) e's policy. */
void sts_entry_policy_keep(struct sts_entry *e, struct sts_policy *pol);

/* sts_entry_forget_policy - drop e's policy, if any. */
void sts_entry_forget_policy(struct sts_entry *e);

/* sts_entry_work_free - cancel e's work in flight and free it. */
void sts_entry_work_free(struct sts_entry *e);

/* sts_entry_busy, sts_entry_free - the memo's callbacks (memo.h). */
int  sts_entry_busy(void *value);
void sts_entry_free(void *arg, void *value);

/* sts_entry_reset - forget what a busy entry knows; its work goes on. */
void sts_entry_reset(void *value);

/* sts_entry_load - fill a new entry from the store, if it has a row. */
void sts_entry_load(struct sts_resolver *r, struct sts_entry *e);

/* sts_entry_answer_policy, _none, _tempfail - the answer to a lookup. */
void sts_entry_answer_policy(const struct sts_entry *e, enum sts_source source,
        struct sts_answer *a);
void sts_entry_answer_none(const struct sts_entry *e, enum sts_source source,
        struct sts_answer *a);
void sts_entry_answer_tempfail(const char *why, struct sts_answer *a);

/* sts_entry_finish - the work is over: give ans to every waiter. */
void sts_entry_finish(struct sts_entry *e, const struct sts_answer *ans);

/* sts_entry_conclude_policy - the work confirmed or fetched e's policy. */
void sts_entry_conclude_policy(struct sts_entry *e, enum sts_source source);

/* sts_entry_conclude_fail - the work failed: a valid cached policy is
 * kept; a temporary failure answered as such; a permanent one remembered
 * as "no policy" for ttl seconds. */
void sts_entry_conclude_fail(
        struct sts_entry *e, int temporary, const char *why, int ttl);

#endif
