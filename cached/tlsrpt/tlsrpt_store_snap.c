/*
 * tlsrpt_store_snap.c - this host's TLSRPT counts for the fleet (RFC 8460
 * §4.3, §4.4): a snapshot of one (day, domain) read from the store's
 * counter and detail tables, the pairs that have counts, and dropping a
 * pair. See tlsrpt_store_snap.h; the format is tlsrpt_fleet_sum.h's.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "tlsrpt/tlsrpt_fleet_sum.h"
#include "tlsrpt/tlsrpt_result.h"
#include "tlsrpt/tlsrpt_store_db.h"
#include "tlsrpt/tlsrpt_store_snap.h"
#include "why.h"

/* group_of - the group of rua in groups, made when missing (borrowed). */
static json_t *
group_of(json_t *groups, const char *rua)
{
	json_t *g, *r;
	size_t  i;

	json_array_foreach(groups, i, g)
	{
		if (strcmp(json_string_value(json_object_get(g, "ruatext")),
		            rua)
		        == 0) {
			return (g);
		}
	}
	if ((r = json_loads(rua, 0, NULL)) == NULL) {
		return (NULL);
	}
	g = json_pack(
	        "{s:o, s:s, s:[]}", "rua", r, "ruatext", rua, "policies");
	if (g == NULL || json_array_append_new(groups, g) != 0) {
		return (NULL);
	}
	return (g);
}

static int
details(struct tlsrpt_store *st, sqlite3_stmt *d, int64_t counter, json_t *pol,
        char *why, size_t whylen)
{
	json_t *ds = json_object_get(pol, "d"), *o;
	int     rc;

	sqlite3_reset(d);
	sqlite3_bind_int64(d, 1, counter);
	while ((rc = sqlite3_step(d)) == SQLITE_ROW) {
		int t = sqlite3_column_int(d, 0);

		if (t <= TLSRPT_SUCCESS || t >= TLSRPT_RTYPE_COUNT) {
			return (why_fail(why, whylen,
			        "%s: malformed detail row", st->path));
		}
		o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "rt",
		        tlsrpt_rtype_name((enum tlsrpt_rtype)t), "sip",
		        tlsrpt_store_col(d, 1), "rip", tlsrpt_store_col(d, 2),
		        "mx", tlsrpt_store_col(d, 3), "helo",
		        tlsrpt_store_col(d, 4), "ai", tlsrpt_store_col(d, 5),
		        "rc", tlsrpt_store_col(d, 6), "n",
		        (json_int_t)sqlite3_column_int64(d, 7));
		if (o == NULL || json_array_append_new(ds, o) != 0) {
			return (why_fail(why, whylen, "out of memory"));
		}
	}
	if (rc != SQLITE_DONE) {
		return (tlsrpt_store_fail(st, "reading details", why, whylen));
	}
	return (0);
}

char *
tlsrpt_store_snap(struct tlsrpt_store *st, int64_t day, const char *domain,
        const char *host, int64_t seq, char *why, size_t whylen)
{
	sqlite3_stmt *s = NULL, *d = NULL;
	json_t       *snap, *groups, *g, *pol;
	char         *text = NULL;
	size_t        i;
	int           rc;

	snap = json_pack("{s:i, s:s, s:I, s:I, s:s, s:[]}", "v",
	        TLSRPT_FLEET_VERSION, "host", host, "seq", (json_int_t)seq,
	        "day", (json_int_t)day, "domain", domain, "groups");
	if (snap == NULL) {
		why_fail(why, whylen, "out of memory");
		return (NULL);
	}
	groups = json_object_get(snap, "groups");
	if (tlsrpt_store_prep(st,
	            "SELECT id, rua, pdomain, ptype, pstr, mx, success, "
	            "failure FROM counter WHERE day = ?1 AND domain = ?2 "
	            "ORDER BY rua, pdomain, ptype, pstr, mx",
	            &s, why, whylen)
	                != 0
	        || tlsrpt_store_prep(st,
	                   "SELECT rtype, sip, rip, mx, helo, addinfo, "
	                   "reason, "
	                   "count FROM detail WHERE counter = ?1 ORDER BY "
	                   "rtype, mx, rip, sip, helo, addinfo, reason",
	                   &d, why, whylen)
	                != 0) {
		goto done;
	}
	sqlite3_bind_int64(s, 1, day);
	sqlite3_bind_text(s, 2, domain, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int t = sqlite3_column_int(s, 3);

		if ((g = group_of(groups, tlsrpt_store_col(s, 1))) == NULL
		        || t <= TLSRPT_PTYPE_UNSET
		        || t > TLSRPT_PTYPE_NOPOLICY) {
			why_fail(why, whylen, "%s: malformed counter row",
			        st->path);
			goto done;
		}
		pol = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:[]}", "pd",
		        tlsrpt_store_col(s, 2), "pt",
		        tlsrpt_ptype_name((enum tlsrpt_ptype)t), "ps",
		        tlsrpt_store_col(s, 4), "mx", tlsrpt_store_col(s, 5),
		        "s", (json_int_t)sqlite3_column_int64(s, 6), "f",
		        (json_int_t)sqlite3_column_int64(s, 7), "d");
		if (pol == NULL
		        || json_array_append_new(
		                   json_object_get(g, "policies"), pol)
		                != 0) {
			why_fail(why, whylen, "out of memory");
			goto done;
		}
		if (details(st, d, sqlite3_column_int64(s, 0), pol, why,
		            whylen)
		        != 0) {
			goto done;
		}
	}
	if (rc != SQLITE_DONE) {
		tlsrpt_store_fail(st, "reading counters", why, whylen);
		goto done;
	}
	json_array_foreach(groups, i, g)
	{
		json_object_del(g, "ruatext");
	}
	if ((text = json_dumps(snap, JSON_COMPACT | JSON_PRESERVE_ORDER))
	        == NULL) {
		why_fail(why, whylen, "out of memory");
	}
