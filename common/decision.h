/*
 * decision.h - the "policy" reply of the mxtls IPC protocol (docs/IPC.md
 * "policy") as a typed value, and its one encoder and one decoder: the
 * daemon's arbiter fills a struct decision and encodes it; the Exim
 * module, the OpenSMTPD filter and mxtlsctl decode the reply into one.
 * The action vocabulary of the protocol (what an MTA does with an MX
 * host: RFC 8461 §5, RFC 7672 §2, RFC 7672 §2.2) is defined here and
 * nowhere else.
 *
 * The decoder reads untrusted bytes (fuzzed: tests/fuzz/fuzz_decision.c):
 * it fails only when the reply is not a JSON object with a known status;
 * every other member that is missing or of the wrong type is left absent
 * (NULL, 0, the enum's UNKNOWN/ABSENT), and the caller decides what that
 * means for it.
 */
#ifndef MXTLS_COMMON_DECISION_H
#define MXTLS_COMMON_DECISION_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

enum decision_status {
	DECISION_OK = 0,   /* the answer is known (maybe "no policy") */
	DECISION_TEMPFAIL, /* defer: never "no policy" */
	DECISION_ERROR,    /* the request was wrong; why says how */
};

/* What the sending MTA does with an MX host, in order of strictness:
 * an action above another asks more of the TLS session. */
enum decision_action {
	DECISION_ACT_UNKNOWN
	= 0,                  /* decoded: missing or not ours; never used */
	DECISION_ACT_SKIP,    /* MTA-STS enforce, host not allowed */
	DECISION_ACT_DEFER,   /* cannot be used now (lookup failure) */
	DECISION_ACT_MAY,     /* opportunistic TLS */
	DECISION_ACT_ENCRYPT, /* TLS mandatory, no authentication (RFC
	                         7672 §2.2: secure TLSA RRset, none
	                         usable) */
	DECISION_ACT_VERIFY,  /* MTA-STS enforce: WebPKI and name check */
	DECISION_ACT_DANE,    /* authenticate with the TLSA records */
};

/* How a host relates to the MTA-STS policy ("sts" of a host). */
enum decision_sts {
	DECISION_STS_NONE = 0, /* no MTA-STS policy governs the host */
	DECISION_STS_MATCH,
	DECISION_STS_NOMATCH,
	DECISION_STS_UNKNOWN, /* decoded: missing or not ours */
};

/* "policy": what governs the domain. */
enum decision_policy {
	DECISION_POLICY_NONE = 0,
	DECISION_POLICY_STS,
	DECISION_POLICY_DANE,
	DECISION_POLICY_UNKNOWN, /* decoded: missing or not ours */
};

/* "mode" of the MTA-STS policy (RFC 8461 §5). */
enum decision_mode {
	DECISION_MODE_ABSENT = 0, /* no MTA-STS policy in the reply */
	DECISION_MODE_ENFORCE,
	DECISION_MODE_TESTING,
	DECISION_MODE_NONE,
	DECISION_MODE_UNKNOWN, /* decoded: not a mode we know */
};

/* "tlsrpt": the domain's TLS reporting record (RFC 8460 §3). */
enum decision_tlsrpt {
	DECISION_TLSRPT_FOUND = 0,
	DECISION_TLSRPT_NONE,
	DECISION_TLSRPT_TEMPFAIL,
	DECISION_TLSRPT_UNKNOWN, /* decoded: missing or not ours */
};

struct decision_tlsa {
	long long usage, selector, mtype;
	char     *data; /* lower-case hex */
};

/*
 * struct decision_override - a local override that shaped the reply
 * ("override" of the reply and of a host; docs/IPC.md, docs/DECISIONS.md
 * "Local overrides"). action NULL: none. The action word is the daemon's
 * ("none", "testing", "no-dane", "no-sts", "defer"), kept as sent.
 */
struct decision_override {
	char   *target; /* "example.com" or "mx:HOST" */
	char   *action;
	int64_t until; /* Unix seconds */
	char   *reason;
	char   *source; /* "config" or "cli" */
};

