/* Unit tests of the CGI header block parser: each form, each limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "cgi_response.h"

static int
parse(const char *s, size_t len, struct cgi_header *h, size_t *n)
{
	*n = MAX_HEADERS;
	return cgi_headers_parse(s, len, h, n);
}

static void
test_lf_and_crlf(void **state)
{
	struct cgi_header h[MAX_HEADERS];
	size_t n;
	const char *a = "Content-Type: text/plain\nX-A:  b c  \n\nbody";
	const char *b = "Content-Type: text/plain\r\nX-A:b\r\n\r\nbody";

	(void)state;
	assert_int_equal(parse(a, strlen(a), h, &n), (int)strlen(a) - 4);
	assert_int_equal(n, 2);
	assert_int_equal(h[1].vlen, 3);
	assert_memory_equal(h[1].value, "b c", 3);
	assert_int_equal(parse(b, strlen(b), h, &n), (int)strlen(b) - 4);
	assert_int_equal(n, 2);
	assert_true(header_is(&h[0], "content-type"));
	assert_memory_equal(h[0].value, "text/plain", 10);
}

static void
test_incomplete_until_blank_line(void **state)
{
	struct cgi_header h[MAX_HEADERS];
	size_t n;
	const char *s = "Status: 200 OK\r\nContent-Type: text/html\r\n\r\n";

	(void)state;
	for (size_t i = 0; i < strlen(s); i++)
		assert_int_equal(parse(s, i, h, &n), CGI_INCOMPLETE);
	assert_int_equal(parse(s, strlen(s), h, &n), (int)strlen(s));
}

static void
test_malformed_forms(void **state)
{
	static const char *bad[] = {
		"no colon here\n\n",
		": empty name\n\n",
		"Bad Name: x\n\n",
		"Bad(name): x\n\n",
		"X-A: 1\n folded\n\n",
		"X-A: a\rb\n\n",
		"\n",                       /* no header at all */
		"\r\n",
	};
	struct cgi_header h[MAX_HEADERS];
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse(bad[i], strlen(bad[i]), h, &n), CGI_MALFORMED);
	assert_int_equal(parse("X-A: a\0b\n\n", 10, h, &n), CGI_MALFORMED);
}

static void
test_block_size_limit(void **state)
{
	struct cgi_header h[MAX_HEADERS];
	size_t n, len = MAX_HEADER_BLOCK + 100;
	char *buf = malloc(len);

	(void)state;
	/* One header whose block ends exactly at the limit is accepted. */
	memset(buf, 'x', len);
	memcpy(buf, "X-Long: ", 8);
	buf[MAX_HEADER_BLOCK - 2] = '\n';
	buf[MAX_HEADER_BLOCK - 1] = '\n';
	assert_int_equal(parse(buf, len, h, &n), MAX_HEADER_BLOCK);
	/* One byte more and it is too large. */
	memset(buf, 'x', len);
	memcpy(buf, "X-Long: ", 8);
	buf[MAX_HEADER_BLOCK - 1] = '\n';
	buf[MAX_HEADER_BLOCK] = '\n';
	assert_int_equal(parse(buf, len, h, &n), CGI_TOO_LARGE);
	/* Below the limit without a blank line: wait for more. */
	assert_int_equal(parse(buf, MAX_HEADER_BLOCK - 10, h, &n), CGI_INCOMPLETE);
	free(buf);
}

static void
test_header_count_limit(void **state)
{
	struct cgi_header h[4];
	size_t n = 4;
	const char *s = "A: 1\nB: 2\nC: 3\nD: 4\n\n";
	const char *t = "A: 1\nB: 2\nC: 3\nD: 4\nE: 5\n\n";

	(void)state;
	assert_int_equal(cgi_headers_parse(s, strlen(s), h, &n), (int)strlen(s));
	assert_int_equal(n, 4);
	n = 4;
	assert_int_equal(cgi_headers_parse(t, strlen(t), h, &n), CGI_TOO_MANY);
}

static void
test_status(void **state)
{
	int code;
	const char *r;
	size_t rl;

	(void)state;
	assert_int_equal(cgi_status_parse("404 Not Found", 13, &code, &r, &rl), 0);
	assert_int_equal(code, 404);
	assert_int_equal(rl, 9);
	assert_int_equal(cgi_status_parse("201", 3, &code, &r, &rl), 0);
	assert_int_equal(code, 201);
	assert_int_equal(rl, 0);
	assert_int_equal(cgi_status_parse("20", 2, &code, &r, &rl), -1);
	assert_int_equal(cgi_status_parse("abc", 3, &code, &r, &rl), -1);
	assert_int_equal(cgi_status_parse("099 x", 5, &code, &r, &rl), -1);
	assert_int_equal(cgi_status_parse("2000", 4, &code, &r, &rl), -1);
	/* Final statuses only: interim 1xx and codes past 599 are refused. */
	assert_int_equal(cgi_status_parse("199 x", 5, &code, &r, &rl), -1);
	assert_int_equal(cgi_status_parse("100 Continue", 12, &code, &r, &rl), -1);
	assert_int_equal(cgi_status_parse("600 Weird", 9, &code, &r, &rl), -1);
	assert_int_equal(cgi_status_parse("200", 3, &code, &r, &rl), 0);
	assert_int_equal(cgi_status_parse("599", 3, &code, &r, &rl), 0);
	assert_int_equal(cgi_status_parse("200 O\001K", 7, &code, &r, &rl), -1);
	assert_string_equal(http_reason(504), "Gateway Timeout");
	assert_string_equal(http_reason(299), "Unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lf_and_crlf),
		cmocka_unit_test(test_incomplete_until_blank_line),
		cmocka_unit_test(test_malformed_forms),
		cmocka_unit_test(test_block_size_limit),
		cmocka_unit_test(test_header_count_limit),
		cmocka_unit_test(test_status),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
