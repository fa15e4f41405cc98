/*
 * store_sqlite.c - the SQLite store backend ("sqlite"): one database file
 * holding the MTA-STS policies as fetched (RFC 8461 §3.3, §5.1), so that
 * the cache and its TOFU state survive restarts.
 *
 * The file: created mode 0600 (before SQLite opens it, so the umask cannot
 * widen it; SQLite gives the -wal and -shm files the same mode). An existing
 * file keeps its mode. ":memory:" is accepted, for tests.
 *
 * Settings:
 * - journal_mode=WAL: readers never block the writer, one fsync per commit.
 * - synchronous=NORMAL: in WAL mode a commit survives a crash or kill -9 of
 *   mxtlsd (it is in the WAL file once the write returns), but the last
 *   commits may be rolled back by a power failure or kernel crash, because
 *   the WAL is only fsync'd at checkpoints. That is enough for a cache: a
 *   policy lost that way is fetched again on next use; the database itself
 *   is never corrupted. So "durable" in store.h means "survives the
 *   process", not "survives the power".
 * - busy_timeout 5000 ms, for mxtlsctl or a second process on the same file.
 * - defensive mode on, so no SQL can corrupt the file on purpose.
 *
 * Schema: versioned with PRAGMA user_version; migrations[i] takes version
 * i - 1 to i inside one IMMEDIATE transaction (version 2: the refresh
 * timer's columns, queried by store_sqlite_refresh.c). A file at a newer
 * version than this build knows, or at version 0 with foreign tables in it, is
 * refused rather than touched.
 *
 * At open the schema is read and PRAGMA quick_check run (a cache holds a
 * few thousand rows at most, so this costs milliseconds). A file that is
 * not a database or is corrupt is only a cache: it is renamed to
 * PATH.corrupt-<UTC time> (with its -wal and -shm files), logged
 * (MXTLS-STORE-CORRUPT) and replaced by an empty store, so mail keeps
 * flowing; policies are fetched again. A foreign or newer database is
 * refused, not moved.
 *
 * Prepared statements live in the handle for its lifetime. Every statement
 * is reset after use, so no read transaction stays open and checkpoints can
 * run. Bodies are BLOBs bound with their explicit length: they may hold any
 * bytes, NUL included. Bodies returned (get: malloc'd, owned by the caller;
 * foreach: a buffer of the handle, valid during the callback) carry one
 * extra NUL after len that is not part of the policy.
 *
 * A row with an empty or over-long domain or id (only possible if the file
 * was edited by hand) is reported as STORE_ERROR / -1, never returned.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "log.h"
#include "store/store.h"
#include "store/store_sqlite_int.h"
#include "store/store_sqlite_override.h"
#include "why.h"

#define SQLITE_BUSY_MS  5000
#define STORE_CACHE_KIB "256" /* PRAGMA cache_size, KiB (see store_open) */

/* migrations[i] takes the schema from version i - 1 to version i. */
static const char *const migrations[] = {
	NULL,
	/* 1: the policies as fetched */
	"CREATE TABLE sts_policy("
	"domain TEXT PRIMARY KEY, "
	"id TEXT NOT NULL, "
	"body BLOB NOT NULL, "
	"fetched INTEGER NOT NULL, "
	"expires INTEGER NOT NULL)",
	/* 2: the refresh timer's columns (cached/sts/sts_refresh.c): the
	 * last lookup, when the timer next looks at the row, its failures
	 * in a row; rows of version 1 keep everything, last_used 0 meaning
	 * "unknown" */
	"ALTER TABLE sts_policy ADD COLUMN last_used INTEGER NOT NULL "
	"DEFAULT 0;"
	"ALTER TABLE sts_policy ADD COLUMN refresh_at INTEGER NOT NULL "
	"DEFAULT 0;"
	"ALTER TABLE sts_policy ADD COLUMN refresh_fails INTEGER NOT NULL "
	"DEFAULT 0;"
	"CREATE INDEX sts_policy_refresh ON sts_policy(refresh_at)",
};

#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])) - 1)

#define ROW_COLUMNS                                                           \
	"domain, id, body, fetched, expires, last_used, refresh_at, "         \
	"refresh_fails"

extern const struct store_backend store_backend_sqlite;

/* db_fail - why = "location: what: sqlite's message". */
static int
db_fail(struct sqlite_store *h, const char *what, char *why, size_t whylen)
{
	return (why_fail(why, whylen, "%s: %s: %s", h->location, what,
	        sqlite3_errmsg(h->db)));
}

