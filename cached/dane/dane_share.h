/*
 * dane_share.h - one copy of equal MX host lists for the DANE memo
 * (RFC 7672 §2.2: address and TLSA answers belong to the MX host, not to
 * the domain). Every customer of a mail provider lists the same MX hosts
 * with the same answers; their memoised results (dane.h) then point to one
 * shared list instead of each holding its own (docs/BENCHMARKS.md,
 * memory).
 *
 * A shared list is one allocation: a header, the hosts, their names; the
 * hosts' canon, tlsa and text allocations move into it. It is immutable;
 * results hold it with DANE_NOTE_SHARED set and release it when freed
 * (dane_result_unref); the last release frees it. Lists may outlive the
 * table (a result still referenced when the resolver goes).
 *
 * Not thread-safe: the daemon's loop thread is its only user.
 */
#ifndef MXTLS_CACHED_DANE_SHARE_H
#define MXTLS_CACHED_DANE_SHARE_H

#include <stddef.h>

struct dane_host;
struct dane_result;
struct dane_share;

/* dane_share_create - an empty table. */
struct dane_share *dane_share_create(void);

/* dane_share_free - free the table (not the lists, which their results
 * still hold). NULL is allowed. */
void dane_share_free(struct dane_share *s);

/*
 * dane_share_result - make r (concluded, not yet handed to anybody) hold
 * the shared copy of its host list: an equal list already in s, else a new
 * one made from r's. Results whose hosts are not MX hosts (implicit MX:
 * the host is the domain itself) or with no hosts are left alone.
 */
void dane_share_result(struct dane_share *s, struct dane_result *r);

/* dane_share_release - drop a result's hold of its shared hosts. */
void dane_share_release(struct dane_host *hosts);

/* dane_share_count - distinct lists in the table. */
size_t dane_share_count(const struct dane_share *s);

#endif
