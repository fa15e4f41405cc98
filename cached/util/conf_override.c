/*
 * conf_override.c - the "override" list of mxtlsd.conf (see
 * conf_override.h): each entry parsed and checked with util/override_rule,
 * so a config rule passes the same checks as one made with mxtlsctl.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/conf_override.h"
#include "util/xalloc.h"

static int
fail(char *why, size_t whylen, const char *file, int line, const char *msg,
        const char *detail)
{
	snprintf(why, whylen, "%s:%d: override: %s%s%s", file, line, msg,
	        detail != NULL ? ": " : "", detail != NULL ? detail : "");
	return (-1);
}

/* member - e[name] as a string, or NULL. */
static const char *
member(config_setting_t *e, const char *name)
{
	config_setting_t *m = config_setting_get_member(e, name);

	if (m == NULL || config_setting_type(m) != CONFIG_TYPE_STRING) {
		return (NULL);
	}
	return (config_setting_get_string(m));
}

static int
entry(config_setting_t *e, const char *file, struct override_rule *r,
        char *why, size_t whylen)
{
	static const char *const names[]
	        = { "target", "action", "until", "reason" };
	const char *v[4];
	char        w[256];
	int         line = config_setting_source_line(e), i, act;

	memset(r, 0, sizeof(*r));
	if (config_setting_type(e) != CONFIG_TYPE_GROUP) {
		return (fail(why, whylen, file, line,
		        "entries must be groups { target = ...; action = ...; "
		        "until = ...; reason = ...; }",
		        NULL));
	}
	for (i = 0; i < config_setting_length(e); i++) {
		const char *n = config_setting_name(
		        config_setting_get_elem(e, (unsigned)i));
		if (n == NULL
		        || (strcmp(n, "target") != 0
		                && strcmp(n, "action") != 0
		                && strcmp(n, "until") != 0
		                && strcmp(n, "reason") != 0)) {
			return (fail(
			        why, whylen, file, line, "unknown member", n));
		}
	}
	for (i = 0; i < 4; i++) {
		if ((v[i] = member(e, names[i])) == NULL) {
			snprintf(w, sizeof(w), "\"%s\" (a string) is missing",
			        names[i]);
			return (fail(why, whylen, file, line, w, NULL));
		}
	}
	if (override_target_parse(v[0], r->target, sizeof(r->target),
	            &r->is_mx, w, sizeof(w))
	        != 0) {
		return (fail(why, whylen, file, line, w, NULL));
	}
	if ((act = override_action_of(v[1])) < 0) {
		snprintf(w, sizeof(w),
		        "unknown action \"%.40s\" (none, testing, no-dane, "
		        "no-sts, defer)",
		        v[1]);
		return (fail(why, whylen, file, line, w, NULL));
	}
	r->action = (enum override_action)act;
	/* a date long past is checked for form here; expiry is the
	 * table's business (the rule is logged and skipped) */
	if (override_until_parse(v[2], INT64_MIN, &r->until, w, sizeof(w))
	        != 0) {
		return (fail(why, whylen, file, line, w, NULL));
	}
	if (v[3][0] == '\0') {
		return (fail(why, whylen, file, line,
		        "an override needs a reason (who, why, a ticket)",
		        NULL));
	}
	if (strlen(v[3]) > OVERRIDE_REASON_MAX) {
		return (fail(why, whylen, file, line, "the reason is too long",
		        NULL));
	}
	snprintf(r->reason, sizeof(r->reason), "%s", v[3]);
	r->source = OVERRIDE_SRC_CONFIG;
	if (override_rule_check(r, INT64_MIN, w, sizeof(w)) != 0) {
		return (fail(why, whylen, file, line, w, NULL));
	}
	return (0);
}

int
conf_override_parse(config_setting_t *s, const char *file,
        struct override_rule **out, size_t *n, char *why, size_t whylen)
{
	struct override_rule *v;
	int                   len, i, j;

	*out = NULL;
	*n   = 0;
	if (config_setting_type(s) != CONFIG_TYPE_LIST) {
		return (fail(why, whylen, file, config_setting_source_line(s),
		        "must be a list ( { ... }, ... )", NULL));
	}
	len = config_setting_length(s);
	if (len > CONF_MAX_OVERRIDES) {
		return (fail(why, whylen, file, config_setting_source_line(s),
		        "too many entries", NULL));
	}
	if ((v = calloc((size_t)len + 1, sizeof(*v))) == NULL) {
		xdie();
	}
	for (i = 0; i < len; i++) {
		if (entry(config_setting_get_elem(s, (unsigned)i), file, &v[i],
		            why, whylen)
		        != 0) {
			free(v);
			return (-1);
		}
		for (j = 0; j < i; j++) {
			if (strcmp(v[j].target, v[i].target) == 0) {
				free(v);
				return (fail(why, whylen, file,
				        config_setting_source_line(
				                config_setting_get_elem(
				                        s, (unsigned)i)),
				        "a second entry for the same target",
				        v[i].target));
			}
		}
	}
	*out = v;
	*n   = (size_t)len;
	return (0);
}

void
conf_override_print(const struct override_rule *r, size_t n, FILE *out)
{
	size_t    i;
	time_t    t;
	struct tm tm;
	char      until[32];

	if (n == 0) {
		return;
	}
	fprintf(out, "override = (\n");
	for (i = 0; i < n; i++) {
		t = (time_t)r[i].until;
		if (gmtime_r(&t, &tm) == NULL
		        || strftime(until, sizeof(until), "%Y-%m-%dT%H:%M:%SZ",
		                   &tm)
		                == 0) {
			until[0] = '\0';
		}
		fprintf(out,
		        "\t{ target = \"%s\"; action = \"%s\"; until = "
		        "\"%s\"; "
		        "reason = \"",
		        r[i].target, override_action_name(r[i].action), until);
		for (const char *p = r[i].reason; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\') {
				fputc('\\', out);
			}
			fputc(*p, out);
		}
		fprintf(out, "\"; }%s\n", i + 1 < n ? "," : "");
	}
	fprintf(out, ");\n");
}
