/*
 * fake_send.c - scripted tlsrpt_send.h for the scenario tests (see
 * fake_send.h). Outcomes are delivered from libevent events on the sender's
 * base, never from inside tlsrpt_send_start, as the real sender does.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "fake_send.h"

#define FAKE_SEND_SCRIPTS 16
#define FAKE_SEND_LOG     256

struct fake_send_script {
	char                   uri[512];
	enum fake_send_outcome outcome;
	int                    hold;
};

struct tlsrpt_sender {
	struct event_base *base;
};

struct fake_send_job {
	TAILQ_ENTRY(fake_send_job) link;
	struct event  *ev;
	char           uri[512];
	int            held;
	tlsrpt_send_cb cb;
	void          *arg;
};

static TAILQ_HEAD(, fake_send_job) fake_send_jobs = TAILQ_HEAD_INITIALIZER(
        fake_send_jobs);
static struct fake_send_script  fake_send_scripts[FAKE_SEND_SCRIPTS];
static size_t                   fake_send_nscripts;
static struct fake_send_attempt fake_send_log[FAKE_SEND_LOG];
static size_t                   fake_send_nlog;
static unsigned                 fake_send_nlive;

void
fake_send_reset(void)
{
	size_t i;

	if (!TAILQ_EMPTY(&fake_send_jobs)) {
		fprintf(stderr, "fake_send_reset: deliveries still live\n");
		abort();
	}
	for (i = 0; i < fake_send_nlog; i++)
		free(fake_send_log[i].json);
	fake_send_nlog     = 0;
	fake_send_nscripts = 0;
	fake_send_nlive    = 0;
}

static struct fake_send_script *
fake_send_script_of(const char *uri)
{
	struct fake_send_script *s;
	size_t                   i;

	for (i = 0; i < fake_send_nscripts; i++)
		if (strcmp(fake_send_scripts[i].uri, uri) == 0)
			return (&fake_send_scripts[i]);
	if (fake_send_nscripts == FAKE_SEND_SCRIPTS)
		abort();
	s = &fake_send_scripts[fake_send_nscripts++];
	memset(s, 0, sizeof(*s));
	snprintf(s->uri, sizeof(s->uri), "%s", uri);
	return (s);
}

void
fake_send_set(const char *uri, enum fake_send_outcome outcome)
{
	fake_send_script_of(uri)->outcome = outcome;
}

void
fake_send_hold(const char *uri, int hold)
{
	struct fake_send_job *j;

	fake_send_script_of(uri)->hold = hold;
	if (hold)
		return;
	TAILQ_FOREACH(j, &fake_send_jobs, link)
	{
		if (j->held && strcmp(j->uri, uri) == 0) {
			j->held = 0;
			event_active(j->ev, EV_TIMEOUT, 1);
		}
	}
}

unsigned
fake_send_count(const char *uri)
{
	unsigned n = 0;
	size_t   i;

	for (i = 0; i < fake_send_nlog; i++)
		if (uri == NULL || strcmp(fake_send_log[i].uri, uri) == 0)
			n++;
	return (n);
}

unsigned
fake_send_live(void)
{
	return (fake_send_nlive);
}

const struct fake_send_attempt *
fake_send_last(const char *uri)
{
	size_t i;

	for (i = fake_send_nlog; i > 0; i--)
		if (strcmp(fake_send_log[i - 1].uri, uri) == 0)
			return (&fake_send_log[i - 1]);
	return (NULL);
}

static enum fake_send_outcome
fake_send_outcome_of(const char *uri)
{
	return (fake_send_script_of(uri)->outcome);
}

static void
fake_send_job_free(struct fake_send_job *j)
{
	TAILQ_REMOVE(&fake_send_jobs, j, link);
	event_free(j->ev);
	free(j);
	fake_send_nlive--;
}

static void
fake_send_deliver(evutil_socket_t fd, short what, void *arg)
{
	struct fake_send_job  *j     = arg;
	enum fake_send_outcome o     = fake_send_outcome_of(j->uri);
	tlsrpt_send_cb         cb    = j->cb;
	void                  *cbarg = j->arg;

	(void)fd;
	(void)what;
	fake_send_job_free(j);
	switch (o) {
	case FAKE_SEND_OK:
		cb(cbarg, 1, 0, "delivered (fake)");
		break;
	case FAKE_SEND_TEMP:
		cb(cbarg, 0, 0, "451 try again later (fake)");
		break;
	case FAKE_SEND_PERMANENT:
		cb(cbarg, 0, 1, "550 no such user (fake)");
		break;
	}
}

struct tlsrpt_sender *
tlsrpt_send_create(struct event_base *base, struct dns *dns,
        const struct tlsrpt_send_config *cfg, char *why, size_t whylen)
{
	struct tlsrpt_sender *s = calloc(1, sizeof(*s));

	(void)dns;
	(void)cfg;
	if (s == NULL) {
		snprintf(why, whylen, "out of memory");
		return (NULL);
	}
	s->base = base;
	return (s);
}

void
tlsrpt_send_free(struct tlsrpt_sender *s)
{
	struct fake_send_job *j;

	while ((j = TAILQ_FIRST(&fake_send_jobs)) != NULL)
		fake_send_job_free(j);
	free(s);
}

void
tlsrpt_send_start(struct tlsrpt_sender *s, const struct tlsrpt_send_job *job,
        tlsrpt_send_cb cb, void *arg)
{
	struct fake_send_job     *j = calloc(1, sizeof(*j));
	struct fake_send_attempt *a;

	if (j == NULL || fake_send_nlog == FAKE_SEND_LOG)
		abort();
	a = &fake_send_log[fake_send_nlog++];
	memset(a, 0, sizeof(*a));
	snprintf(a->uri, sizeof(a->uri), "%s", job->uri);
	snprintf(a->domain, sizeof(a->domain), "%s", job->domain);
	snprintf(a->report_id, sizeof(a->report_id), "%s", job->report_id);
	a->day = job->day;
	a->at  = (int64_t)time(NULL);
	if ((a->json = malloc(job->len + 1)) == NULL)
		abort();
	memcpy(a->json, job->json, job->len);
	a->json[job->len] = '\0';
	snprintf(j->uri, sizeof(j->uri), "%s", job->uri);
	j->cb  = cb;
	j->arg = arg;
	j->ev  = event_new(s->base, -1, 0, fake_send_deliver, j);
	if (j->ev == NULL)
		abort();
	TAILQ_INSERT_TAIL(&fake_send_jobs, j, link);
	fake_send_nlive++;
	if (fake_send_script_of(job->uri)->hold)
		j->held = 1;
	else
		event_active(j->ev, EV_TIMEOUT, 1);
}
