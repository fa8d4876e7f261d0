/* Unit tests of the child environment builder: what passes, what is
 * dropped, and each limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "cgi_env.h"

static int
has(const struct envbuf *e, const char *s)
{
	for (size_t i = 0; i < e->n; i++)
		if (strcmp(e->vec[i], s) == 0)
			return 1;
	return 0;
}

static int
has_name(const struct envbuf *e, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < e->n; i++)
		if (strncmp(e->vec[i], name, n) == 0 && e->vec[i][n] == '=')
			return 1;
	return 0;
}

static void
test_params_filtered(void **state)
{
	char *params[] = {
		"REQUEST_METHOD=GET", "QUERY_STRING=a=b&c", "HTTP_PROXY=http://evil",
		"SESSION=forged=1", "SESSION_user=admin", "SESSIONWRAP_NEW=0",
		"HTTP_SESSION=x", "PATH=/evil", "FCGI_ROLE=RESPONDER",
		"HTTP_COOKIE=a=1", "REMOTE_USER=bob", "AUTH_TYPE=Basic",
		"BAD-NAME=1", "1BAD=1", "NOEQUALS", "=empty", "HTTP_X_OK=yes",
		NULL,
	};
	struct env_policy off = { 0 }, on = { 1 };
	struct envbuf e;

	(void)state;
	env_init(&e);
	assert_int_equal(env_add_params(&e, params, &off), 0);
	assert_true(has(&e, "REQUEST_METHOD=GET"));
	assert_true(has(&e, "QUERY_STRING=a=b&c"));
	assert_true(has(&e, "HTTP_X_OK=yes"));
	assert_true(has(&e, "HTTP_COOKIE=a=1"));      /* sessions off: passed */
	assert_true(has(&e, "REMOTE_USER=bob"));
	assert_false(has_name(&e, "HTTP_PROXY"));
	assert_false(has_name(&e, "SESSION"));
	assert_false(has_name(&e, "SESSION_user"));
	assert_false(has_name(&e, "SESSIONWRAP_NEW"));
	assert_false(has_name(&e, "HTTP_SESSION"));
	assert_false(has_name(&e, "PATH"));
	assert_false(has_name(&e, "FCGI_ROLE"));
	assert_false(has_name(&e, "BAD-NAME"));
	assert_false(has_name(&e, "1BAD"));
	assert_int_equal(e.n, 6);
	env_free(&e);

	env_init(&e);
	assert_int_equal(env_add_params(&e, params, &on), 0);
	assert_false(has_name(&e, "HTTP_COOKIE"));
	assert_false(has_name(&e, "REMOTE_USER"));
	assert_false(has_name(&e, "AUTH_TYPE"));
	assert_int_equal(e.n, 3);
	assert_null(e.vec[e.n]);
	env_free(&e);
}

static void
test_string_limit(void **state)
{
	struct envbuf e;
	size_t vlen = MAX_ENV_STRING - 2;   /* "V=" + value = the limit */
	char *v = malloc(vlen + 1);

	(void)state;
	memset(v, 'a', vlen + 1);
	env_init(&e);
	assert_int_equal(env_add(&e, "V", v, vlen), 0);
	assert_int_equal(env_add(&e, "V", v, vlen + 1), -1);
	assert_non_null(strstr(e.err, "variable V"));
	env_free(&e);
	free(v);
}

static void
test_total_and_count_limits(void **state)
{
	struct envbuf e;
	char *v = malloc(100 * 1024);
	int i, rc = 0;

	(void)state;
	memset(v, 'b', 100 * 1024);
	env_init(&e);
	for (i = 0; i < 20 && rc == 0; i++)
		rc = env_add(&e, "BIG", v, 100 * 1024);
	assert_int_equal(rc, -1);
	assert_true(e.total <= MAX_ENV_TOTAL);
	assert_non_null(strstr(e.err, "environment full"));
	env_free(&e);

	env_init(&e);
	for (i = 0, rc = 0; i < MAX_ENV_COUNT + 10 && rc == 0; i++)
		rc = env_add(&e, "X", "1", 1);
	assert_int_equal(rc, -1);
	assert_true(e.n < MAX_ENV_COUNT);
	env_free(&e);
	free(v);
}

static void
test_nul_refused(void **state)
{
	struct envbuf e;

	(void)state;
	env_init(&e);
	assert_int_equal(env_add(&e, "A", "x\0y", 3), -1);
	assert_non_null(strstr(e.err, "NUL"));
	assert_int_equal(env_add_cb(&e, "B", "ok", 2), 0);
	assert_string_equal(e.vec[0], "B=ok");
	env_free(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_params_filtered),
		cmocka_unit_test(test_string_limit),
		cmocka_unit_test(test_total_and_count_limits),
		cmocka_unit_test(test_nul_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
