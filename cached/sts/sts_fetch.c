/*
 * sts_fetch.c - HTTPS GET of https://mta-sts.<domain>/.well-known/mta-sts.txt
 * with the libcurl multi-socket API on the caller's libevent loop
 * (RFC 8461 §3.3), following curl's hiperfifo example.
 *
 * One CURLM per fetcher, driven by util/curlev.c: libcurl tells it which
 * sockets to watch (one libevent event per socket) and when to wake it (one
 * libevent timer); curl_multi_socket_action runs from those events only,
 * then fetcher_after reads the CURLMSG_DONE messages and runs the
 * callbacks. Callbacks therefore never run from inside
 * sts_fetch_start or from inside libcurl.
 *
 * Address pinning: every fetch gets its own CURLSH sharing only the DNS
 * cache, filled with CURLOPT_RESOLVE "mta-sts.<domain>:<port>:<addrs>".
 * libcurl finds the name in that cache and never starts a lookup of its own;
 * the entries die with the fetch, so fetches of one domain with different
 * addresses cannot see each other's entries and the cache does not grow.
 * For a port other than 443 (tests), CURLOPT_CONNECT_TO
 * "mta-sts.<domain>:443::<port>" redirects the connection while the URL,
 * Host header, SNI and certificate name check stay mta-sts.<domain>.
 *
 * Re-entrancy: a callback may start fetches, cancel any other fetch, or free
 * the fetcher. The fetcher counts how deep it is in its own dispatch loop
 * and postpones its own free to the end of that loop.
 *
 * Ownership: the fetcher owns its fetches; a fetch is freed by
 * sts_fetch_cancel, by sts_fetch_free, or right after its callback returns.
 * The result (and its body) belongs to the fetch and is valid during the
 * callback only.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "log.h"
#include "sts/sts_fetch.h"
#include "sts/sts_fetch_result.h"
#include "util/curlev.h"
#include "util/metrics.h"

#define STS_FETCH_BODY_MAX 65536
#define STS_FETCH_ADDR_MAX 16
#define STS_FETCH_HOST_MAX 253
#define STS_FETCH_UA       "mxtls"
#define STS_FETCH_PATH     "/.well-known/mta-sts.txt"
#define STS_FETCH_PREFIX   "mta-sts."

enum fetch_state {
	FETCH_LIVE = 0,  /* in f->live, owned by the fetcher */
	FETCH_DELIVERING /* unlinked; its callback is running */
};

struct sts_fetch {
	TAILQ_ENTRY(sts_fetch) entry;
	struct sts_fetcher   *f;
	enum fetch_state      state;
	CURL                 *easy;
	CURLSH               *share;
	int                   in_multi;
	struct curl_slist    *resolve;
	struct curl_slist    *connect_to;
	struct event         *fail_ev; /* set: deliver fail_status later */
	enum sts_fetch_status fail_status;
	char                  fail_why[256];
	sts_fetch_cb          cb;
	void                 *arg;
	char                  host[STS_FETCH_HOST_MAX + 1];
	char                 *buf;
	size_t                len;
	size_t                cap;
	double                t0;      /* started (metrics_now) */
	int                   checked; /* headers in, status/type looked at */
	int                   too_big;
	int                   nomem;
	char                  errbuf[CURL_ERROR_SIZE];
};

struct sts_fetcher {
	struct event_base *base;
	CURLM             *multi;
	struct curlev     *curlev; /* multi on base */
	char              *ca_file;
	char              *user_agent;
	long               connect_timeout_ms;
	long               timeout_ms;
	long               low_speed_limit;
	long               low_speed_time;
	size_t             max_body;
	unsigned           port;
	int                busy;         /* depth of our dispatch loops */
	int                free_pending; /* sts_fetch_free ran while busy */
	TAILQ_HEAD(, sts_fetch) live;
};

/* sanitize - make s safe for a log line: printable ASCII only. */
static void
sanitize(char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e) {
			*s = '?';
		}
	}
}

/* host_ok - hostname we may put into a URL and a CURLOPT_RESOLVE entry. */
static int
host_ok(const char *domain)
{
	const char *p;

	if (*domain == '\0' || *domain == '.') {
		return (0);
	}
	for (p = domain; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
		            || (*p >= '0' && *p <= '9') || *p == '-'
		            || *p == '.')) {
			return (0);
		}
	}
	return (strlen(domain)
	        <= STS_FETCH_HOST_MAX - strlen(STS_FETCH_PREFIX));
}

