/*
 * mxtlsctl_override.c - "mxtlsctl override": the local overrides of a
 * running mxtlsd (docs/DECISIONS.md "Local overrides"; the IPC ops
 * override_add, override_del, override_list of docs/IPC.md).
 *
 *   mxtlsctl override add DOMAIN|mx:HOST ACTION --until DATE --reason TEXT
 *   mxtlsctl override del DOMAIN|mx:HOST [ACTION]
 *   mxtlsctl override list [--json]
 *
 * ACTION: none, testing, no-dane, no-sts, defer. DATE: YYYY-MM-DD (through
 * the end of that UTC day) or YYYY-MM-DDTHH:MM:SSZ. Input is checked here
 * with the daemon's own rules (util/override_rule.c) before it is sent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "clnt_nng.h"
#include "proto.h"
#include "util/override_rule.h"

#define OV_USAGE       2
#define OV_UNAVAILABLE 69
#define OV_TEMPFAIL    75

int ctl_override(int argc, char **argv, const char *url, int timeout_ms);

static int
ov_usage(void)
{
	fprintf(stderr,
	        "usage: mxtlsctl override add DOMAIN|mx:HOST ACTION --until "
	        "YYYY-MM-DD[THH:MM:SSZ] --reason TEXT\n"
	        "       mxtlsctl override del DOMAIN|mx:HOST [ACTION]\n"
	        "       mxtlsctl override list [--json]\n"
	        "  ACTION: none, testing, no-dane, no-sts, defer\n");
	return (OV_USAGE);
}

static void
ov_time(int64_t v, char *buf, size_t len)
{
	time_t    t = (time_t)v;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL
	        || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		snprintf(buf, len, "%lld", (long long)v);
	}
}

/* ov_call - send o (taken) to the daemon; the reply object, or NULL with
 * *rv set to the exit status. */
static json_t *
ov_call(json_t *o, const char *url, int timeout_ms, int *rv)
{
	struct clnt_nng  n;
	struct clnt      c;
	enum clnt_status st;
	char            *text, *reply = NULL, why[512];
	json_t          *r;

	json_object_set_new(o, "v", json_integer(PROTO_VERSION));
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (text == NULL) {
		fprintf(stderr, "mxtlsctl: out of memory\n");
		*rv = 1;
		return (NULL);
	}
	memset(&n, 0, sizeof(n));
	n.url        = url;
	n.timeout_ms = timeout_ms;
	clnt_nng_init(&c, &n);
	st = clnt_raw(&c, text, &reply, NULL, why, sizeof(why));
	free(text);
	if (st != CLNT_OK) {
		fprintf(stderr, "mxtlsctl: %s\n", why);
		*rv = st == CLNT_UNREACHABLE ? OV_UNAVAILABLE
		        : st == CLNT_TIMEOUT ? OV_TEMPFAIL
		                             : 1;
		return (NULL);
	}
	r = json_loads(reply, 0, NULL);
	if (r == NULL || !json_is_string(json_object_get(r, "status"))) {
		fprintf(stderr, "mxtlsctl: malformed reply from daemon: %s\n",
		        reply);
		free(reply);
		json_decref(r);
		*rv = 1;
		return (NULL);
	}
	free(reply);
	return (r);
}

/* ov_status - the exit status of reply r; prints its why to stderr when
 * it is not ok. */
static int
ov_status(json_t *r)
{
	const char *st  = json_string_value(json_object_get(r, "status"));
	const char *why = json_string_value(json_object_get(r, "why"));

	if (strcmp(st, "ok") == 0) {
		return (0);
	}
	fprintf(stderr, "mxtlsctl: override: %s\n", why != NULL ? why : st);
	return (strcmp(st, "tempfail") == 0 ? OV_TEMPFAIL : 1);
}