static int
db_exec(struct sqlite_store *h, const char *sql, char *why, size_t whylen)
{
	char *err = NULL;
	int   rc;

	if ((rc = sqlite3_exec(h->db, sql, NULL, NULL, &err)) != SQLITE_OK) {
		why_fail(why, whylen, "%s: %s: %s", h->location, sql,
		        err != NULL ? err : sqlite3_errstr(rc));
		sqlite3_free(err);
		return (-1);
	}
	return (0);
}

/* db_int - run sql, which yields one integer, into *out. */
static int
db_int(struct sqlite_store *h, const char *sql, int *out, char *why,
        size_t whylen)
{
	sqlite3_stmt *s = NULL;
	int           rc;

	if (sqlite3_prepare_v2(h->db, sql, -1, &s, NULL) != SQLITE_OK) {
		return (db_fail(h, sql, why, whylen));
	}
	if ((rc = sqlite3_step(s)) != SQLITE_ROW) {
		if (rc == SQLITE_DONE) {
			why_fail(why, whylen, "%s: %s: no result", h->location,
			        sql);
		} else {
			db_fail(h, sql, why, whylen);
		}
		sqlite3_finalize(s);
		return (-1);
	}
	*out = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return (0);
}

/* create_file - create location mode 0600 unless it exists; make sure it is
 * a regular file. */
static int
create_file(const char *location, char *why, size_t whylen)
{
	struct stat sb;
	int         fd;

	fd = open(location,
	        O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0600);
	if (fd == -1) {
		return (why_fail(why, whylen,
		        "%s: cannot open or create: %s%s", location,
		        strerror(errno),
		        errno == ENOENT ? " (its directory must exist)" : ""));
	}
	if (fstat(fd, &sb) == -1) {
		why_fail(why, whylen, "%s: fstat: %s", location,
		        strerror(errno));
		close(fd);
		return (-1);
	}
	close(fd);
	if (!S_ISREG(sb.st_mode)) {
		return (why_fail(
		        why, whylen, "%s: not a regular file", location));
	}
	return (0);
}

/* first_line - the first line of a quick_check report, without the
 * "*** in database main ***" heading. */
static void
first_line(const char *msg, char *line, size_t len)
{
	static const char heading[] = "*** in database main ***\n";

	if (msg == NULL) {
		msg = "?";
	}
	if (strncmp(msg, heading, sizeof(heading) - 1) == 0) {
		msg += sizeof(heading) - 1;
	}
	snprintf(line, len, "%.*s", (int)strcspn(msg, "\n"), msg);
}

/* check_file - read the schema and run quick_check; *nobjects is the
 * number of schema objects. -2 when the file is not a database or fails
 * the check (a cache to set aside), -1 on other errors. */
static int
check_file(struct sqlite_store *h, int *nobjects, char *why, size_t whylen)
{
	sqlite3_stmt *s = NULL;
	const char   *msg;
	char          line[128];
	int           rc, ecode;

	rc = sqlite3_prepare_v2(
	        h->db, "SELECT count(*) FROM sqlite_master", -1, &s, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		*nobjects = sqlite3_column_int(s, 0);
		rc        = SQLITE_OK;
	}
	sqlite3_finalize(s);
	s = NULL;
	if (rc != SQLITE_OK) {
		ecode = sqlite3_errcode(h->db);
		if (ecode == SQLITE_NOTADB || ecode == SQLITE_CORRUPT) {
			why_fail(why, whylen,
			        "%s: not an SQLite database, or corrupt (%s)",
			        h->location, sqlite3_errmsg(h->db));
			return (-2);
		}
		return (db_fail(h, "reading the schema", why, whylen));
	}

	if (sqlite3_prepare_v2(h->db, "PRAGMA quick_check", -1, &s, NULL)
	        != SQLITE_OK) {
		return (db_fail(h, "PRAGMA quick_check", why, whylen));
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		msg = (const char *)sqlite3_column_text(s, 0);
		if (msg == NULL || strcmp(msg, "ok") != 0) {
			first_line(msg, line, sizeof(line));
			why_fail(why, whylen,
			        "%s: database is corrupt (quick_check: %s)",
			        h->location, line);
			sqlite3_finalize(s);
			return (-2);
		}
	} else {
		ecode = sqlite3_errcode(h->db);
		why_fail(why, whylen,
		        "%s: database is corrupt (quick_check: %s)",
		        h->location, sqlite3_errmsg(h->db));
		sqlite3_finalize(s);
		return (ecode == SQLITE_NOTADB || ecode == SQLITE_CORRUPT
		                ? -2
		                : -1);
	}
	sqlite3_finalize(s);
	return (0);
}

