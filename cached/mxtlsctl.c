/*
 * mxtlsctl.c - the admin CLI of mxtls.
 *
 *   mxtlsctl [-s URL] [-t SECONDS] query DOMAIN [--json]
 *   mxtlsctl [-s URL] ping | stats | flush [DOMAIN]
 *   mxtlsctl parse sts-record 'TXT' | sts-policy FILE|- | tlsrpt-record 'TXT'
 *   mxtlsctl [-s URL] report --preview [--day YYYY-MM-DD] [DOMAIN]
 *   mxtlsctl [-s URL] report --send [--day YYYY-MM-DD]   (--send-now: same)
 *   mxtlsctl [-s URL] result KEY=VALUE...   (the IPC "result" op)
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

#include "nngclient.h"
#include "proto.h"
#include "sts/sts_policy.h"
#include "sts/sts_record.h"
#include "tlsrpt/tlsrpt_record.h"

#define EXIT_USAGE       2
#define EXIT_UNAVAILABLE 69
#define EXIT_TEMPFAIL    75
#define DEFAULT_URL      "ipc:///run/mxtls/mxtlsd.sock"

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
	        "result=R [KEY=VALUE...]\n");
	exit(EXIT_USAGE);
}

static void
print_json(json_t *o)
{
	json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
}

/* call_text - send the request text to the daemon; returns the parsed
 * reply or exits. Frees text. */
static json_t *
call_text(char *text)
{
	char                 *reply = NULL, why[512];
	enum nngclient_status st;
	json_t               *o;
	json_error_t          err;

	if (text == NULL) {
		fprintf(stderr, "mxtlsctl: out of memory\n");
		exit(1);
	}
	st = nngclient_call(url, text, strlen(text), &reply, NULL, timeout_ms,
	        why, sizeof(why));
	free(text);
	if (st != NNGCLIENT_OK) {
		fprintf(stderr, "mxtlsctl: %s\n", why);
		exit(st == NNGCLIENT_UNREACHABLE          ? EXIT_UNAVAILABLE
		                : st == NNGCLIENT_TIMEOUT ? EXIT_TEMPFAIL
		                                          : 1);
	}
	o = json_loads(reply, 0, &err);
	if (o == NULL || !json_is_object(o)) {
		fprintf(stderr, "mxtlsctl: malformed reply from daemon: %s\n",
		        reply);
		exit(1);
	}
	free(reply);
	return (o);
}

/* call - send req to the daemon; returns the parsed reply or exits. */
static json_t *
call(const struct proto_request *req)
{
	return (call_text(proto_request_encode(req)));
}

static int
status_exit(json_t *o)
{
	const char *st = json_string_value(json_object_get(o, "status"));

	if (st != NULL && strcmp(st, "ok") == 0)
		return (0);
	if (st != NULL && strcmp(st, "tempfail") == 0)
		return (EXIT_TEMPFAIL);
	return (1);
}

static const char *
str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return (s != NULL ? s : "");
}

static void
print_time(const char *label, json_t *o, const char *key)
{
	json_t   *v = json_object_get(o, key);
	time_t    t;
	struct tm tm;
	char      buf[32];

	if (!json_is_integer(v))
		return;
	t = (time_t)json_integer_value(v);
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("  %-9s %s\n", label, buf);
}

/* print_hosts - one line per MX host: preference, name, action, why. */
static void
print_hosts(json_t *o)
{
	json_t *hosts = json_object_get(o, "hosts"), *h, *t;
	size_t  i, k;

	if (hosts == NULL)
		return;
	printf("  %-9s MX RRset %s%s\n", "mx hosts:", str(o, "mx_status"),
	        json_array_size(hosts) == 0 ? ", no hosts" : "");
	json_array_foreach(hosts, i, h)
	{
		printf("    %5lld %-30s %-7s %s\n",
		        (long long)json_integer_value(
		                json_object_get(h, "pref")),
		        str(h, "host"), str(h, "action"), str(h, "why"));
		json_array_foreach(json_object_get(h, "tlsa"), k, t)
		        printf("          TLSA %lld %lld %lld %s\n",
		                (long long)json_integer_value(
		                        json_object_get(t, "usage")),
		                (long long)json_integer_value(
		                        json_object_get(t, "selector")),
		                (long long)json_integer_value(
		                        json_object_get(t, "mtype")),
		                str(t, "data"));
	}
}