static int
ov_add(int argc, char **argv, const char *url, int timeout_ms)
{
	const char *until = NULL, *reason = NULL;
	char        target[OVERRIDE_TARGET_MAX + 1], why[512];
	int64_t     t;
	int         i, is_mx, rv;
	json_t     *r;

	if (argc < 2) {
		return (ov_usage());
	}
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--until") == 0 && i + 1 < argc) {
			until = argv[++i];
		} else if (strcmp(argv[i], "--reason") == 0 && i + 1 < argc) {
			reason = argv[++i];
		} else {
			return (ov_usage());
		}
	}
	if (until == NULL || reason == NULL) {
		fprintf(stderr,
		        "mxtlsctl: override add needs --until and "
		        "--reason\n");
		return (ov_usage());
	}
	if (override_target_parse(
	            argv[0], target, sizeof(target), &is_mx, why, sizeof(why))
	        != 0) {
		fprintf(stderr, "mxtlsctl: override: %s\n", why);
		return (1);
	}
	if (override_action_of(argv[1]) < 0) {
		fprintf(stderr,
		        "mxtlsctl: override: unknown action \"%s\" (none, "
		        "testing, no-dane, no-sts, defer)\n",
		        argv[1]);
		return (1);
	}
	if (override_until_parse(
	            until, (int64_t)time(NULL), &t, why, sizeof(why))
	        != 0) {
		fprintf(stderr, "mxtlsctl: override: --until %s\n", why);
		return (1);
	}
	if (reason[0] == '\0') {
		fprintf(stderr,
		        "mxtlsctl: override: --reason must not be "
		        "empty (who, why, a ticket)\n");
		return (1);
	}
	r = ov_call(json_pack("{s:s,s:s,s:s,s:I,s:s}", "op", "override_add",
	                    "target", target, "action", argv[1], "until",
	                    (json_int_t)t, "reason", reason),
	        url, timeout_ms, &rv);
	if (r == NULL) {
		return (rv);
	}
	if ((rv = ov_status(r)) == 0) {
		char when[32];
		ov_time(t, when, sizeof(when));
		printf("%s %s %s until %s\n",
		        json_is_true(json_object_get(r, "replaced"))
		                ? "replaced:"
		                : "added:",
		        target, argv[1], when);
		if (strcmp(argv[1], "none") == 0) {
			fprintf(stderr,
			        "mxtlsctl: WARNING: mail to %s now goes "
			        "without "
			        "any TLS policy (opportunistic TLS: no "
			        "MTA-STS, "
			        "no DANE) until %s\n",
			        target, when);
		}
	}
	json_decref(r);
	return (rv);
}

static int
ov_del(int argc, char **argv, const char *url, int timeout_ms)
{
	char    target[OVERRIDE_TARGET_MAX + 1], why[512];
	int     is_mx, rv;
	json_t *o, *r;

	if (argc < 1 || argc > 2) {
		return (ov_usage());
	}
	if (override_target_parse(
	            argv[0], target, sizeof(target), &is_mx, why, sizeof(why))
	        != 0) {
		fprintf(stderr, "mxtlsctl: override: %s\n", why);
		return (1);
	}
	if (argc == 2 && override_action_of(argv[1]) < 0) {
		fprintf(stderr, "mxtlsctl: override: unknown action \"%s\"\n",
		        argv[1]);
		return (1);
	}
	o = json_pack("{s:s,s:s}", "op", "override_del", "target", target);
	if (argc == 2) {
		json_object_set_new(o, "action", json_string(argv[1]));
	}
	if ((r = ov_call(o, url, timeout_ms, &rv)) == NULL) {
		return (rv);
	}
	if ((rv = ov_status(r)) == 0) {
		json_int_t n
		        = json_integer_value(json_object_get(r, "deleted"));
		printf("deleted: %lld\n", (long long)n);
		if (n == 0) {
			rv = 1; /* nothing to delete is an error for scripts */
			fprintf(stderr,
			        "mxtlsctl: override: no override for %s%s%s "
			        "(made with mxtlsctl)\n",
			        target, argc == 2 ? " with action " : "",
			        argc == 2 ? argv[1] : "");
		}
	}
	json_decref(r);
	return (rv);
}

static int
ov_list(int argc, char **argv, const char *url, int timeout_ms)
{
	json_t *r, *a, *e;
	size_t  i;
	int     json = 0, rv;
	char    when[32];

	if (argc == 1 && strcmp(argv[0], "--json") == 0) {
		json = 1;
	} else if (argc != 0) {
		return (ov_usage());
	}
	r = ov_call(json_pack("{s:s}", "op", "override_list"), url, timeout_ms,
	        &rv);
	if (r == NULL) {
		return (rv);
	}
	if ((rv = ov_status(r)) != 0) {
		json_decref(r);
		return (rv);
	}
	a = json_object_get(r, "overrides");
	if (json) {
		json_dumpf(a, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(r);
		return (0);
	}
	if (json_array_size(a) == 0) {
		printf("no overrides in force\n");
	}
	json_array_foreach(a, i, e)
	{
		ov_time(json_integer_value(json_object_get(e, "until")), when,
		        sizeof(when));
		printf("%-30s %-8s until %s  %-6s %s%s\n",
		        json_string_value(json_object_get(e, "target")),
		        json_string_value(json_object_get(e, "action")), when,
		        json_string_value(json_object_get(e, "source")),
		        json_string_value(json_object_get(e, "reason")),
		        json_is_true(json_object_get(e, "shadowed"))
		                ? " (not applied: a CLI override for the "
		                  "same target wins)"
		                : "");
	}
	json_decref(r);
	return (0);
}

int
ctl_override(int argc, char **argv, const char *url, int timeout_ms)
{
	if (argc < 1) {
		return (ov_usage());
	}
	if (strcmp(argv[0], "add") == 0) {
		return (ov_add(argc - 1, argv + 1, url, timeout_ms));
	}
	if (strcmp(argv[0], "del") == 0) {
		return (ov_del(argc - 1, argv + 1, url, timeout_ms));
	}
	if (strcmp(argv[0], "list") == 0) {
		return (ov_list(argc - 1, argv + 1, url, timeout_ms));
	}
	return (ov_usage());
}
