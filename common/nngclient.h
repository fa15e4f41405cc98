/*
 * nngclient.h - one-shot nng REQ client for processes that do not fork after
 * using it (mxtlsctl, the OpenSMTPD filter). Exim, which forks without exec,
 * must use the thread-free SP-IPC client instead (DESIGN: nng panics in a
 * forked child).
 */
#ifndef MXTLS_COMMON_NNGCLIENT_H
#define MXTLS_COMMON_NNGCLIENT_H

#include <stddef.h>

enum nngclient_status {
	NNGCLIENT_OK = 0,
	NNGCLIENT_UNREACHABLE, /* could not connect (daemon not running?) */
	NNGCLIENT_TIMEOUT,     /* no reply in time */
	NNGCLIENT_ERROR,       /* anything else */
};

/*
 * nngclient_call - send req (len bytes) to url and wait up to timeout_ms for
 * the reply, returned NUL-terminated in *reply (malloc'd; caller frees).
 * On failure why says what happened.
 */
enum nngclient_status nngclient_call(const char *url, const void *req,
        size_t len, char **reply, size_t *replylen, int timeout_ms, char *why,
        size_t whylen);

#endif
