/*
 * instance.c - one running mxtlsd: the loop, the front doors opened as
 * root, the privilege drop, the subsystems built as the run user and
 * wired together, and their release (instance.h, docs/ARCHITECTURE.md).
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include <curl/curl.h>

#include "daemon/daemon.h"
#include "daemon/instance.h"
#include "daemon/metrics_http.h"
#include "daemon/reload.h"
#include "daemon/sdnotify.h"
#include "daemon/startcheck.h"
#include "dane/dane_resolver.h"
#include "dns/dns.h"
#include "door/direct.h"
#include "door/socketmap.h"
#include "log.h"
#include "serve/answer_cache.h"
#include "serve/override.h"
#include "serve/query.h"
#include "serve/server.h"
#include "store/store.h"
#include "sts/preload_watch.h"
#include "sts/sts_fetch.h"
#include "sts/sts_fleet.h"
#include "sts/sts_refresh.h"
#include "sts/sts_resolver.h"
#include "tlsrpt/tlsrpt_datagram.h"
#include "tlsrpt/tlsrpt_lookup.h"
#include "tlsrpt/tlsrpt_sched.h"
#include "util/change.h"
#include "util/clock.h"
#include "util/conf.h"
#include "util/fdlimit.h"
#include "util/memo.h"
#include "util/memtrim.h"
#include "util/metrics.h"
#include "util/redisev.h"
#include "util/stats.h"
#include "util/xalloc.h"

struct instance {
	struct conf              *conf;
	const char               *conf_path;
	const struct daemon_user *user;
	struct stats              stats;
	struct event_base        *base;
	int                       pidfd;
	struct dns               *dns;
	struct sts_fetcher       *fetch;
	struct store             *store;
	struct sts_resolver      *sts;
	struct redisev           *redis; /* store.backend "redis" */
	struct sts_fleet         *fleet;
	struct sts_refresh       *refresh; /* the refresh timer */
	struct dane_resolver     *dane;
	struct tlsrpt_lookup     *tlook;
	struct memo              *memo; /* the three memos' records */
	struct memtrim           *trim; /* free heap pages back */
	struct tlsrpt_sched      *tlsrpt;
	struct query_services     svc;
	struct answer_cache      *answers;
	struct event             *sweep;
	struct override_table    *overrides;
	struct event             *ovsweep; /* expired overrides */
	struct change_hook        hook;
	struct preload_watch     *preload;
	struct server            *srv;
	struct socketmap         *smap;   /* socketmap.listen */
	struct direct            *direct; /* ipc.listen, ipc.direct */
	struct tlsrpt_datagram   *dgram;  /* until tlsrpt_sched takes it */
	struct reload_target      reload;
	struct metrics_http      *mhttp;   /* metrics.listen, or NULL */
	int                       serving; /* instance_ready was called */
	time_t                    started;
};

/* on_sweep - free the answers that are no longer valid. */
static void
on_sweep(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	answer_cache_sweep(arg, clock_now());
}

/* on_override_sweep - remove and log the overrides that expired (they
 * already stopped applying at their second: override.h). */
static void
on_override_sweep(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	override_table_sweep(arg, clock_now());
}

static unsigned
ms(double seconds)
{
	return ((unsigned)(seconds * 1000.0 + 0.5));
}

/* instance_socketmap_hint - the bind hint for the socketmap.listen entry
 * why names. */
static void
instance_socketmap_hint(const struct conf *conf, const struct daemon_user *u,
        char *why, size_t whylen)
{
	size_t i;

	for (i = 0; conf->socketmap_listen[i] != NULL; i++) {
		if (strstr(why, conf->socketmap_listen[i] + 5) != NULL) {
			startcheck_bind_hint("socketmap.listen",
			        conf->socketmap_listen[i], u, why, whylen);
			return;
		}
	}
}

/* instance_datagram_open - bind tlsrpt.datagram_socket (before the drop:
 * its directory may be root's) and give it to the run user. */
static int
instance_datagram_open(struct instance *inst)
{
	const struct daemon_user *u    = inst->user;
	const char               *path = inst->conf->tlsrpt_datagram_socket;
	char                      why[1024];

	if (startcheck_sockdir(
	            "tlsrpt.datagram_socket", path, u, why, sizeof(why))
	        != 0) {
		log_err("MXTLSD-TLSRPT", "%s", why);
		return (-1);
	}
	if ((inst->dgram = tlsrpt_datagram_open(inst->base, path,
	             inst->conf->ipc_mode, NULL, NULL, why, sizeof(why)))
	        == NULL) {
		startcheck_bind_hint(
		        "tlsrpt.datagram_socket", path, u, why, sizeof(why));
		log_err("MXTLSD-TLSRPT", "%s", why);
		return (-1);
	}
	if (u->set && chown(path, u->uid, u->gid) != 0) {
		log_err("MXTLSD-TLSRPT",
		        "tlsrpt.datagram_socket: chown %s: %s", path,
		        strerror(errno));
		return (-1);
	}
	return (0);
}

