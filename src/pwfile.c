/* pwfile.c — the password file (pwfile.h): its lines checked and a
 * user's hash found (pure), and the file read with the secret file's
 * checks. */
#include "pwfile.h"

#include <stdio.h>
#include <string.h>

#include "crypto.h"

int
pwfile_name_ok(const char *name, size_t len)
{
	if (len == 0 || len > MAX_LOGIN_NAME)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c <= 0x20 || c == 0x7f || c == ':')
			return 0;
		if (c == 0xc2 && i + 1 < len &&
		    (unsigned char)name[i + 1] >= 0x80 &&
		    (unsigned char)name[i + 1] <= 0x9f)
			return 0;
	}
	return 1;
}

static int
hash_ok(const char *h, size_t len)
{
	if (len < 10 || len > PASSWORD_HASH_MAX || memcmp(h, "$argon2id$", 10))
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)h[i] <= 0x20 || (unsigned char)h[i] >= 0x7f)
			return 0;
	return 1;
}

int
pwfile_find(const char *buf, size_t len, const char *name, size_t nlen,
    struct pw_entry *out, char *err, size_t errlen)
{
	size_t pos = 0, lineno = 0;
	int found = 0;

	memset(out, 0, sizeof(*out));
	if (len > MAX_PASSWORD_FILE) {
		snprintf(err, errlen, "longer than %d bytes", MAX_PASSWORD_FILE);
		return -1;
	}
	while (pos < len) {
		const char *line = buf + pos, *nl, *colon;
		size_t ll, end;

		lineno++;
		nl = memchr(line, '\n', len - pos);
		ll = nl ? (size_t)(nl - line) : len - pos;
		end = pos + ll + (nl ? 1 : 0);
		if (ll > MAX_PASSWORD_LINE) {
			snprintf(err, errlen, "line %zu: longer than %d bytes", lineno,
			    MAX_PASSWORD_LINE);
			return -1;
		}
		if (ll > 0 && line[ll - 1] == '\r')
			ll--;
		if (ll == 0 || line[0] == '#') {
			pos = end;
			continue;
		}
		colon = memchr(line, ':', ll);
		if (!colon || !pwfile_name_ok(line, (size_t)(colon - line))) {
			snprintf(err, errlen, "line %zu: not name:hash (a name of 1 "
			    "to %d bytes, no ':', blank or control byte)", lineno,
			    MAX_LOGIN_NAME);
			return -1;
		}
		if (!hash_ok(colon + 1, ll - (size_t)(colon + 1 - line))) {
			snprintf(err, errlen, "line %zu: the hash is not an argon2id "
			    "string of at most %d chars (sessionctl passwd makes one)",
			    lineno, PASSWORD_HASH_MAX);
			return -1;
		}
		/* The name asked for, once: with two lines, which password
		 * counted would depend on which line one reads. */
		if (found && (size_t)(colon - line) == nlen &&
		    memcmp(line, name, nlen) == 0) {
			snprintf(err, errlen, "line %zu: user '%.*s' has a line "
			    "already", lineno, (int)nlen, name);
			return -1;
		}
		if (!found && (out->hash == NULL || ((size_t)(colon - line) == nlen &&
		    memcmp(line, name, nlen) == 0))) {
			out->hash = colon + 1;
			out->hlen = ll - (size_t)(colon + 1 - line);
			out->line = line;
			out->linelen = ll;
			out->end = end;
			found = (size_t)(colon - line) == nlen &&
			    memcmp(line, name, nlen) == 0;
		}
		pos = end;
	}
	return found;
}
