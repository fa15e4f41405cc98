/*
 * answer_cache.c - finished "policy" replies per domain behind a
 * reader-writer lock (see answer_cache.h). util/hash.c's table, keyed by
 * a per-process seeded 64-bit FNV-1a (remote senders choose the domains);
 * the oldest reply goes first when the cache is full.
 */
#include <sys/queue.h>
#include <sys/random.h>

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "serve/answer_cache.h"
#include "util/hash.h"
#include "util/xalloc.h"

struct answer {
	struct hash_node node; /* in the table */
	TAILQ_ENTRY(answer) age;
	uint64_t hash;
	int64_t  valid_until;
	char  *json; /* NULL: only the text is kept (answer_cache_text_only) */
	size_t jsonlen;
	char  *text; /* socketmap rendering, or NULL */
	char   key[];
};

TAILQ_HEAD(answer_age, answer);

struct answer_cache {
	pthread_rwlock_t  lock;
	struct hash       table; /* of answer; its count: replies */
	size_t            max;
	int               ttl;
	uint64_t          seed;
	struct answer_age age;       /* oldest first */
	unsigned long     hits;      /* atomic */
	unsigned long     misses;    /* atomic */
	unsigned long     evictions; /* loop thread */
};

static uint64_t
answer_hash(const struct answer_cache *ac, const char *s)
{
	uint64_t h = 14695981039346656037ULL ^ ac->seed;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return (h ^ (h >> 29));
}

static uint64_t
answer_hash_of(const struct hash_node *n)
{
	return (HASH_ENTRY(n, const struct answer, node)->hash);
}

struct answer_cache *
answer_cache_create(size_t max, int ttl)
{
	struct answer_cache *ac = xcalloc(1, sizeof(*ac));

	if (pthread_rwlock_init(&ac->lock, NULL) != 0) {
		xdie();
	}
	ac->max = max > 0 ? max : 1;
	ac->ttl = ttl > 0 ? ttl : 0;
	hash_init(&ac->table, 256, answer_hash_of);
	if (getrandom(&ac->seed, sizeof(ac->seed), 0) != sizeof(ac->seed)) {
		ac->seed = (uint64_t)(uintptr_t)ac;
	}
	TAILQ_INIT(&ac->age);
	return (ac);
}

static void
answer_free(struct answer *a)
{
	free(a->json);
	free(a->text);
	free(a);
}

void
answer_cache_free(struct answer_cache *ac)
{
	struct answer *a;

	if (ac == NULL) {
		return;
	}
	while ((a = TAILQ_FIRST(&ac->age)) != NULL) {
		TAILQ_REMOVE(&ac->age, a, age);
		answer_free(a);
	}
	hash_fini(&ac->table);
	pthread_rwlock_destroy(&ac->lock);
	free(ac);
}

int
answer_cache_ttl(const struct answer_cache *ac)
{
	return (ac->ttl);
}

/* answer_find - key's reply (h: its answer_hash), or NULL. Lock held
 * (or the loop thread, the only writer). */
static struct answer *
answer_find(struct answer_cache *ac, const char *key, uint64_t h)
{
	struct hash_node *n;
	struct answer    *a;

	for (n = hash_chain(&ac->table, h); n != NULL; n = n->next) {
		a = HASH_ENTRY(n, struct answer, node);
		if (a->hash == h && strcmp(a->key, key) == 0) {
			return (a);
		}
	}
	return (NULL);
}

/* answer_unlink - remove a from the table and the age list and free it.
 * Write lock held. */
static void
answer_unlink(struct answer_cache *ac, struct answer *a)
{
	(void)hash_remove(&ac->table, &a->node, a->hash);
	TAILQ_REMOVE(&ac->age, a, age);
	answer_free(a);
}

void
answer_cache_put(struct answer_cache *ac, const char *domain, const char *json,
        size_t len, int64_t now, int64_t valid_until)
{
	struct answer *old, *a;
	size_t         klen = strlen(domain);
	uint64_t       h;

	if (ac->ttl == 0) {
		return;
	}
	if (valid_until > now + ac->ttl) {
		valid_until = now + ac->ttl;
	}
	if (valid_until <= now) {
		return;
	}
	a = xmalloc(sizeof(*a) + klen + 1);
	memcpy(a->key, domain, klen + 1);
	a->json = xmalloc(len + 1);
	memcpy(a->json, json, len);
	a->json[len]   = '\0';
	a->jsonlen     = len;
	a->text        = NULL;
	a->valid_until = valid_until;
	a->hash = h = answer_hash(ac, domain);

	pthread_rwlock_wrlock(&ac->lock);
	if ((old = answer_find(ac, domain, h)) != NULL) {
		/* a reply still here is still valid (every change drops it at
		 * once), so its text renders the same inputs: keep it */
		if (now < old->valid_until) {
			a->text   = old->text;
			old->text = NULL;
		}
		answer_unlink(ac, old);
	}
	while (hash_count(&ac->table) >= ac->max) {
		answer_unlink(ac, TAILQ_FIRST(&ac->age));
		ac->evictions++;
	}
	hash_insert(&ac->table, &a->node, h);
	TAILQ_INSERT_TAIL(&ac->age, a, age);
	pthread_rwlock_unlock(&ac->lock);
}

