/* fcgi_params.h — the FastCGI request head as bytes: record headers, the
 * BEGIN_REQUEST body and the name-value pairs of the PARAMS stream. */
#ifndef SW_FCGI_PARAMS_H
#define SW_FCGI_PARAMS_H

#include <stddef.h>

#define FCGI_HEADER_LEN     8
#define FCGI_BEGIN_REQUEST  1
#define FCGI_ABORT_REQUEST  2
#define FCGI_END_REQUEST    3
#define FCGI_PARAMS         4
#define FCGI_STDIN          5
#define FCGI_STDOUT         6
#define FCGI_RESPONDER      1

struct fcgi_record {
	unsigned type, id;
	size_t clen, plen;       /* content and padding lengths */
};

/* Decode the 8 bytes of a record header: 0, or -1 if its version is not 1. */
int fcgi_record_decode(const unsigned char *b, struct fcgi_record *r);
/* Encode one into b[8]. */
void fcgi_record_encode(unsigned char *b, unsigned type, unsigned id,
    size_t clen, size_t plen);
/* The role of a BEGIN_REQUEST body: -1 unless it is 8 bytes long. */
int fcgi_begin_role(const unsigned char *b, size_t n);

enum fcgi_params_fault {
	FCGI_PARAMS_TOO_LARGE = 1,   /* over MAX_PARAMS_TOTAL bytes in all */
	FCGI_PARAMS_TOO_MANY,        /* over MAX_PARAMS */
	FCGI_PARAM_VALUE_TOO_LONG,   /* one value over MAX_PARAM_VALUE */
	FCGI_PARAMS_CUT,             /* the stream ended inside a pair */
};

struct fcgi_param {
	const char *name, *value;
	size_t nlen, vlen;
};

/* Which pair was at fault: its place (from 0), and its name when the
 * name is in (else NULL).  For a log line; never the value. */
struct fcgi_params_error {
	enum fcgi_params_fault fault;
	size_t index;
	const char *name;
	size_t nlen;
	size_t len;                  /* the length over the limit */
};

/* Parse the pairs of buf[*pos..len), the PARAMS stream so far, into
 * out[*n..] (MAX_PARAMS entries), moving *pos past each complete pair; a
 * pair cut at len waits for more.  The slices point into buf.  done: the
 * stream has ended at len.  0, or -1 with *e set. */
int fcgi_params_parse(const unsigned char *buf, size_t len, size_t *pos,
    int done, struct fcgi_param *out, size_t *n, struct fcgi_params_error *e);

/* "value of param #3 (HTTP_X_FOO) is 70000 bytes, over the limit of
 * 65536": the name escaped, no value. */
void fcgi_params_error_text(const struct fcgi_params_error *e, char *buf,
    size_t len);

#endif
