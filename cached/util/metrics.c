/*
 * metrics.c - the metrics registry and its text exposition (see
 * metrics.h; the format: Prometheus "Exposition formats", text 0.0.4).
 *
 * Cells are 64-bit atomics counted with relaxed order: a scrape sees each
 * cell's latest value, not a snapshot of all of them at one instant. A
 * histogram series is nbuckets + 2 cells: one per bucket (not cumulative:
 * an observation adds to one cell only), one over the last bound, and the
 * sum in microseconds. Its _bucket lines are the running sums of the cells
 * read once, and _count is their total, so +Inf and _count always agree.
 */
#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/metrics.h"
#include "util/xalloc.h"

struct metrics_fam {
	size_t     nv[METRICS_MAX_LABELS]; /* values per label (1 if none) */
	size_t     cells;                  /* cells per series */
	size_t     off;                    /* first cell */
	metrics_fn fn;
	void      *arg;
};

struct metrics_reg {
	const struct metrics_def *defs;
	size_t                    n;
	struct metrics_fam       *fam;
	_Atomic int64_t          *cell;
};

static size_t
count_values(const char *const *v)
{
	size_t n = 0;

	while (v != NULL && v[n] != NULL) {
		n++;
	}
	return (n);
}

struct metrics_reg *
metrics_reg_new(const struct metrics_def *defs, size_t n)
{
	struct metrics_reg *r = xcalloc(1, sizeof(*r));
	size_t              i, j, total = 0;

	r->defs = defs;
	r->n    = n;
	r->fam  = xcalloc(n > 0 ? n : 1, sizeof(*r->fam));
	for (i = 0; i < n; i++) {
		const struct metrics_def *d      = &defs[i];
		struct metrics_fam       *f      = &r->fam[i];
		size_t                    series = 1;

		if (d->name == NULL || d->help == NULL) {
			goto bad; /* a hole in the table */
		}
		for (j = 0; j < METRICS_MAX_LABELS; j++) {
			f->nv[j] = 1;
			if (d->label[j] != NULL) {
				f->nv[j] = count_values(d->values[j]);
				if (f->nv[j] == 0) {
					goto bad;
				}
			}
			series *= f->nv[j];
		}
		f->cells = 1;
		if (d->type == METRICS_HISTOGRAM) {
			if (d->nbuckets == 0 || d->buckets == NULL) {
				goto bad;
			}
			for (j = 1; j < d->nbuckets; j++) {
				if (!(d->buckets[j - 1] < d->buckets[j])) {
					goto bad;
				}
			}
			f->cells = d->nbuckets + 2;
		}
		f->off = total;
		total += series * f->cells;
	}
	r->cell = xcalloc(total > 0 ? total : 1, sizeof(*r->cell));
	for (i = 0; i < total; i++) {
		atomic_init(&r->cell[i], 0);
	}
	return (r);
bad:
	free(r->fam);
	free(r);
	return (NULL);
}

void
metrics_reg_free(struct metrics_reg *r)
{
	if (r == NULL) {
		return;
	}
	free(r->cell);
	free(r->fam);
	free(r);
}

/* series - the first cell of series (l0, l1) of family id, or NULL. */
static _Atomic int64_t *
series(const struct metrics_reg *r, int id, int l0, int l1)
{
	const struct metrics_fam *f;

	if (r == NULL || id < 0 || (size_t)id >= r->n) {
		return (NULL);
	}
	f = &r->fam[id];
	if (l0 < 0 || l1 < 0 || (size_t)l0 >= f->nv[0]
	        || (size_t)l1 >= f->nv[1]) {
		return (NULL);
	}
	return (&r->cell[f->off
	        + ((size_t)l0 * f->nv[1] + (size_t)l1) * f->cells]);
}

void
metrics_reg_add(struct metrics_reg *r, int id, int l0, int l1, int64_t n)
{
	_Atomic int64_t *c = series(r, id, l0, l1);

	if (c != NULL && r->defs[id].type != METRICS_HISTOGRAM) {
		atomic_fetch_add_explicit(c, n, memory_order_relaxed);
	}
}

void
metrics_reg_set(struct metrics_reg *r, int id, int l0, int l1, int64_t v)
{
	_Atomic int64_t *c = series(r, id, l0, l1);

	if (c != NULL && r->defs[id].type == METRICS_GAUGE) {
		atomic_store_explicit(c, v, memory_order_relaxed);
	}
}

