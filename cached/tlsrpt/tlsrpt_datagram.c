/*
 * tlsrpt_datagram.c - the libtlsrpt datagram collector (Postfix 3.10+,
 * RFC 8460 §4): the pure datagram parser, and the Unix DATAGRAM socket on
 * the loop that feeds its observations to the TLSRPT store. See
 * tlsrpt_datagram.h for the format.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "log.h"
#include "logrl.h"
#include "tlsrpt/tlsrpt_datagram.h"
#include "tlsrpt/tlsrpt_record.h"
#include "why.h"

#define MAX_STRINGS 64  /* policy-string and mx-host entries per policy */
#define MAX_PENDING 256 /* datagrams waiting for their domain's record */

struct tlsrpt_datagram;

/* a parsed datagram waiting for the daemon's lookup of its domain */
struct pending {
	TAILQ_ENTRY(pending) link;
	struct tlsrpt_datagram *d;
	struct tlsrpt_obs      *obs;
	size_t                  nobs;
};

struct tlsrpt_datagram {
	struct event         *ev;
	int                   fd;
	char                 *path;
	tlsrpt_datagram_sink  sink;
	void                 *arg;
	unsigned char        *buf;
	struct tlsrpt_lookup *lookup;
	TAILQ_HEAD(, pending) pending;
	size_t                          npending;
	struct tlsrpt_datagram_counters counters;
};

/* code_rtype - libtlsrpt failure code to result type, or -1. */
static int
code_rtype(json_int_t c)
{
	switch (c) {
	case 201:
		return (TLSRPT_STARTTLS_NOT_SUPPORTED);
	case 202:
		return (TLSRPT_CERTIFICATE_HOST_MISMATCH);
	case 203:
		return (TLSRPT_CERTIFICATE_NOT_TRUSTED);
	case 204:
		return (TLSRPT_CERTIFICATE_EXPIRED);
	case 205:
		return (TLSRPT_VALIDATION_FAILURE);
	case 301:
		return (TLSRPT_STS_POLICY_FETCH_ERROR);
	case 302:
		return (TLSRPT_STS_POLICY_INVALID);
	case 303:
		return (TLSRPT_STS_WEBPKI_INVALID);
	case 304:
		return (TLSRPT_TLSA_INVALID);
	case 305:
		return (TLSRPT_DNSSEC_INVALID);
	case 306:
		return (TLSRPT_DANE_REQUIRED);
	default:
		return (-1);
	}
}

/* text - optional string member into out; -1 with why when bad. */
static int
text(json_t *o, const char *name, const char *what, char *out, size_t outlen,
        char *why, size_t whylen)
{
	json_t *v = json_object_get(o, name);
	size_t  n;

	out[0] = '\0';
	if (v == NULL || json_is_null(v)) {
		return (0);
	}
	if (!json_is_string(v)) {
		return (why_fail(why, whylen, "%s is not a string", what));
	}
	n = json_string_length(v);
	if (n >= outlen || !tlsrpt_text_ok(json_string_value(v), n)) {
		return (why_fail(why, whylen,
		        "%s too long or holding control characters", what));
	}
	memcpy(out, json_string_value(v), n);
	out[n] = '\0';
	return (0);
}

/* strings - optional array of short printable strings, as JSON text
 * ("[]" when absent). */
static int
strings(json_t *o, const char *name, char **out, char *why, size_t whylen)
{
	json_t *v = json_object_get(o, name), *a, *e;
	size_t  i;

	*out = NULL;
	if (v != NULL && !json_is_null(v) && !json_is_array(v)) {
		return (why_fail(why, whylen, "\"%s\" is not an array", name));
	}
	if (json_array_size(v) > MAX_STRINGS) {
		return (why_fail(why, whylen,
		        "\"%s\" has more than %d entries", name, MAX_STRINGS));
	}
	if ((a = json_array()) == NULL) {
		return (why_fail(why, whylen, "out of memory"));
	}
	json_array_foreach(v, i, e)
	{
		if (!json_is_string(e)
		        || json_string_length(e) > TLSRPT_TEXT_MAX
		        || !tlsrpt_text_ok(
		                json_string_value(e), json_string_length(e))) {
			json_decref(a);
			return (why_fail(why, whylen,
			        "\"%s\"[%zu] is not a short printable string",
			        name, i));
		}
		json_array_append(a, e);
	}
	*out = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return (*out == NULL ? why_fail(why, whylen, "out of memory") : 0);
}

