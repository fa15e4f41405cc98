/*
 * sts_resolver_fleet.c - what a flush and the fleet's news do to the
 * MTA-STS resolver's entries and store rows (docs/FLEET.md "The news"):
 * a flush here and on every host of the fleet, and another host's new
 * policy id, which makes a policy held here recheck its TXT record
 * (RFC 8461 section 3.1, 5.1) rather than be dropped. The state machine
 * that does the work is sts_resolver.c's.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "store/store.h"
#include "sts/sts_entry.h"
#include "sts/sts_fleet.h"
#include "sts/sts_resolver.h"
#include "util/change.h"
#include "util/memo.h"
#include "util/stats.h"

unsigned long
sts_resolver_flush(struct sts_resolver *r, const char *domain)
{
	sts_fleet_flush(r->fleet, domain);
	return (sts_resolver_flush_local(r, domain));
}

static void
sts_resolver_news_flush(void *arg, const char *domain)
{
	(void)sts_resolver_flush_local(arg, domain);
}

static void
sts_resolver_news_policy(void *arg, const char *domain, const char *id)
{
	sts_resolver_fleet_news(arg, domain, id);
}

void
sts_resolver_set_fleet(struct sts_resolver *r, struct sts_fleet *f)
{
	r->fleet = f;
	if (f != NULL) {
		sts_fleet_set_news(f, sts_resolver_news_flush,
		        sts_resolver_news_policy, r);
	}
}

/* sts_resolver_fleet_news - another host published policy id for domain.
 * A policy held here under another id stays valid (RFC 8461 section 5.1:
 * until max_age) but its TXT record is rechecked at once: the new id then
 * comes from Redis, no fetch. It is not dropped: a resolver that still
 * serves the old TXT record would make this host fetch again and publish
 * the old id back (docs/FLEET.md). A negative answer here is dropped. */
void
sts_resolver_fleet_news(
        struct sts_resolver *r, const char *domain, const char *id)
{
	struct sts_entry   *e = memo_get(r->memo, MEMO_STS, domain);
	struct store_policy row;
	char                why[256];

	if (e == NULL) {
		int same;

		if (store_policy_get(r->store, domain, &row, why, sizeof(why))
		        != STORE_FOUND) {
			return; /* never seen here */
		}
		same = strcmp(row.id, id) == 0;
		store_policy_clear(&row);
		if (same) {
			return;
		}
		if ((e = sts_resolver_entry(r, domain)) == NULL) {
			return; /* cache full: loaded later, rechecked then */
		}
	}
	if (sts_entry_busy(e) || (e->have_policy && strcmp(e->id, id) == 0)) {
		return; /* work in flight asks the fleet itself */
	}
	if (!e->have_policy) {
		log_info("MXTLS-FLEET-NEWS",
		        "%s: another host fetched policy id %s: dropping our "
		        "negative answer",
		        domain, id);
		(void)sts_resolver_flush_local(r, domain);
		return;
	}
	log_info("MXTLS-FLEET-NEWS",
	        "%s: another host fetched policy id %s, ours is %s: "
	        "rechecking the TXT record",
	        domain, id, e->id);
	r->stats->refreshes++;
	sts_resolver_start(e);
}

unsigned long
sts_resolver_flush_local(struct sts_resolver *r, const char *domain)
{
	struct sts_entry *e;
	char              why[256];

	if (store_policy_del(r->store, domain, why, sizeof(why)) != 0) {
		r->stats->store_errors++;
		log_warn("MXTLS-STORE-WRITE-FAIL", "flush: %s", why);
	}
	change_notify(&r->change, domain);
	if (domain == NULL) {
		return ((unsigned long)memo_flush(
		        r->memo, MEMO_STS, sts_entry_reset));
	}
	if ((e = memo_get(r->memo, MEMO_STS, domain)) == NULL) {
		return (0);
	}
	if (sts_entry_busy(e)) {
		sts_entry_reset(e);
	} else {
		(void)memo_del(r->memo, MEMO_STS, domain);
	}
	return (1);
}
