/* crypto.c — key derivation, session ids, the cookie MAC, record names and
 * keys, record AEAD and the CSRF token, all with libsodium.
 *
 * master  = BLAKE2b-256(secret)
 * subkeys = crypto_kdf_derive_from_key(master, n, "swsessn1"), n = 1..5
 * cookie  = base64url(id || BLAKE2b-128(mac key, id))
 * name    = hex BLAKE2b-256(name key, id)
 * rec key = BLAKE2b-256(enc key, id)
 * csrf    = base64url BLAKE2b-256(CSRF_DOMAIN, id)
 * user    = hex BLAKE2b-256(user key, login value): the per-user index
 * sealed cookie (cookie store) = base64url(nonce || XChaCha20-Poly1305 of
 *           the plain under subkey 4, associated data SEALED_COOKIE_AD)
 *
 * The CSRF token is a one-way function of the id alone, not of the
 * secret: it must stay the same for the session's life, secret rotation
 * included (forms already shown must still post).  Only the id's holder
 * can compute it, and it reveals nothing of the id. */
#include "crypto.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define KDF_CONTEXT "swsessn1"

#define CSRF_DOMAIN "sessionwrap CSRF token of a session id"

/* Binds a sealed cookie to its use: nothing else sealed under the same
 * key could pass for one. */
#define SEALED_COOKIE_AD "sessionwrap cookie store v1"

enum subkey_id { SUBKEY_MAC = 1, SUBKEY_NAME, SUBKEY_ENC, SUBKEY_BOX,
    SUBKEY_USER };

_Static_assert(crypto_kdf_KEYBYTES == SUBKEY_LEN, "kdf key size");
_Static_assert(sizeof(CSRF_DOMAIN) - 1 >= crypto_generichash_KEYBYTES_MIN &&
    sizeof(CSRF_DOMAIN) - 1 <= crypto_generichash_KEYBYTES_MAX,
    "CSRF domain as a BLAKE2b key");
_Static_assert(sizeof(KDF_CONTEXT) - 1 == crypto_kdf_CONTEXTBYTES,
    "kdf context size");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES == AEAD_NONCE_LEN,
    "nonce size");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_ABYTES == AEAD_TAG_LEN,
    "tag size");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == AEAD_KEY_LEN,
    "aead key size");

