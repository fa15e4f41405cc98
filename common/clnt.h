/*
 * clnt.h - typed calls to mxtlsd, in the manner of Postfix's
 * verify_clnt_query(): a policy request in, a struct decision out; a
 * TLSRPT result in, recorded / not recorded out. The requests are built
 * and the replies read by common/proto.c and common/decision.c; this file
 * only carries them over a transport:
 *   - clnt_sp.c: the fork-safe, thread-free SP client (common/spclient.c),
 *     for the Exim module, which never links nng;
 *   - clnt_nng.c: nng's REQ socket (library mxtls_nngclient), for
 *     mxtlsctl and the OpenSMTPD filter.
 * docs/IPC.md describes the messages.
 */
#ifndef MXTLS_COMMON_CLNT_H
#define MXTLS_COMMON_CLNT_H

#include <stddef.h>

#include "decision.h"
#include "proto.h"

enum clnt_status {
	CLNT_OK = 0,      /* a reply, read (its own status says the rest) */
	CLNT_UNREACHABLE, /* cannot connect (daemon down, no socket) */
	CLNT_TIMEOUT,     /* no reply in time */
	CLNT_ERROR,       /* transport or protocol error, no memory */
	CLNT_BADREPLY,    /* a reply that is not what was asked for */
};

/* A transport: one exchange of request text for reply text. */
struct clnt_transport {
	/* call - send req (len bytes), wait for the reply: on CLNT_OK
	 * *reply is malloc'd and NUL-terminated (*rlen bytes) */
	enum clnt_status (*call)(void *ctx, const char *req, size_t len,
	        char **reply, size_t *rlen, char *why, size_t whylen);
	/* send - send req without waiting for its reply; NULL: use call
	 * and drop the reply */
	enum clnt_status (*send)(void *ctx, const char *req, size_t len,
	        char *why, size_t whylen);
};

struct clnt {
	const struct clnt_transport *tp;
	void                        *ctx;
};

/* clnt_status_name - "ok", "unreachable", "timeout", "error",
 * "bad reply". */
const char *clnt_status_name(enum clnt_status st);

/*
 * clnt_policy - the decision for domain (normal form, docs/IPC.md
 * "policy"). CLNT_OK: d is filled (decision_clear it) and d->status says
 * ok, tempfail or error; otherwise d is empty and why says what happened.
 */
enum clnt_status clnt_policy(struct clnt *c, const char *domain,
        struct decision *d, char *why, size_t whylen);

/* clnt_prefetch - a policy request whose reply is not waited for. */
enum clnt_status clnt_prefetch(
        struct clnt *c, const char *domain, char *why, size_t whylen);

/*
 * clnt_result - send one TLSRPT result (RFC 8460 §4.3). CLNT_OK: *rec
 * says what the daemon did with it and why its why. A result that cannot
 * be encoded (a required member missing) is CLNT_ERROR.
 */
enum clnt_status clnt_result(struct clnt *c, const struct proto_result *r,
        enum proto_recorded *rec, char *why, size_t whylen);

/*
 * clnt_request - any other request (ping, stats, flush, report-*): its
 * reply text, as clnt_transport.call. For mxtlsctl, which prints it.
 */
enum clnt_status clnt_request(struct clnt *c, const struct proto_request *req,
        char **reply, size_t *rlen, char *why, size_t whylen);

/* clnt_raw - send request text as it is and return the reply text. */
enum clnt_status clnt_raw(struct clnt *c, const char *req, char **reply,
        size_t *rlen, char *why, size_t whylen);

#endif
