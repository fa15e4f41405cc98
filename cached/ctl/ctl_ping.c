/*
 * ctl_ping.c - "mxtlsctl ping": is mxtlsd there, and which version
 * (docs/IPC.md "ping").
 */
#include <string.h>

#include "ctl/ctl_cmds.h"

static int
ctl_ping(struct ctl *c, int argc, char **argv)
{
	struct proto_request req;
	json_t              *o;
	int                  rv;

	if (argc > 1) {
		ctl_usage(argv[0], "takes no argument, not \"%s\"", argv[1]);
	}
	memset(&req, 0, sizeof(req));
	req.op = PROTO_OP_PING;
	o      = ctl_call(c, &req, NULL);
	if ((rv = ctl_reply_exit(o)) != 0) {
		rv = ctl_reply_fail(c, argv[0], o);
	} else if (c->json) {
		ctl_print_json(o);
	} else {
		printf("mxtlsd %s is alive\n", ctl_str(o, "version", "?"));
	}
	json_decref(o);
	return (rv);
}

/* clang-format off */
const struct ctl_cmd ctl_cmd_ping = { "ping", ctl_ping,
	"",
	"Is mxtlsd running, and which version." };
/* clang-format on */
