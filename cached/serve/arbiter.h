/*
 * arbiter.h - the final per-domain, per-MX decision: DANE where usable,
 * MTA-STS for the other hosts, opportunistic TLS otherwise (RFC 8461 §2,
 * RFC 7672 §2; docs/DECISIONS.md "Arbitration"). Pure: it only combines
 * the answers of the MTA-STS resolver, the DANE resolver and the TLSRPT
 * lookup into the "policy" decision (common/decision.h), encoded by
 * decision_encode into the reply of the "policy" op (docs/IPC.md).
 */
#ifndef MXTLS_CACHED_ARBITER_H
#define MXTLS_CACHED_ARBITER_H

#include <stdint.h>

#include <jansson.h>

#include "dane/dane.h"
#include "decision.h"
#include "serve/override.h"
#include "sts/preload.h"
#include "sts/sts_policy.h"
#include "sts/sts_resolver.h"
#include "tlsrpt/tlsrpt_lookup.h"

/* struct arbiter_sts - a copy of an MTA-STS answer that outlives it. */
struct arbiter_sts {
	enum sts_answer_status status;
	int                    has_policy;
	struct sts_policy      policy; /* owned */
	char                   id[33];
	enum sts_source        source;
	int64_t                fetched;
	int64_t                expires;
	char                   why[512];
};

/* struct arbiter_tlsrpt - a copy of a TLSRPT answer that outlives it. */
struct arbiter_tlsrpt {
	enum tlsrpt_lookup_status status;
	struct tlsrpt_record      rec; /* owned; FOUND only */
	char                      why[256];
};

/* arbiter_sts_copy / arbiter_tlsrpt_copy - fill dst from a callback's
 * answer (0, or -1 when out of memory). */
int arbiter_sts_copy(struct arbiter_sts *dst, const struct sts_answer *a);
int arbiter_tlsrpt_copy(
        struct arbiter_tlsrpt *dst, const struct tlsrpt_answer *a);

/*
 * arbiter_apply_preload - when sts holds no live policy (status ok, no
 * policy) and the domain is on the preload list (entry e, list times
 * expires/timestamp), apply rule (preload.no_live_policy): "enforce" (the
 * entry becomes the policy: its mode and patterns, ".d" patterns spelled
 * "*.d"), "testing" (the same as a testing policy), "tempfail" (an enforce
 * entry defers), "ignore". Returns 1 when sts changed, 0 when not, -1 when
 * out of memory. A live or cached policy is never overridden.
 */
int arbiter_apply_preload(struct arbiter_sts *sts,
        const struct preload_entry *e, const char *rule, int64_t expires,
        int64_t timestamp);

/* arbiter_sts_clear / arbiter_tlsrpt_clear - free what the copies own. */
void arbiter_sts_clear(struct arbiter_sts *s);
void arbiter_tlsrpt_clear(struct arbiter_tlsrpt *t);

/*
 * arbiter_host - the action (the protocol's vocabulary, common/decision.h)
 * for one MX host given its DANE state and the
 * domain's MTA-STS answer; *match says how the host relates to the policy,
 * why (whylen bytes) the reason. Rules, in order: DANE lookup failure →
 * defer; usable DANE → dane; MTA-STS unknown (tempfail) → defer; enforce →
 * verify when the host matches, else skip; secure but unusable TLSA →
 * encrypt; otherwise (testing, none, no policy) → may.
 */
enum decision_action arbiter_host(const struct dane_host *h,
        const struct arbiter_sts *sts, enum decision_sts *match, char *why,
        size_t whylen);

#define ARBITER_MAX_OVERRIDES 16

/* struct arbiter_overrides - the local overrides a reply was made under:
 * the distinct rules (at most ARBITER_MAX_OVERRIDES are listed) and the
 * earliest until among them (INT64_MAX: none), which bounds the reply's
 * life in the answer cache. */
struct arbiter_overrides {
	const struct override_rule *rule[ARBITER_MAX_OVERRIDES];
	size_t                      n;
	int64_t                     until;
};

/*
 * arbiter_decide - the full reply object of the "policy" op for domain
 * (new reference; decision_encode of the decision). dane and tlsrpt may be
 * NULL when unavailable. ovt (NULL: none) holds the local overrides, taken
 * as they stand at now (docs/DECISIONS.md "Local overrides"): a domain
 * rule for domain, and an mx: rule per MX host, which wins over the
 * domain rule for its host. The MTA-STS members of the reply (mode, mx,
 * policy_id, ...) stay the policy the domain publishes (TLSRPT reports
 * under it); the overrides change the host actions, "policy", the
 * status (defer) and add "override" members. ov (may be NULL) gets the
 * rules applied.
 */
json_t *arbiter_decide(const char *domain, const struct arbiter_sts *sts,
        const struct dane_result *dane, const struct arbiter_tlsrpt *tlsrpt,
        const struct override_table *ovt, int64_t now,
        struct arbiter_overrides *ov);

#endif
