/*
 * cache.c - bounded hash map with LRU eviction for the daemon's per-domain
 * state. Chained hashing (FNV-1a) over a power-of-two bucket array that
 * doubles when the load passes 1; a doubly-linked list keeps recency.
 */
#include <sys/queue.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"
#include "cache.h"
#include "log.h"

struct cache_node {
	struct cache_node *next; /* bucket chain */
	TAILQ_ENTRY(cache_node) lru;
	uint32_t hash;
	void    *value;
	char     key[];
};

TAILQ_HEAD(cache_lru, cache_node);

struct cache {
	struct cache_node **buckets;
	size_t              nbuckets;
	size_t              count;
	size_t              max;
	unsigned long       evictions;
	struct cache_lru    lru;
	cache_free_fn       free_value;
	cache_busy_fn       busy;
};

static uint32_t
cache_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return (h);
}

struct cache *
cache_create(size_t max, cache_free_fn free_value, cache_busy_fn busy)
{
	struct cache *c = xcalloc(1, sizeof(*c));

	c->nbuckets   = 64;
	c->buckets    = xcalloc(c->nbuckets, sizeof(*c->buckets));
	c->max        = max > 0 ? max : 1;
	c->free_value = free_value;
	c->busy       = busy;
	TAILQ_INIT(&c->lru);
	return (c);
}

void
cache_free(struct cache *c)
{
	struct cache_node *n;

	if (c == NULL)
		return;
	while ((n = TAILQ_FIRST(&c->lru)) != NULL) {
		TAILQ_REMOVE(&c->lru, n, lru);
		if (c->free_value != NULL)
			c->free_value(n->value);
		free(n);
	}
	free(c->buckets);
	free(c);
}

static struct cache_node **
cache_slot(struct cache *c, const char *key, uint32_t h)
{
	struct cache_node **pp = &c->buckets[h & (c->nbuckets - 1)];

	for (; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->hash == h && strcmp((*pp)->key, key) == 0)
			break;
	return (pp);
}

void *
cache_get(struct cache *c, const char *key)
{
	struct cache_node *n = *cache_slot(c, key, cache_hash(key));

	if (n == NULL)
		return (NULL);
	TAILQ_REMOVE(&c->lru, n, lru);
	TAILQ_INSERT_HEAD(&c->lru, n, lru);
	return (n->value);
}

static void
cache_grow(struct cache *c)
{
	struct cache_node **nb;
	size_t              i, nn = c->nbuckets * 2;

	nb = xcalloc(nn, sizeof(*nb));
	for (i = 0; i < c->nbuckets; i++) {
		struct cache_node *n = c->buckets[i], *next;
		for (; n != NULL; n = next) {
			next                   = n->next;
			n->next                = nb[n->hash & (nn - 1)];
			nb[n->hash & (nn - 1)] = n;
		}
	}
	free(c->buckets);
	c->buckets  = nb;
	c->nbuckets = nn;
}

static void
cache_unlink(struct cache *c, struct cache_node *n)
{
	struct cache_node **pp = cache_slot(c, n->key, n->hash);

	*pp = n->next;
	TAILQ_REMOVE(&c->lru, n, lru);
	c->count--;
}

static int
cache_evict_one(struct cache *c)
{
	struct cache_node *n;

	TAILQ_FOREACH_REVERSE(n, &c->lru, cache_lru, lru)
	{
		if (c->busy != NULL && c->busy(n->value))
			continue;
		cache_unlink(c, n);
		if (c->free_value != NULL)
			c->free_value(n->value);
		free(n);
		c->evictions++;
		return (0);
	}
	return (-1);
}

int
cache_put(struct cache *c, const char *key, void *value)
{
	struct cache_node *n;
	size_t             klen = strlen(key);
	uint32_t           h    = cache_hash(key);

	if (c->count >= c->max && cache_evict_one(c) != 0)
		return (-1);
	if (c->count >= c->nbuckets)
		cache_grow(c);
	n        = xcalloc(1, sizeof(*n) + klen + 1);
	n->hash  = h;
	n->value = value;
	memcpy(n->key, key, klen + 1);
	n->next                           = c->buckets[h & (c->nbuckets - 1)];
	c->buckets[h & (c->nbuckets - 1)] = n;
	TAILQ_INSERT_HEAD(&c->lru, n, lru);
	c->count++;
	return (0);
}

void *
cache_take(struct cache *c, const char *key)
{
	struct cache_node *n = *cache_slot(c, key, cache_hash(key));
	void              *v;

	if (n == NULL)
		return (NULL);
	cache_unlink(c, n);
	v = n->value;
	free(n);
	return (v);
}

size_t
cache_count(const struct cache *c)
{
	return (c->count);
}

unsigned long
cache_evictions(const struct cache *c)
{
	return (c->evictions);
}

void
cache_foreach(struct cache *c,
        void (*fn)(void *arg, const char *key, void *value), void *arg)
{
	struct cache_node *n;

	TAILQ_FOREACH(n, &c->lru, lru)
	fn(arg, n->key, n->value);
}

size_t
cache_flush(struct cache *c, void (*reset)(void *value))
{
	struct cache_node *n, *prev;
	size_t             total = c->count;

	for (n = TAILQ_LAST(&c->lru, cache_lru); n != NULL; n = prev) {
		prev = TAILQ_PREV(n, cache_lru, lru);
		if (c->busy != NULL && c->busy(n->value)) {
			if (reset != NULL)
				reset(n->value);
			continue;
		}
		cache_unlink(c, n);
		if (c->free_value != NULL)
			c->free_value(n->value);
		free(n);
	}
	return (total);
}
