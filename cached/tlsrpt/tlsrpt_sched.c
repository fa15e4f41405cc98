/*
 * tlsrpt_sched.c - TLS reporting on the daemon's loop (RFC 8460 §4, §5):
 * intake into the durable store, day closing, delivery scheduling with
 * spread, backoff and a deadline. See tlsrpt_sched.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "tlsrpt/tlsrpt_datagram.h"
#include "tlsrpt/tlsrpt_fleet.h"
#include "tlsrpt/tlsrpt_json.h"
#include "tlsrpt/tlsrpt_queue.h"
#include "tlsrpt/tlsrpt_sched.h"
#include "tlsrpt/tlsrpt_send.h"
#include "tlsrpt/tlsrpt_store.h"
#include "util/clock.h"
#include "util/conf.h"
#include "util/metrics.h"
#include "util/stats.h"
#include "why.h"

#define TICK_SECONDS  30
#define FLEET_TICK    5 /* seconds, with a fleet */
#define MAX_IN_FLIGHT 8
#define BACKOFF_FIRST 300
#define BACKOFF_MAX   14400

struct inflight {
	struct tlsrpt_sched *t;
	int64_t              id;
	int64_t              deadline;
	int                  attempts;
	char                 uri[512];
	char                 domain[DOMAIN_MAX + 1];
	char                 report_id[DOMAIN_MAX * 2 + 64];
	int                  used;
};

struct tlsrpt_sched {
	struct event_base        *base;
	struct stats             *stats;
	struct tlsrpt_store      *store; /* NULL: unusable, see store_why */
	char                      store_path[4096];
	char                      store_why[1024];
	struct tlsrpt_sender     *sender;
	struct tlsrpt_datagram   *dgram;
	struct event             *timer;
	struct tlsrpt_report_meta meta;
	char                      org[256];
	char                      contact[512];
	char                      submitter[DOMAIN_MAX + 1];
	char                      from[512];
	int                       max_details;
	int64_t                   send_delay;
	int64_t                   send_window;
	int64_t                   retry_deadline;
	int                       retry_max;
	int                      mail_smtp; /* mailto: by SMTP, not sendmail */
	struct inflight          fl[MAX_IN_FLIGHT];
	struct tlsrpt_fleet     *fleet; /* NULL: no fleet (or read-only) */
	struct redisev          *redis;
	struct tlsrpt_fleet_conf fconf;
	char                     fprefix[128];
	char                     fhost[128];
};

int64_t
tlsrpt_sched_now(void)
{
	const char *o = getenv("MXTLSD_TLSRPT_TIME_OFFSET");

	return (clock_now() + (o != NULL ? atoll(o) : 0));
}

int
tlsrpt_sched_is_own(const struct tlsrpt_sched *t, const char *sender)
{
	return (sender != NULL && sender[0] != '\0'
	        && strcasecmp(sender, t->from) == 0);
}

/* send_at - the first try of (day, domain): send_delay after the day,
 * plus a spread over send_window that is stable across restarts. */
static int64_t
send_at(void *arg, int64_t day, const char *domain)
{
	struct tlsrpt_sched *t = arg;
	uint32_t             h = 2166136261u;
	const char          *p;

	for (p = domain; *p != '\0'; p++) {
		h = (h ^ (unsigned char)*p) * 16777619u;
	}
	h ^= (uint32_t)(day / TLSRPT_DAY);
	h *= 16777619u;
	return (day + TLSRPT_DAY + t->send_delay
	        + (t->send_window > 0
	                        ? (int64_t)(h % (uint32_t)(t->send_window + 1))
	                        : 0));
}

static void tick(struct tlsrpt_sched *t);

/* transport - the "transport" label of a delivery to uri (metrics). */
static int
transport(const struct tlsrpt_sched *t, const char *uri)
{
	if (strncasecmp(uri, "https:", 6) == 0) {
		return (MT_HTTPS);
	}
	return (t->mail_smtp ? MT_SMTP : MT_SENDMAIL);
}

/* counted_reports - n reports built here (stats, metrics); a fleet report
 * is counted by the host that built it, as a local one is. */
static void
counted_reports(struct tlsrpt_sched *t, int n)
{
	t->stats->tlsrpt_reports += (unsigned long)n;
	metrics_add(M_TLSRPT_REPORTS, 0, 0, n);
}

static void
counted_fleet_report(void *arg)
{
	counted_reports(arg, 1);
}

