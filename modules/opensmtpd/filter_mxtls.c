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
 * Threads: the main thread owns stdin/stdout and the smtp-out sessions;
 * workers own one job each and hand it back through a pipe. The table and
 * the address map are shared under g_lock.
 */
#define _GNU_SOURCE /* pipe2 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "domain.h"
#include "filter_decide.h"
#include "filter_line.h"
#include "filter_outcome.h"
#include "filter_table.h"
#include "log.h"
#include "nngclient.h"

extern char **environ;

#define MAX_JOBS         256  /* worker threads at once */
#define ADDR_MAX         1024 /* address map entries (IP -> domain, MX host) */
#define TEMPFAIL_DEFAULT "451 4.7.5 mxtls: TLS policy unavailable, retry later"

struct opts {
	const char *url;
	const char *table_path;
	const char *table_name;
	const char *smtpctl;
	int         wait_ms;
	int         on_fail_proceed;
	const char *fail_reply;
	time_t      secure_ttl;
	int         settle_ms;
	int         results;
};

enum job_kind { JOB_POLICY, JOB_RESULT };

struct job {
	enum job_kind kind;
	uint64_t      session, token;
	int           vmajor, vminor;
	char          domain[DOMAIN_MAX + 1];
	char         *req;
	json_t       *result; /* JOB_RESULT without policy_type: added */
	char          verdict[512];
};

struct addr_entry {
	char   ip[64];
	char   domain[DOMAIN_MAX + 1];
	char   host[DOMAIN_MAX + 1];
	time_t when;
};

/* the TLSRPT policy type of each domain's last decision (what OpenSMTPD
 * applies to its sessions, filter_decide_ptype) */
struct pol_entry {
	char        domain[DOMAIN_MAX + 1];
	const char *ptype; /* static string */
	time_t      when;
};

static struct opts            o      = { "ipc:///run/mxtls/mxtlsd.sock",
	                "/var/lib/mxtls/secure-domains", "mxtls-secure", "/usr/sbin/smtpctl",
	                15000, 0, TEMPFAIL_DEFAULT, 3600, 0, 1 };
static pthread_mutex_t        g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct filter_table    g_table;
static struct addr_entry      g_addr[ADDR_MAX];
static size_t                 g_naddr;
static struct pol_entry       g_pol[ADDR_MAX];
static size_t                 g_npol;
static int                    g_pipe[2];
static int                    g_jobs; /* main thread only */
static struct filter_outcome *g_out;  /* smtp-out sessions, main only */

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

/* -------------------------------------------------------------- table -- */
/* table_write - write g_table atomically (g_lock held). */
static int
table_write(char *why, size_t whylen)
{
	char  *text, tmp[4096];
	int    fd;
	size_t len, off = 0;

	if ((text = filter_table_format(&g_table)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return (-1);
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", o.table_path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644))
	        < 0) {
		snprintf(why, whylen, "%s: %s", tmp, strerror(errno));
		free(text);
		return (-1);
	}
	len = strlen(text);
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			snprintf(why, whylen, "%s: %s", tmp, strerror(errno));
			goto fail;
		}
		off += (size_t)n;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		snprintf(why, whylen, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, o.table_path) != 0) {
		snprintf(why, whylen, "rename to %s: %s", o.table_path,
		        strerror(errno));
		goto fail;
	}
	free(text);
	return (0);
fail:
	if (fd >= 0) {
		close(fd);
	}
	unlink(tmp);
	free(text);
	return (-1);
}

