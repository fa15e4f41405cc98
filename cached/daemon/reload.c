/*
 * reload.c - mxtlsd's configuration reload (SIGHUP, systemd's ExecReload).
 *
 * The file is read into a fresh struct conf with the same checks as at
 * start; any error keeps the running configuration. conf_merge() then moves
 * the reloadable keys into the live struct conf, which the resolvers read
 * on the loop thread (this function runs there too: no other thread reads
 * struct conf); the subsystems that copied values at start get them through
 * their own setters. log.level is an atomic the other threads read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/reload.h"
#include "daemon/sdnotify.h"
#include "door/socketmap.h"
#include "door/socketmap_answer.h"
#include "log.h"
#include "serve/answer_cache.h"
#include "serve/override.h"
#include "sts/preload_watch.h"
#include "sts/sts_fetch.h"
#include "tlsrpt/tlsrpt_sched.h"
#include "util/clock.h"
#include "util/conf.h"

struct reload_state {
	const char *path;
	int         restart; /* changed keys that need a restart */
	int         preload; /* preload.path or reload_interval changed */
	int         fetch;   /* a fetch.* limit changed */
	int         smap;    /* a socketmap.* answer setting changed */
	int         tlsrpt;  /* a tlsrpt scheduling setting changed */
};

static void
on_change(void *arg, const char *key, const char *old, const char *new,
        int applied)
{
	struct reload_state *st = arg;

	if (!applied) {
		st->restart++;
		log_warn("MXTLSD-RELOAD-RESTART",
		        "%s: %s changed from %s to %s, which needs a restart "
		        "of mxtlsd: keeping %s until then",
		        st->path, key, old, new, old);
		return;
	}
	log_notice("MXTLSD-RELOAD-KEY", "%s: %s = %s (was %s)", st->path, key,
	        new, old);
	if (strncmp(key, "preload.", 8) == 0
	        && strcmp(key, "preload.no_live_policy") != 0) {
		st->preload = 1;
	} else if (strncmp(key, "fetch.", 6) == 0) {
		st->fetch = 1;
	} else if (strncmp(key, "socketmap.", 10) == 0) {
		st->smap = 1;
	} else if (strncmp(key, "tlsrpt.", 7) == 0
	        && strcmp(key, "tlsrpt.max_ttl") != 0) {
		st->tlsrpt = 1;
	}
}

static unsigned
ms(double seconds)
{
	return ((unsigned)(seconds * 1000.0 + 0.5));
}

/* reload_done - back to READY=1 with a status line. */
static void
reload_done(const char *status)
{
	char why[256], buf[512];

	snprintf(buf, sizeof(buf), "READY=1\nSTATUS=%s", status);
	if (sdnotify_send(buf, why, sizeof(why)) < 0) {
		log_warn("MXTLSD-NOTIFY", "%s", why);
	}
}

int
reload_run(const struct reload_target *t)
{
	struct conf                  fresh;
	struct reload_state          st;
	struct socketmap_answer_conf ac;
	struct sts_fetch_config      fcfg;
	char                         why[512], status[256];
	int                          n;

	if (sdnotify_reloading(why, sizeof(why)) < 0) {
		log_warn("MXTLSD-NOTIFY", "%s", why);
	}
	/* an unusable TLSRPT store the admin has fixed since (issue 17) */
	tlsrpt_sched_reopen_store(t->tlsrpt);
	if (t->path == NULL) {
		log_notice("MXTLSD-RELOAD",
		        "SIGHUP: started without a configuration file (the "
		        "embedded defaults): nothing to reload");
		reload_done("serving (nothing to reload)");
		return (0);
	}
	log_notice("MXTLSD-RELOAD", "SIGHUP: reloading %s", t->path);
	conf_defaults(&fresh);
	if (conf_load(&fresh, t->path, why, sizeof(why)) != 0
	        || socketmap_answer_conf_init(&ac,
	                   fresh.socketmap_postfix_version,
	                   fresh.socketmap_testing, why, sizeof(why))
	                != 0) {
		log_err("MXTLSD-RELOAD-FAIL",
		        "%s; the running configuration stays in effect "
		        "(check the file with mxtlsd -n -c %s)",
		        why, t->path);
		conf_free(&fresh);
		snprintf(status, sizeof(status),
		        "serving; reload of %s failed, old configuration kept",
		        t->path);
		reload_done(status);
		return (-1);
	}
	memset(&st, 0, sizeof(st));
	st.path = t->path;
	n       = conf_merge(t->live, &fresh, on_change, &st);
	/* the "override" list is always taken as it is in the file now
	 * (the table drops the finished answers when it changes) */
	free(t->live->overrides);
	t->live->overrides  = fresh.overrides;
	t->live->noverrides = fresh.noverrides;
	fresh.overrides     = NULL;
	fresh.noverrides    = 0;
	if (t->overrides != NULL) {
		override_table_set_config(t->overrides, t->live->overrides,
		        t->live->noverrides, clock_now());
	}
	conf_free(&fresh);

	log_set_level((enum log_level)t->live->log_level);
	if (st.fetch && t->fetch != NULL) {
		memset(&fcfg, 0, sizeof(fcfg));
		fcfg.connect_timeout_ms = ms(t->live->fetch_connect_timeout);
		fcfg.timeout_ms         = ms(t->live->fetch_timeout);
		fcfg.low_speed_limit
		        = (unsigned)t->live->fetch_low_speed_limit;
		fcfg.low_speed_time = (unsigned)t->live->fetch_low_speed_time;
		sts_fetch_set_limits(t->fetch, &fcfg);
	}
	if (st.preload) {
		preload_watch_reconfigure(t->preload);
	}
	if (st.smap
	        && socketmap_reconfigure(
	                   t->socketmap, t->live, why, sizeof(why))
	                != 0) {
		log_err("MXTLSD-RELOAD-FAIL", "%s", why); /* checked above */
	}
	if (st.tlsrpt) {
		tlsrpt_sched_reconfigure(t->tlsrpt, t->live);
	}
	/* finished replies (and their socketmap renderings) were built with
	 * the old values; the resolvers' caches stay */
	if (n > 0 && t->answers != NULL) {
		answer_cache_drop(t->answers, NULL);
	}
	log_notice("MXTLSD-RELOADED",
	        "%s: reloaded: %d key%s applied, %d changed key%s need%s a "
	        "restart",
	        t->path, n, n == 1 ? "" : "s", st.restart,
	        st.restart == 1 ? "" : "s", st.restart == 1 ? "s" : "");
	snprintf(status, sizeof(status),
	        "serving; reloaded %s (%d applied, %d need a restart)",
	        t->path, n, st.restart);
	reload_done(status);
	return (n);
}