int
crypto_setup(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

void
wipe(void *p, size_t n)
{
	sodium_memzero(p, n);
}

void
random_fill(void *buf, size_t n)
{
	randombytes_buf(buf, n);
}

struct keyset *
keyset_new(void)
{
	struct keyset *ks = sodium_malloc(sizeof(*ks));

	if (ks)
		sodium_memzero(ks, sizeof(*ks));
	return ks;
}

void
keyset_free(struct keyset *ks)
{
	sodium_free(ks);          /* (wipes it first) */
}

int
keys_derive(struct keys *k, const uint8_t *secret, size_t len)
{
	uint8_t master[crypto_kdf_KEYBYTES];
	int rc = -1;

	if (len < SECRET_MIN_LEN)
		goto out;
	if (crypto_generichash(master, sizeof(master), secret, len, NULL, 0) != 0)
		goto out;
	if (crypto_kdf_derive_from_key(k->mac, SUBKEY_LEN, SUBKEY_MAC,
	        KDF_CONTEXT, master) != 0 ||
	    crypto_kdf_derive_from_key(k->name, SUBKEY_LEN, SUBKEY_NAME,
	        KDF_CONTEXT, master) != 0 ||
	    crypto_kdf_derive_from_key(k->enc, SUBKEY_LEN, SUBKEY_ENC,
	        KDF_CONTEXT, master) != 0 ||
	    crypto_kdf_derive_from_key(k->box, SUBKEY_LEN, SUBKEY_BOX,
	        KDF_CONTEXT, master) != 0 ||
	    crypto_kdf_derive_from_key(k->user, SUBKEY_LEN, SUBKEY_USER,
	        KDF_CONTEXT, master) != 0) {
		sodium_memzero(k, sizeof(*k));
		goto out;
	}
	rc = 0;
out:
	sodium_memzero(master, sizeof(master));
	return rc;
}

void
session_id_generate(uint8_t id[SESSION_ID_LEN])
{
	randombytes_buf(id, SESSION_ID_LEN);
}

static void
cookie_tag(const struct keys *k, const uint8_t id[SESSION_ID_LEN],
    uint8_t tag[COOKIE_TAG_LEN])
{
	crypto_generichash(tag, COOKIE_TAG_LEN, id, SESSION_ID_LEN, k->mac,
	    SUBKEY_LEN);
}

void
cookie_value_seal(const struct keys *k, const uint8_t id[SESSION_ID_LEN],
    char out[COOKIE_VALUE_LEN + 1])
{
	uint8_t raw[SESSION_ID_LEN + COOKIE_TAG_LEN];

	memcpy(raw, id, SESSION_ID_LEN);
	cookie_tag(k, id, raw + SESSION_ID_LEN);
	sodium_bin2base64(out, COOKIE_VALUE_LEN + 1, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int
cookie_value_open(const struct keyset *ks, const char *value, size_t len,
    uint8_t id[SESSION_ID_LEN])
{
	uint8_t raw[SESSION_ID_LEN + COOKIE_TAG_LEN], tag[COOKIE_TAG_LEN];
	size_t rawlen;
	const char *end;
	int which = -1;

	if (len != COOKIE_VALUE_LEN)
		return -1;
	if (sodium_base642bin(raw, sizeof(raw), value, len, NULL, &rawlen, &end,
	        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    rawlen != sizeof(raw) || end != value + len)
		return -1;
	for (int i = 0; i <= ks->nfallback && which < 0; i++) {
		const struct keys *k = i == 0 ? &ks->primary : &ks->fallback[i - 1];
		cookie_tag(k, raw, tag);
		if (crypto_verify_16(tag, raw + SESSION_ID_LEN) == 0)
			which = i;
	}
	if (which >= 0)
		memcpy(id, raw, SESSION_ID_LEN);
	return which;
}

void
record_name(const struct keys *k, const uint8_t id[SESSION_ID_LEN],
    char out[RECORD_NAME_LEN + 1])
{
	uint8_t h[RECORD_NAME_LEN / 2];

	crypto_generichash(h, sizeof(h), id, SESSION_ID_LEN, k->name, SUBKEY_LEN);
	sodium_bin2hex(out, RECORD_NAME_LEN + 1, h, sizeof(h));
}

void
user_hash(const struct keys *k, const char *user, size_t len,
    char out[USER_HASH_LEN + 1])
{
	uint8_t h[USER_HASH_LEN / 2];

	crypto_generichash(h, sizeof(h), (const uint8_t *)user, len, k->user,
	    SUBKEY_LEN);
	sodium_bin2hex(out, USER_HASH_LEN + 1, h, sizeof(h));
}

void
record_key(const struct keys *k, const uint8_t id[SESSION_ID_LEN],
    uint8_t key[AEAD_KEY_LEN])
{
	crypto_generichash(key, AEAD_KEY_LEN, id, SESSION_ID_LEN, k->enc,
	    SUBKEY_LEN);
}

void
csrf_token(const uint8_t id[SESSION_ID_LEN], char out[CSRF_TOKEN_LEN + 1])
{
	uint8_t h[32];

	crypto_generichash(h, sizeof(h), id, SESSION_ID_LEN,
	    (const uint8_t *)CSRF_DOMAIN, sizeof(CSRF_DOMAIN) - 1);
	sodium_bin2base64(out, CSRF_TOKEN_LEN + 1, h, sizeof(h),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int
csrf_token_equal(const uint8_t id[SESSION_ID_LEN], const char *given,
    size_t len)
{
	char token[CSRF_TOKEN_LEN + 1];
	int same;

	if (len != CSRF_TOKEN_LEN)
		return 0;                /* every token has this length */
	csrf_token(id, token);
	same = sodium_memcmp(token, given, CSRF_TOKEN_LEN) == 0;
	wipe(token, sizeof(token));
	return same;
}

void
aead_seal(uint8_t *out, const uint8_t *plain, size_t plen, const uint8_t *ad,
    size_t adlen, const uint8_t nonce[AEAD_NONCE_LEN],
    const uint8_t key[AEAD_KEY_LEN])
{
	crypto_aead_xchacha20poly1305_ietf_encrypt(out, NULL, plain, plen, ad,
	    adlen, NULL, nonce, key);
}

int
aead_open(uint8_t *out, const uint8_t *sealed, size_t slen, const uint8_t *ad,
    size_t adlen, const uint8_t nonce[AEAD_NONCE_LEN],
    const uint8_t key[AEAD_KEY_LEN])
{
	if (slen < AEAD_TAG_LEN)
		return -1;
	return crypto_aead_xchacha20poly1305_ietf_decrypt(out, NULL, NULL,
	    sealed, slen, ad, adlen, nonce, key) == 0 ? 0 : -1;
}

size_t
sealed_cookie_len(size_t plen)
{
	size_t n = SEALED_COOKIE_OVERHEAD + plen;

	return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

long
sealed_cookie_seal(const struct keys *k, const uint8_t *plain, size_t plen,
    char *out, size_t cap)
{
	size_t rawlen = SEALED_COOKIE_OVERHEAD + plen, len = sealed_cookie_len(plen);
	uint8_t *raw;

	if (cap <= len || (raw = malloc(rawlen)) == NULL)
		return -1;
	randombytes_buf(raw, AEAD_NONCE_LEN);
	crypto_aead_xchacha20poly1305_ietf_encrypt(raw + AEAD_NONCE_LEN, NULL,
	    plain, plen, (const uint8_t *)SEALED_COOKIE_AD,
	    sizeof(SEALED_COOKIE_AD) - 1, NULL, raw, k->box);
	sodium_bin2base64(out, cap, raw, rawlen,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	free(raw);
	return (long)len;
}

int
sealed_cookie_open(const struct keyset *ks, const char *value, size_t vlen,
    uint8_t *plain, size_t cap, size_t *plen)
{
	size_t rawcap = vlen / 4 * 3 + 3, rawlen;
	unsigned long long outlen;
	const char *end;
	uint8_t *raw;
	int which = -1;

	if (vlen == 0)
		return -1;
	if ((raw = malloc(rawcap)) == NULL)
		return -2;
	if (sodium_base642bin(raw, rawcap, value, vlen, NULL, &rawlen, &end,
	        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    end != value + vlen || rawlen < SEALED_COOKIE_OVERHEAD ||
	    rawlen - SEALED_COOKIE_OVERHEAD > cap)
		goto out;
	for (int i = 0; i <= ks->nfallback && which < 0; i++) {
		const struct keys *k = i == 0 ? &ks->primary : &ks->fallback[i - 1];

		if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &outlen,
		        NULL, raw + AEAD_NONCE_LEN, rawlen - AEAD_NONCE_LEN,
		        (const uint8_t *)SEALED_COOKIE_AD,
		        sizeof(SEALED_COOKIE_AD) - 1, raw, k->box) == 0) {
			*plen = (size_t)outlen;
			which = i;
		}
	}
out:
	free(raw);
	return which;
}

const char password_dummy_hash[] =
    "$argon2id$v=19$m=65536,t=2,p=1$NJ6N1G/zlOcbUiPKalpUgg$"
    "u5GIzuaShsQsrwzo+6/C+gXPMnLoD7uG2lDI/LPTmIk";

int
password_hash(const char *pw, size_t pwlen, char out[PASSWORD_HASH_MAX + 1])
{
	char tmp[crypto_pwhash_STRBYTES];
	int rc = -1;

	if (crypto_pwhash_str_alg(tmp, pw, pwlen,
	        crypto_pwhash_OPSLIMIT_INTERACTIVE,
	        crypto_pwhash_MEMLIMIT_INTERACTIVE,
	        crypto_pwhash_ALG_ARGON2ID13) == 0 &&
	    strlen(tmp) <= PASSWORD_HASH_MAX) {
		memcpy(out, tmp, strlen(tmp) + 1);
		rc = 0;
	}
	sodium_memzero(tmp, sizeof(tmp));
	return rc;
}

int
password_verify(const char *hash, size_t hlen, const char *pw, size_t pwlen)
{
	char h[PASSWORD_HASH_MAX + 1];

	if (hlen > PASSWORD_HASH_MAX || hlen < 10 ||
	    memcmp(hash, "$argon2id$", 10) != 0)
		return 0;
	memcpy(h, hash, hlen);
	h[hlen] = '\0';
	return crypto_pwhash_str_verify(h, pw, pwlen) == 0;
}

void
fail_name(const struct keys *k, const char *what, size_t len,
    char out[RECORD_NAME_LEN + 1])
{
	static const char domain[] = "sessionwrap login failures";
	crypto_generichash_state st;
	uint8_t h[RECORD_NAME_LEN / 2];

	crypto_generichash_init(&st, k->name, SUBKEY_LEN, sizeof(h));
	crypto_generichash_update(&st, (const uint8_t *)domain, sizeof(domain));
	crypto_generichash_update(&st, (const uint8_t *)what, len);
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2hex(out, RECORD_NAME_LEN + 1, h, sizeof(h));
}
