/* access.c — the [access] rules (access.h): parsed, matched against a
 * canonical request path, decided for a session; and the check of a
 * login form's way back.  Pure: slices of the caller's bytes only. */
#include "access.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The next blank-separated word of text[*pos..len), or 0 at the end. */
static int
next_word(const char *text, size_t len, size_t *pos, struct access_slice *w)
{
	size_t i = *pos;

	while (i < len && is_blank(text[i]))
		i++;
	if (i == len)
		return 0;
	w->p = text + i;
	while (i < len && !is_blank(text[i]))
		i++;
	w->len = (size_t)(text + i - w->p);
	*pos = i;
	return 1;
}

static int
word_is(const struct access_slice *w, const char *s)
{
	return w->len == strlen(s) && memcmp(w->p, s, w->len) == 0;
}

/* A rule's path: as written, it must already be canonical (but for one
 * trailing '/', which is dropped): a path that the cleaning would change
 * can never equal a cleaned request path. */
static int
rule_path(struct access_slice *w, char *err, size_t errlen)
{
	char clean[MAX_ACCESS_PATH];
	size_t len = w->len;
	long n;

	if (len > 1 && w->p[len - 1] == '/')
		len--;
	n = access_path_clean(w->p, w->len, clean, sizeof(clean));
	if (n < 0 || (size_t)n != len || memcmp(clean, w->p, len) != 0) {
		snprintf(err, errlen, "'%.*s' is not a plain path like /admin/ "
		    "(starting with '/', no '//', '.' or '..' segments, no "
		    "control bytes)", (int)(w->len > 200 ? 200 : w->len), w->p);
		return -1;
	}
	w->len = len;
	return 0;
}

int
access_rule_parse(const char *text, size_t len, struct access_rule *out,
    char *err, size_t errlen)
{
	struct access_slice kind, w;
	size_t pos = 0;

	memset(out, 0, sizeof(*out));
	if (len > MAX_ACCESS_RULE) {
		snprintf(err, errlen, "longer than %d bytes", MAX_ACCESS_RULE);
		return -1;
	}
	if (memchr(text, '\0', len)) {
		snprintf(err, errlen, "holds a NUL byte");
		return -1;
	}
	if (!next_word(text, len, &pos, &out->path) ||
	    !next_word(text, len, &pos, &kind)) {
		snprintf(err, errlen, "'%.*s' is not PATH any|login|user NAME..."
		    "|session KEY=VALUE", (int)(len > 200 ? 200 : len), text);
		return -1;
	}
	if (rule_path(&out->path, err, errlen) < 0)
		return -1;
	if (word_is(&kind, "any") || word_is(&kind, "login")) {
		out->kind = word_is(&kind, "any") ? ACCESS_ANY : ACCESS_LOGIN;
		if (next_word(text, len, &pos, &w)) {
			snprintf(err, errlen, "'%.*s' after '%.*s': it takes nothing "
			    "more", (int)(w.len > 100 ? 100 : w.len), w.p,
			    (int)kind.len, kind.p);
			return -1;
		}
		return 0;
	}
	if (word_is(&kind, "user")) {
		out->kind = ACCESS_USER;
		while (next_word(text, len, &pos, &w)) {
			if (out->nusers == MAX_ACCESS_USERS) {
				snprintf(err, errlen, "more than %d user names",
				    MAX_ACCESS_USERS);
				return -1;
			}
			if (w.len > MAX_LOGIN_NAME) {
				snprintf(err, errlen, "user name '%.40s...' longer than "
				    "%d bytes", w.p, MAX_LOGIN_NAME);
				return -1;
			}
			out->users[out->nusers++] = w;
		}
		if (out->nusers == 0) {
			snprintf(err, errlen, "'user' needs at least one name");
			return -1;
		}
		return 0;
	}
	if (word_is(&kind, "session")) {
		const char *eq;

		out->kind = ACCESS_SESSION;
		if (!next_word(text, len, &pos, &w) ||
		    (eq = memchr(w.p, '=', w.len)) == NULL || eq == w.p) {
			snprintf(err, errlen, "'session' needs KEY=VALUE");
			return -1;
		}
		out->key.p = w.p;
		out->key.len = (size_t)(eq - w.p);
		out->value.p = eq + 1;
		out->value.len = w.len - out->key.len - 1;
		if (out->key.len > MAX_KEY_LEN) {
			snprintf(err, errlen, "session key longer than %d bytes",
			    MAX_KEY_LEN);
			return -1;
		}
		if (next_word(text, len, &pos, &w)) {
			snprintf(err, errlen, "'%.*s' after KEY=VALUE: one pair only "
			    "(a value with blanks cannot be matched)",
			    (int)(w.len > 100 ? 100 : w.len), w.p);
			return -1;
		}
		return 0;
	}
	snprintf(err, errlen, "'%.*s' is not any, login, user or session",
	    (int)(kind.len > 100 ? 100 : kind.len), kind.p);
	return -1;
}