/* migrate - bring the schema to SCHEMA_VERSION. */
static int
migrate(struct sqlite_store *h, char *why, size_t whylen)
{
	char sql[64];
	int  version, nobjects, i;

	if (db_int(h, "PRAGMA user_version", &version, why, whylen) != 0) {
		return (-1);
	}
	if (version == SCHEMA_VERSION) {
		return (0);
	}
	if (db_exec(h, "BEGIN IMMEDIATE", why, whylen) != 0) {
		return (-1);
	}
	/* Again inside the transaction: another process may have won. */
	if (db_int(h, "PRAGMA user_version", &version, why, whylen) != 0
	        || db_int(h, "SELECT count(*) FROM sqlite_master", &nobjects,
	                   why, whylen)
	                != 0) {
		goto fail;
	}
	if (version > SCHEMA_VERSION) {
		why_fail(why, whylen,
		        "%s: schema version %d is newer than this build "
		        "supports (%d)",
		        h->location, version, SCHEMA_VERSION);
		goto fail;
	}
	if (version < 0 || (version == 0 && nobjects > 0)) {
		why_fail(why, whylen,
		        "%s: not an mxtls store (schema version %d, %d "
		        "objects)",
		        h->location, version, nobjects);
		goto fail;
	}
	for (i = version + 1; i <= SCHEMA_VERSION; i++) {
		if (db_exec(h, migrations[i], why, whylen) != 0) {
			goto fail;
		}
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", SCHEMA_VERSION);
	if (db_exec(h, sql, why, whylen) != 0
	        || db_exec(h, "COMMIT", why, whylen) != 0) {
		goto fail;
	}
	if (version != SCHEMA_VERSION) {
		log_info("MXTLS-STORE-MIGRATE", "%s: schema version %d -> %d",
		        h->location, version, SCHEMA_VERSION);
	}
	return (0);

fail:
	sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
	return (-1);
}

static int
prepare(struct sqlite_store *h, const char *sql, sqlite3_stmt **s, char *why,
        size_t whylen)
{
	if (sqlite3_prepare_v3(
	            h->db, sql, -1, SQLITE_PREPARE_PERSISTENT, s, NULL)
	        != SQLITE_OK) {
		return (db_fail(h, sql, why, whylen));
	}
	return (0);
}

static void
sqlite_close(void *handle)
{
	struct sqlite_store *h = handle;

	if (h == NULL) {
		return;
	}
	sqlite3_finalize(h->get);
	sqlite3_finalize(h->put);
	sqlite3_finalize(h->del);
	sqlite3_finalize(h->del_all);
	sqlite3_finalize(h->all);
	store_sqlite_refresh_close(h);
	if (sqlite3_close(h->db) != SQLITE_OK) {
		log_warn("MXTLS-STORE-CLOSE", "%s: %s", h->location,
		        sqlite3_errmsg(h->db));
		sqlite3_close_v2(h->db);
	}
	free(h->buf);
	free(h->location);
	free(h);
}

/* set_aside - rename a corrupt store (and its -wal and -shm files) to
 * LOCATION.corrupt-YYYYMMDDTHHMMSSZ[-N], kept for inspection; the new name
 * in aside. */
static int
set_aside(const char *location, char *aside, size_t asidelen, char *why,
        size_t whylen)
{
	static const char *const sfx[] = { "-wal", "-shm" };
	char                     stamp[32], from[PATH_MAX], to[PATH_MAX + 8];
	time_t                   now = time(NULL);
	struct tm                tm;
	struct stat              sb;
	size_t                   i;
	int                      n;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	for (n = 0; n < 100; n++) {
		if (n == 0) {
			snprintf(aside, asidelen, "%s.corrupt-%s", location,
			        stamp);
		} else {
			snprintf(aside, asidelen, "%s.corrupt-%s-%d", location,
			        stamp, n);
		}
		if (lstat(aside, &sb) == -1 && errno == ENOENT) {
			break;
		}
	}
	if (rename(location, aside) == -1) {
		return (why_fail(why, whylen,
		        "%s: cannot move it aside to %s: %s", location, aside,
		        strerror(errno)));
	}
	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(from, sizeof(from), "%s%s", location, sfx[i]);
		snprintf(to, sizeof(to), "%s%s", aside, sfx[i]);
		if (rename(from, to) == -1 && errno != ENOENT) {
			return (why_fail(why, whylen,
			        "%s: cannot move it aside to %s: %s", from, to,
			        strerror(errno)));
		}
	}
	return (0);
}

