/*
 * ctl_override.c - "mxtlsctl override": the local overrides of a running
 * mxtlsd (docs/DECISIONS.md "Local overrides"; the IPC ops override_add,
 * override_del, override_list of docs/IPC.md).
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

#include "ctl/ctl_cmds.h"
#include "util/override_rule.h"

#define OV_ACTIONS "none, testing, no-dane, no-sts, defer"

/* ctl_override_call - send o (taken; "v" added) to the daemon: its reply
 * (ctl_call exits when there is none). */
static json_t *
ctl_override_call(struct ctl *c, json_t *o)
{
	char   *text;
	json_t *r;

	json_object_set_new(o, "v", json_integer(PROTO_VERSION));
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (text == NULL) {
		ctl_fail(CTL_EXIT_FAIL, "out of memory");
	}
	r = ctl_call(c, NULL, text);
	free(text);
	return (r);
}

/* ctl_override_target - check a target argument into out or exit 1. */
static void
ctl_override_target(const char *arg, char *out, size_t outlen)
{
	char why[512];
	int  is_mx;

	if (override_target_parse(arg, out, outlen, &is_mx, why, sizeof(why))
	        != 0) {
		ctl_fail(CTL_EXIT_FAIL, "override: %s", why);
	}
}

static int
ctl_override_add(struct ctl *c, int argc, char **argv)
{
	const char *until = NULL, *reason = NULL;
	char        target[OVERRIDE_TARGET_MAX + 1], why[512], when[32];
	int64_t     t;
	int         i, rv;
	json_t     *r;

	if (argc < 2) {
		ctl_usage("override",
		        "add needs a target and an action (" OV_ACTIONS ")");
	}
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--until") == 0 && i + 1 < argc) {
			until = argv[++i];
		} else if (strcmp(argv[i], "--reason") == 0 && i + 1 < argc) {
			reason = argv[++i];
		} else {
			ctl_usage(
			        "override", "add: unexpected \"%s\"", argv[i]);
		}
	}
	if (until == NULL || reason == NULL) {
		ctl_usage("override", "add needs --until and --reason");
	}
	ctl_override_target(argv[0], target, sizeof(target));
	if (override_action_of(argv[1]) < 0) {
		ctl_fail(CTL_EXIT_FAIL,
		        "override: unknown action \"%s\" (" OV_ACTIONS ")",
		        argv[1]);
	}
	if (override_until_parse(
	            until, (int64_t)time(NULL), &t, why, sizeof(why))
	        != 0) {
		ctl_fail(CTL_EXIT_FAIL, "override: --until %s", why);
	}
	if (reason[0] == '\0') {
		ctl_fail(CTL_EXIT_FAIL,
		        "override: --reason must not be empty (who, why, a "
		        "ticket)");
	}
	r = ctl_override_call(c,
	        json_pack("{s:s,s:s,s:s,s:I,s:s}", "op", "override_add",
	                "target", target, "action", argv[1], "until",
	                (json_int_t)t, "reason", reason));
	if ((rv = ctl_reply_exit(r)) != 0) {
		rv = ctl_reply_fail(c, "override", r);
	} else if (c->json) {
		ctl_print_json(r);
	} else {
		ctl_time(t, when, sizeof(when));
		printf("%s %s %s until %s\n",
		        json_is_true(json_object_get(r, "replaced"))
		                ? "replaced:"
		                : "added:",
		        target, argv[1], when);
	}
	if (rv == 0 && strcmp(argv[1], "none") == 0) {
		fprintf(stderr,
		        "mxtlsctl: WARNING: mail to %s now goes without any "
		        "TLS policy (opportunistic TLS: no MTA-STS, no DANE) "
		        "until %s\n",
		        target, ctl_time(t, when, sizeof(when)));
	}
	json_decref(r);
	return (rv);
}

