/* cgi_response.c — the CGI header block parser (RFC 3875 section 6).
 * Pure: bytes in, slices out. */
#include "cgi_response.h"

#include <stdio.h>
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

/* Length of the name a line begins with, when it is a valid "Name:". */
static size_t
name_length(const char *line, size_t len)
{
	size_t i = 0;

	while (i < len && is_tchar((unsigned char)line[i]))
		i++;
	return i < len && line[i] == ':' ? i : 0;
}

/* Fill *err (if asked for) about the line at buf[off..off+len) and
 * return rc. */
static int
refuse(struct cgi_header_error *err, int rc, enum cgi_fault fault,
    const char *buf, size_t off, size_t len, size_t lineno, size_t at,
    size_t limit)
{
	if (err) {
		err->fault = fault;
		err->line = lineno;
		err->off = off;
		err->len = len;
		err->nlen = name_length(buf + off, len);
		err->at = at;
		err->limit = limit;
	}
	return rc;
}

/* What is wrong with the name part line[0..colon) of a line. */
static int
check_name(const char *line, const char *colon, enum cgi_fault *fault,
    size_t *at)
{
	const char *p = line;

	if (colon == line) {
		*fault = CGI_FAULT_EMPTY_NAME;
		*at = 0;
		return -1;
	}
	while (p < colon && is_tchar((unsigned char)*p))
		p++;
	if (p == colon)
		return 0;
	*at = (size_t)(p - line);
	*fault = CGI_FAULT_SPACE_BEFORE_COLON;
	for (const char *q = p; q < colon; q++)
		if (*q != ' ' && *q != '\t')
			*fault = CGI_FAULT_BAD_NAME;
	return -1;
}

int
cgi_headers_parse(const char *buf, size_t len, struct cgi_header *headers,
    size_t *nheaders, struct cgi_header_error *err)
{
	struct cgi_parse st = { 0 };

	return cgi_headers_parse_more(buf, len, headers, nheaders, err, &st);
}

int
cgi_headers_parse_more(const char *buf, size_t len, struct cgi_header *headers,
    size_t *nheaders, struct cgi_header_error *err, struct cgi_parse *st)
{
	size_t room = *nheaders, n = st->n, pos = st->pos;
	size_t limit = len < MAX_HEADER_BLOCK ? len : MAX_HEADER_BLOCK;

	for (;;) {
		const char *line = buf + pos, *nl, *end, *colon, *v, *bad;
		size_t lineno = n + 1, llen, at, from;
		enum cgi_fault fault;

		/* The line's end is searched for in the bytes not searched
		 * by an earlier call. */
		from = pos + st->scanned < limit ? pos + st->scanned : limit;
		nl = memchr(buf + from, '\n', limit - from);
		st->examined += nl ? (size_t)(nl - (buf + from)) + 1 : limit - from;
		if (!nl) {
			st->scanned = limit - pos;
			if (len < MAX_HEADER_BLOCK)
				return CGI_INCOMPLETE;
			return refuse(err, CGI_TOO_LARGE, CGI_FAULT_TOO_LARGE,
			    buf, pos, limit - pos, lineno, 0, MAX_HEADER_BLOCK);
		}
		/* A whole line: its checks below read it a few times over. */
		st->examined += (size_t)(nl - line) + 1;
		end = nl;
		if (end > line && end[-1] == '\r')
			end--;
		llen = (size_t)(end - line);
		if ((bad = memchr(line, '\0', (size_t)(nl - line))) != NULL)
			return refuse(err, CGI_MALFORMED, CGI_FAULT_NUL, buf, pos,
			    llen, lineno, (size_t)(bad - line), 0);
		if ((bad = memchr(line, '\r', llen)) != NULL)
			return refuse(err, CGI_MALFORMED, CGI_FAULT_CR, buf, pos,
			    llen, lineno, (size_t)(bad - line), 0);
		if (end == line) {
			/* The blank line: a block without any header is no
			 * CGI response at all. */
			if (n == 0)
				return refuse(err, CGI_MALFORMED,
				    CGI_FAULT_NO_HEADER, buf, pos, 0, lineno, 0, 0);
			*nheaders = n;
			return (int)((size_t)(nl - buf) + 1);
		}
		if (*line == ' ' || *line == '\t')
			return refuse(err, CGI_MALFORMED, CGI_FAULT_FOLDED, buf,
			    pos, llen, lineno, 0, 0);
		colon = memchr(line, ':', llen);
		if (!colon)
			return refuse(err, CGI_MALFORMED, CGI_FAULT_NO_COLON, buf,
			    pos, llen, lineno, 0, 0);
		if (check_name(line, colon, &fault, &at) < 0)
			return refuse(err, CGI_MALFORMED, fault, buf, pos, llen,
			    lineno, at, 0);
		if (n == room)
			return refuse(err, CGI_TOO_MANY, CGI_FAULT_TOO_MANY, buf,
			    pos, llen, lineno, 0, room);
		pos = (size_t)(nl - buf) + 1;
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
		/* This line is done: a later call starts after it. */
		st->pos = pos;
		st->scanned = 0;
		st->n = n;
	}
}

