/*
 * exim_reply.h - the Exim module's reading of mxtlsd's replies (docs/IPC.md):
 * a "policy" reply (decoded by common/decision.c) becomes the routing word
 * and the per-MX-host actions. Pure functions
 * (no I/O, no globals, no Exim headers), so the unit test and the fuzz
 * target link the same code as mxtls_exim.so. Everything returned lives in
 * the caller's structures; nothing is allocated that outlives a call.
 * RFC 8461 §5 (policy application), RFC 7672 §2 (DANE), RFC 8460 §4.3.
 */
#ifndef MXTLS_EXIM_REPLY_H
#define MXTLS_EXIM_REPLY_H

#include <stddef.h>

#include "decision.h"
#include "domain.h"

#define EXIM_REPLY_MAX_HOSTS 32  /* hosts beyond this are not kept */
#define EXIM_REPLY_WHY       256 /* why texts are cut to this (with NUL) */

/* The daemon's answer as a whole. */
enum exim_reply_status {
	EXIM_REPLY_OK = 0,   /* a usable policy answer */
	EXIM_REPLY_TEMPFAIL, /* "tempfail": defer the domain */
	EXIM_REPLY_ERROR     /* "error", an unknown status, or unreadable */
};

struct exim_reply_host {
	char                 host[DOMAIN_MAX + 1]; /* lower case */
	enum decision_action action;               /* common/decision.h */
	char                 why[EXIM_REPLY_WHY];
};

struct exim_reply_policy {
	enum exim_reply_status status;
	/* the routing word: "dane", "verify", "encrypt", "may",
	 * "testing" (MTA-STS testing, or a local override "testing", and
	 * no host stricter than may) or "nodane" (may under a local
	 * override that ignores DANE: none, no-dane) */
	const char *word;
	int         testing; /* policy "sts", mode "testing" */
	char        why[EXIM_REPLY_WHY];
	size_t      nhosts;
	size_t      dropped; /* hosts not kept (malformed, over cap) */
	struct exim_reply_host hosts[EXIM_REPLY_MAX_HOSTS];
};

/*
 * exim_reply_policy_parse - read a "policy" reply (len bytes, any content;
 * decoded by common/decision.c). Never fails: an unreadable reply, a
 * missing or mistyped "status" or "hosts" give EXIM_REPLY_ERROR with a
 * why. Host entries without a string "host" are dropped; an action that
 * is missing, mistyped or unknown is DECISION_ACT_UNKNOWN (the host is not
 * used).
 */
void exim_reply_policy_parse(
        const char *text, size_t len, struct exim_reply_policy *out);

/*
 * exim_reply_policy_of - the same from a decoded decision (d->status
 * ok, tempfail or error; hosts normalised and capped here).
 */
void exim_reply_policy_of(
        const struct decision *d, struct exim_reply_policy *out);

/* exim_reply_host - the entry for host (normal form) or NULL. */
const struct exim_reply_host *exim_reply_host(
        const struct exim_reply_policy *p, const char *host);

/* exim_reply_word_rank - 4 dane, 3 verify, 2 encrypt, 1 may/testing/nodane. */
int exim_reply_word_rank(const char *word);

/*
 * exim_reply_route_ptype - the RFC 8460 policy-type of the sessions of a
 * delivery routed with $address_data route (configs/exim/routers.conf):
 * what the chosen transport applies to every MX host of the domain.
 * "dane" (remote_smtp_dane: Exim's own DANE) "tlsa"; "verify", "testing"
 * (the MTA-STS transports) "sts"; "encrypt", "may" and "tls-required-no"
 * (no policy applied) "no-policy-found"; NULL for anything else (not our
 * router: the daemon then uses its own decision).
 */
const char *exim_reply_route_ptype(const char *route);

#endif
