/*
 * socketmap.c - Postfix socketmap listeners (see socketmap.h;
 * socketmap_table(5), docs/postfix.md): the wiring of the socketmap front
 * door - its settings, its sockets, the connection engine (engine.c:
 * threads, admission, timeouts) speaking the socketmap codec
 * (codec_socketmap.c: netstrings, hits answered on the workers) - and the
 * loop side of a miss: query_policy (query.c) decides, socketmap_answer.c
 * renders.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "door/codec_socketmap.h"
#include "door/engine.h"
#include "door/peerlimit.h"
#include "door/socketmap.h"
#include "door/socketmap_answer.h"
#include "log.h"
#include "logrl.h"
#include "serve/answer_cache.h"
#include "serve/query.h"
#include "util/clock.h"
#include "util/conf.h"
#include "util/xalloc.h"

struct socketmap {
	struct event_base           *base;
	struct socketmap_answer_conf ac;
	struct query_services        svc;
	struct codec_socketmap_ctx   cx;
	char                         name[CONF_MAX_LISTEN][128];
	size_t                       nl;
	int                          nthreads; /* socketmap.threads */
	struct engine               *e;
};

/* on_answer - the decision for a miss (loop thread): render it, keep the
 * rendering beside the cached reply, send it to the connection's worker. */
static void
on_answer(void *arg, json_t *r, char *text)
{
	struct engine_miss *m   = arg;
	struct socketmap   *sm  = engine_miss_arg(m);
	const char         *key = codec_socketmap_key(engine_miss_codec(m));
	char               *s;

	s = socketmap_answer(r, &sm->ac);
	json_decref(r);
	/* text != NULL: this lookup has just kept its reply, so no IPC
	 * client asked for it: keep the rendering alone */
	if (sm->svc.answers != NULL && text != NULL) {
		answer_cache_text_only(sm->svc.answers, key, clock_now(), s);
	} else if (sm->svc.answers != NULL) {
		answer_cache_set_text(sm->svc.answers, key, clock_now(), s);
	}
	free(text);
	log_debug("MXTLS-SOCKETMAP-ANSWER", "%s: %s: %s", engine_miss_via(m),
	        key, s);
	if (strncmp(s, "TEMP ", 5) == 0) {
		log_info_rl("MXTLS-SOCKETMAP-TEMP", "%s: %s", key, s + 5);
	}
	engine_answer(m, s);
}

/* on_miss - a worker's cache miss, on the loop thread. */
static void
on_miss(void *arg, struct engine_miss *m)
{
	struct socketmap *sm = arg;

	query_policy(&sm->svc, codec_socketmap_key(engine_miss_codec(m)),
	        on_answer, m);
}

static int
open_unix(struct socketmap *sm, const char *name, const char *path, int mode,
        char *why, size_t whylen)
{
	char what[160];

	snprintf(what, sizeof(what), "socketmap.listen: unix:%s", path);
	return (engine_listen_unix(
	        sm->e, path, mode, name, 0, what, why, whylen));
}

static int
is_loopback(const struct sockaddr *sa)
{
	const struct sockaddr_in  *sin  = (const void *)sa;
	const struct sockaddr_in6 *sin6 = (const void *)sa;

	if (sa->sa_family == AF_INET) {
		return ((ntohl(sin->sin_addr.s_addr) >> 24) == 127);
	}
	return (sa->sa_family == AF_INET6
	        && IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr));
}

static int
open_inet(struct socketmap *sm, const char *name, const char *hostport,
        char *why, size_t whylen)
{
	char what[160];

	struct sockaddr_storage ss;
	int                     sslen = (int)sizeof(ss);

	memset(&ss, 0, sizeof(ss));
	if (evutil_parse_sockaddr_port(
	            hostport, (struct sockaddr *)&ss, &sslen)
	                != 0
	        || !is_loopback((struct sockaddr *)&ss)
	        || (ss.ss_family == AF_INET
	                && ((struct sockaddr_in *)&ss)->sin_port == 0)) {
		snprintf(why, whylen,
		        "socketmap.listen: inet:%s: need a loopback "
		        "address and a port (inet:127.0.0.1:PORT)",
		        hostport);
		return (-1);
	}
	snprintf(what, sizeof(what), "socketmap.listen: inet:%s", hostport);
	return (engine_listen_tcp(sm->e, (struct sockaddr *)&ss, sslen, name,
	        0, 0, what, why, whylen));
}

void
socketmap_count_evictions(struct socketmap *sm, unsigned long *n)
{
	engine_count_evictions(sm->e, n);
}

