/*
 * hash.c - intrusive chained hashing (see hash.h): power-of-two buckets,
 * doubled when the count reaches the number of buckets, entries linked
 * first in their chain; and FNV-1a, the hash every user feeds it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "util/hash.h"
#include "util/xalloc.h"

void
hash_init(struct hash *t, size_t nbuckets, hash_of_fn hash_of)
{
	t->nbuckets = nbuckets;
	t->buckets  = xcalloc(nbuckets, sizeof(*t->buckets));
	t->count    = 0;
	t->hash_of  = hash_of;
}

void
hash_fini(struct hash *t)
{
	free(t->buckets);
	t->buckets  = NULL;
	t->nbuckets = 0;
	t->count    = 0;
}

struct hash_node *
hash_chain(const struct hash *t, uint64_t h)
{
	return (t->buckets[h & (t->nbuckets - 1)]);
}

static void
hash_grow(struct hash *t)
{
	struct hash_node **nb, *n, *next;
	size_t             i, nn = t->nbuckets * 2;
	uint64_t           h;

	nb = xcalloc(nn, sizeof(*nb));
	for (i = 0; i < t->nbuckets; i++) {
		for (n = t->buckets[i]; n != NULL; n = next) {
			next             = n->next;
			h                = t->hash_of(n);
			n->next          = nb[h & (nn - 1)];
			nb[h & (nn - 1)] = n;
		}
	}
	free(t->buckets);
	t->buckets  = nb;
	t->nbuckets = nn;
}

void
hash_insert(struct hash *t, struct hash_node *n, uint64_t h)
{
	struct hash_node **b;

	if (t->count >= t->nbuckets) {
		hash_grow(t);
	}
	b       = &t->buckets[h & (t->nbuckets - 1)];
	n->next = *b;
	*b      = n;
	t->count++;
}

int
hash_remove(struct hash *t, struct hash_node *n, uint64_t h)
{
	struct hash_node **pp;

	for (pp    = &t->buckets[h & (t->nbuckets - 1)]; *pp != NULL;
	        pp = &(*pp)->next) {
		if (*pp == n) {
			*pp = n->next;
			t->count--;
			return (0);
		}
	}
	return (-1);
}

void
hash_walk(const struct hash *t, void (*fn)(void *arg, struct hash_node *n),
        void                *arg)
{
	struct hash_node *n, *next;
	size_t            i;

	for (i = 0; i < t->nbuckets; i++) {
		for (n = t->buckets[i]; n != NULL; n = next) {
			next = n->next;
			fn(arg, n);
		}
	}
}

size_t
hash_count(const struct hash *t)
{
	return (t->count);
}

uint32_t
hash_fnv32(uint32_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n-- > 0) {
		h ^= *c++;
		h *= 16777619u;
	}
	return (h);
}