/* counted_delivery - one delivery attempt to uri ended (stats, metrics),
 * of a local report or, by the host that sent it, of a fleet report. */
static void
counted_delivery(void *arg, const char *uri, enum tlsrpt_fleet_outcome o)
{
	struct tlsrpt_sched *t = arg;

	switch (o) {
	case TLSRPT_FLEET_SENT:
		t->stats->tlsrpt_sent++;
		metrics_inc(M_TLSRPT_DELIVERIES, transport(t, uri), MDL_SENT);
		break;
	case TLSRPT_FLEET_RETRIED:
		t->stats->tlsrpt_send_failures++;
		metrics_inc(
		        M_TLSRPT_DELIVERIES, transport(t, uri), MDL_RETRIED);
		break;
	case TLSRPT_FLEET_GIVEN_UP:
		t->stats->tlsrpt_send_failures++;
		t->stats->tlsrpt_given_up++;
		metrics_inc(
		        M_TLSRPT_DELIVERIES, transport(t, uri), MDL_GIVEN_UP);
		break;
	}
}

static void
sent_cb(void *arg, int ok, int permanent, const char *why)
{
	struct inflight     *f   = arg;
	struct tlsrpt_sched *t   = f->t;
	int64_t              now = tlsrpt_sched_now(), next, backoff;
	char                 swhy[256];
	int                  i;

	f->used = 0;
	if (ok || permanent || now >= f->deadline
	        || f->attempts + 1 >= t->retry_max) {
		if (ok) {
			counted_delivery(t, f->uri, TLSRPT_FLEET_SENT);
			log_notice("MXTLS-TLSRPT-SENT",
			        "%s: report %s to %s: %s", f->domain,
			        f->report_id, f->uri, why);
		} else {
			counted_delivery(t, f->uri, TLSRPT_FLEET_GIVEN_UP);
			log_warn("MXTLS-TLSRPT-GIVEUP",
			        "%s: report %s to %s given up after %d "
			        "attempts: %s",
			        f->domain, f->report_id, f->uri,
			        f->attempts + 1, why);
		}
		if (tlsrpt_queue_delivery_finish(
		            t->store, f->id, swhy, sizeof(swhy))
		        != 0) {
			t->stats->tlsrpt_store_errors++;
			log_err("MXTLS-TLSRPT-STORE", "%s", swhy);
		}
	} else {
		counted_delivery(t, f->uri, TLSRPT_FLEET_RETRIED);
		backoff = BACKOFF_FIRST;
		for (i = 0; i < f->attempts && backoff < BACKOFF_MAX; i++) {
			backoff *= 2;
		}
		if (backoff > BACKOFF_MAX) {
			backoff = BACKOFF_MAX;
		}
		next = now + backoff;
		if (next > f->deadline) {
			next = f->deadline;
		}
		log_warn("MXTLS-TLSRPT-RETRY",
		        "%s: report %s to %s failed (attempt %d), retry in "
		        "%lld s: %s",
		        f->domain, f->report_id, f->uri, f->attempts + 1,
		        (long long)(next - now), why);
		if (tlsrpt_queue_delivery_retry(
		            t->store, f->id, next, why, swhy, sizeof(swhy))
		        != 0) {
			t->stats->tlsrpt_store_errors++;
			log_err("MXTLS-TLSRPT-STORE", "%s", swhy);
		}
	}
}

/* start_one - tlsrpt_queue_due callback: start d unless in flight. */
static int
start_one(void *arg, const struct tlsrpt_delivery *d)
{
	struct tlsrpt_sched   *t = arg;
	struct tlsrpt_send_job job;
	struct inflight       *f = NULL;
	int                    i;

	for (i = 0; i < MAX_IN_FLIGHT; i++) {
		if (t->fl[i].used && t->fl[i].id == d->id) {
			return (1);
		}
		if (!t->fl[i].used && f == NULL) {
			f = &t->fl[i];
		}
	}
	if (f == NULL) {
		return (1);
	}
	memset(f, 0, sizeof(*f));
	f->t        = t;
	f->used     = 1;
	f->id       = d->id;
	f->deadline = d->deadline;
	f->attempts = d->attempts;
	snprintf(f->uri, sizeof(f->uri), "%s", d->uri);
	snprintf(f->domain, sizeof(f->domain), "%s", d->domain);
	snprintf(f->report_id, sizeof(f->report_id), "%s", d->report_id);
	memset(&job, 0, sizeof(job));
	job.uri       = d->uri;
	job.domain    = d->domain;
	job.report_id = d->report_id;
	job.day       = d->day;
	job.unique    = d->report;
	job.json      = d->json;
	job.len       = d->json_len;
	log_info("MXTLS-TLSRPT-SEND",
	        "%s: sending report %s to %s (attempt %d)", d->domain,
	        d->report_id, d->uri, d->attempts + 1);
	tlsrpt_send_start(t->sender, &job, sent_cb, f);
	return (0);
}

