/*
 * filter_outcome.c - classify an smtp-out session into an RFC 8460 §4.3
 * result and keep its envelope sender for the §3 report-loop rule (see
 * filter_outcome.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "filter_line.h"
#include "filter_outcome.h"

void
filter_outcome_addr(const char *in, char *out, size_t outlen)
{
	const char *end;
	size_t      n;

	if (in[0] == '[' && (end = strchr(in, ']')) != NULL) {
		in++;
	} else if ((end = strrchr(in, ':')) == NULL
	        || strchr(in, ':') != end) {
		end = in + strlen(in); /* no port, or a bare IPv6 address */
	}
	n = (size_t)(end - in);
	if (n >= outlen) {
		n = outlen - 1;
	}
	memcpy(out, in, n);
	out[n] = '\0';
}

int
filter_outcome_sender(const char *addr, char *out, size_t outlen)
{
	size_t n = strlen(addr), i;

	out[0] = '\0';
	if (n >= 2 && addr[0] == '<' && addr[n - 1] == '>') {
		addr++;
		n -= 2;
	}
	if (n == 0 || n >= outlen) {
		return (-1);
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)addr[i];
		if (c < 0x20 || c == 0x7f) {
			return (-1);
		}
	}
	memcpy(out, addr, n);
	out[n] = '\0';
	return (0);
}

static void
copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src);
}

void
filter_outcome_event(struct filter_outcome *o, const char *event, char *params,
        int vmajor, int vminor)
{
	char       *f[4];
	const char *addr, *res;
	int         n;

	if (strcmp(event, "link-connect") == 0) {
		/* rdns|fcrdns|src|dst */
		if ((n = filter_line_split(params, f, 4)) == 4) {
			copy(o->rdns, sizeof(o->rdns), f[0]);
			filter_outcome_addr(f[2], o->src, sizeof(o->src));
			filter_outcome_addr(f[3], o->dst, sizeof(o->dst));
		}
	} else if (strcmp(event, "link-greeting") == 0) {
		copy(o->greeting, sizeof(o->greeting), params);
	} else if (strcmp(event, "link-tls") == 0) {
		o->tls_up = 1;
		copy(o->tls, sizeof(o->tls), params);
	} else if (strcmp(event, "protocol-client") == 0) {
		if (strcasecmp(params, "STARTTLS") == 0) {
			o->starttls_sent = 1;
		}
	} else if (strcmp(event, "protocol-server") == 0) {
		copy(o->last_reply, sizeof(o->last_reply), params);
		if (strncmp(params, "250", 3) == 0) {
			o->ehlo_seen = 1;
			if ((params[3] == '-' || params[3] == ' ')
			        && strncasecmp(params + 4, "STARTTLS", 8) == 0
			        && (params[12] == '\0'
			                || isspace(
			                        (unsigned char)params[12]))) {
				o->starttls_offered = 1;
			}
		}
	} else if (strcmp(event, "tx-begin") == 0) {
		o->tx = 1;
	} else if (strcmp(event, "tx-mail") == 0) {
		/* MSGID|RESULT|ADDRESS (0.6+) or MSGID|ADDRESS|RESULT; smtpd
		 * reports it once MAIL FROM got a 2xx. The session's first
		 * accepted non-null sender is the one reported. */
		o->tx = 1;
		if (o->sender[0] == '\0'
		        && filter_line_tx_address(
		                   params, vmajor, vminor, &addr, &res)
		                == 0
		        && strcmp(res, "ok") == 0) {
			filter_outcome_sender(
			        addr, o->sender, sizeof(o->sender));
		}
	} else if (strcmp(event, "tx-rcpt") == 0) {
		o->tx = 1;
		if (o->rcpt_domain[0] == '\0'
		        && filter_line_tx_address(
		                   params, vmajor, vminor, &addr, &res)
		                == 0) {
			if (filter_line_addr_domain(addr, o->rcpt_domain,
			            sizeof(o->rcpt_domain))
			        != 0) {
				o->rcpt_domain[0] = '\0';
			}
		}
	}
}

void
filter_outcome_request(const struct filter_outcome *o, const char *domain,
        const char *mx_host, const char *result, const char *reason,
        const char *ptype, struct proto_result *r)
{
	memset(r, 0, sizeof(*r));
	r->domain         = domain;
	r->mta            = "opensmtpd";
	r->mx_host        = mx_host;
	r->sending_ip     = o->src;
	r->receiving_ip   = o->dst;
	r->result         = result;
	r->policy_type    = ptype;
	r->failure_reason = reason;
	r->sender         = o->sender;
}

const char *
filter_outcome_classify(
        const struct filter_outcome *o, char *reason, size_t reasonlen)
{
	reason[0] = '\0';
	if (o->tls_up && o->tx) {
		return ("success");
	}
	if (o->tls_up) {
		snprintf(reason, reasonlen,
		        "TLS (%s) set up but the session ended before any "
		        "transaction: certificate check failed (see smtpd's "
		        "log)",
		        o->tls);
		return ("validation-failure");
	}
	if (o->starttls_sent) {
		snprintf(reason, reasonlen, "STARTTLS handshake failed%s%s",
		        o->last_reply[0] ? "; last reply: " : "",
		        o->last_reply);
		return ("validation-failure");
	}
	if (o->ehlo_seen && !o->starttls_offered) {
		snprintf(reason, reasonlen, "EHLO reply lacks STARTTLS");
		return ("starttls-not-supported");
	}
	return (NULL);
}
