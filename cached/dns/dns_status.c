/*
 * dns_status.c - the names of the four outcomes of a lookup (dns.h): found,
 * notfound, tempfail, bogus. Apart from dns.c so that tests replacing the
 * resolver (tests/scenario/fake_dns.c) keep the real names.
 */
#include "dns/dns.h"

const char *
dns_status_name(enum dns_status status)
{
	switch (status) {
	case DNS_FOUND:
		return ("found");
	case DNS_NOTFOUND:
		return ("notfound");
	case DNS_TEMPFAIL:
		return ("tempfail");
	case DNS_BOGUS:
		return ("bogus");
	}
	return ("?");
}
