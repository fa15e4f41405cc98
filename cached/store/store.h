/*
 * store.h - the persistent store behind the in-memory cache, as a small
 * interface with pluggable backends (OpenSMTPD's table_backend habit).
 * SQLite (store_sqlite.c) is the first backend; Redis comes later. Nothing
 * above this interface knows which backend it has.
 *
 * Policies are stored as fetched (the raw text plus the TXT id and times), so
 * a restart re-parses them with the current parser and TOFU survives
 * restarts (RFC 8461 §3.3, §5.1).
 *
 * All calls are synchronous and made from the loop thread. Lookups return
 * STORE_FOUND / STORE_NOTFOUND / STORE_ERROR, never a NULL that could mean
 * either.
 */
#ifndef MXTLS_CACHED_STORE_H
#define MXTLS_CACHED_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "domain.h"
#include "util/override_rule.h"

enum store_status {
	STORE_FOUND = 0,
	STORE_NOTFOUND,
	STORE_ERROR,
};

struct store_policy {
	char    domain[DOMAIN_MAX + 1];
	char    id[33]; /* the _mta-sts TXT id it was fetched under */
	char   *body;   /* the policy text as fetched; owned */
	size_t  len;
	int64_t fetched; /* unix seconds */
	int64_t expires; /* fetched + capped max_age */
	/* the refresh timer's (cached/sts/sts_refresh.c): */
	int64_t last_used;     /* last lookup (to the hour); 0: unknown */
	int64_t refresh_at;    /* when the timer next looks at the row */
	int     refresh_fails; /* timer refreshes failed in a row */
};

/* store_due - a row the refresh timer is due to look at (no body). */
struct store_due {
	char    domain[DOMAIN_MAX + 1];
	int64_t expires;
	int64_t last_used;
	int64_t refresh_at;
	int     refresh_fails;
};

struct store;

struct store_backend {
	const char *name;
	void *(*open)(const char *location, char *why, size_t whylen);
	void (*close)(void *handle);
	enum store_status (*policy_get)(void *handle, const char *domain,
	        struct store_policy *out, char *why, size_t whylen);
	int (*policy_put)(void *handle, const struct store_policy *p,
	        char *why, size_t whylen);
	int (*policy_del)(
	        void *handle, const char *domain, char *why, size_t whylen);
	int (*policy_foreach)(void *handle,
	        int (*cb)(void *arg, const struct store_policy *p), void *arg,
	        char *why, size_t whylen);
	int (*policy_due)(void *handle, int64_t now, size_t max,
	        int (*cb)(void *arg, const struct store_due *d), void *arg,
	        char *why, size_t whylen);
	int (*policy_touch)(void *handle, const char *domain,
	        int64_t last_used, char *why, size_t whylen);
	int (*policy_plan)(void *handle, const char *domain,
	        int64_t refresh_at, int fails, char *why, size_t whylen);
	/* local overrides made with mxtlsctl (docs/DECISIONS.md "Local
	 * overrides"): one row per target */
	int (*override_put)(void *handle, const struct override_rule *r,
	        char *why, size_t whylen);
	int (*override_del)(
	        void *handle, const char *target, char *why, size_t whylen);
	int (*override_foreach)(void *handle,
	        int (*cb)(void *arg, const struct override_rule *r), void *arg,
	        char *why, size_t whylen);
};

/*
 * store_open - open the backend named name ("sqlite") at location (for
 * SQLite a file path; the file and its WAL are created, parent directory
 * must exist). NULL and why on failure.
 */
struct store *store_open(
        const char *name, const char *location, char *why, size_t whylen);

/* store_close - close and free; NULL is allowed. */
void store_close(struct store *st);

/* store_backend_name - the backend's name. */
const char *store_backend_name(const struct store *st);

/*
 * store_policy_get - fetch domain's row into out (out->body malloc'd; free
 * with store_policy_clear). FOUND, NOTFOUND, or ERROR with why.
 */
enum store_status store_policy_get(struct store *st, const char *domain,
        struct store_policy *out, char *why, size_t whylen);

/* store_policy_put - insert or replace the row; durable on return (0), -1
 * and why on failure. */
int store_policy_put(struct store *st, const struct store_policy *p, char *why,
        size_t whylen);

/* store_policy_del - delete domain's row, or every row when domain is NULL.
 * Deleting a missing row is not an error. 0 or -1 and why. */
int store_policy_del(
        struct store *st, const char *domain, char *why, size_t whylen);

/* store_policy_foreach - call cb for every row (valid during the call);
 * a non-zero return from cb stops the walk. 0 or -1 and why. */
int store_policy_foreach(struct store *st,
        int (*cb)(void *arg, const struct store_policy *p), void *arg,
        char *why, size_t whylen);

/*
 * store_policy_due - call cb for at most max rows whose refresh_at is at
 * or before now, earliest first (the refresh timer's walk; no bodies).
 * Writes are refused during the walk, as in foreach. 0 or -1 and why.
 */
int store_policy_due(struct store *st, int64_t now, size_t max,
        int (*cb)(void *arg, const struct store_due *d), void *arg, char *why,
        size_t whylen);

/* store_policy_touch - domain was looked up at last_used: raise the row's
 * last_used to it (never lowers it). No row: nothing, not an error. */
int store_policy_touch(struct store *st, const char *domain, int64_t last_used,
        char *why, size_t whylen);

/* store_policy_plan - set the row's refresh_at and refresh_fails. No row:
 * nothing, not an error. 0 or -1 and why. */
int store_policy_plan(struct store *st, const char *domain, int64_t refresh_at,
        int fails, char *why, size_t whylen);

/*
 * store_override_put - insert or replace the override row of r->target
 * (its action, until, created and reason; the source is always "cli");
 * durable on return (0), -1 with why.
 */
int store_override_put(struct store *st, const struct override_rule *r,
        char *why, size_t whylen);

/* store_override_del - delete target's row (0 also when there was none),
 * -1 with why. */
int store_override_del(
        struct store *st, const char *target, char *why, size_t whylen);

/*
 * store_override_foreach - call cb for every override row (valid during the
 * call; source "cli"); a row that does not read back (an unknown action,
 * a target or reason too long) is skipped and logged. cb returns 0 to go on,
 * anything else to stop (returned). -1 with why on a store error.
 */
int store_override_foreach(struct store *st,
        int (*cb)(void *arg, const struct override_rule *r), void *arg,
        char *why, size_t whylen);

/* store_policy_clear - free what a row owns and zero it. */
void store_policy_clear(struct store_policy *p);

#endif
