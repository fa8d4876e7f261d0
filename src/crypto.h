/* crypto.h — every cryptographic operation of the session layer.  crypto.c
 * is the only file that includes sodium.h; the rest of the program sees
 * plain byte arrays and the lengths below. */
#ifndef SW_CRYPTO_H
#define SW_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define SESSION_ID_LEN     32                 /* 256-bit CSPRNG id        */
#define COOKIE_TAG_LEN     16                 /* keyed BLAKE2b-128 of id  */
#define COOKIE_VALUE_LEN   64                 /* base64url(id || tag)     */
#define RECORD_NAME_LEN    64                 /* hex keyed BLAKE2b-256    */
#define CSRF_TOKEN_LEN     43                 /* base64url of 32 bytes    */
#define USER_HASH_LEN      64                 /* hex keyed BLAKE2b-256    */
#define SUBKEY_LEN         32
#define AEAD_KEY_LEN       32
#define AEAD_NONCE_LEN     24                 /* XChaCha20-Poly1305       */
#define AEAD_TAG_LEN       16
#define SECRET_MIN_LEN     32

/* The subkeys derived from one secret.  None of them is the secret. */
struct keys {
	uint8_t mac[SUBKEY_LEN];      /* cookie tag */
	uint8_t name[SUBKEY_LEN];     /* record file names */
	uint8_t enc[SUBKEY_LEN];      /* record encryption (with the id) */
	uint8_t box[SUBKEY_LEN];      /* the cookie store's sealed cookies */
	uint8_t user[SUBKEY_LEN];     /* the per-user index's names */
};

#define MAX_FALLBACK_KEYS 8

/* The primary keys sign and write; the fallbacks only verify and read. */
struct keyset {
	struct keys primary;
	struct keys fallback[MAX_FALLBACK_KEYS];
	int nfallback;
};

/* A zeroed keyset in memory of its own (libsodium's guarded, locked
 * allocation: kept out of swap and core dumps), or NULL.  keyset_free()
 * wipes it; NULL is a no-op.  Call crypto_setup() first. */
struct keyset *keyset_new(void);
void keyset_free(struct keyset *ks);

/* Initialise libsodium.  0, or -1 if it cannot be used. */
int crypto_setup(void);

/* Derive *k from a secret of at least SECRET_MIN_LEN bytes.  0 or -1. */
int keys_derive(struct keys *k, const uint8_t *secret, size_t len);

/* Overwrite n bytes at p with zeros in a way the compiler keeps. */
void wipe(void *p, size_t n);

/* n bytes from the CSPRNG. */
void random_fill(void *buf, size_t n);

/* A new session id. */
void session_id_generate(uint8_t id[SESSION_ID_LEN]);

/* The cookie value of id under k: COOKIE_VALUE_LEN chars + NUL. */
void cookie_value_seal(const struct keys *k, const uint8_t id[SESSION_ID_LEN],
    char out[COOKIE_VALUE_LEN + 1]);

/* Verify a cookie value and recover its id.  Returns 0 when the primary
 * key verifies it, i (1..nfallback) when fallback i-1 does, -1 when the
 * value is malformed or no key verifies it.  Tags compare in constant
 * time. */
int cookie_value_open(const struct keyset *ks, const char *value, size_t len,
    uint8_t id[SESSION_ID_LEN]);

/* The record name of id: RECORD_NAME_LEN hex chars + NUL. */
void record_name(const struct keys *k, const uint8_t id[SESSION_ID_LEN],
    char out[RECORD_NAME_LEN + 1]);

/* The per-user index's name for a login value (the user name): a keyed
 * hash, so the index reveals no name.  USER_HASH_LEN hex chars + NUL. */
void user_hash(const struct keys *k, const char *user, size_t len,
    char out[USER_HASH_LEN + 1]);

/* The AEAD key of id's record (needs the id: the store alone is useless). */
void record_key(const struct keys *k, const uint8_t id[SESSION_ID_LEN],
    uint8_t key[AEAD_KEY_LEN]);

