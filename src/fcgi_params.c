/* fcgi_params.c — parses the FastCGI request head: record headers, the
 * BEGIN_REQUEST body and the PARAMS name-value pairs, within the limits of
 * bounds.h.  No I/O: fcgi_conn.c reads the connection and feeds it. */
#include "fcgi_params.h"

#include <stdio.h>
#include <string.h>

#include "bounds.h"

int
fcgi_record_decode(const unsigned char *b, struct fcgi_record *r)
{
	r->type = b[1];
	r->id = (unsigned)b[2] << 8 | b[3];
	r->clen = (size_t)b[4] << 8 | b[5];
	r->plen = b[6];
	return b[0] == 1 ? 0 : -1;
}

void
fcgi_record_encode(unsigned char *b, unsigned type, unsigned id, size_t clen,
    size_t plen)
{
	b[0] = 1;
	b[1] = (unsigned char)type;
	b[2] = (unsigned char)(id >> 8);
	b[3] = (unsigned char)id;
	b[4] = (unsigned char)(clen >> 8);
	b[5] = (unsigned char)clen;
	b[6] = (unsigned char)plen;
	b[7] = 0;
}

int
fcgi_begin_role(const unsigned char *b, size_t n)
{
	return n == 8 ? (int)((unsigned)b[0] << 8 | b[1]) : -1;
}

/* A length: one byte below 128, else four with the top bit set (31 bits).
 * 1 and *v, 0 if not all of it is in. */
static int
get_len(const unsigned char *p, size_t avail, size_t *used, size_t *v)
{
	if (avail < 1)
		return 0;
	if (p[0] < 0x80) {
		*v = p[0];
		*used = 1;
		return 1;
	}
	if (avail < 4)
		return 0;
	*v = (size_t)(p[0] & 0x7f) << 24 | (size_t)p[1] << 16 |
	    (size_t)p[2] << 8 | p[3];
	*used = 4;
	return 1;
}

static int
fault(struct fcgi_params_error *e, enum fcgi_params_fault f, size_t index,
    const unsigned char *name, size_t nlen, size_t len)
{
	e->fault = f;
	e->index = index;
	e->name = (const char *)name;
	e->nlen = name ? nlen : 0;
	e->len = len;
	return -1;
}

int
fcgi_params_parse(const unsigned char *buf, size_t len, size_t *pos, int done,
    struct fcgi_param *out, size_t *n, struct fcgi_params_error *e)
{
	for (;;) {
		const unsigned char *p = buf + *pos;
		size_t avail = len - *pos, u1 = 0, u2 = 0, nl = 0, vl = 0;
		int have = get_len(p, avail, &u1, &nl) &&
		    get_len(p + u1, avail - u1, &u2, &vl);
		/* The name, once it is in: the pair at fault is named. */
		const unsigned char *name = have && nl <= avail - u1 - u2 ?
		    p + u1 + u2 : NULL;

		if (len > MAX_PARAMS_TOTAL)
			return fault(e, FCGI_PARAMS_TOO_LARGE, *n, name, nl, len);
		if (avail == 0)
			return 0;
		if (have && vl > MAX_PARAM_VALUE)
			return fault(e, FCGI_PARAM_VALUE_TOO_LONG, *n, name, nl, vl);
		if (*n >= MAX_PARAMS)
			return fault(e, FCGI_PARAMS_TOO_MANY, *n, name, nl, *n + 1);
		/* (nl and vl are below 2^31 each: no overflow here.) */
		if (!have || nl + vl > avail - u1 - u2) {
			if (done)
				return fault(e, FCGI_PARAMS_CUT, *n, name, nl, avail);
			return 0;
		}
		out[*n] = (struct fcgi_param){ (const char *)p + u1 + u2,
		    (const char *)p + u1 + u2 + nl, nl, vl };
		(*n)++;
		*pos += u1 + u2 + nl + vl;
	}
}

void
fcgi_params_error_text(const struct fcgi_params_error *e, char *buf, size_t len)
{
	char name[200];
	size_t o = 0;

	/* At most 48 bytes of the name, escaped. */
	for (size_t i = 0; e->name && i < e->nlen && i < 48; i++) {
		unsigned char c = (unsigned char)e->name[i];
		o += (size_t)snprintf(name + o, sizeof(name) - o,
		    c > 32 && c < 127 && c != '\\' ? "%c" : "\\x%02x", c);
	}
	if (e->name && e->nlen > 48)
		o += (size_t)snprintf(name + o, sizeof(name) - o, "...");
	name[o] = '\0';
	switch (e->fault) {
	case FCGI_PARAMS_TOO_LARGE:
		snprintf(buf, len, "params of more than %d bytes in all "
		    "(at param #%zu %s)", MAX_PARAMS_TOTAL, e->index + 1,
		    e->name ? name : "(name not in yet)");
		break;
	case FCGI_PARAMS_TOO_MANY:
		snprintf(buf, len, "more than %d params (param #%zu %s)",
		    MAX_PARAMS, e->index + 1, e->name ? name : "(name not in yet)");
		break;
	case FCGI_PARAM_VALUE_TOO_LONG:
		snprintf(buf, len, "the value of param #%zu %s is %zu bytes, "
		    "over the limit of %d", e->index + 1,
		    e->name ? name : "(name not in yet)", e->len, MAX_PARAM_VALUE);
		break;
	case FCGI_PARAMS_CUT:
	default:
		snprintf(buf, len, "the params end inside param #%zu",
		    e->index + 1);
		break;
	}
}
