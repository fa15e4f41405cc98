/*
 * tlsrpt_mail.h - the mail form of an aggregate TLS report (RFC 8460
 * §5.3), pure functions used by tlsrpt_send.c:
 * multipart/report; report-type="tlsrpt" (RFC 6522) with a short
 * text/plain part and the gzip report as a base64 attachment
 * (application/tlsrpt+gzip) named "<submitter>!<policy-domain>!<begin>!
 * <end>!<unique-id>.json.gz"; headers Subject ("Report Domain: ...
 * Submitter: ... Report-ID: <...>"), TLS-Report-Domain,
 * TLS-Report-Submitter (§5.3) and TLS-Required: No (RFC 8689: the report
 * must be delivered even when TLS fails, RFC 8460 §3).
 */
#ifndef MXTLS_CACHED_TLSRPT_MAIL_H
#define MXTLS_CACHED_TLSRPT_MAIL_H

#include <stddef.h>
#include <stdint.h>

#include "tlsrpt/tlsrpt_send_job.h"

/*
 * tlsrpt_mail_address - the address of a mailto: URI (RFC 6068: the part
 * before any "?", %-decoded) into addr, checked to be a plain
 * local@domain without characters that could break a header. 0 or -1.
 */
int tlsrpt_mail_address(const char *uri, char *addr, size_t len);

/* tlsrpt_mail_filename - "<submitter>!<domain>!<begin>!<end>!<unique>
 * .json.gz" (RFC 8460 §5.3) into buf. */
void tlsrpt_mail_filename(const char *submitter, const char *domain,
        int64_t day, int64_t unique, char *buf, size_t len);

/*
 * tlsrpt_mail_compose - the whole mail message (LF line ends, for
 * sendmail) for job to address to, with the gzip report gz; now is the
 * Date. malloc'd NUL-terminated text (the caller frees), NULL on ENOMEM.
 */
char *tlsrpt_mail_compose(const struct tlsrpt_send_config *cfg,
        const struct tlsrpt_send_job *job, const char *to,
        const unsigned char *gz, size_t gzlen, int64_t now);

/*
 * tlsrpt_mail_status - why a sendmail command failed, into why: its wait
 * status ("sendmail exited with 1") and, after ": ", the start of what it
 * wrote to standard error (err, errlen bytes; may be empty), as one line
 * of printable ASCII.
 */
void tlsrpt_mail_status(
        int status, const char *err, size_t errlen, char *why, size_t whylen);

#endif
