/*
 * startcheck.c - mxtlsd's start-up checks (mxtlsd -n and every start):
 * the files the configuration names are checked from a child process that
 * has dropped to the run user, so access() answers exactly as the daemon
 * will see it (owner, group, supplementary groups, ACLs, directories on the
 * way). Socket directories are created (mode 0755, owner daemon.user) and
 * bind errors get the user and the fix (docs/OPERATIONS.md "Start-up
 * checks").
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdarg.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/startcheck.h"
#include "log.h"
#include "util/conf.h"

struct startcheck {
	startcheck_report_fn fn;
	void                *arg;
	const char          *user;  /* for the messages */
	const char          *group; /* the user's primary group */
	int                  was_root;
	int                  fatal;
};

static void report(struct startcheck *sc, int fatal, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void
report(struct startcheck *sc, int fatal, const char *fmt, ...)
{
	char    msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sc->fn(sc->arg, fatal, msg);
	if (fatal) {
		sc->fatal++;
	}
}

/* dir_of - path's directory into dir ("" when path has no '/'). */
static void
dir_of(const char *path, char *dir, size_t len)
{
	char *slash;

	snprintf(dir, len, "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL) {
		dir[0] = '\0';
	} else if (slash == dir) {
		dir[1] = '\0';
	} else {
		*slash = '\0';
	}
}

static const char *
missing_fix(const char *key)
{
	if (strcmp(key, "resolver.trust_anchor_file") == 0) {
		return ("install the root trust anchor (Debian: apt-get "
		        "install "
		        "dns-root-data; or unbound-anchor -a FILE) or point "
		        "resolver.trust_anchor_file at it");
	}
	if (strcmp(key, "fetch.ca_file") == 0
	        || strcmp(key, "tlsrpt.ca_file") == 0) {
		return ("install the CA bundle (Debian: apt-get install "
		        "ca-certificates) or point the key at one");
	}
	return ("create it, or correct the key");
}

/* check_read - key's file must be a readable regular file. */
static void
check_read(struct startcheck *sc, const char *key, const char *path)
{
	struct stat st;

	if (path == NULL || path[0] == '\0') {
		return;
	}
	if (stat(path, &st) != 0) {
		if (errno == ENOENT || errno == ENOTDIR) {
			report(sc, 1,
			        "%s \"%s\": no such file (checked as user "
			        "%s); fix: %s",
			        key, path, sc->user, missing_fix(key));
		} else {
			report(sc, 1,
			        "%s \"%s\": %s for user %s; fix: let %s "
			        "search "
			        "every directory on the way (chmod o+x, or "
			        "g+x "
			        "with group %s)",
			        key, path, strerror(errno), sc->user, sc->user,
			        sc->group);
		}
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		report(sc, 1, "%s \"%s\": not a regular file; fix: %s", key,
		        path, missing_fix(key));
		return;
	}
	if (access(path, R_OK) != 0) {
		report(sc, 1,
		        "%s \"%s\": not readable by user %s (%s; owner uid "
		        "%u, "
		        "gid %u, mode %04o); fix: chgrp %s '%s' && chmod g+r "
		        "'%s' (or chmod o+r)",
		        key, path, sc->user, strerror(errno),
		        (unsigned)st.st_uid, (unsigned)st.st_gid,
		        (unsigned)(st.st_mode & 07777), sc->group, path, path);
	}
}

/*
 * check_dir - the directory of key's path: writable by the user when it
 * exists, or creatable (its parent writable) when it does not. Root-made
 * directories (sockets, pid file: made and bound before the drop) are
 * skipped when we started as root.
 */
static void
check_dir(struct startcheck *sc, const char *key, const char *path,
        int root_makes_it)
{
	char        dir[4096], parent[4096];
	struct stat st;

	if (sc->was_root && root_makes_it) {
		return;
	}
	dir_of(path, dir, sizeof(dir));
	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), ".");
	}
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			report(sc, 1, "%s \"%s\": %s is not a directory", key,
			        path, dir);
		} else if (access(dir, W_OK | X_OK) != 0) {
			report(sc, 1,
			        "%s \"%s\": directory %s is not writable by "
			        "user "
			        "%s (%s); fix: chown %s '%s'%s",
			        key, path, dir, sc->user, strerror(errno),
			        sc->user, dir,
			        sc->was_root
			                ? ""
			                : ", or start mxtlsd as root with "
			                  "daemon.user set");
		}
		return;
	}
	if (errno != ENOENT) {
		report(sc, 1, "%s \"%s\": %s: %s (user %s)", key, path, dir,
		        strerror(errno), sc->user);
		return;
	}
	if (sc->was_root) {
		return; /* created at start, owned by daemon.user */
	}
	dir_of(dir, parent, sizeof(parent));
	if (parent[0] == '\0') {
		snprintf(parent, sizeof(parent), ".");
	}
	if (access(parent, W_OK | X_OK) != 0) {
		report(sc, 1,
		        "%s \"%s\": directory %s is missing and user %s "
		        "cannot "
		        "create it in %s (%s); fix: install -d -o %s -m 0755 "
		        "'%s' (systemd: RuntimeDirectory=/StateDirectory=), "
		        "or "
		        "start mxtlsd as root",
		        key, path, dir, sc->user, parent, strerror(errno),
		        sc->user, dir);
	}
}

