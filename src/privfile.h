/* privfile.h — reading a file that only its owner may read: a secret, a
 * password file.  The rules are written once, here. */
#ifndef SW_PRIVFILE_H
#define SW_PRIVFILE_H

#include <stddef.h>

/* Read the file at path into buf (room for max bytes; no NUL is added).
 * Refused, with err saying "WHAT PATH: why": a symlink, not a regular
 * file, a file that group or others may access, more than max bytes
 * (then -2; else -1).  Returns its length. */
long privfile_read(const char *what, const char *path, char *buf,
    size_t max, char *err, size_t errlen);

#endif
