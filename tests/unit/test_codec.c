/* test_codec.c — the record codec: header and payload round trips,
 * truncation at every length, bad magic/version/kind/flags, and each
 * limit of the payload decoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec.h"

static void
sample(struct session *s)
{
	session_init(s);
	assert_int_equal(session_set(s, "user", 4, "alice", 5), 0);
	assert_int_equal(session_set(s, "cart", 4, "3,7", 3), 0);
	assert_int_equal(session_set(s, "empty", 5, "", 0), 0);
	assert_int_equal(session_set(s, "bin\xff", 4, "\x01\x02\xfe", 3), 0);
	assert_int_equal(session_flash_add(s, "info", 4, "Saved", 5), 0);
	assert_int_equal(session_flash_add(s, "error", 5, "", 0), 0);
}

static void
assert_same(const struct session *a, const struct session *b)
{
	assert_int_equal(a->nitems, b->nitems);
	for (size_t i = 0; i < a->nitems; i++) {
		assert_int_equal(a->items[i].klen, b->items[i].klen);
		assert_memory_equal(a->items[i].key, b->items[i].key, a->items[i].klen);
		assert_int_equal(a->items[i].vlen, b->items[i].vlen);
		assert_memory_equal(a->items[i].value, b->items[i].value,
		    a->items[i].vlen);
	}
	assert_int_equal(a->nflashes, b->nflashes);
	for (size_t i = 0; i < a->nflashes; i++) {
		assert_int_equal(a->flashes[i].seq, b->flashes[i].seq);
		assert_int_equal(a->flashes[i].clen, b->flashes[i].clen);
		assert_memory_equal(a->flashes[i].category, b->flashes[i].category,
		    a->flashes[i].clen);
		assert_int_equal(a->flashes[i].mlen, b->flashes[i].mlen);
		assert_memory_equal(a->flashes[i].message, b->flashes[i].message,
		    a->flashes[i].mlen);
	}
	assert_int_equal(a->next_flash_seq, b->next_flash_seq);
}

static uint8_t *
encode(const struct session *s, size_t *len)
{
	uint8_t *buf;

	*len = payload_len(s);
	buf = malloc(*len);
	assert_non_null(buf);
	payload_encode(s, buf);
	return buf;
}

static void
test_header_round_trip(void **state)
{
	struct record_header h = { .kind = RECORD_LIVE, .permanent = 1,
	    .created = 1700000000ULL, .seq = 0x0102030405060708ULL,
	    .plen = 1234 }, g;
	uint8_t buf[RECORD_HEADER_LEN];
	const char *why;

	(void)state;
	for (int i = 0; i < RECORD_NONCE_LEN; i++)
		h.nonce[i] = (uint8_t)i;
	record_header_encode(&h, buf);
	assert_memory_equal(buf, "SWR2", 4);
	assert_int_equal(record_header_decode(buf, sizeof(buf), &g, &why), 0);
	assert_int_equal(g.kind, RECORD_LIVE);
	assert_int_equal(g.permanent, 1);
	assert_int_equal(g.created, 1700000000ULL);
	assert_int_equal(g.seq, 0x0102030405060708ULL);
	assert_int_equal(g.plen, 1234);
	assert_int_equal(record_len(&g), RECORD_HEADER_LEN + 1234 + RECORD_TAG_LEN);
	assert_memory_equal(g.nonce, h.nonce, RECORD_NONCE_LEN);

	h.kind = RECORD_TOMBSTONE;
	h.permanent = 0;
	h.plen = 0;
	record_header_encode(&h, buf);
	assert_int_equal(record_header_decode(buf, sizeof(buf), &g, &why), 0);
	assert_int_equal(g.kind, RECORD_TOMBSTONE);
	assert_int_equal(g.permanent, 0);
}

static void
test_header_bad(void **state)
{
	struct record_header h = { .kind = RECORD_LIVE, .created = 1 }, g;
	uint8_t buf[RECORD_HEADER_LEN], bad[RECORD_HEADER_LEN];
	const char *why;

	(void)state;
	record_header_encode(&h, buf);
	for (size_t len = 0; len < RECORD_HEADER_LEN; len++)
		assert_int_equal(record_header_decode(buf, len, &g, &why), -1);
	memcpy(bad, buf, sizeof(bad));
	bad[0] = 'X';
	assert_int_equal(record_header_decode(bad, sizeof(bad), &g, &why), -1);
	assert_non_null(strstr(why, "magic"));
	memcpy(bad, buf, sizeof(bad));
	bad[4] = RECORD_VERSION + 1;
	assert_int_equal(record_header_decode(bad, sizeof(bad), &g, &why), -1);
	assert_non_null(strstr(why, "version"));
	memcpy(bad, buf, sizeof(bad));
	bad[5] = 3;
	assert_int_equal(record_header_decode(bad, sizeof(bad), &g, &why), -1);
	memcpy(bad, buf, sizeof(bad));
	bad[7] = 0x02;
	assert_int_equal(record_header_decode(bad, sizeof(bad), &g, &why), -1);
	/* The reserved word, and payload lengths out of range. */
	memcpy(bad, buf, sizeof(bad));
	bad[31] = 1;
	assert_int_equal(record_header_decode(bad, sizeof(bad), &g, &why), -1);
	assert_non_null(strstr(why, "reserved"));
	h.plen = RECORD_MAX_PAYLOAD;
	record_header_encode(&h, bad);
	assert_int_equal(record_header_decode(bad, sizeof(bad), &g, &why), 0);
	h.plen = RECORD_MAX_PAYLOAD + 1;
	record_header_encode(&h, bad);
	assert_int_equal(record_header_decode(bad, sizeof(bad), &g, &why), -1);
	assert_non_null(strstr(why, "payload length"));
	h.kind = RECORD_TOMBSTONE;
	h.plen = 1;
	record_header_encode(&h, bad);
	assert_int_equal(record_header_decode(bad, sizeof(bad), &g, &why), -1);
}

