/*
 * stats.c - render the daemon's counters as JSON for the "stats" op.
 */
#include "util/stats.h"

json_t *
stats_to_json(const struct stats *st, unsigned long entries,
        unsigned long evictions, long uptime)
{
	json_t *o = json_object();

#define PUT(name)                                                             \
	json_object_set_new(o, #name, json_integer((json_int_t)st->name))
	PUT(requests);
	PUT(request_errors);
	PUT(policy_requests);
	PUT(cache_hits);
	PUT(store_hits);
	PUT(cache_misses);
	PUT(txt_lookups);
	PUT(dns_tempfail);
	PUT(dns_bogus);
	PUT(fetch_ok);
	PUT(fleet_hits);
	PUT(fleet_misses);
	PUT(fleet_waits);
	PUT(fleet_published);
	PUT(fleet_messages);
	PUT(fleet_bad);
	PUT(fetch_fail);
	PUT(fetch_refused);
	PUT(refreshes);
	PUT(wait_timeouts);
	PUT(store_errors);
	PUT(refresh_timer_started);
	PUT(refresh_timer_fetched);
	PUT(refresh_timer_changed);
	PUT(refresh_timer_failed);
	PUT(refresh_rate_limited);
	PUT(refresh_dropped_unused);
	PUT(dane_lookups);
	PUT(dane_hits);
	PUT(tlsrpt_lookups);
	PUT(tlsrpt_hits);
	PUT(tlsrpt_results);
	PUT(tlsrpt_results_refused);
	PUT(tlsrpt_results_unreported);
	PUT(tlsrpt_results_own);
	PUT(tlsrpt_results_policy_unknown);
	PUT(tlsrpt_details_dropped);
	PUT(tlsrpt_datagrams);
	PUT(tlsrpt_datagrams_invalid);
	PUT(tlsrpt_datagrams_rua_replaced);
	PUT(tlsrpt_datagrams_unreported);
	PUT(tlsrpt_store_errors);
	PUT(tlsrpt_reports);
	PUT(tlsrpt_sent);
	PUT(tlsrpt_send_failures);
	PUT(tlsrpt_given_up);
	PUT(overrides_applied_none);
	PUT(overrides_applied_testing);
	PUT(overrides_applied_no_dane);
	PUT(overrides_applied_no_sts);
	PUT(overrides_applied_defer);
	PUT(overrides_active);
	PUT(socketmap_connections_evicted);
	PUT(ipc_connections_evicted);
#undef PUT
	json_object_set_new(o, "entries", json_integer((json_int_t)entries));
	json_object_set_new(
	        o, "evictions", json_integer((json_int_t)evictions));
	json_object_set_new(o, "uptime", json_integer(uptime));
	return (o);
}