static int
parse_detail(json_t *fd, struct tlsrpt_detail *d, char *why, size_t whylen)
{
	json_t *c = json_object_get(fd, "c");
	int     t;

	if (!json_is_object(fd)) {
		return (why_fail(
		        why, whylen, "failure detail is not an object"));
	}
	if (!json_is_integer(c)
	        || (t = code_rtype(json_integer_value(c))) < 0) {
		return (why_fail(why, whylen,
		        "failure detail without a known code \"c\" (201-205, "
		        "301-306)"));
	}
	d->rtype = (enum tlsrpt_rtype)t;
	if (text(fd, "s", "sending-mta-ip", d->sending_ip,
	            sizeof(d->sending_ip), why, whylen)
	                != 0
	        || text(fd, "r", "receiving-ip", d->receiving_ip,
	                   sizeof(d->receiving_ip), why, whylen)
	                != 0
	        || text(fd, "n", "receiving-mx-hostname", d->mx_host,
	                   sizeof(d->mx_host), why, whylen)
	                != 0
	        || text(fd, "h", "receiving-mx-helo", d->helo, sizeof(d->helo),
	                   why, whylen)
	                != 0
	        || text(fd, "a", "additional-information", d->addinfo,
	                   sizeof(d->addinfo), why, whylen)
	                != 0
	        || text(fd, "f", "failure-reason-code", d->reason,
	                   sizeof(d->reason), why, whylen)
	                != 0) {
		return (-1);
	}
	if ((d->sending_ip[0] != '\0' && !tlsrpt_ip_ok(d->sending_ip))
	        || (d->receiving_ip[0] != '\0'
	                && !tlsrpt_ip_ok(d->receiving_ip))) {
		return (why_fail(why, whylen,
		        "failure detail with an invalid IP address"));
	}
	return (0);
}

static int
parse_policy(json_t *p, const char *domain, const char *rua,
        struct tlsrpt_obs *obs, char *why, size_t whylen)
{
	json_t *pt = json_object_get(p, "policy-type");
	json_t *pd = json_object_get(p, "policy-domain");
	json_t *f  = json_object_get(p, "f");
	json_t *fds, *fd;
	char    dwhy[128];
	size_t  i;

	if (!json_is_object(p)) {
		return (why_fail(why, whylen, "policy is not an object"));
	}
	if (!json_is_integer(pt)) {
		return (why_fail(
		        why, whylen, "policy without \"policy-type\""));
	}
	switch (json_integer_value(pt)) {
	case 1:
		obs->ptype = TLSRPT_PTYPE_TLSA;
		break;
	case 2:
		obs->ptype = TLSRPT_PTYPE_STS;
		break;
	case 9:
		obs->ptype = TLSRPT_PTYPE_NOPOLICY;
		break;
	default:
		return (why_fail(why, whylen, "unknown policy-type %lld",
		        (long long)json_integer_value(pt)));
	}
	snprintf(obs->domain, sizeof(obs->domain), "%s", domain);
	if (pd == NULL || json_is_null(pd)) {
		snprintf(obs->pdomain, sizeof(obs->pdomain), "%s", domain);
	} else if (!json_is_string(pd)
	        || domain_normalize(json_string_value(pd),
	                   json_string_length(pd), obs->pdomain,
	                   sizeof(obs->pdomain), dwhy, sizeof(dwhy))
	                != 0) {
		return (why_fail(why, whylen, "invalid policy-domain"));
	}
	if (!json_is_integer(f)
	        || (json_integer_value(f) != 0
	                && json_integer_value(f) != 1)) {
		return (why_fail(why, whylen,
		        "policy without a final result "
		        "\"f\" of 0 or 1"));
	}
	obs->failed = json_integer_value(f) == 1;
	if (strings(p, "policy-string", &obs->pstr, why, whylen) != 0
	        || strings(p, "mx-host", &obs->mx, why, whylen) != 0) {
		return (-1);
	}
	if ((obs->rua = strdup(rua)) == NULL) {
		return (why_fail(why, whylen, "out of memory"));
	}
	fds = json_object_get(p, "failure-details");
	if (fds != NULL && !json_is_array(fds)) {
		return (why_fail(why, whylen,
		        "\"failure-details\" is not an "
		        "array"));
	}
	if (json_array_size(fds) > TLSRPT_OBS_MAX_DETAILS) {
		return (why_fail(why, whylen, "more than %d failure details",
		        TLSRPT_OBS_MAX_DETAILS));
	}
	json_array_foreach(fds, i, fd)
	{
		if (parse_detail(fd, &obs->detail[i], why, whylen) != 0) {
			return (-1);
		}
		obs->ndetail = i + 1;
	}
	if (!obs->failed) {
		/* a "recoverable failure then success" is a success */
		obs->ndetail = 0;
	}
	/* RFC 8460 §4.4: never an sts/tlsa policy without its strings */
	return (tlsrpt_obs_check(obs, why, whylen));
}

