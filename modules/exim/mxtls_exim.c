/*
 * mxtls_exim.c - the Exim 4.96 ${dlfunc} module (mxtls_exim.so): routing
 * decisions, per-MX checks, TLSRPT results and prefetching, asked of mxtlsd
 * over the fork-safe SP client (common/spclient.c; Exim forks without exec,
 * so libnng is never linked here). docs/exim.md explains the configuration.
 *
 * Entry points (exim_dlfunc_t, local_scan.h ABI 6.0), the last argument
 * always optional OPTIONS ("socket=URL timeout=S unreachable=defer|may"):
 *   mxtls_decide{DOMAIN}{OPTS}  -> "dane" | "verify" | "encrypt" | "may";
 *       FAIL (a non-forced expansion failure: the router defers) when the
 *       daemon answers tempfail or error, or cannot be reached and
 *       unreachable=defer (the default).
 *   mxtls_mx_check{DOMAIN}{HOST}{OPTS} -> "" (connect) or a reason (do not
 *       connect: tcp:connect event) when HOST's action is skip or defer.
 *   mxtls_report{EVENT}{DOMAIN}{HOST}{HOST_ADDRESS}{EVENT_DATA}
 *       {TLS_OUT_CIPHER}{SENDING_IP}{OPTS} -> "" always; sends "result"
 *       messages (docs/IPC.md), at most one per TLS handshake.
 *   mxtls_prefetch{DOMAIN}{OPTS} -> "" always; a policy request whose
 *       reply is not waited for.
 *
 * Results are allocated in Exim's store: our fixed words untainted, text
 * that echoes the daemon's or the peer's words tainted. Everything else in
 * this file is static and lives per process (one connection per pid).
 * RFC 8461 §5 (policy application), RFC 7672 §2 (DANE), RFC 8460 §4.3
 * (result types).
 */
#define _GNU_SOURCE /* strcasestr */
#define DLFUNC_IMPL
#include <local_scan.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "domain.h"
#include "spclient.h"

#define MXTLS_API __attribute__((visibility("default")))

#define DEFAULT_SOCKET      "ipc:///run/mxtls/mxtlsd.sock"
#define DEFAULT_TIMEOUT     15 /* s; above the daemon's first_contact_wait */
#define REPORT_TIMEOUT_MS   2000
#define PREFETCH_TIMEOUT_MS 500
#define MEMO_SECONDS        30 /* a decision is reused this long in one process */

struct opts {
	char url[200];
	int  timeout_ms;
	int  fail_open; /* unreachable=may */
};

/* ------------------------------------------------------------------ util --
 */

/* word - a copy of one of our fixed words, untainted, in Exim's store. */
static uschar *
word(const char *w)
{
	size_t  n = strlen(w) + 1;
	uschar *p = store_get((int)n, GET_UNTAINTED);

	memcpy(p, w, n);
	return (p);
}

/* tainted - a copy of text that may echo remote input, tainted. */
static uschar *
tainted(const uschar *s)
{
	size_t  n = strlen((const char *)s) + 1;
	uschar *p = store_get((int)n, GET_TAINTED);

	memcpy(p, s, n);
	return (p);
}

static const char *
arg(int argc, uschar *argv[], int i)
{
	return (i < argc && argv[i] != NULL ? (const char *)argv[i] : "");
}

/* opts_parse - OPTIONS; unknown keys are logged and ignored. */
static void
opts_parse(const char *s, struct opts *o)
{
	char        key[32], val[200];
	const char *p = s;
	int         n;

	snprintf(o->url, sizeof(o->url), "%s", DEFAULT_SOCKET);
	o->timeout_ms = DEFAULT_TIMEOUT * 1000;
	o->fail_open  = 0;
	while (*p != '\0') {
		while (*p == ' ' || *p == '\t') {
			p++;
		}
		if (*p == '\0') {
			break;
		}
		n = 0;
		if (sscanf(p, "%31[^= \t]=%199s%n", key, val, &n) != 2
		        || n == 0) {
			log_write(0, LOG_MAIN,
			        "mxtls: ignoring bad option text: %s", p);
			break;
		}
		p += n;
		if (strcmp(key, "socket") == 0) {
			snprintf(o->url, sizeof(o->url), "%s", val);
		} else if (strcmp(key, "timeout") == 0 && atoi(val) > 0) {
			o->timeout_ms = atoi(val) * 1000;
		} else if (strcmp(key, "unreachable") == 0
		        && (strcmp(val, "defer") == 0
		                || strcmp(val, "may") == 0)) {
			o->fail_open = strcmp(val, "may") == 0;
		} else {
			log_write(0, LOG_MAIN,
			        "mxtls: ignoring unknown option %s=%s", key,
			        val);
		}
	}
}