/* fleet_start - the fleet's driver, once the store is open. */
static void
fleet_start(struct tlsrpt_sched *t)
{
	char why[256];

	if (t->fleet != NULL || t->redis == NULL || t->store == NULL) {
		return;
	}
	t->fconf.meta           = &t->meta;
	t->fconf.submitter      = t->submitter;
	t->fconf.send_at        = send_at;
	t->fconf.now            = tlsrpt_sched_now;
	t->fconf.send_at_arg    = t;
	t->fconf.built          = counted_fleet_report;
	t->fconf.delivered      = counted_delivery;
	t->fconf.max_details    = t->max_details;
	t->fconf.retry_deadline = t->retry_deadline;
	t->fleet = tlsrpt_fleet_create(t->base, t->redis, t->store, t->sender,
	        &t->fconf, why, sizeof(why));
	if (t->fleet == NULL) {
		log_err("MXTLS-TLSRPT-FLEET", "%s", why);
		t->redis = NULL;
	}
}

static void
tick(struct tlsrpt_sched *t)
{
	int64_t now = tlsrpt_sched_now();
	char    why[512];
	int     n;

	if (t->store == NULL) {
		return; /* nothing to close or send (store_open_or_say) */
	}
	fleet_start(t);
	if (t->fleet != NULL) {
		/* the fleet closes each (day, domain): tlsrpt_fleet.c */
		tlsrpt_fleet_tick(t->fleet);
		n = 0;
	} else {
		n = tlsrpt_store_close_days(t->store, tlsrpt_json_day(now),
		        &t->meta, t->submitter, t->retry_deadline, send_at, t,
		        why, sizeof(why));
	}
	if (n < 0) {
		t->stats->tlsrpt_store_errors++;
		log_err("MXTLS-TLSRPT-STORE", "closing days: %s", why);
	} else {
		counted_reports(t, n);
	}
	if (tlsrpt_queue_due(t->store, now, MAX_IN_FLIGHT, start_one, t, why,
	            sizeof(why))
	        < 0) {
		t->stats->tlsrpt_store_errors++;
		log_err("MXTLS-TLSRPT-STORE", "listing deliveries: %s", why);
	}
}

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tlsrpt_sched *t  = arg;
	struct timeval       tv = { TICK_SECONDS, 0 };

	(void)fd;
	(void)what;
	tick(t);
	if (t->fleet != NULL) {
		tv.tv_sec = FLEET_TICK;
	}
	evtimer_add(t->timer, &tv);
}

int
tlsrpt_sched_add(struct tlsrpt_sched *t, const struct tlsrpt_obs *obs,
        char *why, size_t whylen)
{
	int dropped = 0, rtype;

	if (t->store == NULL) {
		t->stats->tlsrpt_store_errors++;
		return (why_fail(why, whylen, "%s", t->store_why));
	}
	if (tlsrpt_store_add(t->store, tlsrpt_json_day(tlsrpt_sched_now()),
	            obs, t->max_details, &dropped, why, whylen)
	        != 0) {
		t->stats->tlsrpt_store_errors++;
		return (-1);
	}
	if (t->fleet != NULL) {
		tlsrpt_fleet_counted(t->fleet,
		        tlsrpt_json_day(tlsrpt_sched_now()), obs->domain);
	}
	t->stats->tlsrpt_results++;
	t->stats->tlsrpt_details_dropped += (unsigned long)dropped;
	/* a failure without any detail (a Postfix datagram may have none)
	 * is RFC 8460 §4.3's general "validation-failure": every result
	 * counted is in one series */
	rtype = TLSRPT_SUCCESS;
	if (obs->failed) {
		rtype = obs->ndetail > 0 ? (int)obs->detail[0].rtype
		                         : TLSRPT_VALIDATION_FAILURE;
	}
	metrics_inc(M_TLSRPT_RESULTS, rtype, 0);
	log_debug("MXTLS-TLSRPT-RESULT", "%s: %s %s counted", obs->domain,
	        tlsrpt_ptype_name(obs->ptype),
	        obs->failed ? "failure" : "success");
	return (0);
}