/* table_reload - `smtpctl update table NAME` (g_lock held). */
static int
table_reload(char *why, size_t whylen)
{
	char *argv[] = { (char *)o.smtpctl, "update", "table",
		(char *)o.table_name, NULL };
	pid_t pid;
	int   rv, st;

	posix_spawn_file_actions_t fa;

	/* smtpctl prints "Command succeeded" on stdout, which is our line
	 * to smtpd: a stray line there makes smtpd drop the filter */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO);
	posix_spawn_file_actions_addopen(
	        &fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	rv = posix_spawn(&pid, o.smtpctl, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rv != 0) {
		snprintf(why, whylen, "%s: %s", o.smtpctl, strerror(rv));
		return (-1);
	}
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			snprintf(why, whylen, "waitpid: %s", strerror(errno));
			return (-1);
		}
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		snprintf(why, whylen,
		        "'%s update table %s' failed (status %d)", o.smtpctl,
		        o.table_name, st);
		return (-1);
	}
	if (o.settle_ms > 0) {
		struct timespec ts = { o.settle_ms / 1000,
			(o.settle_ms % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	}
	return (0);
}

/*
 * table_apply - make the table say secure/not secure for domain; write and
 * reload only when its key set changed (or entries expired). 0, or -1.
 */
static int
table_apply(const char *domain, int secure, time_t expires, char *why,
        size_t whylen)
{
	int changed = 0, rv = 0;

	pthread_mutex_lock(&g_lock);
	changed = filter_table_prune(&g_table, time(NULL)) > 0;
	if (secure) {
		int r = filter_table_set(&g_table, domain, expires);
		if (r < 0) {
			snprintf(why, whylen, "out of memory");
			rv = -1;
			goto out;
		}
		changed |= r;
	} else {
		changed |= filter_table_remove(&g_table, domain);
	}
	if (changed) {
		if ((rv = table_write(why, whylen)) == 0) {
			rv = table_reload(why, whylen);
		}
		if (rv == 0) {
			log_info("MXTLS-SMTPD-TABLE",
			        "%s %s; table %s reloaded "
			        "(%zu domains)",
			        secure ? "added" : "removed", domain,
			        o.table_name, g_table.n);
		}
	}
out:
	pthread_mutex_unlock(&g_lock);
	return (rv);
}

static void
table_load(void)
{
	FILE  *f;
	char  *buf = NULL;
	size_t len = 0;

	filter_table_init(&g_table);
	if ((f = fopen(o.table_path, "re")) == NULL) {
		return;
	}
	buf = malloc(1 << 20);
	if (buf != NULL) {
		len = fread(buf, 1, (1 << 20) - 1, f);
		if (filter_table_parse(&g_table, buf, len) < 0) {
			log_err("MXTLS-SMTPD-TABLE", "out of memory");
		}
	}
	free(buf);
	fclose(f);
}

/* --------------------------------------------------------- address map -- */
/* addr_learn - remember every address of host as (domain, host). */
static void
addr_learn(const char *domain, const char *host)
{
	struct addrinfo hints, *res = NULL, *ai;
	char            ip[64];

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, NULL, &hints, &res) != 0) {
		return;
	}
	pthread_mutex_lock(&g_lock);
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		size_t i, slot = g_naddr;
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, ip, sizeof(ip),
		            NULL, 0, NI_NUMERICHOST)
		        != 0) {
			continue;
		}
		for (i = 0; i < g_naddr; i++) {
			if (strcmp(g_addr[i].ip, ip) == 0
			        && strcmp(g_addr[i].domain, domain) == 0) {
				slot = i;
				break;
			}
		}
		if (slot == ADDR_MAX) { /* full: replace the oldest */
			slot = 0;
			for (i = 1; i < ADDR_MAX; i++) {
				if (g_addr[i].when < g_addr[slot].when) {
					slot = i;
				}
			}
		} else if (slot == g_naddr) {
			g_naddr++;
		}
		snprintf(g_addr[slot].ip, sizeof(g_addr[slot].ip), "%s", ip);
		snprintf(g_addr[slot].domain, sizeof(g_addr[slot].domain),
		        "%s", domain);
		snprintf(g_addr[slot].host, sizeof(g_addr[slot].host), "%s",
		        host);
		g_addr[slot].when = time(NULL);
	}
	pthread_mutex_unlock(&g_lock);
	freeaddrinfo(res);
}

