/*
 * tlsrpt_send.c - deliver aggregate TLS reports (RFC 8460 §5): HTTPS POST
 * with the libcurl multi-socket API on the loop (util/curlev.c, as
 * sts_fetch.c, with its own CURLM); mail by SMTP to the configured relay
 * on the same CURLM (RFC 8460 §5.3, RFC 5321), or through the sendmail
 * command (a child process fed from a memfd, reaped by a timer on the
 * loop). See tlsrpt_send.h for the rules.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <zlib.h>

#include "dns/dns.h"
#include "domain.h"
#include "log.h"
#include "tlsrpt/tlsrpt_mail.h"
#include "tlsrpt/tlsrpt_send.h"
#include "tlsrpt/tlsrpt_smtp.h"
#include "util/clock.h"
#include "util/curlev.h"
#include "util/netaddr.h"
#include "util/xalloc.h"

#define MAX_ADDRS       16
#define MAIL_TIMEOUT_MS 60000
#define MAIL_POLL_MS    50

enum job_kind { JOB_HTTPS, JOB_MAIL, JOB_SMTP, JOB_FAIL };

struct job {
	TAILQ_ENTRY(job) entry;
	struct tlsrpt_sender   *s;
	enum job_kind           kind;
	tlsrpt_send_cb          cb;
	void                   *arg;
	char                   *uri;
	char                    host[DOMAIN_MAX + 1];
	int                     port;
	int                     explicit_port;
	unsigned char          *gz;
	size_t                  gzlen;
	struct dns_query       *q[2];
	int                     qpending;
	struct sockaddr_storage addrs[MAX_ADDRS];
	size_t                  naddr;
	char                    refused[128];
	char                    dnswhy[256];
	CURL                   *easy;
	int                     in_multi;
	struct curl_slist      *resolve;
	struct curl_slist      *connect_to;
	struct curl_slist      *headers;
	struct tlsrpt_smtp      smtp; /* JOB_SMTP: the submission */
	char                    errbuf[CURL_ERROR_SIZE];
	pid_t                   pid;
	int                     errfd; /* sendmail's stderr (a memfd), or -1 */
	int                     waited_ms;
	struct event           *ev; /* mail poll timer, or deferred failure */
	int                     permanent;
	char                    why[256];
};

struct tlsrpt_sender {
	struct event_base        *base;
	struct dns               *dns;
	struct tlsrpt_send_config cfg;
	char                     *strs[7];
	char                     *smtp_url; /* NULL: mail by sendmail */
	int                       smtp_loopback;
	CURLM                    *multi;
	struct curlev            *curlev; /* multi on base */
	TAILQ_HEAD(, job) jobs;
};

/* ------------------------------------------------------------- pure --- */

int
tlsrpt_send_gzip(
        const void *in, size_t len, unsigned char **out, size_t *outlen)
{
	z_stream       z;
	unsigned char *buf;
	size_t         cap = compressBound((uLong)len) + 64;

	*out = NULL;
	memset(&z, 0, sizeof(z));
	if ((buf = malloc(cap)) == NULL) {
		return (-1);
	}
	if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
	            Z_DEFAULT_STRATEGY)
	        != Z_OK) {
		free(buf);
		return (-1);
	}
	z.next_in   = (unsigned char *)(uintptr_t)in;
	z.avail_in  = (uInt)len;
	z.next_out  = buf;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&z);
		free(buf);
		return (-1);
	}
	*outlen = z.total_out;
	deflateEnd(&z);
	*out = buf;
	return (0);
}

/* ------------------------------------------------------ job plumbing --- */

static void
job_free(struct job *j)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (j->q[i] != NULL) {
			dns_cancel(j->q[i]);
		}
	}
	if (j->easy != NULL) {
		if (j->in_multi) {
			curl_multi_remove_handle(j->s->multi, j->easy);
		}
		curl_easy_cleanup(j->easy);
	}
	if (j->ev != NULL) {
		event_free(j->ev);
	}
	if (j->pid > 0) {
		kill(j->pid, SIGKILL);
		waitpid(j->pid, NULL, 0);
	}
	if (j->errfd >= 0) {
		close(j->errfd);
	}
	curl_slist_free_all(j->resolve);
	curl_slist_free_all(j->connect_to);
	curl_slist_free_all(j->headers);
	tlsrpt_smtp_clear(&j->smtp);
	free(j->gz);
	free(j->uri);
	free(j);
}

