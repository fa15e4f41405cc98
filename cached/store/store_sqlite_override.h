/*
 * store_sqlite_override.h - the SQLite backend's override rows (see
 * store_sqlite_override.c); the functions of store_backend_sqlite that
 * store_sqlite.c points at.
 */
#ifndef MXTLS_CACHED_STORE_SQLITE_OVERRIDE_H
#define MXTLS_CACHED_STORE_SQLITE_OVERRIDE_H

#include <stddef.h>

#include <sqlite3.h>

#include "util/override_rule.h"

/* sqlite_store_db - the database of a store_sqlite.c handle. */
sqlite3 *sqlite_store_db(void *handle);

/* sqlite_override_schema - create the override table when it is not
 * there (after the versioned migrations; see the .c file). */
int sqlite_override_schema(
        sqlite3 *db, const char *location, char *why, size_t whylen);

int sqlite_override_put(
        void *handle, const struct override_rule *r, char *why, size_t whylen);
int sqlite_override_del(
        void *handle, const char *target, char *why, size_t whylen);
int sqlite_override_foreach(void *handle,
        int (*cb)(void *arg, const struct override_rule *r), void *arg,
        char *why, size_t whylen);

#endif
