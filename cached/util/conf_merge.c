/*
 * conf_merge.c - a reload (SIGHUP) of mxtlsd's configuration: which keys a
 * running mxtlsd applies, and the merge of a freshly loaded configuration
 * into the live one, key by key, compared as conf_print writes them.
 */
#include <stdio.h>
#include <string.h>

#include "util/conf.h"
#include "util/conf_int.h"

/*
 * The keys a running mxtlsd applies on SIGHUP (cached/daemon/reload.c applies
 * them; configs/mxtlsd.conf and docs/OPERATIONS.md "Reload" list them).
 * Every other key needs a restart: its running value is kept.
 */
static const char *const conf_reloadable[] = {
	"log.level",
	"fetch.connect_timeout",
	"fetch.timeout",
	"fetch.low_speed_limit",
	"fetch.low_speed_time",
	"fetch.max_per_second",
	"fetch.max_in_flight",
	"sts.first_contact_wait",
	"sts.recheck_interval",
	"sts.refresh_before",
	"sts.expired_policy",
	"sts.proactive_refresh",
	"sts.proactive_interval",
	"sts.refresh_unused_for",
	"dane.max_ttl",
	"dane.negative_ttl",
	"preload.path",
	"preload.no_live_policy",
	"preload.reload_interval",
	"socketmap.postfix_version",
	"socketmap.testing",
	"tlsrpt.max_ttl",
	"tlsrpt.contact_info",
	"tlsrpt.send_delay",
	"tlsrpt.send_window",
	"tlsrpt.retry_deadline",
	"tlsrpt.retry_max",
	"tlsrpt.max_failure_details",
	"cache.negative_ttl",
	"cache.failure_ttl",
};

int
conf_key_reloadable(const char *path)
{
	size_t i;

	for (i = 0; i < sizeof(conf_reloadable) / sizeof(conf_reloadable[0]);
	        i++) {
		if (strcmp(path, conf_reloadable[i]) == 0) {
			return (1);
		}
	}
	return (0);
}

/* value_string - k's value in c as conf_print writes it, into buf. */
static void
value_string(
        const struct conf *c, const struct conf_key *k, char *buf, size_t len)
{
	FILE *f = fmemopen(buf, len, "w");

	buf[0] = '\0';
	if (f == NULL) {
		return;
	}
	conf_print_value(c, k, f);
	fclose(f);
	buf[len - 1] = '\0';
}

/* swap_value - exchange k's value between a and b. */
static void
swap_value(struct conf *a, struct conf *b, const struct conf_key *k)
{
	size_t size;
	char   tmp[(CONF_MAX_TRUST_ANCHORS + CONF_MAX_LISTEN + 2)
                * sizeof(char *)];

	switch (k->type) {
	case CT_STR:
		size = sizeof(char *);
		break;
	case CT_INT:
	case CT_BOOL:
		size = sizeof(int);
		break;
	case CT_SECONDS:
		size = sizeof(double);
		break;
	case CT_STRLIST:
	default:
		size = ((size_t)k->max + 1) * sizeof(char *);
		break;
	}
	memcpy(tmp, conf_field(a, k), size);
	memcpy(conf_field(a, k), conf_field(b, k), size);
	memcpy(conf_field(b, k), tmp, size);
}

int
conf_merge(struct conf *live, struct conf *fresh, conf_change_fn fn, void *arg)
{
	const struct conf_key *k;
	char                   old[4096], new[4096], why[64];
	int                    i, n = 0;

	for (i = 0; (k = conf_key_at(i)) != NULL; i++) {
		value_string(live, k, old, sizeof(old));
		value_string(fresh, k, new, sizeof(new));
		if (strcmp(old, new) == 0) {
			continue;
		}
		if (conf_key_reloadable(k->path)) {
			swap_value(live, fresh, k);
			n++;
			fn(arg, k->path, old, new, 1);
		} else {
			fn(arg, k->path, old, new, 0);
		}
	}
	/* the derived fields follow their keys (already checked in fresh) */
	(void)conf_derive(live, "reload", why, sizeof(why));
	return (n);
}
