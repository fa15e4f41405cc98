/*
 * memo.h - one record per domain for the daemon's per-domain memos: the
 * MTA-STS entry (sts_resolver.c), the DANE entry (dane_resolver.c) and the
 * TLSRPT entry (tlsrpt_lookup.c) live inside one allocation with one hash
 * node, one copy of the name and one place in one least-recently-used
 * list, instead of four allocations (docs/BENCHMARKS.md, memory). Each
 * owner has a slot: the size of its values, its release and busy
 * callbacks, its counts.
 *
 * A value is kept in its record: memo_put hands out zeroed storage of the
 * slot's size that stays at one address until the value is deleted,
 * flushed or evicted (work in flight may point at it). The memo owns that
 * storage; the owner's release callback frees only what a value holds.
 *
 * Bounded by a number of records (cache.max_entries). When full, the least
 * recently used record whose values are all idle (busy says no for each) is
 * dropped with all its values, after their owners' release callbacks. A
 * record goes when its last value is deleted or flushed.
 *
 * Not thread-safe: the daemon's loop thread is its only user.
 */
#ifndef MXTLS_CACHED_MEMO_H
#define MXTLS_CACHED_MEMO_H

#include <stddef.h>

enum memo_slot {
	MEMO_STS = 0, /* struct sts_entry */
	MEMO_DANE,    /* struct dane_entry */
	MEMO_TLSRPT,  /* struct tlsrpt_entry */
	MEMO_NSLOTS,
};

struct memo;

/* memo_free_fn - release what a value holds before the memo drops it
 * (eviction, memo_del, memo_flush, memo_detach); not the value's storage,
 * which is the memo's. arg is the slot's (memo_attach). */
typedef void (*memo_free_fn)(void *arg, void *value);
/* memo_busy_fn - 1 when a value must not be evicted now (work in flight). */
typedef int (*memo_busy_fn)(void *value);

/* memo_create - an empty memo holding at most max records. */
struct memo *memo_create(size_t max);

/* memo_free - free the memo; values still held are released through
 * their callbacks first. NULL is allowed. */
void memo_free(struct memo *m);

/*
 * memo_attach - slot s's values are size bytes (kept in each record made
 * from now on, aligned for any scalar or pointer), released with
 * release(arg, value) (NULL: nothing to release) and busy when busy says
 * so (NULL: never). A new size only while the memo holds no record
 * (start-up): aborts otherwise.
 */
void memo_attach(struct memo *m, enum memo_slot s, size_t size,
        memo_free_fn release, memo_busy_fn busy, void *arg);

/* memo_detach - release and drop every value of slot s (busy or not:
 * shutdown); the slot keeps its place in the records. */
void memo_detach(struct memo *m, enum memo_slot s);

/* memo_get - slot s's value under key (and mark the record recently used),
 * or NULL. */
void *memo_get(struct memo *m, enum memo_slot s, const char *key);

/* memo_peek - slot s's value under key, or NULL, leaving the record's
 * place in the LRU order alone (for looking, as "mxtlsctl dump" does). */
void *memo_peek(struct memo *m, enum memo_slot s, const char *key);

/*
 * memo_put - a new value in slot s under key (empty there; the slot must be
 * attached with a size): zeroed storage of the slot's size, valid until the
 * value is deleted, flushed or evicted. A new record, when the memo is
 * full, first drops the least recently used record none of whose values is
 * busy. NULL when every record is busy (nothing stored).
 */
void *memo_put(struct memo *m, enum memo_slot s, const char *key);

/* memo_key - the record's copy of the key of value (a value of slot s
 * that memo_put or memo_get returned), valid as long as the value. */
const char *memo_key(
        const struct memo *m, enum memo_slot s, const void *value);

/* memo_del - release slot s's value under key and drop it; returns 1, or
 * 0 when there was none. */
int memo_del(struct memo *m, enum memo_slot s, const char *key);

/*
 * memo_flush - drop every value of slot s: idle ones are released and
 * dropped, busy ones stay after reset(value) made them forget what they
 * knew (reset may be NULL). Returns how many values there were.
 */
size_t memo_flush(struct memo *m, enum memo_slot s, void (*reset)(void *));

/* memo_keys - the keys under which slot s holds a value, as a NULL-ended
 * array of copies the caller frees (each, then the array). */
char **memo_keys(struct memo *m, enum memo_slot s);

/* memo_count - values held in slot s. */
size_t memo_count(const struct memo *m, enum memo_slot s);

/* memo_records - records held (domains with at least one value). */
size_t memo_records(const struct memo *m);

/* memo_evictions - values of slot s dropped by eviction so far. */
unsigned long memo_evictions(const struct memo *m, enum memo_slot s);

#endif
