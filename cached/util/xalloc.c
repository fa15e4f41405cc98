/*
 * xalloc.c - allocation that aborts on out-of-memory (see xalloc.h).
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util/xalloc.h"

void
xdie(void)
{
	log_err("MXTLS-NOMEM", "out of memory");
	abort();
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (p == NULL) {
		xdie();
	}
	return (p);
}

void *
xmalloc(size_t size)
{
	void *p = malloc(size);

	if (p == NULL) {
		xdie();
	}
	return (p);
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL) {
		xdie();
	}
	return (p);
}