/* finish - unlink j, run its callback, free it. */
static void
finish(struct job *j, int ok, const char *why)
{
	TAILQ_REMOVE(&j->s->jobs, j, entry);
	j->cb(j->arg, ok, j->permanent, why);
	job_free(j);
}

static void
deferred_fail_cb(evutil_socket_t fd, short what, void *arg)
{
	struct job *j = arg;

	(void)fd;
	(void)what;
	finish(j, 0, j->why);
}

/* fail_later - report failure from the loop. */
static void
fail_later(struct job *j, int permanent, const char *why)
{
	struct timeval now = { 0, 0 };

	j->permanent = permanent;
	snprintf(j->why, sizeof(j->why), "%s", why);
	if (j->ev != NULL) {
		event_free(j->ev);
	}
	j->ev = evtimer_new(j->s->base, deferred_fail_cb, j);
	if (j->ev == NULL || evtimer_add(j->ev, &now) != 0) {
		xdie();
	}
}

/* ------------------------------------------------------------- mail --- */

static void
mail_poll_cb(evutil_socket_t fd, short what, void *arg)
{
	struct job    *j  = arg;
	struct timeval tv = { 0, MAIL_POLL_MS * 1000 };
	char           why[256], err[512];
	int            status;
	ssize_t        n;
	pid_t          r;

	(void)fd;
	(void)what;
	r = waitpid(j->pid, &status, WNOHANG);
	if (r == 0) {
		if ((j->waited_ms += MAIL_POLL_MS) > MAIL_TIMEOUT_MS) {
			kill(j->pid, SIGKILL);
			waitpid(j->pid, NULL, 0);
			j->pid = 0;
			finish(j, 0, "sendmail did not finish within 60 s");
			return;
		}
		evtimer_add(j->ev, &tv);
		return;
	}
	j->pid = 0;
	if (r < 0) {
		finish(j, 0, "waitpid failed");
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		finish(j, 1, "accepted by sendmail");
	} else {
		n = pread(j->errfd, err, sizeof(err), 0);
		tlsrpt_mail_status(
		        status, err, n > 0 ? (size_t)n : 0, why, sizeof(why));
		finish(j, 0, why);
	}
}

/* mail_message - the report message for job's mailto: address (into to),
 * or NULL after fail_later: an unusable address is permanent, no memory
 * is not. Both mail transports (sendmail, SMTP) start with it. */
static char *
mail_message(struct job *j, const struct tlsrpt_send_job *job, char *to,
        size_t tolen)
{
	char *msg;

	if (tlsrpt_mail_address(job->uri, to, tolen) != 0) {
		fail_later(j, 1, "mailto: URI without a usable address");
		return (NULL);
	}
	msg = tlsrpt_mail_compose(
	        &j->s->cfg, job, to, j->gz, j->gzlen, clock_now());
	if (msg == NULL) {
		fail_later(j, 0, "out of memory");
	}
	return (msg);
}