/* instance_ipc_open - ipc.listen and ipc.direct: one set of SP workers
 * (direct.h), bound as root. */
static int
instance_ipc_open(struct instance *inst)
{
	const struct conf        *conf = inst->conf;
	const struct daemon_user *user = inst->user;
	char                      why[512];

	if (strncmp(conf->ipc_listen, "ipc://", 6) == 0
	        && startcheck_sockdir("ipc.listen", conf->ipc_listen + 6, user,
	                   why, sizeof(why))
	                != 0) {
		log_err("MXTLSD-IPC", "%s", why);
		return (-1);
	}
	inst->direct = direct_open(inst->base, conf);
	direct_count_evictions(
	        inst->direct, &inst->stats.ipc_connections_evicted);
	if (direct_listen(inst->direct, "ipc.listen", conf->ipc_listen,
	            conf->ipc_mode, 1, why, sizeof(why))
	        != 0) {
		startcheck_bind_hint("ipc.listen", conf->ipc_listen, user, why,
		        sizeof(why));
		log_err("MXTLSD-IPC", "%s", why);
		return (-1);
	}
	if (conf->ipc_direct[0] != '\0'
	        && startcheck_sockdir("ipc.direct", conf->ipc_direct + 6, user,
	                   why, sizeof(why))
	                != 0) {
		log_err("MXTLSD-IPC", "%s", why);
		return (-1);
	}
	if (conf->ipc_direct[0] != '\0'
	        && direct_listen(inst->direct, "ipc.direct", conf->ipc_direct,
	                   conf->ipc_mode, 0, why, sizeof(why))
	                != 0) {
		startcheck_bind_hint("ipc.direct", conf->ipc_direct, user, why,
		        sizeof(why));
		log_err("MXTLSD-IPC", "%s", why);
		return (-1);
	}
	if (user->set
	        && direct_chown(inst->direct, user->uid, user->gid, why,
	                   sizeof(why))
	                != 0) {
		log_err("MXTLSD-IPC", "%s", why);
		return (-1);
	}
	return (0);
}

/* instance_socketmap_open - the socketmap listeners, bound as root. */
static int
instance_socketmap_open(struct instance *inst)
{
	const struct conf        *conf = inst->conf;
	const struct daemon_user *user = inst->user;
	char                      why[512];
	size_t                    i;

	for (i = 0; conf->socketmap_listen[i] != NULL; i++) {
		if (strncmp(conf->socketmap_listen[i], "unix:", 5) == 0
		        && startcheck_sockdir("socketmap.listen",
		                   conf->socketmap_listen[i] + 5, user, why,
		                   sizeof(why))
		                != 0) {
			log_err("MXTLSD-SOCKETMAP", "%s", why);
			return (-1);
		}
	}
	if ((inst->smap = socketmap_open(inst->base, conf, why, sizeof(why)))
	        == NULL) {
		instance_socketmap_hint(conf, user, why, sizeof(why));
		log_err("MXTLSD-SOCKETMAP", "%s", why);
		return (-1);
	}
	socketmap_count_evictions(
	        inst->smap, &inst->stats.socketmap_connections_evicted);
	if (user->set
	        && socketmap_chown(
	                   inst->smap, user->uid, user->gid, why, sizeof(why))
	                != 0) {
		log_err("MXTLSD-SOCKETMAP", "%s", why);
		return (-1);
	}
	return (0);
}

