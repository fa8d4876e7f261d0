/* Unit tests of the FastCGI head parser: records, pairs, each limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "fcgi_params.h"

static struct fcgi_param params[MAX_PARAMS];

/* Append one pair to b at *len, lengths in the short or long form. */
static void
pair(unsigned char *b, size_t *len, const char *name, size_t nlen,
    const char *value, size_t vlen)
{
	size_t lens[2] = { nlen, vlen };

	for (int i = 0; i < 2; i++) {
		if (lens[i] < 128) {
			b[(*len)++] = (unsigned char)lens[i];
		} else {
			b[(*len)++] = (unsigned char)(0x80 | (lens[i] >> 24));
			b[(*len)++] = (unsigned char)(lens[i] >> 16);
			b[(*len)++] = (unsigned char)(lens[i] >> 8);
			b[(*len)++] = (unsigned char)lens[i];
		}
	}
	memcpy(b + *len, name, nlen);
	*len += nlen;
	if (value)
		memset(b + *len, 'v', vlen);
	if (value && strlen(value) <= vlen)
		memcpy(b + *len, value, strlen(value));
	*len += vlen;
}

static void
test_records(void **state)
{
	unsigned char b[8];
	struct fcgi_record r;
	unsigned char begin[8] = { 0, 1, 1, 0, 0, 0, 0, 0 };

	(void)state;
	fcgi_record_encode(b, FCGI_PARAMS, 0x1234, 300, 4);
	assert_int_equal(fcgi_record_decode(b, &r), 0);
	assert_int_equal(r.type, FCGI_PARAMS);
	assert_int_equal(r.id, 0x1234);
	assert_int_equal(r.clen, 300);
	assert_int_equal(r.plen, 4);
	b[0] = 2;
	assert_int_equal(fcgi_record_decode(b, &r), -1);
	assert_int_equal(fcgi_begin_role(begin, 8), FCGI_RESPONDER);
	assert_int_equal(fcgi_begin_role(begin, 7), -1);
}

/* Pairs split anywhere between calls come out whole. */
static void
test_pairs_in_pieces(void **state)
{
	unsigned char b[1024];
	size_t len = 0, pos = 0, n = 0;
	struct fcgi_params_error e;

	(void)state;
	pair(b, &len, "SCRIPT_NAME", 11, "/a.cgi", 6);
	pair(b, &len, "HTTP_LONG", 9, "x", 200);
	pair(b, &len, "EMPTY", 5, "", 0);
	for (size_t cut = 0; cut <= len; cut++) {
		pos = n = 0;
		assert_int_equal(fcgi_params_parse(b, cut, &pos, 0, params, &n, &e), 0);
		assert_true(pos <= cut);
		assert_int_equal(fcgi_params_parse(b, len, &pos, 1, params, &n, &e), 0);
		assert_int_equal(n, 3);
		assert_int_equal(pos, len);
	}
	assert_int_equal(params[0].nlen, 11);
	assert_memory_equal(params[0].value, "/a.cgi", 6);
	assert_int_equal(params[1].vlen, 200);
	assert_int_equal(params[2].vlen, 0);
}

static void
test_cut_at_the_end(void **state)
{
	unsigned char b[64];
	size_t len = 0, pos = 0, n = 0;
	struct fcgi_params_error e;

	(void)state;
	pair(b, &len, "A", 1, "b", 1);
	pair(b, &len, "NAME", 4, "value", 5);
	assert_int_equal(fcgi_params_parse(b, len - 1, &pos, 1, params, &n, &e), -1);
	assert_int_equal(e.fault, FCGI_PARAMS_CUT);
	assert_int_equal(e.index, 1);
}

static void
test_value_limit(void **state)
{
	unsigned char *b = malloc(MAX_PARAM_VALUE + 64);
	size_t len = 0, pos = 0, n = 0;
	struct fcgi_params_error e;
	char text[300];

	(void)state;
	pair(b, &len, "HTTP_OK", 7, "", MAX_PARAM_VALUE);
	assert_int_equal(fcgi_params_parse(b, len, &pos, 1, params, &n, &e), 0);
	assert_int_equal(n, 1);
	/* One byte more fails as soon as its length is in. */
	len = pos = n = 0;
	pair(b, &len, "HTTP_X_BIG", 10, "", MAX_PARAM_VALUE + 1);
	assert_int_equal(fcgi_params_parse(b, 20, &pos, 0, params, &n, &e), -1);
	assert_int_equal(e.fault, FCGI_PARAM_VALUE_TOO_LONG);
	assert_int_equal(e.len, MAX_PARAM_VALUE + 1);
	fcgi_params_error_text(&e, text, sizeof(text));
	assert_non_null(strstr(text, "HTTP_X_BIG"));
	assert_non_null(strstr(text, "65536"));
	free(b);
}

