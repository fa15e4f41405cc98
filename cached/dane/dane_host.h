/*
 * dane_host.h - the data of a DANE result (RFC 7672 §2.1, §2.2): the
 * result of one destination domain, its MX hosts and their usable TLSA
 * records, with the codes their reasons are kept as. dane.h (the rules and
 * the reasons) and dane_share.h (shared host lists) both build on it.
 */
#ifndef MXTLS_CACHED_DANE_HOST_H
#define MXTLS_CACHED_DANE_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "domain.h"

#define DANE_MAX_HOSTS 16 /* MX hosts considered per domain */

enum dane_tlsa_check {
	DANE_TLSA_USABLE = 0,
	DANE_TLSA_BAD_USAGE,    /* PKIX-TA(0), PKIX-EE(1), or unknown */
	DANE_TLSA_BAD_SELECTOR, /* not Cert(0) or SPKI(1) */
	DANE_TLSA_BAD_MTYPE,    /* not Full(0), SHA2-256(1), SHA2-512(2) */
	DANE_TLSA_BAD_LENGTH,   /* digest length does not fit the type, or
	                           empty data */
};

/* one usable TLSA record; data points into the allocation that holds the
 * host's whole array (dane_host.tlsa), after the array */
struct dane_tlsa {
	unsigned char *data;
	uint16_t       len;
	uint8_t        usage;
	uint8_t        selector;
	uint8_t        mtype;
};

enum dane_mx_status {
	DANE_MX_SECURE = 0, /* MX RRset validated: DANE may apply per host */
	DANE_MX_INSECURE,   /* MX RRset not signed: no DANE for any host */
	DANE_MX_IMPLICIT,   /* no MX RRset: the domain is its own host
	                       (RFC 5321 §5.1); secure says if validated */
	DANE_MX_NULL,       /* null MX (RFC 7505): accepts no mail */
	DANE_MX_NODOMAIN,   /* NXDOMAIN */
	DANE_MX_TEMPFAIL,   /* MX lookup failed or bogus: defer the domain */
};

enum dane_host_status {
	DANE_HOST_USABLE = 0, /* secure TLSA RRset with a usable record */
	DANE_HOST_UNUSABLE,   /* secure TLSA RRset, none usable: TLS
	                         mandatory, unauthenticated */
	DANE_HOST_NONE,       /* DANE does not apply (insecure MX, address
	                         or TLSA RRset; or securely no TLSA) */
	DANE_HOST_TEMPFAIL,   /* address or TLSA lookup failed or bogus:
	                         this host must not be used now */
};

/*
 * How a host's why reads (dane_host_why). The reasons of the answers that
 * are kept are produced from the host's fields when asked for; only the
 * rare ones that quote a DNS error or a record are kept as text.
 */
enum dane_why {
	DANE_WHY_EMPTY = 0,          /* "" */
	DANE_WHY_TEXT,               /* dane_host.text */
	DANE_WHY_IMPLICIT_INSECURE,  /* no MX RRset, denial not signed */
	DANE_WHY_MX_INSECURE,        /* MX RRset not signed */
	DANE_WHY_ADDR_INSECURE,      /* address records not signed */
	DANE_WHY_TLSA_RETRY,         /* none at the expanded name: trying the
	                                original one */
	DANE_WHY_TLSA_NONE,          /* securely no TLSA records */
	DANE_WHY_TLSA_NONE_INSECURE, /* no TLSA records, denial not signed */
	DANE_WHY_TLSA_INSECURE,      /* TLSA records not signed */
	DANE_WHY_USABLE,             /* ntlsa usable, nunusable not */
};

/* Which owner a host's TLSA RRset was looked up at last (tlsa_name). */
enum dane_tlsa_at {
	DANE_TLSA_AT_NONE = 0, /* not looked up: tlsa_name is "" */
	DANE_TLSA_AT_CANON,    /* _<port>._tcp.<canon> (canon != NULL) */
	DANE_TLSA_AT_NAME,     /* _<port>._tcp.<name> */
};

/* buffer sizes for dane_host_why, dane_host_tlsa_name, dane_result_why */
#define DANE_HOST_WHY_MAX   256
#define DANE_TLSA_NAME_MAX  (DOMAIN_MAX + 16)
#define DANE_RESULT_WHY_MAX 384

struct dane_host {
	const char *name;       /* not owned: in the allocation of the
	                           result's hosts, or the result's domain */
	char *canon;            /* CNAME-expanded name when it differs
	                           from name, else NULL; owned */
	struct dane_tlsa *tlsa; /* ntlsa usable records and their data,
	                           one allocation; owned */
	char *text;             /* the why when why is DANE_WHY_TEXT;
	                           owned */
	uint16_t pref;
	uint16_t port;      /* of the TLSA owner name */
	uint16_t naddr;     /* A + AAAA records found */
	uint16_t ntlsa;     /* usable records only */
	uint16_t nunusable; /* secure records not usable */
	uint8_t  status;    /* enum dane_host_status */
	uint8_t  addr_secure;
	uint8_t  why;     /* enum dane_why */
	uint8_t  tlsa_at; /* enum dane_tlsa_at */
};

/* dane_result notes: what the MX step saw besides the hosts */
#define DANE_NOTE_WHY       0x01 /* the MX step ran: why is set */
#define DANE_NOTE_NULL_MIX  0x02 /* a null MX mixed with others, ignored */
#define DANE_NOTE_MORE      0x04 /* more than DANE_MAX_HOSTS hosts */
#define DANE_NOTE_CONCLUDED 0x08 /* dane_result_conclude ran */
#define DANE_NOTE_SHARED    0x10 /* hosts is a shared list (dane_share.h) */

/* Immutable once concluded and memoised; shared by reference. */
struct dane_result {
	struct dane_host *hosts; /* preference order; one allocation
	                            with the host names; owned, or
	                            shared (DANE_NOTE_SHARED) */
	char *text;              /* the why when not produced from the
	                            fields (failures), else NULL; owned */
	uint32_t expires;        /* when memoised: until when (else 0);
	                            unix seconds in 32 bits (time32.h) */
	uint32_t ttl;            /* how long this may be reused: min of
	                            the TTLs involved, bounded by config */
	int     refs;
	uint8_t mx_status; /* enum dane_mx_status */
	uint8_t mx_secure;
	uint8_t nhost; /* at most DANE_MAX_HOSTS */
	uint8_t notes; /* DANE_NOTE_* */
	char    domain[];
};

/* dane_mx_status_name / dane_host_status_name - stable lower-case names
 * used in replies: "secure", "insecure", "implicit", "null", "nxdomain",
 * "tempfail"; "usable", "unusable", "none", "tempfail". */
const char *dane_mx_status_name(enum dane_mx_status status);
const char *dane_host_status_name(enum dane_host_status status);

/* dane_host_clear - free what h owns (canon, tlsa, text; not name). */
void dane_host_clear(struct dane_host *h);

#endif
