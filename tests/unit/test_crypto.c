/* test_crypto.c — key derivation, the cookie value (seal, open, every
 * tampering), record names and keys, the CSRF token, the AEAD. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "crypto.h"
#include "secret.h"

static uint8_t secret_a[40], secret_b[40];

static int
setup(void **state)
{
	(void)state;
	assert_int_equal(crypto_setup(), 0);
	memset(secret_a, 'a', sizeof(secret_a));
	memset(secret_b, 'a', sizeof(secret_b));
	secret_b[39] = 'b';
	return 0;
}

static void
test_derive(void **state)
{
	struct keys a, a2, b;
	const uint8_t *sub[3];

	(void)state;
	assert_int_equal(keys_derive(&a, secret_a, sizeof(secret_a)), 0);
	assert_int_equal(keys_derive(&a2, secret_a, sizeof(secret_a)), 0);
	assert_int_equal(keys_derive(&b, secret_b, sizeof(secret_b)), 0);
	assert_memory_equal(&a, &a2, sizeof(a));
	/* One byte of difference changes every subkey. */
	assert_memory_not_equal(a.mac, b.mac, SUBKEY_LEN);
	assert_memory_not_equal(a.name, b.name, SUBKEY_LEN);
	assert_memory_not_equal(a.enc, b.enc, SUBKEY_LEN);
	/* Subkeys differ from each other and from the secret. */
	sub[0] = a.mac; sub[1] = a.name; sub[2] = a.enc;
	for (int i = 0; i < 3; i++) {
		assert_memory_not_equal(sub[i], secret_a, SUBKEY_LEN);
		for (int j = i + 1; j < 3; j++)
			assert_memory_not_equal(sub[i], sub[j], SUBKEY_LEN);
	}
	/* Too short a secret. */
	assert_int_equal(keys_derive(&a, secret_a, SECRET_MIN_LEN - 1), -1);
	assert_int_equal(keys_derive(&a, secret_a, SECRET_MIN_LEN), 0);
}

static void
test_cookie_value(void **state)
{
	struct keyset ks = { .nfallback = 0 };
	uint8_t id[SESSION_ID_LEN], got[SESSION_ID_LEN];
	char v[COOKIE_VALUE_LEN + 1], t[COOKIE_VALUE_LEN + 1];

	(void)state;
	keys_derive(&ks.primary, secret_a, sizeof(secret_a));
	session_id_generate(id);
	cookie_value_seal(&ks.primary, id, v);
	assert_int_equal(strlen(v), COOKIE_VALUE_LEN);
	assert_int_equal(strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrs"
	    "tuvwxyz0123456789-_"), COOKIE_VALUE_LEN);
	assert_int_equal(cookie_value_open(&ks, v, COOKIE_VALUE_LEN, got), 0);
	assert_memory_equal(got, id, SESSION_ID_LEN);

	/* Every character changed to every other base64url character. */
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
	    "qrstuvwxyz0123456789-_";
	for (int i = 0; i < COOKIE_VALUE_LEN; i++)
		for (const char *c = alphabet; *c; c++) {
			if (*c == v[i])
				continue;
			memcpy(t, v, sizeof(t));
			t[i] = *c;
			assert_int_equal(cookie_value_open(&ks, t, COOKIE_VALUE_LEN,
			    got), -1);
		}
	/* Characters outside the alphabet, padding, truncation, extension. */
	memcpy(t, v, sizeof(t));
	t[10] = '+';
	assert_int_equal(cookie_value_open(&ks, t, COOKIE_VALUE_LEN, got), -1);
	t[10] = '=';
	assert_int_equal(cookie_value_open(&ks, t, COOKIE_VALUE_LEN, got), -1);
	for (size_t len = 0; len < COOKIE_VALUE_LEN; len++)
		assert_int_equal(cookie_value_open(&ks, v, len, got), -1);
	char longer[COOKIE_VALUE_LEN + 2];
	memcpy(longer, v, COOKIE_VALUE_LEN);
	longer[COOKIE_VALUE_LEN] = 'A';
	assert_int_equal(cookie_value_open(&ks, longer, COOKIE_VALUE_LEN + 1,
	    got), -1);
}

static void
test_cookie_wrong_and_fallback_key(void **state)
{
	struct keyset primary_b = { .nfallback = 0 };
	struct keyset rotated = { .nfallback = 2 };
	uint8_t id[SESSION_ID_LEN], got[SESSION_ID_LEN];
	uint8_t secret_c[40];
	char v[COOKIE_VALUE_LEN + 1];

	(void)state;
	memset(secret_c, 'c', sizeof(secret_c));
	keys_derive(&primary_b.primary, secret_b, sizeof(secret_b));
	session_id_generate(id);
	{
		struct keys a;
		keys_derive(&a, secret_a, sizeof(secret_a));
		cookie_value_seal(&a, id, v);
	}
	/* Signed with A, checked with B only: refused. */
	assert_int_equal(cookie_value_open(&primary_b, v, COOKIE_VALUE_LEN, got),
	    -1);
	/* B primary, fallbacks C then A: verifies with fallback 2. */
	keys_derive(&rotated.primary, secret_b, sizeof(secret_b));
	keys_derive(&rotated.fallback[0], secret_c, sizeof(secret_c));
	keys_derive(&rotated.fallback[1], secret_a, sizeof(secret_a));
	assert_int_equal(cookie_value_open(&rotated, v, COOKIE_VALUE_LEN, got), 2);
	assert_memory_equal(got, id, SESSION_ID_LEN);
}

