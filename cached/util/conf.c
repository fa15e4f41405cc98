/*
 * conf.c - mxtlsd's configuration table and libconfig reader.
 *
 * The table below is the only list of keys: conf_defaults() applies its
 * defaults, conf_load() accepts exactly its keys (anything else is an error
 * naming the file and line), conf_print() (conf_print.c) prints them all,
 * conf_merge() (conf_merge.c) compares them on a reload. Durations are in
 * seconds (integer or decimal); derived fields (ipc_mode, log_level, ...)
 * are computed from their string keys after loading. The store keys are
 * checked together in conf_store.c, the "override" list is conf_override.c.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <event2/util.h>
#include <libconfig.h>

#include "log.h"
#include "util/conf.h"
#include "util/conf_int.h"
#include "util/conf_override.h"
#include "util/conf_store.h"
#include "util/xalloc.h"

#define O(f) offsetof(struct conf, f)

static const struct conf_key conf_keys[] = {
	{ "daemon.user", CT_STR, O(daemon_user), "mxtls", 0, 0, 0 },
	{ "daemon.pid_file", CT_STR, O(daemon_pid_file),
	        "/run/mxtls/mxtlsd.pid", 0, 0, 0 },
	{ "ipc.listen", CT_STR, O(ipc_listen), "ipc:///run/mxtls/mxtlsd.sock",
	        0, 0, 0 },
	{ "ipc.mode", CT_STR, O(ipc_mode_str), "0660", 0, 0, 0 },
	{ "ipc.contexts", CT_INT, O(ipc_contexts), NULL, 16, 1, 1024,
	        "ignored: nng's REP contexts are gone, the IPC sockets are "
	        "served by ipc.direct_threads workers (docs/IPC.md); remove "
	        "it" },
	{ "ipc.direct", CT_STR, O(ipc_direct),
	        "ipc:///run/mxtls/mxtlsd-direct.sock", 0, 0, 0 },
	{ "ipc.direct_threads", CT_INT, O(ipc_direct_threads), NULL, -1, -1,
	        256 },
	{ "ipc.max_connections", CT_INT, O(ipc_max_connections), NULL, 1024, 8,
	        1 << 20 },
	{ "ipc.max_per_peer", CT_INT, O(ipc_max_per_peer), NULL, 0, 0,
	        1 << 20 },
	{ "ipc.reserved_users", CT_STRLIST, O(ipc_reserved_users), NULL, 0, 0,
	        CONF_MAX_RESERVED },
	{ "ipc.first_request_timeout", CT_INT, O(ipc_first_request_timeout),
	        NULL, 10, 1, 86400 },
	{ "ipc.idle_timeout", CT_INT, O(ipc_idle_timeout), NULL, 300, 1,
	        86400 },
	{ "store.backend", CT_STR, O(store_backend), "sqlite", 0, 0, 0 },
	{ "store.path", CT_STR, O(store_path), "/var/lib/mxtls/mxtls.db", 0, 0,
	        0 },
	{ "store.redis.url", CT_STR, O(store_redis_url), "", 0, 0, 0 },
	{ "store.redis.key_prefix", CT_STR, O(store_redis_key_prefix),
	        "mxtls:", 0, 0, 0 },
	{ "store.redis.read_only", CT_BOOL, O(store_redis_read_only), NULL, 0,
	        0, 1 },
	{ "store.redis.timeout", CT_SECONDS, O(store_redis_timeout), NULL, 1,
	        0, 60 },
	{ "store.host_id", CT_STR, O(store_host_id), "", 0, 0, 0 },
	{ "log.level", CT_STR, O(log_level_str), "info", 0, 0, 0 },
	{ "log.facility", CT_STR, O(log_facility_str), "mail", 0, 0, 0 },
	{ "log.format", CT_STR, O(log_format_str), "text", 0, 0, 0 },
	{ "resolver.trust_anchor_file", CT_STR, O(resolver_trust_anchor_file),
	        "/usr/share/dns/root.key", 0, 0, 0 },
	{ "resolver.trust_anchors", CT_STRLIST, O(resolver_trust_anchors),
	        NULL, 0, 0, CONF_MAX_TRUST_ANCHORS },
	{ "resolver.unbound_config", CT_STR, O(resolver_unbound_config), "", 0,
	        0, 0 },
	{ "resolver.timeout", CT_SECONDS, O(resolver_timeout), NULL, 10, 0.1,
	        300 },
	{ "resolver.cache_size", CT_INT, O(resolver_cache_size), NULL, 1024,
	        64, 1048576 },
	{ "fetch.ca_file", CT_STR, O(fetch_ca_file),
	        "/etc/ssl/certs/ca-certificates.crt", 0, 0, 0 },
	{ "fetch.allow_private", CT_BOOL, O(fetch_allow_private), NULL, 0, 0,
	        1 },
	{ "fetch.connect_timeout", CT_SECONDS, O(fetch_connect_timeout), NULL,
	        10, 0.1, 300 },
	{ "fetch.timeout", CT_SECONDS, O(fetch_timeout), NULL, 30, 0.1, 600 },
	{ "fetch.low_speed_limit", CT_INT, O(fetch_low_speed_limit), NULL, 64,
	        0, 1 << 20 },
	{ "fetch.low_speed_time", CT_INT, O(fetch_low_speed_time), NULL, 10, 1,
	        600 },
	{ "fetch.max_body", CT_INT, O(fetch_max_body), NULL, 65536, 1024,
	        65536 },
	{ "fetch.port", CT_INT, O(fetch_port), NULL, 443, 1, 65535 },
	{ "fetch.max_per_second", CT_INT, O(fetch_max_per_second), NULL, 10, 1,
	        10000 },
	{ "fetch.max_in_flight", CT_INT, O(fetch_max_in_flight), NULL, 32, 1,
	        4096 },
	{ "sts.first_contact_wait", CT_SECONDS, O(sts_first_contact_wait),
	        NULL, 10, 0, 600 },
	{ "sts.recheck_interval", CT_INT, O(sts_recheck_interval), NULL, 3600,
	        1, 86400 * 7 },
	{ "sts.refresh_before", CT_INT, O(sts_refresh_before), NULL, 86400, 0,
	        31557600 },
	{ "sts.expired_policy", CT_STR, O(sts_expired_policy_str), "none", 0,
	        0, 0 },
	{ "sts.proactive_refresh", CT_BOOL, O(sts_proactive_refresh), NULL, 1,
	        0, 1 },
	{ "sts.proactive_interval", CT_INT, O(sts_proactive_interval), NULL,
	        86400, 3600, 31557600 },
	{ "sts.refresh_unused_for", CT_INT, O(sts_refresh_unused_for), NULL,
	        2592000, 3600, 31557600 },
	{ "dane.port", CT_INT, O(dane_port), NULL, 25, 1, 65535 },
	{ "dane.max_ttl", CT_INT, O(dane_max_ttl), NULL, 3600, 0, 86400 },
	{ "dane.negative_ttl", CT_INT, O(dane_negative_ttl), NULL, 300, 0,
	        86400 },
	{ "preload.path", CT_STR, O(preload_path), "", 0, 0, 0 },
	{ "preload.no_live_policy", CT_STR, O(preload_no_live_policy),
	        "enforce", 0, 0, 0 },
	{ "preload.reload_interval", CT_INT, O(preload_reload_interval), NULL,
	        3600, 10, 86400 },
	{ "socketmap.listen", CT_STRLIST, O(socketmap_listen), NULL, 0, 0,
	        CONF_MAX_LISTEN },
	{ "socketmap.mode", CT_STR, O(socketmap_mode_str), "0666", 0, 0, 0 },
	{ "socketmap.postfix_version", CT_STR, O(socketmap_postfix_version),
	        "3.7", 0, 0, 0 },
	{ "socketmap.testing", CT_STR, O(socketmap_testing), "opportunistic",
	        0, 0, 0 },
	{ "socketmap.threads", CT_INT, O(socketmap_threads), NULL, -1, -1,
	        256 },
	{ "socketmap.max_connections", CT_INT, O(socketmap_max_connections),
	        NULL, 1024, 8, 1 << 20 },
	{ "socketmap.max_per_peer", CT_INT, O(socketmap_max_per_peer), NULL, 0,
	        0, 1 << 20 },
	{ "socketmap.reserved_users", CT_STRLIST, O(socketmap_reserved_users),
	        NULL, 0, 0, CONF_MAX_RESERVED },
	{ "socketmap.first_request_timeout", CT_INT,
	        O(socketmap_first_request_timeout), NULL, 10, 1, 86400 },
	{ "socketmap.idle_timeout", CT_INT, O(socketmap_idle_timeout), NULL,
	        300, 1, 86400 },
	{ "tlsrpt.max_ttl", CT_INT, O(tlsrpt_max_ttl), NULL, 3600, 0, 86400 },
	{ "tlsrpt.datagram_socket", CT_STR, O(tlsrpt_datagram_socket), "", 0,
	        0, 0 },
	{ "tlsrpt.enable", CT_BOOL, O(tlsrpt_enable), NULL, 1, 0, 0 },
	{ "tlsrpt.organization_name", CT_STR, O(tlsrpt_organization), "", 0, 0,
	        0 },
	{ "tlsrpt.contact_info", CT_STR, O(tlsrpt_contact), "", 0, 0, 0 },
	{ "tlsrpt.submitter", CT_STR, O(tlsrpt_submitter), "", 0, 0, 0 },
	{ "tlsrpt.from", CT_STR, O(tlsrpt_from), "", 0, 0, 0 },
	{ "tlsrpt.sendmail", CT_STR, O(tlsrpt_sendmail),
	        "/usr/sbin/sendmail -oi -t -f \"$MXTLS_TLSRPT_FROM\"", 0, 0,
	        0 },
	{ "tlsrpt.smtp", CT_STR, O(tlsrpt_smtp), "smtp://127.0.0.1:25", 0, 0,
	        0 },
	{ "tlsrpt.send_delay", CT_INT, O(tlsrpt_send_delay), NULL, 600, 0,
	        86400 },
	{ "tlsrpt.send_window", CT_INT, O(tlsrpt_send_window), NULL, 14400, 0,
	        86400 },
	{ "tlsrpt.retry_deadline", CT_INT, O(tlsrpt_retry_deadline), NULL,
	        172800, 3600, 604800 },
	{ "tlsrpt.retry_max", CT_INT, O(tlsrpt_retry_max), NULL, 12, 1, 1000 },
	{ "tlsrpt.ca_file", CT_STR, O(tlsrpt_ca_file), "", 0, 0, 0 },
	{ "tlsrpt.max_failure_details", CT_INT, O(tlsrpt_max_failure_details),
	        NULL, 100, 1, 10000 },
	{ "tlsrpt.fleet_grace", CT_INT, O(tlsrpt_fleet_grace), NULL, 600, 0,
	        86400 },
	{ "tlsrpt.fleet_fallback", CT_INT, O(tlsrpt_fleet_fallback), NULL,
	        21600, 0, 604800 },
	{ "tlsrpt.fleet_lock_ttl", CT_INT, O(tlsrpt_fleet_lock_ttl), NULL, 300,
	        2, 3600 },
	{ "cache.max_entries", CT_INT, O(cache_max_entries), NULL, 100000, 16,
	        10000000 },
	{ "cache.negative_ttl", CT_INT, O(cache_negative_ttl), NULL, 3600, 0,
	        86400 },
	{ "cache.failure_ttl", CT_INT, O(cache_failure_ttl), NULL, 300, 0,
	        86400 },
	{ "cache.answer_ttl", CT_INT, O(cache_answer_ttl), NULL, 300, 0,
	        86400 },
	{ "metrics.listen", CT_STR, O(metrics_listen), "", 0, 0, 0 },
};

#define CONF_NKEYS ((int)(sizeof(conf_keys) / sizeof(conf_keys[0])))

static const struct {
	const char *name;
	int         value;
} conf_facilities[] = {
	{ "mail", LOG_MAIL },
	{ "daemon", LOG_DAEMON },
	{ "user", LOG_USER },
	{ "local0", LOG_LOCAL0 },
	{ "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 },
	{ "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 },
	{ "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 },
	{ "local7", LOG_LOCAL7 },
};

int
conf_metrics_addr(const char *hostport, struct sockaddr_storage *ss, int *len)
{
	struct sockaddr_storage    tmp;
	const struct sockaddr_in  *sin  = (const void *)&tmp;
	const struct sockaddr_in6 *sin6 = (const void *)&tmp;
	int                        n    = (int)sizeof(tmp);

	memset(&tmp, 0, sizeof(tmp));
	if (evutil_parse_sockaddr_port(hostport, (struct sockaddr *)&tmp, &n)
	        != 0) {
		return (-1);
	}
	if (!(tmp.ss_family == AF_INET
	            && (ntohl(sin->sin_addr.s_addr) >> 24) == 127
	            && sin->sin_port != 0)
	        && !(tmp.ss_family == AF_INET6
	                && IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr)
	                && sin6->sin6_port != 0)) {
		return (-1);
	}
	if (ss != NULL) {
		*ss  = tmp;
		*len = n;
	}
	return (0);
}

int
conf_key_count(void)
{
	return (CONF_NKEYS);
}

const char *
conf_key_name(int i)
{
	if (i < 0 || i >= CONF_NKEYS) {
		return (NULL);
	}
	return (conf_keys[i].path);
}

const char *
conf_key_deprecated(int i)
{
	if (i < 0 || i >= CONF_NKEYS) {
		return (NULL);
	}
	return (conf_keys[i].deprecated);
}

const struct conf_key *
conf_key_at(int i)
{
	if (i < 0 || i >= CONF_NKEYS) {
		return (NULL);
	}
	return (&conf_keys[i]);
}

void
conf_defaults(struct conf *c)
{
	int i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < CONF_NKEYS; i++) {
		const struct conf_key *k = &conf_keys[i];
		switch (k->type) {
		case CT_STR:
			*(char **)conf_field(c, k) = xstrdup(k->def_str);
			break;
		case CT_INT:
		case CT_BOOL:
			*(int *)conf_field(c, k) = (int)k->def_num;
			break;
		case CT_SECONDS:
			*(double *)conf_field(c, k) = k->def_num;
			break;
		case CT_STRLIST:
			break;
		}
	}
	/* the MTAs' own users (docs/IPC.md "Limits: connections per peer") */
	c->socketmap_reserved_users[0] = xstrdup("postfix");
	c->ipc_reserved_users[0]       = xstrdup("Debian-exim");
	c->ipc_mode                    = 0660;
	c->socketmap_mode              = 0666;
	c->log_level                   = LOG_LVL_INFO;
	c->log_facility                = LOG_MAIL;
	c->sts_expired_policy          = CONF_EXPIRED_NONE;
}

