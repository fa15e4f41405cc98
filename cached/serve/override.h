/*
 * override.h - the table of local overrides in force (docs/DECISIONS.md
 * "Local overrides"): the config file's "override" list and the ones made
 * with mxtlsctl (kept in the store), looked up by the arbiter for every
 * front door's answer. Loop thread only.
 *
 * Rules of the table:
 * - an override stops applying at its until second: every lookup takes
 *   the time and skips an expired rule; the sweep then removes it (from
 *   the store for a CLI one) and logs it once (MXTLS-OVERRIDE-EXPIRED);
 * - one CLI rule and one config rule per target at most; when both exist
 *   the CLI rule applies (the later, explicit act) and list shows both;
 * - an mx: target with the exact host name wins over a "*." one;
 * - every change (add, del, config reload, expiry) drops the finished
 *   answers (the change hook), so no cached answer outlives it.
 */
#ifndef MXTLS_CACHED_OVERRIDE_H
#define MXTLS_CACHED_OVERRIDE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "util/change.h"
#include "util/override_rule.h"

struct store;
struct stats;
struct override_table;

/* override_table_create - an empty table; st (may be NULL: CLI overrides
 * then last until a restart) and stats are not owned. */
struct override_table *override_table_create(
        struct store *st, struct stats *stats);

/* override_table_free - NULL is allowed. */
void override_table_free(struct override_table *t);

/* override_table_set_change - the hook told of every change (NULL: none). */
void override_table_set_change(
        struct override_table *t, const struct change_hook *hook);

/* override_table_load - read the CLI overrides from the store (expired
 * rows are deleted and logged). -1 with why on a store error. */
int override_table_load(
        struct override_table *t, int64_t now, char *why, size_t whylen);

/* override_table_set_config - replace the config rules with rules[0..n)
 * (checked by conf_load; rules already expired are logged and skipped). */
void override_table_set_config(struct override_table *t,
        const struct override_rule *rules, size_t n, int64_t now);

/*
 * override_table_add - add or replace the CLI rule for r->target (checked
 * here: override_rule_check), in the store first. 0, or -1 with why (the
 * rule is refused), or -2 with why (the store failed: nothing changed).
 * *replaced is set when an older CLI rule for the target was replaced.
 */
int override_table_add(struct override_table *t, const struct override_rule *r,
        int64_t now, int *replaced, char *why, size_t whylen);

/*
 * override_table_del - delete the CLI rule for target (normal form) when
 * action is -1 or its action; the number deleted (0 or 1), or -1 with why
 * (a store error; or no CLI rule but a config rule for target, which only
 * the config file can remove).
 */
int override_table_del(struct override_table *t, const char *target,
        int action, char *why, size_t whylen);

/* override_table_domain - the rule in force at now for policy domain
 * (normal form), or NULL. */
const struct override_rule *override_table_domain(
        const struct override_table *t, const char *domain, int64_t now);

/* override_table_host - the rule in force at now for MX host name (normal
 * form), or NULL. */
const struct override_rule *override_table_host(
        const struct override_table *t, const char *host, int64_t now);

/* override_table_sweep - remove the rules expired at now; how many. */
size_t override_table_sweep(struct override_table *t, int64_t now);

/* override_table_active - the number of rules in force at now (also put in
 * the stats gauge). */
size_t override_table_active(struct override_table *t, int64_t now);

/* override_table_count_applied - count one reply made under r. */
void override_table_count_applied(
        struct override_table *t, const struct override_rule *r);

/* override_table_list - every rule in force at now, as the "overrides"
 * array of the override_list reply (docs/IPC.md); a CLI rule that hides
 * a config rule for the same target has "shadows":"config", the hidden one
 * "shadowed":true. New reference. */
json_t *override_table_list(const struct override_table *t, int64_t now);

/* override_rule_json - {target, action, until, reason, source, created}
 * (created left out when 0). New reference. */
json_t *override_rule_json(const struct override_rule *r);

#endif
