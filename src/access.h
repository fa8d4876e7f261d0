/* access.h — the [access] rules: their text parsed, the request path
 * they are matched against made canonical, the verdict for a session,
 * and the check of where a login form may send the user back to.  Pure:
 * no I/O, no allocation; every result is a slice of the caller's bytes.
 *
 * A rule is the value of a key rule1 .. rule64 (tried in the order of the
 * numbers, first match wins):
 *     PATH any | login | user NAME... | session KEY=VALUE
 * The path is in the value, not the key, because iniparser lowercases
 * keys: "/Admin/ = user alice" would protect /admin/ and leave /Admin/
 * open.  Values keep their case. */
#ifndef SW_ACCESS_H
#define SW_ACCESS_H

#include <stddef.h>

#include "bounds.h"

enum access_kind { ACCESS_ANY, ACCESS_LOGIN, ACCESS_USER, ACCESS_SESSION };

struct access_slice {
	const char *p;
	size_t len;
};

struct access_rule {
	struct access_slice path;   /* canonical: "/" or no trailing '/' */
	enum access_kind kind;
	struct access_slice users[MAX_ACCESS_USERS];   /* ACCESS_USER */
	int nusers;
	struct access_slice key, value;                /* ACCESS_SESSION */
};

/* Parse one rule's text.  0, or -1 with err saying what is wrong.  The
 * slices point into text, which must outlive the rule. */
int access_rule_parse(const char *text, size_t len, struct access_rule *out,
    char *err, size_t errlen);

/* The canonical form of a request path (SCRIPT_NAME + PATH_INFO as the
 * web server decoded them) into out (cap bytes, NUL-terminated): empty
 * and "." segments dropped, ".." resolved, no trailing '/' (but "/"
 * itself).  Bytes are kept as they are: no case folding and no second
 * percent-decoding (a "%2e" that reaches us is a file name's "%2e").
 * Its length, or -1 when the path does not start with '/', holds a
 * control byte, climbs above the root, or does not fit. */
long access_path_clean(const char *in, size_t len, char *out, size_t cap);

/* Whether the canonical path lies under the rule's path: equal to it or
 * below it at a '/' (the rule /admin covers /admin and /admin/x, not
 * /administrator). */
int access_covers(const struct access_rule *rule, const char *path,
    size_t len);

/* The first rule of rules[0..n) that covers path, or NULL (any). */
const struct access_rule *access_match(const struct access_rule *rules,
    int n, const char *path, size_t len);

enum access_verdict {
	ACCESS_ALLOW,
	ACCESS_NEED_LOGIN,          /* 303 to the login form */
	ACCESS_FORBIDDEN,           /* logged in, not allowed: 403 */
};

/* The session a verdict looks at: the login name (NULL when nobody is
 * logged in) and a lookup of one key's value. */
struct access_who {
	const char *user;
	size_t ulen;
	/* The value of key in the session, or NULL. */
	const char *(*get)(void *ctx, const char *key, size_t klen,
	    size_t *vlen);
	void *ctx;
};

/* What rule (NULL: none matched, any) says about who. */
enum access_verdict access_decide(const struct access_rule *rule,
    const struct access_who *who);

/* Whether s (decoded) may be where the login form sends the user back:
 * a path of this site, "/..." and nothing that a browser could read as
 * another host: not "//host", "/\host" (browsers take '\' for '/'), no
 * scheme, no backslash, no control byte or space (browsers drop tabs and
 * newlines inside URLs: "/\t/host" is "//host"), at most MAX_NEXT_PATH
 * bytes. */
int access_next_ok(const char *s, size_t len);

#endif
