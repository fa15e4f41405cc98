/*
 * fuzz_exim_reply.c - libFuzzer target for the Exim module's reading of
 * mxtlsd's replies (modules/exim/exim_reply.c) and of the tls:cert event
 * data (modules/exim/exim_outcome.c): any bytes give a policy status with
 * a word from the vocabulary, kept hosts with normal-form names, a result
 * classification, and a bounded certificate record.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exim_outcome.h"
#include "exim_reply.h"
#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
known_word(const char *w)
{
	return (strcmp(w, "dane") == 0 || strcmp(w, "verify") == 0
	        || strcmp(w, "encrypt") == 0 || strcmp(w, "may") == 0
	        || strcmp(w, "testing") == 0 || strcmp(w, "nodane") == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct exim_reply_policy p;
	struct exim_outcome_cert        c;
	enum proto_recorded             r;
	char                            why[64], *text;
	size_t                          i;

	exim_reply_policy_parse((const char *)data, size, &p);
	if (p.word == NULL || !known_word(p.word)
	        || p.nhosts > EXIM_REPLY_MAX_HOSTS
	        || memchr(p.why, '\0', sizeof(p.why)) == NULL) {
		abort();
	}
	if (p.status != EXIM_REPLY_OK && p.nhosts != 0) {
		abort();
	}
	for (i = 0; i < p.nhosts; i++) {
		const struct exim_reply_host *h = &p.hosts[i];

		if (h->host[0] == '\0' || exim_reply_host(&p, h->host) == NULL
		        || strcmp(decision_action_name(h->action), "") == 0) {
			abort();
		}
	}
	why[0] = 'x';
	r = proto_recorded_parse((const char *)data, size, why, sizeof(why));
	if (r > PROTO_UNREADABLE || memchr(why, '\0', sizeof(why)) == NULL) {
		abort();
	}
	/* the same bytes as tls:cert event data (a C string) */
	if ((text = malloc(size + 1)) == NULL) {
		return (0);
	}
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&c, 0, sizeof(c));
	if (exim_outcome_cert_parse(text, &c) == 0) {
		if (!c.seen || strlen(c.sans) >= sizeof(c.sans)) {
			abort();
		}
		(void)exim_outcome_cert_failure(&c, "mx1.example.com", 1000);
	}
	(void)exim_outcome_name_match("mx1.example.com", text);
	(void)exim_outcome_classify(text);
	free(text);
	return (0);
}
