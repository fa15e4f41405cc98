/*
 * tlsrpt_send.h - delivery of one aggregate TLS report to one destination
 * (RFC 8460 §5): HTTPS POST (§5.4) with libcurl multi on the loop, or mail
 * (§5.3) by SMTP to the configured relay (tlsrpt.smtp, default the local
 * MTA on 127.0.0.1:25) or through the sendmail command. The report is always
 * gzip-compressed (§5.2 SHOULD): application/tlsrpt+gzip.
 *
 * HTTPS: the endpoint host is resolved with our own resolver and libcurl
 * connects only to those addresses (CURLOPT_RESOLVE); loopback, private
 * and other special addresses are refused unless fetch.allow_private
 * (the SSRF rule of netaddr.h, D7). The certificate is verified against
 * fetch.ca_file (RFC 8460 §5.4 leaves that to us; we do not relax it).
 * Redirects are not followed. Any 2xx is success (§5.4).
 *
 * Mail by SMTP (tlsrpt.smtp non-empty): libcurl on the same CURLM submits
 * the message of tlsrpt_mail.h (CRLF line ends) with EHLO <submitter>
 * (or the URL's path), MAIL FROM:<tlsrpt.from>, RCPT TO:<the mailto:
 * address>. The relay is the administrator's, not a report endpoint found
 * in DNS, so the SSRF rule does not apply: loopback is expected. On a
 * loopback relay no STARTTLS (nothing to protect); on another host
 * STARTTLS when offered (CURLUSESSL_TRY), verified against ca_file;
 * smtps:// is TLS from the start, verified. The final 250 to the data is
 * success; any other outcome (a 4xx or 5xx reply, no connection, a
 * timeout) is a failed attempt whose reason carries the server's last
 * reply text, retried like a sendmail failure.
 *
 * Mail by sendmail (tlsrpt.smtp ""): the message goes to the command's
 * standard input; exit status 0 is success (the MTA took responsibility).
 * Anything else is a failure whose reason carries the start of what the
 * command wrote to standard error (e.g. the MTA refusing the recipient).
 * DKIM signing (§3 MUST) is left to the MTA that relays the message.
 */
#ifndef MXTLS_CACHED_TLSRPT_SEND_H
#define MXTLS_CACHED_TLSRPT_SEND_H

#include <stddef.h>
#include <stdint.h>

#include "tlsrpt/tlsrpt_send_job.h" /* the configuration and the job */
#include "tlsrpt/tlsrpt_smtp.h"     /* the SMTP relay URL and replies */

struct event_base;
struct dns;
struct tlsrpt_sender;

/* tlsrpt_send_cb - ok 1 when delivered, else 0 with why; permanent 1 when
 * retrying cannot help (unsupported URI, refused address). */
typedef void (*tlsrpt_send_cb)(
        void *arg, int ok, int permanent, const char *why);

/* tlsrpt_send_create - a sender on base (strings of cfg are copied). NULL
 * and why on failure. */
struct tlsrpt_sender *tlsrpt_send_create(struct event_base *base,
        struct dns *dns, const struct tlsrpt_send_config *cfg, char *why,
        size_t whylen);

/* tlsrpt_send_free - abort everything (no callbacks) and free. */
void tlsrpt_send_free(struct tlsrpt_sender *s);

/* tlsrpt_send_start - deliver job; cb runs exactly once, later, from the
 * loop (unless the sender is freed first). */
void tlsrpt_send_start(struct tlsrpt_sender *s,
        const struct tlsrpt_send_job *job, tlsrpt_send_cb cb, void *arg);

/* ---- pure helpers, exposed for the unit tests ---- */

/* tlsrpt_send_gzip - gzip in into *out (malloc'd). 0 or -1. */
int tlsrpt_send_gzip(
        const void *in, size_t len, unsigned char **out, size_t *outlen);

#endif
