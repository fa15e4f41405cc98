/*
 * spclient_probe.c - drives common/spclient.c against the real mxtlsd for
 * tests/integration/test_spclient.sh. Prints one line per call:
 * "<label> <status> fd=<n> <reply>".
 *
 *   spclient_probe URL ping N        N pings on one client
 *   spclient_probe URL fork          ping, fork: the child pings on its own
 *                                    connection, then the parent again
 *   spclient_probe URL restart FLAG  ping, wait until file FLAG exists (the
 *                                    test restarts the daemon), ping again
 *   spclient_probe URL policy DOMAIN one policy request
 *   spclient_probe URL raw TEXT      one request with body TEXT
 * Exit status: 0 when every call succeeded, 1 otherwise, 2 on usage.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spclient.h"

static int failures;

static void
call(struct spclient *c, const char *label, const char *req)
{
	char                *reply = NULL, why[512];
	enum spclient_status st;

	st = spclient_call(
	        c, req, strlen(req), &reply, NULL, why, sizeof(why));
	printf("%s %s fd=%d %s\n", label, spclient_status_name(st),
	        spclient_fd(c), st == SPCLIENT_OK ? reply : why);
	fflush(stdout);
	if (st != SPCLIENT_OK) {
		failures++;
	}
	free(reply);
}

int
main(int argc, char *argv[])
{
	static const char ping[] = "{\"v\":1,\"op\":\"ping\"}";
	struct spclient  *c;
	char              why[512], req[600], label[32];
	struct stat       sb;
	pid_t             pid;
	int               i, n, wst;

	if (argc < 3) {
		fprintf(stderr, "usage: spclient_probe URL MODE [ARG]\n");
		return (2);
	}
	/* default SIGPIPE on purpose: the client must not need it ignored */
	signal(SIGPIPE, SIG_DFL);
	if ((c = spclient_new(argv[1], 10000, why, sizeof(why))) == NULL) {
		fprintf(stderr, "spclient_new: %s\n", why);
		return (2);
	}
	if (strcmp(argv[2], "ping") == 0) {
		n = argc > 3 ? atoi(argv[3]) : 1;
		for (i = 0; i < n; i++) {
			snprintf(label, sizeof(label), "ping%d", i + 1);
			call(c, label, ping);
		}
	} else if (strcmp(argv[2], "fork") == 0) {
		call(c, "parent1", ping);
		if ((pid = fork()) == 0) {
			printf("child-before fd=%d\n", spclient_fd(c));
			call(c, "child", ping);
			call(c, "child2", ping);
			fflush(stdout);
			_exit(failures == 0 ? 0 : 1);
		}
		waitpid(pid, &wst, 0);
		if (!WIFEXITED(wst) || WEXITSTATUS(wst) != 0) {
			failures++;
		}
		call(c, "parent2", ping);
	} else if (strcmp(argv[2], "restart") == 0 && argc > 3) {
		call(c, "before", ping);
		for (i = 0; i < 600 && stat(argv[3], &sb) != 0; i++) {
			usleep(100 * 1000);
		}
		call(c, "after", ping);
	} else if (strcmp(argv[2], "policy") == 0 && argc > 3) {
		snprintf(req, sizeof(req),
		        "{\"v\":1,\"op\":\"policy\",\"domain\":\"%s\"}",
		        argv[3]);
		call(c, "policy", req);
	} else if (strcmp(argv[2], "raw") == 0 && argc > 3) {
		call(c, "raw", argv[3]);
	} else {
		fprintf(stderr, "spclient_probe: unknown mode %s\n", argv[2]);
		return (2);
	}
	spclient_free(c);
	return (failures == 0 ? 0 : 1);
}
