/* cgi_response.h — parser of the CGI header block a child writes first. */
#ifndef SW_CGI_RESPONSE_H
#define SW_CGI_RESPONSE_H

#include <stddef.h>

struct cgi_header {
	const char *name;
	size_t nlen;
	const char *value;       /* leading and trailing blanks trimmed */
	size_t vlen;
};

enum {
	CGI_MALFORMED = -1,      /* a line that is not "Name: value", a NUL, ... */
	CGI_INCOMPLETE = -2,     /* no blank line yet: feed more bytes */
	CGI_TOO_LARGE = -3,      /* no blank line within MAX_HEADER_BLOCK */
	CGI_TOO_MANY = -4,       /* more than the caller's room for headers */
};

/* Parse the header block at the start of buf[0..len).  Lines may end in LF
 * or CRLF; the block ends at the first empty line.  On success returns the
 * number of bytes up to and including that empty line and sets *nheaders;
 * the slices point into buf.  No allocation, no I/O. */
int cgi_headers_parse(const char *buf, size_t len, struct cgi_header *headers,
    size_t *nheaders);

/* Parse a Status header value "404 Not Found" (reason optional).
 * Returns 0 and sets *code (200..599: a final status) and the reason
 * slice, or -1. */
int cgi_status_parse(const char *value, size_t vlen, int *code,
    const char **reason, size_t *rlen);

/* Standard reason phrase for a code, "Unknown" if none. */
const char *http_reason(int code);

/* Case-insensitive comparison of a header name slice with a C string. */
int header_is(const struct cgi_header *h, const char *name);

#endif
