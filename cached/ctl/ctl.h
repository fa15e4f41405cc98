/*
 * ctl.h - what every mxtlsctl command shares: the context (daemon URL,
 * timeout, --json), the command table, the call to the daemon with its
 * error wording, the usage errors and the exit statuses (man/mxtlsctl.8).
 *
 * One command is one file (ctl_NAME.c) and one line, CTL_CMD(NAME), in
 * ctl_cmds.h. The file defines the command's entry and its function,
 * of type ctl_fn:
 *
 *   static int ctl_NAME(struct ctl *c, int argc, char **argv);
 *   const struct ctl_cmd ctl_cmd_NAME = { "NAME", ctl_NAME, "ARGS",
 *           "What it does." };
 *
 * argv[0] is the command's name, argv[1..argc-1] its arguments with
 * "--json" already taken out (c->json says whether it was there, before or
 * after the command) and "-h"/"--help" already answered. It returns the
 * exit status, or exits through ctl_usage/ctl_fail.
 */
#ifndef MXTLS_CACHED_CTL_H
#define MXTLS_CACHED_CTL_H

#include <stdio.h>

#include <jansson.h>

#include "proto.h"

#define CTL_EXIT_OK          0
#define CTL_EXIT_FAIL        1  /* an error, or invalid input */
#define CTL_EXIT_USAGE       2  /* a usage error */
#define CTL_EXIT_UNAVAILABLE 69 /* EX_UNAVAILABLE: daemon not reachable */
#define CTL_EXIT_TEMPFAIL    75 /* EX_TEMPFAIL */
#define CTL_DEFAULT_URL      "ipc:///run/mxtls/mxtlsd.sock"

struct ctl {
	const char *url;        /* -s, $MXTLS_SOCKET, else the default */
	int         timeout_ms; /* -t */
	int         json;       /* --json */
};

typedef int (*ctl_fn)(struct ctl *c, int argc, char **argv);

struct ctl_cmd {
	const char *name;
	ctl_fn      fn;
	const char *usage; /* the arguments, after the name: one line each */
	const char *help;  /* what it does: a few lines */
};

/* ctl_cmds - the commands, NULL ended (ctl_cmds.c, from ctl_cmds.h) */
extern const struct ctl_cmd *const ctl_cmds[];

/* ctl_main - mxtlsctl's main (ctl.c). */
int ctl_main(int argc, char **argv);

/* ctl_cmd_find - the command named name, or NULL. */
const struct ctl_cmd *ctl_cmd_find(const char *name);

/* ctl_usage_all - the usage of every command to f. */
void ctl_usage_all(FILE *f);

/* ctl_cmd_help - the usage and help of cmd to f. */
void ctl_cmd_help(FILE *f, const struct ctl_cmd *cmd);

/* ctl_usage - "mxtlsctl: CMD: <reason>", the command's usage and a hint
 * to stderr; exits 2 (CTL_EXIT_USAGE). cmd may be NULL. */
void ctl_usage(const char *cmd, const char *fmt, ...)
        __attribute__((format(printf, 2, 3), noreturn));

/* ctl_fail - "mxtlsctl: <message>" to stderr; exits with status. */
void ctl_fail(int status, const char *fmt, ...)
        __attribute__((format(printf, 2, 3), noreturn));

/* ctl_domain - check a DOMAIN argument of cmd (the socketmap's rule for
 * addresses and next hops first, domain.h) into out (DOMAIN_MAX + 1);
 * 0, or -1 with the reason in why. */
int ctl_domain(
        const char *arg, char *out, size_t outlen, char *why, size_t whylen);

/*
 * ctl_call - send req (or, when req is NULL, the request text raw) to the
 * daemon and return its reply, parsed. Exits when there is none: the
 * daemon not running, the socket not ours to open (with the group to join),
 * a timeout, a malformed reply.
 */
json_t *ctl_call(
        struct ctl *c, const struct proto_request *req, const char *raw);

/* ctl_call_fail - exit for a call that got no reply (st is an enum
 * clnt_status other than CLNT_OK; why the transport's reason), worded
 * as ctl_call does. */
void ctl_call_fail(struct ctl *c, int st, const char *why)
        __attribute__((noreturn));

/* ctl_reply_exit - the exit status for a reply's "status": ok 0,
 * tempfail 75, anything else 1. */
int ctl_reply_exit(const json_t *reply);

/* ctl_reply_fail - for a reply whose status is not ok: its "why" to
 * stderr (or the reply as JSON to stdout with --json); the exit status. */
int ctl_reply_fail(struct ctl *c, const char *cmd, json_t *reply);

/* ctl_print_json - o as indented JSON, member order kept, to stdout. */
void ctl_print_json(const json_t *o);

/* ctl_time - t as "YYYY-MM-DDTHH:MM:SSZ" in buf (>= 21 bytes); "-" for 0. */
const char *ctl_time(long long t, char *buf, size_t len);

/* ctl_str - the string member key of o, or dflt. */
const char *ctl_str(const json_t *o, const char *key, const char *dflt);

#endif
