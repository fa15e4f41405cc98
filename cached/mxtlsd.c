/*
 * mxtlsd.c - the mxtls daemon: reads the configuration, opens the IPC socket,
 * drops privileges, and runs the one libevent loop that owns all state
 * (resolver, fetcher, store, cache).
 *
 *   mxtlsd [-d | -f] [-n] [-c FILE]
 *     -c FILE  configuration (default /etc/mxtls/mxtlsd.conf when present,
 *              else the embedded defaults)
 *     -d       stay in the foreground and log to stderr
 *     -f       stay in the foreground and log to syslog (systemd:
 *              Type=notify, ExecStart=/usr/sbin/mxtlsd -f)
 *     -n       check the configuration and the files it names (as the
 *              run user), print it, exit
 *
 * SIGHUP reloads the configuration file (reload.c); under systemd the
 * daemon reports READY=1 once every front door listens (sdnotify.c).
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include <curl/curl.h>

#include "serve/answer_cache.h"
#include "door/direct.h"
#include "util/fdlimit.h"
#include "util/clock.h"
#include "util/change.h"
#include "util/conf.h"
#include "daemon/daemon.h"
#include "dns/dns.h"
#include "log.h"
#include "util/memo.h"
#include "util/memtrim.h"
#include "sts/preload_watch.h"
#include "serve/query.h"
#include "daemon/reload.h"
#include "daemon/sdnotify.h"
#include "serve/server.h"
#include "door/socketmap.h"
#include "util/stats.h"
#include "store/store.h"
#include "sts/sts_fetch.h"
#include "dane/dane_resolver.h"
#include "sts/sts_resolver.h"
#include "daemon/startcheck.h"
#include "tlsrpt/tlsrpt_datagram.h"
#include "tlsrpt/tlsrpt_lookup.h"
#include "tlsrpt/tlsrpt_sched.h"

#define MXTLSD_DEFAULT_CONF "/etc/mxtls/mxtlsd.conf"

static void
usage(void)
{
	fprintf(stderr, "usage: mxtlsd [-d | -f] [-n] [-c config]\n");
	exit(2);
}

/* on_sweep - free the answers that are no longer valid. */
static void
on_sweep(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	answer_cache_sweep(arg, clock_now());
}

/* what the signal handler reaches (loop thread) */
struct mxtlsd_signal_ctx {
	struct event_base   *base;
	struct reload_target reload;
};

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct mxtlsd_signal_ctx *ctx = arg;
	char                      why[256];

	(void)what;
	if (sig == SIGHUP) {
		(void)reload_run(&ctx->reload);
		return;
	}
	log_notice("MXTLSD-STOPPING", "signal %d: shutting down", (int)sig);
	if (sdnotify_send("STOPPING=1\nSTATUS=shutting down", why, sizeof(why))
	        < 0)
		log_warn("MXTLSD-NOTIFY", "%s", why);
	event_base_loopbreak(ctx->base);
}

/* on_check_log - a start-up check's finding, to the log. */
static void
on_check_log(void *arg, int fatal, const char *msg)
{
	(void)arg;
	if (fatal)
		log_err("MXTLSD-CHECK", "%s", msg);
	else
		log_warn("MXTLSD-CHECK", "%s", msg);
}

/* on_check_print - a finding of mxtlsd -n, to stderr. */
static void
on_check_print(void *arg, int fatal, const char *msg)
{
	(void)arg;
	fprintf(stderr, "mxtlsd: %s: %s\n", fatal ? "error" : "warning", msg);
}

/* mxtlsd_check - mxtlsd -n: print the effective configuration, check the
 * files it names as the run user; 0 when all is well, else 1. */
static int
mxtlsd_check(const struct conf *conf, const char *path)
{
	struct daemon_user user;
	char               why[512];
	int                n;

	printf("# mxtlsd %s effective configuration (%s)\n", MXTLS_VERSION,
	        path ? path : "embedded defaults");
	conf_print(conf, stdout);
	fflush(stdout);
	for (n = 0; conf->warnings[n] != NULL; n++) {
		fprintf(stderr, "mxtlsd: warning: %s\n", conf->warnings[n]);
	}
	if (startcheck_user(conf, &user, 1, why, sizeof(why)) != 0) {
		fprintf(stderr, "mxtlsd: error: %s\n", why);
		return (1);
	}
	if ((n = startcheck_files(conf, &user, on_check_print, NULL)) != 0) {
		fprintf(stderr,
		        "mxtlsd: configuration NOT OK: %d problem%s for user "
		        "%s\n",
		        n < 0 ? 1 : n, n == 1 ? "" : "s",
		        user.name[0] ? user.name : "root");
		return (1);
	}
	fprintf(stderr,
	        "mxtlsd: configuration OK (files checked as user %s)\n",
	        user.name[0] ? user.name : "root");
	return (0);
}

