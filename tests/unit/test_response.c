/* test_response.c — our answer made of what a child writes, sessions off,
 * through a plain CGI transport whose standard output is a file: the
 * header block fed in any pieces gives the same answer, directives never
 * reach the client, Status and Location set the status line, a broken
 * block is refused with the status to answer, and our error answer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "response.h"
#include "transport.h"

static struct config cfg;
static char *no_env[] = { NULL };

/* Run what the child wrote through a response, step bytes at a time;
 * returns what went to the web server (malloc'd) and the last
 * response_write result in *rc, the failure status in *fail. */
static char *
answer(const char *out, size_t len, size_t step, int *rc, int *fail,
    int *warned)
{
	struct transport t;
	struct response r;
	char *head = malloc(MAX_HEADER_BLOCK), *got;
	FILE *f = tmpfile();
	int saved = dup(STDOUT_FILENO);
	long n;

	assert_non_null(head);
	assert_non_null(f);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fileno(f), STDOUT_FILENO), STDOUT_FILENO);
	transport_cgi(&t, no_env);
	response_init(&r, &cfg, &t, head, warned);
	r.script = "/t.cgi";
	*rc = 0;
	for (size_t k = 0; k < len && *rc == 0; k += step)
		*rc = response_write(&r, out + k, len - k < step ? len - k : step);
	if (*rc < 0 && r.fail_status)
		response_error(&r, r.fail_status);
	*fail = r.fail_status;
	transport_flush(&t);
	assert_int_equal(dup2(saved, STDOUT_FILENO), STDOUT_FILENO);
	close(saved);
	n = ftell(f);
	got = calloc(1, (size_t)n + 1);
	rewind(f);
	assert_int_equal(fread(got, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	free(head);
	return got;
}

static void
expect_answer(const char *out, const char *want, int want_fail)
{
	for (size_t step = 1; step <= 4096; step *= 8) {
		int rc, fail, warned = 0;
		char *got = answer(out, strlen(out), step, &rc, &fail, &warned);

		assert_string_equal(got, want);
		assert_int_equal(fail, want_fail);
		assert_int_equal(rc, want_fail ? -1 : 0);
		free(got);
	}
}

static void
test_headers_and_body(void **state)
{
	(void)state;
	expect_answer("Content-Type: text/html\nX-A:  b \n\n<p>hi</p>\n",
	    "Status: 200 OK\r\nContent-Type: text/html\r\nX-A: b\r\n\r\n"
	    "<p>hi</p>\n", 0);
	expect_answer("Status: 404 Not Here\r\nX-B: c\r\n\r\n",
	    "Status: 404 Not Here\r\nX-B: c\r\n\r\n", 0);
	expect_answer("Status: 201\r\n\r\nmade",
	    "Status: 201 Created\r\n\r\nmade", 0);
	expect_answer("Location: /next\n\n",
	    "Status: 302 Found\r\nLocation: /next\r\n\r\n", 0);
}

/* Sessions off: a directive is dropped all the same (it may carry
 * session data), and said once per worker. */
static void
test_directive_dropped(void **state)
{
	int rc, fail, warned = 0;
	const char *out = "X-Session-Set: k=secret\nX-Replace-Session: a=b\n"
	    "X-Ok: 1\n\nbody";
	char *got;

	(void)state;
	got = answer(out, strlen(out), 1, &rc, &fail, &warned);
	assert_string_equal(got, "Status: 200 OK\r\nX-Ok: 1\r\n\r\nbody");
	assert_int_equal(warned, 1);
	free(got);
}

static void
test_refused_blocks(void **state)
{
	static const char err502[] = "Status: 502 Bad Gateway\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Cache-Control: no-store\r\n\r\n502 Bad Gateway\n";

	(void)state;
	expect_answer("Not a header\n\nbody", err502, 502);
	expect_answer("Status: 99 Low\n\n", err502, 502);
	expect_answer("Status: 200\nStatus: 404\n\n", err502, 502);
}

/* A reason phrase over MAX_STATUS_REASON is cut there, at a character's
 * start: 255 ASCII bytes and a two-byte character across the limit. */
static void
test_reason_cut(void **state)
{
	char out[400], want[400];

	(void)state;
	memset(out, 0, sizeof(out));
	memcpy(out, "Status: 200 ", 12);
	memset(out + 12, 'r', MAX_STATUS_REASON - 1);
	strcat(out, "\xc3\xa9tail\n\n");
	snprintf(want, sizeof(want), "Status: 200 %.*s\r\n\r\n",
	    MAX_STATUS_REASON - 1, out + 12);
	expect_answer(out, want, 0);
}

static void
test_error_answer(void **state)
{
	struct transport t;
	struct response r;
	FILE *f = tmpfile();
	int saved = dup(STDOUT_FILENO), warned = 0;
	char got[512] = "";

	(void)state;
	assert_int_equal(dup2(fileno(f), STDOUT_FILENO), STDOUT_FILENO);
	transport_cgi(&t, no_env);
	response_init(&r, &cfg, &t, NULL, &warned);
	response_error(&r, 413);
	response_error(&r, 500);        /* the first answer stands */
	transport_flush(&t);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	rewind(f);
	assert_true(fread(got, 1, sizeof(got) - 1, f) > 0);
	fclose(f);
	assert_string_equal(got, "Status: 413 Content Too Large\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Cache-Control: no-store\r\n\r\n413 Content Too Large\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_headers_and_body),
		cmocka_unit_test(test_directive_dropped),
		cmocka_unit_test(test_refused_blocks),
		cmocka_unit_test(test_reason_cut),
		cmocka_unit_test(test_error_answer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
