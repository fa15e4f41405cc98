/*
 * tlsrpt_mail.c - the mail form of an aggregate TLS report (RFC 8460
 * §5.3): the address of a mailto: rua (RFC 6068), the attachment's file
 * name, the multipart/report message, and the wording of a sendmail
 * failure. Pure functions; see tlsrpt_mail.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>

#include "domain.h"
#include "tlsrpt/tlsrpt_json.h"
#include "tlsrpt/tlsrpt_mail.h"

static int
hexval(char c)
{
	if (c >= '0' && c <= '9') {
		return (c - '0');
	}
	if (c >= 'a' && c <= 'f') {
		return (c - 'a' + 10);
	}
	if (c >= 'A' && c <= 'F') {
		return (c - 'A' + 10);
	}
	return (-1);
}

int
tlsrpt_mail_address(const char *uri, char *addr, size_t len)
{
	static const char atext[] = "!#$%&'*+-/=?^_`{|}~.";
	const char       *p;
	char              dom[DOMAIN_MAX + 1], why[64];
	size_t            n = 0;
	char             *at;

	if (strncasecmp(uri, "mailto:", 7) != 0) {
		return (-1);
	}
	for (p = uri + 7; *p != '\0' && *p != '?'; p++) {
		char c = *p;

		if (c == '%') {
			int h = hexval(p[1]), l = h < 0 ? -1 : hexval(p[2]);

			if (h < 0 || l < 0) {
				return (-1);
			}
			c = (char)(h * 16 + l);
			p += 2;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		            || (c >= '0' && c <= '9') || c == '@'
		            || strchr(atext, c) != NULL)
		        || c == '\0') {
			return (-1);
		}
		if (n + 1 >= len) {
			return (-1);
		}
		addr[n++] = c;
	}
	addr[n] = '\0';
	if ((at = strrchr(addr, '@')) == NULL || at == addr
	        || strchr(addr, '@') != at
	        || domain_normalize(at + 1, strlen(at + 1), dom, sizeof(dom),
	                   why, sizeof(why))
	                != 0) {
		return (-1);
	}
	return (0);
}

void
tlsrpt_mail_filename(const char *submitter, const char *domain, int64_t day,
        int64_t unique, char *buf, size_t len)
{
	day = tlsrpt_json_day(day);
	snprintf(buf, len, "%s!%s!%lld!%lld!%lld.json.gz", submitter, domain,
	        (long long)day, (long long)(day + TLSRPT_DAY - 1),
	        (long long)unique);
}

/* b64 - base64 of in, lines of 76 characters, LF line ends. */
static char *
b64(const unsigned char *in, size_t len)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq"
	                          "rstuvwxyz0123456789+/";
	size_t            olen = (len + 2) / 3 * 4, i, o = 0, col = 0;
	char             *out = malloc(olen + olen / 76 + 3);

	if (out == NULL) {
		return (NULL);
	}
	for (i = 0; i < len; i += 3) {
		unsigned v = (unsigned)in[i] << 16;

		if (i + 1 < len) {
			v |= (unsigned)in[i + 1] << 8;
		}
		if (i + 2 < len) {
			v |= in[i + 2];
		}
		out[o++] = tab[(v >> 18) & 63];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = i + 1 < len ? tab[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? tab[v & 63] : '=';
		if ((col += 4) == 76) {
			out[o++] = '\n';
			col      = 0;
		}
	}
	if (col != 0) {
		out[o++] = '\n';
	}
	out[o] = '\0';
	return (out);
}

