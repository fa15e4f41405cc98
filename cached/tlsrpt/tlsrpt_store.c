/*
 * tlsrpt_store.c - SQLite tables of TLS reporting (tlsrpt_store.h): result
 * counters per UTC day (RFC 8460 §4.1), rendered reports and their
 * per-destination delivery state (§5).
 *
 * Settings as the policy store (store_sqlite.c): file mode 0600, WAL,
 * synchronous=NORMAL, busy_timeout 5 s, defensive mode; schema versioned
 * with PRAGMA user_version. Every change is one IMMEDIATE transaction that
 * commits before the call returns. Counting is an UPSERT, so the same
 * observation counted twice is counted twice: callers acknowledge only
 * after the commit, so an MTA that retries an unacknowledged result can
 * at worst make one session count twice, never lose one.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "log.h"
#include "tlsrpt/tlsrpt_json.h"
#include "tlsrpt/tlsrpt_store.h"
#include "tlsrpt/tlsrpt_store_db.h"
#include "why.h"

static const char *const migrations[] = {
	NULL,
	/* 1 */
	"CREATE TABLE counter("
	"id INTEGER PRIMARY KEY, day INTEGER NOT NULL, domain TEXT NOT NULL, "
	"rua TEXT NOT NULL, pdomain TEXT NOT NULL, ptype INTEGER NOT NULL, "
	"pstr TEXT NOT NULL, mx TEXT NOT NULL, "
	"success INTEGER NOT NULL DEFAULT 0, "
	"failure INTEGER NOT NULL DEFAULT 0, "
	"ndetail INTEGER NOT NULL DEFAULT 0, "
	"UNIQUE(day, domain, rua, pdomain, ptype, pstr, mx));"
	"CREATE TABLE detail("
	"counter INTEGER NOT NULL, rtype INTEGER NOT NULL, sip TEXT NOT NULL, "
	"rip TEXT NOT NULL, mx TEXT NOT NULL, helo TEXT NOT NULL, "
	"addinfo TEXT NOT NULL, reason TEXT NOT NULL, "
	"count INTEGER NOT NULL, "
	"UNIQUE(counter, rtype, sip, rip, mx, helo, addinfo, reason));"
	"CREATE TABLE report("
	"id INTEGER PRIMARY KEY, day INTEGER NOT NULL, domain TEXT NOT NULL, "
	"report_id TEXT NOT NULL, json BLOB NOT NULL, "
	"created INTEGER NOT NULL);"
	"CREATE TABLE delivery("
	"id INTEGER PRIMARY KEY, report INTEGER NOT NULL, uri TEXT NOT NULL, "
	"attempts INTEGER NOT NULL DEFAULT 0, next_try INTEGER NOT NULL, "
	"deadline INTEGER NOT NULL, last_why TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX delivery_next ON delivery(next_try);",
};

#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])) - 1)

int
tlsrpt_store_fail(
        struct tlsrpt_store *st, const char *what, char *why, size_t whylen)
{
	return (why_fail(why, whylen, "%s: %s: %s", st->path, what,
	        sqlite3_errmsg(st->db)));
}

int
tlsrpt_store_exec(
        struct tlsrpt_store *st, const char *sql, char *why, size_t whylen)
{
	char *err = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &err) != SQLITE_OK) {
		why_fail(why, whylen, "%s: %.60s: %s", st->path, sql,
		        err != NULL ? err : "?");
		sqlite3_free(err);
		return (-1);
	}
	return (0);
}

void
tlsrpt_store_rollback(struct tlsrpt_store *st)
{
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

int
tlsrpt_store_prep(struct tlsrpt_store *st, const char *sql, sqlite3_stmt **s,
        char *why, size_t whylen)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, s, NULL) != SQLITE_OK) {
		*s = NULL;
		return (tlsrpt_store_fail(st, sql, why, whylen));
	}
	return (0);
}

