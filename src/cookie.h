/* cookie.h — the Cookie request header in, the Set-Cookie value out
 * (pure: no I/O, no allocation). */
#ifndef SW_COOKIE_H
#define SW_COOKIE_H

#include <stddef.h>
#include <time.h>

#include "config.h"

/* One cookie of a Cookie header: slices into the caller's buffer.  The
 * value is without its surrounding double quotes, if it had any. */
struct cookie_pair {
	const char *name;
	size_t nlen;
	const char *value;
	size_t vlen;
};

/* The cookies named name in a Cookie header ("a=1; b=2"), in the order
 * sent, at most max of them; the whole header is searched, however many
 * other cookies come first.  Spaces and tabs around names and values are
 * dropped; segments without a name or without '=' are skipped; name is
 * NULL for every cookie.  Returns the number of pairs, or -1 when the
 * header is longer than MAX_COOKIE_HEADER (the request is then refused). */
int cookie_find(const char *hdr, size_t len, const char *name,
    struct cookie_pair *out, int max);

/* Whether a Set-Cookie value sets the cookie named name, its name read as
 * a browser reads it (RFC 6265 5.2): up to the first '=' of the part
 * before the first ';', spaces and tabs around it dropped, so that
 * "session =x" sets "session". */
int cookie_sets_name(const char *value, size_t vlen, const char *name);

/* Copy hdr into dst minus every cookie named name (and its ';'); the
 * rest stays byte for byte as sent, trimmed of blanks and ';' at the ends.
 * dst has room for len + 1 bytes; it is NUL-terminated.  Returns the
 * length written (0 when nothing is left). */
size_t cookie_strip(const char *hdr, size_t len, const char *name,
    char *dst);

/* What a Set-Cookie value says. */
struct set_cookie {
	const char *name;
	const char *value;          /* "" to expire */
	const char *path;
	const char *domain;         /* or NULL */
	long max_age;               /* -1: a session cookie (no Max-Age/Expires) */
	time_t expires;             /* used when max_age >= 0 */
	int secure;
	int httponly;
	enum samesite samesite;
	int partitioned;
};

/* Format sc into dst (cap bytes, NUL-terminated).  Returns the length, or
 * -1 if it does not fit. */
int cookie_format(char *dst, size_t cap, const struct set_cookie *sc);

/* t as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") into dst, which
 * has room for HTTP_DATE_LEN + 1 bytes.  Returns 0, or -1 for a time out
 * of range. */
#define HTTP_DATE_LEN 29
int http_date(char *dst, time_t t);

#endif
