/*
 * instance.h - one running mxtlsd, built in the order its privileges
 * demand (docs/ARCHITECTURE.md): as root, the pid file, the run-time
 * directories and every front door's socket (ipc.listen, ipc.direct,
 * socketmap.listen, tlsrpt.datagram_socket); then the privilege drop;
 * then, as the run user, the store, the resolver, the fetcher, the
 * resolvers and their memo, the answer cache, TLS reporting, and the
 * front doors attached to what answers them. mxtlsd.c's main only reads
 * argv, sets up logging and signals, and calls these.
 *
 * Everything an instance holds belongs to it; instance_free releases it
 * in the reverse order (front doors before what they read).
 */
#ifndef MXTLS_CACHED_INSTANCE_H
#define MXTLS_CACHED_INSTANCE_H

#include <stddef.h>

struct conf;
struct daemon_user;
struct event_base;
struct instance;

/*
 * instance_open - create the loop and open, as root, everything that must
 * be opened before the drop, then drop to user; NULL on failure (logged
 * with the path and a hint, why set). conf and user must outlive the
 * instance; conf_path is the -c file (NULL: the embedded defaults), which
 * SIGHUP re-reads.
 */
struct instance *instance_open(struct conf *conf, const char *conf_path,
        const struct daemon_user *user, char *why, size_t whylen);

/*
 * instance_start - build the subsystems as the run user and attach the
 * front doors; 0 or -1 (logged).
 */
int instance_start(struct instance *inst);

/* instance_base - the loop, for the caller's signal events. */
struct event_base *instance_base(struct instance *inst);

/* instance_ready - tell systemd READY=1 (every front door listens and the
 * store is open) and log MXTLSD-STARTED. */
void instance_ready(struct instance *inst);

/* instance_reload - SIGHUP (loop thread): reload.h. */
void instance_reload(struct instance *inst);

/* instance_free - stop and release everything (inst may be NULL or only
 * opened). */
void instance_free(struct instance *inst);

#endif
