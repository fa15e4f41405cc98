/*
 * store_redis.h - the fleet's shared policy tier in Redis: its key layout,
 * the value a policy is stored as, and the pub/sub messages (docs/FLEET.md).
 * Pure functions, no I/O: sts/sts_fleet.c does the talking through
 * util/redisev.h. Everything read back from Redis is untrusted input: the
 * decoders check every field (and the policy text is re-parsed by the
 * normal parser, RFC 8461 §3.2, by the caller). Fuzzed by
 * tests/fuzz/fuzz_store_redis.c.
 *
 * Keys (PREFIX = store.redis.key_prefix, default "mxtls:"):
 *   PREFIX policy:DOMAIN  the policy value below, EX = its remaining life
 *   PREFIX lock:DOMAIN    the fetch lock (SET NX PX), value = host id
 *   PREFIX events         the pub/sub channel
 */
#ifndef MXTLS_CACHED_STORE_REDIS_H
#define MXTLS_CACHED_STORE_REDIS_H

#include <stddef.h>

#include "store/store.h"

#define STORE_REDIS_BODY_MAX 65536 /* as STS_POLICY_MAX_BODY */
#define STORE_REDIS_HOST_MAX 64
#define STORE_REDIS_MSG_MAX  512
#define STORE_REDIS_KEY_MAX  (64 + 16 + DOMAIN_MAX)

/* store_redis_key - PREFIX WHAT DOMAIN into buf ("policy:", "lock:";
 * domain NULL for the channel: PREFIX events). -1 if it does not fit. */
int store_redis_key(char *buf, size_t len, const char *prefix,
        const char *what, const char *domain);

/*
 * store_redis_encode - the value of p (domain, id, fetched, expires, body)
 * written by host: "mxtls1\nid=..\nfetched=..\nexpires=..\nhost=..\n\n"
 * then the body. Malloc'd into *out. 0 or -1 (too big).
 */
int store_redis_encode(const struct store_policy *p, const char *host,
        char **out, size_t *outlen);

/*
 * store_redis_decode - check and read a value fetched for domain into out
 * (out->body malloc'd, NUL-terminated; free with store_policy_clear).
 * STORE_FOUND, or STORE_ERROR and why for anything malformed: bad header,
 * id not 1-32 alphanumerics, times out of order, body too big.
 */
enum store_status store_redis_decode(const char *buf, size_t len,
        const char *domain, struct store_policy *out, char *why,
        size_t whylen);

enum store_redis_kind {
	STORE_REDIS_MSG_POLICY = 1, /* HOST fetched DOMAIN's policy ID */
	STORE_REDIS_MSG_FLUSH,      /* HOST flushed DOMAIN ("*": all) */
};

struct store_redis_msg {
	enum store_redis_kind kind;
	char                  host[STORE_REDIS_HOST_MAX + 1];
	char domain[DOMAIN_MAX + 1]; /* "" : every domain (flush) */
	char id[33];
};

/* store_redis_msg_format - "mxtls1 policy HOST DOMAIN ID" or
 * "mxtls1 flush HOST DOMAIN|*". Length, or -1 if it does not fit. */
int store_redis_msg_format(
        char *buf, size_t len, const struct store_redis_msg *m);

/* store_redis_msg_parse - read a message (len bytes, anything). 0, or -1
 * and why. */
int store_redis_msg_parse(const char *buf, size_t len,
        struct store_redis_msg *m, char *why, size_t whylen);

/* store_redis_id_ok - 1 when id is 1-32 ASCII letters and digits
 * (RFC 8461 §3.1 sts-id). */
int store_redis_id_ok(const char *id, size_t len);

#endif