struct instance *
instance_open(struct conf *conf, const char *conf_path,
        const struct daemon_user *user, char *why, size_t whylen)
{
	struct instance *inst = xcalloc(1, sizeof(*inst));

	inst->conf      = conf;
	inst->conf_path = conf_path;
	inst->user      = user;
	inst->pidfd     = -1;
	/* the IPC and socketmap worker threads (which parse requests and
	 * copy cached answers) would each get their own malloc arena; two
	 * keep the heap compact (docs/BENCHMARKS.md, memory) at no
	 * measurable cost in speed */
	mallopt(M_ARENA_MAX, 2);
	if (evthread_use_pthreads() != 0
	        || (inst->base = event_base_new()) == NULL) {
		snprintf(why, whylen, "cannot create the event loop");
		log_err("MXTLSD-EVENT", "%s", why);
		goto fail;
	}
	if (startcheck_sockdir("daemon.pid_file", conf->daemon_pid_file, user,
	            why, whylen)
	                != 0
	        || (inst->pidfd = daemon_pidfile_open(
	                    conf->daemon_pid_file, why, whylen))
	                < 0) {
		log_err("MXTLSD-PIDFILE", "%s", why);
		goto fail;
	}
	if (daemon_dir_for(conf->store_path, user, why, whylen) != 0) {
		log_err("MXTLSD-STORE", "%s", why);
		goto fail;
	}
	fdlimit_raise(); /* soft RLIMIT_NOFILE to hard, the reserve */
	if (!fdlimit_caps_fit((conf->socketmap_listen[0] != NULL
	                                      ? conf->socketmap_max_connections
	                                      : 0)
	                    + conf->ipc_max_connections,
	            why, whylen)) {
		log_warn("MXTLS-FDLIMIT-CAPS", "%s", why);
	}
	/* Sockets first, as root; the loop serves them once it runs. */
	inst->srv     = server_create(&inst->stats);
	inst->answers = answer_cache_create(
	        (size_t)conf->cache_max_entries, conf->cache_answer_ttl);
	if (instance_ipc_open(inst) != 0) {
		goto fail;
	}
	/* the pid file stays root's (daemon_pidfile_open): not given to the
	 * user, who could otherwise make a root script signal any pid */
	if (daemon_pidfile_dir_check(conf->daemon_pid_file, user, why, whylen)
	        != 0) {
		log_warn("MXTLSD-PIDFILE-DIR", "%s", why);
	}
	if (instance_socketmap_open(inst) != 0) {
		goto fail;
	}
	/* the TLSRPT datagram socket: bound as root too (RFC 8460 results
	 * from Postfix 3.10's libtlsrpt), served once the scheduler exists */
	if (conf->tlsrpt_enable && conf->tlsrpt_datagram_socket[0] != '\0'
	        && instance_datagram_open(inst) != 0) {
		goto fail;
	}
	/* the metrics endpoint: bound as root too (any port) */
	metrics_init();
	inst->started = time(NULL);
	if (conf->metrics_listen[0] != '\0'
	        && (inst->mhttp = metrics_http_open(
	                    inst->base, conf->metrics_listen, why, whylen))
	                == NULL) {
		log_err("MXTLSD-METRICS", "%s", why);
		goto fail;
	}
	if (daemon_drop(user, why, whylen) != 0) {
		log_err("MXTLSD-PRIVDROP", "%s", why);
		goto fail;
	}
	return (inst);
fail:
	snprintf(why, whylen, "not starting (logged above)");
	instance_free(inst);
	return (NULL);
}

/* instance_resolvers - the DNS context, the fetcher, the preload list and
 * the three resolvers over one memo. */