static void
mail_start(struct job *j, const struct tlsrpt_send_job *job)
{
	struct tlsrpt_sender *s  = j->s;
	struct timeval        tv = { 0, MAIL_POLL_MS * 1000 };
	char                  to[320], *msg;
	size_t                len, off = 0;
	ssize_t               n;
	int                   fd, devnull;
	pid_t                 pid;

	if ((msg = mail_message(j, job, to, sizeof(to))) == NULL) {
		return;
	}
	len = strlen(msg);
	if ((fd = memfd_create("tlsrpt-mail", MFD_CLOEXEC)) < 0) {
		free(msg);
		fail_later(j, 0, "memfd_create failed");
		return;
	}
	while (off < len && (n = write(fd, msg + off, len - off)) > 0) {
		off += (size_t)n;
	}
	free(msg);
	if (off != len || lseek(fd, 0, SEEK_SET) != 0
	        || (j->errfd = memfd_create("tlsrpt-mail-err", MFD_CLOEXEC))
	                < 0) {
		close(fd);
		fail_later(j, 0, "cannot buffer the message");
		return;
	}
	if ((pid = fork()) < 0) {
		close(fd);
		fail_later(j, 0, "fork failed");
		return;
	}
	if (pid == 0) {
		devnull = open("/dev/null", O_WRONLY);
		dup2(fd, 0);
		if (devnull >= 0) {
			dup2(devnull, 1);
		}
		dup2(j->errfd, 2);
		/* the envelope sender for the command line ("-f
		 * \"$MXTLS_TLSRPT_FROM\""): the MTA plugins recognise the
		 * report's own sessions by it (no report loops) */
		setenv("MXTLS_TLSRPT_FROM", s->cfg.from, 1);
		execl("/bin/sh", "sh", "-c", s->cfg.sendmail, (char *)NULL);
		_exit(127);
	}
	close(fd);
	j->pid = pid;
	if ((j->ev = evtimer_new(s->base, mail_poll_cb, j)) == NULL
	        || evtimer_add(j->ev, &tv) != 0) {
		xdie();
	}
}

/* ------------------------------------------------------------ https --- */

/* discard_cb - the response body is not needed (the status decides). */
static size_t
discard_cb(char *data, size_t size, size_t nmemb, void *userp)
{
	(void)data;
	(void)userp;
	return (size * nmemb);
}

static void check_done(struct tlsrpt_sender *s);
static void smtp_done(struct job *j, CURLcode rc);

/* sender_after - after libcurl acted on a socket or the timer (curlev.c). */
static void
sender_after(void *arg)
{
	check_done(arg);
}

static void
check_done(struct tlsrpt_sender *s)
{
	CURLMsg *msg;
	int      left;

	while ((msg = curl_multi_info_read(s->multi, &left)) != NULL) {
		struct job *j = NULL;
		char       *priv, why[256];
		long        code = 0;
		CURLcode    rc;

		if (msg->msg != CURLMSG_DONE) {
			continue;
		}
		rc = msg->data.result;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
		j = (struct job *)(void *)priv;
		curl_multi_remove_handle(s->multi, j->easy);
		j->in_multi = 0;
		if (j->kind == JOB_SMTP) {
			smtp_done(j, rc);
			continue;
		}
		curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &code);
		if (rc == CURLE_OK && code >= 200 && code <= 299) {
			snprintf(why, sizeof(why), "HTTP status %ld", code);
			finish(j, 1, why);
		} else if (rc == CURLE_OK) {
			snprintf(why, sizeof(why), "HTTP status %ld%s", code,
			        code >= 300 && code < 400
			                ? " (redirects are not followed)"
			                : "");
			finish(j, 0, why);
		} else {
			snprintf(why, sizeof(why), "%s",
			        j->errbuf[0] != '\0' ? j->errbuf
			                             : curl_easy_strerror(rc));
			finish(j, 0, why);
		}
	}
}

