/*
 * socketmap_answer.h - the Postfix side of mxtlsd: a socketmap request
 * ("<name> <key>", socketmap_table(5)) to the domain to look up, and the
 * daemon's "policy" reply (docs/IPC.md) to a Postfix smtp_tls_policy_maps
 * answer (postconf(5) smtp_tls_policy_maps; TLSRPT_README for the 3.10
 * attributes). docs/postfix.md is the user's description of the mapping.
 *
 * Pure functions: no I/O, no globals. Results are malloc'd strings the
 * caller frees.
 *
 * Mapping (first rule that applies; never weaker than the requirement of
 * any MX host the answer covers, docs/postfix.md):
 *   status "tempfail"                         -> TEMP <why>
 *   status other than "ok"                    -> PERM <why>
 *   >= 1 host "dane", >= 1 host "encrypt" or
 *     "may", none "verify", "skip", "defer"   -> OK dane
 *   >= 1 host "dane", otherwise               -> OK dane-only
 *   MTA-STS mode enforce (or testing when
 *     testing = strict), mx patterns known    -> OK secure match=H1:H2...
 *                                                servername=hostname
 *                                                [3.10 attributes]
 *     with H1, H2... the MX host names the patterns admit (hosts[].sts
 *     "match"); none -> TEMP
 *   >= 1 host "defer"                         -> OK dane
 *   >= 1 host "encrypt"                       -> OK encrypt
 *   otherwise (no policy, mode none, testing) -> NOTFOUND
 */
#ifndef MXTLS_CACHED_SOCKETMAP_ANSWER_H
#define MXTLS_CACHED_SOCKETMAP_ANSWER_H

#include <stddef.h>

#include <jansson.h>

/* Postfix's socketmap client refuses longer replies (socketmap_table(5)). */
#define SOCKETMAP_MAX_REPLY 100000

struct socketmap_answer_conf {
	int testing_strict; /* socketmap.testing = "strict" */
	int tlsrpt_attrs;   /* socketmap.postfix_version >= 3.10 */
};

enum socketmap_key {
	SOCKETMAP_KEY_LOOKUP = 0, /* a domain to look up */
	SOCKETMAP_KEY_NOTFOUND,   /* answer NOTFOUND without a lookup */
	SOCKETMAP_KEY_PERM,       /* malformed request: answer PERM */
};

/*
 * socketmap_answer_conf_init - from socketmap.postfix_version ("3.7",
 * "3.10.5": MAJOR.MINOR[.PATCH]) and socketmap.testing ("opportunistic",
 * "strict"). -1 with why when a value is malformed.
 */
int socketmap_answer_conf_init(struct socketmap_answer_conf *c,
        const char *postfix_version, const char *testing, char *why,
        size_t whylen);

/*
 * socketmap_answer_key - split a request payload (len bytes, any content)
 * at its first space into the socketmap name and the key, and classify the
 * key: LOOKUP with the normalised domain in domain (domainlen >=
 * DOMAIN_MAX + 1); NOTFOUND for a key starting with "." (Postfix's parent
 * domain probe) or "[" (an explicit next hop), a key with a ":port"
 * suffix, and a key that is not a DNS host name; PERM for a request
 * without a name or key. why says why for NOTFOUND and PERM.
 */
enum socketmap_key socketmap_answer_key(const char *req, size_t len,
        char *domain, size_t domainlen, char *why, size_t whylen);

/*
 * socketmap_answer - the Postfix answer (the socketmap reply payload, e.g.
 * "OK dane-only", "NOTFOUND ", "TEMP MX lookup: ...") for the daemon's
 * policy reply object. Never NULL (aborts when out of memory); the caller
 * frees it.
 */
char *socketmap_answer(
        const json_t *reply, const struct socketmap_answer_conf *c);

/* socketmap_answer_error - "TEMP <why>" or "PERM <why>" (kind "TEMP" or
 * "PERM") with why made printable ASCII that Postfix passes on intact: its
 * first 200 bytes, a UTF-8 character as \uXXXX (\UXXXXXXXX), any other
 * byte outside printable ASCII as \xHH, '\' as \\ (docs/postfix.md). */
char *socketmap_answer_error(const char *kind, const char *why);

#endif
