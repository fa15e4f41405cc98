/*
 * tlsrpt_store_db.h - inside the TLSRPT store: its SQLite handle and the
 * few helpers tlsrpt_store.c (counters, reports), tlsrpt_queue.c
 * (deliveries) and tlsrpt_store_snap.c (the fleet's snapshots) share. Not
 * for other files.
 */
#ifndef MXTLS_CACHED_TLSRPT_STORE_DB_H
#define MXTLS_CACHED_TLSRPT_STORE_DB_H

#include <stddef.h>

#include <sqlite3.h>

struct tlsrpt_store {
	sqlite3      *db;
	char         *path;
	sqlite3_stmt *count; /* tlsrpt_store_add's UPSERT, prepared once */
};

/* tlsrpt_store_fail - why = "PATH: what: SQLite's message"; returns -1. */
int tlsrpt_store_fail(
        struct tlsrpt_store *st, const char *what, char *why, size_t whylen);

/* tlsrpt_store_exec - run sql (no results); 0 or -1 with why. */
int tlsrpt_store_exec(
        struct tlsrpt_store *st, const char *sql, char *why, size_t whylen);

/* tlsrpt_store_rollback - abandon the open transaction. */
void tlsrpt_store_rollback(struct tlsrpt_store *st);

/* tlsrpt_store_prep - prepare sql into *s; 0 or -1 with why (*s NULL). */
int tlsrpt_store_prep(struct tlsrpt_store *st, const char *sql,
        sqlite3_stmt **s, char *why, size_t whylen);

/* tlsrpt_store_col - text column i of the current row ("" for NULL). */
const char *tlsrpt_store_col(sqlite3_stmt *s, int i);

#endif
