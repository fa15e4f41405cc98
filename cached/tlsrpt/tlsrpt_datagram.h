/*
 * tlsrpt_datagram.h - the TLSRPT datagram collector: a Unix DATAGRAM socket
 * (tlsrpt.datagram_socket) receiving what Postfix 3.10+ sends through
 * libtlsrpt (sys4), one JSON datagram per delivery request:
 *
 *   {"dpv":"1","d":DOMAIN,"pr":TLSRPT-RECORD,"policies":[{"policy-type":
 *    1|2|9,"policy-domain":D?,"policy-string":[..]?,"mx-host":[..]?,
 *    "failure-details":[{"c":CODE,"s":IP?,"n":MX?,"h":HELO?,"r":IP?,
 *    "a":TEXT?,"f":TEXT?}]?,"t":N,"f":0|1}]}
 *
 * policy-type 1 tlsa, 2 sts, 9 no-policy-found; "f" 0 success, 1 failure;
 * failure codes 201-205, 301-306 map to the RFC 8460 §4.3 result types.
 * Each policy of a datagram counts one session towards that policy (as the
 * sys4 collector does). "pr" is parsed (RFC 8460 §3) but never trusted:
 * any member of the socket's group can send a datagram, so the reports go
 * to the domain's own record as the daemon looked it up (its TLSRPT memo,
 * tlsrpt_lookup.c, looked up on the loop when not known), as for the IPC
 * "result" op. A datagram whose "pr" names other destinations is counted
 * under the daemon's record (tlsrpt_datagrams_rua_replaced); one for a
 * domain without a record of its own, or whose record cannot be looked up
 * now, is not counted (tlsrpt_datagrams_unreported; docs/DECISIONS.md
 * T15). A missing policy-domain
 * (libtlsrpt omits it for no-policy-found) is taken from "d", so our
 * reports always carry it.
 *
 * The parser is pure and fuzzed (tests/fuzz/fuzz_tlsrpt_datagram.c).
 * Datagrams are fire-and-forget: invalid ones are logged and counted.
 */
#ifndef MXTLS_CACHED_TLSRPT_DATAGRAM_H
#define MXTLS_CACHED_TLSRPT_DATAGRAM_H

#include <stddef.h>

#include "tlsrpt/tlsrpt_lookup.h"
#include "tlsrpt/tlsrpt_result.h"

#define TLSRPT_DATAGRAM_MAX          65536 /* larger datagrams: refused */
#define TLSRPT_DATAGRAM_MAX_POLICIES 8

struct event_base;
struct tlsrpt_datagram;

/*
 * tlsrpt_datagram_parse - parse one datagram of len bytes into *obs (an
 * array of *nobs observations, malloc'd; free with
 * tlsrpt_datagram_free_obs). 0, or -1 with a one-line reason.
 */
int tlsrpt_datagram_parse(const void *buf, size_t len, struct tlsrpt_obs **obs,
        size_t *nobs, char *why, size_t whylen);

/* tlsrpt_datagram_free_obs - free what tlsrpt_datagram_parse returned. */
void tlsrpt_datagram_free_obs(struct tlsrpt_obs *obs, size_t nobs);

/*
 * tlsrpt_datagram_apply - give the nobs observations of one datagram (one
 * domain) the daemon's own answer a for that domain's TLSRPT record: 0
 * their rua was the record's already, 1 the datagram's "pr" named other
 * destinations and they now carry the record's (why says which), -1 not
 * to be counted (no record of its own, a temporary failure, out of
 * memory) with why.
 */
int tlsrpt_datagram_apply(struct tlsrpt_obs *obs, size_t nobs,
        const struct tlsrpt_answer *a, char *why, size_t whylen);

/* tlsrpt_datagram_sink - take one observation; 0 stored, -1 with why. */
typedef int (*tlsrpt_datagram_sink)(
        void *arg, const struct tlsrpt_obs *obs, char *why, size_t whylen);

/* tlsrpt_datagram_counters - what the collector saw. */
struct tlsrpt_datagram_counters {
	unsigned long received;
	unsigned long invalid;
	unsigned long store_failed;
	unsigned long rua_replaced; /* "pr" not the domain's record */
	unsigned long unreported;   /* no record of its own / lookup failed */
};

/*
 * tlsrpt_datagram_open - bind path (an existing socket file is replaced)
 * with file mode and feed every valid datagram to sink on base. NULL and
 * why on failure.
 */
struct tlsrpt_datagram *tlsrpt_datagram_open(struct event_base *base,
        const char *path, int mode, tlsrpt_datagram_sink sink, void *arg,
        char *why, size_t whylen);

/* tlsrpt_datagram_set_sink - feed datagrams to sink from now on: the
 * socket is bound before the privilege drop (sink NULL: datagrams wait in
 * the socket), the scheduler that stores them comes later. */
void tlsrpt_datagram_set_sink(
        struct tlsrpt_datagram *d, tlsrpt_datagram_sink sink, void *arg);

/* tlsrpt_datagram_set_lookup - the daemon's TLSRPT record lookups (not
 * owned; must outlive d, or d closed first). Until it is set, datagrams
 * are not counted. */
void tlsrpt_datagram_set_lookup(
        struct tlsrpt_datagram *d, struct tlsrpt_lookup *lookup);

/* tlsrpt_datagram_counters_get - the counters (owned by d). */
const struct tlsrpt_datagram_counters *tlsrpt_datagram_counters_get(
        const struct tlsrpt_datagram *d);

/* tlsrpt_datagram_close - stop, unlink the socket file and free; NULL ok. */
void tlsrpt_datagram_close(struct tlsrpt_datagram *d);

#endif
