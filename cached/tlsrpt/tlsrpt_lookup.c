/*
 * tlsrpt_lookup.c - _smtp._tls TXT lookups with a per-domain memo
 * (RFC 8460 §3). Concurrent lookups of one domain share one DNS query.
 *
 * A cached domain costs a slot in its memo record (memo.h) and a small
 * entry: the state of a lookup in flight (struct tlsrpt_work, with the
 * domain) exists only while it runs, the rua list is shared with every
 * domain that publishes the same (intern.h), and the common reasons are
 * kept as codes (enum tlsrpt_why) and written out when answering.
 */
#include <sys/queue.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns/dns.h"
#include "log.h"
#include "tlsrpt/tlsrpt_lookup.h"
#include "util/change.h"
#include "util/clock.h"
#include "util/conf.h"
#include "util/intern.h"
#include "util/memo.h"
#include "util/stats.h"
#include "util/time32.h"
#include "util/xalloc.h"

struct tlsrpt_waiter {
	TAILQ_ENTRY(tlsrpt_waiter) link;
	tlsrpt_lookup_cb cb;
	void            *arg;
};

TAILQ_HEAD(tlsrpt_waiters, tlsrpt_waiter);

/* how an entry's why reads (answer_of) */
enum tlsrpt_why {
	TLSRPT_WHY_TEXT = 0,      /* entry's text */
	TLSRPT_WHY_FOUND,         /* a record with rec.nrua URIs */
	TLSRPT_WHY_NONE_NXDOMAIN, /* no record: NXDOMAIN */
	TLSRPT_WHY_NONE_NODATA,   /* no record: no TXT records */
};

struct tlsrpt_entry;

/* a lookup in flight */
struct tlsrpt_work {
	struct tlsrpt_lookup *t;
	struct tlsrpt_entry  *e;
	struct dns_query     *q;
	struct tlsrpt_waiters waiters;
	int                   flushed; /* flushed while out: answer, but
	                                * do not memoise */
	char domain[];
};

/* what the memo keeps per domain, in its record (memo.h). A record's rua
 * list (why TLSRPT_WHY_FOUND) and a reason kept as text (why
 * TLSRPT_WHY_TEXT) never coexist, so they share room (why_drop). */
struct tlsrpt_entry {
	struct tlsrpt_work *work; /* NULL when idle */
	union {
		char **rua;  /* why FOUND: nrua URIs, shared (intern.h) */
		char  *text; /* why TEXT: owned, or NULL */
	};
	uint32_t expires; /* time32.h */
	uint32_t nrua;
	uint8_t  known;  /* answer below is valid */
	uint8_t  status; /* enum tlsrpt_lookup_status */
	uint8_t  why;    /* enum tlsrpt_why */
};

struct tlsrpt_lookup {
	struct event_base *base;
	const struct conf *conf;
	struct dns        *dns;
	struct stats      *stats;
	struct memo       *memo;
	struct intern     *rua; /* the records' rua lists */
	struct change_hook change;
};

const char *
tlsrpt_lookup_status_name(enum tlsrpt_lookup_status s)
{
	switch (s) {
	case TLSRPT_LOOKUP_FOUND:
		return ("found");
	case TLSRPT_LOOKUP_NONE:
		return ("none");
	case TLSRPT_LOOKUP_TEMPFAIL:
		return ("tempfail");
	}
	return ("?");
}

static int
entry_busy(void *v)
{
	struct tlsrpt_entry *e = v;

	return (e->work != NULL);
}

static void
work_free(struct tlsrpt_work *wk)
{
	struct tlsrpt_waiter *w;

	if (wk == NULL) {
		return;
	}
	if (wk->q != NULL) {
		dns_cancel(wk->q);
	}
	while ((w = TAILQ_FIRST(&wk->waiters)) != NULL) {
		TAILQ_REMOVE(&wk->waiters, w, link);
		free(w);
	}
	free(wk);
}

/* why_drop - free e's rua list or text; e's why is empty text again. */
static void
why_drop(struct tlsrpt_lookup *t, struct tlsrpt_entry *e)
{
	if (e->why == TLSRPT_WHY_FOUND) {
		intern_release(t->rua, e->rua);
	} else if (e->why == TLSRPT_WHY_TEXT) {
		free(e->text);
	}
	e->rua  = NULL;
	e->nrua = 0;
	e->why  = TLSRPT_WHY_TEXT;
}

/* entry_free - release what e holds (its storage is its record's). */
static void
entry_free(void *arg, void *v)
{
	struct tlsrpt_entry *e = v;

	work_free(e->work);
	e->work = NULL;
	why_drop(arg, e);
}

static void
entry_reset(void *v)
{
	struct tlsrpt_entry *e = v;

	e->known = 0;
	if (e->work != NULL) {
		e->work->flushed = 1; /* its answer predates the flush */
	}
}