static int
conf_error(char *why, size_t whylen, const char *file, int line,
        const char *key, const char *msg)
{
	snprintf(why, whylen, "%s:%d: %s: %s", file, line, key, msg);
	return (-1);
}

/* conf_warn - remember a warning about a key that loaded (the daemon logs
 * them, mxtlsd -n prints them). */
static void
conf_warn(struct conf *c, const char *file, int line, const char *key,
        const char *msg)
{
	char buf[512];
	int  i;

	for (i = 0; i < CONF_MAX_WARNINGS && c->warnings[i] != NULL; i++) {
		;
	}
	if (i == CONF_MAX_WARNINGS) {
		return;
	}
	snprintf(buf, sizeof(buf), "%s:%d: %s: deprecated, %s", file, line,
	        key, msg);
	c->warnings[i] = xstrdup(buf);
}

static int
conf_set(struct conf *c, const struct conf_key *k, config_setting_t *s,
        const char *file, char *why, size_t whylen)
{
	int    type = config_setting_type(s);
	int    line = config_setting_source_line(s);
	double num;
	char   msg[128];

	switch (k->type) {
	case CT_STR:
		if (type != CONFIG_TYPE_STRING) {
			return (conf_error(why, whylen, file, line, k->path,
			        "must be a string"));
		}
		free(*(char **)conf_field(c, k));
		*(char **)conf_field(c, k)
		        = xstrdup(config_setting_get_string(s));
		return (0);
	case CT_BOOL:
		if (type != CONFIG_TYPE_BOOL) {
			return (conf_error(why, whylen, file, line, k->path,
			        "must be true or false"));
		}
		*(int *)conf_field(c, k) = config_setting_get_bool(s);
		return (0);
	case CT_INT:
	case CT_SECONDS:
		if (type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64) {
			num = (double)config_setting_get_int64(s);
		} else if (type == CONFIG_TYPE_FLOAT
		        && k->type == CT_SECONDS) {
			num = config_setting_get_float(s);
		} else {
			return (conf_error(why, whylen, file, line, k->path,
			        k->type == CT_INT ? "must be an integer"
			                          : "must be a number of "
			                            "seconds"));
		}
		if (num < k->min || num > k->max) {
			snprintf(msg, sizeof(msg),
			        "%g is out of range [%g, %g]", num, k->min,
			        k->max);
			return (conf_error(
			        why, whylen, file, line, k->path, msg));
		}
		if (k->type == CT_INT) {
			*(int *)conf_field(c, k) = (int)num;
		} else {
			*(double *)conf_field(c, k) = num;
		}
		return (0);
	case CT_STRLIST: {
		char **list = (char **)conf_field(c, k);
		int    i, n;
		if (type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST) {
			return (conf_error(why, whylen, file, line, k->path,
			        "must be a list of strings"));
		}
		n = config_setting_length(s);
		if (n > (int)k->max) {
			return (conf_error(why, whylen, file, line, k->path,
			        "too many entries"));
		}
		for (i = 0; list[i] != NULL; i++) {
			free(list[i]);
			list[i] = NULL;
		}
		for (i = 0; i < n; i++) {
			config_setting_t *e = config_setting_get_elem(s, i);
			if (config_setting_type(e) != CONFIG_TYPE_STRING) {
				return (conf_error(why, whylen, file, line,
				        k->path, "must be a list of strings"));
			}
			list[i] = xstrdup(config_setting_get_string(e));
		}
		return (0);
	}
	}
	return (-1);
}