static int
migrate(struct tlsrpt_store *st, char *why, size_t whylen)
{
	sqlite3_stmt *s = NULL;
	char          sql[64];
	int           version = -1, i;

	if (tlsrpt_store_exec(st, "BEGIN IMMEDIATE", why, whylen) != 0) {
		return (-1);
	}
	if (tlsrpt_store_prep(st, "PRAGMA user_version", &s, why, whylen)
	        != 0) {
		goto fail;
	}
	if (sqlite3_step(s) == SQLITE_ROW) {
		version = sqlite3_column_int(s, 0);
	}
	sqlite3_finalize(s);
	if (version < 0 || version > SCHEMA_VERSION) {
		why_fail(why, whylen,
		        "%s: schema version %d unknown to this build",
		        st->path, version);
		goto fail;
	}
	for (i = version + 1; i <= SCHEMA_VERSION; i++) {
		if (tlsrpt_store_exec(st, migrations[i], why, whylen) != 0) {
			goto fail;
		}
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", SCHEMA_VERSION);
	if (tlsrpt_store_exec(st, sql, why, whylen) != 0
	        || tlsrpt_store_exec(st, "COMMIT", why, whylen) != 0) {
		goto fail;
	}
	return (0);
fail:
	tlsrpt_store_rollback(st);
	return (-1);
}

struct tlsrpt_store *
tlsrpt_store_open(const char *path, char *why, size_t whylen)
{
	struct tlsrpt_store *st;
	int                  fd;

	if (strcmp(path, ":memory:") != 0) {
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
		if (fd == -1) {
			why_fail(why, whylen, "%s: %s", path, strerror(errno));
			return (NULL);
		}
		close(fd);
	}
	if ((st = calloc(1, sizeof(*st))) == NULL
	        || (st->path = strdup(path)) == NULL) {
		free(st);
		why_fail(why, whylen, "out of memory");
		return (NULL);
	}
	if (sqlite3_open_v2(path, &st->db,
	            SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL)
	        != SQLITE_OK) {
		tlsrpt_store_fail(st, "open", why, whylen);
		goto fail;
	}
	sqlite3_busy_timeout(st->db, 5000);
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	if (tlsrpt_store_exec(st, "PRAGMA journal_mode=WAL", why, whylen) != 0
	        || tlsrpt_store_exec(
	                   st, "PRAGMA synchronous=NORMAL", why, whylen)
	                != 0
	        || migrate(st, why, whylen) != 0) {
		goto fail;
	}
	return (st);
fail:
	tlsrpt_store_close(st);
	return (NULL);
}

void
tlsrpt_store_close(struct tlsrpt_store *st)
{
	if (st == NULL) {
		return;
	}
	sqlite3_finalize(st->count);
	if (st->db != NULL) {
		sqlite3_close_v2(st->db);
	}
	free(st->path);
	free(st);
}

/* add_detail - count d under counter; *kept 1 when counted as a detail. */
static int
add_detail(struct tlsrpt_store *st, int64_t counter, int64_t *ndetail, int max,
        const struct tlsrpt_detail *d, int *kept, char *why, size_t whylen)
{
	static const char upd[]
	        = "UPDATE detail SET count = count + 1 WHERE counter = ?1 AND "
	          "rtype = ?2 AND sip = ?3 AND rip = ?4 AND mx = ?5 AND "
	          "helo = ?6 AND addinfo = ?7 AND reason = ?8";
	static const char ins[]
	        = "INSERT INTO detail(counter, rtype, sip, rip, mx, helo, "
	          "addinfo, reason, count) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
	          "?7, "
	          "?8, 1)";
	sqlite3_stmt *s = NULL;
	int           pass, rc;

	*kept = 0;
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1 && *ndetail >= max) {
			return (0);
		}
		if (tlsrpt_store_prep(
		            st, pass == 0 ? upd : ins, &s, why, whylen)
		        != 0) {
			return (-1);
		}
		sqlite3_bind_int64(s, 1, counter);
		sqlite3_bind_int(s, 2, (int)d->rtype);
		sqlite3_bind_text(s, 3, d->sending_ip, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, d->receiving_ip, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, d->mx_host, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 6, d->helo, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 7, d->addinfo, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 8, d->reason, -1, SQLITE_STATIC);
		rc = sqlite3_step(s);
		sqlite3_finalize(s);
		if (rc != SQLITE_DONE) {
			return (tlsrpt_store_fail(
			        st, "counting a failure detail", why, whylen));
		}
		if (sqlite3_changes(st->db) > 0) {
			*kept = 1;
			if (pass == 1) {
				(*ndetail)++;
			}
			return (0);
		}
	}
	return (0);
}

