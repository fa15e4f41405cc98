/*
 * conf_int.h - mxtlsd's configuration inside: the row type of the one
 * table of keys and what its files share: conf.c (the table, defaults,
 * reading, the checks), conf_print.c (written in libconfig syntax) and
 * conf_merge.c (a reload). Internal to util/conf*.c.
 */
#ifndef MXTLS_CACHED_CONF_INT_H
#define MXTLS_CACHED_CONF_INT_H

#include <stddef.h>
#include <stdio.h>

#include "util/conf.h"

enum conf_type {
	CT_STR,
	CT_INT,
	CT_BOOL,
	CT_SECONDS,
	CT_STRLIST,
};

struct conf_key {
	const char    *path;
	enum conf_type type;
	size_t         off;
	const char    *def_str;
	double         def_num;
	double         min;
	double         max;
	const char    *deprecated; /* why the key is ignored, or NULL */
};

/* conf_key_at - row i of the table, or NULL past its end (conf.c). */
const struct conf_key *conf_key_at(int i);

/* conf_field / conf_cfield - where k's value is in c. */
static inline void *
conf_field(struct conf *c, const struct conf_key *k)
{
	return ((char *)c + k->off);
}

static inline const void *
conf_cfield(const struct conf *c, const struct conf_key *k)
{
	return ((const char *)c + k->off);
}

/*
 * conf_derive - check the keys of c together and compute the derived
 * fields (ipc_mode, log_level, ...) from their string keys (conf.c). 0, or
 * -1 with why ("file:0: key: ...").
 */
int conf_derive(struct conf *c, const char *file, char *why, size_t whylen);

/* conf_print_value - k's value in c, in libconfig syntax (conf_print.c). */
void conf_print_value(
        const struct conf *c, const struct conf_key *k, FILE *out);

#endif
