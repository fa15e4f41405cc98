/*
 * conf_store.h - the store keys of mxtlsd.conf: store.backend, the Redis
 * tier store.redis.* and the fleet's store.host_id (docs/FLEET.md; man
 * mxtlsd.conf(5)). Their rows stand in conf.c's one table of keys, read
 * and freed there, printed by conf_print.c; what they must be together is
 * checked here.
 */
#ifndef MXTLS_CACHED_CONF_STORE_H
#define MXTLS_CACHED_CONF_STORE_H

#include <stddef.h>

/*
 * conf_store_check - the store keys' values as loaded from file: backend
 * is "sqlite" or "redis"; "redis" needs a redis_url and a redis_timeout of
 * at least 1 ms (s); key_prefix and host_id are at most 64 characters
 * without white space. 0, or -1 with why ("file:0: key: ..."), the first
 * broken rule in that order.
 */
int conf_store_check(const char *backend, const char *redis_url,
        double redis_timeout, const char *key_prefix, const char *host_id,
        const char *file, char *why, size_t whylen);

#endif
