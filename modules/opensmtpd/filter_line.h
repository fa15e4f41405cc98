/*
 * filter_line.h - parser and formatter for the OpenSMTPD filter protocol
 * (smtpd-filters(7)): the lines smtpd sends to a proc-exec filter on its
 * stdin, and the filter-result answers. Protocol 0.5 to 0.7 (OpenSMTPD 6.7
 * to 7.8; Debian 12's 6.8.0p2 speaks 0.6).
 *
 *   config|KEY|VALUE  or  config|ready
 *   report|VER|SEC.USEC|smtp-in|EVENT|SESSION|PARAMS...
 *   filter|VER|SEC.USEC|smtp-in|PHASE|SESSION|TOKEN|PARAMS...
 *
 * SESSION and TOKEN are up to 16 hex digits. PARAMS may contain '|'
 * (protocol-client lines are raw SMTP), so they are handed back unsplit.
 * Pure functions: no I/O, no globals; the parsed line points into the
 * caller's buffer, which the parser modifies (NULs at the separators).
 */
#ifndef MXTLS_FILTER_LINE_H
#define MXTLS_FILTER_LINE_H

#include <stddef.h>
#include <stdint.h>

#define FILTER_LINE_MAX 65536 /* longer lines are refused */

enum filter_line_kind {
	FILTER_LINE_CONFIG
	= 1,                /* config|KEY|VALUE; config|ready: key "ready" */
	FILTER_LINE_REPORT, /* report|... */
	FILTER_LINE_FILTER, /* filter|... (a request: must be answered) */
};

struct filter_line {
	enum filter_line_kind kind;
	const char           *key;   /* config: the key ("ready" too) */
	const char           *value; /* config: the value ("" for ready) */
	int                   vmajor, vminor; /* report, filter */
	const char           *time;           /* "SEC.USEC" */
	int                   incoming;       /* 1 smtp-in, 0 smtp-out */
	const char           *event; /* report event or filter phase */
	uint64_t              session;
	uint64_t              token;  /* filter only */
	const char           *params; /* the rest, unsplit ("" when none) */
};

/*
 * filter_line_parse - parse one line (NUL-terminated, without the newline;
 * a trailing CR is removed) in place. 0 when valid; -1 with a reason in why
 * when not. A filter line that fails after its session and token were read
 * still has them set in out (out->kind FILTER_LINE_FILTER) so that the
 * caller can answer it.
 */
int filter_line_parse(
        char *buf, struct filter_line *out, char *why, size_t whylen);

/*
 * filter_line_split - split s in place at '|' into at most max fields
 * (the last one keeps any further '|'); returns the number of fields.
 */
int filter_line_split(char *s, char **fields, int max);

/*
 * filter_line_result - format a filter-result line (with "\n") for a
 * request of protocol vmajor.vminor into out: before 0.5 the token came
 * first, since 0.5 the session does. verdict is "proceed", "reject|451 ..."
 * and so on. Returns the length, or -1 when out is too small.
 */
int filter_line_result(char *out, size_t outlen, int vmajor, int vminor,
        uint64_t session, uint64_t token, const char *verdict);

/*
 * filter_line_tx_address - the address of a tx-mail or tx-rcpt report's
 * params (MSGID|RESULT|ADDRESS since 0.6, MSGID|ADDRESS|RESULT before) and
 * its result ("ok", "permfail", "tempfail"); pointers into params (which is
 * split in place). 0, or -1 when malformed.
 */
int filter_line_tx_address(char *params, int vmajor, int vminor,
        const char **address, const char **result);

/*
 * filter_line_addr_domain - the domain of a mailbox (after the last '@',
 * without a trailing '>') copied to out (NUL-terminated); 0, or -1 when
 * there is none or it does not fit.
 */
int filter_line_addr_domain(const char *addr, char *out, size_t outlen);

#endif
