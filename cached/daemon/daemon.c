/*
 * daemon.c - pid file, run-time directories and privilege drop for mxtlsd.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/daemon.h"

int
daemon_user_lookup(
        const char *name, struct daemon_user *u, char *why, size_t whylen)
{
	struct passwd *pw;

	memset(u, 0, sizeof(*u));
	if (geteuid() != 0 || name == NULL || name[0] == '\0') {
		return (0);
	}
	errno = 0;
	if ((pw = getpwnam(name)) == NULL) {
		snprintf(why, whylen,
		        "daemon.user \"%s\" does not exist (create it with "
		        "`useradd --system --no-create-home %s`, or set "
		        "daemon.user = \"\" to stay root)",
		        name, name);
		return (-1);
	}
	if (pw->pw_uid == 0) {
		snprintf(why, whylen, "daemon.user \"%s\" is root", name);
		return (-1);
	}
	u->set = 1;
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	snprintf(u->name, sizeof(u->name), "%s", name);
	return (0);
}

int
daemon_dir_for(const char *path, const struct daemon_user *u, char *why,
        size_t whylen)
{
	char        dir[4096], *slash;
	struct stat st;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL) {
		return (0);
	}
	if (slash == dir) {
		return (0);
	}
	*slash = '\0';
	if (stat(dir, &st) != 0) {
		if (errno != ENOENT || mkdir(dir, 0750) != 0) {
			snprintf(why, whylen, "%s: %s", dir, strerror(errno));
			return (-1);
		}
		if (u->set && chown(dir, u->uid, u->gid) != 0) {
			snprintf(why, whylen, "chown %s: %s", dir,
			        strerror(errno));
			return (-1);
		}
	} else if (!S_ISDIR(st.st_mode)) {
		snprintf(why, whylen, "%s: not a directory", dir);
		return (-1);
	}
	return (0);
}

int
daemon_pidfile_open(const char *path, char *why, size_t whylen)
{
	struct stat st;
	int         fd;
	char        buf[32];
	long        other;

	/* never through a link planted in a directory the run user may
	 * write: root would truncate the target */
	if ((fd = open(path,
	             O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
	             0644))
	        < 0) {
		snprintf(why, whylen, "%s: %s%s", path, strerror(errno),
		        errno == ELOOP ? " (a symbolic link: remove it)" : "");
		return (-1);
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
		snprintf(why, whylen,
		        "%s: not a regular file with one link: remove it",
		        path);
		close(fd);
		return (-1);
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		ssize_t n          = read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		other              = strtol(buf, NULL, 10);
		snprintf(why, whylen,
		        "%s: locked: another mxtlsd (pid %ld) is running",
		        path, other);
		close(fd);
		return (-1);
	}
	/* started as root: root's file, which the run user cannot rewrite
	 * (a root script may signal the pid in it); we keep fd */
	if (geteuid() == 0
	        && (((st.st_uid != 0 || st.st_gid != 0)
	                    && fchown(fd, 0, 0) != 0)
	                || fchmod(fd, 0644) != 0)) {
		snprintf(why, whylen, "%s: chown root/chmod 0644: %s", path,
		        strerror(errno));
		close(fd);
		return (-1);
	}
	snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0
	        || write(fd, buf, strlen(buf)) != (ssize_t)strlen(buf)) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		close(fd);
		return (-1);
	}
	return (fd);
}

int
daemon_pidfile_dir_check(const char *path, const struct daemon_user *u,
        char *why, size_t whylen)
{
	char        dir[4096], *slash;
	struct stat st;

	if (!u->set) {
		return (0);
	}
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL) {
		snprintf(dir, sizeof(dir), ".");
	} else if (slash == dir) {
		slash[1] = '\0';
	} else {
		*slash = '\0';
	}
	if (stat(dir, &st) != 0) {
		return (0);
	}
	if (st.st_uid == u->uid || (st.st_mode & S_IWOTH) != 0
	        || ((st.st_mode & S_IWGRP) != 0 && st.st_gid == u->gid)) {
		snprintf(why, whylen,
		        "daemon.pid_file %s: its directory %s is writable by "
		        "%s, who can replace the (root-owned) pid file; a "
		        "root "
		        "script must not signal the pid in it unless the file "
		        "is locked (flock); or put the pid file in a "
		        "directory only root may write (docs/OPERATIONS.md)",
		        path, dir, u->name);
		return (1);
	}
	return (0);
}

void
daemon_pidfile_close(int fd, const char *path)
{
	if (fd < 0) {
		return;
	}
	/* empty: no pid to signal, even where we cannot unlink it (a
	 * root-owned directory after the drop); the descriptor was opened
	 * for writing before the drop */
	if (ftruncate(fd, 0) != 0) {
		/* nothing better to do at exit */
	}
	(void)unlink(path);
	close(fd);
}

int
daemon_drop(const struct daemon_user *u, char *why, size_t whylen)
{
	if (!u->set) {
		return (0);
	}
	if (initgroups(u->name, u->gid) != 0 || setgid(u->gid) != 0
	        || setuid(u->uid) != 0) {
		snprintf(why, whylen, "cannot become %s: %s", u->name,
		        strerror(errno));
		return (-1);
	}
	if (setuid(0) == 0) {
		snprintf(why, whylen, "could regain root after dropping to %s",
		        u->name);
		return (-1);
	}
	return (0);
}