struct decision_host {
	char                    *host; /* lower case; NULL when missing */
	long long                pref;
	enum decision_action     action;
	char                    *dane; /* "usable", "unusable", "none", ... */
	enum decision_sts        sts;
	struct decision_tlsa    *tlsa;
	size_t                   ntlsa;
	char                    *tlsa_name; /* NULL: not in the reply */
	struct decision_override override;  /* an mx: override */
	char                    *why;
};

/*
 * struct decision - every member of a "policy" reply. Strings are owned
 * (decision_clear frees them); NULL means the member is not in the reply.
 */
struct decision {
	enum decision_status status;
	char                *domain;
	enum decision_policy policy;
	/* MTA-STS: has_policy - "mode", "mx", "policy_id", "max_age",
	 * "fetched"; has_sts - "source" and "expires" (the answer is known,
	 * with or without a policy) */
	int                      has_policy;
	enum decision_mode       mode;
	char                   **mx;
	size_t                   nmx;
	char                    *policy_id;
	int64_t                  max_age;
	int64_t                  fetched;
	int                      has_sts;
	char                    *source;
	int64_t                  expires;
	char                    *mx_status; /* NULL: no DANE result */
	char                    *dane_why;
	int                      has_hosts; /* "hosts" is an array */
	struct decision_host    *hosts;
	size_t                   nhosts;
	int                      has_tlsrpt;
	enum decision_tlsrpt     tlsrpt;
	char                   **rua; /* FOUND */
	size_t                   nrua;
	char                    *tlsrpt_why;
	struct decision_override override; /* a domain override */
	char                    *why;
};

/* decision_action_name - "dane", "verify", "encrypt", "may", "skip",
 * "defer"; "unknown" for DECISION_ACT_UNKNOWN. */
const char *decision_action_name(enum decision_action a);

/* decision_action_of - the action named s (NULL ok): DECISION_ACT_UNKNOWN
 * when s is none of the protocol's words. */
enum decision_action decision_action_of(const char *s);

/* decision_*_name - the protocol's words ("unknown" for UNKNOWN, "" for
 * DECISION_MODE_ABSENT). */
const char *decision_status_name(enum decision_status s);
const char *decision_sts_name(enum decision_sts m);
const char *decision_policy_name(enum decision_policy p);
const char *decision_mode_name(enum decision_mode m);
const char *decision_tlsrpt_name(enum decision_tlsrpt t);

/* decision_init - an empty decision (status ok, nothing present). */
void decision_init(struct decision *d);

/* decision_clear - free what d owns; d is then empty (decision_init). */
void decision_clear(struct decision *d);

/* decision_strdup - *dst = a copy of s (s NULL: NULL); -1 when out of
 * memory. For filling a decision. */
int decision_strdup(char **dst, const char *s);

/*
 * decision_host_add - append an empty host to d; NULL when out of memory.
 */
struct decision_host *decision_host_add(struct decision *d);

/*
 * decision_encode - the reply object of the "policy" op (new reference;
 * NULL when out of memory), members in the order of docs/IPC.md: v,
 * domain, status, policy, MTA-STS members, mx_status, dane_why, hosts,
 * tlsrpt, override, why (a host: ..., tlsa_name, override, why). Members d
 * does not have (NULL, has_* 0, policy UNKNOWN) are left out, so that a
 * decoded reply encodes as it came.
 */
json_t *decision_encode(const struct decision *d);

/*
 * decision_decode - read a "policy" reply (len bytes, any content) into
 * d (which it initialises; decision_clear it after, whatever the
 * result). Returns 0 when the reply is a JSON object whose "status" is
 * ok, tempfail or error; -1 with a one-line reason in why otherwise (or
 * when out of memory).
 */
int decision_decode(const char *text, size_t len, struct decision *d,
        char *why, size_t whylen);

/*
 * decision_best - the strictest action among d's hosts, at least
 * DECISION_ACT_MAY (hosts that are skipped, deferred or unknown are not
 * used and do not count).
 */
enum decision_action decision_best(const struct decision *d);

#endif
