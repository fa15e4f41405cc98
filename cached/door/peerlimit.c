/*
 * peerlimit.c - fair shares of a front door's connections (see
 * peerlimit.h; docs/IPC.md "Limits: connections per peer"). The table of
 * peers is the accepting loop thread's; a connection's worker thread only
 * decrements counts (atomically) when it closes the connection, its last
 * touch of the entry. The loop frees entries whose count it reads as 0:
 * only the loop increments, so nobody holds such an entry any more.
 * Evictions (docs/DECISIONS.md N5): the loop picks the heaviest peer of
 * the newcomer's pool here; the engine's claim function finds and closes
 * that peer's oldest idle connection (door/engine_evict.c).
 */
#define _GNU_SOURCE /* struct ucred */
#include <sys/socket.h>
#include <sys/un.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "door/peerlimit.h"
#include "log.h"
#include "logrl.h"
#include "util/fdlimit.h"
#include "util/hash.h"
#include "util/xalloc.h"

#define NBUCKETS 256

struct peerlimit_peer {
	struct hash_node  node; /* in pl->peers, by key */
	uint32_t          h;    /* hash_fnv32 of key */
	struct peerlimit *pl;
	size_t            n;       /* atomic */
	size_t            leaving; /* atomic: of n, being evicted */
	int               reserved;
	char              key[48];
};

struct peerlimit {
	struct peerlimit_conf c;
	size_t                others;   /* atomic: non-reserved peers' */
	size_t                evicting; /* atomic: evictions in flight */
	struct hash           peers;    /* loop thread only */
};

void
peerlimit_conf_make(struct peerlimit_conf *c, size_t max, size_t per_peer,
        char *const *users, const char *what)
{
	struct passwd *pw;
	char          *end;
	unsigned long  u;
	size_t         i;

	memset(c, 0, sizeof(*c));
	c->max      = max;
	c->per_peer = per_peer > 0 ? per_peer : max / 4;
	if (c->per_peer == 0) {
		c->per_peer = 1;
	}
	c->reserve = max / 4;
	/* uid 0 is always reserved: root can take the daemon down anyway */
	c->reserved[c->nreserved++] = 0;
	for (i = 0; users != NULL && users[i] != NULL; i++) {
		if (c->nreserved >= PEERLIMIT_MAX_RESERVED) {
			break;
		}
		errno = 0;
		u     = strtoul(users[i], &end, 10);
		if (users[i][0] >= '0' && users[i][0] <= '9' && *end == '\0'
		        && errno == 0) {
			c->reserved[c->nreserved++] = (uid_t)u;
		} else if ((pw = getpwnam(users[i])) != NULL) {
			c->reserved[c->nreserved++] = pw->pw_uid;
		} else {
			log_info("MXTLS-RESERVED-USER",
			        "%s: \"%s\" is not a user here; ignored", what,
			        users[i]);
		}
	}
}

enum peerlimit_verdict
peerlimit_decide(const struct peerlimit_conf *c, size_t total, size_t others,
        size_t peer_n, int reserved)
{
	if (total >= c->max) {
		return (PEERLIMIT_FULL);
	}
	if (reserved) {
		return (PEERLIMIT_OK);
	}
	if (peer_n >= c->per_peer) {
		return (PEERLIMIT_PEER);
	}
	if (others + c->reserve >= c->max) {
		return (PEERLIMIT_RESERVED);
	}
	return (PEERLIMIT_OK);
}

void
peerlimit_id_of(int fd, const struct sockaddr *sa, struct peerlimit_id *id)
{
	const struct sockaddr_in  *sin  = (const void *)sa;
	const struct sockaddr_in6 *sin6 = (const void *)sa;
	struct ucred               cr;
	socklen_t                  crlen = sizeof(cr);
	char                       a[INET6_ADDRSTRLEN];

	memset(id, 0, sizeof(*id));
	if (sa != NULL && sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
		snprintf(id->key, sizeof(id->key), "%s", a);
	} else if (sa != NULL && sa->sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a));
		snprintf(id->key, sizeof(id->key), "%s", a);
	} else if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) == 0) {
		id->has_uid = 1;
		id->uid     = cr.uid;
		snprintf(id->key, sizeof(id->key), "uid %lu",
		        (unsigned long)cr.uid);
	} else {
		/* no credentials: one shared peer for all of them */
		snprintf(id->key, sizeof(id->key), "unknown");
	}
}

static uint64_t
peer_hash_of(const struct hash_node *n)
{
	return (HASH_ENTRY(n, const struct peerlimit_peer, node)->h);
}

static uint32_t
key_hash(const char *key)
{
	return (hash_fnv32(HASH_FNV32_INIT, key, strlen(key)));
}

struct peerlimit *
peerlimit_new(const struct peerlimit_conf *c)
{
	struct peerlimit *pl = xcalloc(1, sizeof(*pl));

	pl->c = *c;
	hash_init(&pl->peers, NBUCKETS, peer_hash_of);
	return (pl);
}