/* ---------------------------------------------------------------- client --
 */

static struct spclient *client;
static char             client_url[200];

/* get_client - this process's client for url (the client itself notices a
 * fork and reconnects). */
static struct spclient *
get_client(const char *url, int timeout_ms, char *why, size_t whylen)
{
	if (client != NULL && strcmp(client_url, url) != 0) {
		spclient_free(client);
		client = NULL;
	}
	if (client == NULL) {
		if ((client = spclient_new(url, timeout_ms, why, whylen))
		        == NULL) {
			return (NULL);
		}
		snprintf(client_url, sizeof(client_url), "%s", url);
	}
	spclient_set_timeout(client, timeout_ms);
	return (client);
}

/*
 * ask - one request; on SPCLIENT_OK *out is the parsed reply object (caller
 * json_decref's it).
 */
static enum spclient_status
ask(const struct opts *o, json_t *req, int timeout_ms, json_t **out, char *why,
        size_t whylen)
{
	struct spclient     *c;
	char                *text, *reply = NULL;
	size_t               rlen = 0;
	enum spclient_status st;
	json_error_t         jerr;

	*out = NULL;
	if ((c = get_client(o->url, timeout_ms, why, whylen)) == NULL) {
		return (SPCLIENT_ERROR);
	}
	if ((text = json_dumps(req, JSON_COMPACT)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return (SPCLIENT_ERROR);
	}
	st = spclient_call(c, text, strlen(text), &reply, &rlen, why, whylen);
	free(text);
	if (st != SPCLIENT_OK) {
		return (st);
	}
	*out = json_loadb(reply, rlen, 0, &jerr);
	free(reply);
	if (*out == NULL || !json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		snprintf(why, whylen, "daemon reply is not a JSON object");
		return (SPCLIENT_ERROR);
	}
	return (SPCLIENT_OK);
}

static const char *
jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return (s != NULL ? s : "");
}

/* ---------------------------------------------------------------- policy --
 */

/* The action vocabulary, weakest first; rank() orders the usable ones. */
static int
rank(const char *action)
{
	if (strcmp(action, "may") == 0) {
		return (1);
	}
	if (strcmp(action, "encrypt") == 0) {
		return (2);
	}
	if (strcmp(action, "verify") == 0) {
		return (3);
	}
	if (strcmp(action, "dane") == 0) {
		return (4);
	}
	return (0); /* skip, defer, unknown: not usable */
}

static const char *const rank_word[]
        = { "may", "may", "encrypt", "verify", "dane" };

enum decision {
	DECIDE_OK = 0,     /* word set */
	DECIDE_TEMPFAIL,   /* daemon: tempfail */
	DECIDE_ERROR,      /* daemon: error, or a reply we cannot read */
	DECIDE_UNREACHABLE /* no answer at all */
};

/* The last policy reply of this process (inherited by forked children:
 * the router's answer serves the transport's tcp:connect checks). */
static char    memo_domain[DOMAIN_MAX + 1];
static json_t *memo_reply;
static time_t  memo_time;

/*
 * policy - the daemon's policy reply for domain (normal form); borrowed
 * reference valid until the next call.
 */
static enum decision
policy(const struct opts *o, const char *domain, json_t **reply, char *why,
        size_t whylen)
{
	json_t              *req, *r = NULL;
	enum spclient_status st;
	const char          *status;

	*reply = NULL;
	if (memo_reply != NULL && strcmp(memo_domain, domain) == 0
	        && time(NULL) - memo_time < MEMO_SECONDS) {
		*reply = memo_reply;
		return (DECIDE_OK);
	}
	req = json_pack(
	        "{s:i,s:s,s:s}", "v", 1, "op", "policy", "domain", domain);
	if (req == NULL) {
		snprintf(why, whylen, "out of memory");
		return (DECIDE_ERROR);
	}
	st = ask(o, req, o->timeout_ms, &r, why, whylen);
	json_decref(req);
	if (st != SPCLIENT_OK) {
		return (st == SPCLIENT_UNREACHABLE || st == SPCLIENT_TIMEOUT
		                ? DECIDE_UNREACHABLE
		                : DECIDE_ERROR);
	}
	status = jstr(r, "status");
	if (strcmp(status, "ok") != 0) {
		snprintf(why, whylen, "%s", jstr(r, "why"));
		json_decref(r);
		return (strcmp(status, "tempfail") == 0 ? DECIDE_TEMPFAIL
		                                        : DECIDE_ERROR);
	}
	json_decref(memo_reply);
	memo_reply = r;
	memo_time  = time(NULL);
	snprintf(memo_domain, sizeof(memo_domain), "%s", domain);
	*reply = r;
	return (DECIDE_OK);
}

