/*
 * mxtlsd.c - the mxtls daemon: reads the configuration, opens the IPC socket,
 * drops privileges, and runs the one libevent loop that owns all state
 * (resolver, fetcher, store, cache).
 *
 *   mxtlsd [-d | -f] [-n] [-c FILE]
 *     -c FILE  configuration (default /etc/mxtls/mxtlsd.conf when present,
 *              else the embedded defaults)
 *     -d       stay in the foreground and log to stderr
 *     -f       stay in the foreground and log to syslog (systemd:
 *              Type=notify, ExecStart=/usr/sbin/mxtlsd -f)
 *     -n       check the configuration and the files it names (as the
 *              run user), print it, exit
 *
 * SIGHUP reloads the configuration file (daemon/reload.c); under systemd
 * the daemon reports READY=1 once every front door listens
 * (daemon/sdnotify.c). What a running daemon is made of, and in which
 * order, is daemon/instance.c.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon/daemon.h"
#include "daemon/instance.h"
#include "daemon/sdnotify.h"
#include "daemon/startcheck.h"
#include "log.h"
#include "util/conf.h"

#define MXTLSD_DEFAULT_CONF "/etc/mxtls/mxtlsd.conf"

static void
usage(void)
{
	fprintf(stderr, "usage: mxtlsd [-d | -f] [-n] [-c config]\n");
	exit(2);
}

/* on_signal - SIGHUP reloads; SIGTERM and SIGINT stop the loop. */
static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct instance *inst = arg;
	char             why[256];

	(void)what;
	if (sig == SIGHUP) {
		instance_reload(inst);
		return;
	}
	log_notice("MXTLSD-STOPPING", "signal %d: shutting down", (int)sig);
	if (sdnotify_send("STOPPING=1\nSTATUS=shutting down", why, sizeof(why))
	        < 0) {
		log_warn("MXTLSD-NOTIFY", "%s", why);
	}
	event_base_loopbreak(instance_base(inst));
}

/* on_check_log - a start-up check's finding, to the log. */
static void
on_check_log(void *arg, int fatal, const char *msg)
{
	(void)arg;
	if (fatal) {
		log_err("MXTLSD-CHECK", "%s", msg);
	} else {
		log_warn("MXTLSD-CHECK", "%s", msg);
	}
}

/* on_check_print - a finding of mxtlsd -n, to stderr. */
static void
on_check_print(void *arg, int fatal, const char *msg)
{
	(void)arg;
	fprintf(stderr, "mxtlsd: %s: %s\n", fatal ? "error" : "warning", msg);
}

/* mxtlsd_check - mxtlsd -n: print the effective configuration, check the
 * files it names as the run user; 0 when all is well, else 1. */
static int
mxtlsd_check(const struct conf *conf, const char *path)
{
	struct daemon_user user;
	char               why[512];
	int                n;

	printf("# mxtlsd %s effective configuration (%s)\n", MXTLS_VERSION,
	        path ? path : "embedded defaults");
	conf_print(conf, stdout);
	fflush(stdout);
	for (n = 0; conf->warnings[n] != NULL; n++) {
		fprintf(stderr, "mxtlsd: warning: %s\n", conf->warnings[n]);
	}
	if (startcheck_user(conf, &user, 1, why, sizeof(why)) != 0) {
		fprintf(stderr, "mxtlsd: error: %s\n", why);
		return (1);
	}
	if ((n = startcheck_files(conf, &user, on_check_print, NULL)) != 0) {
		fprintf(stderr,
		        "mxtlsd: configuration NOT OK: %d problem%s for user "
		        "%s\n",
		        n < 0 ? 1 : n, n == 1 ? "" : "s",
		        user.name[0] ? user.name : "root");
		return (1);
	}
	fprintf(stderr,
	        "mxtlsd: configuration OK (files checked as user %s)\n",
	        user.name[0] ? user.name : "root");
	return (0);
}

/* mxtlsd_serve - check, detach, build the daemon and run its loop until a
 * signal stops it; the exit status. */
static int
mxtlsd_serve(struct conf *conf, const char *conf_path, int foreground)
{
	static const int   signals[] = { SIGTERM, SIGINT, SIGHUP };
	struct event      *sigs[sizeof(signals) / sizeof(signals[0])];
	struct daemon_user user;
	struct instance   *inst = NULL;
	char               why[512];
	size_t             i;
	int                rv = 1;

	for (i = 0; conf->warnings[i] != NULL; i++) {
		log_warn("MXTLSD-CONFIG-DEPRECATED", "%s", conf->warnings[i]);
	}
	if (startcheck_user(conf, &user, 0, why, sizeof(why)) != 0) {
		log_err("MXTLSD-CONFIG", "%s", why);
		return (1);
	}
	if (startcheck_files(conf, &user, on_check_log, NULL) != 0) {
		log_err("MXTLSD-CONFIG",
		        "the configuration names files user %s cannot use "
		        "(above); not starting",
		        user.name[0] ? user.name : "root");
		return (1);
	}
	if (!foreground && daemon(0, 0) != 0) {
		log_err("MXTLSD-DAEMON", "daemon(): %s", strerror(errno));
		return (1);
	}
	signal(SIGPIPE, SIG_IGN);
	if ((inst = instance_open(conf, conf_path, &user, why, sizeof(why)))
	        == NULL) {
		return (1);
	}
	if (instance_start(inst) != 0) {
		goto out;
	}
	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
		sigs[i] = evsignal_new(
		        instance_base(inst), signals[i], on_signal, inst);
		event_add(sigs[i], NULL);
	}
	instance_ready(inst);
	event_base_dispatch(instance_base(inst));
	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
		event_free(sigs[i]);
	}
	rv = 0;
out:
	instance_free(inst);
	if (rv == 0) {
		log_notice("MXTLSD-STOPPED", "mxtlsd stopped");
	}
	return (rv);
}

int
main(int argc, char **argv)
{
	struct conf conf;
	const char *conf_path = NULL;
	char        why[512], abs_path[PATH_MAX];
	int         ch, foreground = 0, to_stderr = 0, check = 0, rv;

	while ((ch = getopt(argc, argv, "c:dfnh")) != -1) {
		switch (ch) {
		case 'c':
			conf_path = optarg;
			break;
		case 'd':
			foreground = 1;
			to_stderr  = 1;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'n':
			check = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc) {
		usage();
	}
	if (conf_path == NULL && access(MXTLSD_DEFAULT_CONF, F_OK) == 0) {
		conf_path = MXTLSD_DEFAULT_CONF;
	}
	/* daemon() moves to /: a reload re-reads the file by its full name */
	if (conf_path != NULL && realpath(conf_path, abs_path) != NULL) {
		conf_path = abs_path;
	}
	conf_defaults(&conf);
	if (conf_path != NULL
	        && conf_load(&conf, conf_path, why, sizeof(why)) != 0) {
		fprintf(stderr, "mxtlsd: %s\n", why);
		conf_free(&conf);
		return (1);
	}
	if (check) {
		rv = mxtlsd_check(&conf, conf_path);
	} else {
		log_init("mxtlsd", to_stderr, conf.log_facility);
		log_set_level((enum log_level)conf.log_level);
		log_set_format((enum log_format)conf.log_format);
		rv = mxtlsd_serve(&conf, conf_path, foreground);
	}
	conf_free(&conf);
	return (rv);
}