int
tlsrpt_store_add(struct tlsrpt_store *st, int64_t day,
        const struct tlsrpt_obs *obs, int max_details, int *dropped, char *why,
        size_t whylen)
{
	static const char up[]
	        = "INSERT INTO counter(day, domain, rua, pdomain, ptype, "
	          "pstr, "
	          "mx, success, failure) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
	          "?8, ?9) ON CONFLICT(day, domain, rua, pdomain, ptype, "
	          "pstr, "
	          "mx) DO UPDATE SET success = success + excluded.success, "
	          "failure = failure + excluded.failure RETURNING id, ndetail";
	sqlite3_stmt *s = NULL;
	int64_t       counter, ndetail, before;
	size_t        i;
	int           kept;
	/* a result without details is one statement, atomic by itself: no
	 * explicit transaction (two more statements parsed and run) */
	int txn = obs->failed && obs->ndetail > 0;

	*dropped = 0;
	day      = tlsrpt_json_day(day);
	if (txn
	        && tlsrpt_store_exec(st, "BEGIN IMMEDIATE", why, whylen)
	                != 0) {
		return (-1);
	}
	/* one result per delivery: the statement is parsed once */
	if (st->count == NULL
	        && sqlite3_prepare_v3(st->db, up, -1,
	                   SQLITE_PREPARE_PERSISTENT, &st->count, NULL)
	                != SQLITE_OK) {
		st->count = NULL;
		tlsrpt_store_fail(st, up, why, whylen);
		goto fail;
	}
	s = st->count;
	sqlite3_bind_int64(s, 1, day);
	sqlite3_bind_text(s, 2, obs->domain, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, obs->rua, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, obs->pdomain, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 5, (int)obs->ptype);
	sqlite3_bind_text(s, 6, obs->pstr, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, obs->mx, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 8, obs->failed ? 0 : 1);
	sqlite3_bind_int(s, 9, obs->failed ? 1 : 0);
	if (sqlite3_step(s) != SQLITE_ROW) {
		tlsrpt_store_fail(st, "counting a result", why, whylen);
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
		goto fail;
	}
	counter = sqlite3_column_int64(s, 0);
	ndetail = sqlite3_column_int64(s, 1);
	sqlite3_reset(s); /* the change is made by the first step */
	sqlite3_clear_bindings(s);
	before = ndetail;
	for (i = 0; obs->failed && i < obs->ndetail; i++) {
		if (add_detail(st, counter, &ndetail, max_details,
		            &obs->detail[i], &kept, why, whylen)
		        != 0) {
			goto fail;
		}
		if (!kept) {
			(*dropped)++;
		}
	}
	if (ndetail != before) {
		if (tlsrpt_store_prep(st,
		            "UPDATE counter SET ndetail = ?2 WHERE id = ?1",
		            &s, why, whylen)
		        != 0) {
			goto fail;
		}
		sqlite3_bind_int64(s, 1, counter);
		sqlite3_bind_int64(s, 2, ndetail);
		kept = sqlite3_step(s);
		sqlite3_finalize(s);
		if (kept != SQLITE_DONE) {
			tlsrpt_store_fail(st, "counting details", why, whylen);
			goto fail;
		}
	}
	if (txn && tlsrpt_store_exec(st, "COMMIT", why, whylen) != 0) {
		goto fail;
	}
	return (0);
fail:
	if (txn) {
		tlsrpt_store_rollback(st);
	}
	return (-1);
}

const char *
tlsrpt_store_col(sqlite3_stmt *s, int i)
{
	const char *v = (const char *)sqlite3_column_text(s, i);

	return (v != NULL ? v : "");
}

