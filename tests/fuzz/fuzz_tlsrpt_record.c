/*
 * fuzz_tlsrpt_record.c - libFuzzer target for the SMTP TLS Reporting TXT
 * record parser (RFC 8460 §3): tlsrpt_record_parse on the whole input,
 * tlsrpt_record_select on the input split at LF into up to 8 records,
 * tlsrpt_record_to_json on every record accepted. Aborts when an invariant
 * of the API does not hold.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tlsrpt/tlsrpt_record.h"

#define MAX_RECORDS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
has_scheme(const char *u, const char *scheme)
{
	size_t i, n = strlen(scheme);

	for (i = 0; i < n; i++) {
		char c = u[i];
		if (c >= 'A' && c <= 'Z') {
			c = (char)(c - 'A' + 'a');
		}
		if (c != scheme[i]) {
			return (0);
		}
	}
	return (1);
}

static void
check(enum tlsrpt_record_status st, struct tlsrpt_record *rec, const char *why,
        size_t whylen)
{
	json_t *j;
	char   *s;
	size_t  i;

	if (memchr(why, '\0', whylen) == NULL) {
		abort();
	}
	if (st != TLSRPT_RECORD_OK) {
		if (rec->nrua != 0 || rec->rua != NULL || why[0] == '\0') {
			abort();
		}
		return;
	}
	if (rec->nrua == 0 || rec->rua == NULL) {
		abort();
	}
	for (i = 0; i < rec->nrua; i++) {
		if (!has_scheme(rec->rua[i], "mailto:")
		        && !has_scheme(rec->rua[i], "https://")) {
			abort();
		}
		if (strpbrk(rec->rua[i], ",;! \t") != NULL) {
			abort();
		}
	}
	if ((j = tlsrpt_record_to_json(rec)) == NULL) {
		abort();
	}
	if (json_array_size(json_object_get(j, "rua")) != rec->nrua) {
		abort();
	}
	if ((s = json_dumps(j, JSON_COMPACT)) == NULL) {
		abort();
	}
	free(s);
	json_decref(j);
	tlsrpt_record_clear(rec);
	if (rec->nrua != 0 || rec->rua != NULL) {
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char               *txt = (const char *)data;
	const char               *txts[MAX_RECORDS];
	size_t                    lens[MAX_RECORDS];
	size_t                    n = 0, start = 0, i;
	struct tlsrpt_record      rec;
	enum tlsrpt_record_status st, st1;
	char                      why[96];

	why[0] = '\0';
	st1    = tlsrpt_record_parse(txt, size, &rec, why, sizeof(why));
	check(st1, &rec, why, sizeof(why));
	/* Validation only (rec NULL) must agree and leak nothing. */
	if (tlsrpt_record_parse(txt, size, NULL, NULL, 0) != st1) {
		abort();
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
	st     = tlsrpt_record_select(txts, lens, n, &rec, why, sizeof(why));
	check(st, &rec, why, sizeof(why));
	if (n == 1 && st != st1) {
		abort();
	}
	return (0);
}