/* The CSRF token of id: CSRF_TOKEN_LEN chars + NUL.  A function of the
 * id alone (no secret), so secret rotation leaves it as it was. */
void csrf_token(const uint8_t id[SESSION_ID_LEN], char out[CSRF_TOKEN_LEN + 1]);

/* Whether given[0..len) is the CSRF token of id: 1 or 0.  The bytes
 * compare in constant time (the length is no secret: every token has
 * CSRF_TOKEN_LEN). */
int csrf_token_equal(const uint8_t id[SESSION_ID_LEN], const char *given,
    size_t len);

/* Encrypt plain into out (room for plen + AEAD_TAG_LEN), authenticating
 * ad with it. */
void aead_seal(uint8_t *out, const uint8_t *plain, size_t plen,
    const uint8_t *ad, size_t adlen, const uint8_t nonce[AEAD_NONCE_LEN],
    const uint8_t key[AEAD_KEY_LEN]);

/* Verify and decrypt sealed (slen bytes) into out (room for slen -
 * AEAD_TAG_LEN).  0, or -1 when it does not verify (out untouched then is
 * not promised: wipe or ignore it). */
int aead_open(uint8_t *out, const uint8_t *sealed, size_t slen,
    const uint8_t *ad, size_t adlen, const uint8_t nonce[AEAD_NONCE_LEN],
    const uint8_t key[AEAD_KEY_LEN]);

/* The cookie store's cookie: plen bytes of plain sealed under k's box key
 * (XChaCha20-Poly1305, a random nonce) as base64url(nonce || sealed), no
 * padding: sealed_cookie_len(plen) chars. */
#define SEALED_COOKIE_OVERHEAD (AEAD_NONCE_LEN + AEAD_TAG_LEN)
size_t sealed_cookie_len(size_t plen);

/* Seal plain into out (cap > sealed_cookie_len(plen): NUL-terminated).
 * Its length, or -1 when cap is too small or memory runs out. */
long sealed_cookie_seal(const struct keys *k, const uint8_t *plain,
    size_t plen, char *out, size_t cap);

/* Open a sealed cookie value into plain (room for cap bytes), its length
 * in *plen.  0 when the primary key opens it, i (1..nfallback) when
 * fallback i-1 does, -1 when it is malformed, too long for cap, or no key
 * opens it (tampered, truncated, another secret's), -2 when memory runs
 * out.  plain holds nothing promised unless 0 or more is returned. */
int sealed_cookie_open(const struct keyset *ks, const char *value,
    size_t vlen, uint8_t *plain, size_t cap, size_t *plen);

/* Passwords of the built-in login: argon2id (libsodium crypto_pwhash_str)
 * strings of at most PASSWORD_HASH_MAX chars + NUL, "$argon2id$...". */
#define PASSWORD_HASH_MAX  127

/* The hash of pw with the interactive cost (64 MiB, 2 passes) into out.
 * 0, or -1 when memory runs out. */
int password_hash(const char *pw, size_t pwlen,
    char out[PASSWORD_HASH_MAX + 1]);

/* Whether pw is the password of hash (hlen bytes, not NUL-terminated):
 * 1 yes, 0 no (or hash is malformed).  Takes the time the hash's cost
 * says, whatever the answer. */
int password_verify(const char *hash, size_t hlen, const char *pw,
    size_t pwlen);

/* A hash of a random password nobody knows, of the interactive cost:
 * verified against when a form names no user of the password file, so
 * that an unknown name takes as long as a wrong password. */
extern const char password_dummy_hash[];

/* The store's name for a count of failed logins of what (a user name or
 * a client address, with a prefix that says which): a keyed hash, hex,
 * RECORD_NAME_LEN chars + NUL, so that the store tells neither. */
void fail_name(const struct keys *k, const char *what, size_t len,
    char out[RECORD_NAME_LEN + 1]);

#endif