static void *open_once(
        const char *location, int *corrupt, char *why, size_t whylen);

/* sqlite_open - open the store; a file that is not a database or fails its
 * integrity check is only a cache: it is set aside (kept, logged) and an
 * empty store created, so that mail keeps flowing. A foreign database or a
 * newer schema is refused instead (not ours to move). */
static void *
sqlite_open(const char *location, char *why, size_t whylen)
{
	char  aside[PATH_MAX + 64], bad[512];
	void *h;
	int   corrupt = 0;

	if ((h = open_once(location, &corrupt, why, whylen)) != NULL
	        || !corrupt) {
		return (h);
	}
	snprintf(bad, sizeof(bad), "%s", why);
	if (set_aside(location, aside, sizeof(aside), why, whylen) != 0) {
		log_err("MXTLS-STORE-CORRUPT", "%s; %s", bad, why);
		return (NULL);
	}
	log_warn("MXTLS-STORE-CORRUPT",
	        "%s; moved aside to %s, starting with an empty policy cache "
	        "(policies are fetched again as domains are looked up)",
	        bad, aside);
	corrupt = 0;
	return (open_once(location, &corrupt, why, whylen));
}

/* open_once - open and check the store; *corrupt set when the file is not
 * a database or fails its integrity check. */
static void *
open_once(const char *location, int *corrupt, char *why, size_t whylen)
{
	struct sqlite_store *h;
	sqlite3_stmt        *s = NULL;
	const char          *mode;
	int                  rc, nobjects = 0;

	if (strcmp(location, ":memory:") != 0
	        && create_file(location, why, whylen) != 0) {
		return (NULL);
	}
	if ((h = calloc(1, sizeof(*h))) == NULL
	        || (h->location = strdup(location)) == NULL) {
		free(h);
		why_fail(why, whylen, "%s: out of memory", location);
		return (NULL);
	}
	rc = sqlite3_open_v2(location, &h->db,
	        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		why_fail(why, whylen, "%s: %s", location,
		        h->db != NULL ? sqlite3_errmsg(h->db)
		                      : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(h->db, 1);
	sqlite3_busy_timeout(h->db, SQLITE_BUSY_MS);
	sqlite3_db_config(h->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);

	if ((rc = check_file(h, &nobjects, why, whylen)) != 0) {
		*corrupt = rc == -2;
		goto fail;
	}

	if (sqlite3_prepare_v2(h->db, "PRAGMA journal_mode=WAL", -1, &s, NULL)
	                != SQLITE_OK
	        || sqlite3_step(s) != SQLITE_ROW) {
		db_fail(h, "PRAGMA journal_mode=WAL", why, whylen);
		sqlite3_finalize(s);
		goto fail;
	}
	mode = (const char *)sqlite3_column_text(s, 0);
	if (mode != NULL && strcmp(mode, "wal") != 0
	        && strcmp(mode, "memory") != 0) {
		log_warn("MXTLS-STORE-NOWAL",
		        "%s: WAL journal not available, using %s", location,
		        mode);
	}
	sqlite3_finalize(s);
	if (db_exec(h, "PRAGMA synchronous=NORMAL", why, whylen) != 0) {
		goto fail;
	}
	/* a page cache of STORE_CACHE_KIB instead of SQLite's 2 MiB: the
	 * store is written once per fetch and read once per domain after a
	 * restart (the memos hold what is in use), so pages are rarely read
	 * twice; the B-tree's interior pages of 100,000 rows fit (bench:
	 * docs/BENCHMARKS.md, memory) and the rest comes from the kernel's
	 * page cache */
	if (db_exec(h, "PRAGMA cache_size=-" STORE_CACHE_KIB, why, whylen)
	        != 0) {
		goto fail;
	}

	if (migrate(h, why, whylen) != 0
	        || sqlite_override_schema(h->db, location, why, whylen) != 0) {
		goto fail;
	}

	if (prepare(h,
	            "SELECT " ROW_COLUMNS " FROM sts_policy WHERE domain = ?1",
	            &h->get, why, whylen)
	                != 0
	        || prepare(h,
	                   "INSERT OR REPLACE INTO sts_policy(" ROW_COLUMNS
	                   ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	                   &h->put, why, whylen)
	                != 0
	        || prepare(h, "DELETE FROM sts_policy WHERE domain = ?1",
	                   &h->del, why, whylen)
	                != 0
	        || prepare(h, "DELETE FROM sts_policy", &h->del_all, why,
	                   whylen)
	                != 0
	        || prepare(h,
	                   "SELECT " ROW_COLUMNS
	                   " FROM sts_policy ORDER BY domain",
	                   &h->all, why, whylen)
	                != 0) {
		goto fail;
	}
	return (h);

fail:
	sqlite_close(h);
	return (NULL);
}

/*
 * row_read - fill p from the current row of s (ROW_COLUMNS) except the
 * body, whose bytes and length go to *body and p->len.
 */
static int
row_read(struct sqlite_store *h, sqlite3_stmt *s, struct store_policy *p,
        const void **body, char *why, size_t whylen)
{
	const unsigned char *domain, *id;
	int                  dlen, idlen, blen;

	memset(p, 0, sizeof(*p));
	domain = sqlite3_column_text(s, 0);
	dlen   = sqlite3_column_bytes(s, 0);
	id     = sqlite3_column_text(s, 1);
	idlen  = sqlite3_column_bytes(s, 1);
	if (domain == NULL || dlen <= 0 || dlen > DOMAIN_MAX
	        || memchr(domain, '\0', (size_t)dlen) != NULL) {
		return (why_fail(why, whylen, "%s: row with a bad domain",
		        h->location));
	}
	memcpy(p->domain, domain, (size_t)dlen);
	if (id == NULL || idlen >= (int)sizeof(p->id)
	        || memchr(id, '\0', (size_t)idlen) != NULL) {
		return (why_fail(why, whylen, "%s: %s: row with a bad id",
		        h->location, p->domain));
	}
	memcpy(p->id, id, (size_t)idlen);
	*body            = sqlite3_column_blob(s, 2);
	blen             = sqlite3_column_bytes(s, 2);
	p->len           = blen > 0 ? (size_t)blen : 0;
	p->fetched       = sqlite3_column_int64(s, 3);
	p->expires       = sqlite3_column_int64(s, 4);
	p->last_used     = sqlite3_column_int64(s, 5);
	p->refresh_at    = sqlite3_column_int64(s, 6);
	p->refresh_fails = sqlite3_column_int(s, 7);
	if (p->len > 0 && *body == NULL) {
		return (why_fail(why, whylen,
		        "%s: %s: out of memory reading body", h->location,
		        p->domain));
	}
	return (0);
}

static void
stmt_done(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

static enum store_status
sqlite_policy_get(void *handle, const char *domain, struct store_policy *out,
        char *why, size_t whylen)
{
	struct sqlite_store *h = handle;
	const void          *body;
	int                  rc;

	memset(out, 0, sizeof(*out));
	if (sqlite3_bind_text(h->get, 1, domain, -1, SQLITE_STATIC)
	        != SQLITE_OK) {
		db_fail(h, "get: bind", why, whylen);
		goto fail;
	}
	rc = sqlite3_step(h->get);
	if (rc == SQLITE_DONE) {
		stmt_done(h->get);
		return (STORE_NOTFOUND);
	}
	if (rc != SQLITE_ROW) {
		db_fail(h, "get", why, whylen);
		goto fail;
	}
	if (row_read(h, h->get, out, &body, why, whylen) != 0) {
		goto fail;
	}
	if ((out->body = malloc(out->len + 1)) == NULL) {
		why_fail(why, whylen, "%s: get: out of memory", h->location);
		goto fail;
	}
	if (out->len > 0) {
		memcpy(out->body, body, out->len);
	}
	out->body[out->len] = '\0';
	stmt_done(h->get);
	return (STORE_FOUND);

fail:
	stmt_done(h->get);
	store_policy_clear(out);
	return (STORE_ERROR);
}

static int
sqlite_policy_put(
        void *handle, const struct store_policy *p, char *why, size_t whylen)
{
	struct sqlite_store *h = handle;
	int                  rc;

	if (sqlite3_bind_text(h->put, 1, p->domain, -1, SQLITE_STATIC)
	                != SQLITE_OK
	        || sqlite3_bind_text(h->put, 2, p->id, -1, SQLITE_STATIC)
	                != SQLITE_OK
	        || sqlite3_bind_blob64(h->put, 3,
	                   p->body != NULL ? p->body : "",
	                   (sqlite3_uint64)p->len, SQLITE_STATIC)
	                != SQLITE_OK
	        || sqlite3_bind_int64(h->put, 4, p->fetched) != SQLITE_OK
	        || sqlite3_bind_int64(h->put, 5, p->expires) != SQLITE_OK
	        || sqlite3_bind_int64(h->put, 6, p->last_used) != SQLITE_OK
	        || sqlite3_bind_int64(h->put, 7, p->refresh_at) != SQLITE_OK
	        || sqlite3_bind_int(h->put, 8, p->refresh_fails)
	                != SQLITE_OK) {
		db_fail(h, "put: bind", why, whylen);
		stmt_done(h->put);
		return (-1);
	}
	if ((rc = sqlite3_step(h->put)) != SQLITE_DONE) {
		db_fail(h, "put", why, whylen);
		stmt_done(h->put);
		return (-1);
	}
	stmt_done(h->put);
	return (0);
}

static int
sqlite_policy_del(void *handle, const char *domain, char *why, size_t whylen)
{
	struct sqlite_store *h = handle;
	sqlite3_stmt        *s = domain != NULL ? h->del : h->del_all;

	if (domain != NULL
	        && sqlite3_bind_text(s, 1, domain, -1, SQLITE_STATIC)
	                != SQLITE_OK) {
		db_fail(h, "delete: bind", why, whylen);
		stmt_done(s);
		return (-1);
	}
	if (sqlite3_step(s) != SQLITE_DONE) {
		db_fail(h, "delete", why, whylen);
		stmt_done(s);
		return (-1);
	}
	stmt_done(s);
	return (0);
}

static int
sqlite_policy_foreach(void *handle,
        int (*cb)(void *arg, const struct store_policy *p), void *arg,
        char *why, size_t whylen)
{
	struct sqlite_store *h = handle;
	struct store_policy  row;
	const void          *body;
	char                *nbuf;
	int                  rc;

	while ((rc = sqlite3_step(h->all)) == SQLITE_ROW) {
		if (row_read(h, h->all, &row, &body, why, whylen) != 0) {
			goto fail;
		}
		if (h->bufsize < row.len + 1) {
			if ((nbuf = realloc(h->buf, row.len + 1)) == NULL) {
				why_fail(why, whylen,
				        "%s: foreach: out of memory",
				        h->location);
				goto fail;
			}
			h->buf     = nbuf;
			h->bufsize = row.len + 1;
		}
		if (row.len > 0) {
			memcpy(h->buf, body, row.len);
		}
		h->buf[row.len] = '\0';
		row.body        = h->buf;
		if (cb(arg, &row) != 0) {
			stmt_done(h->all);
			return (0);
		}
	}
	if (rc != SQLITE_DONE) {
		db_fail(h, "foreach", why, whylen);
		goto fail;
	}
	stmt_done(h->all);
	return (0);

fail:
	stmt_done(h->all);
	return (-1);
}

/* for store_sqlite_refresh.c (store_sqlite_int.h) */
int
store_sqlite_fail(
        struct sqlite_store *h, const char *what, char *why, size_t whylen)
{
	return (db_fail(h, what, why, whylen));
}

int
store_sqlite_prepare(struct sqlite_store *h, const char *sql, sqlite3_stmt **s,
        char *why, size_t whylen)
{
	return (prepare(h, sql, s, why, whylen));
}

void
store_sqlite_done(sqlite3_stmt *s)
{
	stmt_done(s);
}

const struct store_backend store_backend_sqlite = {
	.name             = "sqlite",
	.open             = sqlite_open,
	.close            = sqlite_close,
	.policy_get       = sqlite_policy_get,
	.policy_put       = sqlite_policy_put,
	.policy_del       = sqlite_policy_del,
	.policy_foreach   = sqlite_policy_foreach,
	.policy_due       = store_sqlite_refresh_due,
	.policy_touch     = store_sqlite_refresh_touch,
	.policy_plan      = store_sqlite_refresh_plan,
	.override_put     = sqlite_override_put,
	.override_del     = sqlite_override_del,
	.override_foreach = sqlite_override_foreach,
};

sqlite3 *
sqlite_store_db(void *handle)
{
	return (((struct sqlite_store *)handle)->db);
}