static int
cmd_query(int argc, char **argv)
{
	struct proto_request req;
	json_t              *o, *mx, *v;
	size_t               i;
	int                  json = 0, rv;
	char                 why[256];
	const char          *domain = NULL;

	for (i = 0; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (domain == NULL)
			domain = argv[i];
		else
			usage();
	}
	if (domain == NULL)
		usage();
	memset(&req, 0, sizeof(req));
	req.op = PROTO_OP_POLICY;
	if (domain_normalize(domain, strlen(domain), req.domain,
	            sizeof(req.domain), why, sizeof(why))
	        != 0) {
		/* same shape as the daemon's answer, so scripts see one
		 * format */
		o = json_pack("{s:s, s:s, s:s}", "domain", domain, "status",
		        "error", "why", why);
		if (json)
			print_json(o);
		else
			fprintf(stderr, "mxtlsctl: %s: %s\n", domain, why);
		json_decref(o);
		return (1);
	}
	req.has_domain = 1;
	o              = call(&req);
	rv             = status_exit(o);
	if (json_object_get(o, "domain") == NULL)
		json_object_set_new(o, "domain", json_string(req.domain));
	if (json) {
		json_object_del(o, "v");
		print_json(o);
		json_decref(o);
		return (rv);
	}
	if (rv == EXIT_TEMPFAIL)
		printf("%s: temporary failure: defer delivery\n", req.domain);
	else if (rv != 0)
		printf("%s: error\n", req.domain);
	else
		printf("%s: %s\n", req.domain,
		        strcmp(str(o, "policy"), "dane") == 0
		                ? "DANE applies to at least one MX host"
		                : strcmp(str(o, "policy"), "sts") == 0
		                ? "MTA-STS policy"
		                : "no DANE, no MTA-STS policy");
	if (json_object_get(o, "mode") != NULL) {
		printf("  %-9s mode %s, id %s (%s)\n",
		        "mta-sts:", str(o, "mode"), str(o, "policy_id"),
		        str(o, "source"));
		printf("  %-9s", "mx:");
		mx = json_object_get(o, "mx");
		json_array_foreach(mx, i, v)
		        printf(" %s", json_string_value(v));
		printf("\n  %-9s %lld\n", "max_age:",
		        (long long)json_integer_value(
		                json_object_get(o, "max_age")));
		print_time("fetched:", o, "fetched");
	}
	print_time("expires:", o, "expires");
	print_hosts(o);
	v = json_object_get(o, "tlsrpt");
	if (v != NULL) {
		json_t *u;
		size_t  k;
		printf("  %-9s %s", "tlsrpt:", str(v, "status"));
		json_array_foreach(json_object_get(v, "rua"), k, u)
		        printf(" %s", json_string_value(u));
		if (json_object_get(v, "why") != NULL)
			printf(" (%s)", str(v, "why"));
		printf("\n");
	}
	printf("  %-9s %s\n", "why:", str(o, "why"));
	json_decref(o);
	return (rv);
}

static int
cmd_simple(enum proto_op op, int argc, char **argv)
{
	struct proto_request req;
	json_t              *o;
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
	o  = call(&req);
	rv = status_exit(o);
	if (op == PROTO_OP_STATS && rv == 0)
		print_json(json_object_get(o, "stats"));
	else if (op == PROTO_OP_PING && rv == 0)
		printf("mxtlsd %s is alive\n", str(o, "version"));
	else if (op == PROTO_OP_FLUSH && rv == 0)
		printf("flushed %lld entries\n",
		        (long long)json_integer_value(
		                json_object_get(o, "flushed")));
	else
		fprintf(stderr, "mxtlsctl: %s\n", str(o, "why"));
	json_decref(o);
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
	if ((buf = malloc(cap)) == NULL)
		exit(1);
	n = fread(buf, 1, cap, f);
	if (f != stdin)
		fclose(f);
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

	if (argc != 2)
		usage();
	why[0] = '\0';
	if (strcmp(argv[0], "sts-record") == 0) {
		struct sts_record rec;
		if (sts_record_parse(
		            argv[1], strlen(argv[1]), &rec, why, sizeof(why))
		        == STS_RECORD_OK)
			o = sts_record_to_json(&rec);
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

	if (*i + 1 >= argc)
		usage();
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
	json_t              *o;
	char                 why[256];
	int                  rv, i = 1;

	memset(&req, 0, sizeof(req));
	if (argc < 1)
		usage();
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
			if (req.has_day)
				usage();
			if (report_day(argc, argv, &i, &req) != 0)
				return (1);
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
	o  = call(&req);
	rv = status_exit(o);
	if (rv != 0) {
		fprintf(stderr, "mxtlsctl: %s\n", str(o, "why"));
	} else if (req.op == PROTO_OP_REPORT_PREVIEW) {
		print_json(json_object_get(o, "reports"));
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

/* cmd_result - send one "result" op built from KEY=VALUE arguments; prints
 * the reply as JSON. */
static int
cmd_result(int argc, char **argv)
{
	json_t *req
	        = json_pack("{s:i, s:s}", "v", PROTO_VERSION, "op", "result");
	json_t *o;
	char   *eq;
	int     i, rv;

	if (argc < 1 || req == NULL) {
		usage();
	}
	for (i = 0; i < argc; i++) {
		if ((eq = strchr(argv[i], '=')) == NULL || eq == argv[i]) {
			usage();
		}
		*eq = '\0';
		json_object_set_new(req, argv[i], json_string(eq + 1));
	}
	o = call_text(json_dumps(req, JSON_COMPACT));
	json_decref(req);
	rv = status_exit(o);
	json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(o);
	return (rv);
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
			if (*end != '\0' || timeout_ms <= 0)
				usage();
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (url == NULL)
		url = getenv("MXTLS_SOCKET");
	if (url == NULL || *url == '\0')
		url = DEFAULT_URL;
	if (argc < 1)
		usage();
	if (strcmp(argv[0], "query") == 0)
		return (cmd_query(argc - 1, argv + 1));
	if (strcmp(argv[0], "ping") == 0)
		return (cmd_simple(PROTO_OP_PING, argc - 1, argv + 1));
	if (strcmp(argv[0], "stats") == 0)
		return (cmd_simple(PROTO_OP_STATS, argc - 1, argv + 1));
	if (strcmp(argv[0], "flush") == 0)
		return (cmd_simple(PROTO_OP_FLUSH, argc - 1, argv + 1));
	if (strcmp(argv[0], "parse") == 0)
		return (cmd_parse(argc - 1, argv + 1));
	if (strcmp(argv[0], "report") == 0)
		return (cmd_report(argc - 1, argv + 1));
	if (strcmp(argv[0], "result") == 0)
		return (cmd_result(argc - 1, argv + 1));
	usage();
	return (EXIT_USAGE);
}