/*
 * strictest - the word for a domain: the strictest action among its usable
 * hosts (dane > verify > encrypt > may); "may" when no host is usable or
 * there are none (null MX, NXDOMAIN: Exim's own routing handles those).
 */
static const char *
strictest(json_t *reply)
{
	json_t *hosts = json_object_get(reply, "hosts"), *h;
	size_t  i;
	int     best = 1, r;

	json_array_foreach(hosts, i, h)
	{
		if ((r = rank(jstr(h, "action"))) > best) {
			best = r;
		}
	}
	return (rank_word[best]);
}

static int
normal_domain(const char *in, char *out, char *why, size_t whylen)
{
	return (domain_normalize(
	        in, strlen(in), out, DOMAIN_MAX + 1, why, whylen));
}

MXTLS_API int mxtls_decide(uschar **yield, int argc, uschar *argv[]);
MXTLS_API int mxtls_mx_check(uschar **yield, int argc, uschar *argv[]);
MXTLS_API int mxtls_report(uschar **yield, int argc, uschar *argv[]);
MXTLS_API int mxtls_prefetch(uschar **yield, int argc, uschar *argv[]);

int
mxtls_decide(uschar **yield, int argc, uschar *argv[])
{
	struct opts   o;
	char          domain[DOMAIN_MAX + 1], why[512];
	json_t       *reply;
	enum decision d;
	const char   *w;

	opts_parse(arg(argc, argv, 1), &o);
	if (normal_domain(arg(argc, argv, 0), domain, why, sizeof(why)) != 0) {
		*yield = tainted(string_sprintf(
		        "mxtls: %s: %s", arg(argc, argv, 0), why));
		return (FAIL);
	}
	d = policy(&o, domain, &reply, why, sizeof(why));
	switch (d) {
	case DECIDE_OK:
		w = strictest(reply);
		if (debug_selector & D_v)
			debug_printf("mxtls: %s: policy %s -> %s\n", domain,
			        jstr(reply, "policy"), w);
		*yield = word(w);
		return (OK);
	case DECIDE_UNREACHABLE:
		if (o.fail_open) {
			log_write(0, LOG_MAIN,
			        "mxtls: %s: daemon unreachable (%s); "
			        "unreachable=may: opportunistic TLS",
			        domain, why);
			*yield = word("may");
			return (OK);
		}
		log_write(0, LOG_MAIN,
		        "mxtls: %s: daemon unreachable (%s); deferring",
		        domain, why);
		*yield = tainted(string_sprintf(
		        "mxtls: policy daemon unreachable: %s", why));
		return (FAIL);
	case DECIDE_TEMPFAIL:
		*yield = tainted(string_sprintf(
		        "mxtls: %s: tempfail: %s", domain, why));
		return (FAIL);
	case DECIDE_ERROR:
		break;
	}
	log_write(0, LOG_MAIN, "mxtls: %s: daemon error: %s", domain, why);
	*yield = tainted(string_sprintf("mxtls: %s: error: %s", domain, why));
	return (FAIL);
}

/* ---------------------------------------------------------- per-MX check --
 */

/* The connection being made (tcp:connect) in this transport process. */
static struct {
	char domain[DOMAIN_MAX + 1];
	char host[DOMAIN_MAX + 1];
	char action[16];
	int  tls;      /* a TLS handshake happened (tls:cert seen) */
	int  reported; /* a result was sent for this connection */
	int  live;     /* between tcp:connect and the next one */
} conn;

