/*
 * filter_table.h - the OpenSMTPD file table of domains that need verified
 * TLS (`table mxtls-secure file:/var/lib/mxtls/secure-domains`), in memory.
 *
 * File format: what smtpd's file backend reads as a list table (one key per
 * line, '#' lines are comments), with each domain's expiry in the comment
 * line before it:
 *   # mxtls-expires 1796086400
 *   enforce.example
 * The file always holds the sentinel FILTER_TABLE_SENTINEL: smtpd refuses
 * an empty file table in `for domain <table>` (its type is unknown until it
 * has a key). Parsing and formatting are pure; filter_mxtls.c does the I/O.
 */
#ifndef MXTLS_FILTER_TABLE_H
#define MXTLS_FILTER_TABLE_H

#include <stddef.h>
#include <time.h>

/* a key that is never a recipient domain (RFC 2606 .invalid) */
#define FILTER_TABLE_SENTINEL "mxtls-sentinel.invalid"

struct filter_table_entry {
	char   domain[254];
	time_t expires;
};

struct filter_table {
	struct filter_table_entry *v;
	size_t                     n, cap;
};

/* filter_table_init - an empty table. */
void filter_table_init(struct filter_table *t);

/* filter_table_clear - free the entries (the table is empty again). */
void filter_table_clear(struct filter_table *t);

/*
 * filter_table_parse - replace t's entries by those of text (len bytes).
 * Lines that are not domains are skipped (a hand edit must not stop mail);
 * a domain without an expiry comment gets expires 0 (pruned at once).
 * Returns the number of entries, -1 on memory exhaustion.
 */
int filter_table_parse(struct filter_table *t, const char *text, size_t len);

/*
 * filter_table_set - add domain (normal form) or move its expiry to
 * expires. Returns 1 when the table's key set changed, 0 when not, -1 on
 * memory exhaustion.
 */
int filter_table_set(
        struct filter_table *t, const char *domain, time_t expires);

/* filter_table_remove - drop domain; 1 when it was there, else 0. */
int filter_table_remove(struct filter_table *t, const char *domain);

/* filter_table_prune - drop entries expired at now; returns how many. */
size_t filter_table_prune(struct filter_table *t, time_t now);

/* filter_table_find - the entry for domain, or NULL. */
const struct filter_table_entry *filter_table_find(
        const struct filter_table *t, const char *domain);

/*
 * filter_table_format - the file's text (malloc'd, NUL-terminated; caller
 * frees), entries sorted by domain; NULL on memory exhaustion.
 */
char *filter_table_format(const struct filter_table *t);

#endif
