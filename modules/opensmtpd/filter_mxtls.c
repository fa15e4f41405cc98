/*
 * filter_mxtls.c - filter-mxtls, the OpenSMTPD proc-exec filter of mxtls
 * (smtpd-filters(7), protocol 0.6 on 6.8, 0.7 on 7.4+; docs/opensmtpd.md).
 *
 * - smtp-in rcpt-to: asks mxtlsd for the recipient domain's policy in a
 *   worker thread (the stdin loop never blocks), puts the domain in the
 *   verified-TLS file table when a host needs TLS, runs `smtpctl update
 *   table` and only then answers proceed; tempfails when the policy is
 *   tempfail or (by default) when mxtlsd cannot answer in time.
 * - smtp-out reports (filter on the relay action): one TLS result per
 *   session, sent to mxtlsd with the "result" op (docs/IPC.md), with the
 *   session's envelope sender from tx-mail (RFC 8460 §3: mxtlsd does not
 *   count the sessions of its own report mail).
 *
 * This file is the smtpd side: the protocol loop, the RCPT TO filter and
 * the smtp-out sessions. Threads: the main thread owns stdin/stdout and the
 * smtp-out sessions; workers (filter_jobs.c) own one job each and hand it
 * back through a pipe. The table (filter_tablefile.c) and what decisions
 * taught (filter_learn.c) are shared under their own locks.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "domain.h"
#include "filter_jobs.h"
#include "filter_learn.h"
#include "filter_line.h"
#include "filter_opts.h"
#include "filter_outcome.h"
#include "filter_tablefile.h"
#include "log.h"

#define TEMPFAIL_DEFAULT "451 4.7.5 mxtls: TLS policy unavailable, retry later"

struct filter_opts filter_opts = { "ipc:///run/mxtls/mxtlsd.sock",
	"/var/lib/mxtls/secure-domains", "mxtls-secure", "/usr/sbin/smtpctl",
	15000, 0, TEMPFAIL_DEFAULT, 3600, 0, 1 };
#define o filter_opts

static struct filter_outcome *g_out; /* smtp-out sessions, main only */

/* ------------------------------------------------------------- output -- */
static void
say(const char *line)
{
	size_t  len = strlen(line), off = 0;
	ssize_t n;

	log_debug("MXTLS-SMTPD-OUT", "> %.*s", (int)(len ? len - 1 : 0), line);
	while (off < len) {
		n = write(STDOUT_FILENO, line + off, len - off);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			log_err("MXTLS-SMTPD-STDOUT", "write to smtpd: %s",
			        strerror(errno));
			exit(1);
		}
		off += (size_t)n;
	}
}

static void
answer(int vmajor, int vminor, uint64_t session, uint64_t token,
        const char *verdict)
{
	char buf[1024];

	if (filter_line_result(
	            buf, sizeof(buf), vmajor, vminor, session, token, verdict)
	        < 0) {
		filter_line_result(buf, sizeof(buf), vmajor, vminor, session,
		        token, "reject|451 4.3.0 mxtls: reply too long");
	}
	say(buf);
}

/* job_done - answer smtpd for a finished lookup; free the job. */
static void
job_done(void)
{
	struct filter_job *j = filter_jobs_done();

	if (j == NULL) {
		return;
	}
	if (j->kind == FILTER_JOB_POLICY) {
		answer(j->vmajor, j->vminor, j->session, j->token, j->verdict);
	}
	free(j);
}

/* ---------------------------------------------------------- rcpt-to -- */
static void
rcpt_to(const struct filter_line *l)
{
	char               dom[DOMAIN_MAX + 1], why[160];
	struct filter_job *j;

	if (filter_line_addr_domain(l->params, dom, sizeof(dom)) != 0) {
		answer(l->vmajor, l->vminor, l->session, l->token, "proceed");
		return;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		answer(l->vmajor, l->vminor, l->session, l->token,
		        "reject|451 4.3.0 mxtls: out of memory");
		return;
	}
	j->kind    = FILTER_JOB_POLICY;
	j->session = l->session;
	j->token   = l->token;
	j->vmajor  = l->vmajor;
	j->vminor  = l->vminor;
	if (domain_normalize(dom, strlen(dom), j->domain, sizeof(j->domain),
	            why, sizeof(why))
	        != 0) {
		/* an address literal or a local name: no policy possible */
		log_debug("MXTLS-SMTPD-NO-POLICY", "%s: %s", dom, why);
		answer(l->vmajor, l->vminor, l->session, l->token, "proceed");
		free(j);
		return;
	}
	if (filter_jobs_start(j) != 0) {
		filter_jobs_fail_verdict(
		        j, "cannot start the lookup", "too many at once");
		answer(l->vmajor, l->vminor, l->session, l->token, j->verdict);
		free(j);
	}
}

