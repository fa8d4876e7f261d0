/* pwfile.h — the password file of the built-in login ([access]
 * password_file, written by sessionctl passwd): one "name:hash" line per
 * user, hash an argon2id string of crypto_pwhash_str; blank lines and
 * lines starting with '#' are ignored.  The parser is pure; pwfile_read
 * is the one function that touches the file. */
#ifndef SW_PWFILE_H
#define SW_PWFILE_H

#include <stddef.h>

#include "bounds.h"

/* One user's line: slices into the caller's buffer. */
struct pw_entry {
	const char *line;         /* the line, without its '\n' */
	size_t linelen;
	size_t end;               /* offset just past its '\n' (or the end) */
	const char *hash;
	size_t hlen;
};

/* Whether name (len bytes) may be a user name: 1 to MAX_LOGIN_NAME bytes,
 * no ':', no blank, no control byte (C1 controls of UTF-8 included), so
 * that it is one field of a line and safe as REMOTE_USER. */
int pwfile_name_ok(const char *name, size_t len);

/* Check the whole file buf[0..len) and find name's line.  1 and *out
 * when name has one, 0 when not (out->hash then is the first user's hash,
 * or NULL for a file of no user: what an unknown name is verified
 * against, at the same cost), -1 when the file is malformed: err names
 * the line and the fault.  Limits: MAX_PASSWORD_FILE bytes,
 * MAX_PASSWORD_LINE per line, names as pwfile_name_ok, hashes of
 * PASSWORD_HASH_MAX chars starting "$argon2id$"; name itself
 * on one line only. */
int pwfile_find(const char *buf, size_t len, const char *name, size_t nlen,
    struct pw_entry *out, char *err, size_t errlen);

#endif
