/*
 * tlsrpt_queue.c - the deliveries of closed TLSRPT reports (RFC 8460 §5):
 * which are due, their outcome (done, or retried later), hurrying them
 * (mxtlsctl report --send) and what is still waiting (report --preview of
 * a closed day). The rows are made by tlsrpt_store_close_days; see
 * tlsrpt_queue.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "tlsrpt/tlsrpt_queue.h"
#include "tlsrpt/tlsrpt_store_db.h"
#include "why.h"

int
tlsrpt_queue_due(struct tlsrpt_store *st, int64_t now, int max,
        int (*cb)(void *arg, const struct tlsrpt_delivery *d), void *arg,
        char *why, size_t whylen)
{
	sqlite3_stmt *s = NULL;
	int           rc, n = 0;

	if (tlsrpt_store_prep(st,
	            "SELECT d.id, d.report, r.day, r.domain, r.report_id, "
	            "d.uri, r.json, d.attempts, d.deadline FROM delivery d "
	            "JOIN report r ON r.id = d.report WHERE d.next_try <= ?1 "
	            "ORDER BY d.next_try, d.id",
	            &s, why, whylen)
	        != 0) {
		return (-1);
	}
	sqlite3_bind_int64(s, 1, now);
	while (n < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct tlsrpt_delivery d;

		d.id        = sqlite3_column_int64(s, 0);
		d.report    = sqlite3_column_int64(s, 1);
		d.day       = sqlite3_column_int64(s, 2);
		d.domain    = tlsrpt_store_col(s, 3);
		d.report_id = tlsrpt_store_col(s, 4);
		d.uri       = tlsrpt_store_col(s, 5);
		d.json      = sqlite3_column_blob(s, 6);
		d.json_len  = (size_t)sqlite3_column_bytes(s, 6);
		d.attempts  = sqlite3_column_int(s, 7);
		d.deadline  = sqlite3_column_int64(s, 8);
		if (d.json == NULL) {
			d.json = "";
		}
		if (cb(arg, &d) == 0) {
			n++;
		}
	}
	sqlite3_finalize(s);
	return (n);
}

/* exec_id - run sql binding ?1 = id (and ?2 = v2, ?3 = t3 when given). */
static int
exec_id(struct tlsrpt_store *st, const char *sql, int64_t id, int64_t v2,
        const char *t3, char *why, size_t whylen)
{
	sqlite3_stmt *s = NULL;
	int           rc;

	if (tlsrpt_store_prep(st, sql, &s, why, whylen) != 0) {
		return (-1);
	}
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_bind_parameter_count(s) >= 2) {
		sqlite3_bind_int64(s, 2, v2);
	}
	if (t3 != NULL && sqlite3_bind_parameter_count(s) >= 3) {
		sqlite3_bind_text(s, 3, t3, -1, SQLITE_STATIC);
	}
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		return (tlsrpt_store_fail(
		        st, "updating deliveries", why, whylen));
	}
	return (sqlite3_changes(st->db));
}

int
tlsrpt_queue_delivery_finish(
        struct tlsrpt_store *st, int64_t id, char *why, size_t whylen)
{
	sqlite3_stmt *s      = NULL;
	int64_t       report = -1;

	if (tlsrpt_store_exec(st, "BEGIN IMMEDIATE", why, whylen) != 0) {
		return (-1);
	}
	if (tlsrpt_store_prep(st, "SELECT report FROM delivery WHERE id = ?1",
	            &s, why, whylen)
	        != 0) {
		goto fail;
	}
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		report = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	if (exec_id(st, "DELETE FROM delivery WHERE id = ?1", id, 0, NULL, why,
	            whylen)
	                < 0
	        || exec_id(st,
	                   "DELETE FROM report WHERE id = ?1 AND NOT EXISTS "
	                   "(SELECT 1 FROM delivery WHERE report = ?1)",
	                   report, 0, NULL, why, whylen)
	                < 0
	        || tlsrpt_store_exec(st, "COMMIT", why, whylen) != 0) {
		goto fail;
	}
	return (0);
fail:
	tlsrpt_store_rollback(st);
	return (-1);
}

