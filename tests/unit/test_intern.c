/*
 * test_intern.c - shared string lists: equal lists (same strings, same
 * order) are one copy, different ones (order, split, count) are not, the
 * copy is independent of the caller's strings, references count, the last
 * release frees, and many lists grow the table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/intern.h"

static void
test_share(void **state)
{
	struct intern *t    = intern_create();
	char           a0[] = "mx1.example.net", a1[] = "*.example.net";
	char          *a[]   = { a0, a1 };
	char          *b[]   = { "mx1.example.net", "*.example.net" };
	char          *rev[] = { "*.example.net", "mx1.example.net" };
	char          *ab[]  = { "mx1.example.net*.example.net" };
	char         **x, **y, **z, **w;

	(void)state;
	assert_null(intern_strv(t, a, 0));
	x = intern_strv(t, a, 2);
	assert_non_null(x);
	/* a copy: the caller's strings may change or go */
	assert_ptr_not_equal(x[0], a0);
	a0[0] = 'X';
	assert_string_equal(x[0], "mx1.example.net");
	assert_string_equal(x[1], "*.example.net");
	y = intern_strv(t, b, 2);
	assert_ptr_equal(x, y);
	assert_int_equal(intern_count(t), 1);
	/* order, splitting and length matter */
	z = intern_strv(t, rev, 2);
	assert_ptr_not_equal(z, x);
	w = intern_strv(t, ab, 1);
	assert_ptr_not_equal(w, x);
	assert_string_equal(w[0], "mx1.example.net*.example.net");
	assert_int_equal(intern_count(t), 3);
	/* one release of two: still there and shared */
	intern_release(t, x);
	assert_int_equal(intern_count(t), 3);
	assert_ptr_equal(intern_strv(t, b, 2), y);
	intern_release(t, y);
	intern_release(t, y);
	assert_int_equal(intern_count(t), 2);
	intern_release(t, NULL);
	intern_release(t, z);
	intern_release(t, w);
	assert_int_equal(intern_count(t), 0);
	intern_free(t);
}

static void
test_many(void **state)
{
	struct intern *t = intern_create();
	char           buf[40], *v[1] = { buf };
	char         **got[2000];
	int            i;

	(void)state;
	for (i = 0; i < 2000; i++) {
		snprintf(buf, sizeof(buf), "mailto:tlsrpt@d%d.example", i);
		got[i] = intern_strv(t, v, 1);
	}
	assert_int_equal(intern_count(t), 2000);
	for (i = 0; i < 2000; i += 7) {
		snprintf(buf, sizeof(buf), "mailto:tlsrpt@d%d.example", i);
		assert_ptr_equal(intern_strv(t, v, 1), got[i]);
		assert_string_equal(got[i][0], buf);
		intern_release(t, got[i]);
	}
	for (i = 0; i < 1000; i++)
		intern_release(t, got[i]);
	assert_int_equal(intern_count(t), 1000);
	/* lists still held are freed with the table */
	intern_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_share),
		cmocka_unit_test(test_many),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
