/*
 * redisev.h - one connection to a Redis server driven by the daemon's
 * libevent loop (hiredis' async API and its libevent adapter), shared by
 * the fleet's policy tier (store/store_redis.c, sts/sts_fleet.c) and the
 * fleet's TLSRPT merge. Nothing here ever blocks the loop: connect, AUTH,
 * SELECT and every command are asynchronous, each bounded by the
 * configured timeout; a timeout or a lost connection drops the connection,
 * fails every pending command (callback with NULL and why) and reconnects
 * with back-off (250 ms doubling to 10 s).
 *
 * The URL is store.redis.url (util/redis_url.h); a USER sends the Redis 6
 * ACL form AUTH USER PASSWORD, a password alone AUTH PASSWORD; a HOST
 * name is resolved once, by redisev_open.
 *
 * Two connections: one for commands, and one for SUBSCRIBE that is only
 * opened when someone subscribes. Messages published while the subscriber
 * was down are lost (Redis pub/sub keeps nothing): the on-connect
 * callbacks are the place to resynchronise.
 */
#ifndef MXTLS_CACHED_REDISEV_H
#define MXTLS_CACHED_REDISEV_H

#include <stddef.h>

struct event_base;
struct redisReply;
struct redisev;

struct redisev_conf {
	const char *url;
	int         timeout_ms; /* every command and connect; <= 0: 1000 */
	int         read_only;  /* carried for the users (redisev_read_only) */
};

/*
 * redisev_open - parse the URL and start connecting on base (the first
 * connect is asynchronous too: redisev_up is 0 until it and AUTH/SELECT
 * succeeded). NULL and why only for a bad URL or an unresolvable name.
 */
struct redisev *redisev_open(struct event_base *base,
        const struct redisev_conf *conf, char *why, size_t whylen);

/* redisev_close - drop both connections, fail every pending command
 * (callbacks with NULL, "closed"), free. NULL is allowed. Not from inside
 * a redisev callback. */
void redisev_close(struct redisev *ev);

/* redisev_up - 1 when the command connection is connected, authenticated
 * and on its database. */
int redisev_up(const struct redisev *ev);

/* redisev_read_only - the conf's read_only. */
int redisev_read_only(const struct redisev *ev);

/* redisev_last_error - why the connection was last lost or refused ("" if
 * never); for stats and logs. */
const char *redisev_last_error(const struct redisev *ev);

/*
 * redisev_cb - a command's result: reply (valid during the call only;
 * hiredis frees it; an error reply from Redis is a reply of type
 * REDIS_REPLY_ERROR, not NULL), or NULL and why ("timeout",
 * "disconnected", "closed").
 */
typedef void redisev_cb(void *arg, struct redisReply *reply, const char *why);

/*
 * redisev_command - send a command (hiredis format: %s, %b with a length,
 * %d...). 0: cb will be called exactly once (possibly with NULL); -1: the
 * connection is down, cb is NOT called. cb may be NULL (fire and forget).
 */
int redisev_command(
        struct redisev *ev, redisev_cb *cb, void *arg, const char *fmt, ...);

/* redisev_commandargv - the same with an argument vector. */
int redisev_commandargv(struct redisev *ev, redisev_cb *cb, void *arg,
        int argc, const char **argv, const size_t *argvlen);

/*
 * redisev_subscribe - call on_msg for every message published on channel
 * (msg valid during the call; not NUL-terminated by contract, len bytes).
 * Subscriptions survive reconnects. 0, or -1 (out of memory).
 */
int redisev_subscribe(struct redisev *ev, const char                 *channel,
        void (*on_msg)(void *arg, const char *msg, size_t len), void *arg);

/* redisev_on_connect - call cb each time the command connection comes up
 * (the first time and after every reconnect). */
void redisev_on_connect(struct redisev *ev, void (*cb)(void *arg), void *arg);

/* redisev_stats - counters for mxtlsctl stats. */
struct redisev_stats {
	unsigned long connects; /* successful (re)connects */
	unsigned long failures; /* connects refused, lost, AUTH failed */
	unsigned long timeouts; /* commands that timed out */
	unsigned long commands; /* commands sent */
	unsigned long messages; /* pub/sub messages received */
};
void redisev_get_stats(const struct redisev *ev, struct redisev_stats *out);

#endif
