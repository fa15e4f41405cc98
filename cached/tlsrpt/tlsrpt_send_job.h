/*
 * tlsrpt_send_job.h - what delivering one aggregate report (RFC 8460 §5)
 * needs: the sender's configuration and the job (the report and where it
 * goes). tlsrpt_send.h (the delivery) and tlsrpt_mail.h (the message,
 * §5.3) both build on it; tlsrpt_send.h includes this header.
 */
#ifndef MXTLS_CACHED_TLSRPT_SEND_JOB_H
#define MXTLS_CACHED_TLSRPT_SEND_JOB_H

#include <stddef.h>
#include <stdint.h>

struct tlsrpt_send_config {
	const char *ca_file;
	int         allow_private;
	unsigned    connect_timeout_ms;
	unsigned    timeout_ms;
	unsigned    port; /* 443; another only for tests (as sts_fetch) */
	const char *user_agent;
	const char *sendmail;  /* shell command reading the message */
	const char *smtp;      /* SMTP relay URL, "" for sendmail */
	const char *from;      /* From: address */
	const char *submitter; /* reporting domain */
	const char *org;       /* organization-name */
};

struct tlsrpt_send_job {
	const char *uri; /* mailto: or https: */
	const char *domain;
	const char *report_id;
	int64_t     day;    /* UTC start of the report's day */
	int64_t     unique; /* unique-id of the file name */
	const char *json;
	size_t      len;
};

#endif
