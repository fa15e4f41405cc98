/*
 * tlsrpt_fleet_send.c - the fleet's report sent by the lock holder (RFC
 * 8460 §5; docs/FLEET.md "TLSRPT"): one delivery per target not yet done
 * (tlsrpt_send.h), each success marked in Redis only while the lock is
 * still ours (the fencing rule: a stale sender's mark is refused); after
 * the round, the pair is completed or the lock given back with a backoff.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "log.h"
#include "tlsrpt/tlsrpt_fleet_int.h"
#include "tlsrpt/tlsrpt_fleet_lua.h"
#include "tlsrpt/tlsrpt_json.h"
#include "tlsrpt/tlsrpt_send.h"

#define BACKOFF_FIRST 60
#define BACKOFF_MAX   14400

struct sendjob {
	struct pair *p;
	char         uri[512];
	char         lock[TLSRPT_FLEET_HOST_MAX + 32];
};

static void round_end(struct pair *p);

static void
mark_cb(void *arg, struct redisReply *r, const char *why)
{
	struct sendjob *j = arg;
	struct pair    *p = j->p;

	if (r == NULL || r->type != REDIS_REPLY_INTEGER || r->integer != 1) {
		log_warn("MXTLS-TLSRPT-FLEET-FENCED",
		        "%s: delivery to %s not recorded (%s): another host "
		        "may send it again, same report-id",
		        p->domain, j->uri,
		        r == NULL                              ? why
		                : r->type == REDIS_REPLY_ERROR ? r->str
		                                               : "lock lost");
	}
	free(j);
	round_end(p);
}

static void
sent_cb(void *arg, int ok, int permanent, const char *why)
{
	struct sendjob      *j = arg;
	struct pair         *p = j->p;
	struct tlsrpt_fleet *f = p->f;
	char                 k[2][TLSRPT_FLEET_KEY_MAX];
	const char          *keys[2], *args[3];
	int                  giveup;

	giveup = !ok
	        && (permanent
	                || f->c.now()
	                        >= p->day + TLSRPT_DAY + f->c.retry_deadline);
	if (ok) {
		log_notice("MXTLS-TLSRPT-SENT", "%s: fleet report to %s: %s",
		        p->domain, j->uri, why);
	} else {
		log_warn(giveup ? "MXTLS-TLSRPT-GIVEUP" : "MXTLS-TLSRPT-RETRY",
		        "%s: fleet report to %s failed%s: %s", p->domain,
		        j->uri, giveup ? ", given up" : "", why);
		p->failed = !giveup;
	}
	if (f->c.delivered != NULL) {
		f->c.delivered(f->c.send_at_arg, j->uri,
		        ok               ? TLSRPT_FLEET_SENT
		                : giveup ? TLSRPT_FLEET_GIVEN_UP
		                         : TLSRPT_FLEET_RETRIED);
	}
	if (ok || giveup) {
		tlsrpt_fleet_pkey(p, TLSRPT_FLEET_LOCK, k[0], sizeof(k[0]));
		tlsrpt_fleet_pkey(p, TLSRPT_FLEET_BUILT, k[1], sizeof(k[1]));
		keys[0] = k[0];
		keys[1] = k[1];
		args[0] = j->lock;
		args[1] = j->uri;
		args[2] = ok ? "sent" : "given-up";
		if (tlsrpt_fleet_eval(
		            f, mark_cb, j, mark_lua, 2, keys, 3, args)
		        == 0) {
			return; /* round_end from mark_cb */
		}
	}
	free(j);
	round_end(p);
}

static void
simple_cb(void *arg, struct redisReply *r, const char *why)
{
	struct pair *p = arg;

	(void)r;
	(void)why;
	p->busy = 0;
	if (p->gone) {
		tlsrpt_fleet_pair_forget(p);
	}
}

/* round_end - after each delivery of a round: when the last is done,
 * complete the pair or give the lock back for a later round. */
static void
round_end(struct pair *p)
{
	struct tlsrpt_fleet *f = p->f;
	char                 k[3][TLSRPT_FLEET_KEY_MAX];
	const char          *keys[3], *args[2];
	int64_t              backoff = BACKOFF_FIRST;
	int                  i;

	if (--p->jobs > 0) {
		return;
	}
	tlsrpt_fleet_pkey(p, TLSRPT_FLEET_LOCK, k[0], sizeof(k[0]));
	tlsrpt_fleet_pkey(p, TLSRPT_FLEET_BUILT, k[1], sizeof(k[1]));
	tlsrpt_fleet_open_key(f, p->day, k[2], sizeof(k[2]));
	keys[0] = k[0];
	keys[1] = k[1];
	keys[2] = k[2];
	args[0] = p->lock;
	args[1] = p->domain;
	if (p->failed) {
		for (i = 0; i < p->attempts && backoff < BACKOFF_MAX; i++) {
			backoff *= 2;
		}
		p->attempts++;
		p->next_try = f->c.now()
		        + (backoff < BACKOFF_MAX ? backoff : BACKOFF_MAX);
	}
	if (tlsrpt_fleet_eval(f, simple_cb, p,
	            p->failed ? release_lua : complete_lua, p->failed ? 1 : 3,
	            keys, p->failed ? 1 : 2, args)
	        != 0) {
		p->busy = 0;
	}
}

/* deliver - deliver reports (the built JSON array) to the targets not in
 * done, as the lock holder. */
void
tlsrpt_fleet_deliver(struct pair *p, json_t *reports, json_t *done)
{
	struct tlsrpt_fleet *f = p->f;
	json_t              *r, *u, *d;
	size_t               i, k, m;
	char                *text;
	int                  is_done;

	p->jobs   = 1; /* held until every job started */
	p->failed = 0;
	json_array_foreach(reports, i, r)
	{
		json_t *rep = json_object_get(r, "report");

		if ((text = json_dumps(
		             rep, JSON_COMPACT | JSON_PRESERVE_ORDER))
		        == NULL) {
			continue;
		}
		json_array_foreach(json_object_get(r, "rua"), k, u)
		{
			struct tlsrpt_send_job job;
			struct sendjob        *j;

			is_done = 0;
			json_array_foreach(done, m, d)
			{
				if (json_equal(d, u)) {
					is_done = 1;
				}
			}
			if (is_done || !json_is_string(u)
			        || (j = calloc(1, sizeof(*j))) == NULL) {
				continue;
			}
			j->p = p;
			snprintf(j->uri, sizeof(j->uri), "%s",
			        json_string_value(u));
			snprintf(j->lock, sizeof(j->lock), "%s", p->lock);
			memset(&job, 0, sizeof(job));
			job.uri       = j->uri;
			job.domain    = p->domain;
			job.report_id = json_string_value(
			        json_object_get(rep, "report-id"));
			job.day    = p->day;
			job.unique = (int64_t)i;
			job.json   = text;
			job.len    = strlen(text);
			log_info("MXTLS-TLSRPT-FLEET-SEND",
			        "%s: sending fleet report %s to %s (lock %s)",
			        p->domain, job.report_id, j->uri, p->lock);
			p->jobs++;
			tlsrpt_send_start(f->sender, &job, sent_cb, j);
		}
		free(text);
	}
	round_end(p);
}