/* check_rw - an existing file (a store) must be readable and writable;
 * fatal, or a warning (the TLSRPT store: mxtlsd serves policies without
 * it and says so at start, tlsrpt_sched.c) */
static void
check_rw(struct startcheck *sc, const char *key, const char *path, int fatal)
{
	if (access(path, F_OK) != 0) {
		return;
	}
	if (access(path, R_OK | W_OK) != 0) {
		report(sc, fatal,
		        "%s \"%s\": not readable and writable by user %s "
		        "(%s)%s; "
		        "fix: chown %s '%s'",
		        key, path, sc->user, strerror(errno),
		        fatal ? ""
		              : ": policies are served, TLS results are not "
		                "counted until it is fixed",
		        sc->user, path);
	}
}

static void
check_all(struct startcheck *sc, const struct conf *c)
{
	char   path[4096], prog[4096];
	size_t i, n;

	check_read(sc, "resolver.trust_anchor_file",
	        c->resolver_trust_anchor_file);
	check_read(sc, "resolver.unbound_config", c->resolver_unbound_config);
	check_read(sc, "fetch.ca_file", c->fetch_ca_file);
	check_read(sc, "preload.path", c->preload_path);
	if (strcmp(c->store_path, ":memory:") != 0) {
		check_dir(sc, "store.path", c->store_path, 0);
		check_rw(sc, "store.path", c->store_path, 1);
		snprintf(path, sizeof(path), "%s.tlsrpt", c->store_path);
		if (c->tlsrpt_enable) {
			check_rw(sc, "store.path (TLSRPT store)", path, 0);
		}
	}
	check_dir(sc, "daemon.pid_file", c->daemon_pid_file, 1);
	if (strncmp(c->ipc_listen, "ipc://", 6) == 0) {
		check_dir(sc, "ipc.listen", c->ipc_listen + 6, 1);
	}
	if (strncmp(c->ipc_direct, "ipc://", 6) == 0) {
		check_dir(sc, "ipc.direct", c->ipc_direct + 6, 1);
	}
	for (i = 0; c->socketmap_listen[i] != NULL; i++) {
		if (strncmp(c->socketmap_listen[i], "unix:", 5) == 0) {
			check_dir(sc, "socketmap.listen",
			        c->socketmap_listen[i] + 5, 1);
		}
	}
	if (!c->tlsrpt_enable) {
		return;
	}
	check_read(sc, "tlsrpt.ca_file", c->tlsrpt_ca_file);
	if (c->tlsrpt_datagram_socket[0] != '\0') {
		check_dir(sc, "tlsrpt.datagram_socket",
		        c->tlsrpt_datagram_socket, 1);
	}
	n = strcspn(c->tlsrpt_sendmail, " \t");
	if (c->tlsrpt_sendmail[0] == '/' && n < sizeof(prog)) {
		memcpy(prog, c->tlsrpt_sendmail, n);
		prog[n] = '\0';
		if (access(prog, X_OK) != 0) {
			report(sc, 0,
			        "tlsrpt.sendmail: %s: not executable by user "
			        "%s "
			        "(%s): reports to mailto: addresses will "
			        "fail; "
			        "fix: install an MTA's sendmail, or correct "
			        "tlsrpt.sendmail",
			        prog, sc->user, strerror(errno));
		}
	}
}

int
startcheck_files(const struct conf *conf, const struct daemon_user *u,
        startcheck_report_fn fn, void *arg)
{
	struct startcheck sc;
	struct passwd    *pw;
	pid_t             pid;
	int               status;
	char              name[64], group[64];
	struct group     *gr;
	gid_t             gid = u->set ? u->gid : getegid();

	memset(&sc, 0, sizeof(sc));
	sc.fn       = fn;
	sc.arg      = arg;
	sc.was_root = geteuid() == 0;
	if (u->set) {
		snprintf(name, sizeof(name), "%s", u->name);
	} else if ((pw = getpwuid(geteuid())) != NULL) {
		snprintf(name, sizeof(name), "%s", pw->pw_name);
	} else {
		snprintf(name, sizeof(name), "uid %u", (unsigned)geteuid());
	}
	sc.user = name;
	if ((gr = getgrgid(gid)) != NULL) {
		snprintf(group, sizeof(group), "%s", gr->gr_name);
	} else {
		snprintf(group, sizeof(group), "%u", (unsigned)gid);
	}
	sc.group = group;
	fflush(NULL);
	if ((pid = fork()) < 0) {
		return (-1);
	}
	if (pid == 0) {
		if (u->set
		        && (initgroups(u->name, u->gid) != 0
		                || setgid(u->gid) != 0
		                || setuid(u->uid) != 0)) {
			report(&sc, 1,
			        "cannot become user %s to check files: %s",
			        u->name, strerror(errno));
			_exit(1);
		}
		check_all(&sc, conf);
		fflush(NULL);
		_exit(sc.fatal > 100 ? 100 : sc.fatal);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			return (-1);
		}
	}
	if (!WIFEXITED(status)) {
		return (-1);
	}
	return (WEXITSTATUS(status));
}

