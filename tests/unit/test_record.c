/* test_record.c — one sealed version of a session record: a round trip,
 * every byte of it tamper-evident, another secret or another id refused,
 * and what a version means at a given time (live, tombstone, expired,
 * and the deadline every backend gets). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "record.h"

#define T0 ((time_t)1700000000)

static const uint8_t id[SESSION_ID_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8 };

static void
keys_of(struct keys *k, char c)
{
	uint8_t secret[32];

	assert_int_equal(crypto_setup(), 0);
	memset(secret, c, sizeof(secret));
	assert_int_equal(keys_derive(k, secret, sizeof(secret)), 0);
}

static void
sample(struct session *s)
{
	session_init(s);
	assert_int_equal(session_set(s, "user", 4, "alice", 5), 0);
	assert_int_equal(session_flash_add(s, "info", 4, "Saved", 5), 0);
	s->permanent = 1;
	s->created = (uint64_t)T0 - 100;
}

/* Sealed under k and id: opens under their key, to the same session. */
static void
test_round_trip(void **state)
{
	struct session s;
	struct record_header h;
	struct keys k;
	uint8_t key[AEAD_KEY_LEN], *buf, *plain;
	size_t len;

	(void)state;
	keys_of(&k, 'k');
	sample(&s);
	len = record_version_len(&s);
	buf = malloc(len + 10);
	assert_int_equal(record_seal(buf, &k, id, &s, 7), 0);
	memset(buf + len, 0xee, 10);        /* what follows is not its concern */
	record_key(&k, id, key);
	assert_int_equal(record_open(buf, len + 10, key, &h, &plain), 1);
	assert_int_equal(h.seq, 7);
	assert_int_equal(h.kind, RECORD_LIVE);
	assert_int_equal(h.permanent, 1);
	assert_int_equal(h.created, (uint64_t)T0 - 100);
	assert_int_equal(record_len(&h), len);
	/* The plain payload is not in the sealed bytes. */
	assert_null(memmem(buf, len, "alice", 5));
	record_plain_free(plain, h.plen);
	/* Cut short by one byte: not a whole version. */
	assert_int_equal(record_open(buf, len - 1, key, &h, &plain), -1);
	assert_null(plain);
	free(buf);
	session_free(&s);
}

/* Any byte changed, in the clear header or the sealed payload, and the
 * version does not open; nor under another secret or another id. */
static void
test_tamper_and_other_keys(void **state)
{
	struct session s;
	struct record_header h;
	struct keys k, other;
	uint8_t key[AEAD_KEY_LEN], key2[AEAD_KEY_LEN], id2[SESSION_ID_LEN],
	    *buf, *plain;
	size_t len;

	(void)state;
	keys_of(&k, 'k');
	keys_of(&other, 'o');
	sample(&s);
	len = record_version_len(&s);
	buf = malloc(len);
	assert_int_equal(record_seal(buf, &k, id, &s, 1), 0);
	record_key(&k, id, key);
	for (size_t i = 0; i < len; i++) {
		buf[i] ^= 0x01;
		assert_int_equal(record_open(buf, len, key, &h, &plain), -1);
		buf[i] ^= 0x01;
	}
	record_key(&other, id, key2);
	assert_int_equal(record_open(buf, len, key2, &h, &plain), -1);
	memcpy(id2, id, sizeof(id2));
	id2[0] ^= 1;
	record_key(&k, id2, key2);
	assert_int_equal(record_open(buf, len, key2, &h, &plain), -1);
	assert_int_equal(record_open(buf, len, key, &h, &plain), 1);
	record_plain_free(plain, h.plen);
	free(buf);
	session_free(&s);
}

/* A tombstone is a header and a tag; it reads as a tombstone for the
 * grace period after it was last seen, then as absent. */
