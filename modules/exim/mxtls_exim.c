/*
 * mxtls_exim.c - the Exim 4.96 ${dlfunc} module (mxtls_exim.so): routing
 * decisions, per-MX checks, TLSRPT results and prefetching, asked of mxtlsd
 * over the fork-safe SP client (common/spclient.c; Exim forks without exec,
 * so libnng is never linked here; the connection is shared with forked
 * children). docs/exim.md explains the configuration.
 *
 * Entry points (exim_dlfunc_t, local_scan.h ABI 6.0), the last argument
 * always optional OPTIONS ("socket=URL timeout=S unreachable=defer|may"):
 *   mxtls_decide{DOMAIN}{OPTS}  -> "dane" | "verify" | "encrypt" | "may" |
 *       "testing" (MTA-STS testing: deliver, verify for the report) | "nodane"
 *       (may under a local override that ignores DANE: no DANE by Exim);
 *       FAIL (a non-forced expansion failure: the router defers) when the
 *       daemon answers tempfail or error, or cannot be reached and
 *       unreachable=defer (the default).
 *   mxtls_mx_check{DOMAIN}{HOST}{OPTS} -> "" (connect) or a reason (do not
 *       connect: tcp:connect event) when HOST's action is skip or defer.
 *   mxtls_report{EVENT}{DOMAIN}{HOST}{HOST_ADDRESS}{DATA}
 *       {TLS_OUT_CIPHER}{SENDING_IP}{OPTS} -> "" always; sends "result"
 *       messages (docs/IPC.md), at most one per TLS handshake. DATA is
 *       $event_data, except for tls:cert ("DEPTH NOTAFTER SAN;SAN...") and
 *       smtp:ehlo ("$tls_out_certificate_verified RESPONSE"): see
 *       MXTLS_EVENT_DATA in configs/exim/mxtls.macros.
 *   mxtls_prefetch{DOMAIN}{OPTS} -> "" always; a policy request whose
 *       reply is not waited for.
 *   mxtls_event{OPTS} -> a transport's event_action (MXTLS_EVENT in
 *       configs/exim/mxtls.macros): mxtls_mx_check on tcp:connect (not for
 *       "tls-required-no" addresses), mxtls_report on tls:cert (depth 0),
 *       smtp:ehlo, dane:fail and msg:host:defer, "" otherwise; it reads
 *       what these need with Exim's expand_string, so the event_action
 *       Exim parses for every event stays one short line.
 *
 * Results are allocated in Exim's store: our fixed words untainted, text
 * that echoes the daemon's or the peer's words tainted. Everything else in
 * this file is static and lives per process (the connection is the first
 * process's, shared with its forked children). The
 * daemon's replies are decoded by common/decision.c and common/proto.c
 * (requests built there too; common/clnt.c carries them) and read by
 * exim_reply.c, TLS outcomes classified by
 * exim_outcome.c (both pure, fuzzed and unit-tested without Exim).
 * RFC 8461 §5 (policy application), RFC 7672 §2 (DANE), RFC 8460 §4.3
 * (result types).
 */

#define DLFUNC_IMPL
#include <local_scan.h>

/* local_scan.h ABI 6.0 (Exim 4.96 to 4.99: store_get with a taint
 * prototype, GET_TAINTED/GET_UNTAINTED); CMake builds nothing for others */
#if LOCAL_SCAN_ABI_VERSION_MAJOR != 6
#error "mxtls_exim.c needs the Exim local_scan ABI 6 (Exim 4.96 and later)"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clnt_sp.h"
#include "domain.h"
#include "exim_outcome.h"
#include "exim_reply.h"
#include "spclient.h"

#define MXTLS_API __attribute__((visibility("default")))

#define DEFAULT_SOCKET      "ipc:///run/mxtls/mxtlsd-direct.sock"
#define DEFAULT_TIMEOUT     15 /* s; above the daemon's first_contact_wait */
#define REPORT_TIMEOUT_MS   2000
#define PREFETCH_TIMEOUT_MS 500
#define MEMO_SECONDS        30 /* a decision is reused this long in one process */

