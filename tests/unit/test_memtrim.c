/*
 * test_memtrim.c - memtrim_run gives the free pages in the middle of the
 * heap back: after freeing every other block of a filled heap (holes
 * between blocks still in use, which malloc cannot trim from the top) the
 * process's RSS falls by most of what was freed; with less free than asked
 * for it does nothing. Under AddressSanitizer (its own allocator) the test
 * only checks that memtrim_run is harmless.
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

#include "util/memtrim.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#endif

#define NBLOCK 4096
#define BLOCK  (16 * 1024) /* below the mmap threshold: on the heap */

#ifndef UNDER_ASAN
static long
rss_kib(void)
{
	long  size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	assert_non_null(f);
	assert_int_equal(fscanf(f, "%ld %ld", &size, &resident), 2);
	fclose(f);
	return (resident * (sysconf(_SC_PAGESIZE) / 1024));
}
#endif

static void
test_trim(void **state)
{
	static char *b[NBLOCK];
	int          i;
#ifndef UNDER_ASAN
	long before, after;
#endif

	(void)state;
	for (i = 0; i < NBLOCK; i++) {
		b[i] = malloc(BLOCK);
		assert_non_null(b[i]);
		memset(b[i], 1, BLOCK); /* resident */
	}
	for (i = 0; i < NBLOCK; i += 2) {
		free(b[i]);
		b[i] = NULL;
	}
#ifndef UNDER_ASAN
	/* 32 MiB free in holes: more than 1 TiB is not */
	assert_int_equal(memtrim_run(1UL << 40), 0);
	before = rss_kib();
	assert_int_equal(memtrim_run(1UL << 20), 1);
	after = rss_kib();
	/* NBLOCK / 2 holes of 16 KiB, 32 MiB: the whole pages inside them
	 * (3 of a hole's 4, the chunk headers are on the 4th) go */
	assert_true(before - after > 16 * 1024);
#else
	(void)memtrim_run(1UL << 20);
#endif
	for (i = 1; i < NBLOCK; i += 2)
		assert_int_equal(b[i][BLOCK - 1], 1); /* kept blocks intact */
	for (i = 0; i < NBLOCK; i++)
		free(b[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trim),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