/*
 * pin_entries - build the CURLOPT_RESOLVE (and for port != 443
 * CURLOPT_CONNECT_TO) lists of fetch. 0, or -1 with fail_why set.
 */
static int
pin_entries(struct sts_fetch *fetch, unsigned port,
        const struct sockaddr_storage *addrs, size_t naddr)
{
	char   entry[STS_FETCH_HOST_MAX + 16
                + (INET6_ADDRSTRLEN + 3) * STS_FETCH_ADDR_MAX];
	char   ip[INET6_ADDRSTRLEN];
	size_t i, off;
	int    n;

	n   = snprintf(entry, sizeof(entry), "%s:%u:", fetch->host, port);
	off = (size_t)n;
	for (i = 0; i < naddr; i++) {
		const struct sockaddr_storage *ss  = &addrs[i];
		const char                    *sep = i == 0 ? "" : ",";

		if (ss->ss_family == AF_INET) {
			const struct sockaddr_in *sin = (const void *)ss;

			inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
			n = snprintf(entry + off, sizeof(entry) - off, "%s%s",
			        sep, ip);
		} else if (ss->ss_family == AF_INET6) {
			const struct sockaddr_in6 *sin6 = (const void *)ss;

			inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof(ip));
			n = snprintf(entry + off, sizeof(entry) - off,
			        "%s[%s]", sep, ip);
		} else {
			snprintf(fetch->fail_why, sizeof(fetch->fail_why),
			        "address %zu: unsupported family %d", i,
			        (int)ss->ss_family);
			return (-1);
		}
		off += (size_t)n;
	}
	if ((fetch->resolve = curl_slist_append(NULL, entry)) == NULL) {
		goto nomem;
	}
	if (port != 443) {
		snprintf(
		        entry, sizeof(entry), "%s:443::%u", fetch->host, port);
		fetch->connect_to = curl_slist_append(NULL, entry);
		if (fetch->connect_to == NULL) {
			goto nomem;
		}
	}
	return (0);
nomem:
	snprintf(fetch->fail_why, sizeof(fetch->fail_why), "out of memory");
	return (-1);
}

/* write_cb - collect the body; abort on a bad response or over the cap. */
static size_t
write_cb(char *data, size_t size, size_t nmemb, void *userp)
{
	struct sts_fetch *fetch = userp;
	size_t            n     = size * nmemb;
	size_t            max   = fetch->f->max_body;

	if (!fetch->checked) {
		long        code = 0;
		const char *ct   = NULL;

		fetch->checked = 1;
		curl_easy_getinfo(fetch->easy, CURLINFO_RESPONSE_CODE, &code);
		curl_easy_getinfo(fetch->easy, CURLINFO_CONTENT_TYPE, &ct);
		if (code != 200 || !sts_fetch_content_type_ok(ct)) {
			/* no use reading the rest; see map_result */
			return (0);
		}
	}
	if (n > max - fetch->len) {
		fetch->too_big = 1;
		return (0);
	}
	if (fetch->len + n > fetch->cap) {
		size_t ncap = fetch->cap == 0 ? 4096 : fetch->cap;
		char  *nbuf;

		while (ncap < fetch->len + n) {
			ncap *= 2;
		}
		if (ncap > max) {
			ncap = max;
		}
		if ((nbuf = realloc(fetch->buf, ncap)) == NULL) {
			fetch->nomem = 1;
			return (0);
		}
		fetch->buf = nbuf;
		fetch->cap = ncap;
	}
	memcpy(fetch->buf + fetch->len, data, n);
	fetch->len += n;
	return (n);
}

/* map_result - the sts_fetch_result of a finished transfer. */
static void
map_result(struct sts_fetch *fetch, CURLcode rc, struct sts_fetch_result *res)
{
	struct sts_fetch_transfer t;

	memset(&t, 0, sizeof(t));
	curl_easy_getinfo(fetch->easy, CURLINFO_RESPONSE_CODE, &t.http_code);
	curl_easy_getinfo(fetch->easy, CURLINFO_CONTENT_TYPE, &t.content_type);
	t.header_seen = fetch->checked;
	t.too_big     = fetch->too_big;
	t.nomem       = fetch->nomem;
	t.max_body    = fetch->f->max_body;
	t.errbuf      = fetch->errbuf;
	t.body        = fetch->buf != NULL ? fetch->buf : "";
	t.len         = fetch->len;
	sts_fetch_result_map(&t, rc, res);
}