static void
test_tombstone(void **state)
{
	struct config cfg;
	struct record_header h;
	struct stored st;
	struct keys k;
	uint8_t key[AEAD_KEY_LEN], buf[RECORD_HEADER_LEN + RECORD_TAG_LEN],
	    *plain;
	const char *why = NULL;

	(void)state;
	config_defaults(&cfg);
	cfg.tombstone_grace = 180;
	keys_of(&k, 'k');
	assert_int_equal(record_version_len(NULL), sizeof(buf));
	assert_int_equal(record_seal(buf, &k, id, NULL, 3), 0);
	record_key(&k, id, key);
	assert_int_equal(record_open(buf, sizeof(buf), key, &h, &plain), 1);
	assert_int_equal(h.kind, RECORD_TOMBSTONE);
	assert_int_equal(record_to_stored(&cfg, &h, plain, T0, T0 + 179, &st,
	    &why), 0);
	assert_int_equal(st.state, STORED_TOMBSTONE);
	assert_int_equal(st.deadline, T0 + 180);
	assert_int_equal(record_to_stored(&cfg, &h, plain, T0, T0 + 180, &st,
	    &why), 0);
	assert_int_equal(st.state, STORED_ABSENT);
	record_plain_free(plain, h.plen);
	config_free(&cfg);
}

/* A live version: its session, last access and deadline, which is the
 * earlier of the (idle or permanent) lifetime after the last access and
 * the absolute timeout after creation; absent from the deadline on. */
static void
test_live_deadline(void **state)
{
	struct config cfg;
	struct session s;
	struct record_header h;
	struct stored st;
	struct keys k;
	uint8_t key[AEAD_KEY_LEN], *buf, *plain;
	const char *why = NULL;
	size_t len;

	(void)state;
	config_defaults(&cfg);
	cfg.idle_timeout = 1800;
	cfg.lifetime = 86400;
	cfg.absolute_timeout = 0;
	keys_of(&k, 'k');
	sample(&s);                     /* permanent, created T0 - 100 */
	len = record_version_len(&s);
	buf = malloc(len);
	assert_int_equal(record_seal(buf, &k, id, &s, 1), 0);
	record_key(&k, id, key);
	assert_int_equal(record_open(buf, len, key, &h, &plain), 1);

	assert_int_equal(record_to_stored(&cfg, &h, plain, T0, T0 + 10, &st,
	    &why), 0);
	assert_int_equal(st.state, STORED_LIVE);
	assert_int_equal(st.last_seen, T0);
	assert_int_equal(st.deadline, T0 + 86400);
	assert_int_equal(st.created, (uint64_t)T0 - 100);
	assert_int_equal(st.permanent, 1);
	assert_int_equal(st.sess.permanent, 1);
	assert_non_null(session_get(&st.sess, "user", 4));
	stored_free(&st);
	assert_int_equal(record_to_stored(&cfg, &h, plain, T0, T0 + 86400, &st,
	    &why), 0);
	assert_int_equal(st.state, STORED_ABSENT);

	/* The absolute timeout comes first: created + 3600. */
	cfg.absolute_timeout = 3600;
	assert_int_equal(record_to_stored(&cfg, &h, plain, T0, T0 + 10, &st,
	    &why), 0);
	assert_int_equal(st.deadline, T0 - 100 + 3600);
	stored_free(&st);
	assert_int_equal(record_to_stored(&cfg, &h, plain, T0, T0 + 3500, &st,
	    &why), 0);
	assert_int_equal(st.state, STORED_ABSENT);
	assert_int_equal(record_expired(&cfg, 1, (uint64_t)T0 - 100, T0,
	    T0 + 3499), 0);
	assert_int_equal(record_expired(&cfg, 1, (uint64_t)T0 - 100, T0,
	    T0 + 3500), 1);
	/* A creation time from a header nobody verified (GC reads them
	 * without the key): no overflow, the idle rule alone. */
	assert_int_equal(record_deadline(&cfg, 0, UINT64_MAX, T0), T0 + 1800);
	record_plain_free(plain, h.plen);
	free(buf);
	session_free(&s);
	config_free(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_tamper_and_other_keys),
		cmocka_unit_test(test_tombstone),
		cmocka_unit_test(test_live_deadline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
