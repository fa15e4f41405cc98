/*
 * test_log.c - log.format "json" (common/log.c): every line one JSON
 * object (RFC 8259) with ts, level, the stable message ID and the
 * message, whatever the message holds: quotes, backslashes, newlines,
 * control characters, UTF-8, bytes that are not UTF-8, a message longer
 * than a line; and the text format as before.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "log.h"

/* parse - line as one JSON object with exactly ts?, level, id, msg */
static json_t *
parse(const char *line)
{
	json_error_t err;
	json_t      *o = json_loads(line, JSON_REJECT_DUPLICATES, &err);

	if (o == NULL) {
		fail_msg("not JSON: %s: %s", err.text, line);
	}
	assert_true(json_is_object(o));
	assert_true(json_is_string(json_object_get(o, "level")));
	assert_true(json_is_string(json_object_get(o, "id")));
	assert_true(json_is_string(json_object_get(o, "msg")));
	assert_null(strchr(line, '\n'));
	return (o);
}

static void
test_json_line(void **state)
{
	static const struct {
		const char *msg, *want;
	} t[] = {
		{ "plain", "plain" },
		{ "say \"hi\" \\ back", "say \"hi\" \\ back" },
		{ "two\nlines\r\tand\x01\x7f", "two\nlines\r\tand\x01\x7f" },
		{ "b\xc3\xbc"
		  "cher \xe2\x82\xac \xf0\x9f\x98\x80",
		        "b\xc3\xbc"
		        "cher \xe2\x82\xac \xf0\x9f\x98\x80" },
		/* not UTF-8: a lone continuation, an overlong, a surrogate,
		 * a cut sequence, a byte that starts nothing */
		{ "a\x80"
		  "b \xc0\xaf \xed\xa0\x80 \xe2\x82 \xff",
		        "a\\x80b \\xC0\\xAF \\xED\\xA0\\x80 \\xE2\\x82 "
		        "\\xFF" },
		{ "", "" },
	};
	char    line[512];
	json_t *o;
	size_t  i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		log_format_line(line, sizeof(line), LOG_FMT_JSON,
		        "2026-12-07T22:00:00Z", LOG_LVL_WARN, "MXTLS-TEST-ID",
		        t[i].msg);
		o = parse(line);
		assert_string_equal(
		        json_string_value(json_object_get(o, "id")),
		        "MXTLS-TEST-ID");
		assert_string_equal(
		        json_string_value(json_object_get(o, "level")),
		        "warn");
		assert_string_equal(
		        json_string_value(json_object_get(o, "ts")),
		        "2026-12-07T22:00:00Z");
		assert_string_equal(
		        json_string_value(json_object_get(o, "msg")),
		        t[i].want);
		json_decref(o);
	}
	/* no timestamp (syslog adds its own... but json keeps it: NULL is
	 * for callers that have none) */
	log_format_line(line, sizeof(line), LOG_FMT_JSON, NULL, LOG_LVL_ERR,
	        "MXTLS-X", "m");
	o = parse(line);
	assert_null(json_object_get(o, "ts"));
	json_decref(o);
}

/* a message longer than the line: cut at a whole character, still one
 * closed JSON object */
static void
test_json_cut(void **state)
{
	char    msg[1200], line[300];
	json_t *o;
	size_t  i, n;

	(void)state;
	for (i = 0; i + 3 < sizeof(msg); i += 3) {
		memcpy(msg + i, i % 2 ? "\xe2\x82\xac" : "\"\\\n", 3);
	}
	msg[i] = '\0';
	for (n = 256; n <= sizeof(line); n++) {
		log_format_line(line, n, LOG_FMT_JSON, "2026-12-07T22:00:00Z",
		        LOG_LVL_INFO, "MXTLS-LONG", msg);
		assert_true(strlen(line) < n);
		o = parse(line);
		assert_string_equal(
		        json_string_value(json_object_get(o, "id")),
		        "MXTLS-LONG");
		json_decref(o);
	}
}

static void
test_text_line(void **state)
{
	char line[256];

	(void)state;
	log_format_line(line, sizeof(line), LOG_FMT_TEXT, NULL, LOG_LVL_INFO,
	        "MXTLS-FLUSH", "flushed all");
	assert_string_equal(line, "MXTLS-FLUSH: flushed all");
	log_format_line(line, sizeof(line), LOG_FMT_TEXT, "T", LOG_LVL_INFO,
	        "MXTLS-FLUSH", "flushed all");
	assert_string_equal(line, "T info MXTLS-FLUSH: flushed all");
	assert_int_equal(log_format_parse("text"), LOG_FMT_TEXT);
	assert_int_equal(log_format_parse("json"), LOG_FMT_JSON);
	assert_int_equal(log_format_parse("JSON"), -1);
	assert_int_equal(log_format_parse(""), -1);
}

/* through log_msg to stderr (mxtlsd -d): each line parses, with its id */
static void
test_json_stderr(void **state)
{
	char    path[] = "/tmp/test_log.XXXXXX", line[8192];
	int     fd = mkstemp(path), saved = dup(2), n = 0;
	FILE   *f;
	json_t *o;

	(void)state;
	assert_true(fd >= 0 && saved >= 0);
	assert_int_equal(dup2(fd, 2), 2);
	log_init("test", 1, 0);
	log_set_format(LOG_FMT_JSON);
	log_set_level(LOG_LVL_DEBUG);
	log_err("MXTLS-A", "%s", "quote \" here");
	log_info("MXTLS-B", "new\nline %d", 2);
	log_debug("MXTLS-C", "bad \xff utf-8");
	log_set_format(LOG_FMT_TEXT);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	f = fdopen(fd, "r");
	assert_non_null(f);
	rewind(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		static const char *const ids[]
		        = { "MXTLS-A", "MXTLS-B", "MXTLS-C" };
		line[strcspn(line, "\n")] = '\0';
		o                         = parse(line);
		assert_true(n < 3);
		assert_string_equal(
		        json_string_value(json_object_get(o, "id")), ids[n]);
		assert_non_null(json_object_get(o, "ts"));
		json_decref(o);
		n++;
	}
	assert_int_equal(n, 3);
	fclose(f);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_line),
		cmocka_unit_test(test_json_cut),
		cmocka_unit_test(test_text_line),
		cmocka_unit_test(test_json_stderr),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
