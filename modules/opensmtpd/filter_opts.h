/*
 * filter_opts.h - what the files of filter-mxtls share (the program's
 * options; docs/opensmtpd.md): filter_mxtls.c (the smtpd protocol loop),
 * filter_jobs.c (lookups and results in worker threads), filter_tablefile.c
 * (the verified-TLS table file and smtpctl), filter_learn.c (what the
 * decisions taught: MX addresses, policy types).
 */
#ifndef MXTLS_FILTER_OPTS_H
#define MXTLS_FILTER_OPTS_H

#include <time.h>

struct filter_opts {
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

/* The options, set by main before any thread starts; read-only after. */
extern struct filter_opts filter_opts;

#endif
