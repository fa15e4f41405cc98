/*
 * memo.h - one record per domain for the daemon's per-domain memos: the
 * MTA-STS entry (sts_resolver.c), the DANE entry (dane_resolver.c) and the
 * TLSRPT entry (tlsrpt_lookup.c) hang off one hash node, one copy of the
 * name and one place in one least-recently-used list, instead of three
 * (docs/BENCHMARKS.md, memory). Each owner has a slot: its values, its free
 * and busy callbacks, its counts.
 *
 * Bounded by a number of records (cache.max_entries). When full, the least
 * recently used record whose values are all idle (busy says no for each) is
 * dropped with all its values, through their owners' free callbacks. A
 * record goes when its last value is taken or flushed.
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

/* memo_free_fn - free a value the memo drops (eviction, memo_detach). */
typedef void (*memo_free_fn)(void *value);
/* memo_busy_fn - 1 when a value must not be evicted now (work in flight). */
typedef int (*memo_busy_fn)(void *value);

/* memo_create - an empty memo holding at most max records. */
struct memo *memo_create(size_t max);

/* memo_free - free the memo; every slot must have been detached (values
 * still held are freed through their callbacks). NULL is allowed. */
void memo_free(struct memo *m);

/* memo_attach - slot s's values are freed with free_value and are busy
 * when busy says so (NULL: never). */
void memo_attach(struct memo *m, enum memo_slot s, memo_free_fn free_value,
        memo_busy_fn busy);

/* memo_detach - free every value of slot s (busy or not: shutdown). */
void memo_detach(struct memo *m, enum memo_slot s);

/* memo_get - slot s's value under key (and mark the record recently used),
 * or NULL. */
void *memo_get(struct memo *m, enum memo_slot s, const char *key);

/*
 * memo_put - store value in slot s under key (empty there). A new record,
 * when the memo is full, first drops the least recently used record none
 * of whose values is busy. Returns the record's copy of key (valid until
 * the value is taken, flushed or evicted), or NULL when every record is
 * busy (nothing stored).
 */
const char *memo_put(
        struct memo *m, enum memo_slot s, const char *key, void *value);

/* memo_take - remove slot s's value under key and return it without
 * freeing it (NULL when absent). */
void *memo_take(struct memo *m, enum memo_slot s, const char *key);

/*
 * memo_flush - drop every value of slot s: idle ones are freed, busy ones
 * stay after reset(value) made them forget what they knew (reset may be
 * NULL). Returns how many values there were.
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
