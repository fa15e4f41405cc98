/*
 * dane_host.c - what a host of a DANE result owns, and the names of the
 * MX and host states (dane_host.h, dane.h). Pure.
 */
#include <stdlib.h>

#include "dane/dane_host.h"

const char *
dane_mx_status_name(enum dane_mx_status status)
{
	switch (status) {
	case DANE_MX_SECURE:
		return ("secure");
	case DANE_MX_INSECURE:
		return ("insecure");
	case DANE_MX_IMPLICIT:
		return ("implicit");
	case DANE_MX_NULL:
		return ("null");
	case DANE_MX_NODOMAIN:
		return ("nxdomain");
	case DANE_MX_TEMPFAIL:
		return ("tempfail");
	}
	return ("?");
}

const char *
dane_host_status_name(enum dane_host_status status)
{
	switch (status) {
	case DANE_HOST_USABLE:
		return ("usable");
	case DANE_HOST_UNUSABLE:
		return ("unusable");
	case DANE_HOST_NONE:
		return ("none");
	case DANE_HOST_TEMPFAIL:
		return ("tempfail");
	}
	return ("?");
}

void
dane_host_clear(struct dane_host *h)
{
	free(h->canon);
	free(h->tlsa);
	free(h->text);
	h->canon = NULL;
	h->tlsa  = NULL;
	h->text  = NULL;
	h->ntlsa = 0;
}
