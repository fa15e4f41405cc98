/*
 * ctl.c - mxtlsctl's main and what its commands share (ctl.h): the global
 * options, the dispatch through the command table, usage errors that say
 * what was wrong, and the call to the daemon with errors worded for the
 * admin ("mxtlsd is not running", "permission denied: add your user to
 * group G"). The exact messages and exit statuses are in man/mxtlsctl.8.
 */
#include <sys/stat.h>

#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clnt_nng.h"
#include "ctl/ctl.h"
#include "domain.h"

static const char ctl_options[]
        = "options (before the command):\n"
          "  -s URL       the daemon's socket (default $MXTLS_SOCKET, "
          "else " CTL_DEFAULT_URL ")\n"
          "  -t SECONDS   how long to wait for an answer (default 30)\n"
          "  --json       print JSON instead of text (any command)\n"
          "  -h, --help   this help; mxtlsctl help COMMAND, or COMMAND "
          "--help\n"
          "  --version    the version\n";

const struct ctl_cmd *
ctl_cmd_find(const char *name)
{
	size_t i;

	for (i = 0; ctl_cmds[i] != NULL; i++) {
		if (strcmp(ctl_cmds[i]->name, name) == 0) {
			return (ctl_cmds[i]);
		}
	}
	return (NULL);
}

/* ctl_usage_lines - cmd's usage, one "PREFIX mxtlsctl NAME ARGS" a line */
static void
ctl_usage_lines(FILE *f, const struct ctl_cmd *k, const char *first)
{
	const char *p = k->usage, *nl;

	do {
		nl = strchr(p, '\n');
		fprintf(f, "%s mxtlsctl [-s URL] [-t SECONDS] %s%s%.*s\n",
		        first, k->name, *p != '\0' ? " " : "",
		        nl != NULL ? (int)(nl - p) : (int)strlen(p), p);
		first = "      ";
		p     = nl != NULL ? nl + 1 : NULL;
	} while (p != NULL && *p != '\0');
}

void
ctl_usage_all(FILE *f)
{
	const char *first = "usage:";
	size_t      i;

	for (i = 0; ctl_cmds[i] != NULL; i++) {
		ctl_usage_lines(f, ctl_cmds[i], first);
		first = "      ";
	}
	fprintf(f, "%s", ctl_options);
}

void
ctl_cmd_help(FILE *f, const struct ctl_cmd *k)
{
	ctl_usage_lines(f, k, "usage:");
	fprintf(f, "\n%s\n", k->help);
}