void
tlsrpt_datagram_free_obs(struct tlsrpt_obs *obs, size_t nobs)
{
	size_t i;

	if (obs == NULL) {
		return;
	}
	for (i = 0; i < nobs; i++) {
		tlsrpt_obs_clear(&obs[i]);
	}
	free(obs);
}

int
tlsrpt_datagram_parse(const void *buf, size_t len, struct tlsrpt_obs **out,
        size_t *nout, char *why, size_t whylen)
{
	struct tlsrpt_record rec;
	struct tlsrpt_obs    ruaobs, *obs = NULL;
	json_t              *root, *v, *pr, *pols, *p;
	json_error_t         err;
	char                 domain[DOMAIN_MAX + 1], dwhy[256];
	size_t               i, n = 0;
	int                  rv = -1;

	*out  = NULL;
	*nout = 0;
	memset(&rec, 0, sizeof(rec));
	memset(&ruaobs, 0, sizeof(ruaobs));
	if (len > TLSRPT_DATAGRAM_MAX) {
		return (why_fail(why, whylen, "datagram larger than %d bytes",
		        TLSRPT_DATAGRAM_MAX));
	}
	if ((root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err))
	        == NULL) {
		return (why_fail(why, whylen, "malformed JSON: %s", err.text));
	}
	if (!json_is_object(root)) {
		why_fail(why, whylen, "datagram is not a JSON object");
		goto out;
	}
	v = json_object_get(root, "dpv");
	if (!json_is_string(v) || strcmp(json_string_value(v), "1") != 0) {
		why_fail(why, whylen,
		        "datagram protocol version \"dpv\" is not "
		        "\"1\"");
		goto out;
	}
	v = json_object_get(root, "d");
	if (!json_is_string(v)
	        || domain_normalize(json_string_value(v),
	                   json_string_length(v), domain, sizeof(domain), dwhy,
	                   sizeof(dwhy))
	                != 0) {
		why_fail(why, whylen, "missing or invalid domain \"d\"");
		goto out;
	}
	pr = json_object_get(root, "pr");
	if (!json_is_string(pr)) {
		why_fail(why, whylen, "%s: missing TLSRPT record \"pr\"",
		        domain);
		goto out;
	}
	if (tlsrpt_record_parse(json_string_value(pr), json_string_length(pr),
	            &rec, dwhy, sizeof(dwhy))
	        != TLSRPT_RECORD_OK) {
		why_fail(why, whylen, "%s: TLSRPT record \"pr\": %s", domain,
		        dwhy);
		goto out;
	}
	if (tlsrpt_obs_set_rua(&ruaobs, (const char *const *)rec.rua, rec.nrua)
	        != 0) {
		why_fail(why, whylen, "out of memory");
		goto out;
	}
	pols = json_object_get(root, "policies");
	n    = json_array_size(pols);
	if (!json_is_array(pols) || n == 0) {
		why_fail(why, whylen, "%s: no \"policies\"", domain);
		goto out;
	}
	if (n > TLSRPT_DATAGRAM_MAX_POLICIES) {
		why_fail(why, whylen, "%s: more than %d policies", domain,
		        TLSRPT_DATAGRAM_MAX_POLICIES);
		goto out;
	}
	if ((obs = calloc(n, sizeof(*obs))) == NULL) {
		why_fail(why, whylen, "out of memory");
		goto out;
	}
	json_array_foreach(pols, i, p)
	{
		if (parse_policy(
		            p, domain, ruaobs.rua, &obs[i], dwhy, sizeof(dwhy))
		        != 0) {
			why_fail(why, whylen, "%s: policy %zu: %s", domain, i,
			        dwhy);
			goto out;
		}
	}
	*out  = obs;
	*nout = n;
	obs   = NULL;
	rv    = 0;
out:
	tlsrpt_datagram_free_obs(obs, n);
	tlsrpt_obs_clear(&ruaobs);
	tlsrpt_record_clear(&rec);
	json_decref(root);
	return (rv);
}

/* ------------------------------------------------------------ collector */

