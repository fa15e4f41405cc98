/*
 * conf.h - mxtlsd's configuration: one typed table of every key (name,
 * type, default, bounds), read from a libconfig file over the embedded
 * defaults (Postfix's CONFIG_*_TABLE habit). Every key is documented once,
 * in configs/mxtlsd.conf; a unit test checks that file against this table.
 */
#ifndef MXTLS_CACHED_CONF_H
#define MXTLS_CACHED_CONF_H

#include <stdio.h>

#define CONF_MAX_TRUST_ANCHORS 16
#define CONF_MAX_LISTEN        8
#define CONF_MAX_RESERVED      15 /* + uid 0: PEERLIMIT_MAX_RESERVED */
#define CONF_MAX_WARNINGS      8

enum conf_expired {
	CONF_EXPIRED_NONE = 0, /* RFC 8461: an expired policy is no policy */
	CONF_EXPIRED_TEMPFAIL, /* stricter: defer until it can be refetched */
};

struct override_rule; /* util/override_rule.h */

struct conf {
	/* daemon */
	char *daemon_user;
	char *daemon_pid_file;
	/* ipc */
	char *ipc_listen;
	char *ipc_mode_str;
	int   ipc_mode;
	int   ipc_contexts;        /* deprecated: read, checked, ignored */
	char *ipc_direct;          /* "" or ipc:///PATH (docs/IPC.md) */
	int   ipc_direct_threads;  /* -1: one per online CPU */
	int   ipc_max_connections; /* ipc.listen and ipc.direct together */
	int   ipc_max_per_peer;    /* 0: a quarter of max_connections */
	char *ipc_reserved_users[CONF_MAX_RESERVED + 1];
	int   ipc_first_request_timeout; /* s, before a complete request */
	int   ipc_idle_timeout;          /* s, after one */
	/* store */
	char  *store_backend; /* "sqlite", or "redis" (SQLite + Redis) */
	char  *store_path;
	char  *store_redis_url;
	char  *store_redis_key_prefix;
	int    store_redis_read_only;
	double store_redis_timeout; /* s */
	char  *store_host_id;       /* "": gethostname() (sts_fleet.c) */
	/* log */
	char *log_level_str;
	int   log_level;
	char *log_facility_str;
	int   log_facility;
	char *log_format_str; /* "text" or "json" */
	int   log_format;     /* enum log_format */
	/* resolver */
	char  *resolver_trust_anchor_file;
	char  *resolver_trust_anchors[CONF_MAX_TRUST_ANCHORS + 1];
	char  *resolver_unbound_config;
	double resolver_timeout;
	int    resolver_cache_size; /* KiB: libunbound's message cache; its
	                               RRset cache twice that */
	/* fetch */
	char  *fetch_ca_file;
	int    fetch_allow_private;
	double fetch_connect_timeout;
	double fetch_timeout;
	int    fetch_low_speed_limit;
	int    fetch_low_speed_time;
	int    fetch_max_body;
	int    fetch_port;
	int    fetch_max_per_second; /* refresh timer: refreshes started/s */
	int    fetch_max_in_flight;  /* ... while fewer are in flight */
	/* sts */
	double sts_first_contact_wait;
	int    sts_recheck_interval;
	int    sts_refresh_before;
	char  *sts_expired_policy_str;
	int    sts_expired_policy;
	int    sts_proactive_refresh;  /* the refresh timer on */
	int    sts_proactive_interval; /* its recheck of each domain */
	int    sts_refresh_unused_for; /* ... looked up within this */
	/* dane */
	int dane_port;
	int dane_max_ttl;
	int dane_negative_ttl;
	/* preload */
	char *preload_path;
	char *preload_no_live_policy;
	int   preload_reload_interval;
	/* socketmap */
	char *socketmap_listen[CONF_MAX_LISTEN + 1];
	char *socketmap_mode_str;
	int   socketmap_mode;
	char *socketmap_postfix_version;
	char *socketmap_testing;
	int   socketmap_threads; /* -1: one per online CPU */
	int   socketmap_max_connections;
	int   socketmap_max_per_peer; /* 0: a quarter of max_connections */
	char *socketmap_reserved_users[CONF_MAX_RESERVED + 1];
	int   socketmap_first_request_timeout; /* s, before a request */
	int   socketmap_idle_timeout;          /* s, after one */
	/* tlsrpt */
	int   tlsrpt_max_ttl;
	char *tlsrpt_datagram_socket;
	int   tlsrpt_enable;
	char *tlsrpt_organization;
	char *tlsrpt_contact;
	char *tlsrpt_submitter;
	char *tlsrpt_from;
	char *tlsrpt_sendmail;
	char *tlsrpt_smtp;
	int   tlsrpt_send_delay;
	int   tlsrpt_send_window;
	int   tlsrpt_retry_deadline;
	int   tlsrpt_retry_max;
	char *tlsrpt_ca_file;
	int   tlsrpt_max_failure_details;
	int   tlsrpt_fleet_grace;    /* s after the day, before building */
	int   tlsrpt_fleet_fallback; /* s after the day, Redis down: local */
	int   tlsrpt_fleet_lock_ttl; /* s, the sender's lock */
	/* cache */
	int cache_max_entries;
	int cache_negative_ttl;
	int cache_failure_ttl;
	int cache_answer_ttl;
	/* metrics (docs/METRICS.md) */
	char *metrics_listen; /* "" (off) or a loopback HOST:PORT */
	/* what conf_load had to say about keys that loaded (deprecated
	 * ones): "file:line: key: ..."; NULL-terminated */
	char *warnings[CONF_MAX_WARNINGS + 1];
	/* the "override" list (util/conf_override.c); applied on SIGHUP */
	struct override_rule *overrides;
	size_t                noverrides;
};

