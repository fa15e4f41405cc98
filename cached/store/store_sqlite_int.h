/*
 * store_sqlite_int.h - the SQLite backend's handle and helpers, shared by
 * its files: store_sqlite.c (open, schema, the policy rows) and
 * store_sqlite_refresh.c (the refresh timer's queries). Internal to
 * store/.
 */
#ifndef MXTLS_CACHED_STORE_SQLITE_INT_H
#define MXTLS_CACHED_STORE_SQLITE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "store/store.h"

struct sqlite_store {
	sqlite3      *db;
	char         *location;
	sqlite3_stmt *get;
	sqlite3_stmt *put;
	sqlite3_stmt *del;
	sqlite3_stmt *del_all;
	sqlite3_stmt *all;
	sqlite3_stmt *due;   /* store_sqlite_refresh.c, prepared on use */
	sqlite3_stmt *touch; /* ditto */
	sqlite3_stmt *plan;  /* ditto */
	char         *buf;   /* foreach: the current row's body */
	size_t        bufsize;
};

/* store_sqlite_fail - why = "location: what: sqlite's message"; -1. */
int store_sqlite_fail(
        struct sqlite_store *h, const char *what, char *why, size_t whylen);

/* store_sqlite_prepare - a persistent prepared statement of sql in *s. */
int store_sqlite_prepare(struct sqlite_store *h, const char *sql,
        sqlite3_stmt **s, char *why, size_t whylen);

/* store_sqlite_done - reset s and clear its bindings after use. */
void store_sqlite_done(sqlite3_stmt *s);

/* the refresh timer's operations (store.h: store_policy_due, _touch,
 * _plan) and the release of their statements */
int  store_sqlite_refresh_due(void *handle, int64_t now, size_t max,
         int (*cb)(void *arg, const struct store_due *d), void *arg, char *why,
         size_t whylen);
int  store_sqlite_refresh_touch(void *handle, const char *domain,
         int64_t last_used, char *why, size_t whylen);
int  store_sqlite_refresh_plan(void *handle, const char *domain,
         int64_t refresh_at, int fails, char *why, size_t whylen);
void store_sqlite_refresh_close(struct sqlite_store *h);

#endif