/* mxtlsd_socketmap_hint - the bind hint for the socketmap.listen entry
 * why names. */
static void
mxtlsd_socketmap_hint(const struct conf *conf, const struct daemon_user *u,
        char *why, size_t whylen)
{
	size_t i;

	for (i = 0; conf->socketmap_listen[i] != NULL; i++)
		if (strstr(why, conf->socketmap_listen[i] + 5) != NULL) {
			startcheck_bind_hint("socketmap.listen",
			        conf->socketmap_listen[i], u, why, whylen);
			return;
		}
}

/* mxtlsd_datagram_open - bind tlsrpt.datagram_socket (before the drop:
 * its directory may be root's) and give it to the run user. */
static int
mxtlsd_datagram_open(struct event_base *base, const struct conf *conf,
        const struct daemon_user *u, struct tlsrpt_datagram **dgram)
{
	const char *path = conf->tlsrpt_datagram_socket;
	char        why[1024];

	if (startcheck_sockdir(
	            "tlsrpt.datagram_socket", path, u, why, sizeof(why))
	        != 0) {
		log_err("MXTLSD-TLSRPT", "%s", why);
		return (-1);
	}
	if ((*dgram = tlsrpt_datagram_open(
	             base, path, conf->ipc_mode, NULL, NULL, why, sizeof(why)))
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

/* mxtlsd_take - hand *p over (the taker owns it now). */
static struct tlsrpt_datagram *
mxtlsd_take(struct tlsrpt_datagram **p)
{
	struct tlsrpt_datagram *d = *p;

	*p = NULL;
	return (d);
}

/* mxtlsd_ready - every front door listens and the store is open: tell
 * systemd (Type=notify). */
static void
mxtlsd_ready(const struct conf *conf)
{
	char why[256], buf[512];

	snprintf(buf, sizeof(buf),
	        "READY=1\nMAINPID=%ld\nSTATUS=serving on %s%s%s",
	        (long)getpid(), conf->ipc_listen,
	        conf->ipc_direct[0] != '\0' ? " and " : "", conf->ipc_direct);
	if (sdnotify_send(buf, why, sizeof(why)) < 0)
		log_warn("MXTLSD-NOTIFY", "%s", why);
}

static unsigned
ms(double seconds)
{
	return ((unsigned)(seconds * 1000.0 + 0.5));
}

int
main(int argc, char **argv)
{
	struct conf              conf;
	struct daemon_user       user;
	struct stats             stats;
	struct event_base       *base = NULL;
	struct event            *sigs[4];
	struct dns              *dns   = NULL;
	struct sts_fetcher      *fetch = NULL;
	struct store            *store = NULL;
	struct sts_resolver     *res   = NULL;
	struct dane_resolver    *dres  = NULL;
	struct tlsrpt_lookup    *tlook = NULL;
	struct memo             *memo  = NULL; /* the three memos' records */
	struct memtrim          *trim  = NULL; /* free heap pages back */
	struct tlsrpt_sched     *trpt  = NULL;
	struct query_services    svc;
	struct answer_cache     *answers = NULL;
	struct event            *sweep   = NULL;
	struct change_hook       hook;
	struct timeval           tv;
	struct preload_watch    *pwatch = NULL;
	struct server           *srv    = NULL;
	struct socketmap        *smap   = NULL; /* socketmap (issue 5) */
	struct direct           *direct = NULL; /* ipc.listen, ipc.direct */
	struct mxtlsd_signal_ctx sctx;
	struct tlsrpt_datagram *dgram = NULL; /* until tlsrpt_sched takes it */
	struct dns_config       dcfg;
	struct sts_fetch_config fcfg;
	const char             *conf_path = NULL;
	char                    why[512], abs_path[PATH_MAX];
	int    ch, foreground = 0, to_stderr = 0, check = 0, pidfd = -1;
	int    rv = 1;
	size_t i;
	static const int signals[] = { SIGTERM, SIGINT, SIGHUP };

	while ((ch = getopt(argc, argv, "c:dfnh")) != -1) {
		switch (ch) {
		case 'c':
			conf_path = optarg;
			break;
		case 'd':
			foreground = 1;
			to_stderr  = 1;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'n':
			check = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (conf_path == NULL && access(MXTLSD_DEFAULT_CONF, F_OK) == 0)
		conf_path = MXTLSD_DEFAULT_CONF;
	/* daemon() moves to /: a reload re-reads the file by its full name */
	if (conf_path != NULL && realpath(conf_path, abs_path) != NULL)
		conf_path = abs_path;

	conf_defaults(&conf);
	if (conf_path != NULL
	        && conf_load(&conf, conf_path, why, sizeof(why)) != 0) {
		fprintf(stderr, "mxtlsd: %s\n", why);
		conf_free(&conf);
		return (1);
	}
	if (check) {
		rv = mxtlsd_check(&conf, conf_path);
		conf_free(&conf);
		return (rv);
	}

	log_init("mxtlsd", to_stderr, conf.log_facility);
	log_set_level((enum log_level)conf.log_level);
	for (i = 0; conf.warnings[i] != NULL; i++)
		log_warn("MXTLSD-CONFIG-DEPRECATED", "%s", conf.warnings[i]);
	if (startcheck_user(&conf, &user, 0, why, sizeof(why)) != 0) {
		log_err("MXTLSD-CONFIG", "%s", why);
		goto out;
	}
	if (startcheck_files(&conf, &user, on_check_log, NULL) != 0) {
		log_err("MXTLSD-CONFIG",
		        "the configuration names files user %s cannot use "
		        "(above); not starting",
		        user.name[0] ? user.name : "root");
		goto out;
	}
	if (!foreground && daemon(0, 0) != 0) {
		log_err("MXTLSD-DAEMON", "daemon(): %s", strerror(errno));
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	/* the IPC and socketmap worker threads (which parse requests and copy
	 * cached answers) would each get their own malloc arena; two keep the
	 * heap compact (docs/BENCHMARKS.md, memory) at no measurable cost in
	 * speed */
	mallopt(M_ARENA_MAX, 2);
	if (evthread_use_pthreads() != 0
	        || (base = event_base_new()) == NULL) {
		log_err("MXTLSD-EVENT", "cannot create the event loop");
		goto out;
	}
	if (startcheck_sockdir("daemon.pid_file", conf.daemon_pid_file, &user,
	            why, sizeof(why))
	                != 0
	        || (pidfd = daemon_pidfile_open(
	                    conf.daemon_pid_file, why, sizeof(why)))
	                < 0) {
		log_err("MXTLSD-PIDFILE", "%s", why);
		goto out;
	}
	if (strncmp(conf.ipc_listen, "ipc://", 6) == 0
	        && startcheck_sockdir("ipc.listen", conf.ipc_listen + 6, &user,
	                   why, sizeof(why))
	                != 0) {
		log_err("MXTLSD-IPC", "%s", why);
		goto out;
	}
	if (daemon_dir_for(conf.store_path, &user, why, sizeof(why)) != 0) {
		log_err("MXTLSD-STORE", "%s", why);
		goto out;
	}

	fdlimit_raise(); /* soft RLIMIT_NOFILE to hard, the reserve */
	/* Sockets first, as root; the loop serves them once it runs. */
	memset(&stats, 0, sizeof(stats));
	srv     = server_create(&stats);
	answers = answer_cache_create(
	        (size_t)conf.cache_max_entries, conf.cache_answer_ttl);
	/* ipc.listen and ipc.direct: one set of SP workers (direct.h) */
	direct = direct_open(base, &conf);
	if (direct_listen(direct, "ipc.listen", conf.ipc_listen, conf.ipc_mode,
	            1, why, sizeof(why))
	        != 0) {
		startcheck_bind_hint("ipc.listen", conf.ipc_listen, &user, why,
		        sizeof(why));
		log_err("MXTLSD-IPC", "%s", why);
		goto out;
	}
	/* the pid file stays root's (daemon_pidfile_open): not given to the
	 * user, who could otherwise make a root script signal any pid */
	if (daemon_pidfile_dir_check(
	            conf.daemon_pid_file, &user, why, sizeof(why))
	        != 0)
		log_warn("MXTLSD-PIDFILE-DIR", "%s", why);
	/* --- socketmap listeners (issue 5): bound as root, served later */
	for (i = 0; conf.socketmap_listen[i] != NULL; i++)
		if (strncmp(conf.socketmap_listen[i], "unix:", 5) == 0
		        && startcheck_sockdir("socketmap.listen",
		                   conf.socketmap_listen[i] + 5, &user, why,
		                   sizeof(why))
		                != 0) {
			log_err("MXTLSD-SOCKETMAP", "%s", why);
			goto out;
		}
	if ((smap = socketmap_open(base, &conf, why, sizeof(why))) == NULL) {
		mxtlsd_socketmap_hint(&conf, &user, why, sizeof(why));
		log_err("MXTLSD-SOCKETMAP", "%s", why);
		goto out;
	}
	if ((user.set
	            && socketmap_chown(
	                       smap, user.uid, user.gid, why, sizeof(why))
	                    != 0)) {
		log_err("MXTLSD-SOCKETMAP", "%s", why);
		goto out;
	}
	/* --- end socketmap */
	if (conf.ipc_direct[0] != '\0'
	        && startcheck_sockdir("ipc.direct", conf.ipc_direct + 6, &user,
	                   why, sizeof(why))
	                != 0) {
		log_err("MXTLSD-IPC", "%s", why);
		goto out;
	}
	if (conf.ipc_direct[0] != '\0'
	        && direct_listen(direct, "ipc.direct", conf.ipc_direct,
	                   conf.ipc_mode, 0, why, sizeof(why))
	                != 0) {
		startcheck_bind_hint("ipc.direct", conf.ipc_direct, &user, why,
		        sizeof(why));
		log_err("MXTLSD-IPC", "%s", why);
		goto out;
	}
	if ((user.set
	            && direct_chown(
	                       direct, user.uid, user.gid, why, sizeof(why))
	                    != 0)) {
		log_err("MXTLSD-IPC", "%s", why);
		goto out;
	}
	/* --- the TLSRPT datagram socket: bound as root too (RFC 8460 results
	 * from Postfix 3.10's libtlsrpt), served once the scheduler exists */
	if (conf.tlsrpt_enable && conf.tlsrpt_datagram_socket[0] != '\0'
	        && mxtlsd_datagram_open(base, &conf, &user, &dgram) != 0)
		goto out;
	if (daemon_drop(&user, why, sizeof(why)) != 0) {
		log_err("MXTLSD-PRIVDROP", "%s", why);
		goto out;
	}

	if ((store = store_open(
	             conf.store_backend, conf.store_path, why, sizeof(why)))
	        == NULL) {
		log_err("MXTLSD-STORE", "%s", why);
		goto out;
	}
	memset(&dcfg, 0, sizeof(dcfg));
	dcfg.trust_anchor_file   = conf.resolver_trust_anchor_file;
	dcfg.extra_trust_anchors = (const char **)conf.resolver_trust_anchors;
	dcfg.unbound_config      = conf.resolver_unbound_config;
	dcfg.timeout_ms          = ms(conf.resolver_timeout);
	dcfg.cache_kib           = (unsigned)conf.resolver_cache_size;
	if ((dns = dns_create(base, &dcfg, why, sizeof(why))) == NULL) {
		log_err("MXTLSD-RESOLVER", "%s", why);
		goto out;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	memset(&fcfg, 0, sizeof(fcfg));
	fcfg.ca_file            = conf.fetch_ca_file;
	fcfg.connect_timeout_ms = ms(conf.fetch_connect_timeout);
	fcfg.timeout_ms         = ms(conf.fetch_timeout);
	fcfg.low_speed_limit    = (unsigned)conf.fetch_low_speed_limit;
	fcfg.low_speed_time     = (unsigned)conf.fetch_low_speed_time;
	fcfg.max_body           = (size_t)conf.fetch_max_body;
	fcfg.port               = (unsigned)conf.fetch_port;
	fcfg.user_agent         = "mxtlsd/" MXTLS_VERSION;
	if ((fetch = sts_fetch_create(base, &fcfg, why, sizeof(why)))
	        == NULL) {
		log_err("MXTLSD-FETCH", "%s", why);
		goto out;
	}
	if ((pwatch = preload_watch_create(base, &conf, why, sizeof(why)))
	        == NULL) {
		log_err("MXTLSD-PRELOAD", "%s", why);
		goto out;
	}
	memo = memo_create((size_t)conf.cache_max_entries);
	res  = sts_resolver_create(
	         base, &conf, dns, fetch, store, &stats, memo);
	dres  = dane_resolver_create(base, &conf, dns, &stats, memo);
	tlook = tlsrpt_lookup_create(base, &conf, dns, &stats, memo);
	memset(&svc, 0, sizeof(svc));
	svc.conf    = &conf;
	svc.sts     = res;
	svc.dane    = dres;
	svc.tlsrpt  = tlook;
	svc.preload = pwatch;
	svc.answers = answers;
	hook.fn     = answer_cache_drop;
	hook.arg    = answers;
	sts_resolver_set_change(res, &hook);
	dane_resolver_set_change(dres, &hook);
	tlsrpt_lookup_set_change(tlook, &hook);
	preload_watch_set_change(pwatch, &hook);
	sweep      = event_new(base, -1, EV_PERSIST, on_sweep, answers);
	tv.tv_sec  = 60;
	tv.tv_usec = 0;
	if (sweep == NULL || event_add(sweep, &tv) != 0) {
		log_err("MXTLS-NOMEM", "cannot start the answer cache sweep");
		goto out;
	}
	trim = memtrim_start(base, 10, 1UL << 20); /* memtrim.h */
	server_attach(srv, &svc);
	/* ---- TLS reporting (RFC 8460): results in, reports out ---- */
	if (dgram != NULL) /* datagrams count under the daemon's records */
		tlsrpt_datagram_set_lookup(dgram, tlook);
	if (!conf.tlsrpt_enable) {
		log_notice("MXTLSD-TLSRPT-OFF",
		        "TLS reporting is off (tlsrpt.enable = false)");
	} else if ((trpt = tlsrpt_sched_create(base, &conf, dns, &stats,
	                    mxtlsd_take(&dgram), why, sizeof(why)))
	        == NULL) {
		log_err("MXTLSD-TLSRPT", "%s", why);
		goto out;
	}
	server_attach_tlsrpt(srv, trpt);
	/* ---- end of TLS reporting ---- */
	socketmap_attach(smap, &svc); /* socketmap (issue 5) */
	direct_attach(direct, srv, answers);

	memset(&sctx, 0, sizeof(sctx));
	sctx.base             = base;
	sctx.reload.path      = conf_path;
	sctx.reload.live      = &conf;
	sctx.reload.fetch     = fetch;
	sctx.reload.preload   = pwatch;
	sctx.reload.socketmap = smap;
	sctx.reload.tlsrpt    = trpt;
	sctx.reload.answers   = answers;
	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
		sigs[i] = evsignal_new(base, signals[i], on_signal, &sctx);
		event_add(sigs[i], NULL);
	}
	sigs[i] = NULL;
	log_notice("MXTLSD-STARTED",
	        "mxtlsd %s listening on %s (store %s, user %s)", MXTLS_VERSION,
	        conf.ipc_listen, conf.store_path,
	        user.set ? user.name : "unchanged");
	mxtlsd_ready(&conf);
	event_base_dispatch(base);
	for (i = 0; sigs[i] != NULL; i++)
		event_free(sigs[i]);
	rv = 0;
out:
	/* lookups still out never finish now: their clients get tempfail
	 * while the front doors still take replies */
	query_shutdown();
	if (sweep != NULL)
		event_free(sweep);
	memtrim_stop(trim);
	tlsrpt_sched_free(trpt);      /* TLS reporting */
	tlsrpt_datagram_close(dgram); /* when the scheduler never took it */
	socketmap_free(smap);         /* socketmap (issue 5) */
	direct_free(direct);
	sts_resolver_free(res);
	if (dres != NULL)
		dane_resolver_free(dres);
	tlsrpt_lookup_free(tlook);
	memo_free(memo); /* after the three that keep their entries in it */
	preload_watch_free(pwatch);
	server_free(srv);
	if (fetch != NULL)
		sts_fetch_free(fetch);
	if (dns != NULL)
		dns_free(dns);
	store_close(store);
	daemon_pidfile_close(pidfd, conf.daemon_pid_file);
	/* after direct_free and socketmap_free (their workers read it) and
	 * the resolvers (they call its hook) */
	answer_cache_free(answers);
	if (base != NULL)
		event_base_free(base);
	curl_global_cleanup();
	if (rv == 0)
		log_notice("MXTLSD-STOPPED", "mxtlsd stopped");
	conf_free(&conf);
	return (rv);
}