int
mxtls_mx_check(uschar **yield, int argc, uschar *argv[])
{
	struct opts   o;
	char          domain[DOMAIN_MAX + 1], host[DOMAIN_MAX + 1], why[512];
	json_t       *reply, *hosts, *h;
	enum decision d;
	const char   *action = NULL, *hwhy = "";
	size_t        i;

	opts_parse(arg(argc, argv, 2), &o);
	memset(&conn, 0, sizeof(conn));
	conn.live = 1;
	if (normal_domain(arg(argc, argv, 0), domain, why, sizeof(why)) != 0
	        || normal_domain(arg(argc, argv, 1), host, why, sizeof(why))
	                != 0) {
		/* multi-domain batch or an address literal: nothing to
		 * check against (our transports set multi_domain = false) */
		*yield = word("");
		return (OK);
	}
	snprintf(conn.domain, sizeof(conn.domain), "%s", domain);
	snprintf(conn.host, sizeof(conn.host), "%s", host);
	d = policy(&o, domain, &reply, why, sizeof(why));
	if (d == DECIDE_UNREACHABLE && o.fail_open) {
		*yield = word("");
		return (OK);
	}
	if (d != DECIDE_OK) {
		*yield = tainted(string_sprintf("mxtls: %s: %s", domain, why));
		return (OK);
	}
	hosts = json_object_get(reply, "hosts");
	json_array_foreach(hosts, i, h)
	{
		if (strcmp(jstr(h, "host"), host) == 0) {
			action = jstr(h, "action");
			hwhy   = jstr(h, "why");
			break;
		}
	}
	if (action == NULL) {
		/* not in the daemon's MX list (DNS changed in between):
		 * refuse when the domain demands authentication */
		if (rank(strictest(reply)) >= 3) {
			*yield = tainted(
			        string_sprintf("mxtls: %s is not an MX host "
			                       "of %s known to the "
			                       "policy",
			                host, domain));
			return (OK);
		}
		*yield = word("");
		return (OK);
	}
	snprintf(conn.action, sizeof(conn.action), "%s", action);
	if (strcmp(action, "skip") == 0 || strcmp(action, "defer") == 0) {
		log_write(0, LOG_MAIN,
		        "mxtls: %s: not connecting to %s: %s (%s)", domain,
		        host, action, hwhy);
		*yield = tainted(string_sprintf(
		        "mxtls: %s %s: %s", action, host, hwhy));
		return (OK);
	}
	*yield = word("");
	return (OK);
}

/* --------------------------------------------------------------- results --
 */

static int result_unsupported; /* the daemon said "unknown op" once */

/* send_result - one "result" message; logs and forgets on failure. */
static void
send_result(const struct opts *o, const char *domain, const char *host,
        const char *raddr, const char *saddr, const char *result,
        const char *reason)
{
	json_t              *req, *r = NULL;
	enum spclient_status st;
	char                 why[512];

	if (result_unsupported) {
		return;
	}
	req = json_pack("{s:i,s:s,s:s,s:s,s:s,s:s}", "v", 1, "op", "result",
	        "domain", domain, "mta", "exim", "mx_host", host, "result",
	        result);
	if (req == NULL) {
		return;
	}
	if (raddr[0] != '\0') {
		json_object_set_new(req, "receiving_ip", json_string(raddr));
	}
	if (saddr[0] != '\0') {
		json_object_set_new(req, "sending_ip", json_string(saddr));
	}
	if (reason != NULL && reason[0] != '\0') {
		json_object_set_new(
		        req, "failure_reason", json_string(reason));
	}
	st = ask(o, req, REPORT_TIMEOUT_MS, &r, why, sizeof(why));
	json_decref(req);
	if (st != SPCLIENT_OK) {
		log_write(0, LOG_MAIN,
		        "mxtls: %s: result %s for %s not recorded: %s", domain,
		        result, host, why);
		return;
	}
	if (strcmp(jstr(r, "status"), "ok") != 0) {
		if (strstr(jstr(r, "why"), "unknown op") != NULL) {
			result_unsupported = 1;
			log_write(0, LOG_MAIN,
			        "mxtls: the daemon does not accept TLSRPT "
			        "results "
			        "(%s); results are not recorded",
			        jstr(r, "why"));
		} else {
			log_write(0, LOG_MAIN,
			        "mxtls: %s: result %s for %s refused: %s",
			        domain, result, host, jstr(r, "why"));
		}
	} else {
		if (debug_selector & D_v)
			debug_printf("mxtls: %s: result %s for %s recorded\n",
			        domain, result, host);
	}
	json_decref(r);
}

/*
 * classify - the RFC 8460 §4.3 result type for Exim's TLS error text.
 */
