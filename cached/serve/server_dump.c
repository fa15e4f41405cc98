/*
 * server_dump.c - the IPC "dump" op (docs/IPC.md "dump"): every domain in
 * the MTA-STS cache, most recently used first, with its policy (id, mode,
 * max_age, fetched, expires: RFC 8461 §3.2, §5.1) or its remembered "no
 * policy", its DANE memo (RFC 7672 §2.2: MX status, hosts with usable
 * TLSA records), and when the next lookup starts work again. Domains
 * only in the DANE memo are listed too, then the policies only in the
 * store (sts "stored": loaded on the domain's next lookup). At most max
 * domains: past that, "truncated" is true and "total" says how many there
 * are.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "dane/dane_resolver.h"
#include "log.h"
#include "logrl.h"
#include "proto.h"
#include "serve/server_dump.h"
#include "sts/sts_resolver.h"
#include "util/memo.h"
#include "why.h"

static void
set_time(json_t *o, const char *key, long long t)
{
	if (t > 0) {
		json_object_set_new(o, key, json_integer((json_int_t)t));
	}
}

/* dump_domain - one domain's object, or NULL when neither resolver holds
 * anything for it now */
static json_t *
dump_domain(const struct query_services *svc, const char *domain)
{
	struct sts_resolver_state  s;
	struct dane_resolver_state d;
	int                        have_s, have_d;
	json_t                    *o;

	have_s = svc->sts != NULL
	        && sts_resolver_state(svc->sts, domain, &s) == 0;
	have_d = svc->dane != NULL
	        && dane_resolver_state(svc->dane, domain, &d) == 0;
	if (!have_s && !have_d) {
		return (NULL);
	}
	o = json_pack("{s:s}", "domain", domain);
	if (!have_s) {
		json_object_set_new(o, "sts", json_string("unknown"));
	} else if (s.have_policy) {
		json_object_set_new(o, "sts", json_string("policy"));
		json_object_set_new(o, "policy_id", json_string(s.id));
		json_object_set_new(o, "mode", json_string(s.mode));
		json_object_set_new(o, "max_age", json_integer(s.max_age));
		set_time(o, "fetched", s.fetched);
		set_time(o, "expires", s.expires);
		json_object_set_new(o, "source",
		        json_string(s.from_store ? "store" : "cache"));
	} else if (s.have_none) {
		json_object_set_new(o, "sts", json_string("none"));
		set_time(o, "expires", s.expires);
		if (s.none_why != NULL) {
			json_object_set_new(o, "why", why_json(s.none_why));
		}
	} else {
		json_object_set_new(o, "sts", json_string("unknown"));
	}
	if (have_s) {
		set_time(o, "checked", s.checked);
		set_time(o, "next_check", s.next_check);
		if (s.busy) {
			json_object_set_new(o, "busy", json_true());
		}
	}
	if (have_d && d.known) {
		json_object_set_new(o, "dane",
		        json_string(d.usable > 0 ? "dane" : "no-dane"));
		json_object_set_new(o, "dane_mx", json_string(d.mx_status));
		json_object_set_new(o, "dane_hosts", json_integer(d.hosts));
		json_object_set_new(o, "dane_usable", json_integer(d.usable));
		set_time(o, "dane_expires", d.expires);
	} else if (have_d && d.busy) {
		json_object_set_new(o, "dane", json_string("pending"));
	}
	return (o);
}

/* dump_add - domains' objects into a (at most max), skipping those in
 * seen (a JSON object used as a set); counts every one in *total */
static void
dump_add(const struct query_services *svc, char **domains, json_t *a,
        json_t *seen, size_t max, size_t *total)
{
	json_t *o;
	size_t  i;

	for (i = 0; domains != NULL && domains[i] != NULL; i++) {
		if (json_object_get(seen, domains[i]) != NULL) {
			free(domains[i]);
			continue;
		}
		json_object_set_new(seen, domains[i], json_true());
		if ((o = dump_domain(svc, domains[i])) != NULL) {
			(*total)++;
			if (json_array_size(a) < max) {
				json_array_append_new(a, o);
			} else {
				json_decref(o);
			}
		}
		free(domains[i]);
	}
	free(domains);
}

struct dump_walk {
	json_t *a, *seen;
	size_t  max, *total;
};

/* dump_stored - one policy of the store not already listed */
static int
dump_stored(void *arg, const struct sts_resolver_stored *p)
{
	struct dump_walk *w = arg;
	json_t           *o;

	if (json_object_get(w->seen, p->domain) != NULL) {
		return (0);
	}
	(*w->total)++;
	if (json_array_size(w->a) >= w->max) {
		return (0);
	}
	o = json_pack("{s:s, s:s, s:s, s:s}", "domain", p->domain, "sts",
	        "stored", "policy_id", p->id, "source", "store");
	if (p->mode != NULL) {
		json_object_set_new(o, "mode", json_string(p->mode));
		json_object_set_new(o, "max_age", json_integer(p->max_age));
	}
	set_time(o, "fetched", p->fetched);
	set_time(o, "expires", p->expires);
	json_array_append_new(w->a, o);
	return (0);
}

char *
server_dump(const struct query_services *svc, size_t max)
{
	json_t *o, *a = json_array(), *seen = json_object();
	size_t  total = 0;
	char   *s;

	if (svc->sts != NULL) {
		dump_add(svc, sts_resolver_domains(svc->sts), a, seen, max,
		        &total);
	}
	if (svc->dane != NULL) {
		dump_add(svc, dane_resolver_domains(svc->dane), a, seen, max,
		        &total);
	}
	if (svc->sts != NULL) {
		struct dump_walk w = { a, seen, max, &total };
		char             why[256];

		if (sts_resolver_stored(
		            svc->sts, dump_stored, &w, why, sizeof(why))
		        != 0) {
			log_warn_rl("MXTLS-DUMP-STORE",
			        "dump: the store's policies are not listed: "
			        "%s",
			        why);
		}
	}
	json_decref(seen);
	o = json_pack("{s:i, s:s, s:I, s:I, s:b, s:o}", "v", PROTO_VERSION,
	        "status", "ok", "now", (json_int_t)time(NULL), "total",
	        (json_int_t)total, "truncated", total > max, "domains", a);
	if (o == NULL || (s = json_dumps(o, JSON_COMPACT)) == NULL) {
		log_err("MXTLS-NOMEM", "out of memory");
		abort();
	}
	json_decref(o);
	return (s);
}