struct socketmap *
socketmap_open(struct event_base *base, const struct conf *conf, char *why,
        size_t whylen)
{
	struct socketmap     *sm = calloc(1, sizeof(*sm));
	struct peerlimit_conf pc;
	struct engine_conf    ec;
	const char           *e;
	char                 *name;
	size_t                i;
	int                   rv;

	if (sm == NULL) {
		xdie();
	}
	sm->base     = base;
	sm->nthreads = conf->socketmap_threads;
	memset(&ec, 0, sizeof(ec));
	ec.in_max          = SOCKETMAP_MAX_REQUEST + CODEC_SOCKETMAP_FRAMING;
	ec.first_timeout   = conf->socketmap_first_request_timeout;
	ec.idle_timeout    = conf->socketmap_idle_timeout;
	ec.logid_busy      = "MXTLS-SOCKETMAP-BUSY";
	ec.logid_accept    = "MXTLS-SOCKETMAP-ACCEPT";
	ec.logid_idle      = "MXTLS-SOCKETMAP-IDLE";
	ec.logid_evict     = "MXTLS-SOCKETMAP-EVICT";
	sm->cx.max_request = SOCKETMAP_MAX_REQUEST;
	peerlimit_conf_make(&pc, (size_t)conf->socketmap_max_connections,
	        (size_t)conf->socketmap_max_per_peer,
	        conf->socketmap_reserved_users, "socketmap.reserved_users");
	sm->e = engine_new(base, &ec, &codec_socketmap, &pc);
	if (socketmap_answer_conf_init(&sm->ac,
	            conf->socketmap_postfix_version, conf->socketmap_testing,
	            why, whylen)
	        != 0) {
		goto fail;
	}
	for (i = 0; (e = conf->socketmap_listen[i]) != NULL; i++) {
		if (sm->nl >= CONF_MAX_LISTEN) {
			snprintf(why, whylen, "socketmap.listen: too many");
			goto fail;
		}
		name = sm->name[sm->nl];
		snprintf(name, sizeof(sm->name[0]), "%s", e);
		if (strncmp(e, "unix:", 5) == 0) {
			rv = open_unix(sm, name, e + 5, conf->socketmap_mode,
			        why, whylen);
		} else if (strncmp(e, "inet:", 5) == 0) {
			rv = open_inet(sm, name, e + 5, why, whylen);
		} else {
			snprintf(why, whylen,
			        "socketmap.listen: \"%s\": expected "
			        "unix:PATH or inet:127.0.0.1:PORT",
			        e);
			rv = -1;
		}
		if (rv != 0) {
			goto fail;
		}
		sm->nl++;
	}
	return (sm);
fail:
	socketmap_free(sm);
	return (NULL);
}

int
socketmap_chown(
        struct socketmap *sm, uid_t uid, gid_t gid, char *why, size_t whylen)
{
	char w[256];

	if (sm != NULL && engine_chown(sm->e, uid, gid, w, sizeof(w)) != 0) {
		snprintf(why, whylen, "socketmap: %s", w);
		return (-1);
	}
	return (0);
}

void
socketmap_attach(struct socketmap *sm, const struct query_services *svc)
{
	char   why[256];
	size_t i;

	sm->svc        = *svc;
	sm->cx.answers = svc->answers;
	if (sm->nl == 0) {
		return;
	}
	if (engine_start(sm->e, sm->nthreads, &sm->cx, on_miss, sm, why,
	            sizeof(why))
	        != 0) {
		log_warn("MXTLS-SOCKETMAP-THREADS",
		        "%s; serving socketmap on the main loop", why);
		if (engine_start(
		            sm->e, 0, &sm->cx, on_miss, sm, why, sizeof(why))
		        != 0) {
			log_err("MXTLS-NOMEM", "%s", why);
			abort();
		}
	}
	for (i = 0; i < sm->nl; i++) {
		log_notice("MXTLS-SOCKETMAP-LISTEN",
		        "socketmap listening on %s (postfix %s attributes, "
		        "testing %s, %d threads)",
		        sm->name[i], sm->ac.tlsrpt_attrs ? "3.10" : "3.7",
		        sm->ac.testing_strict ? "strict" : "opportunistic",
		        engine_threads(sm->e));
	}
}

void
socketmap_free(struct socketmap *sm)
{
	if (sm == NULL) {
		return;
	}
	/* the loop has stopped: no answer to a miss in flight comes */
	engine_free(sm->e);
	free(sm);
}

int
socketmap_reconfigure(struct socketmap *sm, const struct conf *conf, char *why,
        size_t whylen)
{
	struct socketmap_answer_conf ac;

	if (socketmap_answer_conf_init(&ac, conf->socketmap_postfix_version,
	            conf->socketmap_testing, why, whylen)
	        != 0) {
		return (-1);
	}
	if (sm != NULL) {
		sm->ac = ac;
	}
	return (0);
}