static int
instance_resolvers(struct instance *inst)
{
	const struct conf      *conf = inst->conf;
	struct dns_config       dcfg;
	struct sts_fetch_config fcfg;
	char                    why[512];

	/* SQLite is the local tier with either backend (docs/FLEET.md) */
	if ((inst->store
	            = store_open("sqlite", conf->store_path, why, sizeof(why)))
	        == NULL) {
		log_err("MXTLSD-STORE", "%s", why);
		return (-1);
	}
	memset(&dcfg, 0, sizeof(dcfg));
	dcfg.trust_anchor_file   = conf->resolver_trust_anchor_file;
	dcfg.extra_trust_anchors = (const char **)conf->resolver_trust_anchors;
	dcfg.unbound_config      = conf->resolver_unbound_config;
	dcfg.timeout_ms          = ms(conf->resolver_timeout);
	dcfg.cache_kib           = (unsigned)conf->resolver_cache_size;
	if ((inst->dns = dns_create(inst->base, &dcfg, why, sizeof(why)))
	        == NULL) {
		log_err("MXTLSD-RESOLVER", "%s", why);
		return (-1);
	}
	memset(&fcfg, 0, sizeof(fcfg));
	fcfg.ca_file            = conf->fetch_ca_file;
	fcfg.connect_timeout_ms = ms(conf->fetch_connect_timeout);
	fcfg.timeout_ms         = ms(conf->fetch_timeout);
	fcfg.low_speed_limit    = (unsigned)conf->fetch_low_speed_limit;
	fcfg.low_speed_time     = (unsigned)conf->fetch_low_speed_time;
	fcfg.max_body           = (size_t)conf->fetch_max_body;
	fcfg.port               = (unsigned)conf->fetch_port;
	fcfg.user_agent         = "mxtlsd/" MXTLS_VERSION;
	if ((inst->fetch
	            = sts_fetch_create(inst->base, &fcfg, why, sizeof(why)))
	        == NULL) {
		log_err("MXTLSD-FETCH", "%s", why);
		return (-1);
	}
	if ((inst->preload
	            = preload_watch_create(inst->base, conf, why, sizeof(why)))
	        == NULL) {
		log_err("MXTLSD-PRELOAD", "%s", why);
		return (-1);
	}
	inst->memo = memo_create((size_t)conf->cache_max_entries);
	inst->sts  = sts_resolver_create(inst->base, conf, inst->dns,
	         inst->fetch, inst->store, &inst->stats, inst->memo);
	if (strcmp(conf->store_backend, "redis") == 0) {
		struct redisev_conf rc;

		memset(&rc, 0, sizeof(rc));
		rc.url        = conf->store_redis_url;
		rc.timeout_ms = (int)(conf->store_redis_timeout * 1000);
		rc.read_only  = conf->store_redis_read_only;
		if ((inst->redis
		            = redisev_open(inst->base, &rc, why, sizeof(why)))
		        == NULL) {
			log_err("MXTLSD-REDIS", "store.redis.url: %s", why);
			return (-1);
		}
		inst->fleet = sts_fleet_create(
		        inst->base, inst->redis, conf, &inst->stats);
		sts_resolver_set_fleet(inst->sts, inst->fleet);
	}
	server_attach_store(inst->srv, conf->store_backend, inst->redis);
	/* RFC 8461 §3.3: policies refreshed before they expire, looked up
	 * or not (sts.proactive_refresh turns it off at the next tick) */
	if ((inst->refresh = sts_refresh_create(inst->sts)) == NULL) {
		log_err("MXTLS-NOMEM", "cannot start the refresh timer");
		return (-1);
	}
	inst->dane = dane_resolver_create(
	        inst->base, conf, inst->dns, &inst->stats, inst->memo);
	inst->tlook = tlsrpt_lookup_create(
	        inst->base, conf, inst->dns, &inst->stats, inst->memo);
	return (0);
}

/* instance_is_ready - /healthz: every front door listens (the loop
 * serves them: instance_ready was called), the policy store is open, and
 * so is the TLSRPT store when TLS reporting is on. */
static int
instance_is_ready(void *arg, char *why, size_t whylen)
{
	struct instance *inst = arg;
	const char      *tw;

	if (!inst->serving) {
		snprintf(why, whylen,
		        "starting: the front doors do not listen "
		        "yet");
		return (0);
	}
	if (inst->store == NULL) {
		snprintf(why, whylen, "the policy store is not open");
		return (0);
	}
	if (inst->conf->tlsrpt_enable
	        && (inst->tlsrpt == NULL
	                || (tw = tlsrpt_sched_store_why(inst->tlsrpt))
	                        != NULL)) {
		snprintf(why, whylen, "the TLSRPT store is not open: %s",
		        inst->tlsrpt == NULL ? "no scheduler" : tw);
		return (0);
	}
	return (1);
}

/* instance_metric - the families read at scrape time (loop thread). */
static double
instance_metric(struct instance *inst, int id, int l0)
{
	char why[8];

	switch (id) {
	case M_CACHE_ENTRIES:
		return (l0 == MC_ANSWER
		                ? (double)answer_cache_count(inst->answers)
		                : (double)sts_resolver_entries(inst->sts));
	case M_CACHE_HITS:
		return (l0 == MC_ANSWER
		                ? (double)answer_cache_hits(inst->answers)
		                : (double)inst->stats.cache_hits);
	case M_CACHE_MISSES:
		return (l0 == MC_ANSWER
		                ? (double)answer_cache_misses(inst->answers)
		                : (double)inst->stats.cache_misses);
	case M_CACHE_EVICTIONS:
		return (l0 == MC_ANSWER
		                ? (double)answer_cache_evictions(inst->answers)
		                : (double)sts_resolver_evictions(inst->sts));
	case M_READY:
		return (instance_is_ready(inst, why, sizeof(why)));
	case M_STORE_OPEN:
		return (inst->store != NULL);
	case M_UPTIME:
		return ((double)(time(NULL) - inst->started));
	}
	return (0);
}

