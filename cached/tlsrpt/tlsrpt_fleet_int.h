/*
 * tlsrpt_fleet_int.h - inside the fleet's TLS reporting: the state of one
 * (day, domain) and of the driver, and the helpers tlsrpt_fleet.c (pushes,
 * steps, builds) and tlsrpt_fleet_send.c (the lock holder's deliveries)
 * share. Not for other files.
 */
#ifndef MXTLS_CACHED_TLSRPT_FLEET_INT_H
#define MXTLS_CACHED_TLSRPT_FLEET_INT_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "tlsrpt/tlsrpt_fleet.h"
#include "tlsrpt/tlsrpt_fleet_sum.h"
#include "util/redisev.h"

struct pair {
	TAILQ_ENTRY(pair) entry;
	struct tlsrpt_fleet *f;
	int64_t              day;
	char                 domain[DOMAIN_MAX + 1];
	int                  has_local;
	unsigned long        pending;    /* counted, not in an acked push */
	unsigned long        in_push;    /* pending when the push started */
	int                  dirty;      /* counted since the last push */
	int                  pushing;    /* a push in flight */
	int                  final_sent; /* a push after the day ended */
	int                  final_acked;
	int64_t              acked_seq;
	int                  busy;   /* a step, build or send in flight */
	int                  jobs;   /* deliveries in flight */
	int                  failed; /* a delivery of this round failed */
	int                  attempts;
	int64_t              next_try;
	char                 lock[TLSRPT_FLEET_HOST_MAX + 32];
	int                  gone; /* freed when not busy */
	int emptied; /* reported locally: Redis must get an empty snapshot */
};

struct tlsrpt_fleet {
	struct event_base       *base;
	struct redisev          *redis;
	struct tlsrpt_store     *st;
	struct tlsrpt_sender    *sender;
	struct tlsrpt_fleet_conf c;
	char                     prefix[128];
	char                     host[TLSRPT_FLEET_HOST_MAX + 1];
	char                     submitter[DOMAIN_MAX + 1];
	unsigned long            reports;
	int                      was_up;
	TAILQ_HEAD(, pair) pairs;
};

/* tlsrpt_fleet_pair_forget - free p now, or once nothing is in flight. */
void tlsrpt_fleet_pair_forget(struct pair *p);

/* tlsrpt_fleet_pkey - the Redis key of kind k of p. */
void tlsrpt_fleet_pkey(
        const struct pair *p, enum tlsrpt_fleet_key k, char *buf, size_t len);

/* tlsrpt_fleet_open_key - the set of domains with an unfinished report on
 * day. */
void tlsrpt_fleet_open_key(
        const struct tlsrpt_fleet *f, int64_t day, char *buf, size_t len);

/* tlsrpt_fleet_eval - EVAL script with keys and args; 0, or -1 when Redis
 * is down (cb not called). */
int tlsrpt_fleet_eval(struct tlsrpt_fleet *f, redisev_cb *cb, void *arg,
        const char *script, int nkeys, const char **keys, int nargs,
        const char **args);

/* tlsrpt_fleet_deliver - as the lock holder of p, deliver reports (the
 * built JSON array) to every target not in done (a JSON array of URIs, or
 * NULL); marks each, then completes the pair or gives the lock back. */
void tlsrpt_fleet_deliver(struct pair *p, json_t *reports, json_t *done);

#endif