char *
tlsrpt_mail_compose(const struct tlsrpt_send_config *cfg,
        const struct tlsrpt_send_job *job, const char *to,
        const unsigned char *gz, size_t gzlen, int64_t now)
{
	char      fname[DOMAIN_MAX * 2 + 80], date[64], day[32], bnd[64];
	char     *body, *msg = NULL;
	time_t    t = (time_t)now;
	struct tm tm;
	size_t    cap;
	int       n;

	static const char *const wd[]
	        = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const mo[] = { "Jan", "Feb", "Mar", "Apr", "May",
		"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

	if ((body = b64(gz, gzlen)) == NULL) {
		return (NULL);
	}
	gmtime_r(&t, &tm);
	snprintf(date, sizeof(date), "%s, %02d %s %04d %02d:%02d:%02d +0000",
	        wd[tm.tm_wday], tm.tm_mday, mo[tm.tm_mon], tm.tm_year + 1900,
	        tm.tm_hour, tm.tm_min, tm.tm_sec);
	tlsrpt_json_datetime(job->day, day, sizeof(day));
	day[10] = '\0';
	tlsrpt_mail_filename(cfg->submitter, job->domain, job->day,
	        job->unique, fname, sizeof(fname));
	snprintf(bnd, sizeof(bnd), "=_mxtls_tlsrpt_%lld_%lld",
	        (long long)job->unique, (long long)now);
	cap = strlen(body) + 4096 + strlen(job->report_id) * 2
	        + strlen(cfg->from) + strlen(to) + strlen(cfg->org)
	        + strlen(job->domain) * 4 + strlen(cfg->submitter) * 4
	        + strlen(fname) * 2;
	if ((msg = malloc(cap)) == NULL) {
		free(body);
		return (NULL);
	}
	n = snprintf(msg, cap,
	        "From: %s\n"
	        "To: %s\n"
	        "Subject: Report Domain: %s Submitter: %s Report-ID: <%s>\n"
	        "Date: %s\n"
	        "Message-ID: <tlsrpt.%lld.%lld@%s>\n"
	        "MIME-Version: 1.0\n"
	        "TLS-Report-Domain: %s\n"
	        "TLS-Report-Submitter: %s\n"
	        "TLS-Required: No\n"
	        "Auto-Submitted: auto-generated\n"
	        "Content-Type: multipart/report; report-type=\"tlsrpt\";\n"
	        "\tboundary=\"%s\"\n"
	        "\n"
	        "This is a MIME-formatted message.\n"
	        "\n"
	        "--%s\n"
	        "Content-Type: text/plain; charset=\"us-ascii\"\n"
	        "Content-Transfer-Encoding: 7bit\n"
	        "\n"
	        "This is an aggregate TLS report (RFC 8460) from %s\n"
	        "for the policy domain %s, %s (UTC).\n"
	        "\n"
	        "--%s\n"
	        "Content-Type: application/tlsrpt+gzip; name=\"%s\"\n"
	        "Content-Transfer-Encoding: base64\n"
	        "Content-Disposition: attachment; filename=\"%s\"\n"
	        "\n"
	        "%s"
	        "\n"
	        "--%s--\n",
	        cfg->from, to, job->domain, cfg->submitter, job->report_id,
	        date, (long long)job->unique, (long long)now, cfg->submitter,
	        job->domain, cfg->submitter, bnd, bnd, cfg->org, job->domain,
	        day, bnd, fname, fname, body, bnd);
	free(body);
	if (n < 0 || (size_t)n >= cap) {
		free(msg);
		return (NULL);
	}
	return (msg);
}

void
tlsrpt_mail_status(
        int status, const char *err, size_t errlen, char *why, size_t whylen)
{
	size_t i, o;
	int    n;

	if (WIFEXITED(status)) {
		n = snprintf(why, whylen, "sendmail exited with %d",
		        WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		n = snprintf(why, whylen, "sendmail killed by signal %d",
		        WTERMSIG(status));
	} else {
		n = snprintf(why, whylen, "sendmail failed");
	}
	if (n < 0 || (size_t)n + 3 >= whylen) {
		return;
	}
	o = (size_t)n;
	/* its message, one line: control characters become spaces, runs
	   of spaces one, cut at the end of why */
	for (i = 0; i < errlen && err[i] != '\0' && o + 1 < whylen; i++) {
		char c = err[i];

		if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f) {
			c = ' ';
		}
		if (c == ' ' && (o == (size_t)n || why[o - 1] == ' ')) {
			continue;
		}
		if (o == (size_t)n) {
			why[o++] = ':';
			why[o++] = ' ';
			if (o + 1 >= whylen) {
				break;
			}
		}
		why[o++] = c;
	}
	while (o > (size_t)n && why[o - 1] == ' ') {
		o--;
	}
	why[o] = '\0';
}