#define INSTANCE_METRIC(id)                                                   \
	static double instance_metric_##id(void *arg, int l0, int l1)         \
	{                                                                     \
		(void)l1;                                                     \
		return (instance_metric(arg, id, l0));                        \
	}
INSTANCE_METRIC(M_CACHE_ENTRIES)
INSTANCE_METRIC(M_CACHE_HITS)
INSTANCE_METRIC(M_CACHE_MISSES)
INSTANCE_METRIC(M_CACHE_EVICTIONS)
INSTANCE_METRIC(M_READY)
INSTANCE_METRIC(M_STORE_OPEN)
INSTANCE_METRIC(M_UPTIME)
#undef INSTANCE_METRIC

/* instance_metrics - the callbacks of the scrape-time families and of
 * /healthz. */
static void
instance_metrics(struct instance *inst)
{
	struct metrics_reg *r = metrics_global();

	metrics_reg_fn(
	        r, M_CACHE_ENTRIES, instance_metric_M_CACHE_ENTRIES, inst);
	metrics_reg_fn(r, M_CACHE_HITS, instance_metric_M_CACHE_HITS, inst);
	metrics_reg_fn(
	        r, M_CACHE_MISSES, instance_metric_M_CACHE_MISSES, inst);
	metrics_reg_fn(
	        r, M_CACHE_EVICTIONS, instance_metric_M_CACHE_EVICTIONS, inst);
	metrics_reg_fn(r, M_READY, instance_metric_M_READY, inst);
	metrics_reg_fn(r, M_STORE_OPEN, instance_metric_M_STORE_OPEN, inst);
	metrics_reg_fn(r, M_UPTIME, instance_metric_M_UPTIME, inst);
	metrics_http_set_ready(inst->mhttp, instance_is_ready, inst);
}

int
instance_start(struct instance *inst)
{
	const struct conf *conf = inst->conf;
	struct timeval     tv;
	char               why[512];

	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (instance_resolvers(inst) != 0) {
		return (-1);
	}
	inst->svc.conf      = conf;
	inst->svc.sts       = inst->sts;
	inst->svc.dane      = inst->dane;
	inst->svc.tlsrpt    = inst->tlook;
	inst->svc.preload   = inst->preload;
	inst->svc.answers   = inst->answers;
	inst->overrides     = override_table_create(inst->store, &inst->stats);
	inst->svc.overrides = inst->overrides;
	/* a resolver that learns something new drops the finished answers
	 * built from the old state */
	inst->hook.fn  = answer_cache_drop;
	inst->hook.arg = inst->answers;
	sts_resolver_set_change(inst->sts, &inst->hook);
	dane_resolver_set_change(inst->dane, &inst->hook);
	tlsrpt_lookup_set_change(inst->tlook, &inst->hook);
	preload_watch_set_change(inst->preload, &inst->hook);
	override_table_set_change(inst->overrides, &inst->hook);
	if (override_table_load(inst->overrides, clock_now(), why, sizeof(why))
	        != 0) {
		log_err("MXTLS-OVERRIDE-STORE",
		        "reading the overrides made with mxtlsctl: %s", why);
	}
	override_table_set_config(inst->overrides, conf->overrides,
	        conf->noverrides, clock_now());
	inst->ovsweep = event_new(inst->base, -1, EV_PERSIST,
	        on_override_sweep, inst->overrides);
	tv.tv_sec     = 1;
	tv.tv_usec    = 0;
	if (inst->ovsweep == NULL || event_add(inst->ovsweep, &tv) != 0) {
		log_err("MXTLS-NOMEM", "cannot start the override sweep");
		return (-1);
	}
	inst->sweep = event_new(
	        inst->base, -1, EV_PERSIST, on_sweep, inst->answers);
	tv.tv_sec  = 60;
	tv.tv_usec = 0;
	if (inst->sweep == NULL || event_add(inst->sweep, &tv) != 0) {
		log_err("MXTLS-NOMEM", "cannot start the answer cache sweep");
		return (-1);
	}
	inst->trim = memtrim_start(inst->base, 10, 1UL << 20); /* memtrim.h */
	server_attach(inst->srv, &inst->svc);
	/* TLS reporting (RFC 8460): results in, reports out */
	if (inst->dgram != NULL) { /* datagrams count under our records */
		tlsrpt_datagram_set_lookup(inst->dgram, inst->tlook);
	}
	if (!conf->tlsrpt_enable) {
		log_notice("MXTLSD-TLSRPT-OFF",
		        "TLS reporting is off (tlsrpt.enable = false)");
	} else {
		struct tlsrpt_datagram *dgram = inst->dgram;

		inst->dgram  = NULL; /* the scheduler owns it now */
		inst->tlsrpt = tlsrpt_sched_create(inst->base, conf, inst->dns,
		        &inst->stats, dgram, why, sizeof(why));
		if (inst->tlsrpt == NULL) {
			log_err("MXTLSD-TLSRPT", "%s", why);
			return (-1);
		}
	}
	tlsrpt_sched_set_fleet(inst->tlsrpt, inst->redis, conf);
	if (inst->tlsrpt != NULL) { /* stats "pending_merge" (docs/FLEET.md) */
		server_attach_pending_merge(inst->srv,
		        tlsrpt_sched_merge_pending_cb, inst->tlsrpt);
	}
	server_attach_tlsrpt(inst->srv, inst->tlsrpt);
	socketmap_attach(inst->smap, &inst->svc);
	direct_attach(inst->direct, inst->srv, inst->answers);

	inst->reload.path      = inst->conf_path;
	inst->reload.live      = inst->conf;
	inst->reload.fetch     = inst->fetch;
	inst->reload.preload   = inst->preload;
	inst->reload.socketmap = inst->smap;
	inst->reload.tlsrpt    = inst->tlsrpt;
	inst->reload.answers   = inst->answers;
	instance_metrics(inst);
	inst->reload.overrides = inst->overrides;
	return (0);
}