static int
ctl_override_del(struct ctl *c, int argc, char **argv)
{
	char       target[OVERRIDE_TARGET_MAX + 1];
	int        rv;
	json_t    *o, *r;
	json_int_t n;

	if (argc < 1) {
		ctl_usage("override", "del needs a target");
	}
	if (argc > 2) {
		ctl_usage("override", "del: unexpected \"%s\"", argv[2]);
	}
	ctl_override_target(argv[0], target, sizeof(target));
	if (argc == 2 && override_action_of(argv[1]) < 0) {
		ctl_fail(CTL_EXIT_FAIL,
		        "override: unknown action \"%s\" (" OV_ACTIONS ")",
		        argv[1]);
	}
	o = json_pack("{s:s,s:s}", "op", "override_del", "target", target);
	if (argc == 2) {
		json_object_set_new(o, "action", json_string(argv[1]));
	}
	r = ctl_override_call(c, o);
	if ((rv = ctl_reply_exit(r)) != 0) {
		rv = ctl_reply_fail(c, "override", r);
		json_decref(r);
		return (rv);
	}
	n = json_integer_value(json_object_get(r, "deleted"));
	if (c->json) {
		ctl_print_json(r);
	} else {
		printf("deleted: %lld\n", (long long)n);
	}
	if (n == 0) {
		rv = CTL_EXIT_FAIL; /* nothing to delete: an error for scripts
		                     */
		fprintf(stderr,
		        "mxtlsctl: override: no override for %s%s%s (made "
		        "with "
		        "mxtlsctl)\n",
		        target, argc == 2 ? " with action " : "",
		        argc == 2 ? argv[1] : "");
	}
	json_decref(r);
	return (rv);
}

static int
ctl_override_list(struct ctl *c, int argc, char **argv)
{
	json_t *r, *a, *e;
	size_t  i;
	int     rv;
	char    when[32];

	if (argc > 0) {
		ctl_usage("override", "list: unexpected \"%s\"", argv[0]);
	}
	r = ctl_override_call(c, json_pack("{s:s}", "op", "override_list"));
	if ((rv = ctl_reply_exit(r)) != 0) {
		rv = ctl_reply_fail(c, "override", r);
		json_decref(r);
		return (rv);
	}
	a = json_object_get(r, "overrides");
	if (c->json) {
		ctl_print_json(a); /* the array: one object an override */
		json_decref(r);
		return (CTL_EXIT_OK);
	}
	if (json_array_size(a) == 0) {
		printf("no overrides in force\n");
	}
	json_array_foreach(a, i, e)
	{
		printf("%-30s %-8s until %s  %-6s %s%s\n",
		        ctl_str(e, "target", "?"), ctl_str(e, "action", "?"),
		        ctl_time(json_integer_value(
		                         json_object_get(e, "until")),
		                when, sizeof(when)),
		        ctl_str(e, "source", "?"), ctl_str(e, "reason", ""),
		        json_is_true(json_object_get(e, "shadowed"))
		                ? " (not applied: a CLI override for the same "
		                  "target wins)"
		                : "");
	}
	json_decref(r);
	return (CTL_EXIT_OK);
}

static int
ctl_override(struct ctl *c, int argc, char **argv)
{
	if (argc < 2) {
		ctl_usage(argv[0], "add, del or list?");
	}
	if (strcmp(argv[1], "add") == 0) {
		return (ctl_override_add(c, argc - 2, argv + 2));
	}
	if (strcmp(argv[1], "del") == 0) {
		return (ctl_override_del(c, argc - 2, argv + 2));
	}
	if (strcmp(argv[1], "list") == 0) {
		return (ctl_override_list(c, argc - 2, argv + 2));
	}
	ctl_usage(argv[0], "unknown subcommand \"%s\" (add, del or list)",
	        argv[1]);
}

/* clang-format off */
const struct ctl_cmd ctl_cmd_override = { "override", ctl_override,
	"add DOMAIN|mx:HOST ACTION --until YYYY-MM-DD[THH:MM:SSZ] --reason TEXT\n"
	"del DOMAIN|mx:HOST [ACTION]\n"
	"list",
	"Local overrides of the policy of a domain or an MX host, until a\n"
	"date: ACTION is none, testing, no-dane, no-sts or defer\n"
	"(docs/DECISIONS.md \"Local overrides\")." };
/* clang-format on */