/* dgram_sink - the collector's observations. */
static int
dgram_sink(void *arg, const struct tlsrpt_obs *obs, char *why, size_t whylen)
{
	if (tlsrpt_sched_add(arg, obs, why, whylen) != 0) {
		return (-1);
	}
	metrics_inc(M_TLSRPT_RESULTS_MTA, MM_POSTFIX, 0);
	return (0);
}

json_t *
tlsrpt_sched_preview(struct tlsrpt_sched *t, const char *domain, int64_t day,
        char *why, size_t whylen)
{
	int64_t today = tlsrpt_json_day(tlsrpt_sched_now());
	json_t *a, *q;
	size_t  i;

	if (t->store == NULL) {
		why_fail(why, whylen, "%s", t->store_why);
		return (NULL);
	}
	if (day < 0) {
		day = today;
	}
	/* counted so far (a day not closed yet: today, or a finished day
	 * before the scheduler closed it) */
	a = tlsrpt_store_render(
	        t->store, day, domain, &t->meta, "preview", why, whylen);
	if (a == NULL || day >= today) {
		return (a);
	}
	/* closed: the reports still waiting for a delivery */
	if ((q = tlsrpt_queue_queued(t->store, day, domain, why, whylen))
	        == NULL) {
		json_decref(a);
		return (NULL);
	}
	for (i = 0; i < json_array_size(q); i++) {
		json_array_append(a, json_array_get(q, i));
	}
	json_decref(q);
	return (a);
}

int
tlsrpt_sched_send_now(struct tlsrpt_sched *t, int64_t day, int *reports,
        int *pending, char *why, size_t whylen)
{
	int64_t now = tlsrpt_sched_now(), today = tlsrpt_json_day(now);
	int     n, h;

	if (t->store == NULL) {
		return (why_fail(why, whylen, "%s", t->store_why));
	}
	if (day >= today) {
		return (why_fail(why, whylen,
		        "that UTC day is not over yet: its reports cannot be "
		        "made before it ends"));
	}
	n = t->fleet != NULL ? 0 /* the fleet's reports: tick() below */
	                     : tlsrpt_store_close_days(t->store,
	                             day < 0 ? today : day + TLSRPT_DAY,
	                             &t->meta, t->submitter, t->retry_deadline,
	                             send_at, t, why, whylen);
	if (n < 0) {
		t->stats->tlsrpt_store_errors++;
		return (-1);
	}
	counted_reports(t, n);
	*reports = n;
	h        = day < 0 ? tlsrpt_queue_hurry(t->store, now, why, whylen)
	                   : tlsrpt_queue_hurry_day(t->store, now, day, why, whylen);
	if (h < 0) {
		t->stats->tlsrpt_store_errors++;
		return (-1);
	}
	*pending = tlsrpt_queue_pending(t->store);
	log_notice("MXTLS-TLSRPT-SEND-NOW",
	        "%d reports made, %d deliveries due now", n, *pending);
	tick(t);
	return (0);
}

void
tlsrpt_sched_sync_stats(struct tlsrpt_sched *t)
{
	const struct tlsrpt_datagram_counters *c;

	if (t == NULL || t->dgram == NULL) {
		return;
	}
	c                          = tlsrpt_datagram_counters_get(t->dgram);
	t->stats->tlsrpt_datagrams = c->received;
	t->stats->tlsrpt_datagrams_invalid      = c->invalid;
	t->stats->tlsrpt_datagrams_rua_replaced = c->rua_replaced;
	t->stats->tlsrpt_datagrams_unreported   = c->unreported;
}

/*
 * store_open_or_say - open the TLSRPT store, or keep why it cannot be and
 * say what to do (issue 17): it holds counts not yet reported, so it is
 * never moved or replaced by us, and policies are served without it; the
 * "result" op then answers tempfail and datagrams are not counted, both
 * with this reason. Tried again at each reload.
 */
