/*
 * ctl_dump.c - "mxtlsctl dump": every domain mxtlsd has in its cache, with
 * its MTA-STS policy (id, mode, expiry; RFC 8461 §5.1), its DANE state
 * (RFC 7672) and when it is next checked (docs/IPC.md "dump"). One line a
 * domain, or the reply with --json.
 */
#include <string.h>

#include "ctl/ctl_cmds.h"

static long long
num(const json_t *o, const char *key)
{
	return ((long long)json_integer_value(json_object_get(o, key)));
}

static int
ctl_dump(struct ctl *c, int argc, char **argv)
{
	struct proto_request req;
	json_t              *o, *a, *e;
	size_t               i;
	int                  rv;
	char                 x[32], n[32];

	if (argc > 1) {
		ctl_usage(argv[0], "takes no argument, not \"%s\"", argv[1]);
	}
	memset(&req, 0, sizeof(req));
	req.op = PROTO_OP_DUMP;
	o      = ctl_call(c, &req, NULL);
	if ((rv = ctl_reply_exit(o)) != 0) {
		rv = ctl_reply_fail(c, argv[0], o);
		json_decref(o);
		return (rv);
	}
	if (c->json) {
		ctl_print_json(o);
		json_decref(o);
		return (rv);
	}
	a = json_object_get(o, "domains");
	printf("%-32s %-8s %-20s %-20s %-9s %s\n", "DOMAIN", "MTA-STS", "ID",
	        "EXPIRES", "DANE", "NEXT CHECK");
	json_array_foreach(a, i, e)
	{
		printf("%-32s %-8s %-20s %-20s %-9s %s\n",
		        ctl_str(e, "domain", "?"),
		        ctl_str(e, "mode", ctl_str(e, "sts", "-")),
		        ctl_str(e, "policy_id", "-"),
		        ctl_time(num(e, "expires"), x, sizeof(x)),
		        ctl_str(e, "dane", "-"),
		        strcmp(ctl_str(e, "sts", ""), "stored") == 0
		                ? "on next lookup (in the store)"
		                : ctl_time(
		                        num(e, "next_check"), n, sizeof(n)));
	}
	printf("%zu domains", json_array_size(a));
	if (json_is_true(json_object_get(o, "truncated"))) {
		printf(" shown of %lld (the list is cut at %zu)",
		        num(o, "total"), json_array_size(a));
	}
	printf("\n");
	json_decref(o);
	return (rv);
}

/* clang-format off */
const struct ctl_cmd ctl_cmd_dump = { "dump", ctl_dump,
	"",
	"Every domain in the cache: MTA-STS policy id, mode, expiry, DANE\n"
	"state, when it is checked next." };
/* clang-format on */