long
access_path_clean(const char *in, size_t len, char *out, size_t cap)
{
	size_t i = 0, o = 0;

	if (cap < 2 || len == 0 || in[0] != '/')
		return -1;
	for (size_t k = 0; k < len; k++)
		if ((unsigned char)in[k] < 0x20 || in[k] == 0x7f)
			return -1;
	while (i < len) {
		size_t start, slen;

		while (i < len && in[i] == '/')
			i++;
		start = i;
		while (i < len && in[i] != '/')
			i++;
		slen = i - start;
		if (slen == 0 || (slen == 1 && in[start] == '.'))
			continue;
		if (slen == 2 && in[start] == '.' && in[start + 1] == '.') {
			if (o == 0)
				return -1;           /* above the root */
			while (o > 0 && out[o - 1] != '/')
				o--;
			o--;                     /* the '/' before it */
			continue;
		}
		if (o + 1 + slen + 1 > cap)
			return -1;
		out[o++] = '/';
		memcpy(out + o, in + start, slen);
		o += slen;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return (long)o;
}

int
access_covers(const struct access_rule *rule, const char *path, size_t len)
{
	size_t rl = rule->path.len;

	if (rl == 1)                         /* "/" covers everything */
		return 1;
	return len >= rl && memcmp(path, rule->path.p, rl) == 0 &&
	    (len == rl || path[rl] == '/');
}

const struct access_rule *
access_match(const struct access_rule *rules, int n, const char *path,
    size_t len)
{
	for (int i = 0; i < n; i++)
		if (access_covers(&rules[i], path, len))
			return &rules[i];
	return NULL;
}

enum access_verdict
access_decide(const struct access_rule *rule, const struct access_who *who)
{
	const char *v;
	size_t vlen;

	if (rule == NULL || rule->kind == ACCESS_ANY)
		return ACCESS_ALLOW;
	if (who->user == NULL)
		return ACCESS_NEED_LOGIN;
	switch (rule->kind) {
	case ACCESS_LOGIN:
		return ACCESS_ALLOW;
	case ACCESS_USER:
		for (int i = 0; i < rule->nusers; i++)
			if (rule->users[i].len == who->ulen &&
			    memcmp(rule->users[i].p, who->user, who->ulen) == 0)
				return ACCESS_ALLOW;
		return ACCESS_FORBIDDEN;
	case ACCESS_SESSION:
		v = who->get(who->ctx, rule->key.p, rule->key.len, &vlen);
		return v && vlen == rule->value.len &&
		    memcmp(v, rule->value.p, vlen) == 0 ? ACCESS_ALLOW :
		    ACCESS_FORBIDDEN;
	case ACCESS_ANY:
		break;
	}
	return ACCESS_ALLOW;
}

int
access_next_ok(const char *s, size_t len)
{
	if (len == 0 || len > MAX_NEXT_PATH || s[0] != '/')
		return 0;
	if (len > 1 && (s[1] == '/' || s[1] == '\\'))
		return 0;
	for (size_t i = 0, query = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f || c == '\\')
			return 0;
		query |= c == '?' || c == '#';
		/* An encoded '/' or '\' in the path is refused too: some
		 * server on the way may decode it into "//host". */
		if (!query && c == '%' && i + 2 < len && (s[i + 1] == '2' || s[i + 1] == '5') &&
		    (strncasecmp(s + i + 1, "2f", 2) == 0 ||
		    strncasecmp(s + i + 1, "5c", 2) == 0))
			return 0;
	}
	return 1;
}
