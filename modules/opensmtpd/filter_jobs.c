/*
 * filter_jobs.c - filter-mxtls's worker threads (see filter_jobs.h): a
 * RCPT TO's policy lookup becomes smtpd's verdict (filter_decide.c) and
 * the verified-TLS table entry (filter_tablefile.c); an smtp-out
 * session's TLS result goes to mxtlsd with the policy type OpenSMTPD
 * applied (RFC 8460 §4.3, §4.4). Both over the typed client
 * (common/clnt.c, nng transport).
 */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clnt_nng.h"
#include "filter_decide.h"
#include "filter_jobs.h"
#include "filter_learn.h"
#include "filter_opts.h"
#include "filter_tablefile.h"
#include "log.h"

#define O        filter_opts
#define MAX_JOBS 256 /* worker threads at once */

static int g_pipe[2] = { -1, -1 };
static int g_jobs; /* main thread only */

/* ask - the policy of domain as filter_decide sees it; 0, or -1 with
 * why (mxtlsd did not answer, or not with a policy reply). */
static int
ask(const char *domain, struct filter_decision *d, const char **what,
        char *why, size_t whylen)
{
	struct clnt_nng  n = { O.url, O.wait_ms };
	struct clnt      c;
	struct decision  r;
	enum clnt_status st;

	clnt_nng_init(&c, &n);
	st = clnt_policy(&c, domain, &r, why, whylen);
	if (st == CLNT_OK) {
		filter_decide_of(&r, time(NULL), O.secure_ttl, d);
	}
	decision_clear(&r);
	*what = st == CLNT_BADREPLY ? "bad reply from mxtlsd"
	                            : "mxtlsd did not answer";
	return (st == CLNT_OK ? 0 : -1);
}

void
filter_jobs_fail_verdict(
        struct filter_job *j, const char *what, const char *why)
{
	if (O.on_fail_proceed) {
		log_warn("MXTLS-SMTPD-DAEMON-FAIL",
		        "%s: %s: %s; proceeding "
		        "without a TLS policy (on-fail proceed)",
		        j->domain, what, why);
		snprintf(j->verdict, sizeof(j->verdict), "proceed");
	} else {
		log_warn("MXTLS-SMTPD-DAEMON-FAIL", "%s: %s: %s; tempfail",
		        j->domain, what, why);
		snprintf(j->verdict, sizeof(j->verdict), "reject|%s",
		        O.fail_reply);
	}
}

static void
policy_job(struct filter_job *j)
{
	struct filter_decision d;
	const char            *what;
	char                   why[256];
	size_t                 i;

	if (ask(j->domain, &d, &what, why, sizeof(why)) != 0) {
		filter_jobs_fail_verdict(j, what, why);
		return;
	}
	if (!d.known) {
		log_notice("MXTLS-SMTPD-NO-POLICY",
		        "%s: no policy possible: %s", j->domain, d.why);
		snprintf(j->verdict, sizeof(j->verdict), "proceed");
		return;
	}
	if (d.verdict == FILTER_DECIDE_TEMPFAIL) {
		log_notice("MXTLS-SMTPD-TEMPFAIL", "%s: policy tempfail: %s",
		        j->domain, d.why);
		snprintf(j->verdict, sizeof(j->verdict),
		        "reject|451 4.7.5 mxtls: TLS policy of %s "
		        "unavailable: "
		        "%.300s",
		        j->domain, d.why);
		return;
	}
	for (i = 0; i < d.nhosts; i++) {
		filter_learn_addr(j->domain, d.hosts[i].host);
	}
	filter_learn_ptype(j->domain, d.ptype);
	if (filter_tablefile_apply(
	            j->domain, d.secure, d.expires, why, sizeof(why))
	        != 0) {
		if (d.secure) {
			log_err("MXTLS-SMTPD-TABLE-FAIL", "%s: %s; tempfail",
			        j->domain, why);
			snprintf(j->verdict, sizeof(j->verdict),
			        "reject|451 4.3.0 mxtls: cannot update the "
			        "verified-TLS table");
			return;
		}
		log_warn("MXTLS-SMTPD-TABLE-FAIL", "%s: %s", j->domain, why);
	}
	if (d.webpki_only) {
		log_warn("MXTLS-SMTPD-WEBPKI-ONLY",
		        "%s: policy %s%s%s relayed with WebPKI-verified TLS "
		        "only "
		        "(OpenSMTPD has no DANE and no MX-pattern check)",
		        j->domain, d.policy, d.mode[0] ? " mode " : "",
		        d.mode);
	}
	log_info("MXTLS-SMTPD-DECISION", "%s: policy %s%s%s, %s", j->domain,
	        d.policy, d.mode[0] ? " mode " : "", d.mode,
	        d.secure ? "verified TLS (in the table)"
	                 : "opportunistic TLS");
	snprintf(j->verdict, sizeof(j->verdict), "proceed");
}

