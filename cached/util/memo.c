/*
 * memo.c - one record per domain shared by the per-domain memos (see
 * memo.h). util/hash.c's table keyed by FNV-1a, seeded per process
 * (remote senders choose the domains); a doubly-linked list keeps
 * recency.
 *
 * A record is one allocation: the header below, then each attached slot's
 * value at its offset (m->off), then the key. Which slots hold a value is
 * a bit each in the header.
 */
#include <sys/queue.h>
#include <sys/random.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util/hash.h"
#include "util/memo.h"
#include "util/xalloc.h"

struct memo_rec {
	struct hash_node node; /* in the table */
	TAILQ_ENTRY(memo_rec) lru;
	uint32_t hash;
	uint8_t  has; /* bit s: slot s holds a value */
};

TAILQ_HEAD(memo_lru, memo_rec);

/* values are aligned for pointers and 64-bit integers */
#define MEMO_ALIGN    8
#define MEMO_ROUND(n) (((n) + MEMO_ALIGN - 1) & ~(size_t)(MEMO_ALIGN - 1))

struct memo_owner {
	memo_free_fn  release;
	memo_busy_fn  busy;
	void         *arg;  /* release's */
	size_t        size; /* of a value; 0: not attached */
	size_t        off;  /* of the value in a record */
	size_t        count;
	unsigned long evictions;
};

struct memo {
	struct hash       table; /* of memo_rec; its count: records */
	size_t            max;
	size_t            key_off; /* of the key in a record */
	uint32_t          seed;
	struct memo_lru   lru;
	struct memo_owner own[MEMO_NSLOTS];
};

static uint32_t
memo_hash(const struct memo *m, const char *s)
{
	uint32_t h = hash_fnv32(HASH_FNV32_INIT ^ m->seed, s, strlen(s));

	return (h ^ (h >> 15));
}

static uint64_t
memo_rec_hash(const struct hash_node *n)
{
	return (HASH_ENTRY(n, const struct memo_rec, node)->hash);
}

/* memo_layout - place the attached slots' values and the key. */
static void
memo_layout(struct memo *m)
{
	size_t off = MEMO_ROUND(sizeof(struct memo_rec));
	int    s;

	for (s = 0; s < MEMO_NSLOTS; s++) {
		m->own[s].off = off;
		off += MEMO_ROUND(m->own[s].size);
	}
	m->key_off = off;
}

struct memo *
memo_create(size_t max)
{
	struct memo *m = xcalloc(1, sizeof(*m));

	if (getrandom(&m->seed, sizeof(m->seed), GRND_NONBLOCK)
	        != (ssize_t)sizeof(m->seed)) {
		m->seed = (uint32_t)(uintptr_t)m;
	}
	hash_init(&m->table, 64, memo_rec_hash);
	m->max = max > 0 ? max : 1;
	TAILQ_INIT(&m->lru);
	memo_layout(m);
	return (m);
}

static char *
rec_key(const struct memo *m, const struct memo_rec *r)
{
	return ((char *)r + m->key_off);
}

static void *
rec_value(const struct memo *m, const struct memo_rec *r, enum memo_slot s)
{
	return ((char *)r + m->own[s].off);
}

static int
rec_has(const struct memo_rec *r, int s)
{
	return ((r->has & (1u << s)) != 0);
}

/* memo_lookup - key's record (h: its memo_hash), or NULL. */
static struct memo_rec *
memo_lookup(struct memo *m, const char *key, uint32_t h)
{
	struct hash_node *n;
	struct memo_rec  *r;

	for (n = hash_chain(&m->table, h); n != NULL; n = n->next) {
		r = HASH_ENTRY(n, struct memo_rec, node);
		if (r->hash == h && strcmp(rec_key(m, r), key) == 0) {
			return (r);
		}
	}
	return (NULL);
}

static struct memo_rec *
memo_find(struct memo *m, const char *key)
{
	return (memo_lookup(m, key, memo_hash(m, key)));
}

/* rec_unlink - take r out of the table and the list (not freed). */
static void
rec_unlink(struct memo *m, struct memo_rec *r)
{
	(void)hash_remove(&m->table, &r->node, r->hash);
	TAILQ_REMOVE(&m->lru, r, lru);
}

/* rec_clear - release value s of r and drop it; r goes when it was its
 * last. */
static void
rec_clear(struct memo *m, struct memo_rec *r, enum memo_slot s)
{
	if (m->own[s].release != NULL) {
		m->own[s].release(m->own[s].arg, rec_value(m, r, s));
	}
	r->has &= (uint8_t) ~(1u << s);
	m->own[s].count--;
	if (r->has == 0) {
		rec_unlink(m, r);
		free(r);
	}
}

void
memo_free(struct memo *m)
{
	int s;

	if (m == NULL) {
		return;
	}
	for (s = 0; s < MEMO_NSLOTS; s++) {
		memo_detach(m, (enum memo_slot)s);
	}
	hash_fini(&m->table);
	free(m);
}

