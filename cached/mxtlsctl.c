/*
 * mxtlsctl.c - the admin CLI of mxtls.
 *
 *   mxtlsctl [-s URL] [-t SECONDS] query DOMAIN [--json]
 *   mxtlsctl [-s URL] ping | stats | flush [DOMAIN]
 *   mxtlsctl parse sts-record 'TXT' | sts-policy FILE|- | tlsrpt-record 'TXT'
 *   mxtlsctl [-s URL] report --preview [--day YYYY-MM-DD] [DOMAIN]
 *   mxtlsctl [-s URL] report --send [--day YYYY-MM-DD]   (--send-now: same)
 *   mxtlsctl [-s URL] result KEY=VALUE...   (the IPC "result" op)
 *   mxtlsctl [-s URL] override add|del|list ...   (mxtlsctl_override.c)
 *
 * The daemon is reached at -s URL, else $MXTLS_SOCKET, else the default
 * ipc:///run/mxtls/mxtlsd.sock. The parse commands work offline with the
 * daemon's own parsers, so admins can check their records before
 * publishing them.
 *
 * Exit status: 0 ok (or valid), 1 error (or invalid), 2 usage, 69 daemon
 * unreachable, 75 temporary failure (EX_TEMPFAIL).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "clnt_nng.h"
#include "decision.h"
#include "proto.h"
#include "reply.h"
#include "sts/sts_policy.h"
#include "sts/sts_record.h"
#include "tlsrpt/tlsrpt_record.h"

#define EXIT_USAGE       2
#define EXIT_UNAVAILABLE 69
#define EXIT_TEMPFAIL    75
#define DEFAULT_URL      "ipc:///run/mxtls/mxtlsd.sock"

/* mxtlsctl_override.c */
int ctl_override(int argc, char **argv, const char *url, int timeout_ms);

static const char *url        = NULL;
static int         timeout_ms = 30000;

static void
usage(void)
{
	fprintf(stderr,
	        "usage: mxtlsctl [-s URL] [-t SECONDS] query DOMAIN [--json]\n"
	        "       mxtlsctl [-s URL] ping | stats | flush [DOMAIN]\n"
	        "       mxtlsctl parse sts-record 'TXT'\n"
	        "       mxtlsctl parse sts-policy FILE|-\n"
	        "       mxtlsctl parse tlsrpt-record 'TXT'\n"
	        "       mxtlsctl [-s URL] report --preview [--day YYYY-MM-DD] "
	        "[DOMAIN]\n"
	        "       mxtlsctl [-s URL] report --send [--day YYYY-MM-DD]\n"
	        "       mxtlsctl [-s URL] result domain=D mx_host=H "
	        "result=R [KEY=VALUE...]\n"
	        "       mxtlsctl [-s URL] override add|del|list ...\n");
	exit(EXIT_USAGE);
}

static void
print_json(json_t *o)
{
	json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
}

/* clnt - the typed client to the daemon (nng). */
static struct clnt *
clnt(void)
{
	static struct clnt_nng n;
	static struct clnt     c;

	n.url        = url;
	n.timeout_ms = timeout_ms;
	clnt_nng_init(&c, &n);
	return (&c);
}

/* call_exit - exit for a call that got no (usable) reply. */
static void
call_exit(enum clnt_status st, const char *why)
{
	fprintf(stderr, "mxtlsctl: %s\n", why);
	exit(st == CLNT_UNREACHABLE          ? EXIT_UNAVAILABLE
	                : st == CLNT_TIMEOUT ? EXIT_TEMPFAIL
	                                     : 1);
}

