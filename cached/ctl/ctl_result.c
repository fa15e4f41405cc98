/*
 * ctl_result.c - "mxtlsctl result KEY=VALUE...": send one TLS reporting
 * session result (RFC 8460 §4.3; docs/IPC.md "result"), as an MTA plugin
 * does: for tests and for MTAs without a plugin.
 */
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl_cmds.h"

static int
ctl_result(struct ctl *c, int argc, char **argv)
{
	struct proto_result r;
	json_t             *o;
	char               *eq, *text;
	int                 i, rv;

	if (argc < 2) {
		ctl_usage(argv[0], "domain=, mx_host= and result= are needed");
	}
	memset(&r, 0, sizeof(r));
	for (i = 1; i < argc; i++) {
		if ((eq = strchr(argv[i], '=')) == NULL || eq == argv[i]) {
			ctl_usage(argv[0], "\"%s\" is not KEY=VALUE", argv[i]);
		}
		*eq = '\0';
		if (proto_result_set(&r, argv[i], eq + 1) != 0) {
			ctl_usage(argv[0], "unknown key \"%s\"", argv[i]);
		}
	}
	if (r.domain == NULL || r.mx_host == NULL || r.result == NULL) {
		ctl_usage(argv[0], "%s= is missing",
		        r.domain == NULL            ? "domain"
		                : r.mx_host == NULL ? "mx_host"
		                                    : "result");
	}
	if ((text = proto_result_encode(&r)) == NULL) {
		ctl_usage(argv[0], "domain, mx_host and result must be UTF-8");
	}
	o = ctl_call(c, NULL, text);
	free(text);
	rv = ctl_reply_exit(o);
	if (c->json) {
		ctl_print_json(o);
	} else if (rv != 0) {
		rv = ctl_reply_fail(c, argv[0], o);
	} else if (json_is_true(json_object_get(o, "recorded"))) {
		printf("recorded (policy type %s)\n",
		        ctl_str(o, "policy_type", "?"));
	} else {
		printf("not recorded: %s\n", ctl_str(o, "why", "?"));
	}
	json_decref(o);
	return (rv);
}

/* clang-format off */
const struct ctl_cmd ctl_cmd_result = { "result", ctl_result,
	"domain=D mx_host=H result=R [KEY=VALUE...]",
	"Record one TLS reporting session result, as an MTA plugin does.\n"
	"Keys: domain, mx_host, result, mta, policy_type, sending_ip,\n"
	"receiving_ip, sender, failure_reason (docs/IPC.md \"result\")." };
/* clang-format on */
