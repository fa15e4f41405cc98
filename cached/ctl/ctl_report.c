/*
 * ctl_report.c - "mxtlsctl report --preview|--send": today's TLS reports
 * as they stand, or send the reports of closed days now (RFC 8460 §4;
 * docs/IPC.md "report-preview", "report-send-now").
 */
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl_cmds.h"

/* report_day - "--day YYYY-MM-DD", checked by the daemon's own parser */
static void
report_day(const char *cmd, const char *day, struct proto_request *req)
{
	struct proto_request chk;
	char                 buf[128], why[256];
	int                  n;

	n = snprintf(buf, sizeof(buf),
	        "{\"v\":1,\"op\":\"report-preview\",\"day\":\"%s\"}", day);
	if (n < 0 || (size_t)n >= sizeof(buf) || strchr(day, '"') != NULL
	        || strchr(day, '\\') != NULL
	        || proto_request_parse(buf, (size_t)n, &chk, why, sizeof(why))
	                != 0) {
		ctl_fail(CTL_EXIT_FAIL, "%s: --day %s: not a date YYYY-MM-DD",
		        cmd, day);
	}
	req->has_day = 1;
	req->day     = chk.day;
}

/* print_preview - one line per report: domain, day, sessions */
static void
print_preview(const json_t *a)
{
	const json_t *r, *p;
	size_t        i, j;

	if (json_array_size(a) == 0) {
		printf("no report data\n");
		return;
	}
	json_array_foreach(a, i, r)
	{
		const json_t *rep = json_object_get(r, "report");
		const json_t *pol = json_object_get(rep, "policies");
		const json_t *dr  = json_object_get(rep, "date-range");
		long long     ok = 0, bad = 0;

		json_array_foreach(pol, j, p)
		{
			const json_t *s = json_object_get(p, "summary");
			ok += json_integer_value(json_object_get(
			        s, "total-successful-session-count"));
			bad += json_integer_value(json_object_get(
			        s, "total-failure-session-count"));
		}
		printf("%s %s: %zu policies, %lld successful, %lld failed "
		       "sessions\n",
		        ctl_str(r, "domain", "?"),
		        ctl_str(dr, "start-datetime", "?"),
		        json_array_size(pol), ok, bad);
	}
}

static int
ctl_report(struct ctl *c, int argc, char **argv)
{
	struct proto_request req;
	json_t              *o;
	char                 why[256];
	int                  rv, i;

	memset(&req, 0, sizeof(req));
	if (argc < 2) {
		ctl_usage(argv[0], "--preview or --send?");
	}
	if (strcmp(argv[1], "--preview") == 0) {
		req.op = PROTO_OP_REPORT_PREVIEW;
	} else if (strcmp(argv[1], "--send") == 0
	        || strcmp(argv[1], "--send-now") == 0) {
		req.op = PROTO_OP_REPORT_SEND_NOW;
	} else {
		ctl_usage(
		        argv[0], "\"%s\": --preview or --send first", argv[1]);
	}
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--day") == 0) {
			if (req.has_day) {
				ctl_usage(argv[0], "--day twice");
			}
			if (i + 1 >= argc) {
				ctl_usage(argv[0],
				        "--day needs a date "
				        "YYYY-MM-DD");
			}
			report_day(argv[0], argv[++i], &req);
		} else if (argv[i][0] == '-') {
			ctl_usage(argv[0], "unknown option \"%s\"", argv[i]);
		} else if (req.op != PROTO_OP_REPORT_PREVIEW) {
			ctl_usage(argv[0],
			        "--send sends every domain's reports: no "
			        "domain \"%s\"",
			        argv[i]);
		} else if (req.has_domain) {
			ctl_usage(argv[0],
			        "one domain at a time, not also \"%s\"",
			        argv[i]);
		} else {
			if (ctl_domain(argv[i], req.domain, sizeof(req.domain),
			            why, sizeof(why))
			        != 0) {
				ctl_fail(CTL_EXIT_FAIL, "%s \"%s\": %s",
				        argv[0], argv[i], why);
			}
			req.has_domain = 1;
		}
	}
	o = ctl_call(c, &req, NULL);
	if ((rv = ctl_reply_exit(o)) != 0) {
		rv = ctl_reply_fail(c, argv[0], o);
	} else if (req.op == PROTO_OP_REPORT_PREVIEW) {
		if (c->json) {
			ctl_print_json(json_object_get(o, "reports"));
		} else {
			print_preview(json_object_get(o, "reports"));
		}
	} else if (c->json) {
		ctl_print_json(o);
	} else {
		printf("%lld reports made, %lld deliveries due now\n",
		        (long long)json_integer_value(
		                json_object_get(o, "reports")),
		        (long long)json_integer_value(
		                json_object_get(o, "deliveries")));
	}
	json_decref(o);
	return (rv);
}

/* clang-format off */
const struct ctl_cmd ctl_cmd_report = { "report", ctl_report,
	"--preview [--day YYYY-MM-DD] [DOMAIN]\n--send [--day YYYY-MM-DD]",
	"--preview: today's (or that day's) TLS reports as they stand, not\n"
	"sent. --send: make the reports of closed days and send them now\n"
	"(--send-now is the older name)." };
/* clang-format on */