/*
 * addr_lookup - the (domain, host) of ip: for domain when given, else the
 * most recently learnt. 0 when found.
 */
static int
addr_lookup(const char *ip, const char *domain, char *dom, size_t domlen,
        char *host, size_t hostlen)
{
	size_t i, best = ADDR_MAX;

	pthread_mutex_lock(&g_lock);
	for (i = 0; i < g_naddr; i++) {
		if (strcmp(g_addr[i].ip, ip) != 0) {
			continue;
		}
		if (domain != NULL && domain[0] != '\0'
		        && strcmp(g_addr[i].domain, domain) != 0) {
			continue;
		}
		if (best == ADDR_MAX || g_addr[i].when > g_addr[best].when) {
			best = i;
		}
	}
	if (best != ADDR_MAX) {
		snprintf(dom, domlen, "%s", g_addr[best].domain);
		snprintf(host, hostlen, "%s", g_addr[best].host);
	}
	pthread_mutex_unlock(&g_lock);
	return (best == ADDR_MAX ? -1 : 0);
}

/* pol_learn - remember that domain's sessions are under ptype. */
static void
pol_learn(const char *domain, const char *ptype)
{
	size_t i, slot = g_npol;

	pthread_mutex_lock(&g_lock);
	for (i = 0; i < g_npol; i++) {
		if (strcmp(g_pol[i].domain, domain) == 0) {
			slot = i;
			break;
		}
	}
	if (slot == ADDR_MAX) { /* full: replace the oldest */
		slot = 0;
		for (i = 1; i < ADDR_MAX; i++) {
			if (g_pol[i].when < g_pol[slot].when) {
				slot = i;
			}
		}
	} else if (slot == g_npol) {
		g_npol++;
	}
	snprintf(g_pol[slot].domain, sizeof(g_pol[slot].domain), "%s", domain);
	g_pol[slot].ptype = ptype;
	g_pol[slot].when  = time(NULL);
	pthread_mutex_unlock(&g_lock);
}

/* pol_lookup - the policy type of domain's last decision, or NULL. */
static const char *
pol_lookup(const char *domain)
{
	const char *pt = NULL;
	size_t      i;

	pthread_mutex_lock(&g_lock);
	for (i = 0; i < g_npol; i++) {
		if (strcmp(g_pol[i].domain, domain) == 0) {
			pt = g_pol[i].ptype;
			break;
		}
	}
	pthread_mutex_unlock(&g_lock);
	return (pt);
}

/* -------------------------------------------------------------- workers -- */
static void
fail_verdict(struct job *j, const char *what, const char *why)
{
	if (o.on_fail_proceed) {
		log_warn("MXTLS-SMTPD-DAEMON-FAIL",
		        "%s: %s: %s; proceeding "
		        "without a TLS policy (on-fail proceed)",
		        j->domain, what, why);
		snprintf(j->verdict, sizeof(j->verdict), "proceed");
	} else {
		log_warn("MXTLS-SMTPD-DAEMON-FAIL", "%s: %s: %s; tempfail",
		        j->domain, what, why);
		snprintf(j->verdict, sizeof(j->verdict), "reject|%s",
		        o.fail_reply);
	}
}

