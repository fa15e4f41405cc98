/*
 * store.c - the store dispatcher (see store.h): picks a backend by name from
 * a NULL-terminated registry, as OpenSMTPD's table.c does, and forwards every
 * call to it.
 *
 * Checks made here, once for every backend: rows are keyed by domains in
 * normal form (domain.h) and carry a NUL-terminated id; a body of len > 0
 * has a pointer. While store_policy_foreach runs, put, del and a nested
 * foreach are refused, so that no backend has to define what a write in
 * the middle of a walk does (for SQLite it would not be durable until the
 * walk ends). store_policy_get is allowed during a walk.
 *
 * store_open returns a struct store owned by the caller (store_close).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "why.h"

extern const struct store_backend store_backend_sqlite;

static const struct store_backend *const store_backends[] = {
	&store_backend_sqlite,
	NULL,
};

struct store {
	const struct store_backend *backend;
	void                       *handle;
	int                         walking; /* inside policy_foreach */
};

/* known_names - "a, b, c": the registered backend names. */
static void
known_names(char *buf, size_t len)
{
	size_t i, off = 0;
	int    n;

	buf[0] = '\0';
	for (i = 0; store_backends[i] != NULL; i++) {
		n = snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
		        store_backends[i]->name);
		if (n < 0 || (size_t)n >= len - off) {
			return;
		}
		off += (size_t)n;
	}
}

static int
check_domain(const char *domain, char *why, size_t whylen)
{
	if (domain == NULL || !domain_is_normal(domain)) {
		return (why_fail(why, whylen,
		        "store: \"%s\" is not a domain in "
		        "normal form",
		        domain != NULL ? domain : "(null)"));
	}
	return (0);
}

struct store *
store_open(const char *name, const char *location, char *why, size_t whylen)
{
	const struct store_backend *be = NULL;
	struct store               *st;
	char                        known[128];
	size_t                      i;

	for (i = 0; name != NULL && store_backends[i] != NULL; i++) {
		if (strcmp(store_backends[i]->name, name) == 0) {
			be = store_backends[i];
			break;
		}
	}
	if (be == NULL) {
		known_names(known, sizeof(known));
		why_fail(why, whylen,
		        "unknown store backend \"%s\" (known: %s)",
		        name != NULL ? name : "(null)", known);
		return (NULL);
	}
	if (location == NULL || location[0] == '\0') {
		why_fail(why, whylen, "store %s: no location given", be->name);
		return (NULL);
	}
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		why_fail(why, whylen, "store: out of memory");
		return (NULL);
	}
	st->backend = be;
	if ((st->handle = be->open(location, why, whylen)) == NULL) {
		free(st);
		return (NULL);
	}
	return (st);
}

void
store_close(struct store *st)
{
	if (st == NULL) {
		return;
	}
	st->backend->close(st->handle);
	free(st);
}

const char *
store_backend_name(const struct store *st)
{
	return (st->backend->name);
}

enum store_status
store_policy_get(struct store *st, const char *domain,
        struct store_policy *out, char *why, size_t whylen)
{
	memset(out, 0, sizeof(*out));
	if (check_domain(domain, why, whylen) != 0) {
		return (STORE_ERROR);
	}
	return (st->backend->policy_get(st->handle, domain, out, why, whylen));
}

int
store_policy_put(struct store *st, const struct store_policy *p, char *why,
        size_t whylen)
{
	if (st->walking) {
		return (why_fail(
		        why, whylen, "store: put not allowed during foreach"));
	}
	if (memchr(p->domain, '\0', sizeof(p->domain)) == NULL) {
		return (why_fail(why, whylen, "store: domain not terminated"));
	}
	if (check_domain(p->domain, why, whylen) != 0) {
		return (-1);
	}
	if (memchr(p->id, '\0', sizeof(p->id)) == NULL) {
		return (why_fail(why, whylen, "store: id not terminated"));
	}
	if (p->body == NULL && p->len > 0) {
		return (why_fail(
		        why, whylen, "store: body is NULL, len %zu", p->len));
	}
	return (st->backend->policy_put(st->handle, p, why, whylen));
}

int
store_policy_del(
        struct store *st, const char *domain, char *why, size_t whylen)
{
	if (st->walking) {
		return (why_fail(why, whylen,
		        "store: delete not allowed during foreach"));
	}
	if (domain != NULL && check_domain(domain, why, whylen) != 0) {
		return (-1);
	}
	return (st->backend->policy_del(st->handle, domain, why, whylen));
}

int
store_policy_foreach(struct store *st,
        int (*cb)(void *arg, const struct store_policy *p), void *arg,
        char *why, size_t whylen)
{
	int rv;

	if (st->walking) {
		return (why_fail(
		        why, whylen, "store: foreach already running"));
	}
	st->walking = 1;
	rv = st->backend->policy_foreach(st->handle, cb, arg, why, whylen);
	st->walking = 0;
	return (rv);
}

int
store_policy_due(struct store *st, int64_t now, size_t max,
        int (*cb)(void *arg, const struct store_due *d), void *arg, char *why,
        size_t whylen)
{
	int rv;

	if (st->walking) {
		return (why_fail(
		        why, whylen, "store: foreach already running"));
	}
	st->walking = 1;
	rv          = st->backend->policy_due(
	                 st->handle, now, max, cb, arg, why, whylen);
	st->walking = 0;
	return (rv);
}

int
store_policy_touch(struct store *st, const char *domain, int64_t last_used,
        char *why, size_t whylen)
{
	if (st->walking) {
		return (why_fail(why, whylen,
		        "store: touch not allowed during foreach"));
	}
	if (check_domain(domain, why, whylen) != 0) {
		return (-1);
	}
	return (st->backend->policy_touch(
	        st->handle, domain, last_used, why, whylen));
}

int
store_policy_plan(struct store *st, const char *domain, int64_t refresh_at,
        int fails, char *why, size_t whylen)
{
	if (st->walking) {
		return (why_fail(why, whylen,
		        "store: plan not allowed during foreach"));
	}
	if (check_domain(domain, why, whylen) != 0) {
		return (-1);
	}
	return (st->backend->policy_plan(
	        st->handle, domain, refresh_at, fails, why, whylen));
}

void
store_policy_clear(struct store_policy *p)
{
	if (p == NULL) {
		return;
	}
	free(p->body);
	memset(p, 0, sizeof(*p));
}

int
store_override_put(struct store *st, const struct override_rule *r, char *why,
        size_t whylen)
{
	if (st->walking) {
		return (why_fail(
		        why, whylen, "store: put not allowed during foreach"));
	}
	return (st->backend->override_put(st->handle, r, why, whylen));
}

int
store_override_del(
        struct store *st, const char *target, char *why, size_t whylen)
{
	if (st->walking) {
		return (why_fail(why, whylen,
		        "store: delete not allowed during foreach"));
	}
	return (st->backend->override_del(st->handle, target, why, whylen));
}

int
store_override_foreach(struct store *st,
        int (*cb)(void *arg, const struct override_rule *r), void *arg,
        char *why, size_t whylen)
{
	int rv;

	if (st->walking) {
		return (why_fail(
		        why, whylen, "store: foreach already running"));
	}
	st->walking = 1;
	rv = st->backend->override_foreach(st->handle, cb, arg, why, whylen);
	st->walking = 0;
	return (rv);
}