int
tlsrpt_datagram_apply(struct tlsrpt_obs *obs, size_t nobs,
        const struct tlsrpt_answer *a, char *why, size_t whylen)
{
	struct tlsrpt_obs own;
	char             *theirs = NULL;
	size_t            i;
	int               rv = 0;

	if (nobs == 0) {
		return (0);
	}
	if (a->status == TLSRPT_LOOKUP_TEMPFAIL) {
		return (why_fail(why, whylen,
		        "%s: its TLSRPT record cannot be looked up now (%s): "
		        "not counted",
		        obs[0].domain, a->why));
	}
	if (a->status != TLSRPT_LOOKUP_FOUND || a->rec == NULL) {
		return (why_fail(why, whylen,
		        "%s: no TLSRPT record of its own (_smtp._tls.%s): "
		        "not counted",
		        obs[0].domain, obs[0].domain));
	}
	memset(&own, 0, sizeof(own));
	if (tlsrpt_obs_set_rua(
	            &own, (const char *const *)a->rec->rua, a->rec->nrua)
	        != 0) {
		return (why_fail(why, whylen, "out of memory"));
	}
	for (i = 0; i < nobs && rv >= 0; i++) {
		if (obs[i].rua != NULL && strcmp(obs[i].rua, own.rua) == 0) {
			continue;
		}
		if (theirs == NULL && obs[i].rua != NULL) {
			theirs = strdup(obs[i].rua);
		}
		free(obs[i].rua);
		if ((obs[i].rua = strdup(own.rua)) == NULL) {
			rv = why_fail(why, whylen, "out of memory");
			break;
		}
		rv = 1;
	}
	if (rv == 1) {
		snprintf(why, whylen,
		        "%s: the datagram's TLSRPT record \"pr\" names %s, "
		        "the domain's own record %s: counted under the "
		        "domain's own",
		        obs[0].domain, theirs != NULL ? theirs : "?", own.rua);
	}
	free(theirs);
	tlsrpt_obs_clear(&own);
	return (rv);
}

/* feed - count a datagram's observations (their rua the daemon's). */
static void
feed(struct tlsrpt_datagram *d, const struct tlsrpt_obs *obs, size_t nobs)
{
	char   why[512];
	size_t i;

	for (i = 0; i < nobs; i++) {
		if (d->sink == NULL) {
			snprintf(why, sizeof(why), "no TLSRPT store yet");
		}
		if (d->sink == NULL
		        || d->sink(d->arg, &obs[i], why, sizeof(why)) != 0) {
			d->counters.store_failed++;
			log_err_rl("MXTLS-TLSRPT-DATAGRAM-STORE", "%s: %s",
			        obs[i].domain, why);
		}
	}
}

/* record_cb - the daemon's answer for a pending datagram's domain. */
static void
record_cb(void *arg, const struct tlsrpt_answer *a)
{
	struct pending         *p = arg;
	struct tlsrpt_datagram *d = p->d;
	char                    why[1024];

	TAILQ_REMOVE(&d->pending, p, link);
	d->npending--;
	switch (tlsrpt_datagram_apply(p->obs, p->nobs, a, why, sizeof(why))) {
	case 1:
		d->counters.rua_replaced++;
		log_warn_rl("MXTLS-TLSRPT-DATAGRAM-RUA", "%s", why);
		/* FALLTHROUGH */
	case 0:
		feed(d, p->obs, p->nobs);
		break;
	default:
		d->counters.unreported++;
		log_info_rl("MXTLS-TLSRPT-DATAGRAM-NOT-COUNTED", "%s", why);
		break;
	}
	tlsrpt_datagram_free_obs(p->obs, p->nobs);
	free(p);
}

static void
handle(struct tlsrpt_datagram *d, const unsigned char *buf, size_t len)
{
	struct tlsrpt_obs *obs;
	struct pending    *p;
	size_t             nobs;
	char               why[512], domain[DOMAIN_MAX + 1];

	d->counters.received++;
	if (tlsrpt_datagram_parse(buf, len, &obs, &nobs, why, sizeof(why))
	        != 0) {
		d->counters.invalid++;
		log_warn_rl("MXTLS-TLSRPT-DATAGRAM-INVALID", "%s", why);
		return;
	}
	if (d->lookup == NULL || d->npending >= MAX_PENDING
	        || (p = calloc(1, sizeof(*p))) == NULL) {
		d->counters.unreported++;
		log_warn_rl("MXTLS-TLSRPT-DATAGRAM-NOT-COUNTED",
		        "%s: %s: not counted", obs[0].domain,
		        d->lookup == NULL ? "no TLSRPT record lookups yet"
		                          : "too many datagrams waiting for "
		                            "their domain's TLSRPT record");
		tlsrpt_datagram_free_obs(obs, nobs);
		return;
	}
	p->d    = d;
	p->obs  = obs;
	p->nobs = nobs;
	TAILQ_INSERT_TAIL(&d->pending, p, link);
	d->npending++;
	/* the callback may run now (a memo hit) and free obs */
	snprintf(domain, sizeof(domain), "%s", obs[0].domain);
	tlsrpt_lookup_start(d->lookup, domain, record_cb, p);
}

