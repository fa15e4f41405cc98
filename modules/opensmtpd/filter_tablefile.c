/*
 * filter_tablefile.c - filter-mxtls's verified-TLS file table (see
 * filter_tablefile.h; the table's format is filter_table.c's): written
 * to a temporary file, fsync'd and renamed, then `smtpctl update table`.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "filter_opts.h"
#include "filter_table.h"
#include "filter_tablefile.h"
#include "log.h"

extern char **environ;

#define O filter_opts

static pthread_mutex_t     t_lock = PTHREAD_MUTEX_INITIALIZER;
static struct filter_table g_table;

/* table_write - write g_table atomically (t_lock held). */
static int
table_write(char *why, size_t whylen)
{
	char  *text, tmp[4096];
	int    fd;
	size_t len, off = 0;

	if ((text = filter_table_format(&g_table)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return (-1);
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", O.table_path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644))
	        < 0) {
		snprintf(why, whylen, "%s: %s", tmp, strerror(errno));
		free(text);
		return (-1);
	}
	len = strlen(text);
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			snprintf(why, whylen, "%s: %s", tmp, strerror(errno));
			goto fail;
		}
		off += (size_t)n;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		snprintf(why, whylen, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, O.table_path) != 0) {
		snprintf(why, whylen, "rename to %s: %s", O.table_path,
		        strerror(errno));
		goto fail;
	}
	free(text);
	return (0);
fail:
	if (fd >= 0) {
		close(fd);
	}
	unlink(tmp);
	free(text);
	return (-1);
}

/* table_reload - `smtpctl update table NAME` (t_lock held). */
static int
table_reload(char *why, size_t whylen)
{
	char *argv[] = { (char *)O.smtpctl, "update", "table",
		(char *)O.table_name, NULL };
	pid_t pid;
	int   rv, st;

	posix_spawn_file_actions_t fa;

	/* smtpctl prints "Command succeeded" on stdout, which is our line
	 * to smtpd: a stray line there makes smtpd drop the filter */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO);
	posix_spawn_file_actions_addopen(
	        &fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	rv = posix_spawn(&pid, O.smtpctl, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rv != 0) {
		snprintf(why, whylen, "%s: %s", O.smtpctl, strerror(rv));
		return (-1);
	}
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			snprintf(why, whylen, "waitpid: %s", strerror(errno));
			return (-1);
		}
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		snprintf(why, whylen,
		        "'%s update table %s' failed (status %d)", O.smtpctl,
		        O.table_name, st);
		return (-1);
	}
	if (O.settle_ms > 0) {
		struct timespec ts = { O.settle_ms / 1000,
			(O.settle_ms % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	}
	return (0);
}

int
filter_tablefile_apply(const char *domain, int secure, time_t expires,
        char *why, size_t whylen)
{
	int changed = 0, rv = 0;

	pthread_mutex_lock(&t_lock);
	changed = filter_table_prune(&g_table, time(NULL)) > 0;
	if (secure) {
		int r = filter_table_set(&g_table, domain, expires);
		if (r < 0) {
			snprintf(why, whylen, "out of memory");
			rv = -1;
			goto out;
		}
		changed |= r;
	} else {
		changed |= filter_table_remove(&g_table, domain);
	}
	if (changed) {
		if ((rv = table_write(why, whylen)) == 0) {
			rv = table_reload(why, whylen);
		}
		if (rv == 0) {
			log_info("MXTLS-SMTPD-TABLE",
			        "%s %s; table %s reloaded "
			        "(%zu domains)",
			        secure ? "added" : "removed", domain,
			        O.table_name, g_table.n);
		}
	}
out:
	pthread_mutex_unlock(&t_lock);
	return (rv);
}

void
filter_tablefile_load(void)
{
	FILE  *f;
	char  *buf = NULL;
	size_t len = 0;

	filter_table_init(&g_table);
	if ((f = fopen(O.table_path, "re")) == NULL) {
		return;
	}
	buf = malloc(1 << 20);
	if (buf != NULL) {
		len = fread(buf, 1, (1 << 20) - 1, f);
		if (filter_table_parse(&g_table, buf, len) < 0) {
			log_err("MXTLS-SMTPD-TABLE", "out of memory");
		}
	}
	free(buf);
	fclose(f);
}

int
filter_tablefile_init(char *why, size_t whylen)
{
	int rv;

	pthread_mutex_lock(&t_lock);
	filter_table_prune(&g_table, time(NULL));
	rv = table_write(why, whylen);
	pthread_mutex_unlock(&t_lock);
	return (rv);
}
