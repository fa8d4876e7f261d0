/* test_request.c — the params a worker acts on, read once: each one found
 * by its exact name (the first if repeated), CONTENT_LENGTH parsed or
 * refused, and the HTTPS rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "request.h"

static void
test_reads_each_param(void **state)
{
	char *envp[] = {
		"REQUEST_METHOD=POST", "SCRIPT_NAME=/app/x.cgi",
		"SCRIPT_FILENAME=/srv/www/app/x.cgi", "DOCUMENT_ROOT=/srv/www",
		"HTTP_COOKIE=a=1; session=v", "REMOTE_ADDR=192.0.2.7",
		"CONTENT_LENGTH=1234", "HTTP_HOST=a.example:8080",
		"HTTP_ORIGIN=http://a.example:8080", "HTTP_SEC_FETCH_SITE=same-origin",
		"HTTP_X_CSRF_TOKEN=tok", "CONTENT_TYPE=application/x-www-form-urlencoded",
		NULL,
	};
	struct request r;

	(void)state;
	request_read(&r, envp);
	assert_string_equal(r.method, "POST");
	assert_string_equal(r.script_name, "/app/x.cgi");
	assert_string_equal(r.script_filename, "/srv/www/app/x.cgi");
	assert_string_equal(r.document_root, "/srv/www");
	assert_string_equal(r.cookie, "a=1; session=v");
	assert_string_equal(r.remote_addr, "192.0.2.7");
	assert_int_equal(r.content_length, 1234);
	assert_int_equal(r.https, 0);
	assert_string_equal(r.host, "a.example:8080");
	assert_string_equal(r.origin, "http://a.example:8080");
	assert_string_equal(r.sec_fetch_site, "same-origin");
	assert_string_equal(r.csrf_token, "tok");
	assert_string_equal(r.content_type, "application/x-www-form-urlencoded");
}

/* Absent params are NULL; a name is matched whole, never as a prefix of
 * a longer one; the first of a repeated name counts, as it does for the
 * program's environment. */
static void
test_names_match_whole(void **state)
{
	char *envp[] = {
		"SCRIPT_NAMES=/no", "HTTP_COOKIE2=x", "SCRIPT_NAME", "HTTPSX=on",
		"SCRIPT_NAME=/first", "SCRIPT_NAME=/second", NULL,
	};
	struct request r;

	(void)state;
	request_read(&r, envp);
	assert_string_equal(r.script_name, "/first");
	assert_null(r.cookie);
	assert_null(r.method);
	assert_null(r.script_filename);
	assert_null(r.document_root);
	assert_null(r.remote_addr);
	assert_null(r.origin);
	assert_null(r.sec_fetch_site);
	assert_null(r.host);
	assert_int_equal(r.content_length, 0);
	assert_int_equal(r.https, 0);
	assert_string_equal(request_param(envp, "SCRIPT_NAME"), "/first");
	assert_null(request_param(envp, "HTTP_COOKIE"));
}

static long long
length_of(const char *param)
{
	char *envp[] = { (char *)param, NULL };
	struct request r;

	request_read(&r, envp);
	return r.content_length;
}

static void
test_content_length(void **state)
{
	(void)state;
	assert_int_equal(length_of("CONTENT_LENGTH="), 0);
	assert_int_equal(length_of("CONTENT_LENGTH=0"), 0);
	assert_int_equal(length_of("CONTENT_LENGTH=007"), 7);
	assert_int_equal(length_of("CONTENT_LENGTH=1125899906842624"),
	    1125899906842624LL);                       /* 2^50 */
	assert_int_equal(length_of("CONTENT_LENGTH=99999999999999999"), -1);
	assert_int_equal(length_of("CONTENT_LENGTH=-1"), -1);
	assert_int_equal(length_of("CONTENT_LENGTH=+5"), -1);
	assert_int_equal(length_of("CONTENT_LENGTH= 5"), -1);
	assert_int_equal(length_of("CONTENT_LENGTH=5 "), -1);
	assert_int_equal(length_of("CONTENT_LENGTH=0x10"), -1);
	assert_int_equal(length_of("OTHER=5"), 0);
}

static int
https_of(char *a, char *b)
{
	char *envp[] = { a, b, NULL };
	struct request r;

	request_read(&r, envp);
	return r.https;
}

static void
test_https_rule(void **state)
{
	(void)state;
	assert_int_equal(https_of("HTTPS=on", NULL), 1);
	assert_int_equal(https_of("HTTPS=ON", NULL), 1);
	assert_int_equal(https_of("HTTPS=off", NULL), 0);
	assert_int_equal(https_of("HTTPS=1", NULL), 0);
	assert_int_equal(https_of("REQUEST_SCHEME=https", NULL), 1);
	assert_int_equal(https_of("REQUEST_SCHEME=HTTPS", NULL), 1);
	assert_int_equal(https_of("REQUEST_SCHEME=http", NULL), 0);
	assert_int_equal(https_of("HTTPS=off", "REQUEST_SCHEME=https"), 1);
	assert_int_equal(https_of(NULL, NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_each_param),
		cmocka_unit_test(test_names_match_whole),
		cmocka_unit_test(test_content_length),
		cmocka_unit_test(test_https_rule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
