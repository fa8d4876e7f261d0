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

/* What is wrong with the line at fault. */
enum cgi_fault {
	CGI_FAULT_NUL,           /* a NUL byte in the line */
	CGI_FAULT_CR,            /* a CR that does not end the line */
	CGI_FAULT_NO_HEADER,     /* the blank line came first */
	CGI_FAULT_FOLDED,        /* starts with a space or tab (obs-fold) */
	CGI_FAULT_NO_COLON,
	CGI_FAULT_EMPTY_NAME,    /* ": value" */
	CGI_FAULT_SPACE_BEFORE_COLON,   /* "Name : value" */
	CGI_FAULT_BAD_NAME,      /* a byte that is no token character */
	CGI_FAULT_TOO_MANY,      /* the header past the caller's room */
	CGI_FAULT_TOO_LARGE,     /* the line open at MAX_HEADER_BLOCK */
};

/* Where and why a header block was refused: enough for a log line that
 * names the line at fault. */
struct cgi_header_error {
	enum cgi_fault fault;
	size_t line;             /* its number, from 1 */
	size_t off, len;         /* the line in buf, without its end (as much
	                          * of it as was read, for TOO_LARGE) */
	size_t nlen;             /* its name's length when it begins with a
	                          * valid "Name:", else 0 */
	size_t at;               /* the offending byte, from the line's start
	                          * (NUL, CR, BAD_NAME) */
	size_t limit;            /* headers (TOO_MANY) or bytes (TOO_LARGE) */
};

/* Parse the header block at the start of buf[0..len).  Lines may end in LF
 * or CRLF; the block ends at the first empty line.  On success returns the
 * number of bytes up to and including that empty line and sets *nheaders;
 * the slices point into buf.  On CGI_MALFORMED, CGI_TOO_LARGE and
 * CGI_TOO_MANY, fills *err (when not NULL) with the line at fault.  No
 * allocation, no I/O. */
int cgi_headers_parse(const char *buf, size_t len, struct cgi_header *headers,
    size_t *nheaders, struct cgi_header_error *err);

/* Where a parse of a block that is still coming in stopped.  Zero it
 * before the first call. */
struct cgi_parse {
	size_t pos;              /* the first line not parsed yet */
	size_t scanned;          /* bytes from pos searched for its end */
	size_t n;                /* headers[0..n) filled */
	size_t examined;         /* work done over all calls: the bytes
	                          * searched for a line end, plus each whole
	                          * line once (its checks read it a fixed
	                          * number of times) */
};

/* cgi_headers_parse() of a block read in pieces: each call passes the
 * same buf, grown (its first bytes as before), and the same headers; the
 * parse resumes where the last call stopped, so a block fed one byte at a
 * time costs what it costs whole, and gives the same result. */
int cgi_headers_parse_more(const char *buf, size_t len,
    struct cgi_header *headers, size_t *nheaders,
    struct cgi_header_error *err, struct cgi_parse *st);

/* An account of err for a log line into out (NUL-terminated, cut to
 * outlen):
 *   line 2 "X-Session-Set :": space before the colon
 * Of the line only its name part (up to its first colon) or, without a
 * colon, its first bytes are shown, at most CGI_EXCERPT_MAX of them and
 * none from a NUL on ("..." says there was more): a value may hold
 * session data, and the log is no place for it.  The bytes are as sent:
 * log_msg escapes control bytes (log.h). */
#define CGI_EXCERPT_MAX 48
void cgi_header_error_text(const struct cgi_header_error *err,
    const char *buf, char *out, size_t outlen);

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
