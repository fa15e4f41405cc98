/*
 * answer_cache.h - finished "policy" replies per domain, readable from any
 * thread (docs/IPC.md "Answer cache").
 *
 * A reply is kept only while everything it was built from stands: until
 * the earliest time one of its inputs would be looked at again (MTA-STS
 * recheck or refresh due, DANE or TLSRPT memo expiry, capped by
 * cache.answer_ttl), and until a resolver says the domain changed
 * (cached/util/change.h). Temporary failures and first fetches are never kept.
 * So a reply from here is the reply the full lookup would give now.
 *
 * Ownership: the loop thread is the only writer (put, set_text, drop,
 * clear, sweep) and may read without the lock (text); other threads (nng's
 * completion threads) read through answer_cache_copy under a read lock.
 * Strings given to put/set_text are copied.
 */
#ifndef MXTLS_CACHED_ANSWER_CACHE_H
#define MXTLS_CACHED_ANSWER_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct answer_cache;

/* answer_cache_create - an empty cache of at most max replies, each kept
 * at most ttl seconds. */
struct answer_cache *answer_cache_create(size_t max, int ttl);

/* answer_cache_free - free every reply, then the cache. NULL is allowed. */
void answer_cache_free(struct answer_cache *ac);

/* answer_cache_ttl - the cap given at creation (0: the cache is off). */
int answer_cache_ttl(const struct answer_cache *ac);

/*
 * answer_cache_put - keep json (len bytes) as domain's reply until
 * valid_until (capped by now + ttl), replacing an older one. The older
 * one's text is kept when it was still valid at now: a reply in the cache
 * is dropped at once when any of its inputs changes, so a valid one was
 * made from the same inputs. Loop thread.
 */
void answer_cache_put(struct answer_cache *ac, const char *domain,
        const char *json, size_t len, int64_t now, int64_t valid_until);

/* answer_copy_fn - receives a cached reply; runs under the read lock, so
 * it must only copy. */
typedef void (*answer_copy_fn)(void *arg, const char *json, size_t len);

/*
 * answer_cache_copy - when domain has a reply valid at now, call fn with
 * it and return 1; else return 0. Any thread.
 */
int answer_cache_copy(struct answer_cache *ac, const char *domain, int64_t now,
        answer_copy_fn fn, void *arg);

/*
 * answer_cache_set_text - keep a second rendering of domain's current reply
 * (the socketmap answer) beside it; does nothing when domain has no reply
 * valid at now. Loop thread.
 */
void answer_cache_set_text(struct answer_cache *ac, const char *domain,
        int64_t now, const char *text);

/*
 * answer_cache_text_only - answer_cache_set_text, and forget the JSON: for
 * a reply that only socketmap asked for (a Postfix host needs ~60 bytes of
 * text, not ~650 of JSON). answer_cache_copy then misses; the IPC request
 * that misses puts the JSON back, and the text stays with it while the
 * reply is valid (answer_cache_put). Loop thread.
 */
void answer_cache_text_only(struct answer_cache *ac, const char *domain,
        int64_t now, const char *text);

/*
 * answer_cache_copy_text - answer_cache_copy for that second rendering:
 * when domain has a reply valid at now with a text, call fn with the text
 * (under the read lock: fn must only copy) and return 1; else return 0.
 * Counted once as a hit or a miss. Any thread.
 */
int answer_cache_copy_text(struct answer_cache *ac, const char *domain,
        int64_t now, answer_copy_fn fn, void *arg);

/* answer_cache_drop - forget domain's reply; domain NULL: every reply (a
 * change_fn, cached/util/change.h). Loop thread. */
void answer_cache_drop(void *ac, const char *domain);

/* answer_cache_sweep - free the replies no longer valid at now. Loop
 * thread. */
void answer_cache_sweep(struct answer_cache *ac, int64_t now);

/* answer_cache_count / hits / misses - gauges (hits and misses counted by
 * copy and text). */
size_t        answer_cache_count(struct answer_cache *ac);
unsigned long answer_cache_hits(const struct answer_cache *ac);
unsigned long answer_cache_misses(const struct answer_cache *ac);

/* answer_cache_evictions - replies dropped to make room for another (the
 * oldest first). Loop thread. */
unsigned long answer_cache_evictions(const struct answer_cache *ac);

#endif
