/*
 * curlev.h - libcurl's multi-socket API driven by the daemon's libevent loop
 * (curl_multi_socket_action(3)): the socket and timer callbacks the
 * policy fetcher (sts/sts_fetch.c) and the report sender
 * (tlsrpt/tlsrpt_send.c) share, each with its own CURLM.
 */
#ifndef MXTLS_CACHED_CURLEV_H
#define MXTLS_CACHED_CURLEV_H

#include <stddef.h>

#include <curl/curl.h>

struct event_base;
struct curlev;

/*
 * curlev_after_cb - run after every socket or timer action libcurl took,
 * to read curl_multi_info_read. It is the last thing a dispatch does: it
 * may free the owner, the CURLM and the curlev.
 */
typedef void (*curlev_after_cb)(void *arg);

/*
 * curlev_create - install the socket and timer callbacks on multi (which
 * stays the caller's) and watch its sockets on base. NULL and why on
 * failure.
 */
struct curlev *curlev_create(struct event_base *base, CURLM *multi,
        curlev_after_cb after, void *arg, char *why, size_t whylen);

/*
 * curlev_free - free the timer and the watch of every socket still known.
 * Call it after curl_multi_cleanup (which may still remove sockets).
 */
void curlev_free(struct curlev *c);

#endif