done:
	sqlite3_finalize(s);
	sqlite3_finalize(d);
	json_decref(snap);
	return (text);
}

json_t *
tlsrpt_store_snap_pairs(struct tlsrpt_store *st, char *why, size_t whylen)
{
	sqlite3_stmt *s = NULL;
	json_t       *out;
	int           rc;

	if (tlsrpt_store_prep(st,
	            "SELECT DISTINCT day, domain FROM counter ORDER BY day, "
	            "domain",
	            &s, why, whylen)
	        != 0) {
		return (NULL);
	}
	if ((out = json_array()) == NULL) {
		sqlite3_finalize(s);
		why_fail(why, whylen, "out of memory");
		return (NULL);
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		json_array_append_new(out,
		        json_pack("[I, s]",
		                (json_int_t)sqlite3_column_int64(s, 0),
		                tlsrpt_store_col(s, 1)));
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		json_decref(out);
		tlsrpt_store_fail(st, "listing counters", why, whylen);
		return (NULL);
	}
	return (out);
}

int
tlsrpt_store_snap_drop(struct tlsrpt_store *st, int64_t day,
        const char *domain, char *why, size_t whylen)
{
	static const char *const sql[] = {
		"DELETE FROM detail WHERE counter IN (SELECT id FROM counter "
		"WHERE day = ?1 AND domain = ?2)",
		"DELETE FROM counter WHERE day = ?1 AND domain = ?2",
	};
	sqlite3_stmt *s = NULL;
	size_t        i;
	int           rc;

	if (tlsrpt_store_exec(st, "BEGIN IMMEDIATE", why, whylen) != 0) {
		return (-1);
	}
	for (i = 0; i < 2; i++) {
		if (tlsrpt_store_prep(st, sql[i], &s, why, whylen) != 0) {
			goto fail;
		}
		sqlite3_bind_int64(s, 1, day);
		sqlite3_bind_text(s, 2, domain, -1, SQLITE_STATIC);
		rc = sqlite3_step(s);
		sqlite3_finalize(s);
		if (rc != SQLITE_DONE) {
			tlsrpt_store_fail(
			        st, "deleting counters", why, whylen);
			goto fail;
		}
	}
	if (tlsrpt_store_exec(st, "COMMIT", why, whylen) != 0) {
		goto fail;
	}
	return (0);
fail:
	tlsrpt_store_rollback(st);
	return (-1);
}

