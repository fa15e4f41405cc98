/*
 * tlsrpt_lookup.h - a destination domain's SMTP TLS Reporting record
 * (_smtp._tls.<domain> TXT, RFC 8460 §3), looked up on the loop and
 * memoised for its TTL (bounded by tlsrpt.max_ttl). Found / none / tempfail
 * are kept apart; a tempfail is never memoised.
 */
#ifndef MXTLS_CACHED_TLSRPT_LOOKUP_H
#define MXTLS_CACHED_TLSRPT_LOOKUP_H

#include <stdint.h>

#include "tlsrpt/tlsrpt_record.h"

struct event_base;
struct conf;
struct dns;
struct stats;
struct tlsrpt_lookup;

enum tlsrpt_lookup_status {
	TLSRPT_LOOKUP_FOUND = 0, /* a usable record: rec is filled */
	TLSRPT_LOOKUP_NONE,      /* no record, or not exactly one valid */
	TLSRPT_LOOKUP_TEMPFAIL,  /* DNS failure or DNSSEC bogus */
};

struct tlsrpt_answer {
	enum tlsrpt_lookup_status   status;
	const struct tlsrpt_record *rec; /* FOUND only; valid during the
	                                    callback */
	int64_t expires; /* until when this answer is memoised (0: not) */
	char    why[256];
};

typedef void (*tlsrpt_lookup_cb)(void *arg, const struct tlsrpt_answer *a);

struct memo;

/* tlsrpt_lookup_create - lookups using dns (not owned), the entries kept
 * in memo's MEMO_TLSRPT slot (shared with the other per-domain memos,
 * memo.h; memo must outlive t). */
struct tlsrpt_lookup *tlsrpt_lookup_create(struct event_base *base,
        const struct conf *conf, struct dns *dns, struct stats *stats,
        struct memo *memo);

/* tlsrpt_lookup_free - drop memo and pending work, without callbacks. */
void tlsrpt_lookup_free(struct tlsrpt_lookup *t);

/* tlsrpt_lookup_start - the callback runs exactly once, synchronously on a
 * memo hit, else later from the loop. */
void tlsrpt_lookup_start(struct tlsrpt_lookup *t, const char *domain,
        tlsrpt_lookup_cb cb, void *arg);

struct change_hook;

/* tlsrpt_lookup_set_change - call h (copied) whenever a domain's memo
 * changed (cached/util/change.h). */
void tlsrpt_lookup_set_change(
        struct tlsrpt_lookup *t, const struct change_hook *h);

/* tlsrpt_lookup_flush - forget domain (NULL: all). */
void tlsrpt_lookup_flush(struct tlsrpt_lookup *t, const char *domain);

/* tlsrpt_lookup_status_name - "found", "none", "tempfail". */
const char *tlsrpt_lookup_status_name(enum tlsrpt_lookup_status s);

#endif
