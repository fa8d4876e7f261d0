/* cgi_env.c — builds the child's environment from the FastCGI params.
 *
 * Everything the web server sent is passed (RFC 3875 meta-variables and the
 * server's extras such as DOCUMENT_ROOT or HTTPS), except what could be
 * forged or abused: HTTP_PROXY (httpoxy), any SESSION* name (only the
 * wrapper sets those), PATH (ours comes from the config), names that are not
 * shell identifiers, and under sessions the variables the session layer owns. */
#include "cgi_env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"

void
env_init(struct envbuf *e)
{
	memset(e, 0, sizeof(*e));
}

void
env_free(struct envbuf *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->vec[i]);
	free(e->vec);
	memset(e, 0, sizeof(*e));
}

int
env_add(struct envbuf *e, const char *name, const char *value, size_t vlen)
{
	size_t nlen = strlen(name), len = nlen + 1 + vlen;
	char *s;

	if (len > MAX_ENV_STRING) {
		snprintf(e->err, sizeof(e->err), "variable %.64s is %zu bytes (limit %d)",
		    name, len, MAX_ENV_STRING);
		return -1;
	}
	if (e->total + len + 1 + sizeof(char *) > MAX_ENV_TOTAL ||
	    e->n + 1 >= MAX_ENV_COUNT) {
		snprintf(e->err, sizeof(e->err),
		    "environment full at variable %.64s (limits %d bytes, %d variables)",
		    name, MAX_ENV_TOTAL, MAX_ENV_COUNT);
		return -1;
	}
	if (memchr(value, '\0', vlen)) {
		snprintf(e->err, sizeof(e->err), "variable %.64s holds a NUL", name);
		return -1;
	}
	if (e->n + 2 > e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 64;
		char **v = realloc(e->vec, cap * sizeof(*v));
		if (!v)
			goto oom;
		e->vec = v;
		e->cap = cap;
	}
	s = malloc(len + 1);
	if (!s)
		goto oom;
	memcpy(s, name, nlen);
	s[nlen] = '=';
	memcpy(s + nlen + 1, value, vlen);
	s[len] = '\0';
	e->vec[e->n++] = s;
	e->vec[e->n] = NULL;
	e->total += len + 1 + sizeof(char *);
	return 0;
oom:
	snprintf(e->err, sizeof(e->err), "out of memory at variable %.64s", name);
	return -1;
}

int
env_add_cb(void *envbuf, const char *name, const char *value, size_t vlen)
{
	return env_add(envbuf, name, value, vlen);
}

static int
is_identifier(const char *s, size_t n)
{
	if (n == 0 || n > MAX_PARAM_NAME || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '_'))
			return 0;
	}
	return 1;
}

static int
name_is(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

int
env_param_allowed(const char *name, size_t nlen, const struct env_policy *p)
{
	if (!is_identifier(name, nlen))
		return 0;
	if (nlen >= 7 && memcmp(name, "SESSION", 7) == 0)
		return 0;
	if (name_is(name, nlen, "HTTP_PROXY") || name_is(name, nlen, "PATH") ||
	    name_is(name, nlen, "FCGI_ROLE") || name_is(name, nlen, "HTTP_SESSION"))
		return 0;
	if (p->sessions && (name_is(name, nlen, "HTTP_COOKIE") ||
	    name_is(name, nlen, "REMOTE_USER") || name_is(name, nlen, "AUTH_TYPE")))
		return 0;
	return 1;
}

int
env_add_params(struct envbuf *e, char *const *params, const struct env_policy *p)
{
	char name[MAX_PARAM_NAME + 1];

	for (; params && *params; params++) {
		const char *eq = strchr(*params, '=');
		size_t nlen;

		if (!eq)
			continue;
		nlen = (size_t)(eq - *params);
		if (!env_param_allowed(*params, nlen, p))
			continue;
		memcpy(name, *params, nlen);
		name[nlen] = '\0';
		if (env_add(e, name, eq + 1, strlen(eq + 1)) < 0)
			return -1;
	}
	return 0;
}
