/*
 * test_conf.c - the configuration table against configs/mxtlsd.conf (every
 * key documented once, the file equal to the embedded defaults), and the
 * loader's errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/conf.h"

#define CONF_FILE MXTLS_SOURCE_DIR "/configs/mxtlsd.conf"

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long  n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return (buf);
}

static char *
printed(const struct conf *c)
{
	char  *buf = NULL;
	size_t len = 0;
	FILE  *f   = open_memstream(&buf, &len);

	conf_print(c, f);
	fclose(f);
	return (buf);
}

static void
test_every_key_documented(void **state)
{
	char *text = slurp(CONF_FILE);
	int   i;

	for (i = 0; i < conf_key_count(); i++) {
		const char *key = strchr(conf_key_name(i), '.') + 1;
		char        pat[128];
		char        grp[64];
		const char *g;
		snprintf(grp, sizeof(grp), "%.*s: {",
		        (int)(strchr(conf_key_name(i), '.')
		                - conf_key_name(i)),
		        conf_key_name(i));
		g = strstr(text, grp);
		if (g == NULL)
			fail_msg("group of %s not in %s", conf_key_name(i),
			        CONF_FILE);
		/* a group in a group: "\tredis: {" then "\t\turl = " */
		if (strchr(key, '.') != NULL) {
			snprintf(pat, sizeof(pat), "\t%.*s: {",
			        (int)(strchr(key, '.') - key), key);
			g = strstr(g, pat);
			if (g == NULL)
				fail_msg("group of %s not in %s",
				        conf_key_name(i), CONF_FILE);
			snprintf(pat, sizeof(pat),
			        "\t\t%s = ", strchr(key, '.') + 1);
			if (strstr(g, pat) == NULL)
				fail_msg("%s is not documented in %s",
				        conf_key_name(i), CONF_FILE);
			continue;
		}
		/* a deprecated key is listed commented out */
		snprintf(pat, sizeof(pat), "\t%s%s = ",
		        conf_key_deprecated(i) != NULL ? "# " : "", key);
		if (strstr(g, pat) == NULL)
			fail_msg("%s is not documented in %s",
			        conf_key_name(i), CONF_FILE);
	}
	free(text);
}

static void
test_file_equals_defaults(void **state)
{
	struct conf a, b;
	char        why[256];
	char       *pa, *pb;

	conf_defaults(&a);
	conf_defaults(&b);
	assert_int_equal(conf_load(&b, CONF_FILE, why, sizeof(why)), 0);
	pa = printed(&a);
	pb = printed(&b);
	assert_string_equal(pa, pb);
	free(pa);
	free(pb);
	conf_free(&a);
	conf_free(&b);
}

static void
test_print_round_trips(void **state)
{
	struct conf a, b;
	char        why[256], path[] = "/tmp/mxtls-conf-XXXXXX";
	char       *pa, *pb;
	int         fd = mkstemp(path);
	FILE       *f  = fdopen(fd, "w");

	conf_defaults(&a);
	assert_int_equal(conf_load(&a, CONF_FILE, why, sizeof(why)), 0);
	free(a.fetch_ca_file);
	a.fetch_ca_file = strdup("/tmp/x \"quoted\".pem");
	conf_print(&a, f);
	fclose(f);
	conf_defaults(&b);
	assert_int_equal(conf_load(&b, path, why, sizeof(why)), 0);
	pa = printed(&a);
	pb = printed(&b);
	assert_string_equal(pa, pb);
	free(pa);
	free(pb);
	conf_free(&a);
	conf_free(&b);
	unlink(path);
}

struct bad_case {
	const char *text;
	const char *expect; /* substring of why */
};