/* fetch_destroy - detach fetch from libcurl and libevent, and free it. */
static void
fetch_destroy(struct sts_fetch *fetch)
{
	if (fetch->easy != NULL) {
		if (fetch->in_multi) {
			curl_multi_remove_handle(fetch->f->multi, fetch->easy);
		}
		curl_easy_cleanup(fetch->easy);
	}
	if (fetch->share != NULL) {
		curl_share_cleanup(fetch->share);
	}
	if (fetch->fail_ev != NULL) {
		event_free(fetch->fail_ev);
	}
	curl_slist_free_all(fetch->resolve);
	curl_slist_free_all(fetch->connect_to);
	free(fetch->buf);
	free(fetch);
}

static void
fetcher_destroy(struct sts_fetcher *f)
{
	if (f->multi != NULL) {
		curl_multi_cleanup(f->multi);
	}
	curlev_free(f->curlev);
	free(f->ca_file);
	free(f->user_agent);
	free(f);
	curl_global_cleanup();
}

/*
 * deliver - unlink fetch, run its callback and free it. The caller must
 * hold f->busy.
 */
static void
deliver(struct sts_fetch *fetch, const struct sts_fetch_result *res)
{
	struct sts_fetcher *f = fetch->f;

	TAILQ_REMOVE(&f->live, fetch, entry);
	fetch->state = FETCH_DELIVERING;
	metrics_observe(
	        M_POLICY_FETCH_SECONDS, 0, 0, metrics_now() - fetch->t0);
	if (res->status == STS_FETCH_OK) {
		log_debug("MXTLS-STS-FETCH-DONE", "%s: ok, %zu bytes",
		        fetch->host, res->len);
	} else {
		log_debug("MXTLS-STS-FETCH-DONE", "%s: %s: %s", fetch->host,
		        sts_fetch_status_name(res->status), res->why);
	}
	fetch->cb(fetch->arg, res);
	fetch_destroy(fetch);
}

/* leave - end of a dispatch: free the fetcher if asked to meanwhile. */
static void
leave(struct sts_fetcher *f)
{
	if (--f->busy == 0 && f->free_pending) {
		fetcher_destroy(f);
	}
}

/* check_done - deliver every finished transfer. Holds f->busy. */
static void
check_done(struct sts_fetcher *f)
{
	CURLMsg *msg;
	int      left;

	while (!f->free_pending
	        && (msg = curl_multi_info_read(f->multi, &left)) != NULL) {
		struct sts_fetch       *fetch;
		struct sts_fetch_result res;
		CURLcode                rc;
		char                   *priv = NULL;

		if (msg->msg != CURLMSG_DONE) {
			continue;
		}
		rc = msg->data.result;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
		fetch = (struct sts_fetch *)(void *)priv;
		/* msg is invalid once the handle leaves the multi */
		curl_multi_remove_handle(f->multi, fetch->easy);
		fetch->in_multi = 0;
		memset(&res, 0, sizeof(res));
		map_result(fetch, rc, &res);
		sanitize(res.why);
		deliver(fetch, &res);
	}
}

/* fetcher_after - after libcurl acted on a socket or the timer (curlev.c):
 * deliver what finished; the fetcher may be freed on the way out. */
static void
fetcher_after(void *arg)
{
	struct sts_fetcher *f = arg;

	f->busy++;
	check_done(f);
	leave(f);
}

struct sts_fetcher *
sts_fetch_create(struct event_base *base, const struct sts_fetch_config *cfg,
        char *why, size_t whylen)
{
	struct sts_fetcher *f;

	if (cfg->ca_file == NULL || cfg->ca_file[0] == '\0') {
		snprintf(why, whylen, "no CA file configured");
		return (NULL);
	}
	if (cfg->max_body > STS_FETCH_BODY_MAX) {
		snprintf(why, whylen, "max_body %zu over the limit of %d",
		        cfg->max_body, STS_FETCH_BODY_MAX);
		return (NULL);
	}
	if (cfg->timeout_ms == 0) {
		snprintf(why, whylen, "timeout_ms must not be 0");
		return (NULL);
	}
	if (cfg->port > 65535) {
		snprintf(why, whylen, "port %u out of range", cfg->port);
		return (NULL);
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(why, whylen, "curl_global_init failed");
		return (NULL);
	}
	if ((f = calloc(1, sizeof(*f))) == NULL) {
		curl_global_cleanup();
		snprintf(why, whylen, "out of memory");
		return (NULL);
	}
	f->base = base;
	TAILQ_INIT(&f->live);
	f->connect_timeout_ms = (long)cfg->connect_timeout_ms;
	f->timeout_ms         = (long)cfg->timeout_ms;
	f->low_speed_limit    = (long)cfg->low_speed_limit;
	f->low_speed_time     = (long)cfg->low_speed_time;
	f->max_body = cfg->max_body == 0 ? STS_FETCH_BODY_MAX : cfg->max_body;
	f->port     = cfg->port == 0 ? 443 : cfg->port;
	f->ca_file  = strdup(cfg->ca_file);
	f->user_agent = strdup(
	        cfg->user_agent != NULL ? cfg->user_agent : STS_FETCH_UA);
	if (f->ca_file == NULL || f->user_agent == NULL) {
		snprintf(why, whylen, "out of memory");
		goto fail;
	}
	if ((f->multi = curl_multi_init()) == NULL) {
		snprintf(why, whylen, "curl_multi_init failed");
		goto fail;
	}
	if ((f->curlev = curlev_create(
	             base, f->multi, fetcher_after, f, why, whylen))
	        == NULL) {
		goto fail;
	}
	if (curl_multi_setopt(f->multi, CURLMOPT_MAXCONNECTS, 8L)
	        != CURLM_OK) {
		snprintf(why, whylen, "curl_multi_setopt failed");
		goto fail;
	}
	return (f);
fail:
	fetcher_destroy(f);
	return (NULL);
}