static const char *
classify(const char *text)
{
	if (strstr(text, "did not offer TLS") != NULL
	        || strstr(text, "STARTTLS") != NULL) {
		return ("starttls-not-supported");
	}
	if (strcasestr(text, "expired") != NULL) {
		return ("certificate-expired");
	}
	if (strcasestr(text, "hostname") != NULL
	        || strcasestr(text, "does not match") != NULL
	        || strcasestr(text, "name mismatch") != NULL) {
		return ("certificate-host-mismatch");
	}
	if (strcasestr(text, "not trusted") != NULL
	        || strcasestr(text, "signer not found") != NULL
	        || strcasestr(text, "issuer") != NULL
	        || strcasestr(text, "self-signed") != NULL) {
		return ("certificate-not-trusted");
	}
	return ("validation-failure");
}

/* tls_related - a msg:host:defer error string about TLS. */
static int
tls_related(const char *text)
{
	return (strstr(text, "TLS") != NULL || strstr(text, "tls") != NULL
	        || strcasestr(text, "certificate") != NULL);
}

int
mxtls_report(uschar **yield, int argc, uschar *argv[])
{
	struct opts o;
	const char *event  = arg(argc, argv, 0);
	const char *data   = arg(argc, argv, 4);
	const char *cipher = arg(argc, argv, 5);
	const char *raddr  = arg(argc, argv, 3);
	const char *saddr  = arg(argc, argv, 6);
	char        domain[DOMAIN_MAX + 1], host[DOMAIN_MAX + 1], why[256];

	*yield = word("");
	opts_parse(arg(argc, argv, 7), &o);
	if (normal_domain(arg(argc, argv, 0 + 1), domain, why, sizeof(why))
	                != 0
	        || normal_domain(arg(argc, argv, 2), host, why, sizeof(why))
	                != 0) {
		return (OK);
	}
	/* a connection we did not see start (dane:fail before connect):
	 * adopt it */
	if (!conn.live || strcmp(conn.domain, domain) != 0
	        || strcmp(conn.host, host) != 0) {
		memset(&conn, 0, sizeof(conn));
		conn.live = 1;
		snprintf(conn.domain, sizeof(conn.domain), "%s", domain);
		snprintf(conn.host, sizeof(conn.host), "%s", host);
	}
	if (strcmp(event, "tls:cert") == 0) {
		conn.tls = 1; /* once per certificate: only note it */
		return (OK);
	}
	if (strcmp(event, "smtp:ehlo") == 0) {
		/* the EHLO after STARTTLS: the handshake (and, under
		 * DANE or tls_verify_hosts, the authentication) succeeded */
		if (cipher[0] != '\0' && !conn.reported) {
			conn.reported = 1;
			send_result(&o, domain, host, raddr, saddr, "success",
			        NULL);
		}
		return (OK);
	}
	if (strcmp(event, "dane:fail") == 0) {
		if (!conn.reported) {
			conn.reported = 1;
			send_result(&o, domain, host, raddr, saddr,
			        data[0] != '\0' ? data : "validation-failure",
			        "Exim dane:fail");
		}
		return (OK);
	}
	if (strcmp(event, "msg:host:defer") == 0) {
		/* after tcp:close: a TLS failure not reported yet */
		if (!conn.reported && tls_related(data)
		        && strncmp(data, "mxtls:", 6) != 0) {
			conn.reported = 1;
			send_result(&o, domain, host, raddr, saddr,
			        classify(data), data);
		}
		return (OK);
	}
	if (strcmp(event, "tcp:close") == 0) {
		/* keep the state for a msg:host:defer that follows */
		return (OK);
	}
	return (OK);
}

/* -------------------------------------------------------------- prefetch --
 */

int
mxtls_prefetch(uschar **yield, int argc, uschar *argv[])
{
	struct opts          o;
	struct spclient     *c;
	char                 domain[DOMAIN_MAX + 1], why[256], *text;
	json_t              *req;
	enum spclient_status st;

	*yield = word("");
	opts_parse(arg(argc, argv, 1), &o);
	if (normal_domain(arg(argc, argv, 0), domain, why, sizeof(why)) != 0) {
		return (OK);
	}
	if ((c = get_client(o.url, PREFETCH_TIMEOUT_MS, why, sizeof(why)))
	        == NULL) {
		return (OK);
	}
	req = json_pack(
	        "{s:i,s:s,s:s}", "v", 1, "op", "policy", "domain", domain);
	if (req == NULL || (text = json_dumps(req, JSON_COMPACT)) == NULL) {
		json_decref(req);
		return (OK);
	}
	st = spclient_send(c, text, strlen(text), why, sizeof(why));
	if (st != SPCLIENT_OK) {
		if (debug_selector & D_v)
			debug_printf("mxtls: prefetch %s: %s\n", domain, why);
	}
	free(text);
	json_decref(req);
	return (OK);
}
