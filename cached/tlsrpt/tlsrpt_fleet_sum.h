/*
 * tlsrpt_fleet_sum.h - one TLS report for a whole fleet (issue 19, RFC 8460
 * §4): the per-host SNAPSHOT of a host's own counts of one UTC day and one
 * report domain (absolute counts, never increments: writing it again changes
 * nothing), its decoding, and the sum of every host's snapshot into the
 * day's reports, capped as the local store caps failure details.
 *
 * Pure: no I/O, no clock, no Redis. Snapshots come from other hosts through
 * Redis, so the decoder takes hostile input: anything malformed or foreign
 * (another day or domain, an unknown version) is refused with a reason and
 * never crashes (tests/fuzz/fuzz_tlsrpt_snapshot.c).
 *
 * Snapshot (JSON, docs/FLEET.md "TLSRPT"):
 *   {"v":1,"host":H,"seq":N,"day":D,"domain":R,"groups":[
 *     {"rua":[...], "policies":[{"pd":policy-domain,"pt":"sts"|"tlsa"|
 *       "no-policy-found","ps":PSTR,"mx":MX,"s":successes,"f":failures,
 *       "d":[{"rt":result-type,"sip","rip","mx","helo","ai","rc","n"}]}]}]}
 * PSTR and MX are the store's canonical JSON array texts (strings); "rt"
 * is an RFC 8460 §4.3 result type name; empty strings stand for absent
 * failure-detail members, as in the store. "seq" grows with every change
 * of the host's counts of that day and domain.
 */
#ifndef MXTLS_CACHED_TLSRPT_FLEET_SUM_H
#define MXTLS_CACHED_TLSRPT_FLEET_SUM_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "tlsrpt/tlsrpt_store.h"

#define TLSRPT_FLEET_VERSION  1
#define TLSRPT_FLEET_HOST_MAX 64
#define TLSRPT_FLEET_KEY_MAX  (DOMAIN_MAX + 256)

/* The Redis keys of one (day, report domain), prefix included (store.redis
 * .key_prefix). */
enum tlsrpt_fleet_key {
	TLSRPT_FLEET_SNAP,  /* hash: host id -> snapshot */
	TLSRPT_FLEET_LOCK,  /* string: "host token", with an expiry */
	TLSRPT_FLEET_FENCE, /* integer: the last fencing token given */
	TLSRPT_FLEET_BUILT, /* hash: token, reports, hosts, done:<uri> */
};

/* tlsrpt_fleet_key - the key kind of (day, domain) under prefix into buf:
 * PREFIX{rpt,rptlock,rptfence,rptbuilt}:YYYY-MM-DD:DOMAIN. 0, or -1 when
 * it does not fit. */
int tlsrpt_fleet_key(char *buf, size_t len, const char *prefix,
        enum tlsrpt_fleet_key kind, int64_t day, const char *domain);

/* tlsrpt_fleet_host_ok - 1 when s is a usable host id (1-64 bytes of
 * [A-Za-z0-9._-]), else 0. */
int tlsrpt_fleet_host_ok(const char *s);

/*
 * tlsrpt_fleet_report_id - the fleet's report-id of group index idx of
 * (day, domain): "YYYY-MM-DD.fleet<idx>.DOMAIN@SUBMITTER". The same on
 * every host of the fleet that shares tlsrpt.submitter, so a host that
 * takes a send over uses the same id (RFC 8460 §4.4 report-id).
 */
void tlsrpt_fleet_report_id(char *buf, size_t len, int64_t day,
        const char *domain, size_t idx, const char *submitter);

/* A decoded snapshot (tlsrpt_fleet_snap_decode): the parsed JSON, checked
 * member by member. */
struct tlsrpt_fleet_snap {
	char    host[TLSRPT_FLEET_HOST_MAX + 1];
	int64_t seq;
	int64_t day;
	char    domain[DOMAIN_MAX + 1];
	json_t *groups; /* owned */
};

/*
 * tlsrpt_fleet_snap_decode - check len bytes of text as a snapshot of
 * (day, domain): 0 and snap filled (free with tlsrpt_fleet_snap_clear),
 * or -1 with why (garbage, another version, day or domain, a count that
 * is negative or not an integer, an unknown type, a malformed array).
 */
int tlsrpt_fleet_snap_decode(const char *text, size_t len, int64_t day,
        const char *domain, struct tlsrpt_fleet_snap *snap, char *why,
        size_t whylen);

/* tlsrpt_fleet_snap_clear - free what snap owns. */
void tlsrpt_fleet_snap_clear(struct tlsrpt_fleet_snap *snap);

/* The sum of every host's snapshot of one (day, domain). */
struct tlsrpt_fleet_sum;

/* tlsrpt_fleet_sum_new - an empty sum for (day, domain) keeping at most
 * max_details failure details per policy. NULL on ENOMEM. */
struct tlsrpt_fleet_sum *tlsrpt_fleet_sum_new(
        int64_t day, const char *domain, int max_details);

/* tlsrpt_fleet_sum_free - NULL is allowed. */
void tlsrpt_fleet_sum_free(struct tlsrpt_fleet_sum *s);

/*
 * tlsrpt_fleet_sum_add - add one host's snapshot (len bytes of text).
 * A host is counted once: a second snapshot of a host replaces its first
 * when its seq is higher and is ignored otherwise, so a repeat changes
 * nothing. 0, or -1 with why when the snapshot is refused (nothing of it
 * is counted).
 */
int tlsrpt_fleet_sum_add(struct tlsrpt_fleet_sum *s, const char *text,
        size_t len, char *why, size_t whylen);

/* tlsrpt_fleet_sum_hosts - {"host": digest, ...} of the snapshots counted
 * (borrowed): the digest of the counts (tlsrpt_fleet_digest) tells a
 * host whether the report holds exactly its counts. */
const json_t *tlsrpt_fleet_sum_hosts(const struct tlsrpt_fleet_sum *s);

/* tlsrpt_fleet_sum_groups - {"host": groups, ...}: the counts of every
 * snapshot counted (borrowed), recorded with the report so that a host
 * can tell what of its counts the report holds. */
const json_t *tlsrpt_fleet_sum_groups(const struct tlsrpt_fleet_sum *s);

/* tlsrpt_fleet_digest - a digest (FNV-1a 64, hex) of a snapshot's groups
 * (its counts, not its seq) into buf (>= 17 bytes). */
void tlsrpt_fleet_digest(json_t *groups, char *buf, size_t len);

/* tlsrpt_fleet_snap_digest - the digest of a snapshot's text. 0, or -1
 * when it does not decode. */
int tlsrpt_fleet_snap_digest(const char *text, size_t len, int64_t day,
        const char *domain, char *buf, size_t buflen);

/*
 * tlsrpt_fleet_sum_render - the summed reports as a new JSON array of
 * {"domain","rua","report"}, one per rua set, in the store's order
 * (policies by policy-domain, type, policy-string, mx-host; details by
 * count, highest first, then every member), report-ids by
 * tlsrpt_fleet_report_id. Failure details beyond max_details per policy
 * are left out (their sessions stay in the summary counts, as locally).
 * NULL on ENOMEM.
 */
json_t *tlsrpt_fleet_sum_render(const struct tlsrpt_fleet_sum *s,
        const struct tlsrpt_report_meta *meta, const char *submitter);

#endif
