/*
 * store_sqlite_refresh.c - the SQLite backend's queries for the refresh
 * timer (cached/sts/sts_refresh.c; RFC 8461 §3.3 "SHOULD proactively
 * refresh"): the rows due (refresh_at at or before now, through the
 * sts_policy_refresh index, earliest first), a lookup's last_used, and the
 * timer's plan for a row (refresh_at, refresh_fails). Schema version 2
 * (store_sqlite.c) adds these columns.
 *
 * Statements are prepared on first use and kept in the handle.
 */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "store/store.h"
#include "store/store_sqlite_int.h"
#include "why.h"

int
store_sqlite_refresh_due(void *handle, int64_t now, size_t max,
        int (*cb)(void *arg, const struct store_due *d), void *arg, char *why,
        size_t whylen)
{
	struct sqlite_store *h = handle;
	struct store_due     d;
	const unsigned char *domain;
	int                  rc, dlen;

	if (h->due == NULL
	        && store_sqlite_prepare(h,
	                   "SELECT domain, expires, last_used, refresh_at, "
	                   "refresh_fails FROM sts_policy WHERE refresh_at "
	                   "<= ?1 ORDER BY refresh_at LIMIT ?2",
	                   &h->due, why, whylen)
	                != 0) {
		return (-1);
	}
	if (sqlite3_bind_int64(h->due, 1, now) != SQLITE_OK
	        || sqlite3_bind_int64(h->due, 2, (sqlite3_int64)max)
	                != SQLITE_OK) {
		store_sqlite_fail(h, "due: bind", why, whylen);
		store_sqlite_done(h->due);
		return (-1);
	}
	while ((rc = sqlite3_step(h->due)) == SQLITE_ROW) {
		memset(&d, 0, sizeof(d));
		domain = sqlite3_column_text(h->due, 0);
		dlen   = sqlite3_column_bytes(h->due, 0);
		if (domain == NULL || dlen <= 0 || dlen > DOMAIN_MAX
		        || memchr(domain, '\0', (size_t)dlen) != NULL) {
			why_fail(why, whylen, "%s: row with a bad domain",
			        h->location);
			store_sqlite_done(h->due);
			return (-1);
		}
		memcpy(d.domain, domain, (size_t)dlen);
		d.expires       = sqlite3_column_int64(h->due, 1);
		d.last_used     = sqlite3_column_int64(h->due, 2);
		d.refresh_at    = sqlite3_column_int64(h->due, 3);
		d.refresh_fails = sqlite3_column_int(h->due, 4);
		if (cb(arg, &d) != 0) {
			break;
		}
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_sqlite_fail(h, "due", why, whylen);
		store_sqlite_done(h->due);
		return (-1);
	}
	store_sqlite_done(h->due);
	return (0);
}

/* run - step a bound write statement s once. */
static int
run(struct sqlite_store *h, sqlite3_stmt *s, const char *what, char *why,
        size_t whylen)
{
	if (sqlite3_step(s) != SQLITE_DONE) {
		store_sqlite_fail(h, what, why, whylen);
		store_sqlite_done(s);
		return (-1);
	}
	store_sqlite_done(s);
	return (0);
}

int
store_sqlite_refresh_touch(void *handle, const char *domain, int64_t last_used,
        char *why, size_t whylen)
{
	struct sqlite_store *h = handle;

	if (h->touch == NULL
	        && store_sqlite_prepare(h,
	                   "UPDATE sts_policy SET last_used = ?2 WHERE "
	                   "domain = ?1 AND last_used < ?2",
	                   &h->touch, why, whylen)
	                != 0) {
		return (-1);
	}
	if (sqlite3_bind_text(h->touch, 1, domain, -1, SQLITE_STATIC)
	                != SQLITE_OK
	        || sqlite3_bind_int64(h->touch, 2, last_used) != SQLITE_OK) {
		store_sqlite_fail(h, "touch: bind", why, whylen);
		store_sqlite_done(h->touch);
		return (-1);
	}
	return (run(h, h->touch, "touch", why, whylen));
}

int
store_sqlite_refresh_plan(void *handle, const char *domain, int64_t refresh_at,
        int fails, char *why, size_t whylen)
{
	struct sqlite_store *h = handle;

	if (h->plan == NULL
	        && store_sqlite_prepare(h,
	                   "UPDATE sts_policy SET refresh_at = ?2, "
	                   "refresh_fails = ?3 WHERE domain = ?1",
	                   &h->plan, why, whylen)
	                != 0) {
		return (-1);
	}
	if (sqlite3_bind_text(h->plan, 1, domain, -1, SQLITE_STATIC)
	                != SQLITE_OK
	        || sqlite3_bind_int64(h->plan, 2, refresh_at) != SQLITE_OK
	        || sqlite3_bind_int(h->plan, 3, fails) != SQLITE_OK) {
		store_sqlite_fail(h, "plan: bind", why, whylen);
		store_sqlite_done(h->plan);
		return (-1);
	}
	return (run(h, h->plan, "plan", why, whylen));
}

void
store_sqlite_refresh_close(struct sqlite_store *h)
{
	sqlite3_finalize(h->due);
	sqlite3_finalize(h->touch);
	sqlite3_finalize(h->plan);
	h->due = h->touch = h->plan = NULL;
}