struct opts {
	char url[200];
	int  timeout_ms;
	int  fail_open; /* unreachable=may */
	int  have_sender;
	char sender[200]; /* sender=<ADDR>: the envelope sender (report loops)
	                   */
	char route[32];   /* route=WORD: $address_data, the router's word */
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
	o->timeout_ms  = DEFAULT_TIMEOUT * 1000;
	o->fail_open   = 0;
	o->have_sender = 0;
	o->route[0]    = '\0';
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
		} else if (strcmp(key, "sender") == 0 && val[0] == '<'
		        && val[strlen(val) - 1] == '>') {
			/* <> is the null sender of bounces */
			o->have_sender = 1;
			snprintf(o->sender, sizeof(o->sender), "%.*s",
			        (int)strlen(val) - 2, val + 1);
		} else if (strcmp(key, "route") == 0) {
			snprintf(o->route, sizeof(o->route), "%s", val);
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

/*
 * get_client - this process's client for url. Its connection is shared
 * with the processes Exim forks from this one (spclient_share): the
 * transport processes forked by a delivery process report over the
 * connection the router opened. (A prefetch-only connection is not shared:
 * no reply was read on it; spclient.h.)
 */
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
		(void)spclient_share(client);
		snprintf(client_url, sizeof(client_url), "%s", url);
	}
	spclient_set_timeout(client, timeout_ms);
	return (client);
}

/* ask - the typed client over this process's SP client, or NULL. */
static struct clnt *
ask(const struct opts *o, int timeout_ms, char *why, size_t whylen)
{
	static struct clnt c;
	struct spclient   *sp;

	if ((sp = get_client(o->url, timeout_ms, why, whylen)) == NULL) {
		return (NULL);
	}
	clnt_sp_init(&c, sp);
	return (&c);
}

/* ---------------------------------------------------------------- policy --
 */

enum decide {
	DECIDE_OK = 0,     /* reply set */
	DECIDE_TEMPFAIL,   /* daemon: tempfail */
	DECIDE_ERROR,      /* daemon: error, or a reply we cannot read */
	DECIDE_UNREACHABLE /* no answer at all */
};

/* The last policy answer of this process (inherited by forked children:
 * the router's answer serves the transport's tcp:connect checks). */
static char                     memo_domain[DOMAIN_MAX + 1];
static struct exim_reply_policy memo;
static int                      memo_set;
static time_t                   memo_time;

/*
 * policy - the daemon's answer for domain (normal form); *reply points to
 * this process's memo, valid until the next call.
 */
