/*
 * metrics.h - the daemon's Prometheus metrics (docs/METRICS.md): one table
 * of metric families (name, help, type, at most two labels, each with a
 * fixed list of values), counted with C11 atomics from any thread without
 * a lock, and written in the Prometheus text exposition format (version
 * 0.0.4) by metrics_render.
 *
 * Every label value is an index into its label's fixed list, so a family
 * has a fixed number of series, all allocated once (metrics_init) and all
 * exposed from the start (at 0). Gauges and counters whose value lives
 * elsewhere (cache entries, the answer cache's hit counts) are read at
 * render time through a callback, on the thread that renders (the loop).
 *
 * A registry (struct metrics_reg) holds the cells of one table; the daemon
 * has one, the global registry (metrics_init with metrics_table), which the
 * short functions (metrics_inc, metrics_observe, ...) count into. Unit tests
 * make their own registries of their own tables.
 */
#ifndef MXTLS_CACHED_METRICS_H
#define MXTLS_CACHED_METRICS_H

#include <stddef.h>
#include <stdint.h>

enum metrics_type {
	METRICS_COUNTER = 0,
	METRICS_GAUGE,
	METRICS_HISTOGRAM,
};

#define METRICS_MAX_LABELS 2

/* One family. label[i] NULL: fewer labels; values[i] is a NULL-ended
 * list. buckets: the histogram's upper bounds, ascending, without +Inf
 * (nbuckets of them). The counter's name is written with "_total". */
struct metrics_def {
	const char        *name;
	const char        *help;
	enum metrics_type  type;
	const char        *label[METRICS_MAX_LABELS];
	const char *const *values[METRICS_MAX_LABELS];
	const double      *buckets;
	size_t             nbuckets;
};

/* metrics_fn - the value of series (l0, l1) of a callback family, read at
 * render time. */
typedef double (*metrics_fn)(void *arg, int l0, int l1);

struct metrics_reg;

/* metrics_reg_new - a registry with every series of the n families of
 * defs at 0 (defs is kept). NULL on a malformed table (a histogram
 * without buckets, unsorted buckets). */
struct metrics_reg *metrics_reg_new(const struct metrics_def *defs, size_t n);
void                metrics_reg_free(struct metrics_reg *r);

/* metrics_reg_add - counter or gauge family id, series (l0, l1): += n
 * (a gauge may go down: n negative). Any thread; out-of-range ids or
 * label indexes are ignored. */
void metrics_reg_add(struct metrics_reg *r, int id, int l0, int l1, int64_t n);

/* metrics_reg_set - gauge family id, series (l0, l1) = v. */
void metrics_reg_set(struct metrics_reg *r, int id, int l0, int l1, int64_t v);

/* metrics_reg_observe - histogram family id, series (l0, l1): one
 * observation of v (seconds; kept to the microsecond in the sum). */
void metrics_reg_observe(
        struct metrics_reg *r, int id, int l0, int l1, double v);

/* metrics_reg_fn - family id (counter or gauge) is read through fn at
 * render time instead of from its cells. Before rendering starts. */
void metrics_reg_fn(struct metrics_reg *r, int id, metrics_fn fn, void *arg);

/* metrics_reg_value - series (l0, l1) of a counter or gauge (its cell,
 * not a callback); for a histogram its count. For tests. */
int64_t metrics_reg_value(const struct metrics_reg *r, int id, int l0, int l1);

/* metrics_reg_render - the text exposition of every family (malloc'd,
 * NUL-ended, *len bytes). */
char *metrics_reg_render(const struct metrics_reg *r, size_t *len);

/* metrics_escape_label - s as a label value between double quotes: \\,
 * \" and \n escaped; written to out (at most outlen bytes with the NUL,
 * truncated at a whole character). Returns the length written. */
size_t metrics_escape_label(const char *s, char *out, size_t outlen);

/* ---- the daemon's metrics (docs/METRICS.md) --------------------------- */

