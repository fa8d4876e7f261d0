/* cgi_response.c — the CGI header block parser (RFC 3875 section 6).
 * Pure: bytes in, slices out. */
#include "cgi_response.h"

#include <string.h>
#include <strings.h>

#include "bounds.h"

/* RFC 9110 token characters, the only ones allowed in a header name. */
static int
is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

int
cgi_headers_parse(const char *buf, size_t len, struct cgi_header *headers,
    size_t *nheaders)
{
	size_t room = *nheaders, n = 0, pos = 0;
	size_t limit = len < MAX_HEADER_BLOCK ? len : MAX_HEADER_BLOCK;

	for (;;) {
		const char *line = buf + pos, *nl, *end, *colon, *v;

		nl = memchr(line, '\n', limit - pos);
		if (!nl)
			return len >= MAX_HEADER_BLOCK ? CGI_TOO_LARGE : CGI_INCOMPLETE;
		end = nl;
		if (end > line && end[-1] == '\r')
			end--;
		if (memchr(line, '\0', (size_t)(nl - line)) ||
		    memchr(line, '\r', (size_t)(end - line)))
			return CGI_MALFORMED;
		pos = (size_t)(nl - buf) + 1;
		if (end == line) {
			/* The blank line: a block without any header is no
			 * CGI response at all. */
			if (n == 0)
				return CGI_MALFORMED;
			*nheaders = n;
			return (int)pos;
		}
		colon = memchr(line, ':', (size_t)(end - line));
		if (!colon || colon == line)
			return CGI_MALFORMED;   /* also catches obs-fold lines */
		for (const char *p = line; p < colon; p++)
			if (!is_tchar((unsigned char)*p))
				return CGI_MALFORMED;
		if (n == room)
			return CGI_TOO_MANY;
		v = colon + 1;
		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		headers[n].name = line;
		headers[n].nlen = (size_t)(colon - line);
		headers[n].value = v;
		headers[n].vlen = (size_t)(end - v);
		n++;
	}
}

int
cgi_status_parse(const char *value, size_t vlen, int *code,
    const char **reason, size_t *rlen)
{
	int c = 0;

	if (vlen < 3)
		return -1;
	for (int i = 0; i < 3; i++) {
		if (value[i] < '0' || value[i] > '9')
			return -1;
		c = c * 10 + (value[i] - '0');
	}
	/* A final status: 1xx are interim, above 599 not HTTP. */
	if (c < 200 || c > 599)
		return -1;
	if (vlen > 3 && value[3] != ' ')
		return -1;
	*code = c;
	*reason = vlen > 4 ? value + 4 : value + vlen;
	*rlen = vlen > 4 ? vlen - 4 : 0;
	for (size_t i = 0; i < *rlen; i++)
		if ((unsigned char)(*reason)[i] < 0x20 && (*reason)[i] != '\t')
			return -1;
	return 0;
}

const char *
http_reason(int code)
{
	static const struct { int code; const char *text; } reasons[] = {
		{ 200, "OK" }, { 201, "Created" }, { 202, "Accepted" },
		{ 204, "No Content" }, { 206, "Partial Content" },
		{ 301, "Moved Permanently" }, { 302, "Found" }, { 303, "See Other" },
		{ 304, "Not Modified" }, { 307, "Temporary Redirect" },
		{ 308, "Permanent Redirect" }, { 400, "Bad Request" },
		{ 401, "Unauthorized" }, { 403, "Forbidden" }, { 404, "Not Found" },
		{ 405, "Method Not Allowed" }, { 409, "Conflict" },
		{ 413, "Content Too Large" }, { 429, "Too Many Requests" },
		{ 431, "Request Header Fields Too Large" },
		{ 500, "Internal Server Error" }, { 501, "Not Implemented" },
		{ 502, "Bad Gateway" }, { 503, "Service Unavailable" },
		{ 504, "Gateway Timeout" },
	};
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].code == code)
			return reasons[i].text;
	return "Unknown";
}

int
header_is(const struct cgi_header *h, const char *name)
{
	return strlen(name) == h->nlen && strncasecmp(h->name, name, h->nlen) == 0;
}