static enum decide
policy(const struct opts *o, const char *domain,
        const struct exim_reply_policy **reply, char *why, size_t whylen)
{
	static struct exim_reply_policy p;
	struct decision                 d;
	struct clnt                    *c;
	enum clnt_status                st;

	*reply = NULL;
	if (memo_set && strcmp(memo_domain, domain) == 0
	        && time(NULL) - memo_time < MEMO_SECONDS) {
		*reply = &memo;
		return (DECIDE_OK);
	}
	if ((c = ask(o, o->timeout_ms, why, whylen)) == NULL) {
		return (DECIDE_ERROR);
	}
	st = clnt_policy(c, domain, &d, why, whylen);
	if (st != CLNT_OK) {
		decision_clear(&d);
		return (st == CLNT_UNREACHABLE || st == CLNT_TIMEOUT
		                ? DECIDE_UNREACHABLE
		                : DECIDE_ERROR);
	}
	exim_reply_policy_of(&d, &p);
	decision_clear(&d);
	if (p.status != EXIM_REPLY_OK) {
		snprintf(why, whylen, "%s", p.why);
		return (p.status == EXIM_REPLY_TEMPFAIL ? DECIDE_TEMPFAIL
		                                        : DECIDE_ERROR);
	}
	if (p.dropped > 0) {
		log_write(0, LOG_MAIN,
		        "mxtls: %s: %zu MX host entries of the daemon's "
		        "answer not kept (malformed or more than %d)",
		        domain, p.dropped, EXIM_REPLY_MAX_HOSTS);
	}
	memo      = p;
	memo_set  = 1;
	memo_time = time(NULL);
	snprintf(memo_domain, sizeof(memo_domain), "%s", domain);
	*reply = &memo;
	return (DECIDE_OK);
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
MXTLS_API int mxtls_event(uschar **yield, int argc, uschar *argv[]);

int
mxtls_decide(uschar **yield, int argc, uschar *argv[])
{
	struct opts                     o;
	char                            domain[DOMAIN_MAX + 1], why[512];
	const struct exim_reply_policy *reply;
	enum decide                     d;

	opts_parse(arg(argc, argv, 1), &o);
	if (normal_domain(arg(argc, argv, 0), domain, why, sizeof(why)) != 0) {
		*yield = tainted(string_sprintf(
		        "mxtls: %s: %s", arg(argc, argv, 0), why));
		return (FAIL);
	}
	d = policy(&o, domain, &reply, why, sizeof(why));
	switch (d) {
	case DECIDE_OK:
		if (debug_selector & D_v) {
			debug_printf("mxtls: %s: -> %s (%s)\n", domain,
			        reply->word, reply->why);
		}
		*yield = word(reply->word);
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
	int  testing;                  /* MTA-STS testing: report failures */
	int  reported;                 /* a result was sent for it */
	int  live;                     /* between tcp:connect and the next */
	struct exim_outcome_cert cert; /* the leaf (tls:cert, depth 0) */
} conn;

int
mxtls_mx_check(uschar **yield, int argc, uschar *argv[])
{
	struct opts                     o;
	char                            domain[DOMAIN_MAX + 1];
	char                            host[DOMAIN_MAX + 1], why[512];
	const struct exim_reply_policy *reply;
	const struct exim_reply_host   *h;
	enum decide                     d;
	const char                     *action;

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
	conn.testing = reply->testing;
	if ((h = exim_reply_host(reply, host)) == NULL) {
		/* not in the daemon's MX list (DNS changed in between):
		 * refuse when the domain demands authentication */
		if (exim_reply_word_rank(reply->word) >= 3) {
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
	if (h->action == DECISION_ACT_SKIP || h->action == DECISION_ACT_DEFER
	        || h->action == DECISION_ACT_UNKNOWN) {
		action = decision_action_name(h->action);
		log_write(0, LOG_MAIN,
		        "mxtls: %s: not connecting to %s: %s (%s)", domain,
		        host, action, h->why);
		*yield = tainted(string_sprintf(
		        "mxtls: %s %s: %s", action, host, h->why));
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
	struct proto_result r;
	struct clnt        *c;
	enum clnt_status    st;
	enum proto_recorded rr;
	char                why[512];

	if (result_unsupported) {
		return;
	}
	memset(&r, 0, sizeof(r));
	r.domain  = domain;
	r.mta     = "exim";
	r.mx_host = host;
	r.result  = result;
	/* the policy the routed transport applied (RFC 8460 §4.4):
	 * remote_smtp_dane applies DANE to every host of the domain,
	 * TLS-Required: No mail none */
	r.policy_type  = exim_reply_route_ptype(o->route);
	r.receiving_ip = raddr;
	r.sending_ip   = saddr;
	/* the daemon does not count sessions carrying its own reports
	 * (RFC 8460 §3: no report loops) */
	r.sender         = o->have_sender ? o->sender : NULL;
	r.failure_reason = reason;
	if ((c = ask(o, REPORT_TIMEOUT_MS, why, sizeof(why))) == NULL) {
		st = CLNT_ERROR;
	} else {
		st = clnt_result(c, &r, &rr, why, sizeof(why));
	}
	if (st != CLNT_OK && st != CLNT_BADREPLY) {
		log_write(0, LOG_MAIN,
		        "mxtls: %s: result %s for %s not recorded: %s", domain,
		        result, host, why);
		return;
	}
	switch (rr) {
	case PROTO_RECORDED:
	case PROTO_NOT_RECORDED:
		if (debug_selector & D_v) {
			debug_printf("mxtls: %s: result %s for %s %s%s\n",
			        domain, result, host,
			        rr == PROTO_RECORDED ? "recorded"
			                             : "not counted: ",
			        rr == PROTO_RECORDED ? "" : why);
		}
		break;
	case PROTO_UNSUPPORTED:
		result_unsupported = 1;
		log_write(0, LOG_MAIN,
		        "mxtls: the daemon does not accept TLSRPT results "
		        "(%s); results are not recorded",
		        why);
		break;
	case PROTO_RESULT_TEMPFAIL:
	case PROTO_REFUSED:
	case PROTO_UNREADABLE:
		log_write(0, LOG_MAIN,
		        "mxtls: %s: result %s for %s not recorded: %s", domain,
		        result, host, why);
		break;
	}
}

/* report_once - send result for the current connection, once. */
static void
report_once(const struct opts *o, const char *raddr, const char *saddr,
        const char *result, const char *reason)
{
	if (conn.reported) {
		return;
	}
	conn.reported = 1;
	send_result(o, conn.domain, conn.host, raddr, saddr, result, reason);
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
	const char *r;
	char        domain[DOMAIN_MAX + 1], host[DOMAIN_MAX + 1], why[256];
	struct exim_outcome_cert cert;

	*yield = word("");
	opts_parse(arg(argc, argv, 7), &o);
	if (normal_domain(arg(argc, argv, 1), domain, why, sizeof(why)) != 0
	        || normal_domain(arg(argc, argv, 2), host, why, sizeof(why))
	                != 0) {
		return (OK);
	}
	/* a connection we did not see start (dane:fail before connect,
	 * TLS-Required: No): adopt it */
	if (!conn.live || strcmp(conn.domain, domain) != 0
	        || strcmp(conn.host, host) != 0) {
		memset(&conn, 0, sizeof(conn));
		conn.live = 1;
		snprintf(conn.domain, sizeof(conn.domain), "%s", domain);
		snprintf(conn.host, sizeof(conn.host), "%s", host);
	}
	if (strcmp(event, "tls:cert") == 0) {
		/* once per certificate of the chain: keep the leaf's facts */
		if (exim_outcome_cert_parse(data, &cert) == 0) {
			conn.cert = cert;
		}
		return (OK);
	}
	if (strcmp(event, "smtp:ehlo") == 0) {
		/* data: "VERIFIED RESPONSE" */
		if (cipher[0] != '\0') {
			/* the EHLO after STARTTLS: the handshake (and, under
			 * DANE or tls_verify_hosts, the authentication)
			 * succeeded; under MTA-STS testing the certificate
			 * was only tried (tls_try_verify_hosts) */
			if (conn.testing && data[0] != '1') {
				report_once(&o, raddr, saddr,
				        exim_outcome_cert_failure(
				                &conn.cert, host, time(NULL)),
				        "certificate not verified; delivered "
				        "anyway (MTA-STS testing)");
			} else {
				report_once(&o, raddr, saddr, "success", NULL);
			}
		} else if (conn.testing && strstr(data, "STARTTLS") == NULL
		        && strstr(data, "starttls") == NULL) {
			report_once(&o, raddr, saddr, "starttls-not-supported",
			        "no STARTTLS offered; delivered in clear "
			        "(MTA-STS testing)");
		}
		return (OK);
	}
	if (strcmp(event, "dane:fail") == 0) {
		report_once(&o, raddr, saddr,
		        data[0] != '\0' ? data : "validation-failure",
		        "Exim dane:fail");
		return (OK);
	}
	if (strcmp(event, "msg:host:defer") == 0) {
		/* after tcp:close: a TLS failure not reported yet */
		if (exim_outcome_tls_related(data)
		        && strncmp(data, "mxtls:", 6) != 0) {
			r = conn.cert.seen && !exim_outcome_is_starttls(data)
			        ? exim_outcome_cert_failure(
			                &conn.cert, host, time(NULL))
			        : exim_outcome_classify(data);
			report_once(&o, raddr, saddr, r, data);
		}
		return (OK);
	}
	/* tcp:close and the rest: keep the state for a msg:host:defer
	 * that follows */
	return (OK);
}

/* ----------------------------------------------------------------- event --
 */

/* xp - the expansion of a fixed string of ours (variables of the event),
 * "" when it fails (a certificate that is not there, ...). */
static uschar *
xp(const char *s)
{
	uschar *r = expand_string(US s);

	return (r != NULL ? r : US "");
}

int
mxtls_event(uschar **yield, int argc, uschar *argv[])
{
	const char *opts  = arg(argc, argv, 0);
	const char *event = (const char *)xp("$event_name");
	uschar     *a[8];
	const char *ad;
	char        route[32];
	size_t      n;

	*yield = word("");
	if (strcmp(event, "tcp:connect") == 0) {
		if (strcmp((const char *)xp("$address_data"),
		            "tls-required-no")
		        == 0) {
			return (OK);
		}
		a[0] = xp("$domain");
		a[1] = xp("$host");
		a[2] = US opts;
		return (mxtls_mx_check(yield, 3, a));
	}
	if (strcmp(event, "tls:cert") == 0) {
		/* the server's own certificate only: its facts are all
		 * mxtls_report keeps, and each certextract parses it */
		if (strcmp((const char *)xp("$event_data"), "0") != 0) {
			return (OK);
		}
		a[4] = xp("0 ${certextract{notafter,int}{$tls_out_peercert}} "
		          "${certextract{subj_altname,dns,>;}"
		          "{$tls_out_peercert}}");
	} else if (strcmp(event, "smtp:ehlo") == 0) {
		a[4] = xp("$tls_out_certificate_verified $event_data");
	} else if (strcmp(event, "dane:fail") == 0
	        || strcmp(event, "msg:host:defer") == 0) {
		a[4] = xp("$event_data");
	} else {
		return (OK);
	}
	a[0] = US event;
	a[1] = xp("$domain");
	a[2] = xp("$host");
	a[3] = xp("$host_address");
	a[5] = xp("$tls_out_cipher");
	a[6] = xp("$sending_ip_address");
	/* the router's word (routers.conf), for the policy_type */
	ad = (const char *)xp("$address_data");
	for (n = 0; ad[n] != '\0' && n < sizeof(route) - 1; n++) {
		route[n] = (ad[n] >= 'a' && ad[n] <= 'z') || ad[n] == '-'
		        ? ad[n]
		        : '_';
	}
	route[n] = '\0';
	a[7]     = string_sprintf("%s sender=<%s> route=%s", opts,
	            (const char *)xp("$sender_address"),
                route[0] != '\0' ? route : "none");
	return (mxtls_report(yield, 8, a));
}

/* -------------------------------------------------------------- prefetch --
 */

int
mxtls_prefetch(uschar **yield, int argc, uschar *argv[])
{
	struct opts      o;
	struct clnt     *c;
	char             domain[DOMAIN_MAX + 1], why[256];
	enum clnt_status st;

	*yield = word("");
	opts_parse(arg(argc, argv, 1), &o);
	if (normal_domain(arg(argc, argv, 0), domain, why, sizeof(why)) != 0) {
		return (OK);
	}
	if ((c = ask(&o, PREFETCH_TIMEOUT_MS, why, sizeof(why))) == NULL) {
		return (OK);
	}
	st = clnt_prefetch(c, domain, why, sizeof(why));
	if (st != CLNT_OK) {
		if (debug_selector & D_v) {
			debug_printf("mxtls: prefetch %s: %s\n", domain, why);
		}
	}
	return (OK);
}