/* render_group - the report of (day, domain, rua); new reference. */
static json_t *
render_group(struct tlsrpt_store *st, int64_t day, const char *domain,
        const char *rua, const struct tlsrpt_report_meta *meta,
        const char *report_id, char *why, size_t whylen)
{
	sqlite3_stmt *s = NULL, *d = NULL;
	json_t       *report, *pol;
	int           rc;

	report = tlsrpt_json_report_new(
	        meta->org, meta->contact, report_id, day);
	if (report == NULL) {
		why_fail(why, whylen, "out of memory");
		return (NULL);
	}
	if (tlsrpt_store_prep(st,
	            "SELECT id, pdomain, ptype, pstr, mx, success, failure "
	            "FROM counter WHERE day = ?1 AND domain = ?2 AND rua = ?3 "
	            "ORDER BY pdomain, ptype, pstr, mx",
	            &s, why, whylen)
	                != 0
	        || tlsrpt_store_prep(st,
	                   "SELECT rtype, sip, rip, mx, helo, addinfo, "
	                   "reason, "
	                   "count FROM detail WHERE counter = ?1 ORDER BY "
	                   "count DESC, rtype, mx, rip, sip, helo, addinfo, "
	                   "reason",
	                   &d, why, whylen)
	                != 0) {
		goto fail;
	}
	sqlite3_bind_int64(s, 1, day);
	sqlite3_bind_text(s, 2, domain, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, rua, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct tlsrpt_json_policy p;

		p.pdomain = tlsrpt_store_col(s, 1);
		p.ptype   = (enum tlsrpt_ptype)sqlite3_column_int(s, 2);
		p.pstr    = tlsrpt_store_col(s, 3);
		p.mx      = tlsrpt_store_col(s, 4);
		p.success = sqlite3_column_int64(s, 5);
		p.failure = sqlite3_column_int64(s, 6);
		if ((pol = tlsrpt_json_add_policy(report, &p)) == NULL) {
			why_fail(why, whylen, "%s: malformed policy row",
			        st->path);
			goto fail;
		}
		sqlite3_reset(d);
		sqlite3_bind_int64(d, 1, sqlite3_column_int64(s, 0));
		while ((rc = sqlite3_step(d)) == SQLITE_ROW) {
			struct tlsrpt_json_detail fd;

			fd.rtype = (enum tlsrpt_rtype)sqlite3_column_int(d, 0);
			fd.sending_ip   = tlsrpt_store_col(d, 1);
			fd.receiving_ip = tlsrpt_store_col(d, 2);
			fd.mx_host      = tlsrpt_store_col(d, 3);
			fd.helo         = tlsrpt_store_col(d, 4);
			fd.addinfo      = tlsrpt_store_col(d, 5);
			fd.reason       = tlsrpt_store_col(d, 6);
			fd.count        = sqlite3_column_int64(d, 7);
			if (fd.rtype <= TLSRPT_SUCCESS
			        || fd.rtype >= TLSRPT_RTYPE_COUNT
			        || tlsrpt_json_add_detail(pol, &fd) != 0) {
				why_fail(why, whylen,
				        "%s: malformed detail row", st->path);
				goto fail;
			}
		}
		if (rc != SQLITE_DONE) {
			tlsrpt_store_fail(st, "reading details", why, whylen);
			goto fail;
		}
	}
	if (rc != SQLITE_DONE) {
		tlsrpt_store_fail(st, "reading counters", why, whylen);
		goto fail;
	}
	sqlite3_finalize(s);
	sqlite3_finalize(d);
	return (report);
fail:
	sqlite3_finalize(s);
	sqlite3_finalize(d);
	json_decref(report);
	return (NULL);
}

struct group {
	int64_t day;
	char   *domain;
	char   *rua;
};

static void
groups_free(struct group *g, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(g[i].domain);
		free(g[i].rua);
	}
	free(g);
}

/* groups - the distinct (day, domain, rua) matching where/bindings. */
static int
groups(struct tlsrpt_store *st, const char *sql, int64_t day,
        const char *domain, struct group **out, size_t *nout, char *why,
        size_t whylen)
{
	sqlite3_stmt *s = NULL;
	struct group *g = NULL, *ng;
	size_t        n = 0;
	int           rc;

	*out  = NULL;
	*nout = 0;
	if (tlsrpt_store_prep(st, sql, &s, why, whylen) != 0) {
		return (-1);
	}
	sqlite3_bind_int64(s, 1, day);
	if (domain != NULL) {
		sqlite3_bind_text(s, 2, domain, -1, SQLITE_STATIC);
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((ng = realloc(g, (n + 1) * sizeof(*g))) == NULL) {
			goto nomem;
		}
		g           = ng;
		g[n].day    = sqlite3_column_int64(s, 0);
		g[n].domain = strdup(tlsrpt_store_col(s, 1));
		g[n].rua    = strdup(tlsrpt_store_col(s, 2));
		n++;
		if (g[n - 1].domain == NULL || g[n - 1].rua == NULL) {
			goto nomem;
		}
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		groups_free(g, n);
		return (tlsrpt_store_fail(st, "listing reports", why, whylen));
	}
	*out  = g;
	*nout = n;
	return (0);
nomem:
	sqlite3_finalize(s);
	groups_free(g, n);
	return (why_fail(why, whylen, "out of memory"));
}