static void
peer_free(void *arg, struct hash_node *n)
{
	(void)arg;
	free(HASH_ENTRY(n, struct peerlimit_peer, node));
}

void
peerlimit_free(struct peerlimit *pl)
{
	if (pl == NULL) {
		return;
	}
	hash_walk(&pl->peers, peer_free, NULL);
	hash_fini(&pl->peers);
	free(pl);
}

/* lookup - id's entry in its bucket (NULL: none), freeing the entries of
 * that bucket no connection holds any more. */
static struct peerlimit_peer *
lookup(struct peerlimit *pl, const struct peerlimit_id *id)
{
	uint32_t               h = key_hash(id->key);
	struct hash_node      *n, *next;
	struct peerlimit_peer *p, *found = NULL;

	for (n = hash_chain(&pl->peers, h); n != NULL; n = next) {
		next = n->next;
		p    = HASH_ENTRY(n, struct peerlimit_peer, node);
		if (p->h == h && strcmp(p->key, id->key) == 0) {
			found = p;
		} else if (__atomic_load_n(&p->n, __ATOMIC_ACQUIRE) == 0) {
			(void)hash_remove(&pl->peers, &p->node, p->h);
			free(p);
		}
	}
	return (found);
}

static int
is_reserved(const struct peerlimit_conf *c, const struct peerlimit_id *id)
{
	size_t i;

	for (i = 0; id->has_uid && i < c->nreserved; i++) {
		if (c->reserved[i] == id->uid) {
			return (1);
		}
	}
	return (0);
}

/* admit - one more connection for id's peer p (NULL: a new entry). */
static struct peerlimit_peer *
admit(struct peerlimit *pl, struct peerlimit_peer *p,
        const struct peerlimit_id *id, int r)
{
	if (p == NULL) {
		p           = xcalloc(1, sizeof(*p));
		p->pl       = pl;
		p->reserved = r;
		snprintf(p->key, sizeof(p->key), "%s", id->key);
		p->h = key_hash(p->key);
		hash_insert(&pl->peers, &p->node, p->h);
	}
	if (!p->reserved) {
		__atomic_add_fetch(&pl->others, 1, __ATOMIC_RELAXED);
	}
	__atomic_add_fetch(&p->n, 1, __ATOMIC_RELEASE);
	return (p);
}

struct peerlimit_peer *
peerlimit_admit(struct peerlimit *pl, const struct peerlimit_id *id,
        size_t total, enum peerlimit_verdict *v)
{
	return (peerlimit_admit_evict(pl, id, total, v, NULL, NULL, NULL));
}

/* weight - p's connections that are not being evicted. */
static size_t
weight(const struct peerlimit_peer *p)
{
	size_t n = __atomic_load_n(&p->n, __ATOMIC_ACQUIRE);
	size_t l = __atomic_load_n(&p->leaving, __ATOMIC_ACQUIRE);

	return (n > l ? n - l : 0);
}

struct heaviest {
	int                           reserved_too; /* the pool */
	size_t                        above;        /* weight must exceed */
	struct peerlimit_peer *const *tried;
	size_t                        ntried;
	struct peerlimit_peer        *best;
	size_t                        bestw;
};

static void
heaviest_walk(void *arg, struct hash_node *n)
{
	struct heaviest       *h = arg;
	struct peerlimit_peer *p = HASH_ENTRY(n, struct peerlimit_peer, node);
	size_t                 w = weight(p), i;

	if ((p->reserved && !h->reserved_too) || w <= h->above) {
		return;
	}
	for (i = 0; i < h->ntried; i++) {
		if (h->tried[i] == p) {
			return;
		}
	}
	if (h->best == NULL || w > h->bestw
	        || (w == h->bestw && strcmp(p->key, h->best->key) < 0)) {
		h->best  = p;
		h->bestw = w;
	}
}

