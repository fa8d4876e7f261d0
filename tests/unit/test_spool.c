/* test_spool.c — the held-back answer: bytes come out in the order they
 * went in, across memory and the overflow file, with bytes put ahead
 * first; the file is never seen in
 * its directory; a file that cannot be made is an error that loses
 * nothing already held. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>

#include <cmocka.h>

#include "spool.h"

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_spool.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	return rmdir(dir);
}

static int
dir_entries(const char *d)
{
	DIR *dp = opendir(d);
	struct dirent *e;
	int n = 0;

	assert_non_null(dp);
	while ((e = readdir(dp)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(dp);
	return n;
}

/* Take everything held, checking it against want. */
static void
drain_expect(struct spool *s, const unsigned char *want, size_t *at)
{
	char err[200];

	while (spool_len(s) > 0) {
		const char *p;
		size_t n;
		assert_int_equal(spool_front(s, &p, &n, err, sizeof(err)), 0);
		assert_true(n > 0);
		assert_memory_equal(p, want + *at, n);
		*at += n;
		spool_drop(s, n);
	}
}

/* Random puts and partial takes, through a 100-byte memory part: memory
 * fills, the file takes over, memory is refilled from the file, and new
 * bytes go to memory again once the file is empty. */
static void
test_order_across_memory_and_file(void **state)
{
	enum { TOTAL = 200000 };
	unsigned char *data = malloc(TOTAL);
	size_t put = 0, got = 0;
	struct spool s;
	char err[200];
	unsigned r = 12345;

	(void)state;
	for (size_t i = 0; i < TOTAL; i++)
		data[i] = (unsigned char)((r = r * 1103515245 + 12345) >> 16);
	spool_init(&s, dir, 100);
	while (got < TOTAL) {
		size_t n = (r = r * 1103515245 + 12345) >> 16 & 511;
		if (n > TOTAL - put)
			n = TOTAL - put;
		if (n > 0) {
			assert_int_equal(spool_put(&s, (char *)data + put, n, err, sizeof(err)), 0);
			put += n;
		}
		assert_int_equal(spool_len(&s), (long long)(put - got));
		/* take a random part of the front, sometimes nothing */
		if (spool_len(&s) > 0 && ((r = r * 1103515245 + 12345) >> 16 & 3)) {
			const char *p;
			size_t m;
			assert_int_equal(spool_front(&s, &p, &m, err, sizeof(err)), 0);
			assert_true(m > 0 && m <= 100);
			m = 1 + ((r = r * 1103515245 + 12345) >> 16) % m;
			assert_memory_equal(p, data + got, m);
			spool_drop(&s, m);
			got += m;
		}
		if (put == TOTAL)
			drain_expect(&s, data, &got);
	}
	assert_int_equal(got, TOTAL);
	assert_int_equal(spool_len(&s), 0);
	assert_int_equal(dir_entries(dir), 0);   /* the file has no name */
	spool_free(&s);
	free(data);
}

/* Held bytes fitting in memory need no file: a directory that does not
 * exist is no error then. */
static void
test_memory_needs_no_file(void **state)
{
	struct spool s;
	char err[200];
	size_t at = 0;
	char buf[1000];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	spool_init(&s, "/nonexistent/dir", sizeof(buf));
	assert_int_equal(spool_put(&s, buf, 600, err, sizeof(err)), 0);
	assert_int_equal(spool_put(&s, buf, 400, err, sizeof(err)), 0);
	assert_int_equal(spool_len(&s), 1000);
	assert_int_equal(s.fd, -1);
	drain_expect(&s, (unsigned char *)buf, &at);
	assert_int_equal(at, 1000);
	/* emptied memory is used again from its start */
	assert_int_equal(spool_put(&s, buf, 1000, err, sizeof(err)), 0);
	assert_int_equal(s.fd, -1);
	spool_free(&s);
}

/* One byte over the memory part with no directory: an error naming the
 * directory; what was held is still there, whole and in order. */