void
memo_attach(struct memo *m, enum memo_slot s, size_t size,
        memo_free_fn release, memo_busy_fn busy, void *arg)
{
	if (hash_count(&m->table) > 0 && m->own[s].size != size) {
		log_err("MXTLS-MEMO-ATTACH",
		        "memo slot %d attached with records held", (int)s);
		abort();
	}
	m->own[s].release = release;
	m->own[s].busy    = busy;
	m->own[s].arg     = arg;
	m->own[s].size    = size;
	memo_layout(m);
}

void
memo_detach(struct memo *m, enum memo_slot s)
{
	struct memo_rec *r, *next;

	for (r    = TAILQ_FIRST(&m->lru); r != NULL && m->own[s].count > 0;
	        r = next) {
		next = TAILQ_NEXT(r, lru);
		if (rec_has(r, s)) {
			rec_clear(m, r, s);
		}
	}
	m->own[s].release = NULL;
	m->own[s].busy    = NULL;
	m->own[s].arg     = NULL;
}

void *
memo_get(struct memo *m, enum memo_slot s, const char *key)
{
	struct memo_rec *r = memo_find(m, key);

	if (r == NULL || !rec_has(r, s)) {
		return (NULL);
	}
	TAILQ_REMOVE(&m->lru, r, lru);
	TAILQ_INSERT_HEAD(&m->lru, r, lru);
	return (rec_value(m, r, s));
}

void *
memo_peek(struct memo *m, enum memo_slot s, const char *key)
{
	struct memo_rec *r = memo_find(m, key);

	return (r == NULL || !rec_has(r, s) ? NULL : rec_value(m, r, s));
}

static int
rec_busy(const struct memo *m, const struct memo_rec *r)
{
	int s;

	for (s = 0; s < MEMO_NSLOTS; s++) {
		if (rec_has(r, s) && m->own[s].busy != NULL
		        && m->own[s].busy(
		                rec_value(m, r, (enum memo_slot)s))) {
			return (1);
		}
	}
	return (0);
}

static int
memo_evict_one(struct memo *m)
{
	struct memo_rec *r;
	int              s;

	TAILQ_FOREACH_REVERSE(r, &m->lru, memo_lru, lru)
	{
		if (rec_busy(m, r)) {
			continue;
		}
		rec_unlink(m, r);
		for (s = 0; s < MEMO_NSLOTS; s++) {
			if (!rec_has(r, s)) {
				continue;
			}
			m->own[s].count--;
			m->own[s].evictions++;
			if (m->own[s].release != NULL) {
				m->own[s].release(m->own[s].arg,
				        rec_value(m, r, (enum memo_slot)s));
			}
		}
		free(r);
		return (0);
	}
	return (-1);
}

void *
memo_put(struct memo *m, enum memo_slot s, const char *key)
{
	uint32_t         h = memo_hash(m, key);
	struct memo_rec *r = memo_lookup(m, key, h);
	size_t           klen;
	void            *v;

	if (m->own[s].size == 0) {
		log_err("MXTLS-MEMO-PUT", "memo slot %d not attached", (int)s);
		abort();
	}
	if (r == NULL) {
		if (hash_count(&m->table) >= m->max
		        && memo_evict_one(m) != 0) {
			return (NULL);
		}
		klen    = strlen(key);
		r       = xcalloc(1, m->key_off + klen + 1);
		r->hash = h;
		memcpy(rec_key(m, r), key, klen + 1);
		hash_insert(&m->table, &r->node, h);
	} else {
		TAILQ_REMOVE(&m->lru, r, lru);
	}
	TAILQ_INSERT_HEAD(&m->lru, r, lru);
	v = rec_value(m, r, s);
	if (rec_has(r, s)) { /* misuse: the old value is lost */
		log_err("MXTLS-MEMO-PUT", "%s: memo slot %d already held", key,
		        (int)s);
		abort();
	}
	memset(v, 0, m->own[s].size);
	r->has |= (uint8_t)(1u << s);
	m->own[s].count++;
	return (v);
}

const char *
memo_key(const struct memo *m, enum memo_slot s, const void *value)
{
	const struct memo_rec *r
	        = (const struct memo_rec *)((const char *)value
	                - m->own[s].off);

	return (rec_key(m, r));
}

int
memo_del(struct memo *m, enum memo_slot s, const char *key)
{
	struct memo_rec *r = memo_find(m, key);

	if (r == NULL || !rec_has(r, s)) {
		return (0);
	}
	rec_clear(m, r, s);
	return (1);
}

size_t
memo_flush(struct memo *m, enum memo_slot s, void (*reset)(void *))
{
	struct memo_rec *r, *prev;
	size_t           total = m->own[s].count;

	for (r = TAILQ_LAST(&m->lru, memo_lru); r != NULL; r = prev) {
		prev = TAILQ_PREV(r, memo_lru, lru);
		if (!rec_has(r, s)) {
			continue;
		}
		if (m->own[s].busy != NULL
		        && m->own[s].busy(rec_value(m, r, s))) {
			if (reset != NULL) {
				reset(rec_value(m, r, s));
			}
			continue;
		}
		rec_clear(m, r, s);
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
		if (rec_has(r, s)) {
			keys[n++] = xstrdup(rec_key(m, r));
		}
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
	return (hash_count(&m->table));
}

unsigned long
memo_evictions(const struct memo *m, enum memo_slot s)
{
	return (m->own[s].evictions);
}
