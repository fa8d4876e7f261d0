/* secret.h — reading the secret files of [session] secret_file and
 * secret_fallbacks, and writing a new one (sessionwrap --keygen). */
#ifndef SW_SECRET_H
#define SW_SECRET_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "crypto.h"

#define SECRET_MAX_LEN 4096

/* What a secret file holds, which decides what is counted:
 *  - hex text: only hex digits, then at most one "\n" or "\r\n" (what
 *    sessionwrap --keygen writes); at least 2 * SECRET_MIN_LEN digits,
 *    since two digits carry one random byte;
 *  - other text: printable ASCII ending in one "\n" or "\r\n" (e.g. base64);
 *    at least SECRET_MIN_LEN characters;
 *  - binary: anything else; every byte counts, a final 0x0a included;
 *    at least SECRET_MIN_LEN bytes.
 * The secret is the file minus the newline of a text file, used as it
 * is (hex is not decoded: keys stay those of earlier versions). */
enum secret_kind { SECRET_HEX, SECRET_TEXT, SECRET_BINARY };

/* Pure: classify the len bytes at buf.  Returns the length of the secret
 * (the bytes of buf that are keyed on), or -1 with the reason in why
 * ("40 hex digits (20 random bytes), at least 64 needed"). */
long secret_measure(const uint8_t *buf, size_t len, enum secret_kind *kind,
    char *why, size_t whylen);

/* Read the secret file at path into buf (SECRET_MAX_LEN bytes) and
 * measure it.  Refuses, with a message naming the file in err: a symlink,
 * a non-regular file, a file that group or others may access, more than
 * SECRET_MAX_LEN bytes, a secret too short (secret_measure).  Returns the
 * secret's length, or -1. */
long secret_read(const char *path, uint8_t buf[SECRET_MAX_LEN], char *err,
    size_t errlen);

/* secret_read() for the file key ("secret_file" or "secret_fallbacks") of
 * cfg's [session]: an error is prefixed "CONFIG: [session] KEY: ". */
long secret_load(const struct config *cfg, const char *key, const char *path,
    uint8_t buf[SECRET_MAX_LEN], char *err, size_t errlen);

/* Read every secret file cfg names (secret_file, then secret_fallbacks)
 * and derive their keys into a new keyset (keyset_free() it); the
 * secrets themselves are wiped at once.  NULL with the first error. */
struct keyset *secrets_load(const struct config *cfg, char *err,
    size_t errlen);

/* secrets_load(), keys thrown away: 0, or -1 with the first error. */
int secrets_check(const struct config *cfg, char *err, size_t errlen);

/* Write a new random secret file of mode 0600 (sessionwrap --keygen). */
int secret_generate(const char *path, char *err, size_t errlen);

#endif