/* call - send req to the daemon; fills r or exits. */
static void
call(const struct proto_request *req, struct reply *r)
{
	char            *reply = NULL, why[512];
	size_t           rlen  = 0;
	enum clnt_status st;

	st = clnt_request(clnt(), req, &reply, &rlen, why, sizeof(why));
	if (st != CLNT_OK) {
		call_exit(st, why);
	}
	if (reply_parse(reply, rlen, r, why, sizeof(why)) != 0) {
		fprintf(stderr, "mxtlsctl: malformed reply from daemon: %s\n",
		        reply);
		exit(1);
	}
	free(reply);
}

/* status_exit - the exit status for a reply's status. */
static int
status_exit(enum decision_status st)
{
	return (st == DECISION_OK                 ? 0
	                : st == DECISION_TEMPFAIL ? EXIT_TEMPFAIL
	                                          : 1);
}

static const char *
nz(const char *s)
{
	return (s != NULL ? s : "");
}

static void
print_time(const char *label, int64_t v)
{
	time_t    t = (time_t)v;
	struct tm tm;
	char      buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("  %-9s %s\n", label, buf);
}

/* print_hosts - one line per MX host: preference, name, action, why. */
static void
print_hosts(const struct decision *d)
{
	size_t i, k;

	if (!d->has_hosts) {
		return;
	}
	printf("  %-9s MX RRset %s%s\n", "mx hosts:", nz(d->mx_status),
	        d->nhosts == 0 ? ", no hosts" : "");
	for (i = 0; i < d->nhosts; i++) {
		const struct decision_host *h = &d->hosts[i];

		printf("    %5lld %-30s %-7s %s\n", h->pref, nz(h->host),
		        h->action == DECISION_ACT_UNKNOWN
		                ? ""
		                : decision_action_name(h->action),
		        nz(h->why));
		for (k = 0; k < h->ntlsa; k++) {
			printf("          TLSA %lld %lld %lld %s\n",
			        h->tlsa[k].usage, h->tlsa[k].selector,
			        h->tlsa[k].mtype, nz(h->tlsa[k].data));
		}
	}
}

/* print_decision_json - the reply as the daemon sent it, without "v",
 * with the domain asked for when it has none. */
static void
print_decision_json(struct decision *d, const char *domain)
{
	json_t *o;

	if (d->domain == NULL && decision_strdup(&d->domain, domain) != 0) {
		fprintf(stderr, "mxtlsctl: out of memory\n");
		exit(1);
	}
	if ((o = decision_encode(d)) == NULL) {
		fprintf(stderr, "mxtlsctl: out of memory\n");
		exit(1);
	}
	json_object_del(o, "v");
	print_json(o);
	json_decref(o);
}