/* sub_exec - run sql with ?1 day, ?2 domain. */
static int
sub_exec(struct tlsrpt_store *st, const char *sql, int64_t day,
        const char *domain, char *why, size_t whylen)
{
	sqlite3_stmt *s = NULL;
	int           rc;

	if (tlsrpt_store_prep(st, sql, &s, why, whylen) != 0) {
		return (-1);
	}
	sqlite3_bind_int64(s, 1, day);
	sqlite3_bind_text(s, 2, domain, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return (rc == SQLITE_DONE
	                ? 0
	                : tlsrpt_store_fail(st, "subtracting", why, whylen));
}

/* sub_policy - subtract one snapshot policy p of rua from the counters. */
static int
sub_policy(struct tlsrpt_store *st, int64_t day, const char *domain,
        const char *rua, json_t *p, char *why, size_t whylen)
{
	static const char *const m[]
	        = { "sip", "rip", "mx", "helo", "ai", "rc" };
	sqlite3_stmt *s = NULL;
	json_t       *d;
	size_t        i, k;
	int64_t       id;
	int           rc;

	if (tlsrpt_store_prep(st,
	            "UPDATE counter SET success = MAX(0, success - ?8), "
	            "failure = MAX(0, failure - ?9) WHERE day = ?1 AND "
	            "domain = ?2 AND rua = ?3 AND pdomain = ?4 AND ptype = ?5 "
	            "AND pstr = ?6 AND mx = ?7 RETURNING id",
	            &s, why, whylen)
	        != 0) {
		return (-1);
	}
	sqlite3_bind_int64(s, 1, day);
	sqlite3_bind_text(s, 2, domain, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, rua, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, json_string_value(json_object_get(p, "pd")),
	        -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 5,
	        tlsrpt_ptype_parse(
	                json_string_value(json_object_get(p, "pt"))));
	sqlite3_bind_text(s, 6, json_string_value(json_object_get(p, "ps")),
	        -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, json_string_value(json_object_get(p, "mx")),
	        -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 8, json_integer_value(json_object_get(p, "s")));
	sqlite3_bind_int64(s, 9, json_integer_value(json_object_get(p, "f")));
	rc = sqlite3_step(s);
	id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		return (tlsrpt_store_fail(st, "subtracting", why, whylen));
	}
	json_array_foreach(json_object_get(p, "d"), i, d)
	{
		if (id < 0) {
			break;
		}
		if (tlsrpt_store_prep(st,
		            "UPDATE detail SET count = MAX(0, count - ?9) "
		            "WHERE "
		            "counter = ?1 AND rtype = ?2 AND sip = ?3 AND rip "
		            "= "
		            "?4 AND mx = ?5 AND helo = ?6 AND addinfo = ?7 "
		            "AND "
		            "reason = ?8",
		            &s, why, whylen)
		        != 0) {
			return (-1);
		}
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int(s, 2,
		        tlsrpt_rtype_parse(
		                json_string_value(json_object_get(d, "rt"))));
		for (k = 0; k < sizeof(m) / sizeof(m[0]); k++) {
			sqlite3_bind_text(s, (int)k + 3,
			        json_string_value(json_object_get(d, m[k])),
			        -1, SQLITE_STATIC);
		}
		sqlite3_bind_int64(
		        s, 9, json_integer_value(json_object_get(d, "n")));
		rc = sqlite3_step(s);
		sqlite3_finalize(s);
		if (rc != SQLITE_DONE) {
			return (tlsrpt_store_fail(
			        st, "subtracting", why, whylen));
		}
	}
	return (0);
}

int
tlsrpt_store_snap_subtract(struct tlsrpt_store *st, int64_t day,
        const char *domain, json_t *groups, char *why, size_t whylen)
{
	json_t *g, *p;
	char   *rua;
	size_t  i, k;

	if (tlsrpt_store_exec(st, "BEGIN IMMEDIATE", why, whylen) != 0) {
		return (-1);
	}
	json_array_foreach(groups, i, g)
	{
		rua = json_dumps(json_object_get(g, "rua"), JSON_COMPACT);
		if (rua == NULL) {
			why_fail(why, whylen, "out of memory");
			goto fail;
		}
		json_array_foreach(json_object_get(g, "policies"), k, p)
		{
			if (sub_policy(st, day, domain, rua, p, why, whylen)
			        != 0) {
				free(rua);
				goto fail;
			}
		}
		free(rua);
	}
	if (sub_exec(st,
	            "DELETE FROM detail WHERE count = 0 AND counter IN "
	            "(SELECT id FROM counter WHERE day = ?1 AND domain = ?2)",
	            day, domain, why, whylen)
	                != 0
	        || sub_exec(st,
	                   "DELETE FROM detail WHERE counter IN (SELECT id "
	                   "FROM counter WHERE day = ?1 AND domain = ?2 AND "
	                   "success = 0 AND failure = 0)",
	                   day, domain, why, whylen)
	                != 0
	        || sub_exec(st,
	                   "DELETE FROM counter WHERE day = ?1 AND domain = "
	                   "?2 "
	                   "AND success = 0 AND failure = 0",
	                   day, domain, why, whylen)
	                != 0
	        || sub_exec(st,
	                   "UPDATE counter SET ndetail = (SELECT count(*) "
	                   "FROM "
	                   "detail WHERE detail.counter = counter.id) WHERE "
	                   "day = ?1 AND domain = ?2",
	                   day, domain, why, whylen)
	                != 0
	        || tlsrpt_store_exec(st, "COMMIT", why, whylen) != 0) {
		goto fail;
	}
	return (0);
fail:
	tlsrpt_store_rollback(st);
	return (-1);
}
