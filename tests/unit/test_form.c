/* test_form.c — form encoding: round trips of every byte, the exact
 * encoding, malformed input, and splitting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "form.h"

static void
encode_str(const char *in, char *out)
{
	size_t n = form_encode(out, in, strlen(in));
	out[n] = '\0';
}

static void
test_encode_exact(void **state)
{
	char out[128];

	(void)state;
	encode_str("3,7", out);
	assert_string_equal(out, "3%2C7");
	encode_str("a b+c", out);
	assert_string_equal(out, "a+b%2Bc");
	encode_str("AZaz09-._~", out);
	assert_string_equal(out, "AZaz09-._~");
	encode_str("&=%/\xff", out);
	assert_string_equal(out, "%26%3D%25%2F%FF");
	assert_int_equal(form_encoded_len("&=%/\xff", 5), 15);
	assert_int_equal(form_encoded_len("", 0), 0);
}

static void
test_round_trip_every_byte(void **state)
{
	char raw[256], enc[3 * 256], dec[3 * 256];
	size_t elen;

	(void)state;
	/* Every byte but NUL, which no session may hold. */
	for (int i = 1; i < 256; i++)
		raw[i - 1] = (char)i;
	elen = form_encode(enc, raw, 255);
	assert_int_equal(elen, form_encoded_len(raw, 255));
	assert_int_equal(form_decode(dec, enc, elen), 255);
	assert_memory_equal(dec, raw, 255);
	/* Each byte alone too. */
	for (int i = 1; i < 256; i++) {
		char c = (char)i;
		elen = form_encode(enc, &c, 1);
		assert_int_equal(form_decode(dec, enc, elen), 1);
		assert_int_equal((unsigned char)dec[0], i);
	}
}

static void
test_decode(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(form_decode(out, "a+b%2c%2C%7e", 12), 6);
	assert_memory_equal(out, "a b,,~", 6);
	assert_int_equal(form_decode(out, "", 0), 0);
	/* In place. */
	char buf[] = "x%41y";
	assert_int_equal(form_decode(buf, buf, 5), 3);
	assert_memory_equal(buf, "xAy", 3);
}

static void
test_decode_malformed(void **state)
{
	static const char *const bad_pct[] = {
		"%", "%4", "a%", "a%g1", "%1g", "%%", "%-1", "% 1", "abc%4",
	};
	char out[64];

	(void)state;
	for (size_t i = 0; i < sizeof(bad_pct) / sizeof(bad_pct[0]); i++)
		assert_int_equal(form_decode(out, bad_pct[i], strlen(bad_pct[i])),
		    -1);
	assert_int_equal(form_decode(out, "a%00b", 5), -2);
	assert_int_equal(form_decode(out, "a\0b", 3), -2);
}

static void
test_next(void **state)
{
	const char *s = "&a=1&&b&=x&c=d=e&";
	struct form_field f;
	size_t pos = 0, len = strlen(s);

	(void)state;
	assert_int_equal(form_next(s, len, &pos, &f), 1);
	assert_int_equal(f.klen, 1);
	assert_memory_equal(f.key, "a", 1);
	assert_true(f.has_value);
	assert_int_equal(f.vlen, 1);
	assert_memory_equal(f.value, "1", 1);

	assert_int_equal(form_next(s, len, &pos, &f), 1);
	assert_memory_equal(f.key, "b", 1);
	assert_false(f.has_value);
	assert_int_equal(f.vlen, 0);

	assert_int_equal(form_next(s, len, &pos, &f), 1);
	assert_int_equal(f.klen, 0);
	assert_true(f.has_value);
	assert_memory_equal(f.value, "x", 1);

	assert_int_equal(form_next(s, len, &pos, &f), 1);
	assert_memory_equal(f.key, "c", 1);
	assert_int_equal(f.vlen, 3);
	assert_memory_equal(f.value, "d=e", 3);

	assert_int_equal(form_next(s, len, &pos, &f), 0);
	assert_int_equal(form_next(s, len, &pos, &f), 0);
	pos = 0;
	assert_int_equal(form_next("", 0, &pos, &f), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_exact),
		cmocka_unit_test(test_round_trip_every_byte),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_decode_malformed),
		cmocka_unit_test(test_next),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
