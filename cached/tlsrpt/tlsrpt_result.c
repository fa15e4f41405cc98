/*
 * tlsrpt_result.c - validation of the IPC "result" request (docs/IPC.md)
 * and its conversion into a TLSRPT observation (RFC 8460 §4.3, §4.4).
 * Pure: no I/O, no globals; fuzzed by tests/fuzz/fuzz_tlsrpt_result.c.
 *
 * The policy of an observation comes from the daemon's own decision for the
 * domain (the "policy" reply the MTA acted on), so an MTA need not repeat
 * it: for "sts" the policy lines (RFC 8460 §4.4 policy-string: "version",
 * "mode", every "mx", "max_age", rebuilt in policy order from the parsed
 * policy) and the mx patterns; for "tlsa" the host's usable TLSA records in
 * presentation form ("3 1 1 <hex>") and the host as mx-host; for
 * "no-policy-found" neither.
 *
 * The policy type a client names (what its MTA applied) is taken only
 * when the decision has that policy's strings (RFC 8460 §4.4); otherwise
 * the result is not counted, with the reason. A "success" under an sts
 * policy with an MX host that matches none of its mx patterns failed the
 * policy (RFC 8461 §4.1; OpenSMTPD does not check the patterns) and is
 * counted as a validation-failure.
 */
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sts/sts_policy.h"
#include "tlsrpt/tlsrpt_result.h"
#include "why.h"

static const char *const ptype_names[] = {
	[TLSRPT_PTYPE_UNSET]    = "",
	[TLSRPT_PTYPE_TLSA]     = "tlsa",
	[TLSRPT_PTYPE_STS]      = "sts",
	[TLSRPT_PTYPE_NOPOLICY] = "no-policy-found",
};

static const char *const rtype_names[] = {
	[TLSRPT_SUCCESS]                   = "success",
	[TLSRPT_STARTTLS_NOT_SUPPORTED]    = "starttls-not-supported",
	[TLSRPT_CERTIFICATE_HOST_MISMATCH] = "certificate-host-mismatch",
	[TLSRPT_CERTIFICATE_EXPIRED]       = "certificate-expired",
	[TLSRPT_CERTIFICATE_NOT_TRUSTED]   = "certificate-not-trusted",
	[TLSRPT_VALIDATION_FAILURE]        = "validation-failure",
	[TLSRPT_TLSA_INVALID]              = "tlsa-invalid",
	[TLSRPT_DNSSEC_INVALID]            = "dnssec-invalid",
	[TLSRPT_DANE_REQUIRED]             = "dane-required",
	[TLSRPT_STS_POLICY_FETCH_ERROR]    = "sts-policy-fetch-error",
	[TLSRPT_STS_POLICY_INVALID]        = "sts-policy-invalid",
	[TLSRPT_STS_WEBPKI_INVALID]        = "sts-webpki-invalid",
};

const char *
tlsrpt_ptype_name(enum tlsrpt_ptype t)
{
	if ((unsigned)t >= sizeof(ptype_names) / sizeof(ptype_names[0])) {
		return ("?");
	}
	return (ptype_names[t]);
}

int
tlsrpt_ptype_parse(const char *s)
{
	int i;

	for (i = TLSRPT_PTYPE_TLSA; i <= TLSRPT_PTYPE_NOPOLICY; i++) {
		if (strcmp(s, ptype_names[i]) == 0) {
			return (i);
		}
	}
	return (-1);
}

const char *
tlsrpt_rtype_name(enum tlsrpt_rtype t)
{
	if ((unsigned)t >= TLSRPT_RTYPE_COUNT) {
		return ("?");
	}
	return (rtype_names[t]);
}

int
tlsrpt_rtype_parse(const char *s)
{
	int i;

	for (i = 0; i < TLSRPT_RTYPE_COUNT; i++) {
		if (strcmp(s, rtype_names[i]) == 0) {
			return (i);
		}
	}
	return (-1);
}

int
tlsrpt_text_ok(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f) {
			return (0);
		}
	}
	return (1);
}

int
tlsrpt_ip_ok(const char *s)
{
	unsigned char buf[16];

	return (inet_pton(AF_INET, s, buf) == 1
	        || inet_pton(AF_INET6, s, buf) == 1);
}

/*
 * get_str - optional string member name of root into out (outlen bytes
 * including the NUL). 0 absent or copied, -1 with why when not a string,
 * too long or holding control characters.
 */