/* The largest lengths the format allows (the libfcgi CVE-2025-23016
 * overflow) are refused, not added up. */
static void
test_huge_lengths(void **state)
{
	unsigned char b[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 'a' };
	unsigned char c[] = { 0xff, 0xff, 0xff, 0xff, 0x01, 'a' };
	size_t pos = 0, n = 0;
	struct fcgi_params_error e;

	(void)state;
	assert_int_equal(fcgi_params_parse(b, sizeof(b), &pos, 0, params, &n, &e), -1);
	assert_int_equal(e.fault, FCGI_PARAM_VALUE_TOO_LONG);
	pos = n = 0;
	/* A name of 2^31-1 bytes: waits for more, then is cut. */
	assert_int_equal(fcgi_params_parse(c, sizeof(c), &pos, 0, params, &n, &e), 0);
	assert_int_equal(fcgi_params_parse(c, sizeof(c), &pos, 1, params, &n, &e), -1);
	assert_int_equal(e.fault, FCGI_PARAMS_CUT);
	assert_null(e.name);
}

static void
test_count_limit(void **state)
{
	unsigned char *b = malloc(MAX_PARAMS * 8 + 64);
	size_t len = 0, pos = 0, n = 0;
	struct fcgi_params_error e;
	char text[300];

	(void)state;
	for (int i = 0; i < MAX_PARAMS; i++)
		pair(b, &len, "P", 1, "1", 1);
	assert_int_equal(fcgi_params_parse(b, len, &pos, 1, params, &n, &e), 0);
	assert_int_equal(n, MAX_PARAMS);
	pair(b, &len, "ONE_MORE", 8, "1", 1);
	assert_int_equal(fcgi_params_parse(b, len, &pos, 1, params, &n, &e), -1);
	assert_int_equal(e.fault, FCGI_PARAMS_TOO_MANY);
	fcgi_params_error_text(&e, text, sizeof(text));
	assert_non_null(strstr(text, "ONE_MORE"));
	assert_non_null(strstr(text, "1024"));
	free(b);
}

static void
test_total_limit(void **state)
{
	unsigned char *b = malloc(MAX_PARAMS_TOTAL + 64);
	size_t len = 0, pos = 0, n = 0, v = 60000;
	struct fcgi_params_error e;
	char text[300];

	(void)state;
	/* Exactly the limit: 4 pairs of 1 + 4 + 8 + 60000 bytes, and one to fill. */
	for (int i = 0; i < 4; i++)
		pair(b, &len, "HTTP_X_A", 8, "", v);
	pair(b, &len, "HTTP_X_B", 8, "", MAX_PARAMS_TOTAL - len - 8 - 1 - 4);
	assert_int_equal(len, MAX_PARAMS_TOTAL);
	assert_int_equal(fcgi_params_parse(b, len, &pos, 1, params, &n, &e), 0);
	assert_int_equal(n, 5);
	b[len++] = 1;
	b[len++] = 1;
	b[len++] = 'Z';
	assert_int_equal(fcgi_params_parse(b, len, &pos, 0, params, &n, &e), -1);
	assert_int_equal(e.fault, FCGI_PARAMS_TOO_LARGE);
	fcgi_params_error_text(&e, text, sizeof(text));
	assert_non_null(strstr(text, "262144"));
	assert_non_null(strstr(text, "#6 Z"));
	free(b);
}

/* Names in a log line are escaped and shortened. */
static void
test_error_text_escapes(void **state)
{
	struct fcgi_params_error e = { FCGI_PARAM_VALUE_TOO_LONG, 0,
		"A\nB\\C\033" "0123456789012345678901234567890123456789012345", 54, 70000 };
	char text[300];

	(void)state;
	fcgi_params_error_text(&e, text, sizeof(text));
	assert_non_null(strstr(text, "A\\x0aB\\x5cC\\x1b"));
	assert_non_null(strstr(text, "..."));
	assert_null(strchr(text, '\n'));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_pairs_in_pieces),
		cmocka_unit_test(test_cut_at_the_end),
		cmocka_unit_test(test_value_limit),
		cmocka_unit_test(test_huge_lengths),
		cmocka_unit_test(test_count_limit),
		cmocka_unit_test(test_total_limit),
		cmocka_unit_test(test_error_text_escapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
