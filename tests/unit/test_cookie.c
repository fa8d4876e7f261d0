/* test_cookie.c — Cookie header parsing and stripping, Set-Cookie
 * formatting with every attribute, the HTTP date. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bounds.h"
#include "cookie.h"

static void
assert_pair(const struct cookie_pair *p, const char *name, const char *value)
{
	assert_int_equal(p->nlen, strlen(name));
	assert_memory_equal(p->name, name, p->nlen);
	assert_int_equal(p->vlen, strlen(value));
	assert_memory_equal(p->value, value, p->vlen);
}

static void
test_parse_basic(void **state)
{
	const char *h = "a=1; session=xyz;b=2;  c = 3 ";
	struct cookie_pair p[8];

	(void)state;
	assert_int_equal(cookie_find(h, strlen(h), NULL, p, 8), 4);
	assert_pair(&p[0], "a", "1");
	assert_pair(&p[1], "session", "xyz");
	assert_pair(&p[2], "b", "2");
	assert_pair(&p[3], "c", "3");
}

static void
test_parse_quotes_duplicates_garbage(void **state)
{
	const char *h = ";;garbage; =novalue; session=\"q\"; session=second;"
	    " \t x=\"\" ; y=\"unterminated; z=";
	struct cookie_pair p[16];

	(void)state;
	assert_int_equal(cookie_find(h, strlen(h), NULL, p, 16), 5);
	assert_pair(&p[0], "session", "q");
	assert_pair(&p[1], "session", "second");
	assert_pair(&p[2], "x", "");
	assert_pair(&p[3], "y", "\"unterminated");
	assert_pair(&p[4], "z", "");
	assert_int_equal(cookie_find("", 0, NULL, p, 16), 0);
	assert_int_equal(cookie_find("   ;  ", 6, NULL, p, 16), 0);
	/* By name: both of ours, in the order sent; a prefix is not a match. */
	assert_int_equal(cookie_find(h, strlen(h), "session", p, 16), 2);
	assert_pair(&p[0], "session", "q");
	assert_pair(&p[1], "session", "second");
	assert_int_equal(cookie_find(h, strlen(h), "sess", p, 16), 0);
}

static void
test_parse_many_and_limits(void **state)
{
	char *h = malloc(MAX_COOKIE_HEADER + 2);
	struct cookie_pair p[MAX_SESSION_COOKIES];
	size_t len = 0;

	(void)state;
	/* 500 other cookies first (a browser sends up to ~180): ours, last,
	 * is still found. */
	for (int i = 0; i < 500; i++)
		len += (size_t)sprintf(h + len, "c%d=v%d; ", i, i);
	len += (size_t)sprintf(h + len, "session=ours");
	assert_int_equal(cookie_find(h, len, "session", p, MAX_SESSION_COOKIES),
	    1);
	assert_pair(&p[0], "session", "ours");
	assert_int_equal(cookie_find(h, len, NULL, p, MAX_SESSION_COOKIES),
	    MAX_SESSION_COOKIES);
	assert_pair(&p[MAX_SESSION_COOKIES - 1], "c15", "v15");

	/* 40 cookies of our name: the first MAX_SESSION_COOKIES are read. */
	len = 0;
	for (int i = 0; i < 40; i++)
		len += (size_t)sprintf(h + len, "session=s%d;", i);
	assert_int_equal(cookie_find(h, len, "session", p, MAX_SESSION_COOKIES),
	    MAX_SESSION_COOKIES);
	assert_pair(&p[MAX_SESSION_COOKIES - 1], "session", "s15");

	/* Exactly at the limit: read; one byte over: refused. */
	memset(h, 'x', MAX_COOKIE_HEADER + 1);
	memcpy(h, "a=", 2);
	assert_int_equal(cookie_find(h, MAX_COOKIE_HEADER, NULL, p,
	    MAX_SESSION_COOKIES), 1);
	assert_int_equal(cookie_find(h, MAX_COOKIE_HEADER + 1, NULL, p,
	    MAX_SESSION_COOKIES), -1);
	free(h);
}