#define SETOPT(opt, val)                                                      \
	do {                                                                  \
		if (curl_easy_setopt(j->easy, (opt), (val)) != CURLE_OK) {    \
			fail_later(                                           \
			        j, 0, "curl_easy_setopt(" #opt ") failed");   \
			return;                                               \
		}                                                             \
	} while (0)

static void
https_go(struct job *j)
{
	struct tlsrpt_sender *s = j->s;
	char   entry[DOMAIN_MAX + 32 + (INET6_ADDRSTRLEN + 3) * MAX_ADDRS];
	char   ip[INET6_ADDRSTRLEN];
	size_t i, off;

	if (j->naddr == 0) {
		if (j->refused[0] != '\0') {
			char why[256];

			snprintf(why, sizeof(why),
			        "%s: refused: only special addresses (%s); "
			        "see fetch.allow_private",
			        j->host, j->refused);
			/* permanent: only the configuration can change it */
			fail_later(j, 1, why);
		} else {
			fail_later(
			        j, 0, j->dnswhy[0] ? j->dnswhy : "no address");
		}
		return;
	}
	off = (size_t)snprintf(
	        entry, sizeof(entry), "%s:%d:", j->host, j->port);
	for (i = 0; i < j->naddr; i++) {
		netaddr_format(
		        (struct sockaddr *)&j->addrs[i], ip, sizeof(ip));
		off += (size_t)snprintf(entry + off, sizeof(entry) - off,
		        j->addrs[i].ss_family == AF_INET6 ? "%s[%s]" : "%s%s",
		        i == 0 ? "" : ",", ip);
	}
	if ((j->resolve = curl_slist_append(NULL, entry)) == NULL) {
		fail_later(j, 0, "out of memory");
		return;
	}
	if (!j->explicit_port && s->cfg.port != 0 && s->cfg.port != 443) {
		snprintf(entry, sizeof(entry), "%s:443::%u", j->host,
		        s->cfg.port);
		if ((j->connect_to = curl_slist_append(NULL, entry)) == NULL) {
			fail_later(j, 0, "out of memory");
			return;
		}
	}
	j->headers = curl_slist_append(
	        NULL, "Content-Type: application/tlsrpt+gzip");
	if (j->headers == NULL || (j->easy = curl_easy_init()) == NULL) {
		fail_later(j, 0, "out of memory");
		return;
	}
	SETOPT(CURLOPT_PRIVATE, (void *)j);
	SETOPT(CURLOPT_ERRORBUFFER, j->errbuf);
	SETOPT(CURLOPT_URL, j->uri);
	SETOPT(CURLOPT_PROTOCOLS_STR, "https");
	SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
	SETOPT(CURLOPT_RESOLVE, j->resolve);
	if (j->connect_to != NULL) {
		SETOPT(CURLOPT_CONNECT_TO, j->connect_to);
	}
	SETOPT(CURLOPT_PROXY, "");
	SETOPT(CURLOPT_CAINFO, s->cfg.ca_file);
	SETOPT(CURLOPT_CAPATH, (char *)NULL);
	SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
	SETOPT(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	SETOPT(CURLOPT_CONNECTTIMEOUT_MS, (long)s->cfg.connect_timeout_ms);
	SETOPT(CURLOPT_TIMEOUT_MS, (long)s->cfg.timeout_ms);
	SETOPT(CURLOPT_NOSIGNAL, 1L);
	SETOPT(CURLOPT_USERAGENT, s->cfg.user_agent);
	SETOPT(CURLOPT_HTTPHEADER, j->headers);
	SETOPT(CURLOPT_WRITEFUNCTION, discard_cb);
	SETOPT(CURLOPT_MAXREDIRS, 0L);
	SETOPT(CURLOPT_POST, 1L);
	SETOPT(CURLOPT_POSTFIELDS, (char *)j->gz);
	SETOPT(CURLOPT_POSTFIELDSIZE, (long)j->gzlen);
	if (curl_multi_add_handle(s->multi, j->easy) != CURLM_OK) {
		fail_later(j, 0, "curl_multi_add_handle failed");
		return;
	}
	j->in_multi = 1;
}

/* ------------------------------------------------------------- smtp --- */

/* smtp_done - the transfer ended (tlsrpt_smtp.c says what it means). */
static void
smtp_done(struct job *j, CURLcode rc)
{
	char why[256];
	int  ok;

	ok = tlsrpt_smtp_result(
	        &j->smtp, rc, j->errbuf, j->s->smtp_url, why, sizeof(why));
	finish(j, ok, why);
}

static void
smtp_start(struct job *j, const struct tlsrpt_send_job *job)
{
	struct tlsrpt_sender    *s = j->s;
	struct tlsrpt_smtp_relay relay;
	char                     to[320], why[256], *msg;
	int                      rc;

	if ((msg = mail_message(j, job, to, sizeof(to))) == NULL) {
		return;
	}
	if ((j->easy = curl_easy_init()) == NULL) {
		free(msg);
		fail_later(j, 0, "out of memory");
		return;
	}
	memset(&relay, 0, sizeof(relay));
	relay.url                = s->smtp_url;
	relay.loopback           = s->smtp_loopback;
	relay.ca_file            = s->cfg.ca_file;
	relay.from               = s->cfg.from;
	relay.connect_timeout_ms = s->cfg.connect_timeout_ms;
	relay.timeout_ms         = MAIL_TIMEOUT_MS;
	if (curl_easy_setopt(j->easy, CURLOPT_PRIVATE, (void *)j) != CURLE_OK
	        || curl_easy_setopt(j->easy, CURLOPT_ERRORBUFFER, j->errbuf)
	                != CURLE_OK) {
		free(msg);
		fail_later(j, 0, "curl_easy_setopt failed");
		return;
	}
	rc = tlsrpt_smtp_setup(
	        &j->smtp, j->easy, &relay, to, msg, why, sizeof(why));
	free(msg);
	if (rc != 0) {
		fail_later(j, 0, why);
		return;
	}
	if (curl_multi_add_handle(s->multi, j->easy) != CURLM_OK) {
		fail_later(j, 0, "curl_multi_add_handle failed");
		return;
	}
	j->in_multi = 1;
}

static void
dns_done(struct job *j, int idx, const struct dns_result *res)
{
	size_t i;
	char   why[128];

	j->q[idx] = NULL;
	if (res->status == DNS_BOGUS || res->status == DNS_TEMPFAIL) {
		snprintf(j->dnswhy, sizeof(j->dnswhy), "%s: DNS %s: %s",
		        j->host, dns_status_name(res->status), res->why);
	}
	for (i = 0; res->status == DNS_FOUND && i < res->nrr; i++) {
		struct sockaddr_storage ss;

		memset(&ss, 0, sizeof(ss));
		if (res->rr[i].type == DNS_T_A) {
			struct sockaddr_in *sin = (void *)&ss;

			sin->sin_family = AF_INET;
			sin->sin_addr   = res->rr[i].u.a;
		} else if (res->rr[i].type == DNS_T_AAAA) {
			struct sockaddr_in6 *sin6 = (void *)&ss;

			sin6->sin6_family = AF_INET6;
			sin6->sin6_addr   = res->rr[i].u.aaaa;
		} else {
			continue;
		}
		if (netaddr_is_special(
		            (struct sockaddr *)&ss, why, sizeof(why))
		        && !j->s->cfg.allow_private) {
			snprintf(j->refused, sizeof(j->refused), "%s", why);
			continue;
		}
		if (j->naddr < MAX_ADDRS) {
			j->addrs[j->naddr++] = ss;
		}
	}
	if (--j->qpending == 0) {
		https_go(j);
	}
}

static void
dns_a_cb(void *arg, const struct dns_result *res)
{
	dns_done(arg, 0, res);
}

static void
dns_aaaa_cb(void *arg, const struct dns_result *res)
{
	dns_done(arg, 1, res);
}

static void
https_start(struct job *j)
{
	CURLU *u      = curl_url();
	char  *scheme = NULL, *host = NULL, *port = NULL, dwhy[128];
	int    ok = 0;

	if (u != NULL && curl_url_set(u, CURLUPART_URL, j->uri, 0) == CURLUE_OK
	        && curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK
	        && strcmp(scheme, "https") == 0
	        && curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		ok = 1;
		if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK) {
			j->port          = atoi(port);
			j->explicit_port = 1;
		} else {
			j->port = 443;
		}
	}
	if (ok
	        && domain_normalize(host, strlen(host), j->host,
	                   sizeof(j->host), dwhy, sizeof(dwhy))
	                != 0) {
		/* an address literal or a non-LDH name: not resolved by us,
		   so not allowed (the SSRF rule needs our resolver) */
		ok = 0;
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	if (!ok) {
		fail_later(j, 1,
		        "https: URI without a DNS host name we can resolve");
		return;
	}
	j->qpending = 2;
	j->q[0]     = dns_lookup(j->s->dns, j->host, DNS_T_A, dns_a_cb, j);
	j->q[1] = dns_lookup(j->s->dns, j->host, DNS_T_AAAA, dns_aaaa_cb, j);
}

void
tlsrpt_send_start(struct tlsrpt_sender *s, const struct tlsrpt_send_job *job,
        tlsrpt_send_cb cb, void *arg)
{
	struct job *j = calloc(1, sizeof(*j));

	if (j == NULL || (j->uri = strdup(job->uri)) == NULL) {
		xdie();
	}
	j->s     = s;
	j->cb    = cb;
	j->arg   = arg;
	j->errfd = -1;
	TAILQ_INSERT_TAIL(&s->jobs, j, entry);
	if (tlsrpt_send_gzip(job->json, job->len, &j->gz, &j->gzlen) != 0) {
		fail_later(j, 0, "gzip failed");
		return;
	}
	if (strncasecmp(job->uri, "mailto:", 7) == 0) {
		if (s->smtp_url != NULL) {
			j->kind = JOB_SMTP;
			smtp_start(j, job);
		} else {
			j->kind = JOB_MAIL;
			mail_start(j, job);
		}
	} else if (strncasecmp(job->uri, "https:", 6) == 0) {
		j->kind = JOB_HTTPS;
		https_start(j);
	} else {
		j->kind = JOB_FAIL;
		fail_later(j, 1, "unsupported URI scheme");
	}
}

struct tlsrpt_sender *
tlsrpt_send_create(struct event_base *base, struct dns *dns,
        const struct tlsrpt_send_config *cfg, char *why, size_t whylen)
{
	struct tlsrpt_sender *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		snprintf(why, whylen, "out of memory");
		return (NULL);
	}
	s->base = base;
	s->dns  = dns;
	s->cfg  = *cfg;
	TAILQ_INIT(&s->jobs);
	s->cfg.ca_file = s->strs[0] = strdup(cfg->ca_file);
	s->cfg.user_agent = s->strs[1] = strdup(cfg->user_agent);
	s->cfg.sendmail = s->strs[2] = strdup(cfg->sendmail);
	s->cfg.from = s->strs[3] = strdup(cfg->from);
	s->cfg.submitter = s->strs[4] = strdup(cfg->submitter);
	s->cfg.org = s->strs[5] = strdup(cfg->org);
	if (s->strs[0] == NULL || s->strs[1] == NULL || s->strs[2] == NULL
	        || s->strs[3] == NULL || s->strs[4] == NULL
	        || s->strs[5] == NULL
	        || (s->multi = curl_multi_init()) == NULL) {
		snprintf(why, whylen, "out of memory");
		tlsrpt_send_free(s);
		return (NULL);
	}
	s->cfg.smtp = NULL; /* cfg's string is not kept: smtp_url is */
	if (cfg->smtp != NULL && cfg->smtp[0] != '\0') {
		char url[1024];

		if (tlsrpt_send_smtp_url(cfg->smtp, cfg->submitter, url,
		            sizeof(url), &s->smtp_loopback, why, whylen)
		        != 0) {
			tlsrpt_send_free(s);
			return (NULL);
		}
		if ((s->smtp_url = strdup(url)) == NULL) {
			snprintf(why, whylen, "out of memory");
			tlsrpt_send_free(s);
			return (NULL);
		}
	}
	if ((s->curlev = curlev_create(
	             base, s->multi, sender_after, s, why, whylen))
	        == NULL) {
		tlsrpt_send_free(s);
		return (NULL);
	}
	return (s);
}

void
tlsrpt_send_free(struct tlsrpt_sender *s)
{
	struct job *j;
	size_t      i;

	if (s == NULL) {
		return;
	}
	while ((j = TAILQ_FIRST(&s->jobs)) != NULL) {
		TAILQ_REMOVE(&s->jobs, j, entry);
		job_free(j);
	}
	if (s->multi != NULL) {
		curl_multi_cleanup(s->multi);
	}
	curlev_free(s->curlev);
	for (i = 0; i < sizeof(s->strs) / sizeof(s->strs[0]); i++) {
		free(s->strs[i]);
	}
	free(s->smtp_url);
	free(s);
}
