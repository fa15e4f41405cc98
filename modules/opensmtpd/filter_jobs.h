/*
 * filter_jobs.h - filter-mxtls's work that waits for mxtlsd, one worker
 * thread per job so that the stdin loop never blocks: a RCPT TO's policy
 * lookup (its verdict for smtpd) and an smtp-out session's TLS result
 * (docs/IPC.md "policy", "result"). A finished job comes back to the main
 * thread through a pipe (filter_jobs_fd, filter_jobs_done).
 */
#ifndef MXTLS_FILTER_JOBS_H
#define MXTLS_FILTER_JOBS_H

#include <stdint.h>

#include "domain.h"
#include "filter_outcome.h"

enum filter_jobs_kind { FILTER_JOB_POLICY, FILTER_JOB_RESULT };

struct filter_job {
	enum filter_jobs_kind kind;
	uint64_t              session, token; /* POLICY: smtpd's */
	int                   vmajor, vminor;
	char                  domain[DOMAIN_MAX + 1];
	char                  verdict[512]; /* POLICY: the answer */
	/* RESULT: the session and what it ended with */
	struct filter_outcome out;
	char                  host[DOMAIN_MAX + 1];
	const char           *result; /* static */
	const char           *ptype;  /* static; NULL: ask mxtlsd */
	char                  reason[512];
};

/* filter_jobs_init - the pipe finished jobs come back through; -1. */
int filter_jobs_init(void);

/* filter_jobs_fd - the descriptor to poll for finished jobs. */
int filter_jobs_fd(void);

/* filter_jobs_running - jobs started and not yet collected. */
int filter_jobs_running(void);

/* filter_jobs_start - run j in a worker thread (j is the job's until
 * filter_jobs_done returns it); -1 when too many run or no thread. */
int filter_jobs_start(struct filter_job *j);

/* filter_jobs_done - a finished job (the caller answers and frees it),
 * or NULL. */
struct filter_job *filter_jobs_done(void);

/* filter_jobs_fail_verdict - the verdict when mxtlsd cannot answer:
 * proceed (-f proceed) or the fail reply; logged. */
void filter_jobs_fail_verdict(
        struct filter_job *j, const char *what, const char *why);

#endif