static void
policy_job(struct job *j)
{
	struct filter_decision d;
	enum nngclient_status  st;
	char                  *reply = NULL, why[256];
	size_t                 rlen  = 0, i;

	st = nngclient_call(o.url, j->req, strlen(j->req), &reply, &rlen,
	        o.wait_ms, why, sizeof(why));
	if (st != NNGCLIENT_OK) {
		fail_verdict(j, "mxtlsd did not answer", why);
		return;
	}
	if (filter_decide(reply, rlen, time(NULL), o.secure_ttl, &d) != 0) {
		fail_verdict(j, "bad reply from mxtlsd", d.why);
		free(reply);
		return;
	}
	free(reply);
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
		addr_learn(j->domain, d.hosts[i].host);
	}
	pol_learn(j->domain, d.ptype);
	if (table_apply(j->domain, d.secure, d.expires, why, sizeof(why))
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
 * new decision, added to j->result and j->req. 0, or -1 (logged).
 */
static int
result_ptype(struct job *j)
{
	struct filter_decision d;
	enum nngclient_status  st;
	char                  *reply = NULL, *req = NULL, why[256];
	size_t                 rlen = 0;
	json_t                *q;

	q = json_pack(
	        "{s:i,s:s,s:s}", "v", 1, "op", "policy", "domain", j->domain);
	if (q != NULL) {
		req = json_dumps(q, JSON_COMPACT);
		json_decref(q);
	}
	if (req == NULL) {
		log_warn("MXTLS-SMTPD-RESULT-FAIL", "%s: out of memory",
		        j->domain);
		return (-1);
	}
	st = nngclient_call(o.url, req, strlen(req), &reply, &rlen, o.wait_ms,
	        why, sizeof(why));
	free(req);
	if (st != NNGCLIENT_OK
	        || filter_decide(reply, rlen, time(NULL), o.secure_ttl, &d)
	                != 0
	        || !d.known || d.verdict != FILTER_DECIDE_PROCEED) {
		log_warn("MXTLS-SMTPD-RESULT-FAIL",
		        "%s: result not sent: the policy it was under is not "
		        "known%s%s",
		        j->domain, st != NNGCLIENT_OK ? ": " : "",
		        st != NNGCLIENT_OK ? why : "");
		free(reply);
		return (-1);
	}
	free(reply);
	json_object_set_new(j->result, "policy_type", json_string(d.ptype));
	if ((j->req = json_dumps(j->result, JSON_COMPACT)) == NULL) {
		return (-1);
	}
	return (0);
}

static void
result_job(struct job *j)
{
	enum nngclient_status st;
	char                 *reply = NULL, why[256];
	size_t                rlen  = 0;
	json_t               *r;

	if (j->req == NULL && result_ptype(j) != 0) {
		return;
	}
	st = nngclient_call(o.url, j->req, strlen(j->req), &reply, &rlen,
	        o.wait_ms, why, sizeof(why));
	if (st != NNGCLIENT_OK) {
		log_warn("MXTLS-SMTPD-RESULT-FAIL", "%s: result not sent: %s",
		        j->domain, why);
		return;
	}
	r = json_loadb(reply, rlen, 0, NULL);
	if (r == NULL || !json_is_string(json_object_get(r, "status"))
	        || strcmp(json_string_value(json_object_get(r, "status")),
	                   "ok")
	                != 0) {
		log_warn("MXTLS-SMTPD-RESULT-REFUSED",
		        "%s: mxtlsd refused the result: %.300s", j->domain,
		        reply);
	} else if (json_is_false(json_object_get(r, "recorded"))) {
		log_info("MXTLS-SMTPD-RESULT-SENT",
		        "%s: result accepted, not counted: %.300s", j->domain,
		        json_is_string(json_object_get(r, "why"))
		                ? json_string_value(json_object_get(r, "why"))
		                : "?");
	} else {
		log_info("MXTLS-SMTPD-RESULT-SENT", "%s: result accepted",
		        j->domain);
	}
	json_decref(r);
	free(reply);
}

static void *
worker(void *arg)
{
	struct job *j = arg;

	if (j->kind == JOB_POLICY) {
		policy_job(j);
	} else {
		result_job(j);
	}
	while (write(g_pipe[1], &j, sizeof(j)) < 0 && errno == EINTR) {
		;
	}
	return (NULL);
}

static int
job_start(struct job *j)
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

static void
job_done(void)
{
	struct job *j;

	if (read(g_pipe[0], &j, sizeof(j)) != (ssize_t)sizeof(j)) {
		return;
	}
	g_jobs--;
	if (j->kind == JOB_POLICY) {
		answer(j->vmajor, j->vminor, j->session, j->token, j->verdict);
	}
	json_decref(j->result);
	free(j->req);
	free(j);
}

/* ---------------------------------------------------------- rcpt-to -- */
static void
rcpt_to(const struct filter_line *l)
{
	char        dom[DOMAIN_MAX + 1], why[160];
	struct job *j;
	json_t     *req;

	if (filter_line_addr_domain(l->params, dom, sizeof(dom)) != 0) {
		answer(l->vmajor, l->vminor, l->session, l->token, "proceed");
		return;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		answer(l->vmajor, l->vminor, l->session, l->token,
		        "reject|451 4.3.0 mxtls: out of memory");
		return;
	}
	j->kind    = JOB_POLICY;
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
	req = json_pack(
	        "{s:i,s:s,s:s}", "v", 1, "op", "policy", "domain", j->domain);
	j->req = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (j->req == NULL || job_start(j) != 0) {
		fail_verdict(j, "cannot start the lookup", "too many at once");
		answer(l->vmajor, l->vminor, l->session, l->token, j->verdict);
		free(j->req);
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
	struct job *j;
	json_t     *req;

	if (res == NULL) {
		log_debug("MXTLS-SMTPD-OUT-SESSION",
		        "session %016llx to %s: "
		        "no TLS outcome",
		        (unsigned long long)s->session, s->dst);
		return;
	}
	host[0] = '\0';
	if (addr_lookup(s->dst, s->rcpt_domain, dom, sizeof(dom), host,
	            sizeof(host))
	        != 0) {
		snprintf(dom, sizeof(dom), "%s", s->rcpt_domain);
		snprintf(host, sizeof(host), "%s",
		        s->greeting[0] ? s->greeting : s->rdns);
	}
	/* the policy OpenSMTPD applied: the domain's decision at RCPT */
	ptype = dom[0] != '\0' ? pol_lookup(dom) : NULL;
	log_notice("MXTLS-SMTPD-TLS-RESULT",
	        "domain=%s mx=%s ip=%s result=%s sender=<%s> policy=%s%s%s",
	        dom[0] ? dom : "?", host[0] ? host : "?", s->dst, res,
	        s->sender, ptype != NULL ? ptype : "?",
	        reason[0] ? " reason=" : "", reason);
	if (!o.results || dom[0] == '\0' || host[0] == '\0') {
		return;
	}
	req = filter_outcome_request(s, dom, host, res, reason, ptype);
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		json_decref(req);
		return;
	}
	j->kind = JOB_RESULT;
	snprintf(j->domain, sizeof(j->domain), "%s", dom);
	if (ptype != NULL) {
		j->req = req ? json_dumps(req, JSON_COMPACT) : NULL;
		json_decref(req);
	} else {
		j->result = req; /* result_ptype asks for the policy */
	}
	if ((j->req == NULL && j->result == NULL) || job_start(j) != 0) {
		log_warn("MXTLS-SMTPD-RESULT-FAIL", "%s: result dropped", dom);
		json_decref(j->result);
		free(j->req);
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
	table_load();
	if (init) { /* -i: write the (pruned) table file and exit */
		char why[256];
		filter_table_prune(&g_table, time(NULL));
		if (table_write(why, sizeof(why)) != 0) {
			log_err("MXTLS-SMTPD-TABLE-FAIL", "%s", why);
			return (1);
		}
		return (0);
	}
	if (pipe2(g_pipe, O_CLOEXEC) != 0) {
		log_err("MXTLS-SMTPD-PIPE", "pipe: %s", strerror(errno));
		return (1);
	}
	pfd[0].fd     = STDIN_FILENO;
	pfd[0].events = POLLIN;
	pfd[1].fd     = g_pipe[0];
	pfd[1].events = POLLIN;
	while (!eof || g_jobs > 0) {
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
