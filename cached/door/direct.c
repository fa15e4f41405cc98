/*
 * direct.c - the daemon's IPC sockets (see direct.h; docs/IPC.md
 * "Transport"): the wiring of the IPC front door - ipc.listen and
 * ipc.direct, their settings and sockets, the connection engine
 * (engine.c: threads, admission, timeouts) speaking the SP codec
 * (codec_sp.c: nng's framing, hits answered on the workers) - and the loop
 * side of a miss: server.c answers it.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/util.h>

#include "door/codec_sp.h"
#include "door/direct.h"
#include "door/engine.h"
#include "door/peerlimit.h"
#include "log.h"
#include "proto.h"
#include "serve/server.h"
#include "spframe.h"
#include "util/conf.h"
#include "util/metrics.h"
#include "util/xalloc.h"

struct dlistener {
	const char *key; /* the setting: "ipc.listen" */
	char        name[128];
};

struct direct {
	struct event_base  *base;
	struct dlistener    l[DIRECT_MAX_LISTEN];
	size_t              nl;
	struct server      *srv;
	struct engine      *e;
	struct codec_sp_ctx cx;
	int                 nthreads;
};

/* on_reply - server.c's reply to a miss (loop thread). */
static void
on_reply(void *arg, char *reply)
{
	if (reply == NULL) {
		xdie();
	}
	engine_answer(arg, reply);
}

/* on_miss - a request the worker did not answer, on the loop thread. */
static void
on_miss(void *arg, struct engine_miss *m)
{
	struct direct              *d = arg;
	const struct proto_request *req;
	const char                 *body;
	size_t                      len;
	char                        why[80];

	req = codec_sp_request(engine_miss_codec(m), &body, &len);
	if (len > PROTO_MAX_MSG) {
		snprintf(why, sizeof(why),
		        "request too large (%zu bytes, %d max)", len,
		        PROTO_MAX_MSG);
		on_reply(m, proto_reply_error(why));
	} else if (req != NULL) {
		server_handle_parsed(d->srv, req, body, len, on_reply, m);
	} else {
		server_handle(d->srv, body, len, on_reply, m);
	}
}

void
direct_count_evictions(struct direct *d, unsigned long *n)
{
	engine_count_evictions(d->e, n);
}

struct direct *
direct_open(struct event_base *base, const struct conf *conf)
{
	struct direct        *d = calloc(1, sizeof(*d));
	struct peerlimit_conf pc;
	struct engine_conf    ec;

	if (d == NULL) {
		xdie();
	}
	d->base     = base;
	d->nthreads = conf->ipc_direct_threads;
	memset(&ec, 0, sizeof(ec));
	ec.in_max        = SPFRAME_RECV_MAX + CODEC_SP_FRAMING;
	ec.first_timeout = conf->ipc_first_request_timeout;
	ec.idle_timeout  = conf->ipc_idle_timeout;
	ec.logid_busy    = "MXTLS-IPC-DIRECT-BUSY";
	ec.logid_accept  = "MXTLS-IPC-DIRECT-ACCEPT";
	ec.logid_idle    = "MXTLS-IPC-DIRECT-IDLE";
	ec.logid_evict   = "MXTLS-IPC-DIRECT-EVICT";
	d->cx.max_msg    = SPFRAME_RECV_MAX;
	peerlimit_conf_make(&pc, (size_t)conf->ipc_max_connections,
	        (size_t)conf->ipc_max_per_peer, conf->ipc_reserved_users,
	        "ipc.reserved_users");
	d->e = engine_new(base, &ec, &codec_sp, &pc);
	return (d);
}

static int
is_loopback(const struct sockaddr *sa)
{
	const struct sockaddr_in  *sin  = (const void *)sa;
	const struct sockaddr_in6 *sin6 = (const void *)sa;

	if (sa->sa_family == AF_INET) {
		return ((ntohl(sin->sin_addr.s_addr) >> 24) == 127
		        && sin->sin_port != 0);
	}
	return (sa->sa_family == AF_INET6
	        && IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr)
	        && sin6->sin6_port != 0);
}

