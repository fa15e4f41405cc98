/*
 * logrl.c - rate-limited logging per message ID (see logrl.h): a small
 * table of IDs, each with its current window (start, messages logged,
 * messages suppressed), under one mutex (worker threads log too).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "logrl.h"

struct logrl_slot {
	char           id[64];
	time_t         start;      /* the current window began here */
	unsigned       logged;     /* in the current window */
	unsigned long  suppressed; /* in the current window */
	enum log_level level;      /* of the last message, for the summary */
};

static pthread_mutex_t   logrl_lock = PTHREAD_MUTEX_INITIALIZER;
static struct logrl_slot logrl_slots[LOGRL_IDS];
static size_t            logrl_used;
static time_t (*logrl_clock)(void);

static time_t
logrl_now(void)
{
	return (logrl_clock != NULL ? logrl_clock() : time(NULL));
}

void
logrl_set_clock(time_t (*fn)(void))
{
	pthread_mutex_lock(&logrl_lock);
	logrl_clock = fn;
	pthread_mutex_unlock(&logrl_lock);
}

void
logrl_reset(void)
{
	pthread_mutex_lock(&logrl_lock);
	memset(logrl_slots, 0, sizeof(logrl_slots));
	logrl_used = 0;
	pthread_mutex_unlock(&logrl_lock);
}

/* logrl_slot - id's slot, made on first use; NULL when the table is full
 * (or id too long): such messages are not limited. Locked. */
static struct logrl_slot *
logrl_slot(const char *id, time_t now)
{
	struct logrl_slot *s;
	size_t             i;

	for (i = 0; i < logrl_used; i++) {
		if (strcmp(logrl_slots[i].id, id) == 0) {
			return (&logrl_slots[i]);
		}
	}
	if (logrl_used >= LOGRL_IDS || strlen(id) >= sizeof(s->id)) {
		return (NULL);
	}
	s = &logrl_slots[logrl_used++];
	memset(s, 0, sizeof(*s));
	snprintf(s->id, sizeof(s->id), "%s", id);
	s->start = now;
	return (s);
}

/* logrl_admit_locked - see logrl_admit. */
static int
logrl_admit_locked(struct logrl_slot *s, time_t now, unsigned long *summary)
{
	*summary = 0;
	if (s == NULL) {
		return (1);
	}
	/* a window closes LOGRL_WINDOW s after it began (or when the
	 * clock went back) */
	if (now - s->start >= LOGRL_WINDOW || now < s->start) {
		*summary      = s->suppressed;
		s->start      = now;
		s->logged     = 0;
		s->suppressed = 0;
	}
	if (s->logged < LOGRL_BURST) {
		s->logged++;
		return (1);
	}
	s->suppressed++;
	return (0);
}

int
logrl_admit(const char *id, time_t now, unsigned long *summary)
{
	int rv;

	pthread_mutex_lock(&logrl_lock);
	rv = logrl_admit_locked(logrl_slot(id, now), now, summary);
	pthread_mutex_unlock(&logrl_lock);
	return (rv);
}

static void
logrl_summary(enum log_level level, const char *id, unsigned long n)
{
	log_msg(level, id, "%lu similar messages suppressed in the last %d s",
	        n, LOGRL_WINDOW);
}

void
logrl_msg(enum log_level level, const char *id, const char *fmt, ...)
{
	struct logrl_slot *s;
	unsigned long      summary;
	va_list            ap;
	time_t             now;
	int                ok;

	if (level > log_get_level()) {
		return;
	}
	pthread_mutex_lock(&logrl_lock);
	now = logrl_now();
	s   = logrl_slot(id, now);
	ok  = logrl_admit_locked(s, now, &summary);
	if (s != NULL) {
		s->level = level;
	}
	pthread_mutex_unlock(&logrl_lock);
	if (summary > 0) {
		logrl_summary(level, id, summary);
	}
	if (!ok) {
		return;
	}
	va_start(ap, fmt);
	log_vmsg(level, id, fmt, ap);
	va_end(ap);
}

void
logrl_flush(time_t now)
{
	struct {
		char           id[64];
		unsigned long  n;
		enum log_level level;
	} out[LOGRL_IDS];
	size_t i, nout = 0;

	pthread_mutex_lock(&logrl_lock);
	for (i = 0; i < logrl_used; i++) {
		struct logrl_slot *s = &logrl_slots[i];
		if (s->suppressed == 0
		        || (now - s->start < LOGRL_WINDOW
		                && now >= s->start)) {
			continue;
		}
		memcpy(out[nout].id, s->id, sizeof(out[nout].id));
		out[nout].n     = s->suppressed;
		out[nout].level = s->level;
		nout++;
		/* a new, empty window: the next message is logged */
		s->start      = now;
		s->logged     = 0;
		s->suppressed = 0;
	}
	pthread_mutex_unlock(&logrl_lock);
	for (i = 0; i < nout; i++) {
		logrl_summary(out[i].level, out[i].id, out[i].n);
	}
}
