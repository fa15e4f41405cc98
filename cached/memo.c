/*
 * memo.c - one record per domain shared by the per-domain memos (see
 * memo.h). Chained hashing (FNV-1a, seeded per process: remote senders
 * choose the domains) over a power-of-two bucket array that doubles when
 * the load passes 1; a doubly-linked list keeps recency.
 */
#include <sys/queue.h>
#include <sys/random.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "memo.h"
#include "xalloc.h"

struct memo_rec {
	struct memo_rec *next; /* bucket chain */
	TAILQ_ENTRY(memo_rec) lru;
	void    *v[MEMO_NSLOTS];
	uint32_t hash;
	char     key[];
};

TAILQ_HEAD(memo_lru, memo_rec);

struct memo_owner {
	memo_free_fn  free_value;
	memo_busy_fn  busy;
	size_t        count;
	unsigned long evictions;
};

struct memo {
	struct memo_rec **buckets;
	size_t            nbuckets;
	size_t            count; /* records */
	size_t            max;
	uint32_t          seed;
	struct memo_lru   lru;
	struct memo_owner own[MEMO_NSLOTS];
};

static uint32_t
memo_hash(const struct memo *m, const char *s)
{
	uint32_t h = 2166136261u ^ m->seed;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return (h ^ (h >> 15));
}

struct memo *
memo_create(size_t max)
{
	struct memo *m = xcalloc(1, sizeof(*m));

	if (getrandom(&m->seed, sizeof(m->seed), GRND_NONBLOCK)
	        != (ssize_t)sizeof(m->seed))
		m->seed = (uint32_t)(uintptr_t)m;
	m->nbuckets = 64;
	m->buckets  = xcalloc(m->nbuckets, sizeof(*m->buckets));
	m->max      = max > 0 ? max : 1;
	TAILQ_INIT(&m->lru);
	return (m);
}

static struct memo_rec **
memo_slot_of(struct memo *m, const char *key, uint32_t h)
{
	struct memo_rec **pp = &m->buckets[h & (m->nbuckets - 1)];

	for (; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->hash == h && strcmp((*pp)->key, key) == 0)
			break;
	return (pp);
}

static int
rec_empty(const struct memo_rec *r)
{
	int s;

	for (s = 0; s < MEMO_NSLOTS; s++)
		if (r->v[s] != NULL)
			return (0);
	return (1);
}

/* rec_drop - unlink r and free it (not its values). */
static void
rec_drop(struct memo *m, struct memo_rec *r)
{
	struct memo_rec **pp = memo_slot_of(m, r->key, r->hash);

	*pp = r->next;
	TAILQ_REMOVE(&m->lru, r, lru);
	m->count--;
	free(r);
}

/* rec_clear - take value s out of r; r goes when it was its last. */
static void *
rec_clear(struct memo *m, struct memo_rec *r, enum memo_slot s)
{
	void *v = r->v[s];

	r->v[s] = NULL;
	m->own[s].count--;
	if (rec_empty(r))
		rec_drop(m, r);
	return (v);
}

static void
value_free(struct memo *m, enum memo_slot s, void *v)
{
	if (m->own[s].free_value != NULL)
		m->own[s].free_value(v);
}

void
memo_free(struct memo *m)
{
	int s;

	if (m == NULL)
		return;
	for (s = 0; s < MEMO_NSLOTS; s++)
		memo_detach(m, (enum memo_slot)s);
	free(m->buckets);
	free(m);
}

void
memo_attach(struct memo *m, enum memo_slot s, memo_free_fn free_value,
        memo_busy_fn busy)
{
	m->own[s].free_value = free_value;
	m->own[s].busy       = busy;
}

void
memo_detach(struct memo *m, enum memo_slot s)
{
	struct memo_rec *r, *next;

	for (r    = TAILQ_FIRST(&m->lru); r != NULL && m->own[s].count > 0;
	        r = next) {
		next = TAILQ_NEXT(r, lru);
		if (r->v[s] != NULL)
			value_free(m, s, rec_clear(m, r, s));
	}
	m->own[s].free_value = NULL;
	m->own[s].busy       = NULL;
}

void *
memo_get(struct memo *m, enum memo_slot s, const char *key)
{
	struct memo_rec *r = *memo_slot_of(m, key, memo_hash(m, key));

	if (r == NULL || r->v[s] == NULL)
		return (NULL);
	TAILQ_REMOVE(&m->lru, r, lru);
	TAILQ_INSERT_HEAD(&m->lru, r, lru);
	return (r->v[s]);
}

