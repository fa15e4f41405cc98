/*
 * fuzz_sts_record.c - libFuzzer target for the MTA-STS TXT record parser
 * (RFC 8461 §3.1): sts_record_parse on the whole input, sts_record_select on
 * the input split at LF into up to 8 records, sts_record_to_json on every
 * record accepted. Aborts when an invariant of the API does not hold.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sts/sts_record.h"

#define MAX_RECORDS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
is_alnum(unsigned char c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	        || (c >= '0' && c <= '9'));
}

static void
check(enum sts_record_status st, const struct sts_record *rec, const char *why,
        size_t whylen)
{
	json_t *j;
	char   *s;
	size_t  i, n;

	if (memchr(why, '\0', whylen) == NULL) {
		abort();
	}
	if (st != STS_RECORD_OK) {
		if (rec->id[0] != '\0' || why[0] == '\0') {
			abort();
		}
		return;
	}
	n = strlen(rec->id);
	if (n == 0 || n > STS_RECORD_ID_MAX) {
		abort();
	}
	for (i = 0; i < n; i++) {
		if (!is_alnum((unsigned char)rec->id[i])) {
			abort();
		}
	}
	if ((j = sts_record_to_json(rec)) == NULL) {
		abort();
	}
	if (strcmp(json_string_value(json_object_get(j, "id")), rec->id)
	        != 0) {
		abort();
	}
	if ((s = json_dumps(j, JSON_COMPACT)) == NULL) {
		abort();
	}
	free(s);
	json_decref(j);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char            *txt = (const char *)data;
	const char            *txts[MAX_RECORDS];
	size_t                 lens[MAX_RECORDS];
	size_t                 n = 0, start = 0, i;
	struct sts_record      rec;
	enum sts_record_status st, st1;
	char                   why[96];

	why[0] = '\0';
	st1    = sts_record_parse(txt, size, &rec, why, sizeof(why));
	check(st1, &rec, why, sizeof(why));
	/* A short why buffer must be truncated, not overrun. */
	{
		char              small[4] = "";
		struct sts_record r2;
		if (sts_record_parse(txt, size, &r2, small, sizeof(small))
		        != st1) {
			abort();
		}
		if (memchr(small, '\0', sizeof(small)) == NULL) {
			abort();
		}
	}

	for (i = 0; i <= size && n < MAX_RECORDS; i++) {
		if (i == size || data[i] == '\n') {
			txts[n] = txt + start;
			lens[n] = i - start;
			n++;
			start = i + 1;
		}
	}
	why[0] = '\0';
	st     = sts_record_select(txts, lens, n, &rec, why, sizeof(why));
	check(st, &rec, why, sizeof(why));
	/* One record: the choice is the record itself. */
	if (n == 1 && st != st1) {
		abort();
	}
	return (0);
}
