/*
 * abnf.h - the character classes of RFC 5234 (core rules) and of the
 * key=value TXT records of RFC 8461 §3.1 and RFC 8460 §3, shared by their
 * parsers. Pure inline functions.
 */
#ifndef MXTLS_COMMON_ABNF_H
#define MXTLS_COMMON_ABNF_H

#include <stddef.h>
#include <stdio.h>

/* WSP = SP / HTAB */
static inline int
abnf_wsp(unsigned char c)
{
	return (c == ' ' || c == '\t');
}

static inline int
abnf_alpha(unsigned char c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
}

static inline int
abnf_digit(unsigned char c)
{
	return (c >= '0' && c <= '9');
}

static inline int
abnf_alnum(unsigned char c)
{
	return (abnf_alpha(c) || abnf_digit(c));
}

static inline int
abnf_hex(unsigned char c)
{
	return (abnf_digit(c) || (c >= 'a' && c <= 'f')
	        || (c >= 'A' && c <= 'F'));
}

/* ext-name tail: ALPHA / DIGIT / "_" / "-" / "." (RFC 8461 §3.1, RFC 8460
 * §3) */
static inline int
abnf_ext_name_char(unsigned char c)
{
	return (abnf_alnum(c) || c == '_' || c == '-' || c == '.');
}

/* ext-value: %x21-3A / %x3C / %x3E-7E (no "=", ";", SP, controls) */
static inline int
abnf_ext_value_char(unsigned char c)
{
	return ((c >= 0x21 && c <= 0x3a) || c == 0x3c
	        || (c >= 0x3e && c <= 0x7e));
}

/* abnf_chdesc - a byte for a why string: 'x' when printable, else 0xNN. */
static inline const char *
abnf_chdesc(unsigned char c, char *buf, size_t buflen)
{
	if (c >= 0x21 && c <= 0x7e && c != '\'')
		snprintf(buf, buflen, "'%c'", c);
	else
		snprintf(buf, buflen, "0x%02x", c);
	return (buf);
}

#endif
