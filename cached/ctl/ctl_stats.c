/*
 * ctl_stats.c - "mxtlsctl stats": the daemon's counters (docs/IPC.md
 * "stats"), one "name  value" a line, or the object with --json.
 */
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl_cmds.h"

static int
ctl_stats(struct ctl *c, int argc, char **argv)
{
	struct proto_request req;
	json_t              *o, *st, *v;
	const char          *key;
	int                  rv;

	if (argc > 1) {
		ctl_usage(argv[0], "takes no argument, not \"%s\"", argv[1]);
	}
	memset(&req, 0, sizeof(req));
	req.op = PROTO_OP_STATS;
	o      = ctl_call(c, &req, NULL);
	if ((rv = ctl_reply_exit(o)) != 0) {
		rv = ctl_reply_fail(c, argv[0], o);
		json_decref(o);
		return (rv);
	}
	st = json_object_get(o, "stats");
	if (c->json) {
		ctl_print_json(st != NULL ? st : o);
	} else {
		json_object_foreach(st, key, v)
		{
			if (json_is_integer(v)) {
				printf("%-36s %lld\n", key,
				        (long long)json_integer_value(v));
			} else if (json_is_string(v)) {
				printf("%-36s %s\n", key,
				        json_string_value(v));
			} else {
				char *t = json_dumps(v, JSON_COMPACT);
				printf("%-36s %s\n", key, t != NULL ? t : "?");
				free(t);
			}
		}
	}
	json_decref(o);
	return (rv);
}

/* clang-format off */
const struct ctl_cmd ctl_cmd_stats = { "stats", ctl_stats,
	"",
	"The daemon's counters, one a line." };
/* clang-format on */
