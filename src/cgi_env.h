/* cgi_env.h — the child's environment builder (pure). */
#ifndef SW_CGI_ENV_H
#define SW_CGI_ENV_H

#include <stddef.h>

struct envbuf {
	char **vec;              /* NULL-terminated, ready for execve */
	size_t n, cap;
	size_t total;            /* bytes of all strings with their NULs */
	char err[256];           /* the first problem, naming the variable */
};

void env_init(struct envbuf *e);
void env_free(struct envbuf *e);

/* Append NAME=value.  Returns 0, or -1 when a limit of bounds.h would be
 * broken (the string, the total, the count) or on out of memory; e->err
 * then names the variable. */
int env_add(struct envbuf *e, const char *name, const char *value, size_t vlen);

/* Same, with the signature of visit.h's env_add_fn. */
int env_add_cb(void *envbuf, const char *name, const char *value, size_t vlen);

/* Which params are dropped on the way from the web server to the child. */
struct env_policy {
	int sessions;            /* also drop HTTP_COOKIE, REMOTE_USER, AUTH_TYPE:
	                            the session layer sets them */
};

/* Is this FastCGI param passed to the child under this policy? */
int env_param_allowed(const char *name, size_t nlen, const struct env_policy *p);

/* Copy every allowed "NAME=value" of params into e.  0 or -1 (e->err). */
int env_add_params(struct envbuf *e, char *const *params,
    const struct env_policy *p);

#endif