static const struct bad_case bad_cases[] = {
	{ "nosuch: { x = 1; };\n", "nosuch.x: unknown key" },
	{ "store: { backend = \"mysql\"; };\n", "\"sqlite\" or \"redis\"" },
	{ "store: { backend = \"redis\"; };\n", "needs store.redis.url" },
	{ "store: { redis: { nosuch = 1; }; };\n",
	        "store.redis.nosuch: unknown key" },
	{ "store: { redis: { deeper: { x = 1; }; }; };\n",
	        "store.redis.deeper: unknown key" },
	{ "store: { redis: { key_prefix = \"a b\"; }; };\n",
	        "store.redis.key_prefix" },
	{ "store: { host_id = \"a b\"; };\n", "store.host_id" },
	{ "store: { redis: { timeout = 61; }; };\n", "out of range" },
	{ "fetch: { timeout = \"30\"; };\n", "must be a number of seconds" },
	{ "fetch: { port = 1.5; };\n", "must be an integer" },
	{ "fetch: { port = 0; };\n", "out of range" },
	{ "fetch: { max_body = 70000; };\n", "out of range" },
	{ "fetch: { allow_private = 1; };\n", "must be true or false" },
	{ "ipc: { mode = \"0999\"; };\n", "octal" },
	{ "log: { level = \"loud\"; };\n", "log.level" },
	{ "log: { facility = \"kern\"; };\n", "log.facility" },
	{ "sts: { expired_policy = \"maybe\"; };\n", "sts.expired_policy" },
	{ "store: { backend = \"redis\"; };\n", "store.backend" },
	{ "ipc: { listen = \"tcp://10.0.0.1:5000\"; };\n", "ipc.listen" },
	{ "ipc: { listen = \"ipc://relative.sock\"; };\n", "ipc.listen" },
	/* deprecated, still checked */
	{ "ipc: { contexts = 0; };\n", "ipc.contexts: 0 is out of range" },
	{ "resolver: { trust_anchors = [ 1 ]; };\n", "list of strings" },
	{ "timeout = 3;\n", "unknown key" },
	{ "fetch: { timeout = ; };\n", ":1: syntax error" },
	{ "\n\nfetch: {\n nested: { a = 1; };\n};\n", ":4: fetch.nested" },
};

static void
test_bad_files(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct conf c;
		char        why[256], path[] = "/tmp/mxtls-conf-XXXXXX";
		int         fd = mkstemp(path);
		FILE       *f  = fdopen(fd, "w");

		fputs(bad_cases[i].text, f);
		fclose(f);
		conf_defaults(&c);
		why[0] = '\0';
		if (conf_load(&c, path, why, sizeof(why)) == 0)
			fail_msg("accepted: %s", bad_cases[i].text);
		if (strstr(why, bad_cases[i].expect) == NULL)
			fail_msg("case %zu: why \"%s\" lacks \"%s\"", i, why,
			        bad_cases[i].expect);
		conf_free(&c);
		unlink(path);
	}
}

static void
test_missing_file(void **state)
{
	struct conf c;
	char        why[256];

	conf_defaults(&c);
	assert_int_equal(
	        conf_load(&c, "/nonexistent/mxtlsd.conf", why, sizeof(why)),
	        -1);
	assert_non_null(strstr(why, "cannot read"));
	conf_free(&c);
}

static void
test_values_applied(void **state)
{
	struct conf c;
	char        why[256], path[] = "/tmp/mxtls-conf-XXXXXX";
	int         fd = mkstemp(path);
	FILE       *f  = fdopen(fd, "w");

	fputs("ipc: { mode = \"0600\"; };\nfetch: { timeout = 2.5; "
	      "allow_private = true; };\nresolver: { trust_anchors = "
	      "[\"/a\", \"/b\"]; };\nlog: { level = \"debug\"; };\nsts: { "
	      "expired_policy = \"tempfail\"; };\n",
	        f);
	fclose(f);
	conf_defaults(&c);
	assert_int_equal(conf_load(&c, path, why, sizeof(why)), 0);
	assert_int_equal(c.ipc_mode, 0600);
	assert_true(c.fetch_timeout > 2.49 && c.fetch_timeout < 2.51);
	assert_int_equal(c.fetch_allow_private, 1);
	assert_string_equal(c.resolver_trust_anchors[0], "/a");
	assert_string_equal(c.resolver_trust_anchors[1], "/b");
	assert_null(c.resolver_trust_anchors[2]);
	assert_int_equal(c.sts_expired_policy, CONF_EXPIRED_TEMPFAIL);
	conf_free(&c);
	unlink(path);
}

/* ipc.contexts is deprecated: a file setting it loads, with a warning
 * naming file, line and key; the printed configuration leaves it out; the
 * stock file warns about nothing */
