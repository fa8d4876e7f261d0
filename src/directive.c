/* directive.c — parse the session directives a child sends back:
 *
 *   X-Session-Set: k=v&k2=v2     X-Session-Unset: k&k2
 *   X-Session-Clear: 1           X-Session-Regenerate: 1
 *   X-Session-Permanent: 0|1     X-Session-Flash: category=message
 *   X-Session-Revoke-Others: 1   (end the user's other sessions)
 *   X-Replace-Session: k=v&k2=   (compat_mod_session: empty value unsets)
 *
 * Every limit is checked here, when the header arrives, so a bad directive
 * fails the request before anything is committed.  Only max_size is left
 * to the commit: it depends on what is stored by then. */
#include "directive.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bounds.h"
#include "form.h"

enum directive_kind {
	DIR_SET, DIR_UNSET, DIR_CLEAR, DIR_REGENERATE, DIR_PERMANENT, DIR_FLASH,
	DIR_REPLACE, DIR_REVOKE_OTHERS,
};

static const struct directive_name {
	const char *name;
	enum directive_kind kind;
} directive_names[] = {
	{ "X-Session-Set", DIR_SET },
	{ "X-Session-Unset", DIR_UNSET },
	{ "X-Session-Clear", DIR_CLEAR },
	{ "X-Session-Regenerate", DIR_REGENERATE },
	{ "X-Session-Permanent", DIR_PERMANENT },
	{ "X-Session-Flash", DIR_FLASH },
	{ "X-Session-Revoke-Others", DIR_REVOKE_OTHERS },
	{ "X-Replace-Session", DIR_REPLACE },
};

#define SESSION_PREFIX "X-Session-"
#define DEFAULT_FLASH_CATEGORY "message"     /* Flask's default */

/* The state of parsing one header. */
struct directive_ctx {
	struct changelog *log;
	const char *name;           /* canonical, for messages */
	char *err;
	size_t errlen;
};