/* listen_tcp - bind to hostport (a loopback address and a port). */
static int
listen_tcp(struct direct *d, struct dlistener *l, const char *hostport,
        const char *what, char *why, size_t whylen)
{
	struct sockaddr_storage ss;
	int                     sslen = (int)sizeof(ss);

	memset(&ss, 0, sizeof(ss));
	if (evutil_parse_sockaddr_port(
	            hostport, (struct sockaddr *)&ss, &sslen)
	                != 0
	        || !is_loopback((struct sockaddr *)&ss)) {
		snprintf(why, whylen,
		        "%s: need a loopback address and a port "
		        "(tcp://127.0.0.1:PORT or tcp://[::1]:PORT)",
		        what);
		return (-1);
	}
	/* as nng's tcp:// (NNG_OPT_TCP_NODELAY): a reply goes out at once */
	return (engine_listen_tcp(d->e, (struct sockaddr *)&ss, sslen, l->name,
	        SPFRAME_TCP, 1, what, why, whylen));
}

int
direct_listen(struct direct *d, const char *key, const char *url, int mode,
        int tcp, char *why, size_t whylen)
{
	struct dlistener *l;
	char              what[192];
	int               rv;

	if (d->nl >= DIRECT_MAX_LISTEN) {
		snprintf(why, whylen, "%s: too many IPC sockets", key);
		return (-1);
	}
	l = &d->l[d->nl];
	memset(l, 0, sizeof(*l));
	l->key = key;
	snprintf(l->name, sizeof(l->name), "%s", url);
	snprintf(what, sizeof(what), "%s: %s", key, url);
	engine_set_door(
	        d->e, strcmp(key, "ipc.direct") == 0 ? MD_DIRECT : MD_IPC);
	if (strncmp(url, "ipc:///", 7) == 0) {
		rv = engine_listen_unix(d->e, url + 6, mode, l->name,
		        SPFRAME_IPC, what, why, whylen);
	} else if (tcp && strncmp(url, "tcp://", 6) == 0) {
		rv = listen_tcp(d, l, url + 6, what, why, whylen);
	} else {
		snprintf(why, whylen, "%s: \"%s\": expected ipc:///PATH%s",
		        key, url, tcp ? " or tcp://127.0.0.1:PORT" : "");
		rv = -1;
	}
	if (rv != 0) {
		return (-1);
	}
	d->nl++;
	return (0);
}

int
direct_chown(struct direct *d, uid_t uid, gid_t gid, char *why, size_t whylen)
{
	return (engine_chown(d->e, uid, gid, why, whylen));
}

void
direct_attach(
        struct direct *d, struct server *srv, struct answer_cache *answers)
{
	char   why[256];
	size_t i;

	d->srv        = srv;
	d->cx.answers = answers;
	if (d->nl == 0) {
		return;
	}
	if (engine_start(
	            d->e, d->nthreads, &d->cx, on_miss, d, why, sizeof(why))
	        != 0) {
		log_warn("MXTLS-IPC-DIRECT-THREADS",
		        "%s; serving the IPC sockets on the main loop", why);
		if (engine_start(d->e, 0, &d->cx, on_miss, d, why, sizeof(why))
		        != 0) {
			log_err("MXTLS-NOMEM", "%s", why);
			abort();
		}
	}
	for (i = 0; i < d->nl; i++) {
		log_notice("MXTLS-IPC-LISTEN",
		        "%s: listening on %s (%d threads)", d->l[i].key,
		        d->l[i].name, engine_threads(d->e));
	}
}

void
direct_free(struct direct *d)
{
	if (d == NULL) {
		return;
	}
	/* the loop has stopped: no reply to a miss in flight comes now;
	 * those that came are written */
	engine_free(d->e);
	free(d);
}
