/*
 * store_sqlite_override.c - the local overrides made with mxtlsctl in the
 * SQLite store (docs/DECISIONS.md "Local overrides"): one row per target,
 * so they survive restarts.
 *
 * The table is created with CREATE TABLE IF NOT EXISTS right after the
 * versioned migrations of store_sqlite.c, outside PRAGMA user_version: it
 * does not depend on the policy table's schema, an older build opening the
 * file ignores it, and a newer migration of the policy table does not
 * touch it. Statements are prepared per call (overrides are written by an
 * administrator, read once at start). A store set aside as corrupt
 * (store_sqlite.c) loses its overrides with its policies; that is logged
 * there (MXTLS-STORE-CORRUPT).
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "store/store_sqlite_override.h"
#include "why.h"

#define OVR_COLUMNS "target, action, until, created, reason"

int
sqlite_override_schema(
        sqlite3 *db, const char *location, char *why, size_t whylen)
{
	char *err = NULL;

	if (sqlite3_exec(db,
	            "CREATE TABLE IF NOT EXISTS mxtls_override("
	            "target TEXT PRIMARY KEY, "
	            "action TEXT NOT NULL, "
	            "until INTEGER NOT NULL, "
	            "created INTEGER NOT NULL, "
	            "reason TEXT NOT NULL)",
	            NULL, NULL, &err)
	        != SQLITE_OK) {
		why_fail(why, whylen, "%s: creating the override table: %s",
		        location, err != NULL ? err : "?");
		sqlite3_free(err);
		return (-1);
	}
	return (0);
}

/* stmt_fail - why = "file: what: sqlite's message"; finalize s; -1. */
static int
stmt_fail(sqlite3 *db, sqlite3_stmt *s, const char *what, char *why,
        size_t whylen)
{
	why_fail(why, whylen, "%s: %s: %s", sqlite3_db_filename(db, "main"),
	        what, sqlite3_errmsg(db));
	sqlite3_finalize(s);
	return (-1);
}

int
sqlite_override_put(
        void *handle, const struct override_rule *r, char *why, size_t whylen)
{
	sqlite3      *db = sqlite_store_db(handle);
	sqlite3_stmt *s  = NULL;

	if (sqlite3_prepare_v2(db,
	            "INSERT OR REPLACE INTO mxtls_override(" OVR_COLUMNS
	            ") VALUES (?1, ?2, ?3, ?4, ?5)",
	            -1, &s, NULL)
	                != SQLITE_OK
	        || sqlite3_bind_text(s, 1, r->target, -1, SQLITE_STATIC)
	                != SQLITE_OK
	        || sqlite3_bind_text(s, 2, override_action_name(r->action), -1,
	                   SQLITE_STATIC)
	                != SQLITE_OK
	        || sqlite3_bind_int64(s, 3, r->until) != SQLITE_OK
	        || sqlite3_bind_int64(s, 4, r->created) != SQLITE_OK
	        || sqlite3_bind_text(s, 5, r->reason, -1, SQLITE_STATIC)
	                != SQLITE_OK
	        || sqlite3_step(s) != SQLITE_DONE) {
		return (stmt_fail(db, s, "override put", why, whylen));
	}
	sqlite3_finalize(s);
	return (0);
}

int
sqlite_override_del(void *handle, const char *target, char *why, size_t whylen)
{
	sqlite3      *db = sqlite_store_db(handle);
	sqlite3_stmt *s  = NULL;

	if (sqlite3_prepare_v2(db,
	            "DELETE FROM mxtls_override WHERE target = ?1", -1, &s,
	            NULL)
	                != SQLITE_OK
	        || sqlite3_bind_text(s, 1, target, -1, SQLITE_STATIC)
	                != SQLITE_OK
	        || sqlite3_step(s) != SQLITE_DONE) {
		return (stmt_fail(db, s, "override delete", why, whylen));
	}
	sqlite3_finalize(s);
	return (0);
}

/* row_read - the current row into r; -1 when it does not read back. */
static int
row_read(sqlite3_stmt *s, struct override_rule *r)
{
	const char *t = (const char *)sqlite3_column_text(s, 0);
	const char *a = (const char *)sqlite3_column_text(s, 1);
	const char *w = (const char *)sqlite3_column_text(s, 4);
	int         act;

	memset(r, 0, sizeof(*r));
	if (t == NULL || a == NULL || w == NULL
	        || strlen(t) > OVERRIDE_TARGET_MAX
	        || strlen(w) > OVERRIDE_REASON_MAX
	        || (act = override_action_of(a)) < 0) {
		return (-1);
	}
	snprintf(r->target, sizeof(r->target), "%s", t);
	r->is_mx   = strncmp(t, "mx:", 3) == 0;
	r->action  = (enum override_action)act;
	r->until   = sqlite3_column_int64(s, 2);
	r->created = sqlite3_column_int64(s, 3);
	snprintf(r->reason, sizeof(r->reason), "%s", w);
	r->source = OVERRIDE_SRC_CLI;
	return (0);
}

int
sqlite_override_foreach(void *handle,
        int (*cb)(void *arg, const struct override_rule *r), void *arg,
        char *why, size_t whylen)
{
	sqlite3             *db = sqlite_store_db(handle);
	sqlite3_stmt        *s  = NULL;
	struct override_rule r;
	int                  rc, rv = 0;

	if (sqlite3_prepare_v2(db,
	            "SELECT " OVR_COLUMNS
	            " FROM mxtls_override ORDER BY target",
	            -1, &s, NULL)
	        != SQLITE_OK) {
		return (stmt_fail(db, s, "override list", why, whylen));
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (row_read(s, &r) != 0) {
			log_warn("MXTLS-STORE-OVERRIDE-BAD",
			        "%s: an override row does not read back "
			        "(target %s): skipped",
			        sqlite3_db_filename(db, "main"),
			        sqlite3_column_text(s, 0) != NULL ? (
			                const char *)sqlite3_column_text(s, 0)
			                                          : "NULL");
			continue;
		}
		if ((rv = cb(arg, &r)) != 0) {
			break;
		}
	}
	if (rv == 0 && rc != SQLITE_DONE) {
		return (stmt_fail(db, s, "override list", why, whylen));
	}
	sqlite3_finalize(s);
	return (rv);
}