static void
store_open_or_say(struct tlsrpt_sched *t)
{
	char why[768];

	if ((t->store = tlsrpt_store_open(t->store_path, why, sizeof(why)))
	        != NULL) {
		if (t->store_why[0] != '\0') {
			log_notice("MXTLS-TLSRPT-STORE-OPEN",
			        "%s: TLSRPT store usable again: counting "
			        "results and sending reports",
			        t->store_path);
		}
		t->store_why[0] = '\0';
		return;
	}
	snprintf(t->store_why, sizeof(t->store_why),
	        "TLSRPT store %s cannot be used (%s): TLS results are not "
	        "counted until it is fixed",
	        t->store_path, why);
	log_err("MXTLS-TLSRPT-STORE-UNUSABLE",
	        "%s: cannot open the TLSRPT store: %s. It holds the counts of "
	        "TLS reports not sent yet, so mxtlsd neither moves nor "
	        "replaces it; policies are still served, but TLS results are "
	        "not counted and no reports are made or sent until it opens. "
	        "Fix: if the disk is full or its permissions are wrong, fix "
	        "that; if it is damaged, move it aside (mv %s %s.broken, and "
	        "its -wal and -shm files if any) to start a new one: its "
	        "counts of unsent reports are then lost. Then reload (SIGHUP) "
	        "or restart mxtlsd.",
	        t->store_path, why, t->store_path, t->store_path);
}

void
tlsrpt_sched_reopen_store(struct tlsrpt_sched *t)
{
	if (t != NULL && t->store == NULL) {
		store_open_or_say(t);
	}
}

struct tlsrpt_sched *
tlsrpt_sched_create(struct event_base *base, const struct conf *conf,
        struct dns *dns, struct stats *stats, struct tlsrpt_datagram *dgram,
        char *why, size_t whylen)
{
	struct tlsrpt_sched      *t;
	struct tlsrpt_send_config sc;
	struct timeval            now = { 0, 0 };
	char                      path[4096], host[256], *at;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		snprintf(why, whylen, "out of memory");
		tlsrpt_datagram_close(dgram);
		return (NULL);
	}
	t->dgram          = dgram;
	t->base           = base;
	t->stats          = stats;
	t->max_details    = conf->tlsrpt_max_failure_details;
	t->send_delay     = conf->tlsrpt_send_delay;
	t->send_window    = conf->tlsrpt_send_window;
	t->retry_deadline = conf->tlsrpt_retry_deadline;
	t->retry_max      = conf->tlsrpt_retry_max;
	if (conf->tlsrpt_submitter[0] != '\0') {
		snprintf(t->submitter, sizeof(t->submitter), "%s",
		        conf->tlsrpt_submitter);
	} else {
		if (gethostname(host, sizeof(host)) != 0) {
			snprintf(host, sizeof(host), "localhost");
		}
		host[sizeof(host) - 1] = '\0';
		snprintf(t->submitter, sizeof(t->submitter), "%s", host);
	}
	snprintf(t->org, sizeof(t->org), "%s",
	        conf->tlsrpt_organization[0] != '\0'
	                ? conf->tlsrpt_organization
	                : t->submitter);
	if (conf->tlsrpt_from[0] != '\0') {
		snprintf(t->from, sizeof(t->from), "%s", conf->tlsrpt_from);
	} else {
		snprintf(t->from, sizeof(t->from), "tlsrpt-noreply@%s",
		        t->submitter);
	}
	if (conf->tlsrpt_contact[0] != '\0') {
		snprintf(t->contact, sizeof(t->contact), "%s",
		        conf->tlsrpt_contact);
	} else {
		snprintf(t->contact, sizeof(t->contact), "postmaster@%s",
		        t->submitter);
	}
	if ((at = strrchr(t->from, '@')) == NULL
	        || strcasecmp(at + 1, t->submitter) != 0) {
		log_warn("MXTLS-TLSRPT-FROM",
		        "tlsrpt.from %s is not in the submitter domain %s: "
		        "RFC 8460 5.3 wants TLS-Report-Submitter to match the "
		        "From domain",
		        t->from, t->submitter);
	}
	t->meta.org     = t->org;
	t->meta.contact = t->contact;

	if (strcmp(conf->store_path, ":memory:") == 0) {
		snprintf(path, sizeof(path), ":memory:");
	} else {
		snprintf(path, sizeof(path), "%s.tlsrpt", conf->store_path);
	}
	snprintf(t->store_path, sizeof(t->store_path), "%s", path);
	store_open_or_say(t); /* never fatal: policies are served without */
	memset(&sc, 0, sizeof(sc));
	sc.ca_file = conf->tlsrpt_ca_file[0] != '\0' ? conf->tlsrpt_ca_file
	                                             : conf->fetch_ca_file;
	sc.allow_private = conf->fetch_allow_private;
	sc.connect_timeout_ms
	        = (unsigned)(conf->fetch_connect_timeout * 1000.0 + 0.5);
	sc.timeout_ms = (unsigned)(conf->fetch_timeout * 1000.0 + 0.5);
	sc.port       = (unsigned)conf->fetch_port;
	sc.user_agent = "mxtlsd/" MXTLS_VERSION;
	sc.sendmail   = conf->tlsrpt_sendmail;
	sc.smtp       = conf->tlsrpt_smtp;
	t->mail_smtp  = conf->tlsrpt_smtp[0] != '\0';
	sc.from       = t->from;
	sc.submitter  = t->submitter;
	sc.org        = t->org;
	if ((t->sender = tlsrpt_send_create(base, dns, &sc, why, whylen))
	        == NULL) {
		goto fail;
	}
	if (t->dgram != NULL) {
		tlsrpt_datagram_set_sink(t->dgram, dgram_sink, t);
	}
	if ((t->timer = evtimer_new(base, timer_cb, t)) == NULL
	        || evtimer_add(t->timer, &now) != 0) {
		snprintf(why, whylen, "evtimer_new failed");
		goto fail;
	}
	return (t);
