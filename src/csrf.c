/* csrf.c — cross-site request protection, the pure checks (csrf.h): the
 * origin check on Sec-Fetch-Site and Origin, and the token's place in a
 * form body.  No I/O; the worker does the reading and the answering. */
#include "csrf.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "form.h"

/* How much of a header's value a refusal's reason shows. */
#define WHY_VALUE_MAX 200

/* host[:port] exactly, the port defaulting to defport.  A host is a name
 * (letters, digits, '-', '.', '_': browsers send underscores in names as
 * they are) or an IPv6 literal in brackets.  0 or -1. */
static int
parse_hostport(const char *s, size_t len, unsigned defport,
    struct csrf_origin *o)
{
	static const char name_ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-._";
	size_t i = 0;

	if (len == 0)
		return -1;
	if (s[0] == '[') {
		for (i = 1; i < len && s[i] != ']'; i++)
			if (!strchr("0123456789abcdefABCDEF:.", s[i]))
				return -1;
		if (i == len || i == 1)
			return -1;
		i++;                         /* the ']' */
	} else {
		while (i < len && s[i] != ':') {
			if (s[i] == '\0' || !strchr(name_ok, s[i]))
				return -1;
			i++;
		}
		if (i == 0)
			return -1;
	}
	o->host = s;
	o->hlen = i;
	o->port = defport;
	if (i == len)
		return 0;
	if (s[i] != ':' || ++i == len || len - i > 5)
		return -1;
	o->port = 0;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		o->port = o->port * 10 + (unsigned)(s[i] - '0');
	}
	return o->port >= 1 && o->port <= 65535 ? 0 : -1;
}

int
csrf_origin_parse(const char *s, size_t len, struct csrf_origin *o)
{
	size_t skip;

	if (len >= 7 && strncasecmp(s, "http://", 7) == 0) {
		o->https = 0;
		skip = 7;
	} else if (len >= 8 && strncasecmp(s, "https://", 8) == 0) {
		o->https = 1;
		skip = 8;
	} else {
		return -1;
	}
	return parse_hostport(s + skip, len - skip, o->https ? 443 : 80, o);
}

static int
origin_equal(const struct csrf_origin *a, const struct csrf_origin *b)
{
	return a->https == b->https && a->port == b->port &&
	    a->hlen == b->hlen && strncasecmp(a->host, b->host, a->hlen) == 0;
}

int
csrf_method_safe(const char *method)
{
	return method && (strcmp(method, "GET") == 0 ||
	    strcmp(method, "HEAD") == 0 || strcmp(method, "OPTIONS") == 0);
}

/* The Origin header is one of the trusted origins. */
static int
trusted_origin(const char *origin, char *const *trusted, int ntrusted)
{
	struct csrf_origin o, t;

	if (!origin || csrf_origin_parse(origin, strlen(origin), &o) < 0)
		return 0;
	for (int i = 0; i < ntrusted; i++)
		if (csrf_origin_parse(trusted[i], strlen(trusted[i]), &t) == 0 &&
		    origin_equal(&o, &t))
			return 1;
	return 0;
}

int
csrf_origin_check(const struct csrf_request *rq, char *const *trusted,
    int ntrusted, char *why, size_t whylen)
{
	struct csrf_origin o, self;
	const char *sfs = rq->sec_fetch_site;

	if (csrf_method_safe(rq->method))
		return 0;
	if (sfs) {
		/* Set by the browser, never by a page: it knows. */
		if (strcmp(sfs, "same-origin") == 0 || strcmp(sfs, "none") == 0)
			return 0;
		if (trusted_origin(rq->origin, trusted, ntrusted))
			return 0;
		snprintf(why, whylen, "Sec-Fetch-Site is '%.*s'%s", WHY_VALUE_MAX,
		    sfs, rq->origin ? " and Origin is not a trusted origin" : "");
		return -1;
	}
	if (!rq->origin)
		return 0;                /* an old browser, or none */
	if (trusted_origin(rq->origin, trusted, ntrusted))
		return 0;
	if (!rq->host || parse_hostport(rq->host, strlen(rq->host),
	        rq->https ? 443 : 80, &self) < 0) {
		snprintf(why, whylen, "Origin is '%.*s' and the Host header (%s) "
		    "gives no origin to compare it with", WHY_VALUE_MAX,
		    rq->origin, rq->host ? "malformed" : "absent");
		return -1;
	}
	self.https = rq->https;
	if (csrf_origin_parse(rq->origin, strlen(rq->origin), &o) == 0 &&
	    origin_equal(&o, &self))
		return 0;
	snprintf(why, whylen, "Origin '%.*s' is neither this request's origin "
	    "(%s://%.*s:%u) nor a trusted origin", WHY_VALUE_MAX, rq->origin,
	    rq->https ? "https" : "http", (int)(self.hlen < WHY_VALUE_MAX ?
	    self.hlen : WHY_VALUE_MAX), self.host, self.port);
	return -1;
}

int
csrf_form_type(const char *ct)
{
	static const char form[] = "application/x-www-form-urlencoded";
	size_t n = sizeof(form) - 1;

	if (!ct)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, form, n) != 0)
		return 0;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

enum csrf_find
csrf_form_token(const char *body, size_t len, int whole, char *out,
    size_t cap, size_t *outlen)
{
	static const char name[] = "csrf_token";
	char key[3 * (sizeof(name) - 1)];
	struct form_field f;
	size_t pos = 0;
	long n;

	while (form_next(body, len, &pos, &f)) {
		/* A field that runs to the end of a start may go on past it:
		 * its name and value are not known. */
		if (!whole && pos == len)
			return CSRF_BEYOND;
		if (f.klen > sizeof(key) ||
		    (n = form_decode(key, f.key, f.klen)) != (long)sizeof(name) - 1 ||
		    memcmp(key, name, sizeof(name) - 1) != 0)
			continue;
		if (f.vlen > cap || (n = form_decode(out, f.value, f.vlen)) < 0)
			return CSRF_BAD;
		*outlen = (size_t)n;
		return CSRF_FOUND;
	}
	return whole ? CSRF_ABSENT : CSRF_BEYOND;
}