void
ctl_usage(const char *cmd, const char *fmt, ...)
{
	const struct ctl_cmd *k = cmd != NULL ? ctl_cmd_find(cmd) : NULL;
	va_list               ap;

	fprintf(stderr, "mxtlsctl: %s%s", cmd != NULL ? cmd : "",
	        cmd != NULL ? ": " : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (k != NULL) {
		ctl_usage_lines(stderr, k, "usage:");
		fprintf(stderr, "(mxtlsctl help %s for more)\n", k->name);
	} else {
		fprintf(stderr, "(mxtlsctl --help for the commands)\n");
	}
	exit(CTL_EXIT_USAGE);
}

void
ctl_fail(int status, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mxtlsctl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

int
ctl_domain(const char *arg, char *out, size_t outlen, char *why, size_t whylen)
{
	char w[192];

	if (domain_not_a_name(arg, strlen(arg), w, sizeof(w))) {
		snprintf(why, whylen,
		        "%s (no MTA-STS or DANE policy applies to it)", w);
		return (-1);
	}
	if (domain_normalize(arg, strlen(arg), out, outlen, w, sizeof(w))
	        != 0) {
		snprintf(why, whylen, "%s", w);
		return (-1);
	}
	return (0);
}

/* ctl_group_name - the name of group gid (or its number) in buf */
static const char *
ctl_group_name(gid_t gid, char *buf, size_t len)
{
	struct group *g = getgrgid(gid);

	if (g != NULL) {
		snprintf(buf, len, "%s", g->gr_name);
	} else {
		snprintf(buf, len, "%lu", (unsigned long)gid);
	}
	return (buf);
}

/* ctl_unreachable - the daemon could not be reached at c->url: say why in
 * the admin's words, from the socket file (ipc://) when there is one. */
static void __attribute__((noreturn))
ctl_unreachable(struct ctl *c, const char *why)
{
	struct stat st;
	const char *path;
	char        dir[4096], g[64], *slash;

	if (strncmp(c->url, "ipc://", 6) != 0) {
		ctl_fail(CTL_EXIT_UNAVAILABLE,
		        "mxtlsd is not running at %s (%s)", c->url, why);
	}
	path = c->url + 6;
	if (stat(path, &st) != 0) {
		if (errno == EACCES) {
			/* a directory on the way is closed to us:
			 * /run/mxtls is 0750 root:mxtls */
			snprintf(dir, sizeof(dir), "%s", path);
			while ((slash = strrchr(dir, '/')) != NULL
			        && slash != dir) {
				*slash = '\0';
				if (stat(dir, &st) == 0
				        && access(dir, X_OK) != 0) {
					ctl_fail(CTL_EXIT_UNAVAILABLE,
					        "permission denied: add your "
					        "user to group %s (%s is not "
					        "open to you)",
					        ctl_group_name(st.st_gid, g,
					                sizeof(g)),
					        dir);
				}
			}
			ctl_fail(CTL_EXIT_UNAVAILABLE,
			        "permission denied: %s (%s)", path, why);
		}
		ctl_fail(CTL_EXIT_UNAVAILABLE,
		        "mxtlsd is not running (no socket at %s)", path);
	}
	if (access(path, R_OK | W_OK) != 0 && errno == EACCES) {
		ctl_fail(CTL_EXIT_UNAVAILABLE,
		        "permission denied: add your user to group %s (%s is "
		        "mode %04o)",
		        ctl_group_name(st.st_gid, g, sizeof(g)), path,
		        (unsigned)(st.st_mode & 07777));
	}
	ctl_fail(CTL_EXIT_UNAVAILABLE,
	        "mxtlsd is not running (nobody listens on %s: a socket left "
	        "behind)",
	        path);
}

void
ctl_call_fail(struct ctl *c, int st, const char *why)
{
	if (st == CLNT_UNREACHABLE) {
		ctl_unreachable(c, why);
	}
	if (st == CLNT_TIMEOUT) {
		ctl_fail(CTL_EXIT_TEMPFAIL,
		        "no answer from mxtlsd within %g s (%s)",
		        c->timeout_ms / 1000.0, why);
	}
	ctl_fail(CTL_EXIT_FAIL, "%s", why);
}

json_t *
ctl_call(struct ctl *c, const struct proto_request *req, const char *raw)
{
	struct clnt_nng  n;
	struct clnt      k;
	enum clnt_status st;
	char            *reply = NULL, why[512];
	size_t           rlen  = 0;
	json_t          *o;

	n.url        = c->url;
	n.timeout_ms = c->timeout_ms;
	clnt_nng_init(&k, &n);
	st = req != NULL
	        ? clnt_request(&k, req, &reply, &rlen, why, sizeof(why))
	        : clnt_raw(&k, raw, &reply, &rlen, why, sizeof(why));
	if (st != CLNT_OK) {
		ctl_call_fail(c, st, why);
	}
	o = json_loadb(reply, rlen, 0, NULL);
	if (!json_is_object(o) || ctl_str(o, "status", NULL) == NULL) {
		ctl_fail(CTL_EXIT_FAIL, "malformed reply from mxtlsd: %.*s",
		        (int)(rlen > 300 ? 300 : rlen), reply);
	}
	free(reply);
	json_object_del(o, "v");
	return (o);
}

int
ctl_reply_exit(const json_t *reply)
{
	const char *s = ctl_str(reply, "status", "");

	return (strcmp(s, "ok") == 0                 ? CTL_EXIT_OK
	                : strcmp(s, "tempfail") == 0 ? CTL_EXIT_TEMPFAIL
	                                             : CTL_EXIT_FAIL);
}

int
ctl_reply_fail(struct ctl *c, const char *cmd, json_t *reply)
{
	int rv = ctl_reply_exit(reply);

	if (c->json) {
		ctl_print_json(reply);
	} else {
		fprintf(stderr, "mxtlsctl: %s: %s%s\n", cmd,
		        rv == CTL_EXIT_TEMPFAIL ? "temporary failure: " : "",
		        ctl_str(reply, "why", "failed"));
	}
	return (rv);
}

void
ctl_print_json(const json_t *o)
{
	json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
}

const char *
ctl_time(long long v, char *buf, size_t len)
{
	time_t    t = (time_t)v;
	struct tm tm;

	if (v <= 0 || gmtime_r(&t, &tm) == NULL
	        || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		snprintf(buf, len, "-");
	}
	return (buf);
}

const char *
ctl_str(const json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return (s != NULL ? s : dflt);
}

/* ctl_help_cmd - "mxtlsctl help [COMMAND]" */
static int
ctl_help(int argc, char **argv)
{
	const struct ctl_cmd *k;

	if (argc < 2) {
		ctl_usage_all(stdout);
		return (CTL_EXIT_OK);
	}
	if (argc > 2) {
		ctl_usage(
		        "help", "one command at a time, not \"%s\"", argv[2]);
	}
	if ((k = ctl_cmd_find(argv[1])) == NULL) {
		ctl_usage("help", "unknown command \"%s\"", argv[1]);
	}
	ctl_cmd_help(stdout, k);
	return (CTL_EXIT_OK);
}

/* ctl_timeout - "-t SECONDS": a number > 0 and at most a day */
static int
ctl_timeout(const char *arg)
{
	char  *end;
	double s;

	errno = 0;
	s     = strtod(arg, &end);
	if (*arg == '\0' || *end != '\0' || errno != 0 || !(s > 0)
	        || s > 86400) {
		ctl_usage(NULL,
		        "-t %s: not a number of seconds (more than 0, at "
		        "most 86400)",
		        arg);
	}
	return (s * 1000 < 1 ? 1 : (int)(s * 1000));
}

int
ctl_main(int argc, char **argv)
{
	struct ctl            c = { NULL, 30000, 0 };
	const struct ctl_cmd *k;
	int                   i, n;

	/* the global options: parsed by hand, so "--help", "--version" and
	 * "--json" are words like the others and an error names itself */
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			ctl_usage_all(stdout);
			return (CTL_EXIT_OK);
		} else if (strcmp(a, "--version") == 0) {
			printf("mxtlsctl %s\n", MXTLS_VERSION);
			return (CTL_EXIT_OK);
		} else if (strcmp(a, "--json") == 0) {
			c.json = 1;
		} else if (strcmp(a, "-s") == 0 || strcmp(a, "-t") == 0) {
			if (i + 1 >= argc) {
				ctl_usage(NULL, "%s needs a value", a);
			}
			if (a[1] == 's') {
				c.url = argv[++i];
			} else {
				c.timeout_ms = ctl_timeout(argv[++i]);
			}
		} else if (strncmp(a, "-s", 2) == 0) {
			c.url = a + 2;
		} else if (strncmp(a, "-t", 2) == 0) {
			c.timeout_ms = ctl_timeout(a + 2);
		} else if (strcmp(a, "--") == 0) {
			i++;
			break;
		} else {
			ctl_usage(NULL, "unknown option \"%s\"", a);
		}
	}
	if (c.url == NULL) {
		c.url = getenv("MXTLS_SOCKET");
	}
	if (c.url == NULL || *c.url == '\0') {
		c.url = CTL_DEFAULT_URL;
	}
	if (i >= argc) {
		ctl_usage(NULL, "no command given");
	}
	argc -= i;
	argv += i;
	if (strcmp(argv[0], "help") == 0) {
		return (ctl_help(argc, argv));
	}
	if ((k = ctl_cmd_find(argv[0])) == NULL) {
		ctl_usage(NULL, "unknown command \"%s\"", argv[0]);
	}
	/* the command's own words: --help answered, --json taken out */
	for (i = n = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0
		        || strcmp(argv[i], "--help") == 0) {
			ctl_cmd_help(stdout, k);
			return (CTL_EXIT_OK);
		}
		if (strcmp(argv[i], "--json") == 0) {
			c.json = 1;
		} else {
			argv[n++] = argv[i];
		}
	}
	argv[n] = NULL;
	return (k->fn(&c, n, argv));
}
