/*
 * ctl_parse.c - "mxtlsctl parse sts-record|sts-policy|tlsrpt-record":
 * check a record or policy with the daemon's own parsers, offline, before
 * publishing it (RFC 8461 §3.1, §3.2; RFC 8460 §3).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl_cmds.h"
#include "sts/sts_policy.h"
#include "sts/sts_record.h"
#include "tlsrpt/tlsrpt_record.h"

static char *
read_all(const char *path, size_t *len)
{
	FILE  *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char  *buf;
	size_t cap = STS_POLICY_MAX_BODY + 1, n;

	if (f == NULL) {
		ctl_fail(CTL_EXIT_FAIL, "parse sts-policy: %s: %s", path,
		        strerror(errno));
	}
	if ((buf = malloc(cap)) == NULL) {
		ctl_fail(CTL_EXIT_FAIL, "out of memory");
	}
	n = fread(buf, 1, cap, f);
	if (f != stdin) {
		fclose(f);
	}
	if (n == cap) {
		ctl_fail(CTL_EXIT_FAIL,
		        "parse sts-policy: %s: larger than %d bytes (the "
		        "limit of RFC 8461 section 3.2)",
		        path, STS_POLICY_MAX_BODY);
	}
	*len = n;
	return (buf);
}

/* print_fields - a parsed record as "key: value" lines */
static void
print_fields(const char *what, const json_t *o)
{
	const char *key;
	json_t     *v;
	size_t      i;

	printf("valid %s\n", what);
	json_object_foreach((json_t *)o, key, v)
	{
		printf("  %-10s", key);
		if (json_is_array(v)) {
			json_t *e;
			json_array_foreach(v, i, e)
			{
				printf(" %s",
				        json_is_string(e)
				                ? json_string_value(e)
				                : "?");
			}
		} else if (json_is_string(v)) {
			printf(" %s", json_string_value(v));
		} else if (json_is_integer(v)) {
			printf(" %lld", (long long)json_integer_value(v));
		} else {
			char *t = json_dumps(
			        v, JSON_COMPACT | JSON_ENCODE_ANY);
			printf(" %s", t != NULL ? t : "?");
			free(t);
		}
		printf("\n");
	}
}

static int
ctl_parse(struct ctl *c, int argc, char **argv)
{
	char    why[512];
	json_t *o = NULL;

	if (argc < 2) {
		ctl_usage(argv[0],
		        "what? sts-record, sts-policy or tlsrpt-record");
	}
	if (strcmp(argv[1], "sts-record") != 0
	        && strcmp(argv[1], "sts-policy") != 0
	        && strcmp(argv[1], "tlsrpt-record") != 0) {
		ctl_usage(argv[0],
		        "unknown kind \"%s\" (sts-record, sts-policy or "
		        "tlsrpt-record)",
		        argv[1]);
	}
	if (argc < 3) {
		ctl_usage(argv[0], "%s: the %s to check is missing", argv[1],
		        strcmp(argv[1], "sts-policy") == 0 ? "file (or -)"
		                                           : "record text");
	}
	if (argc > 3) {
		ctl_usage(argv[0],
		        "%s: one argument (quote the record), not also \"%s\"",
		        argv[1], argv[3]);
	}
	why[0] = '\0';
	if (strcmp(argv[1], "sts-record") == 0) {
		struct sts_record rec;
		if (sts_record_parse(
		            argv[2], strlen(argv[2]), &rec, why, sizeof(why))
		        == STS_RECORD_OK) {
			o = sts_record_to_json(&rec);
		}
	} else if (strcmp(argv[1], "sts-policy") == 0) {
		struct sts_policy pol;
		size_t            len;
		char             *body = read_all(argv[2], &len);
		if (sts_policy_parse(body, len, &pol, why, sizeof(why)) == 0) {
			o = sts_policy_to_json(&pol);
			sts_policy_clear(&pol);
		}
		free(body);
	} else {
		struct tlsrpt_record rec;
		if (tlsrpt_record_parse(
		            argv[2], strlen(argv[2]), &rec, why, sizeof(why))
		        == TLSRPT_RECORD_OK) {
			o = tlsrpt_record_to_json(&rec);
			tlsrpt_record_clear(&rec);
		}
	}
	if (o == NULL) {
		fprintf(stderr, "invalid %s: %s\n", argv[1],
		        why[0] ? why : "not valid");
		return (CTL_EXIT_FAIL);
	}
	if (c->json) {
		ctl_print_json(o);
	} else {
		print_fields(argv[1], o);
	}
	json_decref(o);
	return (CTL_EXIT_OK);
}

/* clang-format off */
const struct ctl_cmd ctl_cmd_parse = { "parse", ctl_parse,
	"sts-record 'TXT'\nsts-policy FILE|-\ntlsrpt-record 'TXT'",
	"Check an MTA-STS TXT record, an MTA-STS policy file (- for stdin)\n"
	"or a TLSRPT TXT record with mxtlsd's own parsers, offline. Exit 0\n"
	"valid, 1 invalid (the reason on stderr)." };
/* clang-format on */
