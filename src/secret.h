/* secret.h — reading the secret files of [session] secret_file and
 * secret_fallbacks, and writing a new one (sessionwrap --keygen).
 * secret_generate() itself is declared in sessions.h. */
#ifndef SW_SECRET_H
#define SW_SECRET_H

#include <stddef.h>
#include <stdint.h>

#define SECRET_MAX_LEN 4096

/* Read the secret file at path into buf (SECRET_MAX_LEN bytes), one
 * trailing newline (LF or CRLF) dropped.  Refuses, with a message naming
 * the file in err: a symlink, a non-regular file, a file that group or
 * others may access, fewer than SECRET_MIN_LEN or more than SECRET_MAX_LEN
 * bytes.  Returns the length, or -1. */
long secret_read(const char *path, uint8_t buf[SECRET_MAX_LEN], char *err,
    size_t errlen);

#endif
