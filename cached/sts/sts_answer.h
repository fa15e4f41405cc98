/*
 * sts_answer.h - the answer of an MTA-STS lookup (RFC 8461 §5: a policy,
 * none, or a temporary failure) and the callback that receives it: what
 * sts_resolver.h gives its callers and sts_entry.c builds. sts_resolver.h
 * includes this header.
 */
#ifndef MXTLS_CACHED_STS_ANSWER_H
#define MXTLS_CACHED_STS_ANSWER_H

#include <stdint.h>

#include "sts/sts_policy.h"

enum sts_answer_status {
	STS_ANSWER_OK = 0,   /* has_policy says whether there is a policy */
	STS_ANSWER_TEMPFAIL, /* could not find out now; try again later */
};

enum sts_source {
	STS_SOURCE_FETCHED = 0, /* fetched for this lookup */
	STS_SOURCE_CACHE,       /* from memory */
	STS_SOURCE_STORE,       /* loaded from the store after a restart */
	STS_SOURCE_PRELOAD,     /* no live policy: the preload list's entry */
};

struct sts_answer {
	enum sts_answer_status   status;
	int                      has_policy;
	const struct sts_policy *policy; /* has_policy only; valid during the
	                                    callback (may point to pol) */
	const char     *id;              /* the policy's TXT id */
	enum sts_source source;
	int64_t         fetched; /* has_policy only */
	int64_t         expires; /* policy expiry, or until when a
	                            "no policy" answer is cached */
	int64_t valid_until;     /* until when this same answer would be
	                            given without new work (0: work is in
	                            flight or just ended; answer_cache.h) */
	char              why[512];
	struct sts_policy pol; /* where policy may point; not owned */
};

/* sts_resolver_cb - receives the answer, on the loop thread. */
typedef void (*sts_resolver_cb)(void *arg, const struct sts_answer *ans);

/* sts_source_name - "fetched", "cache", "store", "preload". */
const char *sts_source_name(enum sts_source source);

#endif
