/*
 * conf_override.h - the "override" list of mxtlsd.conf (local overrides,
 * docs/DECISIONS.md "Local overrides"; man mxtlsd.conf(5)):
 *
 *   override = ( { target = "example.com"; action = "testing";
 *                  until = "2027-01-31"; reason = "MX cert broken, #123"; } );
 */
#ifndef MXTLS_CACHED_CONF_OVERRIDE_H
#define MXTLS_CACHED_CONF_OVERRIDE_H

#include <stddef.h>
#include <stdio.h>

#include <libconfig.h>

#include "util/override_rule.h"

#define CONF_MAX_OVERRIDES 1000

/*
 * conf_override_parse - the list s (from file) into a new array *out of
 * *n rules (source config). Every entry needs target, action, until and
 * reason, each checked as for mxtlsctl; an until in the past is not an
 * error (the rule is logged as expired and not used when loaded). -1 with
 * why ("file:line: override: ...") otherwise.
 */
int conf_override_parse(config_setting_t *s, const char *file,
        struct override_rule **out, size_t *n, char *why, size_t whylen);

/* conf_override_print - the rules as an "override" list, in libconfig
 * syntax (nothing when n is 0). */
void conf_override_print(const struct override_rule *r, size_t n, FILE *out);

#endif
