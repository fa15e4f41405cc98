/*
 * startcheck.h - what mxtlsd checks before it serves: every file the
 * configuration names is there and readable by the user the daemon will
 * run as (mxtlsd -n, and at every start), the directories of its sockets
 * exist (created when missing, owner daemon.user, mode 0755), and bind
 * errors say which path, as which user, and how to fix it.
 */
#ifndef MXTLS_CACHED_STARTCHECK_H
#define MXTLS_CACHED_STARTCHECK_H

#include <stddef.h>

#include "daemon/daemon.h"

struct conf;

/* startcheck_report_fn - one problem (fatal 1) or warning (fatal 0). */
typedef void (*startcheck_report_fn)(void *arg, int fatal, const char *msg);

/*
 * startcheck_files - check, as the run user (u->set: a child process drops
 * to u first; else the current user), every file and directory conf names:
 * resolver.trust_anchor_file, resolver.unbound_config, fetch.ca_file,
 * preload.path, tlsrpt.ca_file (readable); the store's directory
 * (writable, or creatable); the socket and pid file directories (writable
 * when not started as root); tlsrpt.sendmail's program (executable: a
 * warning only). Each problem names the key, the file, the user and the
 * fix. Returns the number of fatal problems (-1: the check could not run).
 */
int startcheck_files(const struct conf *conf, const struct daemon_user *u,
        startcheck_report_fn fn, void *arg);

/*
 * startcheck_user - the user mxtlsd runs as: when root, daemon.user
 * (looked up into u; -1 and why when it does not exist); when not root,
 * the current user (u->set = 0; a daemon.user naming someone else is
 * logged, not an error: no chown, chroot or setuid is tried).
 */
int startcheck_user(const struct conf *conf, struct daemon_user *u, int quiet,
        char *why, size_t whylen);

/*
 * startcheck_sockdir - make sure the directory holding the socket path
 * exists: missing components are created with mode 0755 and, when u->set,
 * given to u (so the daemon can replace its socket after a restart and the
 * MTA's user can reach it). key names the setting for the error. -1 and why
 * (the path, the user, the fix) on failure.
 */
int startcheck_sockdir(const char *key, const char *path,
        const struct daemon_user *u, char *why, size_t whylen);

/*
 * startcheck_bind_hint - append to why (a failed bind of addr, for key) the
 * user it was bound as and the likely fix (permissions, a port below
 * 1024, a socket in use).
 */
void startcheck_bind_hint(const char *key, const char *addr,
        const struct daemon_user *u, char *why, size_t whylen);

#endif
