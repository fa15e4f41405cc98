/*
 * memtrim.h - give the heap's free pages back to the kernel now and then.
 *
 * Looking up new domains leaves holes in the heap: the state of lookups in
 * flight (TLS connections, DNS work, buffers) is freed when they end, but
 * between the entries that stay, so malloc cannot shrink the heap from its
 * top. malloc_trim(0) releases the whole free pages inside those holes
 * (madvise): a filled daemon's RSS then counts what it holds, not the
 * peak of its work in flight (docs/BENCHMARKS.md, memory). The pages come
 * back, zero-filled, when malloc reuses them.
 *
 * Runs on the loop thread; malloc_trim locks each arena in turn.
 */
#ifndef MXTLS_CACHED_MEMTRIM_H
#define MXTLS_CACHED_MEMTRIM_H

struct event_base;
struct memtrim;

/* memtrim_start - trim every interval_s seconds when at least min_free
 * bytes are free in the heap; NULL on ENOMEM (the daemon goes on without
 * it). */
struct memtrim *memtrim_start(
        struct event_base *base, int interval_s, unsigned long min_free);

/* memtrim_run - trim now when at least min_free bytes are free; returns
 * 1 when it trimmed. */
int memtrim_run(unsigned long min_free);

/* memtrim_stop - stop and free; NULL is allowed. */
void memtrim_stop(struct memtrim *t);

#endif
