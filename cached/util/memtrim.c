/*
 * memtrim.c - periodic malloc_trim on the loop (see memtrim.h). glibc
 * only: elsewhere memtrim_run does nothing.
 */
#include <stdlib.h>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <event2/event.h>

#include "util/memtrim.h"

struct memtrim {
	struct event *ev;
	unsigned long min_free;
};

int
memtrim_run(unsigned long min_free)
{
#if defined(__GLIBC__)                                                        \
        && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
	struct mallinfo2 mi = mallinfo2();

	/* fordblks: free bytes inside the arenas (the top chunk included,
	 * which malloc gives back by itself past M_TRIM_THRESHOLD) */
	if (mi.fordblks < min_free + mi.keepcost) {
		return (0);
	}
	malloc_trim(0);
	return (1);
#else
	(void)min_free;
	return (0);
#endif
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct memtrim *t = arg;

	(void)fd;
	(void)what;
	memtrim_run(t->min_free);
}

struct memtrim *
memtrim_start(struct event_base *base, int interval_s, unsigned long min_free)
{
	struct memtrim *t;
	struct timeval  tv;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		return (NULL);
	}
	t->min_free = min_free;
	tv.tv_sec   = interval_s;
	tv.tv_usec  = 0;
	if ((t->ev = event_new(base, -1, EV_PERSIST, on_timer, t)) == NULL
	        || event_add(t->ev, &tv) != 0) {
		memtrim_stop(t);
		return (NULL);
	}
	return (t);
}

void
memtrim_stop(struct memtrim *t)
{
	if (t == NULL) {
		return;
	}
	if (t->ev != NULL) {
		event_free(t->ev);
	}
	free(t);
}
