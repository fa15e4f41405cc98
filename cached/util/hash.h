/*
 * hash.h - the daemon's one hash table: intrusive chaining over a
 * power-of-two bucket array that doubles when the load passes 1. An entry
 * embeds a struct hash_node (one pointer) and keeps its own hash value
 * (32 or 64 bits, as it likes); the table asks for it back, through the
 * hash_of function, only when it grows. Lookups walk a bucket's chain and
 * compare what they need (HASH_ENTRY gets the entry from its node). Used
 * by memo.c, intern.c, dane_share.c, answer_cache.c and peerlimit.c.
 *
 * No locking: the owner serialises (answer_cache.c takes its lock around
 * every call).
 */
#ifndef MXTLS_CACHED_HASH_H
#define MXTLS_CACHED_HASH_H

#include <stddef.h>
#include <stdint.h>

struct hash_node {
	struct hash_node *next; /* bucket chain */
};

/* hash_of_fn - the hash value the entry of n was inserted with. */
typedef uint64_t (*hash_of_fn)(const struct hash_node *n);

struct hash {
	struct hash_node **buckets;
	size_t             nbuckets; /* a power of two */
	size_t             count;
	hash_of_fn         hash_of;
};

/* HASH_ENTRY - the entry of type that holds node n as member. */
#define HASH_ENTRY(n, type, member)                                           \
	((type *)(void *)((char *)(n)-offsetof(type, member)))

/* hash_init - an empty table of nbuckets (a power of two) buckets. */
void hash_init(struct hash *t, size_t nbuckets, hash_of_fn hash_of);

/* hash_fini - free the buckets (not the entries: hash_walk them first). */
void hash_fini(struct hash *t);

/* hash_chain - the first node of h's bucket; follow ->next. */
struct hash_node *hash_chain(const struct hash *t, uint64_t h);

/* hash_insert - link n, whose entry's hash is h, first in its bucket
 * (growing the table first when count >= nbuckets). */
void hash_insert(struct hash *t, struct hash_node *n, uint64_t h);

/* hash_remove - unlink n, inserted with h. 0, or -1 when not linked. */
int hash_remove(struct hash *t, struct hash_node *n, uint64_t h);

/* hash_walk - fn(arg, n) for every node; fn may free n (not others). */
void hash_walk(const struct hash *t,
        void (*fn)(void *arg, struct hash_node *n), void *arg);

/* hash_count - nodes linked. */
size_t hash_count(const struct hash *t);

/* FNV-1a, 32 bits: hash_fnv32(HASH_FNV32_INIT ^ seed, p, n), chainable. */
#define HASH_FNV32_INIT 2166136261u
uint32_t hash_fnv32(uint32_t h, const void *p, size_t n);

#endif
