/*
 * domain.h - domain-name normalisation and validation, shared by the daemon,
 * the CLI and the MTA plugins.
 *
 * A destination domain is accepted in the LDH syntax of RFC 1035 §2.3.1 as
 * relaxed by RFC 1123 §2.1 (labels may start with a digit), with IDNs as
 * A-labels only (RFC 5890): labels of 1 to 63 letters, digits and hyphens,
 * not starting or ending with a hyphen, at most 253 characters in all after
 * one optional trailing dot is removed. Upper case is folded to lower case.
 */
#ifndef MXTLS_COMMON_DOMAIN_H
#define MXTLS_COMMON_DOMAIN_H

#include <stddef.h>

#define DOMAIN_MAX 253

/*
 * domain_normalize - validate in (len bytes, may contain anything) and write
 * its normal form to out (outlen >= DOMAIN_MAX + 1). Returns 0 when valid,
 * -1 with a one-line reason in why when not.
 */
int domain_normalize(const char *in, size_t len, char *out, size_t outlen,
        char *why, size_t whylen);

/*
 * domain_not_a_name - 1 with a one-line reason in why when key (len bytes)
 * is something other than a destination domain that an MTA or an admin
 * may hand us: "." first (Postfix's parent-domain probe), "[" first (an
 * explicit next hop or address literal, RFC 5321 §4.1.3), an IPv4 or IPv6
 * address, or a ":port" suffix. Such a key has no MTA-STS or DANE policy
 * of its own: it is refused at once, without a lookup. 0 otherwise (the
 * key may still fail domain_normalize). One rule for the socketmap and
 * mxtlsctl.
 */
int domain_not_a_name(const char *key, size_t len, char *why, size_t whylen);

/* domain_is_normal - 1 when s is already in normal form, else 0. */
int domain_is_normal(const char *s);

#endif
