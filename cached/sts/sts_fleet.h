/*
 * sts_fleet.h - the resolver's use of the fleet's shared policy tier in
 * Redis (store/store_redis.h for the layout, util/redisev.h for the
 * connection, docs/FLEET.md): before an HTTPS fetch, ask Redis for a
 * policy another host fetched under the same TXT id (RFC 8461 §3.3: the id
 * says when a policy changed); take a short fetch lock so one host of the
 * fleet fetches and the others wait for its publication; publish what was
 * fetched (SET with EX = its remaining life, PUBLISH); carry flushes and
 * new ids between the hosts over pub/sub.
 *
 * Redis down, slow or refusing: every call degrades to "fetch yourself"
 * (the resolver behaves exactly as without Redis). Runs on the loop.
 */
#ifndef MXTLS_CACHED_STS_FLEET_H
#define MXTLS_CACHED_STS_FLEET_H

#include <stdint.h>

struct conf;
struct event_base;
struct redisev;
struct stats;
struct store_policy;
struct sts_fleet;
struct sts_fleet_ask;

/* sts_fleet_create - the tier on rv (not owned, must outlive it); it
 * subscribes to the fleet's channel (news: sts_fleet_set_news). */
struct sts_fleet *sts_fleet_create(struct event_base *base, struct redisev *rv,
        const struct conf *conf, struct stats *stats);

/* sts_fleet_set_news - another host flushed domain (NULL: all), or
 * fetched domain's policy under id: call these (the resolver's, set by
 * sts_resolver_set_fleet; a callback, not an include: no circle). */
void sts_fleet_set_news(struct sts_fleet *f,
        void (*on_flush)(void *arg, const char *domain),
        void (*on_policy)(void *arg, const char *domain, const char *id),
        void *arg);

/* sts_fleet_free - cancel pending asks (their callbacks are not called). */
void sts_fleet_free(struct sts_fleet *f);

/*
 * sts_fleet_ask_cb - the answer to an ask: p, a policy from Redis with
 * the asked id expiring after min_expires (valid during the call), or
 * NULL: fetch it yourself; locked says that this host holds the fetch
 * lock (release it with sts_fleet_publish or sts_fleet_release).
 */
typedef void sts_fleet_ask_cb(
        void *arg, const struct store_policy *p, int locked);

/*
 * sts_fleet_ask - look for domain's policy under id in Redis; when absent
 * take the fetch lock, or wait (polling, bounded by sts.first_contact_wait)
 * for the host that holds it. NULL when Redis is down: fetch yourself (cb
 * is not called); else cb is called once, later, unless cancelled.
 * wait 0: one look, no lock, no wait.
 */
struct sts_fleet_ask *sts_fleet_ask(struct sts_fleet *f, const char *domain,
        const char *id, int64_t min_expires, int wait, sts_fleet_ask_cb *cb,
        void *arg);

/* sts_fleet_cancel - forget the ask; its callback will not be called. */
void sts_fleet_cancel(struct sts_fleet_ask *a);

/* sts_fleet_publish - p was fetched here: store it in Redis for its
 * remaining life, tell the fleet, release the fetch lock. */
void sts_fleet_publish(struct sts_fleet *f, const struct store_policy *p);

/* sts_fleet_release - the fetch of domain failed: release the lock. */
void sts_fleet_release(struct sts_fleet *f, const char *domain);

/* sts_fleet_flush - domain (NULL: all) was flushed here: delete it from
 * Redis and tell the fleet. */
void sts_fleet_flush(struct sts_fleet *f, const char *domain);

/* sts_fleet_up - Redis reachable (stats). */
int sts_fleet_up(const struct sts_fleet *f);

#endif
