/* csrf.h — cross-site request protection, the pure part: which methods
 * change state, whether a request's Sec-Fetch-Site and Origin say it came
 * from this site or a trusted one, and where a form body carries the
 * token.  No I/O: the worker reads the params and the body's start, asks
 * these, and answers 403. */
#ifndef SW_CSRF_H
#define SW_CSRF_H

#include <stddef.h>

/* An origin, scheme://host[:port]: slices of the text it was parsed from. */
struct csrf_origin {
	int https;               /* scheme https (else http) */
	const char *host;        /* name, IPv4 or [IPv6], brackets kept */
	size_t hlen;
	unsigned port;           /* given, or 80 / 443 by the scheme */
};

/* Parse s[0..len) as an origin exactly: "http" or "https" (any case),
 * "://", a host of letters, digits, '-' and '.' or a bracketed IPv6
 * literal, an optional ":port" (1-65535, digits only), and nothing after
 * it (no path, not even "/").  0, or -1 when it is not one ("null" is
 * not). */
int csrf_origin_parse(const char *s, size_t len, struct csrf_origin *o);

/* GET, HEAD and OPTIONS (exact case, as RFC 9110 methods are): never
 * refused.  Every other method, unknown ones and a missing one too, is
 * checked. */
int csrf_method_safe(const char *method);

/* What the origin check looks at: params of the request, NULL when
 * absent. */
struct csrf_request {
	const char *method;          /* REQUEST_METHOD */
	const char *sec_fetch_site;  /* HTTP_SEC_FETCH_SITE */
	const char *origin;          /* HTTP_ORIGIN */
	const char *host;            /* HTTP_HOST: host[:port] */
	int https;                   /* the request came over HTTPS */
};

/* The origin check (Go 1.25's CrossOriginProtection):
 *  - a safe method passes;
 *  - Sec-Fetch-Site, when sent, decides: same-origin and none pass, any
 *    other value (cross-site, same-site: a sibling subdomain is not this
 *    site) is refused unless Origin is a trusted origin;
 *  - else Origin, when sent, must be the request's own origin (scheme by
 *    https, host and port by Host, the port defaulting by the scheme;
 *    case-insensitive) or a trusted one;
 *  - with neither header (an old browser, or no browser) it passes.
 * trusted: ntrusted origins as the config gives them (csrf_origin_parse
 * accepts each).  0 to pass, -1 to refuse, with why naming the header at
 * fault and its value (cut). */
int csrf_origin_check(const struct csrf_request *rq, char *const *trusted,
    int ntrusted, char *why, size_t whylen);

/* Whether a Content-Type is application/x-www-form-urlencoded (any case,
 * parameters such as "; charset=UTF-8" allowed). */
int csrf_form_type(const char *content_type);

/* Find the form field csrf_token in the start of a urlencoded body:
 * body[0..len), which is the whole body when whole is set.  Names and
 * values are decoded (form_decode); the first field of that name counts.
 * The value is decoded into out (cap bytes).  Returns
 *   CSRF_FOUND    the value is in out[0..*outlen)
 *   CSRF_ABSENT   the whole body has no such field
 *   CSRF_BEYOND   not in this start of a longer body (a field cut at the
 *                 end of the start counts as not seen)
 *   CSRF_BAD      the field's value is malformed (bad %-encoding, a NUL)
 *                 or its encoded form is longer than cap */
enum csrf_find { CSRF_FOUND, CSRF_ABSENT, CSRF_BEYOND, CSRF_BAD };
enum csrf_find csrf_form_token(const char *body, size_t len, int whole,
    char *out, size_t cap, size_t *outlen);

#endif