/* Strip into a buffer of exactly len + 1 bytes (ASan checks the bound). */
static void
assert_strip(const char *h, const char *expect)
{
	size_t len = strlen(h);
	char *out = malloc(len + 1);

	assert_int_equal(cookie_strip(h, len, "session", out), strlen(expect));
	assert_string_equal(out, expect);
	free(out);
}

static void
test_strip(void **state)
{
	(void)state;
	assert_strip("a=1; session=abc; b=2;session=\"x\" ;  sessionx=3",
	    "a=1; b=2;  sessionx=3");
	assert_strip("session=abc", "");
	assert_strip(" session=1 ; ; session=2 ", "");
	assert_strip("session=1; a=1", "a=1");
	assert_strip("a=1; session=1", "a=1");
	assert_strip("x=1;session=2;y=3", "x=1;y=3");
	/* Without our cookie: exactly as sent, never longer. */
	assert_strip("a;b;c;garbage;;d=4", "a;b;c;garbage;;d=4");
	assert_strip("garbage;c=d", "garbage;c=d");
	assert_strip("", "");
	assert_strip(";;;", "");
}

/* The name a Set-Cookie sets, read as a browser reads it. */
static void
test_sets_name(void **state)
{
	(void)state;
	assert_true(cookie_sets_name("session=x; Path=/", 17, "session"));
	assert_true(cookie_sets_name("session =evil; Path=/", 21, "session"));
	assert_true(cookie_sets_name(" session\t= evil", 16, "session"));
	assert_true(cookie_sets_name("session=", 8, "session"));
	assert_false(cookie_sets_name("sessionx=1", 10, "session"));
	assert_false(cookie_sets_name("Session=1", 9, "session"));
	assert_false(cookie_sets_name("other=1; session=2", 18, "session"));
	assert_false(cookie_sets_name("session; x=1", 12, "session"));
	assert_false(cookie_sets_name("", 0, "session"));
}

static void
test_http_date(void **state)
{
	char d[HTTP_DATE_LEN + 1];

	(void)state;
	assert_int_equal(http_date(d, 0), 0);
	assert_string_equal(d, "Thu, 01 Jan 1970 00:00:00 GMT");
	assert_int_equal(http_date(d, 784111777), 0);
	assert_string_equal(d, "Sun, 06 Nov 1994 08:49:37 GMT");
	assert_int_equal(strlen(d), HTTP_DATE_LEN);
}

static void
test_format(void **state)
{
	struct set_cookie sc = {
		.name = "session", .value = "VAL", .path = "/", .domain = NULL,
		.max_age = -1, .expires = 0, .secure = 0, .httponly = 1,
		.samesite = SAMESITE_LAX, .partitioned = 0,
	};
	char out[1024];

	(void)state;
	int n = cookie_format(out, sizeof(out), &sc);
	assert_int_equal(n, (int)strlen(out));
	assert_string_equal(out, "session=VAL; Path=/; HttpOnly; SameSite=Lax");

	sc.domain = "example.org";
	sc.max_age = 3600;
	sc.expires = 784111777;
	sc.secure = 1;
	sc.samesite = SAMESITE_STRICT;
	sc.partitioned = 1;
	sc.path = "/app";
	cookie_format(out, sizeof(out), &sc);
	assert_string_equal(out, "session=VAL; Path=/app; Domain=example.org; "
	    "Max-Age=3600; Expires=Sun, 06 Nov 1994 08:49:37 GMT; Secure; "
	    "HttpOnly; SameSite=Strict; Partitioned");

	sc.httponly = 0;
	sc.domain = NULL;
	sc.partitioned = 0;
	sc.samesite = SAMESITE_NONE;
	sc.value = "";
	sc.max_age = 0;
	sc.expires = 0;
	cookie_format(out, sizeof(out), &sc);
	assert_string_equal(out, "session=; Path=/app; Max-Age=0; "
	    "Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure; SameSite=None");

	/* Too small a buffer: -1, never a cut cookie. */
	assert_int_equal(cookie_format(out, 20, &sc), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_basic),
		cmocka_unit_test(test_parse_quotes_duplicates_garbage),
		cmocka_unit_test(test_parse_many_and_limits),
		cmocka_unit_test(test_strip),
		cmocka_unit_test(test_sets_name),
		cmocka_unit_test(test_http_date),
		cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