static int
rec_busy(const struct memo *m, const struct memo_rec *r)
{
	int s;

	for (s = 0; s < MEMO_NSLOTS; s++)
		if (r->v[s] != NULL && m->own[s].busy != NULL
		        && m->own[s].busy(r->v[s]))
			return (1);
	return (0);
}

static int
memo_evict_one(struct memo *m)
{
	struct memo_rec *r;
	void            *v[MEMO_NSLOTS];
	int              s;

	TAILQ_FOREACH_REVERSE(r, &m->lru, memo_lru, lru)
	{
		if (rec_busy(m, r))
			continue;
		for (s = 0; s < MEMO_NSLOTS; s++) {
			v[s] = r->v[s];
			if (v[s] != NULL) {
				m->own[s].count--;
				m->own[s].evictions++;
			}
		}
		rec_drop(m, r);
		for (s = 0; s < MEMO_NSLOTS; s++)
			if (v[s] != NULL)
				value_free(m, (enum memo_slot)s, v[s]);
		return (0);
	}
	return (-1);
}

static void
memo_grow(struct memo *m)
{
	struct memo_rec **nb;
	size_t            i, nn = m->nbuckets * 2;

	nb = xcalloc(nn, sizeof(*nb));
	for (i = 0; i < m->nbuckets; i++) {
		struct memo_rec *r = m->buckets[i], *next;
		for (; r != NULL; r = next) {
			next                   = r->next;
			r->next                = nb[r->hash & (nn - 1)];
			nb[r->hash & (nn - 1)] = r;
		}
	}
	free(m->buckets);
	m->buckets  = nb;
	m->nbuckets = nn;
}

const char *
memo_put(struct memo *m, enum memo_slot s, const char *key, void *value)
{
	uint32_t         h = memo_hash(m, key);
	struct memo_rec *r = *memo_slot_of(m, key, h);
	size_t           klen;

	if (r == NULL) {
		if (m->count >= m->max && memo_evict_one(m) != 0)
			return (NULL);
		if (m->count >= m->nbuckets)
			memo_grow(m);
		klen    = strlen(key);
		r       = xcalloc(1, sizeof(*r) + klen + 1);
		r->hash = h;
		memcpy(r->key, key, klen + 1);
		r->next = m->buckets[h & (m->nbuckets - 1)];
		m->buckets[h & (m->nbuckets - 1)] = r;
		m->count++;
	} else {
		TAILQ_REMOVE(&m->lru, r, lru);
	}
	TAILQ_INSERT_HEAD(&m->lru, r, lru);
	r->v[s] = value;
	m->own[s].count++;
	return (r->key);
}

void *
memo_take(struct memo *m, enum memo_slot s, const char *key)
{
	struct memo_rec *r = *memo_slot_of(m, key, memo_hash(m, key));

	if (r == NULL || r->v[s] == NULL)
		return (NULL);
	return (rec_clear(m, r, s));
}

size_t
memo_flush(struct memo *m, enum memo_slot s, void (*reset)(void *))
{
	struct memo_rec *r, *prev;
	size_t           total = m->own[s].count;

	for (r = TAILQ_LAST(&m->lru, memo_lru); r != NULL; r = prev) {
		prev = TAILQ_PREV(r, memo_lru, lru);
		if (r->v[s] == NULL)
			continue;
		if (m->own[s].busy != NULL && m->own[s].busy(r->v[s])) {
			if (reset != NULL)
				reset(r->v[s]);
			continue;
		}
		value_free(m, s, rec_clear(m, r, s));
	}
	return (total);
}

char **
memo_keys(struct memo *m, enum memo_slot s)
{
	struct memo_rec *r;
	char           **keys = xcalloc(m->own[s].count + 1, sizeof(*keys));
	size_t           n    = 0;

	TAILQ_FOREACH(r, &m->lru, lru)
	{
		if (r->v[s] != NULL)
			keys[n++] = xstrdup(r->key);
	}
	return (keys);
}

size_t
memo_count(const struct memo *m, enum memo_slot s)
{
	return (m->own[s].count);
}

size_t
memo_records(const struct memo *m)
{
	return (m->count);
}

unsigned long
memo_evictions(const struct memo *m, enum memo_slot s)
{
	return (m->own[s].evictions);
}