static void
test_payload_round_trip(void **state)
{
	struct session s, t;
	const char *why;
	uint8_t *buf;
	size_t len;

	(void)state;
	sample(&s);
	buf = encode(&s, &len);
	session_init(&t);
	assert_int_equal(payload_decode(buf, len, &t, &why), 0);
	assert_same(&s, &t);
	session_free(&t);
	free(buf);

	/* The empty session. */
	session_free(&s);
	buf = encode(&s, &len);
	assert_int_equal(len, 16);
	assert_int_equal(payload_decode(buf, len, &t, &why), 0);
	assert_int_equal(t.nitems, 0);
	free(buf);
}

static void
test_payload_truncated_everywhere(void **state)
{
	struct session s, t;
	const char *why;
	uint8_t *buf, *copy;
	size_t len;

	(void)state;
	sample(&s);
	buf = encode(&s, &len);
	for (size_t cut = 0; cut < len; cut++) {
		/* A copy of exactly cut bytes, so ASan sees any overread. */
		copy = malloc(cut ? cut : 1);
		memcpy(copy, buf, cut);
		session_init(&t);
		assert_int_equal(payload_decode(copy, cut, &t, &why), -1);
		assert_int_equal(t.nitems, 0);
		free(copy);
	}
	/* One byte more: trailing garbage. */
	copy = malloc(len + 1);
	memcpy(copy, buf, len);
	copy[len] = 0;
	session_init(&t);
	assert_int_equal(payload_decode(copy, len + 1, &t, &why), -1);
	assert_non_null(strstr(why, "trailing"));
	free(copy);
	free(buf);
	session_free(&s);
}

/* Build a payload by hand: n items of given key/value. */
static size_t
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
	return 4;
}

static size_t
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
	return 8;
}

static size_t
put_str(uint8_t *p, const char *s, size_t len)
{
	put32(p, (uint32_t)len);
	memcpy(p + 4, s, len);
	return 4 + len;
}