static int
get_str(json_t *root, const char *name, char *out, size_t outlen, char *why,
        size_t whylen)
{
	json_t *v = json_object_get(root, name);
	size_t  n;

	out[0] = '\0';
	if (v == NULL || json_is_null(v)) {
		return (0);
	}
	if (!json_is_string(v)) {
		return (why_fail(why, whylen, "\"%s\" is not a string", name));
	}
	n = json_string_length(v);
	if (n >= outlen) {
		return (why_fail(why, whylen, "\"%s\" longer than %zu bytes",
		        name, outlen - 1));
	}
	if (!tlsrpt_text_ok(json_string_value(v), n)) {
		return (why_fail(
		        why, whylen, "\"%s\" holds control characters", name));
	}
	memcpy(out, json_string_value(v), n);
	out[n] = '\0';
	return (0);
}

int
tlsrpt_result_parse(const void *buf, size_t len, struct tlsrpt_result *r,
        char *why, size_t whylen)
{
	json_t      *root;
	json_error_t err;
	char         tmp[DOMAIN_MAX + 64], dwhy[128];
	const char  *p;
	int          rv = -1, t;

	memset(r, 0, sizeof(*r));
	if (len > 65536) {
		return (why_fail(why, whylen, "request too large"));
	}
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
	if (root == NULL) {
		return (why_fail(why, whylen, "malformed JSON: %s", err.text));
	}
	if (!json_is_object(root)) {
		why_fail(why, whylen, "request is not a JSON object");
		goto out;
	}
	if (get_str(root, "domain", tmp, sizeof(tmp), why, whylen) != 0) {
		goto out;
	}
	if (tmp[0] == '\0') {
		why_fail(why, whylen, "\"domain\" is required");
		goto out;
	}
	if (domain_normalize(tmp, strlen(tmp), r->domain, sizeof(r->domain),
	            dwhy, sizeof(dwhy))
	        != 0) {
		why_fail(why, whylen, "invalid domain: %s", dwhy);
		goto out;
	}
	if (get_str(root, "mx_host", tmp, sizeof(tmp), why, whylen) != 0) {
		goto out;
	}
	if (tmp[0] == '\0') {
		why_fail(why, whylen, "\"mx_host\" is required");
		goto out;
	}
	if (domain_normalize(tmp, strlen(tmp), r->mx_host, sizeof(r->mx_host),
	            dwhy, sizeof(dwhy))
	        != 0) {
		why_fail(why, whylen, "invalid mx_host: %s", dwhy);
		goto out;
	}
	if (get_str(root, "policy_type", tmp, sizeof(tmp), why, whylen) != 0) {
		goto out;
	}
	if (tmp[0] != '\0') {
		if ((t = tlsrpt_ptype_parse(tmp)) < 0) {
			why_fail(why, whylen,
			        "unknown policy_type \"%.40s\" (sts, tlsa or "
			        "no-policy-found)",
			        tmp);
			goto out;
		}
		r->ptype = (enum tlsrpt_ptype)t;
	}
	if (get_str(root, "result", tmp, sizeof(tmp), why, whylen) != 0) {
		goto out;
	}
	if (tmp[0] == '\0') {
		why_fail(why, whylen, "\"result\" is required");
		goto out;
	}
	if ((t = tlsrpt_rtype_parse(tmp)) < 0) {
		why_fail(why, whylen,
		        "unknown result \"%.40s\" (success or an RFC 8460 "
		        "section 4.3 result type)",
		        tmp);
		goto out;
	}
	r->rtype = (enum tlsrpt_rtype)t;
	if (get_str(root, "sending_ip", r->sending_ip, sizeof(r->sending_ip),
	            why, whylen)
	                != 0
	        || get_str(root, "receiving_ip", r->receiving_ip,
	                   sizeof(r->receiving_ip), why, whylen)
	                != 0) {
		goto out;
	}
	if (r->sending_ip[0] != '\0' && !tlsrpt_ip_ok(r->sending_ip)) {
		why_fail(why, whylen, "\"sending_ip\" is not an IP address");
		goto out;
	}
	if (r->receiving_ip[0] != '\0' && !tlsrpt_ip_ok(r->receiving_ip)) {
		why_fail(why, whylen, "\"receiving_ip\" is not an IP address");
		goto out;
	}
	if (get_str(root, "failure_reason", r->reason, sizeof(r->reason), why,
	            whylen)
	                != 0
	        || get_str(root, "mta", r->mta, sizeof(r->mta), why, whylen)
	                != 0
	        || get_str(root, "sender", r->sender, sizeof(r->sender), why,
	                   whylen)
	                != 0) {
		goto out;
	}
	for (p = r->mta; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')
		            || *p == '-' || *p == '.')) {
			why_fail(why, whylen,
			        "\"mta\" must be lower-case letters, digits, "
			        "'-' or '.'");
			goto out;
		}
	}
	if (r->rtype == TLSRPT_SUCCESS) {
		r->reason[0] = '\0'; /* no failure, no failure detail */
	}
	rv = 0;