int
startcheck_user(const struct conf *conf, struct daemon_user *u, int quiet,
        char *why, size_t whylen)
{
	struct passwd *pw;

	if (geteuid() == 0) {
		return (daemon_user_lookup(conf->daemon_user, u, why, whylen));
	}
	memset(u, 0, sizeof(*u));
	pw = getpwuid(geteuid());
	snprintf(u->name, sizeof(u->name), "%s",
	        pw != NULL ? pw->pw_name : "?");
	if (quiet) {
		return (0);
	}
	if (conf->daemon_user[0] != '\0'
	        && strcmp(conf->daemon_user, u->name) != 0) {
		log_notice("MXTLSD-USER",
		        "not started as root: running as %s (uid %u); "
		        "daemon.user \"%s\" is not applied (no chown, no "
		        "privilege drop)",
		        u->name, (unsigned)geteuid(), conf->daemon_user);
	} else {
		log_info("MXTLSD-USER",
		        "not started as root: running as %s (uid %u), no "
		        "privilege drop",
		        u->name, (unsigned)geteuid());
	}
	return (0);
}

int
startcheck_sockdir(const char *key, const char *path,
        const struct daemon_user *u, char *why, size_t whylen)
{
	char        dir[4096], *p;
	struct stat st;
	const char *who = geteuid() == 0 ? "root" : u->name;

	dir_of(path, dir, sizeof(dir));
	if (dir[0] == '\0' || strcmp(dir, "/") == 0) {
		return (0);
	}
	/* mkdir -p: every missing component, 0755, given to u */
	for (p = dir + 1;; p++) {
		if (*p != '/' && *p != '\0') {
			continue;
		}
		char c = *p;
		*p     = '\0';
		if (stat(dir, &st) != 0) {
			if (errno != ENOENT || mkdir(dir, 0755) != 0) {
				snprintf(why, whylen,
				        "%s \"%s\": cannot create directory "
				        "%s as "
				        "%s: %s; fix: install -d -o %s -m "
				        "0755 "
				        "'%s'%s",
				        key, path, dir, who[0] ? who : "?",
				        strerror(errno),
				        u->name[0] ? u->name : "USER", dir,
				        u->set ? ""
				               : ", or start mxtlsd as root");
				return (-1);
			}
			if (chmod(dir, 0755) != 0
			        || (u->set
			                && chown(dir, u->uid, u->gid) != 0)) {
				snprintf(why, whylen, "%s: chown/chmod %s: %s",
				        key, dir, strerror(errno));
				return (-1);
			}
			log_info("MXTLSD-SOCKDIR",
			        "%s: created %s (mode 0755, owner %s)", key,
			        dir, u->set ? u->name : who);
		} else if (!S_ISDIR(st.st_mode)) {
			snprintf(why, whylen,
			        "%s \"%s\": %s is not a directory", key, path,
			        dir);
			return (-1);
		}
		*p = c;
		if (c == '\0') {
			break;
		}
	}
	return (0);
}

void
startcheck_bind_hint(const char *key, const char *addr,
        const struct daemon_user *u, char *why, size_t whylen)
{
	size_t      len = strlen(why);
	char        dir[4096];
	const char *p;
	const char *as = geteuid() == 0 ? "root" : u->name;
	long        port;

	p = addr;
	if (strncmp(p, "ipc://", 6) == 0) {
		p += 6;
	} else if (strncmp(p, "unix:", 5) == 0) {
		p += 5;
	}
	if (len + 1 >= whylen) {
		return;
	}
	if (strstr(why, "ermission denied") != NULL && p[0] == '/') {
		dir_of(p, dir, sizeof(dir));
		snprintf(why + len, whylen - len,
		        " (%s %s, bound as %s); fix: make %s writable by %s "
		        "(chown %s '%s'), or start mxtlsd as root: it binds "
		        "its sockets before dropping to daemon.user",
		        key, addr, as, dir, as, as, dir);
	} else if (strstr(why, "in use") != NULL) {
		snprintf(why + len, whylen - len,
		        " (%s %s, as %s); fix: another process listens there "
		        "(another mxtlsd?): stop it or choose another address",
		        key, addr, as);
	} else if ((p = strrchr(addr, ':')) != NULL
	        && (port = strtol(p + 1, NULL, 10)) > 0 && port < 1024
	        && geteuid() != 0) {
		snprintf(why + len, whylen - len,
		        " (%s %s, as %s); fix: ports below 1024 need root: "
		        "start mxtlsd as root or use a port from 1024 up",
		        key, addr, as);
	} else {
		snprintf(why + len, whylen - len, " (%s %s, bound as %s)", key,
		        addr, as);
	}
}