struct peerlimit_peer *
peerlimit_admit_evict(struct peerlimit *pl, const struct peerlimit_id *id,
        size_t total, enum peerlimit_verdict *v, peerlimit_claim_fn claim,
        void *arg, struct peerlimit_eviction *ev)
{
	struct peerlimit_peer *p = lookup(pl, id);
	struct peerlimit_peer *tried[PEERLIMIT_EVICT_TRIES];
	struct heaviest        h;
	int                    r = is_reserved(&pl->c, id);
	size_t                 n, others;

	n      = p != NULL ? __atomic_load_n(&p->n, __ATOMIC_ACQUIRE) : 0;
	others = __atomic_load_n(&pl->others, __ATOMIC_RELAXED);
	*v     = peerlimit_decide(&pl->c, total, others, n, r);
	if (*v == PEERLIMIT_OK) {
		return (admit(pl, p, id, r));
	}
	if (*v == PEERLIMIT_FULL && !r && n >= pl->c.per_peer
	        && claim != NULL) {
		/* over its own share: no eviction for it, whatever the
		 * pool (and no pause of the listener, which would keep out
		 * the peers that may evict) */
		*v = PEERLIMIT_PEER;
	}
	if (*v == PEERLIMIT_PEER || claim == NULL
	        || __atomic_load_n(&pl->evicting, __ATOMIC_ACQUIRE)
	                >= PEERLIMIT_EVICT_INFLIGHT) {
		return (NULL);
	}
	memset(&h, 0, sizeof(h));
	h.reserved_too = r;
	h.above        = n + 1; /* what the newcomer holds once admitted */
	h.tried        = tried;
	for (h.ntried = 0; h.ntried < PEERLIMIT_EVICT_TRIES; h.ntried++) {
		h.best = NULL;
		hash_walk(&pl->peers, heaviest_walk, &h);
		if (h.best == NULL) {
			break;
		}
		if (claim(arg, h.best)) {
			if (ev != NULL) {
				snprintf(ev->victim, sizeof(ev->victim), "%s",
				        h.best->key);
				ev->held = h.bestw;
			}
			*v = PEERLIMIT_OK;
			return (admit(pl, p, id, r));
		}
		tried[h.ntried] = h.best;
	}
	return (NULL);
}

void
peerlimit_evicting(struct peerlimit_peer *p)
{
	__atomic_add_fetch(&p->pl->evicting, 1, __ATOMIC_RELEASE);
	__atomic_add_fetch(&p->leaving, 1, __ATOMIC_RELEASE);
}

void
peerlimit_release_evicted(struct peerlimit_peer *p)
{
	if (p == NULL) {
		return;
	}
	__atomic_sub_fetch(&p->leaving, 1, __ATOMIC_RELEASE);
	__atomic_sub_fetch(&p->pl->evicting, 1, __ATOMIC_RELEASE);
	peerlimit_release(p);
}

size_t
peerlimit_inflight(struct peerlimit *pl)
{
	return (__atomic_load_n(&pl->evicting, __ATOMIC_ACQUIRE));
}

void
peerlimit_release(struct peerlimit_peer *p)
{
	if (p == NULL) {
		return;
	}
	if (!p->reserved) {
		__atomic_sub_fetch(&p->pl->others, 1, __ATOMIC_RELAXED);
	}
	/* the last touch of p: the loop may free it from now on */
	__atomic_sub_fetch(&p->n, 1, __ATOMIC_RELEASE);
}

size_t
peerlimit_count(struct peerlimit *pl, const struct peerlimit_id *id)
{
	struct peerlimit_peer *p = lookup(pl, id);

	return (p != NULL ? __atomic_load_n(&p->n, __ATOMIC_ACQUIRE) : 0);
}

const char *
peerlimit_verdict_str(enum peerlimit_verdict v)
{
	switch (v) {
	case PEERLIMIT_OK:
		return ("served");
	case PEERLIMIT_FULL:
		return ("every connection is taken");
	case PEERLIMIT_RESERVED:
		return ("only the reserved users' connections are left");
	case PEERLIMIT_PEER:
		return ("this peer holds its share of connections");
	}
	return ("?");
}

struct peerlimit_peer *
peerlimit_accept(struct peerlimit *pl, struct fdlimit_pause *pause, int fd,
        const struct sockaddr *sa, size_t open, const char *logid,
        const char *name)
{
	return (peerlimit_accept_evict(
	        pl, pause, fd, sa, open, logid, name, NULL, NULL, NULL, NULL));
}

struct peerlimit_peer *
peerlimit_accept_evict(struct peerlimit *pl, struct fdlimit_pause *pause,
        int fd, const struct sockaddr *sa, size_t open, const char *logid,
        const char *name, peerlimit_claim_fn claim, void *arg,
        const char *evict_logid, unsigned long *evicted)
{
	struct peerlimit_id       id;
	struct peerlimit_peer    *p;
	struct peerlimit_eviction ev;
	enum peerlimit_verdict    v;

	if (!fdlimit_accept(pause, fd)) {
		return (NULL);
	}
	peerlimit_id_of(fd, sa, &id);
	ev.victim[0] = '\0';
	p = peerlimit_admit_evict(pl, &id, open, &v, claim, arg, &ev);
	if (p == NULL) {
		log_warn_rl(logid,
		        "%s: %s: %zu connections open, %s; refusing another",
		        name, id.key, open, peerlimit_verdict_str(v));
		if (v == PEERLIMIT_FULL) {
			fdlimit_refused(pause, fd);
		} else {
			evutil_closesocket(fd);
		}
		return (NULL);
	}
	if (ev.victim[0] != '\0') {
		log_info_rl(evict_logid,
		        "%s: %s: %zu connections open; closing the oldest "
		        "idle "
		        "connection of %s (holding %zu) to serve it",
		        name, id.key, open, ev.victim, ev.held);
		if (evicted != NULL) {
			(*evicted)++;
		}
	}
	fdlimit_served(pause);
	return (p);
}