int
answer_cache_copy(struct answer_cache *ac, const char *domain, int64_t now,
        answer_copy_fn fn, void *arg)
{
	struct answer *a;
	uint64_t       h   = answer_hash(ac, domain);
	int            hit = 0;

	pthread_rwlock_rdlock(&ac->lock);
	a = answer_find(ac, domain, h);
	if (a != NULL && a->json != NULL && now < a->valid_until) {
		fn(arg, a->json, a->jsonlen);
		hit = 1;
	}
	pthread_rwlock_unlock(&ac->lock);
	__atomic_add_fetch(hit ? &ac->hits : &ac->misses, 1, __ATOMIC_RELAXED);
	return (hit);
}

/* answer_attach_text - give domain's reply still valid at now the text
 * (copied); with drop_json, forget its JSON. Loop thread. */
static void
answer_attach_text(struct answer_cache *ac, const char *domain, int64_t now,
        const char *text, int drop_json)
{
	struct answer *a;
	char          *t, *old, *json = NULL;

	if (ac->ttl == 0) {
		return;
	}
	/* the loop is the only writer: finding without the lock is safe */
	a = answer_find(ac, domain, answer_hash(ac, domain));
	if (a == NULL || now >= a->valid_until) {
		return;
	}
	t = xstrdup(text);
	pthread_rwlock_wrlock(&ac->lock);
	old     = a->text;
	a->text = t;
	if (drop_json) {
		json       = a->json;
		a->json    = NULL;
		a->jsonlen = 0;
	}
	pthread_rwlock_unlock(&ac->lock);
	free(old);
	free(json);
}

void
answer_cache_set_text(struct answer_cache *ac, const char *domain, int64_t now,
        const char *text)
{
	answer_attach_text(ac, domain, now, text, 0);
}

void
answer_cache_text_only(struct answer_cache *ac, const char *domain,
        int64_t now, const char *text)
{
	answer_attach_text(ac, domain, now, text, 1);
}

int
answer_cache_copy_text(struct answer_cache *ac, const char *domain,
        int64_t now, answer_copy_fn fn, void *arg)
{
	struct answer *a;
	uint64_t       h   = answer_hash(ac, domain);
	int            hit = 0;

	if (ac->ttl == 0) {
		return (0);
	}
	pthread_rwlock_rdlock(&ac->lock);
	a = answer_find(ac, domain, h);
	if (a != NULL && a->text != NULL && now < a->valid_until) {
		fn(arg, a->text, strlen(a->text));
		hit = 1;
	}
	pthread_rwlock_unlock(&ac->lock);
	__atomic_add_fetch(hit ? &ac->hits : &ac->misses, 1, __ATOMIC_RELAXED);
	return (hit);
}

void
answer_cache_drop(void *arg, const char *domain)
{
	struct answer_cache *ac = arg;
	struct answer       *a;

	if (ac == NULL || hash_count(&ac->table) == 0) {
		return;
	}
	pthread_rwlock_wrlock(&ac->lock);
	if (domain != NULL) {
		a = answer_find(ac, domain, answer_hash(ac, domain));
		if (a != NULL) {
			answer_unlink(ac, a);
		}
	} else {
		while ((a = TAILQ_FIRST(&ac->age)) != NULL) {
			answer_unlink(ac, a);
		}
	}
	pthread_rwlock_unlock(&ac->lock);
}

void
answer_cache_sweep(struct answer_cache *ac, int64_t now)
{
	struct answer *a, *next;

	if (hash_count(&ac->table) == 0) {
		return;
	}
	pthread_rwlock_wrlock(&ac->lock);
	for (a = TAILQ_FIRST(&ac->age); a != NULL; a = next) {
		next = TAILQ_NEXT(a, age);
		if (now >= a->valid_until) {
			answer_unlink(ac, a);
		}
	}
	pthread_rwlock_unlock(&ac->lock);
}

size_t
answer_cache_count(struct answer_cache *ac)
{
	return (hash_count(&ac->table));
}

unsigned long
answer_cache_hits(const struct answer_cache *ac)
{
	return (__atomic_load_n(&ac->hits, __ATOMIC_RELAXED));
}

unsigned long
answer_cache_misses(const struct answer_cache *ac)
{
	return (__atomic_load_n(&ac->misses, __ATOMIC_RELAXED));
}

unsigned long
answer_cache_evictions(const struct answer_cache *ac)
{
	return (ac->evictions);
}