static const char *
fault_text(enum cgi_fault fault)
{
	switch (fault) {
	case CGI_FAULT_NUL: return "NUL byte";
	case CGI_FAULT_CR: return "CR inside the line";
	case CGI_FAULT_NO_HEADER: return "blank line before any header";
	case CGI_FAULT_FOLDED: return "folded line (starts with a space or tab)";
	case CGI_FAULT_NO_COLON: return "no colon";
	case CGI_FAULT_EMPTY_NAME: return "empty header name";
	case CGI_FAULT_SPACE_BEFORE_COLON: return "space before the colon";
	case CGI_FAULT_BAD_NAME: return "byte not allowed in a header name";
	case CGI_FAULT_TOO_MANY: return "more than";
	case CGI_FAULT_TOO_LARGE: return "still open at the limit of";
	}
	return "malformed";
}

void
cgi_header_error_text(const struct cgi_header_error *err, const char *buf,
    char *out, size_t outlen)
{
	const char *line = buf + err->off;
	const char *colon = memchr(line, ':', err->len);
	const char *nul;
	size_t show = colon ? (size_t)(colon - line) + 1 : err->len;
	size_t cut = show > CGI_EXCERPT_MAX ? CGI_EXCERPT_MAX : show;
	char q[CGI_EXCERPT_MAX + 4];

	/* Bytes as they are: the log escapes them (log.h).  A NUL cannot
	 * go into a string; the excerpt ends there. */
	if ((nul = memchr(line, '\0', cut)) != NULL)
		cut = (size_t)(nul - line);
	memcpy(q, line, cut);
	memcpy(q + cut, cut < show ? "..." : "", cut < show ? 4 : 1);
	switch (err->fault) {
	case CGI_FAULT_NUL:
	case CGI_FAULT_CR:
	case CGI_FAULT_BAD_NAME:
		snprintf(out, outlen, "line %zu \"%s\": %s at byte %zu of the line",
		    err->line, q, fault_text(err->fault), err->at + 1);
		break;
	case CGI_FAULT_NO_HEADER:
		snprintf(out, outlen, "line %zu: %s", err->line,
		    fault_text(err->fault));
		break;
	case CGI_FAULT_TOO_MANY:
		snprintf(out, outlen, "line %zu \"%s\": %s %zu headers",
		    err->line, q, fault_text(err->fault), err->limit);
		break;
	case CGI_FAULT_TOO_LARGE:
		snprintf(out, outlen, "line %zu \"%s\": %s %zu bytes", err->line,
		    q, fault_text(err->fault), err->limit);
		break;
	default:
		snprintf(out, outlen, "line %zu \"%s\": %s", err->line, q,
		    fault_text(err->fault));
		break;
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