static void
test_names_keys_tokens(void **state)
{
	struct keys a, b;
	uint8_t id[SESSION_ID_LEN], id2[SESSION_ID_LEN];
	uint8_t ka[AEAD_KEY_LEN], kb[AEAD_KEY_LEN];
	char na[RECORD_NAME_LEN + 1], nb[RECORD_NAME_LEN + 1];
	char ta[CSRF_TOKEN_LEN + 1], tb[CSRF_TOKEN_LEN + 1];
	char v[COOKIE_VALUE_LEN + 1];

	(void)state;
	keys_derive(&a, secret_a, sizeof(secret_a));
	keys_derive(&b, secret_b, sizeof(secret_b));
	session_id_generate(id);
	session_id_generate(id2);
	assert_memory_not_equal(id, id2, SESSION_ID_LEN);

	record_name(&a, id, na);
	assert_int_equal(strlen(na), RECORD_NAME_LEN);
	assert_int_equal(strspn(na, "0123456789abcdef"), RECORD_NAME_LEN);
	record_name(&b, id, nb);
	assert_string_not_equal(na, nb);
	record_name(&a, id2, nb);
	assert_string_not_equal(na, nb);
	/* The name reveals neither the id nor the cookie. */
	cookie_value_seal(&a, id, v);
	assert_null(strstr(na, v));
	{
		char idhex[2 * SESSION_ID_LEN + 1];
		for (int i = 0; i < SESSION_ID_LEN; i++)
			sprintf(idhex + 2 * i, "%02x", id[i]);
		assert_string_not_equal(na, idhex);
	}

	record_key(&a, id, ka);
	record_key(&a, id2, kb);
	assert_memory_not_equal(ka, kb, AEAD_KEY_LEN);
	record_key(&b, id, kb);
	assert_memory_not_equal(ka, kb, AEAD_KEY_LEN);

	/* The CSRF token: per id, stable (no secret in it: rotation keeps
	 * it). */
	csrf_token(id, ta);
	csrf_token(id, tb);
	assert_string_equal(ta, tb);
	assert_int_equal(strlen(ta), CSRF_TOKEN_LEN);
	csrf_token(id2, tb);
	assert_string_not_equal(ta, tb);
	/* The check: the token, whole, and nothing else. */
	assert_int_equal(csrf_token_equal(id, ta, CSRF_TOKEN_LEN), 1);
	assert_int_equal(csrf_token_equal(id, tb, CSRF_TOKEN_LEN), 0);
	assert_int_equal(csrf_token_equal(id, ta, CSRF_TOKEN_LEN - 1), 0);
	assert_int_equal(csrf_token_equal(id, "", 0), 0);
	ta[CSRF_TOKEN_LEN - 1] ^= 1;
	assert_int_equal(csrf_token_equal(id, ta, CSRF_TOKEN_LEN), 0);
}

static void
test_aead(void **state)
{
	uint8_t key[AEAD_KEY_LEN], nonce[AEAD_NONCE_LEN];
	const uint8_t ad[] = "header", msg[] = "the session data";
	uint8_t sealed[sizeof(msg) + AEAD_TAG_LEN], out[sizeof(msg)];

	(void)state;
	random_fill(key, sizeof(key));
	random_fill(nonce, sizeof(nonce));
	aead_seal(sealed, msg, sizeof(msg), ad, sizeof(ad), nonce, key);
	assert_int_equal(aead_open(out, sealed, sizeof(sealed), ad, sizeof(ad),
	    nonce, key), 0);
	assert_memory_equal(out, msg, sizeof(msg));
	for (size_t i = 0; i < sizeof(sealed); i++) {
		sealed[i] ^= 1;
		assert_int_equal(aead_open(out, sealed, sizeof(sealed), ad,
		    sizeof(ad), nonce, key), -1);
		sealed[i] ^= 1;
	}
	assert_int_equal(aead_open(out, sealed, sizeof(sealed), ad,
	    sizeof(ad) - 1, nonce, key), -1);
	assert_int_equal(aead_open(out, sealed, sizeof(sealed) - 1, ad,
	    sizeof(ad), nonce, key), -1);
	assert_int_equal(aead_open(out, sealed, 3, ad, sizeof(ad), nonce, key),
	    -1);
	key[0] ^= 1;
	assert_int_equal(aead_open(out, sealed, sizeof(sealed), ad, sizeof(ad),
	    nonce, key), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_derive),
		cmocka_unit_test(test_cookie_value),
		cmocka_unit_test(test_cookie_wrong_and_fallback_key),
		cmocka_unit_test(test_names_keys_tokens),
		cmocka_unit_test(test_aead),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
