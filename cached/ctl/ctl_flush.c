/*
 * ctl_flush.c - "mxtlsctl flush [DOMAIN]" and "mxtlsctl purge
 * DOMAIN|--all": forget what mxtlsd knows of one domain or of all
 * (docs/IPC.md "flush"; the next query looks everything up again).
 */
#include <string.h>

#include "ctl/ctl_cmds.h"

/* ctl_flush_do - the "flush" op for domain (NULL: every domain) */
static int
ctl_flush_do(struct ctl *c, const char *cmd, const char *domain)
{
	struct proto_request req;
	json_t              *o;
	char                 why[256];
	int                  rv;

	memset(&req, 0, sizeof(req));
	req.op = PROTO_OP_FLUSH;
	if (domain != NULL) {
		if (ctl_domain(domain, req.domain, sizeof(req.domain), why,
		            sizeof(why))
		        != 0) {
			ctl_fail(CTL_EXIT_FAIL, "%s \"%s\": %s", cmd, domain,
			        why);
		}
		req.has_domain = 1;
	}
	o = ctl_call(c, &req, NULL);
	if ((rv = ctl_reply_exit(o)) != 0) {
		rv = ctl_reply_fail(c, cmd, o);
	} else if (c->json) {
		ctl_print_json(o);
	} else {
		printf("flushed %lld entries%s%s\n",
		        (long long)json_integer_value(
		                json_object_get(o, "flushed")),
		        domain != NULL ? " of " : " (all domains)",
		        domain != NULL ? req.domain : "");
	}
	json_decref(o);
	return (rv);
}

static int
ctl_flush(struct ctl *c, int argc, char **argv)
{
	if (argc > 2) {
		ctl_usage(argv[0], "one domain at a time, not also \"%s\"",
		        argv[2]);
	}
	return (ctl_flush_do(c, argv[0], argc == 2 ? argv[1] : NULL));
}

static int
ctl_purge(struct ctl *c, int argc, char **argv)
{
	if (argc < 2) {
		ctl_usage(argv[0], "which domain? (or --all)");
	}
	if (argc > 2) {
		ctl_usage(argv[0], "one domain at a time, not also \"%s\"",
		        argv[2]);
	}
	if (strcmp(argv[1], "--all") == 0) {
		return (ctl_flush_do(c, argv[0], NULL));
	}
	if (argv[1][0] == '-') {
		ctl_usage(argv[0], "unknown option \"%s\"", argv[1]);
	}
	return (ctl_flush_do(c, argv[0], argv[1]));
}

/* clang-format off */
const struct ctl_cmd ctl_cmd_flush = { "flush", ctl_flush,
	"[DOMAIN]",
	"Forget what mxtlsd knows of DOMAIN (of every domain without one):\n"
	"the next query looks it up again." };
/* clang-format on */

/* clang-format off */
const struct ctl_cmd ctl_cmd_purge = { "purge", ctl_purge,
	"DOMAIN|--all",
	"The same as flush, with --all spelled out for every domain." };
/* clang-format on */