struct event_base *
instance_base(struct instance *inst)
{
	return (inst->base);
}

void
instance_ready(struct instance *inst)
{
	const struct conf *conf = inst->conf;
	char               why[256], buf[512];

	inst->serving = 1;
	log_notice("MXTLSD-STARTED",
	        "mxtlsd %s listening on %s (store %s, user %s)", MXTLS_VERSION,
	        conf->ipc_listen, conf->store_path,
	        inst->user->set ? inst->user->name : "unchanged");
	snprintf(buf, sizeof(buf),
	        "READY=1\nMAINPID=%ld\nSTATUS=serving on %s%s%s",
	        (long)getpid(), conf->ipc_listen,
	        conf->ipc_direct[0] != '\0' ? " and " : "", conf->ipc_direct);
	if (sdnotify_send(buf, why, sizeof(why)) < 0) {
		log_warn("MXTLSD-NOTIFY", "%s", why);
	}
}

void
instance_reload(struct instance *inst)
{
	(void)reload_run(&inst->reload);
}

void
instance_free(struct instance *inst)
{
	if (inst == NULL) {
		return;
	}
	/* lookups still out never finish now: their clients get tempfail
	 * while the front doors still take replies */
	query_shutdown();
	metrics_http_free(inst->mhttp);
	if (inst->sweep != NULL) {
		event_free(inst->sweep);
	}
	if (inst->ovsweep != NULL) {
		event_free(inst->ovsweep);
	}
	memtrim_stop(inst->trim);
	socketmap_free(inst->smap);
	direct_free(inst->direct);
	sts_refresh_free(inst->refresh);
	sts_resolver_free(inst->sts);
	redisev_close(inst->redis); /* after the resolver: cancelled asks */
	/* after redisev_close: the fleet's Redis callbacks run there */
	tlsrpt_sched_free(inst->tlsrpt);
	tlsrpt_datagram_close(inst->dgram); /* when no scheduler took it */
	sts_fleet_free(inst->fleet);
	if (inst->dane != NULL) {
		dane_resolver_free(inst->dane);
	}
	tlsrpt_lookup_free(inst->tlook);
	memo_free(inst->memo); /* after the three that keep entries in it */
	preload_watch_free(inst->preload);
	server_free(inst->srv);
	if (inst->fetch != NULL) {
		sts_fetch_free(inst->fetch);
	}
	if (inst->dns != NULL) {
		dns_free(inst->dns);
	}
	override_table_free(inst->overrides); /* before its store */
	store_close(inst->store);
	daemon_pidfile_close(inst->pidfd, inst->conf->daemon_pid_file);
	/* after direct_free and socketmap_free (their workers read it) and
	 * the resolvers (they call its hook) */
	answer_cache_free(inst->answers);
	if (inst->base != NULL) {
		event_base_free(inst->base);
	}
	curl_global_cleanup();
	free(inst);
}
