/* request.h — the params of one request the worker acts on, read once
 * from its NAME=value list (FastCGI params or the CGI environment). */
#ifndef SW_REQUEST_H
#define SW_REQUEST_H

struct request {
	/* Slices of the params themselves (NUL-terminated), NULL when the
	 * param is not there. */
	const char *method;          /* REQUEST_METHOD */
	const char *script_name;     /* SCRIPT_NAME */
	const char *script_filename; /* SCRIPT_FILENAME */
	const char *document_root;   /* DOCUMENT_ROOT */
	const char *cookie;          /* HTTP_COOKIE, raw */
	const char *remote_addr;     /* REMOTE_ADDR */
	/* What the cross-site check looks at (csrf.h). */
	const char *host;            /* HTTP_HOST */
	const char *origin;          /* HTTP_ORIGIN */
	const char *sec_fetch_site;  /* HTTP_SEC_FETCH_SITE */
	const char *csrf_token;      /* HTTP_X_CSRF_TOKEN */
	const char *content_type;    /* CONTENT_TYPE */
	const char *path_info;       /* PATH_INFO */
	const char *query_string;    /* QUERY_STRING */
	const char *request_uri;     /* REQUEST_URI, as the client sent it */
	/* CONTENT_LENGTH: 0 when absent or empty; -1 when it is not a
	 * decimal number, or over 2^50 (the worker answers 400). */
	long long content_length;
	/* HTTPS is "on" or REQUEST_SCHEME is "https" (any case). */
	int https;
};

/* Fill *req from envp (NAME=value strings, NULL-terminated; NULL reads as
 * empty).  Pure: the slices point into envp, which must outlive req. */
void request_read(struct request *req, char *const *envp);

/* The value of one param of envp, or NULL. */
const char *request_param(char *const *envp, const char *name);

#endif
