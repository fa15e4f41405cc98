/*
 * tlsrpt_store_snap.h - the local TLSRPT store seen by the fleet (issue
 * 19, RFC 8460 §4): this host's counts of one (UTC day, report domain) as
 * a snapshot (the format of tlsrpt_fleet_sum.h), the (day, domain) pairs
 * that have counts, and dropping the counts of a pair once the fleet's
 * report holds them. Synchronous, from the loop thread, as the store.
 */
#ifndef MXTLS_CACHED_TLSRPT_STORE_SNAP_H
#define MXTLS_CACHED_TLSRPT_STORE_SNAP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct tlsrpt_store;

/* tlsrpt_store_snap - the snapshot of (day, domain) by host with seq, as
 * new compact JSON text (free()), or NULL with why. Counts of no group: a
 * snapshot with no groups (it replaces an older one in the fleet). */
char *tlsrpt_store_snap(struct tlsrpt_store *st, int64_t day,
        const char *domain, const char *host, int64_t seq, char *why,
        size_t whylen);

/* tlsrpt_store_snap_pairs - the (day, domain) pairs with counts, as a new
 * JSON array of [day, "domain"], by day and domain; NULL with why. */
json_t *tlsrpt_store_snap_pairs(
        struct tlsrpt_store *st, char *why, size_t whylen);

/* tlsrpt_store_snap_drop - delete the counts of (day, domain) (their
 * sessions are in the fleet's report), in one transaction. 0 or -1. */
int tlsrpt_store_snap_drop(struct tlsrpt_store *st, int64_t day,
        const char *domain, char *why, size_t whylen);

/* tlsrpt_store_snap_subtract - subtract the counts of groups (a decoded
 * snapshot's "groups" of this host: what the fleet's report already
 * holds) from (day, domain), deleting what reaches zero, in one
 * transaction: what is left was counted after that snapshot. 0 or -1. */
int tlsrpt_store_snap_subtract(struct tlsrpt_store *st, int64_t day,
        const char *domain, json_t *groups, char *why, size_t whylen);

#endif