int
tlsrpt_queue_delivery_retry(struct tlsrpt_store *st, int64_t id,
        int64_t next_try, const char *last_why, char *why, size_t whylen)
{
	return (exec_id(st,
	                "UPDATE delivery SET attempts = attempts + 1, "
	                "next_try = ?2, last_why = ?3 WHERE id = ?1",
	                id, next_try, last_why, why,
	                whylen) < 0
	                ? -1
	                : 0);
}

int
tlsrpt_queue_hurry(
        struct tlsrpt_store *st, int64_t now, char *why, size_t whylen)
{
	return (exec_id(st,
	        "UPDATE delivery SET next_try = ?2 WHERE ?1 = ?1 AND next_try "
	        "> ?2",
	        0, now, NULL, why, whylen));
}

int
tlsrpt_queue_hurry_day(struct tlsrpt_store *st, int64_t now, int64_t day,
        char *why, size_t whylen)
{
	sqlite3_stmt *s = NULL;
	int           rc;

	if (tlsrpt_store_prep(st,
	            "UPDATE delivery SET next_try = ?1 WHERE next_try > ?1 "
	            "AND report IN (SELECT id FROM report WHERE day = ?2)",
	            &s, why, whylen)
	        != 0) {
		return (-1);
	}
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, day);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		return (tlsrpt_store_fail(
		        st, "updating deliveries", why, whylen));
	}
	return (sqlite3_changes(st->db));
}

json_t *
tlsrpt_queue_queued(struct tlsrpt_store *st, int64_t day, const char *domain,
        char *why, size_t whylen)
{
	sqlite3_stmt *s = NULL;
	json_t       *out, *rep, *rua, *item = NULL;
	int64_t       last = -1, id;
	int           rc;

	if (tlsrpt_store_prep(st,
	            "SELECT r.id, r.domain, r.json, d.uri FROM report r JOIN "
	            "delivery d ON d.report = r.id WHERE r.day = ?1 AND "
	            "(?2 IS NULL OR r.domain = ?2) ORDER BY r.domain, r.id, "
	            "d.uri",
	            &s, why, whylen)
	        != 0) {
		return (NULL);
	}
	sqlite3_bind_int64(s, 1, day);
	if (domain != NULL) {
		sqlite3_bind_text(s, 2, domain, -1, SQLITE_STATIC);
	} else {
		sqlite3_bind_null(s, 2);
	}
	if ((out = json_array()) == NULL) {
		sqlite3_finalize(s);
		why_fail(why, whylen, "out of memory");
		return (NULL);
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		id = sqlite3_column_int64(s, 0);
		if (id != last) {
			rep  = json_loadb(sqlite3_column_blob(s, 2),
			         (size_t)sqlite3_column_bytes(s, 2), 0, NULL);
			item = json_pack("{s:s, s:[], s:o}", "domain",
			        (const char *)sqlite3_column_text(s, 1), "rua",
			        "report", rep != NULL ? rep : json_null());
			if (item == NULL) {
				break;
			}
			json_array_append_new(out, item);
			last = id;
		}
		rua = json_object_get(item, "rua");
		json_array_append_new(rua,
		        json_string((const char *)sqlite3_column_text(s, 3)));
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		json_decref(out);
		tlsrpt_store_fail(st, "reading queued reports", why, whylen);
		return (NULL);
	}
	return (out);
}

int
tlsrpt_queue_pending(struct tlsrpt_store *st)
{
	sqlite3_stmt *s = NULL;
	int           n = -1;

	if (tlsrpt_store_prep(st, "SELECT count(*) FROM delivery", &s, NULL, 0)
	        != 0) {
		return (-1);
	}
	if (sqlite3_step(s) == SQLITE_ROW) {
		n = sqlite3_column_int(s, 0);
	}
	sqlite3_finalize(s);
	return (n);
}