void
metrics_reg_observe(struct metrics_reg *r, int id, int l0, int l1, double v)
{
	_Atomic int64_t          *c = series(r, id, l0, l1);
	const struct metrics_def *d;
	size_t                    b;

	if (c == NULL || r->defs[id].type != METRICS_HISTOGRAM || isnan(v)) {
		return;
	}
	d = &r->defs[id];
	for (b = 0; b < d->nbuckets && v > d->buckets[b]; b++) { }
	atomic_fetch_add_explicit(&c[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&c[d->nbuckets + 1],
	        (int64_t)llround(v > 0 ? v * 1e6 : 0), memory_order_relaxed);
}

void
metrics_reg_fn(struct metrics_reg *r, int id, metrics_fn fn, void *arg)
{
	if (r != NULL && id >= 0 && (size_t)id < r->n
	        && r->defs[id].type != METRICS_HISTOGRAM) {
		r->fam[id].fn  = fn;
		r->fam[id].arg = arg;
	}
}

int64_t
metrics_reg_value(const struct metrics_reg *r, int id, int l0, int l1)
{
	_Atomic int64_t *c = series(r, id, l0, l1);
	int64_t          v = 0;
	size_t           b;

	if (c == NULL) {
		return (0);
	}
	if (r->defs[id].type != METRICS_HISTOGRAM) {
		return (atomic_load_explicit(c, memory_order_relaxed));
	}
	for (b = 0; b <= r->defs[id].nbuckets; b++) {
		v += atomic_load_explicit(&c[b], memory_order_relaxed);
	}
	return (v);
}

size_t
metrics_escape_label(const char *s, char *out, size_t outlen)
{
	size_t n = 0;
	char   e[3];
	size_t k;

	if (outlen == 0) {
		return (0);
	}
	for (; *s != '\0'; s++) {
		k    = 1;
		e[0] = *s;
		if (*s == '\\' || *s == '"') {
			e[0] = '\\';
			e[1] = *s;
			k    = 2;
		} else if (*s == '\n') {
			e[0] = '\\';
			e[1] = 'n';
			k    = 2;
		}
		if (n + k >= outlen) {
			break;
		}
		memcpy(out + n, e, k);
		n += k;
	}
	out[n] = '\0';
	return (n);
}

/* ---- the writer --------------------------------------------------------- */

struct buf {
	char  *p;
	size_t len, cap;
};

static void put(struct buf *b, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void
put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int     k;

	for (;;) {
		va_start(ap, fmt);
		k = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (k < 0) {
			xdie();
		}
		if ((size_t)k < b->cap - b->len) {
			b->len += (size_t)k;
			return;
		}
		b->cap = (b->cap + (size_t)k + 1) * 2;
		if ((b->p = realloc(b->p, b->cap)) == NULL) {
			xdie();
		}
	}
}

/* put_help - HELP text: backslash and newline escaped. */
static void
put_help(struct buf *b, const char *name, const char *sfx, const char *help)
{
	const char *s;

	put(b, "# HELP %s%s ", name, sfx);
	for (s = help; *s != '\0'; s++) {
		if (*s == '\\') {
			put(b, "\\\\");
		} else if (*s == '\n') {
			put(b, "\\n");
		} else {
			put(b, "%c", *s);
		}
	}
	put(b, "\n");
}

/* shortest - v with the fewest digits that read back as v (10, not
 * 1e+01). */
static void
shortest(double v, char *out, size_t outlen)
{
	int p;

	for (p = 1; p <= 17; p++) {
		snprintf(out, outlen, "%.*g", p, v);
		if (strtod(out, NULL) == v
		        && (strchr(out, 'e') == NULL || fabs(v) < 1e-4
		                || fabs(v) >= 1e15)) {
			return;
		}
	}
}

/* put_value - a sample value: integers as such, and
 * +Inf, -Inf, NaN as the format spells them; others in the
 * fewest digits that read back as the same double. */
static void
put_value(struct buf *b, double v)
{
	if (isnan(v)) {
		put(b, "NaN");
	} else if (isinf(v)) {
		put(b, v > 0 ? "+Inf" : "-Inf");
	} else if (v == floor(v) && fabs(v) < 9e15) {
		put(b, "%.0f", v);
	} else {
		char s[40];

		shortest(v, s, sizeof(s));
		put(b, "%s", s);
	}
}

/* put_labels - {a="x",b="y"} of series (l0, l1) plus an extra pair
 * (name NULL: none); nothing when there are no labels at all. */
static void
put_labels(struct buf *b, const struct metrics_def *d, size_t l0, size_t l1,
        const char *xname, const char *xval)
{
	size_t li[METRICS_MAX_LABELS] = { l0, l1 };
	char   esc[512];
	int    first = 1;
	size_t j;

	for (j = 0; j < METRICS_MAX_LABELS; j++) {
		if (d->label[j] == NULL) {
			continue;
		}
		metrics_escape_label(d->values[j][li[j]], esc, sizeof(esc));
		put(b, "%s%s=\"%s\"", first ? "{" : ",", d->label[j], esc);
		first = 0;
	}
	if (xname != NULL) {
		metrics_escape_label(xval, esc, sizeof(esc));
		put(b, "%s%s=\"%s\"", first ? "{" : ",", xname, esc);
		first = 0;
	}
	if (!first) {
		put(b, "}");
	}
}

static void
render_histogram(struct buf *b, const struct metrics_reg *r, size_t id,
        size_t l0, size_t l1)
{
	const struct metrics_def *d   = &r->defs[id];
	_Atomic int64_t          *c   = series(r, (int)id, (int)l0, (int)l1);
	int64_t                   run = 0, sum;
	char                      le[64];
	size_t                    k;

	for (k = 0; k <= d->nbuckets; k++) {
		run += atomic_load_explicit(&c[k], memory_order_relaxed);
		if (k < d->nbuckets) {
			shortest(d->buckets[k], le, sizeof(le));
		} else {
			snprintf(le, sizeof(le), "+Inf");
		}
		put(b, "%s_bucket", d->name);
		put_labels(b, d, l0, l1, "le", le);
		put(b, " %lld\n", (long long)run);
	}
	sum = atomic_load_explicit(&c[d->nbuckets + 1], memory_order_relaxed);
	put(b, "%s_sum", d->name);
	put_labels(b, d, l0, l1, NULL, NULL);
	put(b, " ");
	put_value(b, (double)sum / 1e6);
	put(b, "\n%s_count", d->name);
	put_labels(b, d, l0, l1, NULL, NULL);
	put(b, " %lld\n", (long long)run);
}

char *
metrics_reg_render(const struct metrics_reg *r, size_t *len)
{
	struct buf b = { NULL, 0, 0 };
	size_t     id, l0, l1;

	b.cap  = 4096;
	b.p    = xmalloc(b.cap);
	b.p[0] = '\0';
	for (id = 0; r != NULL && id < r->n; id++) {
		const struct metrics_def *d = &r->defs[id];
		const struct metrics_fam *f = &r->fam[id];
		const char *sfx  = d->type == METRICS_COUNTER ? "_total" : "";
		const char *type = d->type == METRICS_COUNTER ? "counter"
		        : d->type == METRICS_GAUGE            ? "gauge"
		                                              : "histogram";

		put_help(&b, d->name, sfx, d->help);
		put(&b, "# TYPE %s%s %s\n", d->name, sfx, type);
		for (l0 = 0; l0 < f->nv[0]; l0++) {
			for (l1 = 0; l1 < f->nv[1]; l1++) {
				if (d->type == METRICS_HISTOGRAM) {
					render_histogram(&b, r, id, l0, l1);
					continue;
				}
				put(&b, "%s%s", d->name, sfx);
				put_labels(&b, d, l0, l1, NULL, NULL);
				put(&b, " ");
				if (f->fn != NULL) {
					put_value(&b,
					        f->fn(f->arg, (int)l0,
					                (int)l1));
				} else {
					put_value(&b,
					        (double)metrics_reg_value(r,
					                (int)id, (int)l0,
					                (int)l1));
				}
				put(&b, "\n");
			}
		}
	}
	if (len != NULL) {
		*len = b.len;
	}
	return (b.p);
}

/* ---- the daemon's table ------------------------------------------------- */

static const char *const v_door[]   = { "socketmap", "ipc", "direct", NULL };
static const char *const v_answer[] = { "dane", "dane-only", "secure",
	"encrypt", "testing", "none", "tempfail", "error", NULL };
static const char *const v_cache[]  = { "answer", "policy", NULL };
static const char *const v_dns[]
        = { "secure", "insecure", "bogus", "servfail", "timeout", NULL };
static const char *const v_fetch[]
        = { "ok", "http_status", "media_type", "size", "tls", "timeout",
	          "connect", "invalid", "refused", "error", NULL };
static const char *const v_change[]
        = { "new_id", "downgrade_testing", "downgrade_none", "removed", NULL };
/* tlsrpt_rtype's order (tlsrpt/tlsrpt_result.h; unit/metrics checks it
 * against tlsrpt_rtype_name) */
static const char *const v_rtype[] = { "success", "starttls-not-supported",
	"certificate-host-mismatch", "certificate-expired",
	"certificate-not-trusted", "validation-failure", "tlsa-invalid",
	"dnssec-invalid", "dane-required", "sts-policy-fetch-error",
	"sts-policy-invalid", "sts-webpki-invalid", NULL };
static const char *const v_mta[]
        = { "exim", "opensmtpd", "postfix", "other", NULL };
static const char *const v_transport[] = { "https", "smtp", "sendmail", NULL };
static const char *const v_delivery[]
        = { "sent", "retried", "given_up", NULL };
static const char *const v_override[]
        = { "none", "testing", "no-dane", "no-sts", "defer", NULL };
static const char *const v_refresh[]
        = { "changed", "unchanged", "failed", NULL };

/* lookups answer in microseconds (a hit) to seconds (a first contact) */
static const double b_lookup[] = { 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
static const double b_fetch[]
        = { 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30 };

#define NB(a) (sizeof(a) / sizeof((a)[0]))

const struct metrics_def metrics_table[M__COUNT] = {
	[M_LOOKUPS]              = { "mxtls_lookups",
	                     "Policy lookups answered, by front door and answer.",
	                     METRICS_COUNTER, { "door", "answer" }, { v_door, v_answer },
	                     NULL, 0 },
	[M_LOOKUP_SECONDS]       = { "mxtls_lookup_duration_seconds",
	              "Time from a lookup request read to its answer framed, by "
	                    "front door.",
	              METRICS_HISTOGRAM, { "door", NULL }, { v_door, NULL },
	              b_lookup, NB(b_lookup) },
	[M_CACHE_ENTRIES]        = { "mxtls_cache_entries",
	               "Entries in the answer cache and the policy cache.",
	               METRICS_GAUGE, { "cache", NULL }, { v_cache, NULL }, NULL, 0 },
	[M_CACHE_HITS]           = { "mxtls_cache_hits",
	                  "Lookups answered from the answer cache or the policy "
	                            "cache.",
	                  METRICS_COUNTER, { "cache", NULL }, { v_cache, NULL }, NULL,
	                  0 },
	[M_CACHE_MISSES]         = { "mxtls_cache_misses",
	                "Lookups the answer cache or the policy cache could not "
	                        "answer.",
	                METRICS_COUNTER, { "cache", NULL }, { v_cache, NULL }, NULL,
	                0 },
	[M_CACHE_EVICTIONS]      = { "mxtls_cache_evictions",
	             "Entries dropped from a cache to make room.", METRICS_COUNTER,
	             { "cache", NULL }, { v_cache, NULL }, NULL, 0 },
	[M_DNS_LOOKUPS]          = { "mxtls_dns_lookups",
	                 "DNS lookups finished, by outcome (DNSSEC status of an "
	                          "answer, or the failure).",
	                 METRICS_COUNTER, { "outcome", NULL }, { v_dns, NULL }, NULL,
	                 0 },
	[M_POLICY_FETCHES]       = { "mxtls_policy_fetches",
	              "MTA-STS policy fetches, by result.", METRICS_COUNTER,
	              { "result", NULL }, { v_fetch, NULL }, NULL, 0 },
	[M_POLICY_FETCH_SECONDS] = { "mxtls_policy_fetch_duration_seconds",
	        "Duration of MTA-STS policy transfers (HTTPS).",
	        METRICS_HISTOGRAM, { NULL, NULL }, { NULL, NULL }, b_fetch,
	        NB(b_fetch) },
	[M_POLICY_CHANGES]       = { "mxtls_policy_changes",
	              "MTA-STS policy changes seen, by event.", METRICS_COUNTER,
	              { "event", NULL }, { v_change, NULL }, NULL, 0 },
	[M_TLSRPT_RESULTS]       = { "mxtls_tlsrpt_results",
	              "TLS reporting results counted, by result type (RFC 8460 "
	                    "section 4.3).",
	              METRICS_COUNTER, { "result", NULL }, { v_rtype, NULL }, NULL,
	              0 },
	[M_TLSRPT_RESULTS_MTA]   = { "mxtls_tlsrpt_results_by_mta",
	          "TLS reporting results counted, by reporting MTA.",
	          METRICS_COUNTER, { "mta", NULL }, { v_mta, NULL }, NULL, 0 },
	[M_TLSRPT_REPORTS]       = { "mxtls_tlsrpt_reports_built",
	              "TLS reports built (one per policy domain and day closed).",
	              METRICS_COUNTER, { NULL, NULL }, { NULL, NULL }, NULL, 0 },
	[M_TLSRPT_DELIVERIES]    = { "mxtls_tlsrpt_deliveries",
	           "TLS report delivery attempts' ends, by transport and "
	              "outcome.",
	           METRICS_COUNTER, { "transport", "outcome" },
	           { v_transport, v_delivery }, NULL, 0 },
	[M_OVERRIDES_APPLIED]    = { "mxtls_overrides_applied",
	           "Lookups an operator override changed, by action.",
	           METRICS_COUNTER, { "action", NULL }, { v_override, NULL },
	           NULL, 0 },
	[M_OVERRIDES_ACTIVE]
	= { "mxtls_overrides_active", "Operator overrides in force.",
	        METRICS_GAUGE, { NULL, NULL }, { NULL, NULL }, NULL, 0 },
	[M_REFRESH_STARTED] = { "mxtls_policy_refreshes_started",
	        "Timer-driven MTA-STS policy refreshes started.",
	        METRICS_COUNTER, { NULL, NULL }, { NULL, NULL }, NULL, 0 },
	[M_REFRESHES]       = { "mxtls_policy_refreshes",
	              "Timer-driven MTA-STS policy refreshes finished, by result.",
	              METRICS_COUNTER, { "result", NULL }, { v_refresh, NULL }, NULL,
	              0 },
	[M_REFRESH_DELAYED] = { "mxtls_policy_refreshes_delayed",
	        "Refresh fetches delayed by the refresh rate limit.",
	        METRICS_COUNTER, { NULL, NULL }, { NULL, NULL }, NULL, 0 },
	[M_READY]           = { "mxtls_ready",
	                  "1 when every front door listens and the policy store is "
	                            "open (what /healthz says).",
	                  METRICS_GAUGE, { NULL, NULL }, { NULL, NULL }, NULL, 0 },
	[M_STORE_OPEN]
	= { "mxtls_store_open", "1 when the policy store is open.",
	        METRICS_GAUGE, { NULL, NULL }, { NULL, NULL }, NULL, 0 },
	[M_UPTIME] = { "mxtls_uptime_seconds", "Seconds since mxtlsd started.",
	        METRICS_GAUGE, { NULL, NULL }, { NULL, NULL }, NULL, 0 },
};

static struct metrics_reg *global;

void
metrics_init(void)
{
	if (global == NULL) {
		global = metrics_reg_new(metrics_table, M__COUNT);
		if (global == NULL) {
			xdie();
		}
	}
}

void
metrics_fini(void)
{
	metrics_reg_free(global);
	global = NULL;
}

struct metrics_reg *
metrics_global(void)
{
	return (global);
}

void
metrics_inc(int id, int l0, int l1)
{
	metrics_reg_add(global, id, l0, l1, 1);
}

void
metrics_add(int id, int l0, int l1, int64_t n)
{
	metrics_reg_add(global, id, l0, l1, n);
}

void
metrics_observe(int id, int l0, int l1, double v)
{
	metrics_reg_observe(global, id, l0, l1, v);
}

int
metrics_mta(const char *mta)
{
	if (mta == NULL) {
		return (MM_OTHER);
	}
	if (strcmp(mta, "exim") == 0) {
		return (MM_EXIM);
	}
	if (strcmp(mta, "opensmtpd") == 0) {
		return (MM_OPENSMTPD);
	}
	if (strcmp(mta, "postfix") == 0) {
		return (MM_POSTFIX);
	}
	return (MM_OTHER);
}

double
metrics_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}
