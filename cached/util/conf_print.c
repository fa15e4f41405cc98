/*
 * conf_print.c - mxtlsd's configuration written in libconfig syntax: the
 * whole effective configuration (conf_print, mxtlsd -n), groups and
 * sub-groups as the table of keys orders them, and one key's value
 * (conf_print_value, also the reload's old and new values).
 */
#include <stdio.h>
#include <string.h>

#include "util/conf.h"
#include "util/conf_int.h"
#include "util/conf_override.h"

static void
print_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\') {
			fputc('\\', out);
		}
		fputc(*s, out);
	}
	fputc('"', out);
}

void
conf_print(const struct conf *c, FILE *out)
{
	const struct conf_key *k;
	const char            *group = NULL, *sub = NULL;
	size_t                 sublen = 0;
	int                    i;

	for (i = 0; (k = conf_key_at(i)) != NULL; i++) {
		const char *dot  = strchr(k->path, '.');
		size_t      glen = (size_t)(dot - k->path);
		if (group == NULL || strncmp(group, k->path, glen) != 0
		        || group[glen] != '.') {
			if (sub != NULL) {
				fprintf(out, "\t};\n");
				sub = NULL;
			}
			if (group != NULL) {
				fprintf(out, "};\n");
			}
			fprintf(out, "%.*s: {\n", (int)glen, k->path);
			group = k->path;
		}
		if (k->deprecated != NULL) {
			/* not printed: the effective configuration ignores
			 * it, and a file made from this loads without a
			 * warning */
			fprintf(out, "\t# %s: deprecated, %s\n", dot + 1,
			        k->deprecated);
			continue;
		}
		{
			const char *rest = dot + 1, *dot2 = strchr(rest, '.');
			size_t slen = dot2 != NULL ? (size_t)(dot2 - rest) : 0;

			if (sub != NULL
			        && (dot2 == NULL || slen != sublen
			                || strncmp(sub, rest, slen) != 0)) {
				fprintf(out, "\t};\n");
				sub = NULL;
			}
			if (dot2 != NULL && sub == NULL) {
				fprintf(out, "\t%.*s: {\n", (int)slen, rest);
				sub    = rest;
				sublen = slen;
			}
			if (dot2 != NULL) {
				fprintf(out, "\t\t%s = ", dot2 + 1);
			} else {
				fprintf(out, "\t%s = ", rest);
			}
		}
		conf_print_value(c, k, out);
		fprintf(out, ";\n");
	}
	if (sub != NULL) {
		fprintf(out, "\t};\n");
	}
	if (group != NULL) {
		fprintf(out, "};\n");
	}
	conf_override_print(c->overrides, c->noverrides, out);
}

void
conf_print_value(const struct conf *c, const struct conf_key *k, FILE *out)
{
	int j;

	{
		switch (k->type) {
		case CT_STR:
			print_string(out, *(char *const *)conf_cfield(c, k));
			break;
		case CT_INT:
			fprintf(out, "%d", *(const int *)conf_cfield(c, k));
			break;
		case CT_BOOL:
			fprintf(out, "%s",
			        *(const int *)conf_cfield(c, k) ? "true"
			                                        : "false");
			break;
		case CT_SECONDS: {
			double d = *(const double *)conf_cfield(c, k);
			if (d == (double)(long)d) {
				fprintf(out, "%ld", (long)d);
			} else {
				fprintf(out, "%g", d);
			}
			break;
		}
		case CT_STRLIST: {
			char *const *list = (char *const *)conf_cfield(c, k);
			fprintf(out, "[");
			for (j = 0; list[j] != NULL; j++) {
				fprintf(out, j ? ", " : " ");
				print_string(out, list[j]);
			}
			fprintf(out, j ? " ]" : "]");
			break;
		}
		}
	}
}