int
conf_derive(struct conf *c, const char *file, char *why, size_t whylen)
{
	char  *end;
	long   mode;
	int    lvl;
	size_t i;

	errno = 0;
	mode  = strtol(c->ipc_mode_str, &end, 8);
	if (errno != 0 || *end != '\0' || end == c->ipc_mode_str || mode < 0
	        || mode > 0777) {
		return (conf_error(why, whylen, file, 0, "ipc.mode",
		        "must be an octal mode such as \"0660\""));
	}
	c->ipc_mode = (int)mode;
	if ((lvl = log_level_parse(c->log_level_str)) < 0) {
		return (conf_error(why, whylen, file, 0, "log.level",
		        "must be err, warn, notice, info or debug"));
	}
	c->log_level = lvl;
	for (i = 0; i < sizeof(conf_facilities) / sizeof(conf_facilities[0]);
	        i++) {
		if (strcmp(c->log_facility_str, conf_facilities[i].name)
		        == 0) {
			break;
		}
	}
	if (i == sizeof(conf_facilities) / sizeof(conf_facilities[0])) {
		return (conf_error(why, whylen, file, 0, "log.facility",
		        "must be mail, daemon, user or local0..local7"));
	}
	c->log_facility = conf_facilities[i].value;
	if ((lvl = log_format_parse(c->log_format_str)) < 0) {
		return (conf_error(why, whylen, file, 0, "log.format",
		        "must be \"text\" or \"json\""));
	}
	c->log_format = lvl;
	if (strcmp(c->sts_expired_policy_str, "none") == 0) {
		c->sts_expired_policy = CONF_EXPIRED_NONE;
	} else if (strcmp(c->sts_expired_policy_str, "tempfail") == 0) {
		c->sts_expired_policy = CONF_EXPIRED_TEMPFAIL;
	} else {
		return (conf_error(why, whylen, file, 0, "sts.expired_policy",
		        "must be \"none\" or \"tempfail\""));
	}
	errno = 0;
	mode  = strtol(c->socketmap_mode_str, &end, 8);
	if (errno != 0 || *end != '\0' || end == c->socketmap_mode_str
	        || mode < 0 || mode > 0777) {
		return (conf_error(why, whylen, file, 0, "socketmap.mode",
		        "must be an octal mode such as \"0666\""));
	}
	c->socketmap_mode = (int)mode;
	for (i = 0; c->socketmap_listen[i] != NULL; i++) {
		if (strncmp(c->socketmap_listen[i], "unix:", 5) != 0
		        && strncmp(c->socketmap_listen[i], "inet:127.", 9) != 0
		        && strncmp(c->socketmap_listen[i], "inet:[::1]:", 11)
		                != 0) {
			return (conf_error(why, whylen, file, 0,
			        "socketmap.listen",
			        "entries must be unix:PATH or a loopback "
			        "inet:127.0.0.1:PORT"));
		}
	}
	if (strcmp(c->socketmap_testing, "opportunistic") != 0
	        && strcmp(c->socketmap_testing, "strict") != 0) {
		return (conf_error(why, whylen, file, 0, "socketmap.testing",
		        "must be \"opportunistic\" or \"strict\""));
	}
	if (strcmp(c->preload_no_live_policy, "enforce") != 0
	        && strcmp(c->preload_no_live_policy, "testing") != 0
	        && strcmp(c->preload_no_live_policy, "tempfail") != 0
	        && strcmp(c->preload_no_live_policy, "ignore") != 0) {
		return (conf_error(why, whylen, file, 0,
		        "preload.no_live_policy",
		        "must be enforce, testing, tempfail or ignore"));
	}
	if (conf_store_check(c->store_backend, c->store_redis_url,
	            c->store_redis_timeout, c->store_redis_key_prefix,
	            c->store_host_id, file, why, whylen)
	        != 0) {
		return (-1);
	}
	if (strncmp(c->ipc_listen, "ipc:///", 7) != 0
	        && strncmp(c->ipc_listen, "tcp://127.", 10) != 0
	        && strncmp(c->ipc_listen, "tcp://[::1]:", 12) != 0) {
		return (conf_error(why, whylen, file, 0, "ipc.listen",
		        "must be ipc:///PATH (absolute) or a loopback tcp:// "
		        "URL (tcp://127.0.0.1:PORT, tcp://[::1]:PORT)"));
	}
	if (c->ipc_direct[0] != '\0'
	        && (strncmp(c->ipc_direct, "ipc:///", 7) != 0
	                || strcmp(c->ipc_direct, c->ipc_listen) == 0)) {
		return (conf_error(why, whylen, file, 0, "ipc.direct",
		        "must be \"\" (off) or ipc:///PATH, another path "
		        "than ipc.listen's"));
	}
	if (c->metrics_listen[0] != '\0'
	        && conf_metrics_addr(c->metrics_listen, NULL, NULL) != 0) {
		return (conf_error(why, whylen, file, 0, "metrics.listen",
		        "must be \"\" (off) or a loopback address and port "
		        "(127.0.0.1:9461, [::1]:9461)"));
	}
	return (0);
}