/* ------------------------------------------------------------ smtp-out -- */
static struct filter_outcome **
out_find(uint64_t session)
{
	struct filter_outcome **p;

	for (p = &g_out; *p != NULL; p = &(*p)->next) {
		if ((*p)->session == session) {
			return (p);
		}
	}
	return (p);
}

static void
out_finish(struct filter_outcome *s)
{
	char reason[512], dom[DOMAIN_MAX + 1] = "", host[DOMAIN_MAX + 1];
	const char *res = filter_outcome_classify(s, reason, sizeof(reason));
	const char *ptype;
	struct filter_job *j;

	if (res == NULL) {
		log_debug("MXTLS-SMTPD-OUT-SESSION",
		        "session %016llx to %s: "
		        "no TLS outcome",
		        (unsigned long long)s->session, s->dst);
		return;
	}
	host[0] = '\0';
	if (filter_learn_addr_lookup(s->dst, s->rcpt_domain, dom, sizeof(dom),
	            host, sizeof(host))
	        != 0) {
		snprintf(dom, sizeof(dom), "%s", s->rcpt_domain);
		snprintf(host, sizeof(host), "%s",
		        s->greeting[0] ? s->greeting : s->rdns);
	}
	/* the policy OpenSMTPD applied: the domain's decision at RCPT */
	ptype = dom[0] != '\0' ? filter_learn_ptype_lookup(dom) : NULL;
	log_notice("MXTLS-SMTPD-TLS-RESULT",
	        "domain=%s mx=%s ip=%s result=%s sender=<%s> policy=%s%s%s",
	        dom[0] ? dom : "?", host[0] ? host : "?", s->dst, res,
	        s->sender, ptype != NULL ? ptype : "?",
	        reason[0] ? " reason=" : "", reason);
	if (!o.results || dom[0] == '\0' || host[0] == '\0') {
		return;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		log_warn("MXTLS-SMTPD-RESULT-FAIL", "%s: result dropped", dom);
		return;
	}
	j->kind = FILTER_JOB_RESULT;
	snprintf(j->domain, sizeof(j->domain), "%s", dom);
	snprintf(j->host, sizeof(j->host), "%s", host);
	snprintf(j->reason, sizeof(j->reason), "%s", reason);
	j->out      = *s;
	j->out.next = NULL;
	j->result   = res;
	j->ptype    = ptype; /* NULL: the job asks for the policy */
	if (filter_jobs_start(j) != 0) {
		log_warn("MXTLS-SMTPD-RESULT-FAIL", "%s: result dropped", dom);
		free(j);
	}
}

static void
smtp_out(struct filter_line *l)
{
	struct filter_outcome **p = out_find(l->session), *s = *p;
	char                    params[1024];

	if (s == NULL) {
		if (strcmp(l->event, "link-connect") != 0) {
			return; /* a session from before our start */
		}
		if ((s = calloc(1, sizeof(*s))) == NULL) {
			return;
		}
		s->session = l->session;
		*p         = s;
	}
	snprintf(params, sizeof(params), "%s", l->params);
	if (strcmp(l->event, "link-disconnect") == 0) {
		*p = s->next;
		out_finish(s);
		free(s);
		return;
	}
	filter_outcome_event(s, l->event, params, l->vmajor, l->vminor);
}

/* ---------------------------------------------------------- protocol -- */
static const char *const registrations[] = {
	"register|filter|smtp-in|rcpt-to\n",
	"register|report|smtp-out|link-connect\n",
	"register|report|smtp-out|link-greeting\n",
	"register|report|smtp-out|link-tls\n",
	"register|report|smtp-out|link-disconnect\n",
	"register|report|smtp-out|protocol-client\n",
	"register|report|smtp-out|protocol-server\n",
	"register|report|smtp-out|tx-begin\n",
	"register|report|smtp-out|tx-mail\n",
	"register|report|smtp-out|tx-rcpt\n",
	"register|ready\n",
};

static void
line(char *buf)
{
	struct filter_line l;
	char               why[160];
	size_t             i;

	log_debug("MXTLS-SMTPD-IN", "< %s", buf);
	if (filter_line_parse(buf, &l, why, sizeof(why)) != 0) {
		log_warn("MXTLS-SMTPD-BAD-LINE", "%s", why);
		if (l.kind == FILTER_LINE_FILTER && l.session != 0) {
			answer(0, 6, l.session, l.token, "proceed");
		}
		return;
	}
	switch (l.kind) {
	case FILTER_LINE_CONFIG:
		if (strcmp(l.key, "ready") == 0) {
			for (i = 0; i < sizeof(registrations)
			                / sizeof(registrations[0]);
			        i++) {
				say(registrations[i]);
			}
		} else if (strcmp(l.key, "smtpd-version") == 0) {
			log_info("MXTLS-SMTPD-START",
			        "OpenSMTPD %s, mxtlsd at "
			        "%s, table %s (%s)",
			        l.value, o.url, o.table_name, o.table_path);
		}
		break;
	case FILTER_LINE_FILTER:
		if (l.vmajor != 0 || l.vminor < 5) {
			log_warn("MXTLS-SMTPD-VERSION",
			        "protocol %d.%d not "
			        "known; answering as 0.5+",
			        l.vmajor, l.vminor);
		}
		if (l.incoming && strcmp(l.event, "rcpt-to") == 0) {
			rcpt_to(&l);
		} else {
			answer(l.vmajor, l.vminor, l.session, l.token,
			        "proceed");
		}
		break;
	case FILTER_LINE_REPORT:
		if (!l.incoming) {
			smtp_out(&l);
		}
		break;
	}
}

