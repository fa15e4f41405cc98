/*
 * stats.h - the daemon's counters, owned by the loop thread and reported by
 * the IPC "stats" op (and, later, the metrics endpoint).
 */
#ifndef MXTLS_CACHED_STATS_H
#define MXTLS_CACHED_STATS_H

#include <jansson.h>

struct stats {
	unsigned long requests;        /* IPC requests received */
	unsigned long request_errors;  /* malformed or refused requests */
	unsigned long policy_requests; /* "policy" ops */
	unsigned long cache_hits;      /* answered from memory */
	unsigned long store_hits;      /* entries loaded from the store */
	unsigned long cache_misses;    /* had to resolve */
	unsigned long txt_lookups;     /* _mta-sts TXT lookups started */
	unsigned long dns_tempfail;    /* lookups that failed temporarily */
	unsigned long dns_bogus;       /* lookups that failed validation */
	unsigned long fetch_ok;        /* policies fetched and valid */
	unsigned long fetch_fail;      /* fetches failed or invalid */
	unsigned long fetch_refused;   /* policy hosts refused (SSRF rule) */
	unsigned long refreshes;       /* background refreshes started */
	unsigned long wait_timeouts;   /* first-contact waits that expired */
	unsigned long store_errors;    /* store reads or writes that failed */
	/* the fleet's shared tier, cached/sts/sts_fleet.c (docs/FLEET.md) */
	unsigned long fleet_hits;   /* policies taken from Redis, no fetch */
	unsigned long fleet_misses; /* asked Redis, nothing usable */
	unsigned long fleet_waits;  /* polls waiting for another host */
	unsigned long fleet_published; /* policies published to Redis */
	unsigned long fleet_messages;  /* news from other hosts */
	unsigned long fleet_bad;       /* values or messages refused */
	/* the refresh timer, cached/sts/sts_refresh.c */
	unsigned long refresh_timer_started;  /* refreshes it started */
	unsigned long refresh_timer_fetched;  /* ... that refetched */
	unsigned long refresh_timer_changed;  /* ... found a new TXT id */
	unsigned long refresh_timer_failed;   /* ... failed (policy kept) */
	unsigned long refresh_rate_limited;   /* ticks that left due work */
	unsigned long refresh_dropped_unused; /* unused, expired: dropped */
	unsigned long dane_lookups;   /* DANE lookups started (memo misses) */
	unsigned long dane_hits;      /* DANE answers from the memo */
	unsigned long tlsrpt_lookups; /* _smtp._tls lookups started */
	unsigned long tlsrpt_hits;    /* _smtp._tls answers from the memo */
	/* TLS reporting (RFC 8460), cached/tlsrpt/tlsrpt_sched.c */
	unsigned long tlsrpt_results;            /* results counted */
	unsigned long tlsrpt_results_refused;    /* invalid result requests */
	unsigned long tlsrpt_results_unreported; /* no TLSRPT record */
	unsigned long tlsrpt_results_own; /* our report mails' sessions */
	unsigned long tlsrpt_results_policy_unknown; /* policy_type not ours */
	unsigned long tlsrpt_details_dropped;   /* over max_failure_details */
	unsigned long tlsrpt_datagrams;         /* datagrams received */
	unsigned long tlsrpt_datagrams_invalid; /* datagrams refused */
	unsigned long tlsrpt_datagrams_rua_replaced; /* "pr" not the record */
	unsigned long tlsrpt_datagrams_unreported;   /* no own record */
	unsigned long tlsrpt_store_errors;  /* TLSRPT store failures */
	unsigned long tlsrpt_reports;       /* reports made (days closed) */
	unsigned long tlsrpt_sent;          /* deliveries done */
	unsigned long tlsrpt_send_failures; /* failed attempts */
	unsigned long tlsrpt_given_up;      /* deliveries given up */
	/* local overrides (cached/serve/override.c): replies made under
	 * one, per action (a reply under a domain override and a host
	 * override counts once for each); the gauge is set by the table */
	unsigned long overrides_applied_none;
	unsigned long overrides_applied_testing;
	unsigned long overrides_applied_no_dane;
	unsigned long overrides_applied_no_sts;
	unsigned long overrides_applied_defer;
	unsigned long overrides_active; /* gauge: rules in force */
	/* front doors (cached/door/peerlimit.c, docs/DECISIONS.md N5):
	 * idle connections closed so that a newcomer is served */
	unsigned long socketmap_connections_evicted;
	unsigned long ipc_connections_evicted;
};

/* stats_to_json - a new JSON object of the counters plus the given
 * gauges. */
json_t *stats_to_json(const struct stats *st, unsigned long entries,
        unsigned long evictions, long uptime);

#endif