void
sts_fetch_free(struct sts_fetcher *f)
{
	struct sts_fetch *fetch;

	if (f == NULL || f->free_pending) {
		return;
	}
	while ((fetch = TAILQ_FIRST(&f->live)) != NULL) {
		TAILQ_REMOVE(&f->live, fetch, entry);
		fetch_destroy(fetch);
	}
	if (f->busy > 0) {
		/* inside our dispatch loop: it frees f on the way out */
		f->free_pending = 1;
		return;
	}
	fetcher_destroy(f);
}

/* fail_event_cb - deliver a failure found by sts_fetch_start. */
static void
fail_event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sts_fetch       *fetch = arg;
	struct sts_fetcher     *f     = fetch->f;
	struct sts_fetch_result res;

	(void)fd;
	(void)what;
	memset(&res, 0, sizeof(res));
	res.status = fetch->fail_status;
	snprintf(res.why, sizeof(res.why), "%s", fetch->fail_why);
	sanitize(res.why);
	f->busy++;
	deliver(fetch, &res);
	leave(f);
}

#define SETOPT(opt, val)                                                      \
	do {                                                                  \
		if (curl_easy_setopt(fetch->easy, (opt), (val))               \
		        != CURLE_OK) {                                        \
			snprintf(fetch->fail_why, sizeof(fetch->fail_why),    \
			        "curl_easy_setopt(%s) failed", #opt);         \
			return (-1);                                          \
		}                                                             \
	} while (0)

/* setup - the easy handle of fetch. 0, or -1 with fail_why set. */
static int
setup(struct sts_fetch *fetch, const struct sockaddr_storage *addrs,
        size_t naddr)
{
	struct sts_fetcher *f = fetch->f;
	char                url[STS_FETCH_HOST_MAX + 64];

	if (pin_entries(fetch, f->port, addrs, naddr) != 0) {
		return (-1);
	}
	if ((fetch->share = curl_share_init()) == NULL
	        || curl_share_setopt(
	                   fetch->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS)
	                != CURLSHE_OK) {
		snprintf(fetch->fail_why, sizeof(fetch->fail_why),
		        "curl_share_init failed");
		return (-1);
	}
	if ((fetch->easy = curl_easy_init()) == NULL) {
		snprintf(fetch->fail_why, sizeof(fetch->fail_why),
		        "curl_easy_init failed");
		return (-1);
	}
	snprintf(
	        url, sizeof(url), "https://%s%s", fetch->host, STS_FETCH_PATH);
	SETOPT(CURLOPT_PRIVATE, (void *)fetch);
	SETOPT(CURLOPT_ERRORBUFFER, fetch->errbuf);
	SETOPT(CURLOPT_URL, url);
	SETOPT(CURLOPT_PROTOCOLS_STR, "https");
	SETOPT(CURLOPT_REDIR_PROTOCOLS_STR, "https");
	SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
	SETOPT(CURLOPT_SHARE, fetch->share);
	SETOPT(CURLOPT_RESOLVE, fetch->resolve);
	if (fetch->connect_to != NULL) {
		SETOPT(CURLOPT_CONNECT_TO, fetch->connect_to);
	}
	SETOPT(CURLOPT_PROXY, "");
	SETOPT(CURLOPT_CAINFO, f->ca_file);
#if LIBCURL_VERSION_NUM >= 0x075700
	/* parse the CA file once a minute, not per fetch (libcurl >= 7.87) */
	SETOPT(CURLOPT_CA_CACHE_TIMEOUT, 60L);
#endif
	/* a policy host is fetched once per max_age: an idle connection kept
	 * for reuse would only cost memory and libcurl's per-transfer walk of
	 * its connection cache (docs/BENCHMARKS.md) */
	SETOPT(CURLOPT_FORBID_REUSE, 1L);
	SETOPT(CURLOPT_CAPATH, (char *)NULL);
	SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
	SETOPT(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	SETOPT(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	SETOPT(CURLOPT_CONNECTTIMEOUT_MS, f->connect_timeout_ms);
	SETOPT(CURLOPT_TIMEOUT_MS, f->timeout_ms);
	SETOPT(CURLOPT_LOW_SPEED_LIMIT, f->low_speed_limit);
	SETOPT(CURLOPT_LOW_SPEED_TIME, f->low_speed_time);
	SETOPT(CURLOPT_NOSIGNAL, 1L);
	SETOPT(CURLOPT_USERAGENT, f->user_agent);
	SETOPT(CURLOPT_MAXFILESIZE, (long)f->max_body);
	SETOPT(CURLOPT_WRITEFUNCTION, write_cb);
	SETOPT(CURLOPT_WRITEDATA, (void *)fetch);
	return (0);
}

struct sts_fetch *
sts_fetch_start(struct sts_fetcher *f, const char *domain,
        const struct sockaddr_storage *addrs, size_t naddr, sts_fetch_cb cb,
        void *arg)
{
	struct sts_fetch *fetch;
	struct timeval    now = { 0, 0 };

	if (f->free_pending || (fetch = calloc(1, sizeof(*fetch))) == NULL) {
		return (NULL);
	}
	fetch->f     = f;
	fetch->cb    = cb;
	fetch->arg   = arg;
	fetch->state = FETCH_LIVE;
	fetch->t0    = metrics_now();
	snprintf(fetch->host, sizeof(fetch->host), "%s%.*s", STS_FETCH_PREFIX,
	        (int)(sizeof(fetch->host) - sizeof(STS_FETCH_PREFIX)), domain);
	if (!host_ok(domain)) {
		sanitize(fetch->host);
		snprintf(fetch->fail_why, sizeof(fetch->fail_why),
		        "invalid domain \"%.64s\"", domain);
		goto fail;
	}
	if (naddr == 0 || naddr > STS_FETCH_ADDR_MAX) {
		snprintf(fetch->fail_why, sizeof(fetch->fail_why),
		        "%zu addresses given (1 to %d allowed)", naddr,
		        STS_FETCH_ADDR_MAX);
		goto fail;
	}
	if (setup(fetch, addrs, naddr) != 0) {
		goto fail;
	}
	/* libcurl arms our timer; the transfer starts from the loop */
	if (curl_multi_add_handle(f->multi, fetch->easy) != CURLM_OK) {
		snprintf(fetch->fail_why, sizeof(fetch->fail_why),
		        "curl_multi_add_handle failed");
		goto fail;
	}
	fetch->in_multi = 1;
	TAILQ_INSERT_TAIL(&f->live, fetch, entry);
	log_debug("MXTLS-STS-FETCH-START", "%s", fetch->host);
	return (fetch);
fail:
	/* report through the loop: never call back from here */
	fetch->fail_status = STS_FETCH_ERROR;
	if ((fetch->fail_ev = evtimer_new(f->base, fail_event_cb, fetch))
	                == NULL
	        || evtimer_add(fetch->fail_ev, &now) != 0) {
		fetch_destroy(fetch);
		return (NULL);
	}
	TAILQ_INSERT_TAIL(&f->live, fetch, entry);
	return (fetch);
}

void
sts_fetch_cancel(struct sts_fetch *fetch)
{
	if (fetch == NULL || fetch->state != FETCH_LIVE) {
		/* its own callback is running: freed when it returns */
		return;
	}
	TAILQ_REMOVE(&fetch->f->live, fetch, entry);
	fetch_destroy(fetch);
}

void
sts_fetch_set_limits(struct sts_fetcher *f, const struct sts_fetch_config *cfg)
{
	if (cfg->timeout_ms == 0) {
		return;
	}
	f->connect_timeout_ms = (long)cfg->connect_timeout_ms;
	f->timeout_ms         = (long)cfg->timeout_ms;
	f->low_speed_limit    = (long)cfg->low_speed_limit;
	f->low_speed_time     = (long)cfg->low_speed_time;
}