/* conf_load_key - set the key called name from setting s. 0 or -1. */
static int
conf_load_key(struct conf *c, const char *name, config_setting_t *s,
        const char *path, char *why, size_t whylen)
{
	int k;

	for (k = 0; k < CONF_NKEYS; k++) {
		if (strcmp(name, conf_keys[k].path) == 0) {
			break;
		}
	}
	if (k == CONF_NKEYS || config_setting_type(s) == CONFIG_TYPE_GROUP) {
		conf_error(why, whylen, path, config_setting_source_line(s),
		        name, "unknown key");
		return (-1);
	}
	if (conf_set(c, &conf_keys[k], s, path, why, whylen) != 0) {
		return (-1);
	}
	if (conf_keys[k].deprecated != NULL) {
		conf_warn(c, path, config_setting_source_line(s), name,
		        conf_keys[k].deprecated);
	}
	return (0);
}

int
conf_load(struct conf *c, const char *path, char *why, size_t whylen)
{
	config_t          cfg;
	config_setting_t *root, *grp, *s;
	int               i, j, k, rv = -1;
	char              name[128];

	config_init(&cfg);
	if (config_read_file(&cfg, path) != CONFIG_TRUE) {
		if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO) {
			snprintf(why, whylen, "%s: cannot read: %s", path,
			        strerror(errno));
		} else {
			snprintf(why, whylen, "%s:%d: %s", path,
			        config_error_line(&cfg),
			        config_error_text(&cfg));
		}
		goto out;
	}
	root = config_root_setting(&cfg);
	for (i = 0; i < config_setting_length(root); i++) {
		grp = config_setting_get_elem(root, (unsigned)i);
		if (strcmp(config_setting_name(grp), "override") == 0) {
			free(c->overrides);
			if (conf_override_parse(grp, path, &c->overrides,
			            &c->noverrides, why, whylen)
			        != 0) {
				goto out;
			}
			continue;
		}
		if (config_setting_type(grp) != CONFIG_TYPE_GROUP) {
			conf_error(why, whylen, path,
			        config_setting_source_line(grp),
			        config_setting_name(grp),
			        "unknown key (settings live in groups such as "
			        "fetch: { ... })");
			goto out;
		}
		for (j = 0; j < config_setting_length(grp); j++) {
			s = config_setting_get_elem(grp, (unsigned)j);
			snprintf(name, sizeof(name), "%s.%s",
			        config_setting_name(grp),
			        config_setting_name(s));
			if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
				if (conf_load_key(
				            c, name, s, path, why, whylen)
				        != 0) {
					goto out;
				}
				continue;
			}
			/* a group in a group: store: { redis: { ... }; } */
			for (k = 0; k < config_setting_length(s); k++) {
				config_setting_t *m = config_setting_get_elem(
				        s, (unsigned)k);
				char n2[192];

				snprintf(n2, sizeof(n2), "%s.%s", name,
				        config_setting_name(m));
				if (conf_load_key(c, n2, m, path, why, whylen)
				        != 0) {
					goto out;
				}
			}
		}
	}
	rv = conf_derive(c, path, why, whylen);
out:
	config_destroy(&cfg);
	return (rv);
}

void
conf_free(struct conf *c)
{
	int i, j;

	for (i = 0; c->warnings[i] != NULL; i++) {
		free(c->warnings[i]);
		c->warnings[i] = NULL;
	}
	free(c->overrides);
	c->overrides  = NULL;
	c->noverrides = 0;
	for (i = 0; i < CONF_NKEYS; i++) {
		const struct conf_key *k = &conf_keys[i];
		if (k->type == CT_STR) {
			free(*(char **)conf_field(c, k));
			*(char **)conf_field(c, k) = NULL;
		} else if (k->type == CT_STRLIST) {
			char **list = (char **)conf_field(c, k);
			for (j = 0; list[j] != NULL; j++) {
				free(list[j]);
				list[j] = NULL;
			}
		}
	}
}
