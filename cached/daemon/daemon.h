/*
 * daemon.h - process chores of mxtlsd: the pid file (with a lock that keeps
 * a second instance out), run-time directories, and dropping root
 * privileges to the configured user.
 */
#ifndef MXTLS_CACHED_DAEMON_H
#define MXTLS_CACHED_DAEMON_H

#include <sys/types.h>

#include <stddef.h>

struct daemon_user {
	int   set; /* 0: stay as we are (not root, or daemon.user = "") */
	uid_t uid;
	gid_t gid;
	char  name[64];
};

/*
 * daemon_user_lookup - resolve name for a later drop. When we are not root
 * or name is empty, nothing is dropped (u->set = 0). Returns -1 and why
 * when the user does not exist.
 */
int daemon_user_lookup(
        const char *name, struct daemon_user *u, char *why, size_t whylen);

/*
 * daemon_dir_for - make sure the directory holding path exists (created
 * 0750 when missing) and, when u->set, belongs to the user. -1 and why on
 * failure.
 */
int daemon_dir_for(const char *path, const struct daemon_user *u, char *why,
        size_t whylen);

/*
 * daemon_pidfile_open - create or open path (never through a symbolic link,
 * a regular file of one link only), take an exclusive lock (another
 * running mxtlsd makes this fail with its pid in why) and write our pid.
 * As root the file is made root's, mode 0644, so that the run user cannot
 * rewrite it after the drop. Returns the open descriptor, kept until exit,
 * or -1.
 */
int daemon_pidfile_open(const char *path, char *why, size_t whylen);

/*
 * daemon_pidfile_dir_check - 1 and why when path's directory is writable
 * by u (set), who could then replace the pid file; 0 otherwise.
 */
int daemon_pidfile_dir_check(const char *path, const struct daemon_user *u,
        char *why, size_t whylen);

/* daemon_pidfile_close - at exit: empty the pid file through fd (open for
 * writing since before the drop), unlink it where we may, close fd. */
void daemon_pidfile_close(int fd, const char *path);

/* daemon_drop - switch to the user for good (groups, gid, uid); -1 and why
 * on failure, which is fatal for the caller. */
int daemon_drop(const struct daemon_user *u, char *why, size_t whylen);

#endif
