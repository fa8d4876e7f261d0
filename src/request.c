/* request.c — the params of a request the worker needs, read in one pass
 * over the list, with the CONTENT_LENGTH parse and the HTTPS rule.  Pure. */
#include "request.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

const char *
request_param(char *const *envp, const char *name)
{
	size_t n = strlen(name);

	for (char *const *p = envp; p && *p; p++)
		if (strncmp(*p, name, n) == 0 && (*p)[n] == '=')
			return *p + n + 1;
	return NULL;
}

/* Digits only, no sign, no blanks; a value over 2^50 is no body anyone
 * sends and would overflow the arithmetic further on. */
static long long
content_length(const char *s)
{
	long long v = 0;

	if (!s || !*s)
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (1LL << 50))
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

void
request_read(struct request *req, char *const *envp)
{
	const char *length = NULL, *https = NULL, *scheme = NULL;
	const struct { const char *name; const char **to; } want[] = {
		{ "REQUEST_METHOD", &req->method },
		{ "SCRIPT_NAME", &req->script_name },
		{ "SCRIPT_FILENAME", &req->script_filename },
		{ "DOCUMENT_ROOT", &req->document_root },
		{ "HTTP_COOKIE", &req->cookie },
		{ "REMOTE_ADDR", &req->remote_addr },
		{ "HTTP_HOST", &req->host },
		{ "HTTP_ORIGIN", &req->origin },
		{ "HTTP_SEC_FETCH_SITE", &req->sec_fetch_site },
		{ "HTTP_X_CSRF_TOKEN", &req->csrf_token },
		{ "CONTENT_TYPE", &req->content_type },
		{ "PATH_INFO", &req->path_info },
		{ "QUERY_STRING", &req->query_string },
		{ "REQUEST_URI", &req->request_uri },
		{ "CONTENT_LENGTH", &length },
		{ "HTTPS", &https },
		{ "REQUEST_SCHEME", &scheme },
	};

	memset(req, 0, sizeof(*req));
	for (char *const *p = envp; p && *p; p++) {
		const char *eq = strchr(*p, '=');
		size_t n;

		if (!eq)
			continue;
		n = (size_t)(eq - *p);
		/* The first of a name counts, as with request_param(). */
		for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
			if (!*want[i].to && strlen(want[i].name) == n &&
			    memcmp(*p, want[i].name, n) == 0)
				*want[i].to = eq + 1;
	}
	req->content_length = content_length(length);
	req->https = (https && strcasecmp(https, "on") == 0) ||
	    (scheme && strcasecmp(scheme, "https") == 0);
}