json_t *
tlsrpt_store_render(struct tlsrpt_store *st, int64_t day, const char *domain,
        const struct tlsrpt_report_meta *meta, const char *report_id,
        char *why, size_t whylen)
{
	struct group *g;
	size_t        n, i;
	json_t       *out, *rep, *rua;

	if (groups(st,
	            domain != NULL
	                    ? "SELECT DISTINCT day, domain, rua FROM counter "
	                      "WHERE day = ?1 AND domain = ?2 ORDER BY "
	                      "domain, rua"
	                    : "SELECT DISTINCT day, domain, rua FROM counter "
	                      "WHERE day = ?1 ORDER BY domain, rua",
	            day, domain, &g, &n, why, whylen)
	        != 0) {
		return (NULL);
	}
	if ((out = json_array()) == NULL) {
		groups_free(g, n);
		why_fail(why, whylen, "out of memory");
		return (NULL);
	}
	for (i = 0; i < n; i++) {
		rep = render_group(st, g[i].day, g[i].domain, g[i].rua, meta,
		        report_id, why, whylen);
		if (rep == NULL) {
			json_decref(out);
			out = NULL;
			break;
		}
		rua = json_loads(g[i].rua, 0, NULL);
		json_array_append_new(out,
		        json_pack("{s:s, s:o, s:o}", "domain", g[i].domain,
		                "rua", rua != NULL ? rua : json_array(),
		                "report", rep));
	}
	groups_free(g, n);
	return (out);
}

