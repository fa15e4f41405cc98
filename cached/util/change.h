/*
 * change.h - how a resolver tells the rest of the daemon that what it knows
 * about a domain changed (new policy, new DANE or TLSRPT memo, flush,
 * preload reload), so that finished answers built from the old state are
 * dropped (cached/serve/answer_cache.c).
 *
 * The hook is owned by whoever installs it; resolvers only call it, on the
 * loop thread, after their own state changed. domain NULL means "every
 * domain".
 */
#ifndef MXTLS_CACHED_CHANGE_H
#define MXTLS_CACHED_CHANGE_H

#include <stddef.h>

typedef void (*change_fn)(void *arg, const char *domain);

struct change_hook {
	change_fn fn;
	void     *arg;
};

/* change_notify - call the hook, if one is installed. */
static inline void
change_notify(const struct change_hook *h, const char *domain)
{
	if (h != NULL && h->fn != NULL)
		h->fn(h->arg, domain);
}

#endif