static void
test_overflow_without_directory(void **state)
{
	struct spool s;
	char err[200];
	char buf[64];
	size_t at = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)i;
	spool_init(&s, "/nonexistent/dir", 64);
	assert_int_equal(spool_put(&s, buf, 63, err, sizeof(err)), 0);
	assert_int_equal(spool_put(&s, buf + 63, 2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/dir"));
	assert_int_equal(spool_len(&s), 63);
	assert_int_equal(spool_put(&s, buf + 63, 1, err, sizeof(err)), 0);
	drain_expect(&s, (unsigned char *)buf, &at);
	assert_int_equal(at, 64);
	spool_free(&s);
}

/* Free gives back memory and file; the spool works again after it. */
static void
test_free_and_reuse(void **state)
{
	struct spool s;
	char err[200];
	char buf[300];
	size_t at = 0;

	(void)state;
	memset(buf, 'a', sizeof(buf));
	spool_init(&s, dir, 100);
	assert_int_equal(spool_put(&s, buf, 300, err, sizeof(err)), 0);
	assert_true(s.fd >= 0);
	spool_free(&s);
	assert_int_equal(spool_len(&s), 0);
	assert_int_equal(s.fd, -1);
	assert_null(s.mem);
	memset(buf, 'b', sizeof(buf));
	assert_int_equal(spool_put(&s, buf, 300, err, sizeof(err)), 0);
	drain_expect(&s, (unsigned char *)buf, &at);
	assert_int_equal(at, 300);
	spool_free(&s);
}

/* Clear empties it and closes the file but keeps the memory; what is put
 * after it is all that comes out, in memory and past it. */
static void
test_clear_keeps_memory(void **state)
{
	struct spool s;
	char err[200];
	char buf[300];
	const char *mem;
	size_t at = 0;

	(void)state;
	memset(buf, 'a', sizeof(buf));
	spool_init(&s, dir, 100);
	assert_int_equal(spool_put(&s, buf, 100, err, sizeof(err)), 0);
	assert_int_equal(spool_put(&s, buf, 200, err, sizeof(err)), 0);
	assert_true(s.fd >= 0);
	mem = s.mem;
	assert_non_null(mem);
	spool_clear(&s);
	assert_int_equal(spool_len(&s), 0);
	assert_int_equal(s.fd, -1);
	assert_ptr_equal(s.mem, mem);
	memset(buf, 'b', sizeof(buf));
	assert_int_equal(spool_put(&s, buf, 50, err, sizeof(err)), 0);
	assert_ptr_equal(s.mem, mem);
	assert_int_equal(s.fd, -1);
	assert_int_equal(spool_put(&s, buf + 50, 250, err, sizeof(err)), 0);
	drain_expect(&s, (unsigned char *)buf, &at);
	assert_int_equal(at, 300);
	spool_clear(&s);
	spool_free(&s);
	assert_null(s.mem);
}

/* Bytes put ahead come out first: ahead of memory only, of memory and
 * the file, in the room left by bytes already taken, and past mem_max
 * (they stay in memory).  Memory grows as it is used. */
static void
test_prepend_goes_first(void **state)
{
	struct spool s;
	char err[200];
	unsigned char want[700];
	size_t at = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(want); i++)
		want[i] = (unsigned char)(i * 7 + 1);
	spool_init(&s, dir, 100000);
	/* the body first, then its head ahead of it */
	assert_int_equal(spool_put(&s, (char *)want + 40, 60, err, sizeof(err)), 0);
	assert_true(s.cap < s.mem_max);          /* not all at once */
	assert_int_equal(spool_prepend(&s, (char *)want, 40, err, sizeof(err)), 0);
	assert_int_equal(spool_len(&s), 100);
	drain_expect(&s, want, &at);
	assert_int_equal(at, 100);
	spool_free(&s);

	/* memory and a file part: ahead of both; then into the gap that
	 * taking bytes left at the front */
	at = 0;
	spool_init(&s, dir, 100);
	assert_int_equal(spool_put(&s, (char *)want + 300, 100, err, sizeof(err)), 0);
	assert_int_equal(spool_put(&s, (char *)want + 400, 300, err, sizeof(err)), 0);
	assert_true(s.fd >= 0);
	assert_int_equal(spool_prepend(&s, (char *)want + 100, 200, err,
	    sizeof(err)), 0);
	assert_int_equal(s.len, 300);            /* past mem_max, in memory */
	{
		const char *p;
		size_t n;
		assert_int_equal(spool_front(&s, &p, &n, err, sizeof(err)), 0);
		assert_memory_equal(p, want + 100, 50);
		spool_drop(&s, 50);
	}
	/* what was taken, put back ahead */
	assert_int_equal(spool_prepend(&s, (char *)want + 100, 50, err,
	    sizeof(err)), 0);
	at = 100;
	drain_expect(&s, want, &at);
	assert_int_equal(at, 700);
	assert_int_equal(dir_entries(dir), 0);
	spool_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_across_memory_and_file),
		cmocka_unit_test(test_memory_needs_no_file),
		cmocka_unit_test(test_overflow_without_directory),
		cmocka_unit_test(test_free_and_reuse),
		cmocka_unit_test(test_clear_keeps_memory),
		cmocka_unit_test(test_prepend_goes_first),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