out:
	json_decref(root);
	return (rv);
}

/* dump_array - canonical compact JSON text of array a (a is consumed). */
static char *
dump_array(json_t *a)
{
	char *s;

	if (a == NULL) {
		return (NULL);
	}
	s = json_dumps(a, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(a);
	return (s);
}

static int
cmp_str(const void *a, const void *b)
{
	return (strcmp(*(const char *const *)a, *(const char *const *)b));
}

int
tlsrpt_obs_set_rua(struct tlsrpt_obs *obs, const char *const *uris, size_t n)
{
	const char **v;
	json_t      *a;
	size_t       i;

	free(obs->rua);
	obs->rua = NULL;
	if ((v = calloc(n + 1, sizeof(*v))) == NULL
	        || (a = json_array()) == NULL) {
		free(v);
		return (-1);
	}
	memcpy(v, uris, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_str);
	for (i = 0; i < n; i++) {
		if (i > 0 && strcmp(v[i], v[i - 1]) == 0) {
			continue;
		}
		if (json_array_append_new(a, json_string(v[i])) != 0) {
			json_decref(a);
			free(v);
			return (-1);
		}
	}
	free(v);
	obs->rua = dump_array(a);
	return (obs->rua == NULL ? -1 : 0);
}

/* host_of - the "hosts" element of reply for host, or NULL. */
static json_t *
host_of(json_t *reply, const char *host)
{
	json_t *hosts = json_object_get(reply, "hosts"), *h;
	size_t  i;

	json_array_foreach(hosts, i, h)
	{
		const char *n = json_string_value(json_object_get(h, "host"));

		if (n != NULL && strcmp(n, host) == 0) {
			return (h);
		}
	}
	return (NULL);
}

/* sts_mode - the reply's MTA-STS mode when it governs delivery (enforce or
 * testing), else NULL. */
static const char *
sts_mode(json_t *reply)
{
	const char *m = json_string_value(json_object_get(reply, "mode"));

	if (m != NULL
	        && (strcmp(m, "enforce") == 0 || strcmp(m, "testing") == 0)) {
		return (m);
	}
	return (NULL);
}

/* sts_lines - the policy lines of the reply's MTA-STS policy. */
static json_t *
sts_lines(json_t *reply, json_t **mx_out)
{
	json_t     *lines = json_array(), *mx = json_array(), *e;
	json_t     *pmx  = json_object_get(reply, "mx");
	const char *mode = json_string_value(json_object_get(reply, "mode"));
	char        line[DOMAIN_MAX + 16];
	size_t      i;

	if (lines == NULL || mx == NULL) {
		goto fail;
	}
	if (mode == NULL) {
		*mx_out = mx;
		return (lines);
	}
	json_array_append_new(lines, json_string("version: STSv1"));
	snprintf(line, sizeof(line), "mode: %s", mode);
	json_array_append_new(lines, json_string(line));
	json_array_foreach(pmx, i, e)
	{
		if (!json_is_string(e)) {
			continue;
		}
		snprintf(line, sizeof(line), "mx: %s", json_string_value(e));
		json_array_append_new(lines, json_string(line));
		json_array_append_new(mx, json_string(json_string_value(e)));
	}
	if (json_is_integer(json_object_get(reply, "max_age"))) {
		snprintf(line, sizeof(line), "max_age: %lld",
		        (long long)json_integer_value(
		                json_object_get(reply, "max_age")));
		json_array_append_new(lines, json_string(line));
	}
	*mx_out = mx;
	return (lines);
fail:
	json_decref(lines);
	json_decref(mx);
	return (NULL);
}

/* sts_listed - host matches one of the reply's MTA-STS mx patterns (RFC
 * 8461 §4.1). */
static int
sts_listed(json_t *reply, const char *host)
{
	json_t *e;
	size_t  i;

	json_array_foreach(json_object_get(reply, "mx"), i, e)
	{
		if (json_is_string(e)
		        && sts_policy_mx_match(json_string_value(e), host)) {
			return (1);
		}
	}
	return (0);
}

/* tlsa_lines - "usage selector mtype hex" of each usable TLSA record. */
static json_t *
tlsa_lines(json_t *host)
{
	json_t *lines = json_array(), *t;
	size_t  i;
	char    line[2048];

	if (lines == NULL) {
		return (NULL);
	}
	json_array_foreach(json_object_get(host, "tlsa"), i, t)
	{
		const char *d = json_string_value(json_object_get(t, "data"));

		if (d == NULL) {
			continue;
		}
		snprintf(line, sizeof(line), "%lld %lld %lld %s",
		        (long long)json_integer_value(
		                json_object_get(t, "usage")),
		        (long long)json_integer_value(
		                json_object_get(t, "selector")),
		        (long long)json_integer_value(
		                json_object_get(t, "mtype")),
		        d);
		json_array_append_new(lines, json_string(line));
	}
	return (lines);
}

int
tlsrpt_obs_check(const struct tlsrpt_obs *obs, char *why, size_t whylen)
{
	if (obs->ptype != TLSRPT_PTYPE_STS
	        && obs->ptype != TLSRPT_PTYPE_TLSA) {
		return (0);
	}
	if (obs->pstr == NULL || strcmp(obs->pstr, "[]") == 0) {
		return (why_fail(why, whylen,
		        "a %s policy without its policy-string (RFC 8460 "
		        "section 4.4)",
		        tlsrpt_ptype_name(obs->ptype)));
	}
	if (obs->ptype == TLSRPT_PTYPE_STS
	        && (obs->mx == NULL || strcmp(obs->mx, "[]") == 0)) {
		return (why_fail(why, whylen,
		        "an sts policy without its mx-host patterns (RFC 8460 "
		        "section 4.4)"));
	}
	return (0);
}

/*
 * unknown_policy - the result names a policy type whose strings the
 * daemon's decision for the domain does not have (no MTA-STS policy in
 * force, or a host without usable TLSA records): it cannot be reported
 * under that policy (RFC 8460 §4.4 needs them). obs is cleared; 2 when the
 * decision was a temporary failure (the strings may be known later), else
 * 3, with why saying what the daemon knows.
 */
static int
unknown_policy(const struct tlsrpt_result *r, json_t *reply, json_t *host,
        struct tlsrpt_obs *obs, char *why, size_t whylen)
{
	const char *st   = json_string_value(json_object_get(reply, "status"));
	const char *mode = json_string_value(json_object_get(reply, "mode"));
	const char *act  = json_string_value(json_object_get(host, "action"));
	int         temp = st != NULL && strcmp(st, "tempfail") == 0;
	enum tlsrpt_ptype t = obs->ptype;

	tlsrpt_obs_clear(obs);
	if (t == TLSRPT_PTYPE_STS) {
		snprintf(why, whylen,
		        "%s: policy_type sts, but mxtlsd knows no MTA-STS "
		        "policy in force for it (%s%s%s): not counted "
		        "(RFC 8460 section 4.4: a policy is reported with its "
		        "policy-string)",
		        r->domain, temp ? "lookup failed now; " : "",
		        mode != NULL ? "mode " : "no policy",
		        mode != NULL ? mode : "");
	} else {
		snprintf(why, whylen,
		        "%s: policy_type tlsa, but MX host %s has no usable "
		        "TLSA records in mxtlsd's decision (%s%s%s): not "
		        "counted (RFC 8460 section 4.4: a policy is reported "
		        "with "
		        "its "
		        "policy-string)",
		        r->domain, r->mx_host,
		        temp ? "lookup failed now; " : "",
		        host == NULL ? "not an MX host of the domain"
		                     : "action ",
		        host == NULL ? "" : (act != NULL ? act : "?"));
	}
	return (temp ? 2 : 3);
}

int
tlsrpt_result_to_obs(const struct tlsrpt_result *r, json_t *reply,
        struct tlsrpt_obs *obs, char *why, size_t whylen)
{
	json_t      *t = json_object_get(reply, "tlsrpt"), *rua, *e;
	json_t      *host, *lines = NULL, *mx = NULL;
	const char  *st, *action;
	const char **uris = NULL;
	size_t       i, n;

	memset(obs, 0, sizeof(*obs));
	st = json_string_value(json_object_get(t, "status"));
	if (st == NULL) {
		return (why_fail(why, whylen, "policy reply without tlsrpt"));
	}
	if (strcmp(st, "found") != 0) {
		snprintf(why, whylen, "%s: no usable TLSRPT record (%s: %s)",
		        r->domain, st,
		        json_string_value(json_object_get(t, "why")) != NULL
		                ? json_string_value(json_object_get(t, "why"))
		                : "?");
		return (strcmp(st, "tempfail") == 0 ? 2 : 1);
	}
	rua = json_object_get(t, "rua");
	n   = json_array_size(rua);
	if (n == 0 || (uris = calloc(n, sizeof(*uris))) == NULL) {
		return (why_fail(why, whylen, "policy reply with empty rua"));
	}
	json_array_foreach(rua, i, e)
	{
		uris[i] = json_is_string(e) ? json_string_value(e) : "";
	}
	snprintf(obs->domain, sizeof(obs->domain), "%s", r->domain);
	snprintf(obs->pdomain, sizeof(obs->pdomain), "%s", r->domain);
	if (tlsrpt_obs_set_rua(obs, uris, n) != 0) {
		free(uris);
		return (why_fail(why, whylen, "out of memory"));
	}
	free(uris);

	host       = host_of(reply, r->mx_host);
	action     = json_string_value(json_object_get(host, "action"));
	obs->ptype = r->ptype;
	if (obs->ptype == TLSRPT_PTYPE_UNSET) {
		if (action != NULL && strcmp(action, "dane") == 0) {
			obs->ptype = TLSRPT_PTYPE_TLSA;
		} else if (sts_mode(reply) != NULL) {
			obs->ptype = TLSRPT_PTYPE_STS;
		} else {
			obs->ptype = TLSRPT_PTYPE_NOPOLICY;
		}
	}
	switch (obs->ptype) {
	case TLSRPT_PTYPE_STS:
		if (sts_mode(reply) != NULL) {
			lines = sts_lines(reply, &mx);
		} else { /* no policy in force: refused below */
			lines = json_array();
			mx    = json_array();
		}
		break;
	case TLSRPT_PTYPE_TLSA:
		lines = action != NULL && strcmp(action, "dane") == 0
		        ? tlsa_lines(host)
		        : json_array();
		if ((mx = json_array()) != NULL) {
			json_array_append_new(mx, json_string(r->mx_host));
		}
		break;
	default:
		lines = json_array();
		mx    = json_array();
		break;
	}
	if (lines == NULL || mx == NULL) {
		json_decref(lines);
		json_decref(mx);
		tlsrpt_obs_clear(obs);
		return (why_fail(why, whylen, "out of memory"));
	}
	obs->pstr = dump_array(lines);
	obs->mx   = dump_array(mx);
	if (obs->pstr == NULL || obs->mx == NULL) {
		tlsrpt_obs_clear(obs);
		return (why_fail(why, whylen, "out of memory"));
	}
	if (tlsrpt_obs_check(obs, NULL, 0) != 0) {
		return (unknown_policy(r, reply, host, obs, why, whylen));
	}
	if (r->rtype != TLSRPT_SUCCESS
	        || (obs->ptype == TLSRPT_PTYPE_STS
	                && !sts_listed(reply, r->mx_host))) {
		struct tlsrpt_detail *d = &obs->detail[0];

		obs->failed  = 1;
		obs->ndetail = 1;
		d->rtype     = r->rtype;
		snprintf(d->sending_ip, sizeof(d->sending_ip), "%s",
		        r->sending_ip);
		snprintf(d->receiving_ip, sizeof(d->receiving_ip), "%s",
		        r->receiving_ip);
		snprintf(d->mx_host, sizeof(d->mx_host), "%s", r->mx_host);
		snprintf(d->reason, sizeof(d->reason), "%s", r->reason);
		if (r->rtype == TLSRPT_SUCCESS) {
			/* TLS worked, but with an MX host the policy does
			 * not allow (a front door that does not check the
			 * patterns: OpenSMTPD; MTA-STS testing) */
			d->rtype = TLSRPT_VALIDATION_FAILURE;
			snprintf(d->reason, sizeof(d->reason),
			        "MX host %s matches none of the MTA-STS "
			        "policy's mx patterns (RFC 8461 section 4.1)",
			        r->mx_host);
		}
	}
	return (0);
}

void
tlsrpt_obs_clear(struct tlsrpt_obs *obs)
{
	if (obs == NULL) {
		return;
	}
	free(obs->pstr);
	free(obs->mx);
	free(obs->rua);
	memset(obs, 0, sizeof(*obs));
}