static int
decode_one_item(const char *key, size_t klen, const char *value, size_t vlen,
    const char **why)
{
	uint8_t *buf = malloc(32 + klen + vlen);
	struct session t;
	size_t n = 0;
	int rc;

	n += put32(buf + n, 1);
	n += put_str(buf + n, key, klen);
	n += put_str(buf + n, value, vlen);
	n += put64(buf + n, 0);
	n += put32(buf + n, 0);
	session_init(&t);
	rc = payload_decode(buf, n, &t, why);
	session_free(&t);
	free(buf);
	return rc;
}

static void
test_payload_limits(void **state)
{
	char key[MAX_KEY_LEN + 1];
	const char *why;
	uint8_t buf[64];
	struct session t;
	size_t n;

	(void)state;
	memset(key, 'k', sizeof(key));
	assert_int_equal(decode_one_item(key, MAX_KEY_LEN, "v", 1, &why), 0);
	assert_int_equal(decode_one_item(key, MAX_KEY_LEN + 1, "v", 1, &why), -1);
	assert_int_equal(decode_one_item("", 0, "v", 1, &why), -1);
	assert_non_null(strstr(why, "empty"));
	assert_int_equal(decode_one_item("a\0b", 3, "v", 1, &why), -1);
	assert_non_null(strstr(why, "NUL"));
	assert_int_equal(decode_one_item("a", 1, "v\0", 2, &why), -1);

	/* Too many keys, too many flashes (the counts alone are refused). */
	n = put32(buf, MAX_KEYS + 1);
	session_init(&t);
	assert_int_equal(payload_decode(buf, n, &t, &why), -1);
	assert_non_null(strstr(why, "MAX_KEYS"));
	n = put32(buf, 0);
	n += put64(buf + n, 100);
	n += put32(buf + n, MAX_FLASHES + 1);
	assert_int_equal(payload_decode(buf, n, &t, &why), -1);
	assert_non_null(strstr(why, "MAX_FLASHES"));

	/* A huge length prefix does not read past the buffer. */
	n = put32(buf, 1);
	n += put32(buf + n, 0xffffffffu);
	assert_int_equal(payload_decode(buf, n, &t, &why), -1);
}

static void
test_payload_order(void **state)
{
	uint8_t buf[128];
	struct session t;
	const char *why;
	size_t n;

	(void)state;
	/* Keys out of order, and a repeated key. */
	n = put32(buf, 2);
	n += put_str(buf + n, "b", 1);
	n += put_str(buf + n, "1", 1);
	n += put_str(buf + n, "a", 1);
	n += put_str(buf + n, "1", 1);
	n += put64(buf + n, 0);
	n += put32(buf + n, 0);
	session_init(&t);
	assert_int_equal(payload_decode(buf, n, &t, &why), -1);
	assert_non_null(strstr(why, "order"));
	n = put32(buf, 2);
	n += put_str(buf + n, "a", 1);
	n += put_str(buf + n, "1", 1);
	n += put_str(buf + n, "a", 1);
	n += put_str(buf + n, "1", 1);
	n += put64(buf + n, 0);
	n += put32(buf + n, 0);
	assert_int_equal(payload_decode(buf, n, &t, &why), -1);

	/* Flash seqs must rise and stay below next_flash_seq. */
	n = put32(buf, 0);
	n += put64(buf + n, 5);
	n += put32(buf + n, 2);
	n += put64(buf + n, 3);
	n += put_str(buf + n, "c", 1);
	n += put_str(buf + n, "m", 1);
	n += put64(buf + n, 3);
	n += put_str(buf + n, "c", 1);
	n += put_str(buf + n, "m", 1);
	assert_int_equal(payload_decode(buf, n, &t, &why), -1);
	n = put32(buf, 0);
	n += put64(buf + n, 5);
	n += put32(buf + n, 1);
	n += put64(buf + n, 5);
	n += put_str(buf + n, "c", 1);
	n += put_str(buf + n, "m", 1);
	assert_int_equal(payload_decode(buf, n, &t, &why), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_round_trip),
		cmocka_unit_test(test_header_bad),
		cmocka_unit_test(test_payload_round_trip),
		cmocka_unit_test(test_payload_truncated_everywhere),
		cmocka_unit_test(test_payload_limits),
		cmocka_unit_test(test_payload_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
