/*
 * fake_fetch.c - scripted sts_fetch.h for the scenario tests (see
 * fake_fetch.h). Results are delivered from libevent events on the
 * fetcher's base, never from inside sts_fetch_start.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>

#include "domain.h"
#include "fake_fetch.h"
#include "util/clock.h"

#define FAKE_FETCH_MAX 128

struct fake_fetch_script {
	char                  domain[DOMAIN_MAX + 1];
	int                   scripted;
	enum sts_fetch_status status;
	long                  http_code;
	char                  body[2048];
	int                   hold;
	unsigned              count;
};

struct sts_fetcher {
	struct event_base *base;
};

struct sts_fetch {
	TAILQ_ENTRY(sts_fetch) link;
	struct fake_fetch_script *script;
	struct event             *ev;
	int                       held;
	sts_fetch_cb              cb;
	void                     *arg;
};

static TAILQ_HEAD(, sts_fetch) fake_fetches = TAILQ_HEAD_INITIALIZER(
        fake_fetches);
static struct fake_fetch_script fake_fetch_table[FAKE_FETCH_MAX];
static size_t                   fake_fetch_n;
static unsigned                 fake_fetch_nlive;
/* the load: fetches started in the current fake second, the most in any
 * second and the most live at once, since fake_fetch_load_reset */
static int64_t  fake_fetch_sec;
static unsigned fake_fetch_in_sec;
static unsigned fake_fetch_sec_max;
static unsigned fake_fetch_live_max;

static struct fake_fetch_script *
fake_fetch_entry(const char *domain)
{
	struct fake_fetch_script *s;
	size_t                    i;

	for (i = 0; i < fake_fetch_n; i++) {
		s = &fake_fetch_table[i];
		if (strcmp(s->domain, domain) == 0)
			return (s);
	}
	if (fake_fetch_n == FAKE_FETCH_MAX) {
		fprintf(stderr, "fake_fetch: table full\n");
		abort();
	}
	s = &fake_fetch_table[fake_fetch_n++];
	memset(s, 0, sizeof(*s));
	snprintf(s->domain, sizeof(s->domain), "%s", domain);
	return (s);
}

void
fake_fetch_reset(void)
{
	if (!TAILQ_EMPTY(&fake_fetches)) {
		fprintf(stderr, "fake_fetch_reset: fetches still live\n");
		abort();
	}
	fake_fetch_n     = 0;
	fake_fetch_nlive = 0;
	fake_fetch_load_reset();
}

void
fake_fetch_load_reset(void)
{
	fake_fetch_sec      = -1;
	fake_fetch_in_sec   = 0;
	fake_fetch_sec_max  = 0;
	fake_fetch_live_max = fake_fetch_nlive;
}

unsigned
fake_fetch_max_per_second(void)
{
	return (fake_fetch_sec_max);
}

unsigned
fake_fetch_max_live(void)
{
	return (fake_fetch_live_max);
}

void
fake_fetch_set(const char *domain, enum sts_fetch_status status,
        long http_code, const char *body)
{
	struct fake_fetch_script *s = fake_fetch_entry(domain);

	s->scripted  = 1;
	s->status    = status;
	s->http_code = http_code;
	snprintf(s->body, sizeof(s->body), "%s", body != NULL ? body : "");
}

void
fake_fetch_hold(const char *domain, int hold)
{
	fake_fetch_entry(domain)->hold = hold;
}

unsigned
fake_fetch_release(const char *domain)
{
	struct fake_fetch_script *s = fake_fetch_entry(domain);
	struct sts_fetch         *f;
	unsigned                  n = 0;

	s->hold = 0;
	TAILQ_FOREACH(f, &fake_fetches, link)
	{
		if (f->script == s && f->held) {
			f->held = 0;
			event_active(f->ev, EV_TIMEOUT, 1);
			n++;
		}
	}
	return (n);
}

unsigned
fake_fetch_count(const char *domain)
{
	size_t i;

	for (i = 0; i < fake_fetch_n; i++)
		if (strcmp(fake_fetch_table[i].domain, domain) == 0)
			return (fake_fetch_table[i].count);
	return (0);
}

unsigned
fake_fetch_live(void)
{
	return (fake_fetch_nlive);
}