/* set_why - the entry's why is a code (text NULL) or the given text. */
static void set_why(struct tlsrpt_entry *e, enum tlsrpt_why why,
        const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
set_why(struct tlsrpt_entry *e, enum tlsrpt_why why, const char *fmt, ...)
{
	char    buf[sizeof(((struct tlsrpt_answer *)0)->why)];
	va_list ap;

	/* e holds no text nor rua list (why_drop) */
	e->why = (uint8_t)why;
	if (why != TLSRPT_WHY_TEXT) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	e->text = xstrdup(buf);
}

static void
answer_of(const struct tlsrpt_entry *e, struct tlsrpt_answer *a,
        struct tlsrpt_record *rec)
{
	memset(a, 0, sizeof(*a));
	a->status  = (enum tlsrpt_lookup_status)e->status;
	rec->nrua  = e->nrua;
	rec->rua   = e->why == TLSRPT_WHY_FOUND ? e->rua : NULL;
	a->rec     = e->status == TLSRPT_LOOKUP_FOUND ? rec : NULL;
	a->expires = e->known ? time32_unpack(e->expires) : 0;
	switch (e->why) {
	case TLSRPT_WHY_FOUND:
		snprintf(a->why, sizeof(a->why),
		        "_smtp._tls record with %zu usable rua URIs",
		        (size_t)e->nrua);
		break;
	case TLSRPT_WHY_NONE_NXDOMAIN:
		snprintf(a->why, sizeof(a->why),
		        "no _smtp._tls TXT record (NXDOMAIN)");
		break;
	case TLSRPT_WHY_NONE_NODATA:
		snprintf(a->why, sizeof(a->why),
		        "no _smtp._tls TXT record (no TXT records)");
		break;
	default:
		snprintf(a->why, sizeof(a->why), "%s",
		        e->text != NULL ? e->text : "");
		break;
	}
}

/* tlsrpt_done - the answer for wk's domain: keep it in wk's entry and give
 * it to every waiter. The entry is idle again before the callbacks run. */
static void
tlsrpt_done(void *arg, const struct dns_result *res)
{
	struct tlsrpt_work   *wk = arg;
	struct tlsrpt_entry  *e  = wk->e;
	struct tlsrpt_lookup *t  = wk->t;
	struct tlsrpt_waiters ws;
	struct tlsrpt_waiter *w;
	struct tlsrpt_answer  a;
	struct tlsrpt_record  rec, arec;
	const char          **txts;
	size_t               *lens, i;
	char                  rwhy[200];
	uint32_t              ttl = (uint32_t)t->conf->tlsrpt_max_ttl;

	wk->q = NULL;
	why_drop(t, e);
	switch (res->status) {
	case DNS_BOGUS:
	case DNS_TEMPFAIL:
		e->status = TLSRPT_LOOKUP_TEMPFAIL;
		set_why(e, TLSRPT_WHY_TEXT, "_smtp._tls.%s TXT: %s%s",
		        wk->domain,
		        res->status == DNS_BOGUS ? "DNSSEC validation failed: "
		                                 : "",
		        res->why);
		break;
	case DNS_NOTFOUND:
		e->status = TLSRPT_LOOKUP_NONE;
		if (strcmp(res->why, "NXDOMAIN") == 0) {
			set_why(e, TLSRPT_WHY_NONE_NXDOMAIN, "%s", "");
		} else if (strcmp(res->why, "no TXT records") == 0) {
			set_why(e, TLSRPT_WHY_NONE_NODATA, "%s", "");
		} else {
			set_why(e, TLSRPT_WHY_TEXT,
			        "no _smtp._tls TXT record (%s)", res->why);
		}
		break;
	case DNS_FOUND:
		txts = xcalloc(res->nrr, sizeof(*txts));
		lens = xcalloc(res->nrr, sizeof(*lens));
		for (i = 0; i < res->nrr; i++) {
			txts[i] = res->rr[i].u.txt.text;
			lens[i] = res->rr[i].u.txt.len;
		}
		switch (tlsrpt_record_select(
		        txts, lens, res->nrr, &rec, rwhy, sizeof(rwhy))) {
		case TLSRPT_RECORD_OK:
			e->status = TLSRPT_LOOKUP_FOUND;
			set_why(e, TLSRPT_WHY_FOUND, "%s", "");
			/* a TXT record is < 64 KiB: fewer rua URIs */
			e->nrua = (uint32_t)rec.nrua;
			e->rua  = intern_strv(t->rua, rec.rua, rec.nrua);
			tlsrpt_record_clear(&rec);
			break;
		case TLSRPT_RECORD_NOT_TLSRPT:
			e->status = TLSRPT_LOOKUP_NONE;
			set_why(e, TLSRPT_WHY_TEXT,
			        "no v=TLSRPTv1 record at _smtp._tls: %s",
			        rwhy);
			break;
		case TLSRPT_RECORD_INVALID:
			e->status = TLSRPT_LOOKUP_NONE;
			set_why(e, TLSRPT_WHY_TEXT,
			        "invalid _smtp._tls record (RFC 8460 section "
			        "3): %s",
			        rwhy);
			break;
		}
		free(txts);
		free(lens);
		break;
	}
	if (res->ttl > 0 && res->ttl < ttl) {
		ttl = res->ttl;
	}
	/* reused for its TTL (DECISIONS R4): a record with TTL 0 is not
	 * reused at all; an answer asked before a flush is not kept */
	e->known = e->status != TLSRPT_LOOKUP_TEMPFAIL && !wk->flushed
	        && !(e->status == TLSRPT_LOOKUP_FOUND && res->ttl == 0);
	e->expires = time32_pack(clock_now() + ttl);
	answer_of(e, &a, &arec);
	e->work = NULL;
	change_notify(&t->change, wk->domain);
	TAILQ_INIT(&ws);
	TAILQ_CONCAT(&ws, &wk->waiters, link);
	work_free(wk);
	/* e may be freed by a callback (flush): not used below */
	while ((w = TAILQ_FIRST(&ws)) != NULL) {
		TAILQ_REMOVE(&ws, w, link);
		w->cb(w->arg, &a);
		free(w);
	}
}

void
tlsrpt_lookup_start(struct tlsrpt_lookup *t, const char *domain,
        tlsrpt_lookup_cb cb, void *arg)
{
	struct tlsrpt_entry  *e;
	struct tlsrpt_work   *wk;
	struct tlsrpt_waiter *w;
	struct tlsrpt_answer  a;
	struct tlsrpt_record  arec;
	char                  name[DOMAIN_MAX + 16];
	size_t                n;

	if ((e = memo_get(t->memo, MEMO_TLSRPT, domain)) == NULL) {
		if ((e = memo_put(t->memo, MEMO_TLSRPT, domain)) == NULL) {
			memset(&a, 0, sizeof(a));
			a.status = TLSRPT_LOOKUP_TEMPFAIL;
			snprintf(a.why, sizeof(a.why), "cache full");
			cb(arg, &a);
			return;
		}
	}
	if (e->known && clock_now() < time32_unpack(e->expires)) {
		t->stats->tlsrpt_hits++;
		answer_of(e, &a, &arec);
		cb(arg, &a);
		return;
	}
	w      = xcalloc(1, sizeof(*w));
	w->cb  = cb;
	w->arg = arg;
	if (e->work != NULL) {
		TAILQ_INSERT_TAIL(&e->work->waiters, w, link);
		return;
	}
	n     = strnlen(domain, DOMAIN_MAX);
	wk    = xcalloc(1, sizeof(*wk) + n + 1);
	wk->t = t;
	wk->e = e;
	memcpy(wk->domain, domain, n);
	TAILQ_INIT(&wk->waiters);
	TAILQ_INSERT_TAIL(&wk->waiters, w, link);
	e->work = wk;
	t->stats->tlsrpt_lookups++;
	snprintf(name, sizeof(name), "_smtp._tls.%s", domain);
	wk->q = dns_lookup(t->dns, name, DNS_T_TXT, tlsrpt_done, wk);
	if (wk->q == NULL) {
		struct dns_result r;
		memset(&r, 0, sizeof(r));
		r.status = DNS_TEMPFAIL;
		snprintf(r.why, sizeof(r.why), "cannot start DNS lookup");
		tlsrpt_done(wk, &r);
	}
}

void
tlsrpt_lookup_flush(struct tlsrpt_lookup *t, const char *domain)
{
	struct tlsrpt_entry *e;

	change_notify(&t->change, domain);
	if (domain == NULL) {
		memo_flush(t->memo, MEMO_TLSRPT, entry_reset);
		return;
	}
	if ((e = memo_get(t->memo, MEMO_TLSRPT, domain)) == NULL) {
		return;
	}
	if (entry_busy(e)) {
		entry_reset(e);
	} else {
		(void)memo_del(t->memo, MEMO_TLSRPT, domain);
	}
}

void
tlsrpt_lookup_set_change(struct tlsrpt_lookup *t, const struct change_hook *h)
{
	t->change = *h;
}

struct tlsrpt_lookup *
tlsrpt_lookup_create(struct event_base *base, const struct conf *conf,
        struct dns *dns, struct stats *stats, struct memo *memo)
{
	struct tlsrpt_lookup *t = xcalloc(1, sizeof(*t));

	t->base  = base;
	t->conf  = conf;
	t->dns   = dns;
	t->stats = stats;
	t->memo  = memo;
	t->rua   = intern_create();
	memo_attach(t->memo, MEMO_TLSRPT, sizeof(struct tlsrpt_entry),
	        entry_free, entry_busy, t);
	return (t);
}

void
tlsrpt_lookup_free(struct tlsrpt_lookup *t)
{
	if (t == NULL) {
		return;
	}
	memo_detach(t->memo, MEMO_TLSRPT);
	intern_free(t->rua);
	free(t);
}