enum metrics_id {
	M_LOOKUPS = 0,          /* {door, answer} */
	M_LOOKUP_SECONDS,       /* {door} histogram */
	M_CACHE_ENTRIES,        /* {cache} gauge (fn) */
	M_CACHE_HITS,           /* {cache} (fn) */
	M_CACHE_MISSES,         /* {cache} (fn) */
	M_CACHE_EVICTIONS,      /* {cache} (fn) */
	M_DNS_LOOKUPS,          /* {outcome} */
	M_POLICY_FETCHES,       /* {result} */
	M_POLICY_FETCH_SECONDS, /* histogram */
	M_POLICY_CHANGES,       /* {event} */
	M_TLSRPT_RESULTS,       /* {result} */
	M_TLSRPT_RESULTS_MTA,   /* {mta} */
	M_TLSRPT_REPORTS,       /* reports built */
	M_TLSRPT_DELIVERIES,    /* {transport, outcome} */
	M_OVERRIDES_APPLIED,    /* {action}, fed by the overrides */
	M_OVERRIDES_ACTIVE,     /* gauge, fed by the overrides */
	M_REFRESH_STARTED,      /* fed by the refresh timer */
	M_REFRESHES,            /* {result}, fed by the refresh timer */
	M_REFRESH_DELAYED,      /* fed by the refresh timer */
	M_READY,                /* gauge (fn) */
	M_STORE_OPEN,           /* gauge (fn) */
	M_UPTIME,               /* gauge (fn) */
	M__COUNT
};

/* label values, in the order of their lists in metrics.c */
enum metrics_door { MD_SOCKETMAP = 0, MD_IPC, MD_DIRECT, MD__COUNT };
enum metrics_answer {
	MA_DANE = 0,
	MA_DANE_ONLY,
	MA_SECURE,
	MA_ENCRYPT,
	MA_TESTING,
	MA_NONE,
	MA_TEMPFAIL,
	MA_ERROR,
};
enum metrics_cache { MC_ANSWER = 0, MC_POLICY };
enum metrics_dns {
	MDNS_SECURE = 0,
	MDNS_INSECURE,
	MDNS_BOGUS,
	MDNS_SERVFAIL,
	MDNS_TIMEOUT,
};
enum metrics_fetch {
	MF_OK = 0,
	MF_HTTP_STATUS,
	MF_MEDIA_TYPE,
	MF_SIZE,
	MF_TLS,
	MF_TIMEOUT,
	MF_CONNECT,
	MF_INVALID,
	MF_REFUSED,
	MF_ERROR,
};
enum metrics_change {
	MCH_NEW_ID = 0,
	MCH_DOWNGRADE_TESTING,
	MCH_DOWNGRADE_NONE,
	MCH_REMOVED,
};
/* MTLSRPT result values: tlsrpt_rtype's order (success first), then
 * "other". */
enum metrics_mta { MM_EXIM = 0, MM_OPENSMTPD, MM_POSTFIX, MM_OTHER };
enum metrics_transport { MT_HTTPS = 0, MT_SMTP, MT_SENDMAIL };
enum metrics_delivery { MDL_SENT = 0, MDL_RETRIED, MDL_GIVEN_UP };
enum metrics_override {
	MO_NONE = 0,
	MO_TESTING,
	MO_NO_DANE,
	MO_NO_STS,
	MO_DEFER,
};
enum metrics_refresh { MR_CHANGED = 0, MR_UNCHANGED, MR_FAILED };

extern const struct metrics_def metrics_table[M__COUNT];

/* metrics_init - the global registry of metrics_table (idempotent);
 * metrics_fini frees it. Before any thread counts. */
void metrics_init(void);
void metrics_fini(void);

/* metrics_global - the global registry (NULL before metrics_init). */
struct metrics_reg *metrics_global(void);

/* The global registry's short forms; before metrics_init they do
 * nothing. */
void metrics_inc(int id, int l0, int l1);
void metrics_add(int id, int l0, int l1, int64_t n);
void metrics_observe(int id, int l0, int l1, double v);

/* metrics_mta - the "mta" label of a result request's "mta" member. */
int metrics_mta(const char *mta);

/* metrics_now - a monotonic clock in seconds, for durations. */
double metrics_now(void);

#endif