static int
cmd_query(int argc, char **argv)
{
	struct decision  d;
	enum clnt_status st;
	size_t           i;
	int              json = 0, rv;
	char             why[512], dom[DOMAIN_MAX + 1];
	const char      *domain = NULL;

	for (i = 0; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = 1;
		} else if (domain == NULL) {
			domain = argv[i];
		} else {
			usage();
		}
	}
	if (domain == NULL) {
		usage();
	}
	if (domain_normalize(
	            domain, strlen(domain), dom, sizeof(dom), why, sizeof(why))
	        != 0) {
		/* same shape as the daemon's answer, so scripts see one
		 * format */
		decision_init(&d);
		d.status = DECISION_ERROR;
		d.policy = DECISION_POLICY_UNKNOWN;
		if (decision_strdup(&d.why, why) != 0) {
			exit(1);
		}
		if (json) {
			print_decision_json(&d, domain);
		} else {
			fprintf(stderr, "mxtlsctl: %s: %s\n", domain, why);
		}
		decision_clear(&d);
		return (1);
	}
	st = clnt_policy(clnt(), dom, &d, why, sizeof(why));
	if (st == CLNT_BADREPLY) {
		fprintf(stderr, "mxtlsctl: malformed reply from daemon: %s\n",
		        why);
		exit(1);
	}
	if (st != CLNT_OK) {
		call_exit(st, why);
	}
	rv = d.status == DECISION_OK            ? 0
	        : d.status == DECISION_TEMPFAIL ? EXIT_TEMPFAIL
	                                        : 1;
	if (json) {
		print_decision_json(&d, dom);
		decision_clear(&d);
		return (rv);
	}
	if (rv == EXIT_TEMPFAIL) {
		printf("%s: temporary failure: defer delivery\n", dom);
	} else if (rv != 0) {
		printf("%s: error\n", dom);
	} else {
		printf("%s: %s\n", dom,
		        d.policy == DECISION_POLICY_DANE
		                ? "DANE applies to at least one MX host"
		                : d.policy == DECISION_POLICY_STS
		                ? "MTA-STS policy"
		                : "no DANE, no MTA-STS policy");
	}
	if (d.has_policy) {
		printf("  %-9s mode %s, id %s (%s)\n",
		        "mta-sts:", decision_mode_name(d.mode),
		        nz(d.policy_id), nz(d.source));
		printf("  %-9s", "mx:");
		for (i = 0; i < d.nmx; i++) {
			printf(" %s", d.mx[i]);
		}
		printf("\n  %-9s %lld\n", "max_age:", (long long)d.max_age);
		print_time("fetched:", d.fetched);
	}
	if (d.has_sts) {
		print_time("expires:", d.expires);
	}
	print_hosts(&d);
	if (d.has_tlsrpt) {
		printf("  %-9s %s", "tlsrpt:", decision_tlsrpt_name(d.tlsrpt));
		for (i = 0; i < d.nrua; i++) {
			printf(" %s", d.rua[i]);
		}
		if (d.tlsrpt_why != NULL) {
			printf(" (%s)", d.tlsrpt_why);
		}
		printf("\n");
	}
	printf("  %-9s %s\n", "why:", nz(d.why));
	decision_clear(&d);
	return (rv);
}

static int
cmd_simple(enum proto_op op, int argc, char **argv)
{
	struct proto_request req;
	struct reply         r;
	char                 why[256];
	int                  rv;

	memset(&req, 0, sizeof(req));
	req.op = op;
	if (op == PROTO_OP_FLUSH && argc == 1) {
		if (domain_normalize(argv[0], strlen(argv[0]), req.domain,
		            sizeof(req.domain), why, sizeof(why))
		        != 0) {
			fprintf(stderr, "mxtlsctl: %s: %s\n", argv[0], why);
			return (1);
		}
		req.has_domain = 1;
	} else if (argc != 0) {
		usage();
	}
	call(&req, &r);
	rv = status_exit(r.status);
	if (op == PROTO_OP_STATS && rv == 0 && r.body != NULL) {
		print_json(r.body);
	} else if (op == PROTO_OP_PING && rv == 0) {
		printf("mxtlsd %s is alive\n", nz(r.version));
	} else if (op == PROTO_OP_FLUSH && rv == 0) {
		printf("flushed %lld entries\n", r.flushed);
	} else {
		fprintf(stderr, "mxtlsctl: %s\n", nz(r.why));
	}
	reply_clear(&r);
	return (rv);
}