/*
 * result_ptype - a result whose domain has no decision in this process
 * (the filter restarted while mail was queued): the policy type from a
 * new decision, into j->ptype. 0, or -1 (logged).
 */
static int
result_ptype(struct filter_job *j)
{
	struct filter_decision d;
	const char            *what;
	char                   why[256];
	int                    rv;

	rv = ask(j->domain, &d, &what, why, sizeof(why));
	if (rv != 0 || !d.known || d.verdict != FILTER_DECIDE_PROCEED) {
		log_warn("MXTLS-SMTPD-RESULT-FAIL",
		        "%s: result not sent: the policy it was under is not "
		        "known%s%s",
		        j->domain, rv != 0 ? ": " : "", rv != 0 ? why : "");
		return (-1);
	}
	j->ptype = d.ptype;
	return (0);
}

static void
result_job(struct filter_job *j)
{
	struct clnt_nng     n = { O.url, O.wait_ms };
	struct clnt         c;
	struct proto_result r;
	enum clnt_status    st;
	enum proto_recorded rec;
	char                why[256];

	if (j->ptype == NULL && result_ptype(j) != 0) {
		return;
	}
	filter_outcome_request(&j->out, j->domain, j->host, j->result,
	        j->reason, j->ptype, &r);
	clnt_nng_init(&c, &n);
	st = clnt_result(&c, &r, &rec, why, sizeof(why));
	if (st != CLNT_OK && st != CLNT_BADREPLY) {
		log_warn("MXTLS-SMTPD-RESULT-FAIL", "%s: result not sent: %s",
		        j->domain, why);
		return;
	}
	switch (rec) {
	case PROTO_RECORDED:
		log_info("MXTLS-SMTPD-RESULT-SENT", "%s: result accepted",
		        j->domain);
		break;
	case PROTO_NOT_RECORDED:
		log_info("MXTLS-SMTPD-RESULT-SENT",
		        "%s: result accepted, not counted: %.300s", j->domain,
		        why[0] != '\0' ? why : "?");
		break;
	default:
		log_warn("MXTLS-SMTPD-RESULT-REFUSED",
		        "%s: mxtlsd refused the result: %.300s", j->domain,
		        why);
		break;
	}
}

static void *
worker(void *arg)
{
	struct filter_job *j = arg;

	if (j->kind == FILTER_JOB_POLICY) {
		policy_job(j);
	} else {
		result_job(j);
	}
	while (write(g_pipe[1], &j, sizeof(j)) < 0 && errno == EINTR) {
		;
	}
	return (NULL);
}

int
filter_jobs_init(void)
{
	return (pipe2(g_pipe, O_CLOEXEC));
}

int
filter_jobs_fd(void)
{
	return (g_pipe[0]);
}

int
filter_jobs_running(void)
{
	return (g_jobs);
}

int
filter_jobs_start(struct filter_job *j)
{
	pthread_t      t;
	pthread_attr_t a;
	int            rv;

	if (g_jobs >= MAX_JOBS) {
		return (-1);
	}
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	rv = pthread_create(&t, &a, worker, j);
	pthread_attr_destroy(&a);
	if (rv != 0) {
		return (-1);
	}
	g_jobs++;
	return (0);
}

struct filter_job *
filter_jobs_done(void)
{
	struct filter_job *j;

	if (read(g_pipe[0], &j, sizeof(j)) != (ssize_t)sizeof(j)) {
		return (NULL);
	}
	g_jobs--;
	return (j);
}
