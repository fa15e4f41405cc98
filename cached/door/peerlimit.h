/*
 * peerlimit.h - fair shares of a front door's connections (docs/IPC.md
 * "Limits: connections per peer"): who a connection's peer is (the uid of a
 * Unix socket's peer, SO_PEERCRED; a TCP peer's address), how many
 * connections each peer holds, and whether a new one may be served.
 *
 * Rules (peerlimit_decide): at most max connections in all; a reserved
 * peer (uid 0 and the uids of reserved_users) may take any of them; every
 * other peer at most per_peer, and all of them together at most
 * max - reserve, so the last reserve slots are the reserved users' alone.
 *
 * Eviction (peerlimit_admit_evict; docs/DECISIONS.md N5): a newcomer
 * within its own share that finds its pool full (the non-reserved peers'
 * max - reserve, or all max) gets in by having the oldest idle connection
 * of the heaviest peer of that pool closed, when that peer holds more than
 * the newcomer will; the pool of a non-reserved newcomer holds no reserved
 * peer. At most PEERLIMIT_EVICT_INFLIGHT evictions are in flight (chosen,
 * their connection not yet closed by its worker): the overshoot of max.
 *
 * Threads: peerlimit_admit*, peerlimit_evicting and peerlimit_free run on
 * the loop thread (the accepting one); peerlimit_release* on any thread
 * (atomic counts).
 */
#ifndef MXTLS_CACHED_PEERLIMIT_H
#define MXTLS_CACHED_PEERLIMIT_H

#include <sys/socket.h>
#include <sys/types.h>

#include <stddef.h>

#define PEERLIMIT_MAX_RESERVED 16
/* evictions chosen whose connection is not closed yet, at most */
#define PEERLIMIT_EVICT_INFLIGHT 8
/* heaviest peers tried for one newcomer (nothing idle: the next) */
#define PEERLIMIT_EVICT_TRIES 4

struct peerlimit_conf {
	size_t max;      /* connections in all */
	size_t per_peer; /* per non-reserved peer */
	size_t reserve;  /* of max, for reserved peers only */
	uid_t  reserved[PEERLIMIT_MAX_RESERVED];
	size_t nreserved;
};

enum peerlimit_verdict {
	PEERLIMIT_OK,
	PEERLIMIT_FULL,     /* max connections open */
	PEERLIMIT_RESERVED, /* only the reserved slots are left */
	PEERLIMIT_PEER,     /* this peer holds per_peer already */
};

struct peerlimit_id {
	int   has_uid; /* a Unix socket's peer: uid is known */
	uid_t uid;
	char  key[48]; /* "uid 65534", "127.0.0.2", "::1": the peer */
};

struct peerlimit;
struct peerlimit_peer;

/* peerlimit_conf_make - c for max connections, per_peer (0: max / 4) and
 * the users named in users (NULL-ended; names or numeric uids; unknown
 * names are logged and skipped); what names the setting in logs. */
void peerlimit_conf_make(struct peerlimit_conf *c, size_t max, size_t per_peer,
        char *const *users, const char *what);

/* peerlimit_decide - the rule alone: may a peer holding peer_n of total
 * connections (others of them held by non-reserved peers) have one more? */
enum peerlimit_verdict peerlimit_decide(const struct peerlimit_conf *c,
        size_t total, size_t others, size_t peer_n, int reserved);

/* peerlimit_id_of - the peer of accepted socket fd (sa: its address from
 * accept). */
void peerlimit_id_of(
        int fd, const struct sockaddr *sa, struct peerlimit_id *id);

struct peerlimit *peerlimit_new(const struct peerlimit_conf *c);
void              peerlimit_free(struct peerlimit *pl);

/* peerlimit_admit - one more connection for id, when total are open: its
 * peer's entry (hand it to peerlimit_release when the connection closes),
 * or NULL and *v says why not. */
struct peerlimit_peer *peerlimit_admit(struct peerlimit *pl,
        const struct peerlimit_id *id, size_t total,
        enum peerlimit_verdict *v);

/*
 * peerlimit_claim_fn - close the oldest idle connection of victim's peer
 * (loop thread): 1 when one is chosen, after calling peerlimit_evicting
 * (victim) before its worker can close it; 0 when none is idle.
 */
typedef int (*peerlimit_claim_fn)(void *arg, struct peerlimit_peer *victim);

/* What an eviction took, for the log. */
struct peerlimit_eviction {
	char   victim[48]; /* its peer ("uid 65534") */
	size_t held;       /* connections it held before */
};

/*
 * peerlimit_admit_evict - peerlimit_admit, but when the newcomer is
 * within its own share and its pool is full, try claim(arg, victim) on
 * the heaviest peers of its pool (most connections not being evicted;
 * ties: the smaller key) that hold more than the newcomer would, at most
 * PEERLIMIT_EVICT_TRIES of them, until one is claimed: then the newcomer
 * is admitted and *ev says whose connection goes. NULL with *v when
 * refused (*v PEERLIMIT_PEER when over its own share, whatever the pool).
 */
struct peerlimit_peer *peerlimit_admit_evict(struct peerlimit *pl,
        const struct peerlimit_id *id, size_t total, enum peerlimit_verdict *v,
        peerlimit_claim_fn claim, void *arg, struct peerlimit_eviction *ev);

/* peerlimit_evicting - one of p's connections is being evicted (loop
 * thread, from a claim function). */
void peerlimit_evicting(struct peerlimit_peer *p);

/* peerlimit_release_evicted - peerlimit_release of a connection that
 * peerlimit_evicting counted (any thread). */
void peerlimit_release_evicted(struct peerlimit_peer *p);

/* peerlimit_inflight - evictions not yet closed (any thread; tests). */
size_t peerlimit_inflight(struct peerlimit *pl);

struct fdlimit_pause;

/*
 * peerlimit_accept - a front door's accept callback, once: the descriptor
 * reserve (fdlimit_accept), then this peer's share when open connections
 * are open. The peer's entry for the connection to keep, or NULL when fd
 * was closed: refused (logged rate-limited under logid, naming listener
 * name and the peer), the listener paused only when it is full for
 * everyone (one peer's refusals must not slow the others down).
 */
struct peerlimit_peer *peerlimit_accept(struct peerlimit *pl,
        struct fdlimit_pause *pause, int fd, const struct sockaddr *sa,
        size_t open, const char *logid, const char *name);

/*
 * peerlimit_accept_evict - peerlimit_accept with eviction (claim, arg:
 * peerlimit_admit_evict); an eviction is logged rate-limited under
 * evict_logid, naming the evicted peer and the newcomer, and counted in
 * *evicted (loop thread; may be NULL).
 */
struct peerlimit_peer *peerlimit_accept_evict(struct peerlimit *pl,
        struct fdlimit_pause *pause, int fd, const struct sockaddr *sa,
        size_t open, const char *logid, const char *name,
        peerlimit_claim_fn claim, void *arg, const char *evict_logid,
        unsigned long *evicted);

/* peerlimit_release - p's connection is closed (any thread; p may be gone
 * after). NULL is fine. */
void peerlimit_release(struct peerlimit_peer *p);

/* peerlimit_count - connections id's peer holds (loop thread; tests). */
size_t peerlimit_count(struct peerlimit *pl, const struct peerlimit_id *id);

/* peerlimit_verdict_str - why, in words. */
const char *peerlimit_verdict_str(enum peerlimit_verdict v);

#endif