/* close_group - render and queue one report, delete its counters. */
static int
close_group(struct tlsrpt_store *st, const struct group *g,
        const struct tlsrpt_report_meta *meta, const char *submitter,
        int64_t retry_deadline, int64_t send_at, char *why, size_t whylen)
{
	sqlite3_stmt *s   = NULL;
	json_t       *rep = NULL, *rua = NULL, *u;
	char          rid[DOMAIN_MAX * 2 + 64], date[32], *text = NULL;
	int64_t       id;
	size_t        i;
	int           rc;

	if (tlsrpt_store_exec(st, "BEGIN IMMEDIATE", why, whylen) != 0) {
		return (-1);
	}
	if (tlsrpt_store_prep(st,
	            "INSERT INTO report(day, domain, report_id, json, "
	            "created) "
	            "VALUES (?1, ?2, '', '', strftime('%s','now'))",
	            &s, why, whylen)
	        != 0) {
		goto fail;
	}
	sqlite3_bind_int64(s, 1, g->day);
	sqlite3_bind_text(s, 2, g->domain, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		tlsrpt_store_fail(st, "storing a report", why, whylen);
		goto fail;
	}
	id = sqlite3_last_insert_rowid(st->db);
	tlsrpt_json_datetime(g->day, date, sizeof(date));
	date[10] = '\0';
	snprintf(rid, sizeof(rid), "%s.%" PRId64 ".%s@%s", date, id, g->domain,
	        submitter);
	if ((rep = render_group(
	             st, g->day, g->domain, g->rua, meta, rid, why, whylen))
	        == NULL) {
		goto fail;
	}
	if ((text = json_dumps(rep, JSON_COMPACT)) == NULL) {
		why_fail(why, whylen, "out of memory");
		goto fail;
	}
	if (tlsrpt_store_prep(st,
	            "UPDATE report SET report_id = ?2, json = ?3 WHERE id = "
	            "?1",
	            &s, why, whylen)
	        != 0) {
		goto fail;
	}
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, rid, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 3, text, (int)strlen(text), SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		tlsrpt_store_fail(st, "storing a report", why, whylen);
		goto fail;
	}
	if ((rua = json_loads(g->rua, 0, NULL)) == NULL
	        || json_array_size(rua) == 0) {
		why_fail(
		        why, whylen, "%s: malformed rua %s", st->path, g->rua);
		goto fail;
	}
	json_array_foreach(rua, i, u)
	{
		if (tlsrpt_store_prep(st,
		            "INSERT INTO delivery(report, uri, next_try, "
		            "deadline) VALUES (?1, ?2, ?3, ?4)",
		            &s, why, whylen)
		        != 0) {
			goto fail;
		}
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_text(
		        s, 2, json_string_value(u), -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, send_at);
		sqlite3_bind_int64(s, 4, g->day + TLSRPT_DAY + retry_deadline);
		rc = sqlite3_step(s);
		sqlite3_finalize(s);
		if (rc != SQLITE_DONE) {
			tlsrpt_store_fail(
			        st, "queueing a delivery", why, whylen);
			goto fail;
		}
	}
	if (tlsrpt_store_prep(st,
	            "DELETE FROM detail WHERE counter IN (SELECT id FROM "
	            "counter WHERE day = ?1 AND domain = ?2 AND rua = ?3)",
	            &s, why, whylen)
	        != 0) {
		goto fail;
	}
	for (i = 0; i < 2; i++) {
		sqlite3_bind_int64(s, 1, g->day);
		sqlite3_bind_text(s, 2, g->domain, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, g->rua, -1, SQLITE_STATIC);
		rc = sqlite3_step(s);
		sqlite3_finalize(s);
		s = NULL;
		if (rc != SQLITE_DONE) {
			tlsrpt_store_fail(
			        st, "deleting counters", why, whylen);
			goto fail;
		}
		if (i == 0
		        && tlsrpt_store_prep(st,
		                   "DELETE FROM counter WHERE day = ?1 AND "
		                   "domain = ?2 AND rua = ?3",
		                   &s, why, whylen)
		                != 0) {
			goto fail;
		}
	}
	if (tlsrpt_store_exec(st, "COMMIT", why, whylen) != 0) {
		goto fail;
	}
	log_info("MXTLS-TLSRPT-REPORT", "%s: report %s for %s to %s",
	        g->domain, rid, date, g->rua);
	free(text);
	json_decref(rep);
	json_decref(rua);
	return (0);
fail:
	tlsrpt_store_rollback(st);
	free(text);
	json_decref(rep);
	json_decref(rua);
	return (-1);
}

int
tlsrpt_store_close_days(struct tlsrpt_store *st, int64_t before,
        const struct tlsrpt_report_meta *meta, const char *submitter,
        int64_t retry_deadline,
        int64_t (*send_at)(void *arg, int64_t day, const char *domain),
        void *arg, char *why, size_t whylen)
{
	struct group *g;
	size_t        n, i;
	int           made = 0;

	if (groups(st,
	            "SELECT DISTINCT day, domain, rua FROM counter WHERE day "
	            "< "
	            "?1 ORDER BY day, domain, rua",
	            before, NULL, &g, &n, why, whylen)
	        != 0) {
		return (-1);
	}
	for (i = 0; i < n; i++) {
		if (close_group(st, &g[i], meta, submitter, retry_deadline,
		            send_at(arg, g[i].day, g[i].domain), why, whylen)
		        != 0) {
			groups_free(g, n);
			return (-1);
		}
		made++;
	}
	groups_free(g, n);
	return (made);
}

int
tlsrpt_store_close_pair(struct tlsrpt_store *st, int64_t day,
        const char *domain, const struct tlsrpt_report_meta *meta,
        const char *submitter, int64_t retry_deadline, int64_t send_at,
        char *why, size_t whylen)
{
	struct group *g;
	size_t        n, i;
	int           made = 0;

	if (groups(st,
	            "SELECT DISTINCT day, domain, rua FROM counter WHERE day "
	            "= ?1 AND domain = ?2 ORDER BY rua",
	            day, domain, &g, &n, why, whylen)
	        != 0) {
		return (-1);
	}
	for (i = 0; i < n; i++) {
		if (close_group(st, &g[i], meta, submitter, retry_deadline,
		            send_at, why, whylen)
		        != 0) {
			groups_free(g, n);
			return (-1);
		}
		made++;
	}
	groups_free(g, n);
	return (made);
}