/* conf_defaults - fill c with the embedded defaults (strings malloc'd). */
void conf_defaults(struct conf *c);

/*
 * conf_load - read path (libconfig syntax) over c's current values. Unknown
 * keys, wrong types and out-of-range values are errors: returns -1 with
 * "file:line: reason" in why; c is then partly updated and must be freed.
 */
int conf_load(struct conf *c, const char *path, char *why, size_t whylen);

/* conf_print - write the effective configuration in libconfig syntax. */
void conf_print(const struct conf *c, FILE *out);

/* conf_free - free the strings c owns. */
void conf_free(struct conf *c);

/* conf_key_reloadable - 1 when a running mxtlsd applies key path on
 * SIGHUP, 0 when it needs a restart. */
int conf_key_reloadable(const char *path);

/* conf_change_fn - one key whose value differs: old and new as conf_print
 * writes them; applied 1 (reloadable, now in effect) or 0 (kept). */
typedef void (*conf_change_fn)(void *arg, const char *key, const char *old,
        const char *new, int applied);

/*
 * conf_merge - a reload: for every key whose value in fresh (a checked
 * conf_load result) differs from live, move the reloadable ones into live
 * (fresh gets the old value, for conf_free) and keep live's value of the
 * others; fn hears of each. Returns the number of keys applied. Run it on
 * the thread that reads live (the loop thread).
 */
int conf_merge(
        struct conf *live, struct conf *fresh, conf_change_fn fn, void *arg);

struct sockaddr_storage;

/* conf_metrics_addr - 0 when hostport ("127.0.0.1:9461", "[::1]:9461") is
 * a loopback address with a port, filling *ss and *len when ss is not
 * NULL; -1 otherwise. */
int conf_metrics_addr(
        const char *hostport, struct sockaddr_storage *ss, int *len);

/* conf_key_count / conf_key_name - walk the table (for the docs test);
 * conf_key_deprecated - why key i is ignored, or NULL when it is not
 * deprecated (configs/mxtlsd.conf lists it commented out). */
int         conf_key_count(void);
const char *conf_key_name(int i);
const char *conf_key_deprecated(int i);

#endif