static int
fail(struct directive_ctx *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
fail(struct directive_ctx *d, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(d->err, d->errlen, "header %s: %s", d->name, why);
	return -1;
}

static int
add_change(struct directive_ctx *d, enum change_kind kind, const char *key,
    size_t klen, const char *value, size_t vlen, uint64_t n)
{
	if (d->log->nchanges >= MAX_CHANGES)
		return fail(d, "more than %d session changes in one response",
		    MAX_CHANGES);
	if (kind == CHANGE_FLASH && d->log->nflashes >= MAX_FLASHES)
		return fail(d, "more than %d flash messages", MAX_FLASHES);
	if (changelog_add(d->log, kind, key, klen, value, vlen, n) < 0)
		return fail(d, "out of memory");
	return 0;
}

/* Decode one encoded part into dst; what names the part in messages. */
static long
decode_part(struct directive_ctx *d, char *dst, const char *src, size_t len,
    const char *what, size_t max)
{
	long n = form_decode(dst, src, len);

	if (n == -1)
		return fail(d, "bad %%-encoding in %s", what);
	if (n == -2)
		return fail(d, "NUL in %s", what);
	if ((size_t)n > max)
		return fail(d, "%s longer than %zu bytes", what, max);
	return n;
}

static int
parse_form(struct directive_ctx *d, enum directive_kind kind,
    const char *value, size_t vlen)
{
	const char *keyname = kind == DIR_FLASH ? "category" : "key";
	struct form_field f;
	size_t pos = 0;
	/* Decoded key + value never outgrow the encoded segment, but a bare
	 * flash message gains the category "message". */
	char *scratch = malloc(vlen + sizeof(DEFAULT_FLASH_CATEGORY));
	int rc = -1;

	if (scratch == NULL)
		return fail(d, "out of memory");
	while (form_next(value, vlen, &pos, &f)) {
		long kl, vl;
		char *k = scratch, *v;
		int added;

		if (kind == DIR_FLASH && !f.has_value) {
			/* Flask's flash(message) has the category "message". */
			f.value = f.key;
			f.vlen = f.klen;
			f.key = DEFAULT_FLASH_CATEGORY;
			f.klen = strlen(DEFAULT_FLASH_CATEGORY);
		}
		if ((kl = decode_part(d, k, f.key, f.klen, keyname,
		        MAX_KEY_LEN)) < 0)
			goto out;
		if (kl == 0) {
			fail(d, "empty %s", keyname);
			goto out;
		}
		if (kind == DIR_UNSET) {
			if (f.has_value) {
				fail(d, "'=' in a key (encode it as %%3D)");
				goto out;
			}
			if (add_change(d, CHANGE_UNSET, k, (size_t)kl, NULL, 0, 0) < 0)
				goto out;
			continue;
		}
		v = k + kl;
		if ((vl = decode_part(d, v, f.value, f.vlen, "value",
		        MAX_SESSION_SIZE_LIMIT)) < 0)
			goto out;
		if (kind == DIR_FLASH)
			added = add_change(d, CHANGE_FLASH, k, (size_t)kl, v,
			    (size_t)vl, 0);
		else if (kind == DIR_REPLACE && vl == 0)
			added = add_change(d, CHANGE_UNSET, k, (size_t)kl, NULL,
			    0, 0);
		else
			added = add_change(d, CHANGE_SET, k, (size_t)kl, v,
			    (size_t)vl, 0);
		if (added < 0)
			goto out;
	}
	rc = 0;
out:
	free(scratch);
	return rc;
}

/* The value of Clear, Regenerate or Permanent: exactly one of allowed. */
static int
parse_flag(struct directive_ctx *d, const char *value, size_t vlen,
    const char *allowed, uint64_t *n)
{
	if (vlen != 1 || strchr(allowed, value[0]) == NULL || value[0] == '\0')
		return fail(d, "value must be %s",
		    strlen(allowed) == 1 ? "1" : "0 or 1");
	*n = (uint64_t)(value[0] - '0');
	return 0;
}

static const struct directive_name *
directive_lookup(const char *name, size_t nlen, int compat)
{
	for (size_t i = 0; i < sizeof(directive_names) /
	    sizeof(directive_names[0]); i++) {
		const struct directive_name *dn = &directive_names[i];
		if (strlen(dn->name) == nlen &&
		    strncasecmp(dn->name, name, nlen) == 0)
			return dn->kind == DIR_REPLACE && !compat ? NULL : dn;
	}
	return NULL;
}

/* X-Session-<anything>: ours, known or not. */
static int
has_session_prefix(const char *name, size_t nlen)
{
	size_t plen = strlen(SESSION_PREFIX);

	return nlen >= plen && strncasecmp(name, SESSION_PREFIX, plen) == 0;
}

int
directive_is_session_header(const char *name, size_t nlen)
{
	return has_session_prefix(name, nlen) ||
	    directive_lookup(name, nlen, 1) != NULL;
}

int
directive_parse(struct changelog *log, const char *name, size_t nlen,
    const char *value, size_t vlen, int compat, char *err, size_t errlen)
{
	const struct directive_name *dn = directive_lookup(name, nlen, compat);
	struct directive_ctx d = { log, NULL, err, errlen };
	size_t before = log->nchanges;
	uint64_t n;
	int rc;

	if (dn == NULL) {
		if (!has_session_prefix(name, nlen))
			return 0;
		snprintf(err, errlen, "header %.*s: unknown session directive",
		    (int)(nlen > 64 ? 64 : nlen), name);
		return -1;
	}
	d.name = dn->name;
	if (++log->ndirectives > MAX_DIRECTIVES)
		return fail(&d, "more than %d session directives", MAX_DIRECTIVES);
	if (memchr(value, '\0', vlen) != NULL)
		return fail(&d, "NUL in the value");
	while (vlen > 0 && (value[0] == ' ' || value[0] == '\t')) {
		value++;
		vlen--;
	}
	while (vlen > 0 && (value[vlen - 1] == ' ' || value[vlen - 1] == '\t'))
		vlen--;

	switch (dn->kind) {
	case DIR_CLEAR:
		rc = parse_flag(&d, value, vlen, "1", &n);
		if (rc == 0)
			rc = add_change(&d, CHANGE_CLEAR, NULL, 0, NULL, 0, 0);
		break;
	case DIR_REGENERATE:
		rc = parse_flag(&d, value, vlen, "1", &n);
		if (rc == 0)
			rc = add_change(&d, CHANGE_REGENERATE, NULL, 0, NULL, 0, 0);
		break;
	case DIR_REVOKE_OTHERS:
		rc = parse_flag(&d, value, vlen, "1", &n);
		if (rc == 0)
			rc = add_change(&d, CHANGE_REVOKE_OTHERS, NULL, 0, NULL, 0,
			    0);
		break;
	case DIR_PERMANENT:
		rc = parse_flag(&d, value, vlen, "01", &n);
		if (rc == 0)
			rc = add_change(&d, CHANGE_PERMANENT, NULL, 0, NULL, 0, n);
		break;
	default:
		rc = parse_form(&d, dn->kind, value, vlen);
		break;
	}
	if (rc < 0) {
		changelog_truncate(log, before);
		return -1;
	}
	return 1;
}
