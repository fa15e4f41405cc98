/*
 * tlsrpt_store_snap.c - this host's TLSRPT counts for the fleet (RFC 8460
 * §4.3, §4.4): a snapshot of one (day, domain) read from the store's
 * counter and detail tables, the pairs that have counts, and dropping a
 * pair. See tlsrpt_store_snap.h; the format is tlsrpt_fleet_sum.h's.
 */
#include <stdint.h>
#include <stdio.h>
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