static void
read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tlsrpt_datagram *d = arg;
	ssize_t                 n;
	int                     i;

	(void)what;
	for (i = 0; i < 64; i++) {
		n = recv(fd, d->buf, TLSRPT_DATAGRAM_MAX + 1,
		        MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK
			        && errno != EINTR) {
				log_warn_rl("MXTLS-TLSRPT-DATAGRAM-RECV",
				        "%s: %s", d->path, strerror(errno));
			}
			return;
		}
		if ((size_t)n > TLSRPT_DATAGRAM_MAX) {
			d->counters.received++;
			d->counters.invalid++;
			log_warn_rl("MXTLS-TLSRPT-DATAGRAM-INVALID",
			        "datagram of %zd bytes (over %d) dropped", n,
			        TLSRPT_DATAGRAM_MAX);
			continue;
		}
		handle(d, d->buf, (size_t)n);
	}
}

struct tlsrpt_datagram *
tlsrpt_datagram_open(struct event_base *base, const char *path, int mode,
        tlsrpt_datagram_sink sink, void *arg, char *why, size_t whylen)
{
	struct tlsrpt_datagram *d;
	struct sockaddr_un      sun;
	struct stat             sb;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		why_fail(why, whylen, "%s: path too long for a socket", path);
		return (NULL);
	}
	memcpy(sun.sun_path, path, strlen(path));
	if ((d = calloc(1, sizeof(*d))) == NULL
	        || (d->path = strdup(path)) == NULL
	        || (d->buf = malloc(TLSRPT_DATAGRAM_MAX + 1)) == NULL) {
		why_fail(why, whylen, "out of memory");
		goto fail;
	}
	d->fd = -1;
	TAILQ_INIT(&d->pending);
	d->sink = sink;
	d->arg  = arg;
	if (lstat(path, &sb) == 0) {
		if (!S_ISSOCK(sb.st_mode)) {
			why_fail(why, whylen, "%s: exists and is not a socket",
			        path);
			goto fail;
		}
		unlink(path);
	}
	d->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (d->fd < 0
	        || bind(d->fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		why_fail(why, whylen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (chmod(path, (mode_t)mode) != 0) {
		why_fail(why, whylen, "chmod %s: %s", path, strerror(errno));
		goto fail;
	}
	if ((d->ev = event_new(base, d->fd, EV_READ | EV_PERSIST, read_cb, d))
	                == NULL
	        || event_add(d->ev, NULL) != 0) {
		why_fail(why, whylen, "event_new failed");
		goto fail;
	}
	log_info("MXTLS-TLSRPT-DATAGRAM-LISTEN",
	        "collecting TLSRPT datagrams on %s", path);
	return (d);
fail:
	tlsrpt_datagram_close(d);
	return (NULL);
}

void
tlsrpt_datagram_set_sink(
        struct tlsrpt_datagram *d, tlsrpt_datagram_sink sink, void *arg)
{
	d->sink = sink;
	d->arg  = arg;
}

void
tlsrpt_datagram_set_lookup(
        struct tlsrpt_datagram *d, struct tlsrpt_lookup *lookup)
{
	d->lookup = lookup;
}

const struct tlsrpt_datagram_counters *
tlsrpt_datagram_counters_get(const struct tlsrpt_datagram *d)
{
	return (&d->counters);
}

void
tlsrpt_datagram_close(struct tlsrpt_datagram *d)
{
	struct pending *p;

	if (d == NULL) {
		return;
	}
	/* closed at shutdown, the loop stopped: their lookups never call
	 * back (tlsrpt_lookup_free drops them without callbacks) */
	while ((p = TAILQ_FIRST(&d->pending)) != NULL) {
		TAILQ_REMOVE(&d->pending, p, link);
		tlsrpt_datagram_free_obs(p->obs, p->nobs);
		free(p);
	}
	if (d->ev != NULL) {
		event_free(d->ev);
	}
	if (d->fd >= 0) {
		close(d->fd);
		if (d->path != NULL) {
			unlink(d->path);
		}
	}
	free(d->buf);
	free(d->path);
	free(d);
}
