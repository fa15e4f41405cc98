/*
 * cache.h - a bounded in-memory map from domain name to an owner's value,
 * with least-recently-used eviction (Postfix's ctable habit: the cache owns
 * its values and frees them through the owner's callback).
 *
 * Not thread-safe: the daemon's loop thread is its only user.
 */
#ifndef MXTLS_CACHED_CACHE_H
#define MXTLS_CACHED_CACHE_H

#include <stddef.h>

struct cache;

/* cache_free_fn - free a value the cache drops (eviction, cache_free). */
typedef void (*cache_free_fn)(void *value);
/* cache_busy_fn - 1 when a value must not be evicted now (work in flight). */
typedef int (*cache_busy_fn)(void *value);

/* cache_create - an empty cache holding at most max values. */
struct cache *cache_create(
        size_t max, cache_free_fn free_value, cache_busy_fn busy);

/* cache_free - free every value, then the cache. NULL is allowed. */
void cache_free(struct cache *c);

/* cache_get - the value under key (and mark it recently used), or NULL. */
void *cache_get(struct cache *c, const char *key);

/*
 * cache_put - store value under key (copied); key must not be present.
 * When the cache is full, the least recently used value that is not busy is
 * freed first. Returns 0, or -1 when every value is busy (nothing stored).
 */
int cache_put(struct cache *c, const char *key, void *value);

/* cache_take - remove key and return its value without freeing it (NULL
 * when absent). */
void *cache_take(struct cache *c, const char *key);

/*
 * cache_flush - drop every value: idle ones are freed, busy ones stay (their
 * work must finish and answer its waiters) after reset(value) made them
 * forget what they knew. Returns how many values there were.
 */
size_t cache_flush(struct cache *c, void (*reset)(void *value));

/* cache_count - the number of values held. */
size_t cache_count(const struct cache *c);

/* cache_foreach - call fn for every value, most recently used first; fn may
 * not modify the cache. */
void cache_foreach(struct cache *c,
        void (*fn)(void *arg, const char *key, void *value), void *arg);

/* cache_evictions - how many values were evicted so far. */
unsigned long cache_evictions(const struct cache *c);

#endif