static char *
read_all(const char *path, size_t *len)
{
	FILE  *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char  *buf;
	size_t cap = STS_POLICY_MAX_BODY + 1, n;

	if (f == NULL) {
		fprintf(stderr, "mxtlsctl: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	if ((buf = malloc(cap)) == NULL) {
		exit(1);
	}
	n = fread(buf, 1, cap, f);
	if (f != stdin) {
		fclose(f);
	}
	if (n == cap) {
		fprintf(stderr,
		        "mxtlsctl: %s: larger than %d bytes (RFC 8461 §3.2 "
		        "limit)\n",
		        path, STS_POLICY_MAX_BODY);
		exit(1);
	}
	*len = n;
	return (buf);
}

static int
cmd_parse(int argc, char **argv)
{
	char    why[512];
	json_t *o = NULL;

	if (argc != 2) {
		usage();
	}
	why[0] = '\0';
	if (strcmp(argv[0], "sts-record") == 0) {
		struct sts_record rec;
		if (sts_record_parse(
		            argv[1], strlen(argv[1]), &rec, why, sizeof(why))
		        == STS_RECORD_OK) {
			o = sts_record_to_json(&rec);
		}
	} else if (strcmp(argv[0], "sts-policy") == 0) {
		struct sts_policy pol;
		size_t            len;
		char             *body = read_all(argv[1], &len);
		if (sts_policy_parse(body, len, &pol, why, sizeof(why)) == 0) {
			o = sts_policy_to_json(&pol);
			sts_policy_clear(&pol);
		}
		free(body);
	} else if (strcmp(argv[0], "tlsrpt-record") == 0) {
		struct tlsrpt_record rec;
		if (tlsrpt_record_parse(
		            argv[1], strlen(argv[1]), &rec, why, sizeof(why))
		        == TLSRPT_RECORD_OK) {
			o = tlsrpt_record_to_json(&rec);
			tlsrpt_record_clear(&rec);
		}
	} else {
		usage();
	}
	if (o == NULL) {
		fprintf(stderr, "invalid %s: %s\n", argv[0],
		        why[0] ? why : "not valid");
		return (1);
	}
	print_json(o);
	json_decref(o);
	return (0);
}

/* report_day - "--day YYYY-MM-DD" at argv[*i] into req (checked by the
 * daemon's own parser); moves *i past it. 0, or 1 after an error. */
static int
report_day(int argc, char **argv, int *i, struct proto_request *req)
{
	struct proto_request chk;
	char                 buf[128], why[256];
	int                  n;

	if (*i + 1 >= argc) {
		usage();
	}
	n = snprintf(buf, sizeof(buf),
	        "{\"v\":1,\"op\":\"report-preview\",\"day\":\"%s\"}",
	        argv[*i + 1]);
	if (n < 0 || (size_t)n >= sizeof(buf) || strchr(argv[*i + 1], '"')
	        || proto_request_parse(buf, (size_t)n, &chk, why, sizeof(why))
	                != 0) {
		fprintf(stderr, "mxtlsctl: --day %s: not a date YYYY-MM-DD\n",
		        argv[*i + 1]);
		return (1);
	}
	req->has_day = 1;
	req->day     = chk.day;
	*i += 2;
	return (0);
}

/* cmd_report - report --preview [--day D] [DOMAIN] | report --send [--day
 * D] (--send-now is the older name of --send) */
static int
cmd_report(int argc, char **argv)
{
	struct proto_request req;
	struct reply         r;
	char                 why[256];
	int                  rv, i = 1;

	memset(&req, 0, sizeof(req));
	if (argc < 1) {
		usage();
	}
	if (strcmp(argv[0], "--preview") == 0) {
		req.op = PROTO_OP_REPORT_PREVIEW;
	} else if (strcmp(argv[0], "--send") == 0
	        || strcmp(argv[0], "--send-now") == 0) {
		req.op = PROTO_OP_REPORT_SEND_NOW;
	} else {
		usage();
	}
	while (i < argc) {
		if (strcmp(argv[i], "--day") == 0) {
			if (req.has_day) {
				usage();
			}
			if (report_day(argc, argv, &i, &req) != 0) {
				return (1);
			}
		} else if (req.op == PROTO_OP_REPORT_PREVIEW && !req.has_domain
		        && argv[i][0] != '-') {
			if (domain_normalize(argv[i], strlen(argv[i]),
			            req.domain, sizeof(req.domain), why,
			            sizeof(why))
			        != 0) {
				fprintf(stderr, "mxtlsctl: %s: %s\n", argv[i],
				        why);
				return (1);
			}
			req.has_domain = 1;
			i++;
		} else {
			usage();
		}
	}
	call(&req, &r);
	rv = status_exit(r.status);
	if (rv != 0) {
		fprintf(stderr, "mxtlsctl: %s\n", nz(r.why));
	} else if (req.op == PROTO_OP_REPORT_PREVIEW) {
		print_json(r.body);
	} else {
		printf("%lld reports made, %lld deliveries due now\n",
		        r.reports, r.deliveries);
	}
	reply_clear(&r);
	return (rv);
}

/* cmd_result - send one "result" op built from KEY=VALUE arguments (the
 * members of docs/IPC.md "result"); prints the reply as JSON. */
static int
cmd_result(int argc, char **argv)
{
	struct proto_result r;
	enum proto_recorded rec;
	enum clnt_status    st;
	char               *eq, *text, *reply = NULL, why[512];
	int                 i;

	if (argc < 1) {
		usage();
	}
	memset(&r, 0, sizeof(r));
	for (i = 0; i < argc; i++) {
		if ((eq = strchr(argv[i], '=')) == NULL || eq == argv[i]) {
			usage();
		}
		*eq = '\0';
		if (proto_result_set(&r, argv[i], eq + 1) != 0) {
			fprintf(stderr, "mxtlsctl: result: unknown key %s\n",
			        argv[i]);
			usage();
		}
	}
	if ((text = proto_result_encode(&r)) == NULL) {
		fprintf(stderr,
		        "mxtlsctl: result: domain, mx_host and result are "
		        "required (UTF-8)\n");
		usage();
	}
	st = clnt_raw(clnt(), text, &reply, NULL, why, sizeof(why));
	free(text);
	if (st != CLNT_OK) {
		call_exit(st, why);
	}
	rec = proto_recorded_parse(reply, strlen(reply), why, sizeof(why));
	printf("%s\n", reply);
	free(reply);
	if (rec == PROTO_UNREADABLE) {
		fprintf(stderr, "mxtlsctl: malformed reply from daemon\n");
		return (1);
	}
	return (rec == PROTO_RECORDED || rec == PROTO_NOT_RECORDED ? 0
	                : rec == PROTO_RESULT_TEMPFAIL ? EXIT_TEMPFAIL
	                                               : 1);
}

int
main(int argc, char **argv)
{
	int   ch;
	char *end;

	while ((ch = getopt(argc, argv, "+s:t:h")) != -1) {
		switch (ch) {
		case 's':
			url = optarg;
			break;
		case 't':
			timeout_ms = (int)(strtod(optarg, &end) * 1000);
			if (*end != '\0' || timeout_ms <= 0) {
				usage();
			}
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (url == NULL) {
		url = getenv("MXTLS_SOCKET");
	}
	if (url == NULL || *url == '\0') {
		url = DEFAULT_URL;
	}
	if (argc < 1) {
		usage();
	}
	if (strcmp(argv[0], "query") == 0) {
		return (cmd_query(argc - 1, argv + 1));
	}
	if (strcmp(argv[0], "ping") == 0) {
		return (cmd_simple(PROTO_OP_PING, argc - 1, argv + 1));
	}
	if (strcmp(argv[0], "stats") == 0) {
		return (cmd_simple(PROTO_OP_STATS, argc - 1, argv + 1));
	}
	if (strcmp(argv[0], "flush") == 0) {
		return (cmd_simple(PROTO_OP_FLUSH, argc - 1, argv + 1));
	}
	if (strcmp(argv[0], "parse") == 0) {
		return (cmd_parse(argc - 1, argv + 1));
	}
	if (strcmp(argv[0], "report") == 0) {
		return (cmd_report(argc - 1, argv + 1));
	}
	if (strcmp(argv[0], "result") == 0) {
		return (cmd_result(argc - 1, argv + 1));
	}
	if (strcmp(argv[0], "override") == 0) {
		return (ctl_override(argc - 1, argv + 1, url, timeout_ms));
	}
	usage();
	return (EXIT_USAGE);
}