static void
test_deprecated(void **state)
{
	struct conf c;
	char        why[256], path[] = "/tmp/mxtls-conf-XXXXXX";
	char       *p;
	int         fd = mkstemp(path);
	FILE       *f  = fdopen(fd, "w");

	fputs("log: { level = \"debug\"; };\nipc: {\n contexts = 64;\n};\n",
	        f);
	fclose(f);
	conf_defaults(&c);
	assert_int_equal(conf_load(&c, path, why, sizeof(why)), 0);
	assert_non_null(c.warnings[0]);
	assert_non_null(strstr(c.warnings[0], ":3: ipc.contexts: deprecated"));
	assert_null(c.warnings[1]);
	p = printed(&c);
	assert_null(strstr(p, "\tcontexts = "));
	assert_non_null(strstr(p, "\t# contexts: deprecated"));
	free(p);
	conf_free(&c);
	unlink(path);
	conf_defaults(&c);
	assert_int_equal(conf_load(&c, CONF_FILE, why, sizeof(why)), 0);
	assert_null(c.warnings[0]);
	conf_free(&c);
}

struct merge_seen {
	char keys[1024];
};

static void
on_merge(void *arg, const char *key, const char *old, const char *new,
        int applied)
{
	struct merge_seen *m = arg;
	size_t             n = strlen(m->keys);

	snprintf(m->keys + n, sizeof(m->keys) - n, "%s%s:%s>%s;",
	        applied ? "+" : "-", key, old, new);
}

/* conf_merge (a reload): reloadable keys move into the live conf with
 * their derived fields, the others keep the running value; unchanged keys
 * are not reported; the fresh conf gets the old values to free. */
static void
test_merge(void **state)
{
	struct conf       live, fresh;
	struct merge_seen m;
	char              why[256], path[] = "/tmp/mxtls-conf-XXXXXX";
	int               fd = mkstemp(path);
	FILE             *f  = fdopen(fd, "w");

	(void)state;
	fputs("log: { level = \"debug\"; };\nsts: { expired_policy = "
	      "\"tempfail\"; };\nstore: { path = \"/elsewhere.db\"; };\n"
	      "resolver: { trust_anchors = [\"/a\"]; };\n"
	      "socketmap: { testing = \"strict\"; };\ndane: { port = 26; "
	      "max_ttl = 60; };\n",
	        f);
	fclose(f);
	conf_defaults(&live);
	conf_defaults(&fresh);
	assert_int_equal(conf_load(&fresh, path, why, sizeof(why)), 0);
	memset(&m, 0, sizeof(m));
	assert_int_equal(conf_merge(&live, &fresh, on_merge, &m), 4);
	assert_string_equal(m.keys,
	        "-store.path:\"/var/lib/mxtls/mxtls.db\">\"/elsewhere.db\";"
	        "+log.level:\"info\">\"debug\";"
	        "-resolver.trust_anchors:[]>[ \"/a\" ];"
	        "+sts.expired_policy:\"none\">\"tempfail\";"
	        "-dane.port:25>26;"
	        "+dane.max_ttl:3600>60;"
	        "+socketmap.testing:\"opportunistic\">\"strict\";");
	/* applied, derived fields too */
	assert_string_equal(live.log_level_str, "debug");
	assert_int_equal(live.log_level, 4);
	assert_int_equal(live.sts_expired_policy, CONF_EXPIRED_TEMPFAIL);
	assert_int_equal(live.dane_max_ttl, 60);
	assert_string_equal(live.socketmap_testing, "strict");
	/* kept */
	assert_string_equal(live.store_path, "/var/lib/mxtls/mxtls.db");
	assert_null(live.resolver_trust_anchors[0]);
	assert_int_equal(live.dane_port, 25);
	/* fresh holds the old values of what moved */
	assert_string_equal(fresh.log_level_str, "info");
	assert_string_equal(fresh.socketmap_testing, "opportunistic");
	assert_true(conf_key_reloadable("preload.path"));
	assert_false(conf_key_reloadable("store.path"));
	assert_false(conf_key_reloadable("dane.port"));
	/* the same again: nothing changes */
	memset(&m, 0, sizeof(m));
	conf_free(&fresh);
	conf_defaults(&fresh);
	assert_int_equal(conf_load(&fresh, path, why, sizeof(why)), 0);
	assert_int_equal(conf_merge(&live, &fresh, on_merge, &m), 0);
	assert_string_equal(m.keys,
	        "-store.path:\"/var/lib/mxtls/mxtls.db\">\"/elsewhere.db\";"
	        "-resolver.trust_anchors:[]>[ \"/a\" ];-dane.port:25>26;");
	conf_free(&fresh);
	conf_free(&live);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_key_documented),
		cmocka_unit_test(test_file_equals_defaults),
		cmocka_unit_test(test_print_round_trips),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_values_applied),
		cmocka_unit_test(test_deprecated),
		cmocka_unit_test(test_merge),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