static void
usage(void)
{
	fprintf(stderr,
	        "usage: filter-mxtls [-diRv] [-s url] [-t table-file] "
	        "[-n table-name]\n"
	        "       [-c smtpctl] [-w wait-ms] [-f tempfail|proceed] "
	        "[-r reply] [-T secure-ttl] [-S settle-ms]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static char in[FILTER_LINE_MAX + 2];
	size_t      inlen = 0;
	int         ch, init = 0, to_stderr = 1, level = LOG_LVL_INFO, eof = 0;
	struct pollfd pfd[2];

	while ((ch = getopt(argc, argv, "c:df:in:r:Rs:S:t:T:vw:")) != -1) {
		switch (ch) {
		case 'c':
			o.smtpctl = optarg;
			break;
		case 'd':
			to_stderr = 0;
			break;
		case 'f':
			if (strcmp(optarg, "proceed") == 0) {
				o.on_fail_proceed = 1;
			} else if (strcmp(optarg, "tempfail") == 0) {
				o.on_fail_proceed = 0;
			} else {
				usage();
			}
			break;
		case 'i':
			init = 1;
			break;
		case 'n':
			o.table_name = optarg;
			break;
		case 'r':
			o.fail_reply = optarg;
			break;
		case 'R':
			o.results = 0;
			break;
		case 's':
			o.url = optarg;
			break;
		case 'S':
			o.settle_ms = atoi(optarg);
			break;
		case 't':
			o.table_path = optarg;
			break;
		case 'T':
			o.secure_ttl = atoi(optarg);
			break;
		case 'v':
			level = LOG_LVL_DEBUG;
			break;
		case 'w':
			o.wait_ms = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (o.wait_ms <= 0 || o.secure_ttl <= 0 || o.settle_ms < 0
	        || (o.fail_reply[0] != '4' && o.fail_reply[0] != '5')) {
		usage();
	}
	/* -d: syslog (mail facility) instead of stderr, which smtpd logs */
	log_init("filter-mxtls", to_stderr, LOG_MAIL);
	log_set_level((enum log_level)level);
	signal(SIGPIPE, SIG_IGN);
	filter_tablefile_load();
	if (init) { /* -i: write the (pruned) table file and exit */
		char why[256];
		if (filter_tablefile_init(why, sizeof(why)) != 0) {
			log_err("MXTLS-SMTPD-TABLE-FAIL", "%s", why);
			return (1);
		}
		return (0);
	}
	if (filter_jobs_init() != 0) {
		log_err("MXTLS-SMTPD-PIPE", "pipe: %s", strerror(errno));
		return (1);
	}
	pfd[0].fd     = STDIN_FILENO;
	pfd[0].events = POLLIN;
	pfd[1].fd     = filter_jobs_fd();
	pfd[1].events = POLLIN;
	while (!eof || filter_jobs_running() > 0) {
		if (eof) {
			pfd[0].fd = -1;
		}
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR) {
				continue;
			}
			log_err("MXTLS-SMTPD-POLL", "poll: %s",
			        strerror(errno));
			return (1);
		}
		if (pfd[1].revents & POLLIN) {
			job_done();
		}
		if (!eof && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t n = read(STDIN_FILENO, in + inlen,
			        sizeof(in) - 1 - inlen);
			char   *nl, *start;
			if (n < 0 && errno == EINTR) {
				continue;
			}
			if (n <= 0) {
				eof = 1; /* smtpd went away: finish the jobs */
				continue;
			}
			inlen += (size_t)n;
			in[inlen] = '\0';
			start     = in;
			while ((nl = memchr(start, '\n',
			                inlen - (size_t)(start - in)))
			        != NULL) {
				*nl = '\0';
				line(start);
				start = nl + 1;
			}
			inlen -= (size_t)(start - in);
			memmove(in, start, inlen);
			if (inlen >= sizeof(in) - 1) {
				log_warn("MXTLS-SMTPD-BAD-LINE",
				        "line longer "
				        "than %d bytes dropped",
				        FILTER_LINE_MAX);
				inlen = 0;
			}
		}
	}
	return (0);
}