fail:
	tlsrpt_sched_free(t);
	return (NULL);
}

void
tlsrpt_sched_free(struct tlsrpt_sched *t)
{
	if (t == NULL) {
		return;
	}
	if (t->timer != NULL) {
		event_free(t->timer);
	}
	tlsrpt_fleet_free(t->fleet);
	tlsrpt_datagram_close(t->dgram);
	tlsrpt_send_free(t->sender);
	tlsrpt_store_close(t->store);
	free(t);
}

void
tlsrpt_sched_reconfigure(struct tlsrpt_sched *t, const struct conf *conf)
{
	if (t == NULL) {
		return;
	}
	t->max_details    = conf->tlsrpt_max_failure_details;
	t->send_delay     = conf->tlsrpt_send_delay;
	t->send_window    = conf->tlsrpt_send_window;
	t->retry_deadline = conf->tlsrpt_retry_deadline;
	t->retry_max      = conf->tlsrpt_retry_max;
	if (conf->tlsrpt_contact[0] != '\0') {
		snprintf(t->contact, sizeof(t->contact), "%s",
		        conf->tlsrpt_contact);
	} else {
		snprintf(t->contact, sizeof(t->contact), "postmaster@%s",
		        t->submitter);
	}
}

const char *
tlsrpt_sched_store_why(const struct tlsrpt_sched *t)
{
	if (t == NULL || t->store != NULL) {
		return (NULL);
	}
	return (t->store_why[0] != '\0' ? t->store_why
	                                : "TLSRPT store not open");
}

void
tlsrpt_sched_set_fleet(
        struct tlsrpt_sched *t, struct redisev *redis, const struct conf *conf)
{
	if (t == NULL || redis == NULL || conf->store_redis_read_only) {
		return; /* read-only: report locally, as without a fleet */
	}
	snprintf(t->fprefix, sizeof(t->fprefix), "%s",
	        conf->store_redis_key_prefix);
	snprintf(t->fhost, sizeof(t->fhost), "%s", conf->store_host_id);
	if (t->fhost[0] == '\0'
	        && gethostname(t->fhost, sizeof(t->fhost) - 1) != 0) {
		snprintf(t->fhost, sizeof(t->fhost), "localhost");
	}
	memset(&t->fconf, 0, sizeof(t->fconf));
	t->fconf.prefix   = t->fprefix;
	t->fconf.host_id  = t->fhost;
	t->fconf.grace    = conf->tlsrpt_fleet_grace;
	t->fconf.fallback = conf->tlsrpt_fleet_fallback;
	t->fconf.lock_ttl = conf->tlsrpt_fleet_lock_ttl;
	t->redis          = redis;
	fleet_start(t);
}

unsigned long
tlsrpt_sched_merge_pending(const struct tlsrpt_sched *t)
{
	return (t != NULL ? tlsrpt_fleet_pending(t->fleet) : 0);
}

unsigned long
tlsrpt_sched_merge_pending_cb(void *arg)
{
	return (tlsrpt_sched_merge_pending(arg));
}