static void
fake_fetch_free_one(struct sts_fetch *f)
{
	TAILQ_REMOVE(&fake_fetches, f, link);
	event_free(f->ev);
	free(f);
	fake_fetch_nlive--;
}

static void
fake_fetch_deliver(evutil_socket_t fd, short what, void *arg)
{
	struct sts_fetch               *f = arg;
	const struct fake_fetch_script *s = f->script;
	struct sts_fetch_result         res;
	sts_fetch_cb                    cb    = f->cb;
	void                           *cbarg = f->arg;

	(void)fd;
	(void)what;
	memset(&res, 0, sizeof(res));
	if (s->scripted && s->status == STS_FETCH_OK) {
		res.status    = STS_FETCH_OK;
		res.http_code = 200;
		res.body      = s->body;
		res.len       = strlen(s->body);
	} else {
		res.status = s->scripted ? s->status : STS_FETCH_HTTP_STATUS;
		res.http_code = s->scripted ? s->http_code : 404;
		snprintf(res.why, sizeof(res.why), "%s (fake, HTTP %ld)",
		        sts_fetch_status_name(res.status), res.http_code);
	}
	fake_fetch_free_one(f);
	cb(cbarg, &res);
}

struct sts_fetcher *
sts_fetch_create(struct event_base *base, const struct sts_fetch_config *cfg,
        char *why, size_t whylen)
{
	struct sts_fetcher *f = calloc(1, sizeof(*f));

	(void)cfg;
	if (f == NULL) {
		snprintf(why, whylen, "out of memory");
		return (NULL);
	}
	f->base = base;
	return (f);
}

void
sts_fetch_free(struct sts_fetcher *fetcher)
{
	struct sts_fetch *f;

	while ((f = TAILQ_FIRST(&fake_fetches)) != NULL)
		fake_fetch_free_one(f);
	free(fetcher);
}

struct sts_fetch *
sts_fetch_start(struct sts_fetcher *fetcher, const char *domain,
        const struct sockaddr_storage *addrs, size_t naddr, sts_fetch_cb cb,
        void *arg)
{
	struct sts_fetch *f = calloc(1, sizeof(*f));

	(void)addrs;
	if (f == NULL)
		return (NULL);
	f->script = fake_fetch_entry(domain);
	f->script->count++;
	f->cb  = cb;
	f->arg = arg;
	f->ev  = event_new(fetcher->base, -1, 0, fake_fetch_deliver, f);
	if (f->ev == NULL || naddr == 0)
		abort(); /* the resolver only fetches from resolved addresses
		          */
	TAILQ_INSERT_TAIL(&fake_fetches, f, link);
	fake_fetch_nlive++;
	if (fake_fetch_nlive > fake_fetch_live_max)
		fake_fetch_live_max = fake_fetch_nlive;
	if (clock_now() != fake_fetch_sec) {
		fake_fetch_sec    = clock_now();
		fake_fetch_in_sec = 0;
	}
	if (++fake_fetch_in_sec > fake_fetch_sec_max)
		fake_fetch_sec_max = fake_fetch_in_sec;
	if (f->script->hold)
		f->held = 1;
	else
		event_active(f->ev, EV_TIMEOUT, 1);
	return (f);
}

void
sts_fetch_cancel(struct sts_fetch *f)
{
	if (f != NULL)
		fake_fetch_free_one(f);
}

const char *
sts_fetch_status_name(enum sts_fetch_status status)
{
	switch (status) {
	case STS_FETCH_OK:
		return ("ok");
	case STS_FETCH_CONNECT:
		return ("connect");
	case STS_FETCH_TLS:
		return ("tls");
	case STS_FETCH_TIMEOUT:
		return ("timeout");
	case STS_FETCH_HTTP_STATUS:
		return ("http-status");
	case STS_FETCH_CONTENT_TYPE:
		return ("content-type");
	case STS_FETCH_TOO_BIG:
		return ("too-big");
	case STS_FETCH_ERROR:
		return ("error");
	}
	return ("?");
}

int
sts_fetch_content_type_ok(const char *content_type)
{
	return (content_type != NULL
	        && strncasecmp(content_type, "text/plain", 10) == 0);
}
