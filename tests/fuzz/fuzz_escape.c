/*
 * fuzz_escape.c - libFuzzer target for the two writers of outside text:
 * the socketmap reason (socketmap_answer_error, cached/door/
 * socketmap_answer.c) and the JSON log line (log_format_line, common/
 * log.c), fed any bytes (a reason may quote a TXT record, a policy, a
 * server's reply).
 *
 * Invariants: the socketmap reason is printable ASCII only (Postfix turns
 * anything else into '?') and decodes back to the first 200 bytes of the
 * input exactly (\uXXXX, \UXXXXXXXX, \xHH, \\); the log line is one JSON
 * object without a newline, whose "id" comes back unchanged and whose
 * "msg" is valid UTF-8 whatever the input, for every buffer size.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "door/socketmap_answer.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long
hex(const char *p, int n)
{
	char buf[9];

	memcpy(buf, p, (size_t)n);
	buf[n] = '\0';
	return (strtoul(buf, NULL, 16));
}

/* utf8_put - cp as UTF-8 at out; its length */
static size_t
utf8_put(unsigned char *out, unsigned long cp)
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return (1);
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 | (cp >> 6));
		out[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return (2);
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xe0 | (cp >> 12));
		out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return (3);
	}
	out[0] = (unsigned char)(0xf0 | (cp >> 18));
	out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return (4);
}

static void
check_socketmap(const char *in)
{
	char          *got = socketmap_answer_error("TEMP", in);
	unsigned char *back;
	const char    *p;
	size_t         n = 0, want = strlen(in);

	if (strncmp(got, "TEMP ", 5) != 0) {
		abort();
	}
	if (want > 200) {
		want = 200;
	}
	back = malloc(strlen(got) + 1);
	for (p = got + 5; *p != '\0'; p++) {
		if (*p < 0x20 || *p > 0x7e) {
			abort();
		}
		if (*p != '\\') {
			back[n++] = (unsigned char)*p;
			continue;
		}
		p++;
		if (*p == '\\') {
			back[n++] = '\\';
		} else if (*p == 'x' && strlen(p) >= 3) {
			back[n++] = (unsigned char)hex(p + 1, 2);
			p += 2;
		} else if (*p == 'u' && strlen(p) >= 5) {
			n += utf8_put(back + n, hex(p + 1, 4));
			p += 4;
		} else if (*p == 'U' && strlen(p) >= 9) {
			n += utf8_put(back + n, hex(p + 1, 8));
			p += 8;
		} else {
			abort();
		}
	}
	if (n != want || memcmp(back, in, n) != 0) {
		abort();
	}
	free(back);
	free(got);
}

static void
check_log(const char *in)
{
	char   line[4096];
	size_t lens[] = { 256, 300, 1000, sizeof(line) }, i;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		json_error_t err;
		json_t      *o;

		log_format_line(line, lens[i], LOG_FMT_JSON,
		        "2026-12-07T22:00:00Z", LOG_LVL_INFO, "MXTLS-FUZZ",
		        in);
		if (strlen(line) >= lens[i] || strchr(line, '\n') != NULL) {
			abort();
		}
		o = json_loads(line, JSON_REJECT_DUPLICATES, &err);
		if (o == NULL
		        || strcmp(json_string_value(json_object_get(o, "id"))
		                           ? json_string_value(
		                                   json_object_get(o, "id"))
		                           : "",
		                   "MXTLS-FUZZ")
		                != 0
		        || !json_is_string(json_object_get(o, "msg"))) {
			abort();
		}
		json_decref(o);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = malloc(size + 1);

	memcpy(in, data, size);
	in[size] = '\0';
	check_socketmap(in);
	check_log(in);
	free(in);
	return (0);
}
